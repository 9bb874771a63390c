// Package endpoint is a workflow registered under a name, built once at
// registration into one typed value: its model, its input codec and a
// runner typed by its input. The CLI, the environment trigger and the HTTP
// API all take endpoints: input reaches a run as one JSON object, checked
// and decoded once into the input struct, which is handed to the runtime
// without passing through any other shape.
package endpoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"runtime/debug"

	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/internal/spec/engine"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// Endpoint is a registered workflow.
type Endpoint struct {
	name  string
	model *introspect.Workflow
	codec *describe.Codec
	// decode turns a checked document into an Input holding the typed
	// input; set by New for the endpoint's input type.
	decode func(e *Endpoint, doc map[string]any) (*Input, error)
}

// Input is a decoded input of an endpoint, ready to run.
type Input struct {
	endpoint *Endpoint
	doc      []byte // the checked document, secrets and all
	redacted map[string]any
	base     runtime.Input
	run      func(ctx context.Context, opts ...runtime.RunOption) (*runtime.Result, error)
	stepper  func(cfg engine.Config) (engine.Stepper, error)
}

// New describes the workflow build returns (calling it once) and makes
// it an endpoint. mw wraps every node attempt of its runs.
func New[I any](name string, build func() *runtime.Workflow[I], sources []fs.FS, opts describe.Options, mw []runtime.Middleware) (*Endpoint, error) {
	if build == nil {
		return nil, fmt.Errorf("endpoint %q: nil workflow constructor", name)
	}
	if err := describe.CheckName(name); err != nil {
		return nil, err
	}
	wf, err := construct(name, build)
	if err != nil {
		return nil, err
	}
	model, codec, err := describe.Describe(name, wf, sources, opts)
	if err != nil {
		return nil, err
	}
	runOpts := []runtime.RunOption{}
	if len(mw) > 0 {
		runOpts = append(runOpts, runtime.WithMiddleware(mw...))
	}
	e := &Endpoint{name: name, model: model, codec: codec}
	e.decode = func(e *Endpoint, doc map[string]any) (*Input, error) {
		in := new(I)
		if err := e.codec.Decode(doc, in); err != nil {
			return nil, err
		}
		x := &Input{endpoint: e}
		if b, ok := any(in).(interface{ BaseInput() *runtime.Input }); ok {
			x.base = *b.BaseInput()
		}
		x.run = func(ctx context.Context, opts ...runtime.RunOption) (*runtime.Result, error) {
			return runtime.Run(ctx, build, in, append(runOpts[:len(runOpts):len(runOpts)], opts...)...)
		}
		x.stepper = func(cfg engine.Config) (engine.Stepper, error) {
			wf, err := construct(e.name, build)
			if err != nil {
				return nil, err
			}
			for _, o := range runOpts {
				cfg.Options = append(cfg.Options[:len(cfg.Options):len(cfg.Options)], o)
			}
			return engine.New(wf, in, cfg)
		}
		return x, nil
	}
	return e, nil
}

// construct calls the constructor once for the description, turning a
// panic or a nil workflow into an error.
func construct[I any](name string, build func() *runtime.Workflow[I]) (wf *runtime.Workflow[I], err error) {
	defer func() {
		if p := recover(); p != nil {
			wf, err = nil, fmt.Errorf("endpoint %q: the constructor panicked: %v\n%s", name, p, debug.Stack())
		}
	}()
	if wf = build(); wf == nil {
		return nil, fmt.Errorf("endpoint %q: the constructor returned nil", name)
	}
	return wf, nil
}

// Name returns the endpoint's name.
func (e *Endpoint) Name() string { return e.name }

// Model returns the endpoint's workflow model.
func (e *Endpoint) Model() *introspect.Workflow { return e.model }

// Decode checks doc, the input as one JSON object merged from every source
// (numbers as json.Number or Go numbers, durations as strings), completes
// it with defaults and decodes it into the input struct. Problems with the
// values are a *describe.ValidationError listing every one. doc is
// consumed.
func (e *Endpoint) Decode(doc map[string]any) (*Input, error) {
	if doc == nil {
		doc = map[string]any{}
	}
	if err := e.codec.Check(doc); err != nil {
		return nil, err
	}
	redacted := e.codec.Redact(doc)
	full, err := json.Marshal(doc) // before decoding changes doc
	if err != nil {
		return nil, err
	}
	in, err := e.decode(e, doc)
	if err != nil {
		return nil, err
	}
	in.redacted, in.doc = redacted, full
	return in, nil
}

// Parse reads a JSON input document (an input file) as Decode takes it:
// a JSON object within the size and nesting limits, numbers as
// json.Number. Problems are a *describe.ValidationError.
func (e *Endpoint) Parse(data []byte) (map[string]any, error) { return e.codec.Parse(data) }

// DecodeJSON is Decode of a JSON document, such as an HTTP request body.
func (e *Endpoint) DecodeJSON(data []byte) (*Input, error) {
	doc, err := e.codec.Parse(data)
	if err != nil {
		return nil, err
	}
	return e.Decode(doc)
}

// Endpoint returns the endpoint the input is for.
func (in *Input) Endpoint() *Endpoint { return in.endpoint }

// Redacted returns the input as a JSON object with defaults applied and
// every secret that has a value replaced by "***". Callers must not
// change it.
func (in *Input) Redacted() map[string]any { return in.redacted }

// Document returns the input as the checked JSON document, defaults
// applied, secrets and all: what a runner in another process hands to
// DecodeJSON there. Keep it out of logs and records.
func (in *Input) Document() []byte { return in.doc }

// Base returns the input's common fields (verbose, timeouts, reports).
func (in *Input) Base() runtime.Input { return in.base }

// Run runs the endpoint's workflow with the input.
func (in *Input) Run(ctx context.Context, opts ...runtime.RunOption) (*runtime.Result, error) {
	return in.run(ctx, opts...)
}

// Stepper builds a fresh engine stepper for the input: one constructor
// call, the typed input as decoded, the endpoint's middleware added to
// cfg.Options. An engine that runs nodes elsewhere (Temporal) makes one
// in its workflow function and one per node attempt, from the same
// Document decoded again.
func (in *Input) Stepper(cfg engine.Config) (engine.Stepper, error) { return in.stepper(cfg) }

// Set is an app's endpoints, sorted by name, and their model.
type Set struct {
	list  []*Endpoint
	model *introspect.Model
}

// NewSet assembles endpoints; a name given twice is an error.
func NewSet(eps ...*Endpoint) (*Set, error) {
	ws := make([]*introspect.Workflow, len(eps))
	for i, e := range eps {
		if e == nil {
			return nil, errors.New("endpoint: nil endpoint")
		}
		ws[i] = e.model
	}
	m, err := describe.Model(ws...)
	if err != nil {
		return nil, err
	}
	s := &Set{model: m}
	for _, w := range m.Workflows {
		for _, e := range eps {
			if e.model == w {
				s.list = append(s.list, e)
			}
		}
	}
	return s, nil
}

// Model returns the model of every endpoint.
func (s *Set) Model() *introspect.Model { return s.model }

// All returns the endpoints, sorted by name.
func (s *Set) All() []*Endpoint { return s.list }

// Get returns the endpoint named name, or nil.
func (s *Set) Get(name string) *Endpoint {
	for _, e := range s.list {
		if e.name == name {
			return e
		}
	}
	return nil
}

// Names returns the endpoints' names, sorted.
func (s *Set) Names() []string {
	out := make([]string, len(s.list))
	for i, e := range s.list {
		out[i] = e.name
	}
	return out
}
