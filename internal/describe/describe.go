// Package describe builds the introspection model of an endpoint's
// workflow and, from the same input declaration, its JSON Schema and the
// codec every entrypoint (CLI flags, environment, input files, HTTP)
// decodes and redacts input with. It is the only code that reflects on
// user input and output types; package introspect holds the plain model it
// fills.
//
// Nothing is executed but the workflow constructors, once each.
package describe

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	jsv "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/fluxly-go/fluxly/internal/spec"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// Options configure Describe. The zero value is ready to use.
type Options struct {
	// SchemaBaseURL prefixes every schema's $id: <base><endpoint>.schema.json
	// (a "/" is added when missing). Empty, the $id is relative:
	// <endpoint>.schema.json, resolved against wherever the schema is
	// published.
	SchemaBaseURL string
	// EnvPrefix prefixes environment variables (default "FLUXLY_").
	EnvPrefix string
	// ReservedFlags are flag names the CLI itself uses; a field whose flag
	// would take one is an error.
	ReservedFlags []string
	// ReservedEnv are environment variables the app itself reads; a field
	// whose variable would be one is an error.
	ReservedEnv []string
	// MaxInputBytes bounds an input document (default 1 MiB).
	MaxInputBytes int
	// MaxDepth bounds the nesting of an input document (default 32).
	MaxDepth int
}

// Defaults for Options.
const (
	DefaultEnvPrefix     = "FLUXLY_"
	DefaultMaxInputBytes = 1 << 20
	DefaultMaxDepth      = 32
)

