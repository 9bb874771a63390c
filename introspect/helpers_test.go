package introspect_test

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/fluxly-go/fluxly/examples/branching"
	"github.com/fluxly-go/fluxly/examples/echo-msg"
	"github.com/fluxly-go/fluxly/examples/etl"
	"github.com/fluxly-go/fluxly/examples/fail-with"
	"github.com/fluxly-go/fluxly/examples/flaky"
	"github.com/fluxly-go/fluxly/examples/producer-consumer"
	"github.com/fluxly-go/fluxly/examples/slow"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/introspect/internal/testinputs/sink"
	"github.com/fluxly-go/fluxly/runtime"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func endpoint[I any](name string, build func() *runtime.Workflow[I], src fs.FS) introspect.Endpoint {
	return introspect.Endpoint{Name: name, Build: func() runtime.Described { return build() }, Sources: []fs.FS{src}}
}

// exampleEndpoints are the bundled examples, as cmd/fluxly registers them.
func exampleEndpoints() []introspect.Endpoint {
	return []introspect.Endpoint{
		endpoint("echo-msg", echomsg.New, echomsg.Sources),
		endpoint("producer-consumer", producerconsumer.New, producerconsumer.Sources),
		endpoint("etl", etl.New, etl.Sources),
		endpoint("branching", branching.New, branching.Sources),
		endpoint("flaky", flaky.New, flaky.Sources),
		endpoint("fail-with", failwith.New, failwith.Sources),
		endpoint("slow", slow.New, slow.Sources),
	}
}

func describeExamples(t testing.TB) *introspect.Model {
	t.Helper()
	m, err := introspect.Describe(exampleEndpoints(), introspect.Options{})
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	return m
}

func sinkWorkflow(t testing.TB) *introspect.Workflow {
	t.Helper()
	m, err := introspect.Describe([]introspect.Endpoint{endpoint("sink", sink.New, sink.Sources)}, introspect.Options{})
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	return m.Workflow("sink")
}

// golden compares got with the file at testdata/golden/<name> (from the
// repository root), or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./introspect -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test ./introspect -update and review the diff\n--- got\n%s", path, got)
	}
}
