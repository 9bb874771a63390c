package docgen_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/introspect"
)

func TestGoldenExamples(t *testing.T) {
	m := examplesModel(t)
	for _, w := range m.Workflows {
		t.Run(w.Endpoint, func(t *testing.T) {
			golden(t, w.Endpoint+".md", docgen.WorkflowMarkdown(w, docgen.Options{}))
			golden(t, w.Endpoint+".dot", docgen.DOT(w, docgen.Options{}))
			golden(t, w.Endpoint+".mmd", docgen.Mermaid(w, docgen.Options{}))
		})
	}
	golden(t, "index.md", docgen.IndexMarkdown(m, docgen.Options{}))
}

// The options change only what they say: theme and direction the DOT,
// command and base URL the snippets.
func TestGoldenOptions(t *testing.T) {
	w := examplesModel(t).Workflow("etl")
	golden(t, "options/etl-dark-lr.dot", docgen.DOT(w, docgen.Options{Theme: docgen.Dark, Direction: "LR"}))
	golden(t, "options/etl-custom.md", docgen.WorkflowMarkdown(w, docgen.Options{
		Command: "go run ./cmd/acme", APIBaseURL: "https://flows.example.com:8443/api/", Direction: "lr",
		DiagramLink: "images/etl diagram.png",
	}))
	if got, want := docgen.DOT(w, docgen.Options{Direction: "sideways"}), docgen.DOT(w, docgen.Options{}); !bytes.Equal(got, want) {
		t.Error("an unknown direction should mean TB")
	}
}

