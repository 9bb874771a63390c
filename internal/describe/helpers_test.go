package describe_test

import (
	"flag"
	"io/fs"
	"testing"

	"github.com/fluxly-go/fluxly/examples/branching"
	echomsg "github.com/fluxly-go/fluxly/examples/echo-msg"
	"github.com/fluxly-go/fluxly/examples/etl"
	failwith "github.com/fluxly-go/fluxly/examples/fail-with"
	"github.com/fluxly-go/fluxly/examples/flaky"
	"github.com/fluxly-go/fluxly/examples/orders"
	producerconsumer "github.com/fluxly-go/fluxly/examples/producer-consumer"
	"github.com/fluxly-go/fluxly/examples/slow"
	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/internal/describe/internal/testinputs/sink"
	"github.com/fluxly-go/fluxly/internal/golden"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// ep is an endpoint as the tests declare it: a constructor, called once.
type ep struct {
	Name    string
	Build   func() any
	Sources []fs.FS
}

func endpoint[I any](name string, build func() *runtime.Workflow[I], src fs.FS) ep {
	return ep{Name: name, Build: func() any { return build() }, Sources: []fs.FS{src}}
}

func describeAll(eps []ep, opts describe.Options) (*introspect.Model, error) {
	all := make([]describe.Endpoint, len(eps))
	for i, e := range eps {
		all[i] = describe.Endpoint{Name: e.Name, Sources: e.Sources}
		if e.Build != nil {
			all[i].Workflow = e.Build()
		}
	}
	return describe.DescribeAll(opts, all...)
}

// exampleEndpoints are the bundled examples, as cmd/fluxly registers them.
func exampleEndpoints() []ep {
	return []ep{
		endpoint("echo-msg", echomsg.New, echomsg.Sources),
		endpoint("producer-consumer", producerconsumer.New, producerconsumer.Sources),
		endpoint("etl", etl.New, etl.Sources),
		endpoint("branching", branching.New, branching.Sources),
		endpoint("flaky", flaky.New, flaky.Sources),
		endpoint("fail-with", failwith.New, failwith.Sources),
		endpoint("slow", slow.New, slow.Sources),
		endpoint("orders", orders.New, orders.Sources),
	}
}

func describeExamples(t testing.TB) *introspect.Model {
	t.Helper()
	m, err := describeAll(exampleEndpoints(), describe.Options{})
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	return m
}

// codec describes one endpoint and returns its model and codec.
func codec(t testing.TB, e ep, opts describe.Options) (*introspect.Workflow, *describe.Codec) {
	t.Helper()
	w, c, err := describe.Describe(e.Name, e.Build(), e.Sources, opts)
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	return w, c
}

func exampleCodec(t testing.TB, name string) (*introspect.Workflow, *describe.Codec) {
	t.Helper()
	for _, e := range exampleEndpoints() {
		if e.Name == name {
			return codec(t, e, describe.Options{})
		}
	}
	t.Fatalf("no example %q", name)
	return nil, nil
}

func sinkWorkflow(t testing.TB) (*introspect.Workflow, *describe.Codec) {
	t.Helper()
	return codec(t, endpoint("sink", sink.New, sink.Sources), describe.Options{})
}

// checkGolden compares got with the file at testdata/golden/<name> (from the
// repository root), or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, "../../testdata/golden/"+name, got, *update)
}
