package docgen_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/docgen"
)

// allDOT is every kind of DOT docgen writes: each example in both themes
// and directions, the sink, the run reports and the escaping cases.
func allDOT(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	m := examplesModel(t)
	for _, w := range m.Workflows {
		out[w.Endpoint] = docgen.DOT(w, docgen.Options{})
		out[w.Endpoint+"-dark-lr"] = docgen.DOT(w, docgen.Options{Theme: docgen.Dark, Direction: "LR"})
	}
	out["kitchen-sink"] = docgen.DOT(sinkWorkflow(t), docgen.Options{})
	for _, rc := range reportCases() {
		w := m.Workflow(rc.endpoint)
		out["report-"+rc.endpoint] = docgen.ReportDOT(w, rc.res, docgen.Options{})
		out["report-"+rc.endpoint+"-dark"] = docgen.ReportDOT(w, rc.res, docgen.Options{Theme: docgen.Dark})
	}
	for _, tt := range tricky {
		out["tricky-"+tt.name] = docgen.DOT(trickyWorkflow(tt.s), docgen.Options{})
		out["tricky-report-"+tt.name] = docgen.ReportDOT(trickyWorkflow(tt.s), nil, docgen.Options{})
	}
	return out
}

// Native Graphviz (apt package graphviz) accepts every DOT docgen writes,
// without a warning. The test skips when dot is not installed, unless
// FLUXLY_REQUIRE_DOT=1 (as in CI).
func TestNativeDotAccepts(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		if os.Getenv("FLUXLY_REQUIRE_DOT") == "1" {
			t.Fatal("FLUXLY_REQUIRE_DOT=1 but dot is not on PATH (apt-get install graphviz)")
		}
		t.Skip("dot is not on PATH; install graphviz to run this test")
	}
	for name, src := range allDOT(t) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, dot, "-Tsvg")
			cmd.Stdin = bytes.NewReader(src)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("dot -Tsvg: %v\n%s\n%s", err, stderr.Bytes(), src)
			}
			if stderr.Len() > 0 {
				t.Errorf("dot -Tsvg warned:\n%s\n%s", stderr.Bytes(), src)
			}
			if strings.Contains(stdout.String(), "<script") {
				t.Error("the SVG contains <script")
			}
		})
	}
}