func (o *Options) fill() {
	if o.SchemaBaseURL != "" && !strings.HasSuffix(o.SchemaBaseURL, "/") {
		o.SchemaBaseURL += "/"
	}
	if o.EnvPrefix == "" {
		o.EnvPrefix = DefaultEnvPrefix
	}
	if o.MaxInputBytes <= 0 {
		o.MaxInputBytes = DefaultMaxInputBytes
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
}

var endpointName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// CheckName reports whether name can be an endpoint: it becomes a command,
// a route segment and a file name.
func CheckName(name string) error {
	if !endpointName.MatchString(name) {
		return fmt.Errorf("endpoint %q: names are 1–63 lowercase letters, digits, '-' or '_', starting with a letter or digit", name)
	}
	return nil
}

// Codec is an endpoint's input codec: it parses, merges defaults into,
// validates, redacts and decodes input documents, all by the one field
// table Describe built from the input struct.
type Codec struct {
	w         *introspect.Workflow
	fields    []field // declaration order; nested fields follow their parent
	byPath    map[string]*field
	inputType reflect.Type
	schema    []byte
	validator *jsv.Schema
	defaults  map[string]any // every default, nested like the input; parsed once
	maxBytes  int
	maxDepth  int
}

// field is a model field with what decoding needs of its Go declaration.
type field struct {
	introspect.Field
	goType reflect.Type
	index  []int
	def    json.RawMessage // the default, secret or not: what decoding applies
	// noFill: the field's zero value breaks its own rules (a pattern, a
	// lower bound, an enum), so Check leaves the field out when absent
	// rather than write a value the schema rejects; decoding gives it the
	// zero value all the same.
	noFill bool
}

// Describe describes wf, the workflow an endpoint's constructor returned
// (a *runtime.Workflow[I]), as endpoint name. sources are the Go files of
// the packages declaring the input and output types, for doc comments.
// Every problem found (graph errors, unsupported field types, defaults
// that break their own rules, flag collisions) is reported at once.
func Describe(name string, wf any, sources []fs.FS, opts Options) (w *introspect.Workflow, c *Codec, err error) {
	opts.fill()
	defer func() {
		if p := recover(); p != nil {
			w, c, err = nil, nil, fmt.Errorf("endpoint %q: panic while describing: %v\n%s", name, p, debug.Stack())
		}
	}()
	if err := CheckName(name); err != nil {
		return nil, nil, err
	}
	sp, err := spec.Of(wf)
	if err != nil {
		return nil, nil, fmt.Errorf("endpoint %q: %w", name, err)
	}
	com := newComments()
	for _, src := range sources {
		if err := com.add(src); err != nil {
			return nil, nil, fmt.Errorf("endpoint %q: reading sources: %w", name, err)
		}
	}
	w = &introspect.Workflow{
		Endpoint: name, Name: sp.Name, Description: sp.Description, Version: sp.Version,
		MaxConcurrency: sp.MaxConcurrency, Hooks: sp.Hooks,
		Nodes: []introspect.Node{}, Edges: []introspect.Edge{},
	}
	for _, n := range sp.Nodes {
		w.Nodes = append(w.Nodes, describeNode(n, com))
	}
	for _, e := range sp.Edges {
		w.Edges = append(w.Edges, introspect.Edge{From: e.From, To: e.To, Kind: runtime.EdgeKind(e.Kind), Label: e.Label})
	}
	for _, g := range sp.Groups {
		w.Groups = append(w.Groups, introspect.Group{Nodes: g})
	}
	in := sp.Input
	if in == nil || in.Kind() != reflect.Struct {
		return nil, nil, fmt.Errorf("endpoint %q: the input type must be a struct, not %v", name, in)
	}
	c = &Codec{w: w}
	if err := c.describeInput(in, &opts, com); err != nil {
		return nil, nil, fmt.Errorf("endpoint %q: %w", name, err)
	}
	w.Schema = c.schema
	return w, c, nil
}

// Model assembles workflows into a model, sorted by endpoint. Two
// workflows at the same endpoint are an error.
func Model(ws ...*introspect.Workflow) (*introspect.Model, error) {
	m := &introspect.Model{Version: introspect.ModelVersion, Workflows: slices.Clone(ws)}
	slices.SortStableFunc(m.Workflows, func(a, b *introspect.Workflow) int { return strings.Compare(a.Endpoint, b.Endpoint) })
	var errs []error
	for i := 1; i < len(m.Workflows); i++ {
		if m.Workflows[i].Endpoint == m.Workflows[i-1].Endpoint {
			errs = append(errs, fmt.Errorf("endpoint %q is registered twice", m.Workflows[i].Endpoint))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if m.Workflows == nil {
		m.Workflows = []*introspect.Workflow{}
	}
	return m, nil
}

// Workflow returns the model of the codec's endpoint.
func (c *Codec) Workflow() *introspect.Workflow { return c.w }

func describeNode(n spec.Node, com *comments) introspect.Node {
	node := introspect.Node{
		Name: n.Name, Description: n.Description, GoType: qualified(n.Type),
		MaxRetries: n.MaxRetries, Hooks: n.Hooks,
		Timeout: durationText(n.Timeout), RetryDelay: durationText(n.RetryDelay),
		Jitter: n.Jitter, NonRetryable: n.NonRetryable,
		TriggerRule: n.TriggerRule, ContinueOnFailure: n.ContinueOnFailure,
	}
	if n.Backoff != nil {
		node.Backoff = &introspect.Backoff{Factor: n.Backoff.Factor, Max: durationText(n.Backoff.Max)}
	}
	if n.Output != nil {
		node.Output = describeOutput(n.Output, com)
	}
	return node
}

func durationText(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func describeOutput(t reflect.Type, com *comments) *introspect.Output {
	o := &introspect.Output{GoType: qualified(t)}
	if t.Kind() != reflect.Struct {
		return o
	}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, skip := jsonName(f)
			if skip {
				continue
			}
			if f.Anonymous && name == "" && indirect(f.Type).Kind() == reflect.Struct {
				walk(indirect(f.Type))
				continue
			}
			if name == "" {
				name = f.Name
			}
			desc := f.Tag.Get("help")
			if desc == "" {
				desc = com.lookup(t, f.Name)
			}
			o.Fields = append(o.Fields, introspect.OutputField{Name: name, GoType: f.Type.String(), JSONType: jsonTypeOf(f.Type), Description: desc})
		}
	}
	walk(t)
	return o
}

// qualified names a type with its full package path: github.com/acme/x.Type.
func qualified(t reflect.Type) string {
	if t == nil {
		return ""
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() == "" || t.PkgPath() == "" {
		return t.String()
	}
	name := t.Name()
	if i := strings.IndexByte(name, '['); i >= 0 { // generic instance: keep its arguments
		return t.PkgPath() + "." + name[:i] + t.String()[strings.IndexByte(t.String(), '['):]
	}
	return t.PkgPath() + "." + name
}

func indirect(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// Endpoint is a built workflow (a *runtime.Workflow[I]) and its name, for
// DescribeAll.
type Endpoint struct {
	Name     string
	Workflow any
	Sources  []fs.FS
}

// DescribeAll describes several endpoints into one model, reporting every
// problem at once: for tests and tools that need a model without an app.
func DescribeAll(opts Options, eps ...Endpoint) (*introspect.Model, error) {
	var ws []*introspect.Workflow
	var errs []error
	for _, e := range eps {
		w, _, err := Describe(e.Name, e.Workflow, e.Sources, opts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ws = append(ws, w)
	}
	m, err := Model(ws...)
	if err := errors.Join(append(errs, err)...); err != nil {
		return nil, err
	}
	return m, nil
}
