// Package introspect is the only package that reflects on user types. It
// turns the app's registered endpoints into one [Model] — workflows, nodes,
// edges, groups, input fields and output fields — and from the same input
// declarations builds each input's JSON Schema and the validator every
// entrypoint (CLI flags, environment, input files, HTTP) decodes with.
//
// Nothing is executed but the workflow constructors, once each.
package introspect

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

// Endpoint is a registered workflow: a name and the constructor that builds
// it. Sources, optional, are the Go files of the packages declaring the
// input and output types (//go:embed *.go); field doc comments found there
// describe fields that have no help tag.
type Endpoint struct {
	Name    string
	Build   func() runtime.Described
	Sources []fs.FS
}

// Options configure Describe. The zero value is ready to use.
type Options struct {
	// SchemaBaseURL prefixes every schema's $id: <base><endpoint>.schema.json.
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
	DefaultSchemaBaseURL = "https://fluxly-go.github.io/fluxly/schemas/"
	DefaultEnvPrefix     = "FLUXLY_"
	DefaultMaxInputBytes = 1 << 20
	DefaultMaxDepth      = 32
)

func (o *Options) fill() {
	if o.SchemaBaseURL == "" {
		o.SchemaBaseURL = DefaultSchemaBaseURL
	}
	if !strings.HasSuffix(o.SchemaBaseURL, "/") {
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

// Describe builds the model of every endpoint. All problems found (invalid
// names, graph errors, unsupported field types, defaults that break their
// own rules, flag collisions) are reported at once.
func Describe(endpoints []Endpoint, opts Options) (*Model, error) {
	opts.fill()
	m := &Model{Version: ModelVersion}
	var errs []error
	seen := map[string]bool{}
	for _, ep := range endpoints {
		switch {
		case !endpointName.MatchString(ep.Name):
			errs = append(errs, fmt.Errorf("endpoint %q: names are 1–63 lowercase letters, digits, '-' or '_', starting with a letter or digit", ep.Name))
			continue
		case seen[ep.Name]:
			errs = append(errs, fmt.Errorf("endpoint %q is registered twice", ep.Name))
			continue
		}
		seen[ep.Name] = true
		w, err := describe(ep, &opts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m.Workflows = append(m.Workflows, w)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.SortFunc(m.Workflows, func(a, b *Workflow) int { return strings.Compare(a.Endpoint, b.Endpoint) })
	return m, nil
}

func describe(ep Endpoint, opts *Options) (w *Workflow, err error) {
	defer func() {
		if p := recover(); p != nil {
			w, err = nil, fmt.Errorf("endpoint %q: panic while describing: %v\n%s", ep.Name, p, debug.Stack())
		}
	}()
	if ep.Build == nil {
		return nil, fmt.Errorf("endpoint %q: no workflow constructor", ep.Name)
	}
	wf := ep.Build()
	if wf == nil {
		return nil, fmt.Errorf("endpoint %q: the constructor returned nil", ep.Name)
	}
	if err := wf.Err(); err != nil {
		return nil, fmt.Errorf("endpoint %q: %w", ep.Name, err)
	}
	spec := wf.Spec()
	com := newComments()
	for _, src := range ep.Sources {
		if err := com.add(src); err != nil {
			return nil, fmt.Errorf("endpoint %q: reading sources: %w", ep.Name, err)
		}
	}
	w = &Workflow{
		Endpoint: ep.Name, Name: spec.Name, Description: spec.Description, Version: spec.Version,
		MaxConcurrency: spec.MaxConcurrency, Hooks: spec.Hooks,
		Nodes: []Node{}, Edges: []Edge{},
	}
	for _, n := range spec.Nodes {
		w.Nodes = append(w.Nodes, describeNode(n, com))
	}
	for _, e := range spec.Edges {
		w.Edges = append(w.Edges, Edge{From: e.From, To: e.To, Kind: e.Kind.String(), Label: e.Label})
	}
	for _, g := range spec.Groups {
		w.Groups = append(w.Groups, Group{Nodes: g})
	}
	in := reflect.TypeOf(spec.Input)
	if in == nil || in.Kind() != reflect.Pointer || in.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("endpoint %q: the input type must be a struct, not %v", ep.Name, in)
	}
	if err := w.describeInput(in.Elem(), opts, com); err != nil {
		return nil, fmt.Errorf("endpoint %q: %w", ep.Name, err)
	}
	return w, nil
}

func describeNode(n runtime.NodeSpec, com *comments) Node {
	node := Node{
		Name: n.Name, Description: n.Description, GoType: qualified(reflect.TypeOf(n.Impl)),
		MaxRetries: n.MaxRetries, Hooks: n.Hooks,
		Timeout: durationText(n.Timeout), RetryDelay: durationText(n.RetryDelay),
	}
	if n.Backoff != nil {
		node.Backoff = &Backoff{Factor: n.Backoff.Factor, Max: durationText(n.Backoff.Max)}
	}
	out := reflect.TypeOf(n.Output).Elem()
	if out != reflect.TypeFor[runtime.NoOutput]() {
		node.Output = describeOutput(out, com)
	}
	return node
}

func durationText(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func describeOutput(t reflect.Type, com *comments) *Output {
	o := &Output{GoType: qualified(t)}
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
			o.Fields = append(o.Fields, OutputField{Name: name, GoType: f.Type.String(), JSONType: jsonTypeOf(f.Type), Description: desc})
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
