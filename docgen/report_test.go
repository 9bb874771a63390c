package docgen_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/examples"
	producerconsumer "github.com/fluxly-go/fluxly/examples/producer-consumer"
	"github.com/fluxly-go/fluxly/runtime"
)

func TestGoldenReports(t *testing.T) {
	m := examplesModel(t)
	for _, rc := range reportCases() {
		t.Run(rc.endpoint, func(t *testing.T) {
			w := m.Workflow(rc.endpoint)
			o := docgen.Options{DiagramLink: rc.endpoint + "-report.svg"}
			golden(t, "reports/"+rc.endpoint+".md", docgen.ReportMarkdown(w, rc.res, o))
			golden(t, "reports/"+rc.endpoint+".dot", docgen.ReportDOT(w, rc.res, o))
			golden(t, "reports/"+rc.endpoint+".mmd", docgen.ReportMermaid(w, rc.res, o))
		})
	}
}

// Each node gets the outcome of its last attempt in the last workflow
// attempt, in the DOT (class and label), the Mermaid (class) and the
// Markdown table.
func TestReportOutcomes(t *testing.T) {
	m := examplesModel(t)
	tests := []struct {
		endpoint string
		want     map[string]string // node → outcome
	}{
		{"etl", map[string]string{"extract": "completed", "transform": "completed", "load": "completed", "audit": "completed"}},
		{"branching", map[string]string{"A": "completed", "B": "failed", "C": "skipped", "D": "completed"}},
		{"producer-consumer", map[string]string{"producer": "completed", "consumer": "failed", "reporter": "not reached"}},
		{"slow", map[string]string{"work": "timed out"}},
	}
	cases := map[string]*runtime.Result{}
	for _, rc := range reportCases() {
		cases[rc.endpoint] = rc.res
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			w := m.Workflow(tt.endpoint)
			res := cases[tt.endpoint]
			dot := string(docgen.ReportDOT(w, res, docgen.Options{}))
			mmd := string(docgen.ReportMermaid(w, res, docgen.Options{}))
			md := string(docgen.ReportMarkdown(w, res, docgen.Options{}))
			for i, n := range w.Nodes {
				class := strings.ReplaceAll(tt.want[n.Name], " ", "-")
				id := "n" + strconv.Itoa(i)
				if !strings.Contains(dot, "\t"+id+` [id="run-`+w.Endpoint+"-"+id+`", label=`) || !strings.Contains(dot, `class="`+class+`"`) {
					t.Errorf("DOT: node %s lacks class %q", n.Name, class)
				}
				if !mermaidClassed(mmd, id, class) {
					t.Errorf("Mermaid: node %s is not in class %q", n.Name, class)
				}
				if !strings.Contains(md, "| ["+"`"+n.Name+"`](#"+docgen.NodeAnchor(n.Name)+") | "+tt.want[n.Name]+" |") {
					t.Errorf("Markdown: node %s lacks outcome %q", n.Name, tt.want[n.Name])
				}
			}
			for _, legend := range []string{"completed", "failed", "timed out", "skipped", "not reached"} {
				if !strings.Contains(dot, ">"+legend+"</font>") {
					t.Errorf("DOT legend lacks %q", legend)
				}
			}
		})
	}
}

func mermaidClassed(mmd, id, class string) bool {
	for _, line := range strings.Split(mmd, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "class ")
		if !ok {
			continue
		}
		ids, cls, _ := strings.Cut(rest, " ")
		if cls != class {
			continue
		}
		for _, x := range strings.Split(ids, ",") {
			if x == id {
				return true
			}
		}
	}
	return false
}

// A report of a real run: every node that ran shows its status, and nothing
// of the input (which a Result does not hold) appears.
func TestReportOfRealRun(t *testing.T) {
	app := fluxly.New(fluxly.Name("fluxly"))
	examples.Register(app)
	m, err := app.Model()
	if err != nil {
		t.Fatal(err)
	}
	w := m.Workflow("producer-consumer")
	res, err := runtime.Run(context.Background(), producerconsumer.New, &producerconsumer.Input{Value: 0})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != runtime.DataError {
		t.Fatalf("status %v, want DATA_ERROR", res.Status)
	}
	md := string(docgen.ReportMarkdown(w, res, docgen.Options{}))
	for _, want := range []string{
		"# Run report: producer-consumer",
		"| Status | **DATA_ERROR** (exit code 64) |",
		"| Run ID | `" + res.RunID + "` |",
		"| completed | COMPLETED | 1 |",
		"| failed | DATA_ERROR | 1 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if !strings.Contains(string(docgen.ReportDOT(w, res, docgen.Options{})), `class="failed"`) {
		t.Error("report DOT has no failed node")
	}
}

// A report of a resumed run says which run it resumed and which nodes
// were reused rather than run again.
func TestReportOfResumedRun(t *testing.T) {
	w := examplesModel(t).Workflow("producer-consumer")
	first, err := runtime.Run(context.Background(), producerconsumer.New, &producerconsumer.Input{Value: 0})
	if err != nil {
		t.Fatal(err)
	}
	res, err := runtime.Run(context.Background(), producerconsumer.New, &producerconsumer.Input{Value: 0}, runtime.ResumeFrom(first))
	if err != nil {
		t.Fatal(err)
	}
	md := string(docgen.ReportMarkdown(w, res, docgen.Options{}))
	for _, want := range []string{
		"| Resumed from | `" + first.RunID + "`: ",
		"| [`producer`](#node-producer) | completed (reused) | COMPLETED | 1 |",
		"| COMPLETED (reused from `" + first.RunID + "`) |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(string(docgen.ReportMarkdown(w, first, docgen.Options{})), "reused") {
		t.Error("the first run's report speaks of reuse")
	}
}

// A report without a result (nil) or without attempts still renders, with
// every node not reached.
func TestReportWithoutExecutions(t *testing.T) {
	w := examplesModel(t).Workflow("etl")
	for _, res := range []*runtime.Result{nil, {RunID: "r", Status: runtime.Cancelled, StatusCode: 62}} {
		md := string(docgen.ReportMarkdown(w, res, docgen.Options{}))
		if strings.Count(md, "| not reached |") != len(w.Nodes) {
			t.Errorf("want every node not reached:\n%s", md)
		}
		if !strings.Contains(string(docgen.ReportDOT(w, res, docgen.Options{})), `class="not-reached"`) {
			t.Error("DOT lacks not-reached nodes")
		}
	}
}