func TestGoldenSink(t *testing.T) {
	w := sinkWorkflow(t)
	golden(t, "kitchen-sink.md", docgen.WorkflowMarkdown(w, docgen.Options{}))
	golden(t, "kitchen-sink.dot", docgen.DOT(w, docgen.Options{}))
	golden(t, "kitchen-sink.mmd", docgen.Mermaid(w, docgen.Options{}))

	md := string(docgen.WorkflowMarkdown(w, docgen.Options{}))
	for _, bad := range []string{"hunter22", "k-123", "`hidden`", "FLUXLY_HIDDEN"} {
		if strings.Contains(md, bad) {
			t.Errorf("the page shows %q: secret defaults and docs-excluded fields must not appear", bad)
		}
	}
	for _, want := range []string{"| `password` | `--password` | `FLUXLY_PASSWORD` | string | *secret* |", "`vault.key`", "--dash=-1", "FLUXLY_MODE=a"} {
		if !strings.Contains(md, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// Schema files are the introspect package's golden schemas, byte for byte.
func TestSchemaFiles(t *testing.T) {
	m := examplesModel(t)
	files, err := docgen.Files(context.Background(), m, nil, docgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range m.Workflows {
		want, err := os.ReadFile(filepath.Join("..", "testdata", "golden", "schemas", w.Endpoint+".schema.json"))
		if err != nil {
			t.Fatal(err)
		}
		if got := fileData(t, files, "schemas/"+w.Endpoint+".schema.json"); !bytes.Equal(got, want) {
			t.Errorf("schemas/%s.schema.json differs from testdata/golden/schemas", w.Endpoint)
		}
	}
}

func fileData(t *testing.T, files []docgen.File, path string) []byte {
	t.Helper()
	for _, f := range files {
		if f.Path == path {
			return f.Data
		}
	}
	t.Fatalf("no file %s", path)
	return nil
}

func TestFiles(t *testing.T) {
	m := examplesModel(t)
	tests := []struct {
		name     string
		renderer docgen.Renderer
		svg      bool
	}{
		{"with renderer", &fakeRenderer{}, true},
		{"without renderer", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := docgen.Files(context.Background(), m, tt.renderer, docgen.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, f := range files {
				paths = append(paths, f.Path)
			}
			if !slices.IsSorted(paths) {
				t.Errorf("paths are not sorted: %v", paths)
			}
			want := []string{"index.md", "model.json", "common-inputs.md"}
			for _, w := range m.Workflows {
				want = append(want, "workflows/"+w.Endpoint+".md", "schemas/"+w.Endpoint+".schema.json",
					"diagrams/"+w.Endpoint+".dot", "diagrams/"+w.Endpoint+".mmd")
				if tt.svg {
					want = append(want, "diagrams/"+w.Endpoint+".svg")
				}
			}
			slices.Sort(want)
			if !slices.Equal(paths, want) {
				t.Errorf("paths:\n got %v\nwant %v", paths, want)
			}
			if !bytes.Equal(fileData(t, files, "model.json"), m.JSON()) {
				t.Error("model.json is not m.JSON()")
			}
			page := string(fileData(t, files, "workflows/etl.md"))
			link := "](../diagrams/etl.dot)"
			if tt.svg {
				link = "![Diagram of etl](../diagrams/etl.svg)"
			}
			if !strings.Contains(page, link) {
				t.Errorf("workflows/etl.md lacks the relative diagram link %q", link)
			}
			if !strings.Contains(page, "](../schemas/etl.schema.json)") {
				t.Error("workflows/etl.md lacks the relative schema link")
			}
			if got, want := fileData(t, files, "diagrams/etl.dot"), docgen.DOT(m.Workflow("etl"), docgen.Options{}); !bytes.Equal(got, want) {
				t.Error("diagrams/etl.dot is not DOT(etl)")
			}
		})
	}
}

func TestFilesErrors(t *testing.T) {
	m := examplesModel(t)
	t.Run("renderer error names the workflow", func(t *testing.T) {
		r := docgen.RendererFunc(func(_ context.Context, dot []byte) ([]byte, error) {
			if bytes.Contains(dot, []byte(`digraph "slow"`)) {
				return nil, os.ErrDeadlineExceeded
			}
			return []byte("<svg/>"), nil
		})
		_, err := docgen.Files(context.Background(), m, r, docgen.Options{})
		if err == nil || !strings.Contains(err.Error(), `workflow "slow"`) {
			t.Fatalf("err = %v, want one naming workflow \"slow\"", err)
		}
	})
	t.Run("model decoded from JSON has no schema", func(t *testing.T) {
		decoded := &introspect.Model{Workflows: []*introspect.Workflow{{Endpoint: "x", Name: "x"}}}
		_, err := docgen.Files(context.Background(), decoded, nil, docgen.Options{})
		if err == nil || !strings.Contains(err.Error(), `workflow "x"`) {
			t.Fatalf("err = %v, want one naming workflow \"x\"", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := docgen.Files(ctx, m, nil, docgen.Options{}); err != context.Canceled {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("empty model", func(t *testing.T) {
		files, err := docgen.Files(context.Background(), &introspect.Model{Version: 1}, nil, docgen.Options{})
		if err != nil || len(files) != 2 {
			t.Fatalf("files = %d, err = %v; want index.md and model.json", len(files), err)
		}
	})
}

// Output is byte-identical across runs and across GOMAXPROCS 1 and 2.
func TestDeterminism(t *testing.T) {
	m := examplesModel(t)
	sink := sinkWorkflow(t)
	m.Workflows = append(m.Workflows, sink)
	generate := func() []docgen.File {
		t.Helper()
		files, err := docgen.Files(context.Background(), m, &fakeRenderer{}, docgen.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, rc := range reportCases() {
			w := m.Workflow(rc.endpoint)
			files = append(files,
				docgen.File{Path: "report/" + rc.endpoint + ".md", Data: docgen.ReportMarkdown(w, rc.res, docgen.Options{})},
				docgen.File{Path: "report/" + rc.endpoint + ".dot", Data: docgen.ReportDOT(w, rc.res, docgen.Options{})},
				docgen.File{Path: "report/" + rc.endpoint + ".mmd", Data: docgen.ReportMermaid(w, rc.res, docgen.Options{})},
			)
		}
		return files
	}
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(0))
	goruntime.GOMAXPROCS(1)
	one := generate()
	again := generate()
	goruntime.GOMAXPROCS(2)
	two := generate()
	for name, other := range map[string][]docgen.File{"second run": again, "GOMAXPROCS=2": two} {
		if len(other) != len(one) {
			t.Fatalf("%s: %d files, first run %d", name, len(other), len(one))
		}
		for i := range one {
			if one[i].Path != other[i].Path || !bytes.Equal(one[i].Data, other[i].Data) {
				t.Errorf("%s: %s differs", name, one[i].Path)
			}
		}
	}
}

func TestNodeAnchor(t *testing.T) {
	tests := []struct {
		name, want string
	}{
		{"extract", "node-extract"},
		{"load-2", "node-load-2"},
		{"a-b-c", "node-a-b-c"},
		{"A", "node-a--559aead0"},
		{"load_users", "node-load-users--"},
		{"Extract Users", "node-extract-users--"},
		{"a--b", "node-a-b--"},
		{"-a", "node-a--"},
		{"a-", "node-a--"},
		{"🚀", "node--"},
		{"", "node--"},
		{"<script>alert(1)</script>", "node-script-alert-1-script--"},
	}
	for _, tt := range tests {
		got := docgen.NodeAnchor(tt.name)
		if got != tt.want && !(strings.HasSuffix(tt.want, "--") && strings.HasPrefix(got, tt.want) && len(got) == len(tt.want)+8) {
			t.Errorf("NodeAnchor(%q) = %q, want %q…", tt.name, got, tt.want)
		}
		if strings.Trim(got, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			t.Errorf("NodeAnchor(%q) = %q has characters outside [a-z0-9-]", tt.name, got)
		}
	}
}

// Names that slug alike still get distinct anchors.
func TestNodeAnchorUnique(t *testing.T) {
	names := []string{"a", "A", "a-b", "a_b", "a b", "A-B", "a--b", "a-b--0", "a-b-", "-a-b", "ä", "á", "🚀", "🚁", "", " ", "node", "a.b", "a/b"}
	for i := range 300 {
		names = append(names, "n"+strings.Repeat("x", i%7)+string(rune('a'+i%26)), strings.Repeat("Z", i%5+1)+string(rune('0'+i%10)))
	}
	seen := map[string]string{}
	for _, n := range names {
		a := docgen.NodeAnchor(n)
		if prev, dup := seen[a]; dup && prev != n {
			t.Errorf("NodeAnchor(%q) = NodeAnchor(%q) = %q", n, prev, a)
		}
		seen[a] = n
	}
}
