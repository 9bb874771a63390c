package fluxly_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The layers point one way: runtime ← introspect ← docgen ← site, with the
// app (the root package and its CLI/HTTP adapters) on top. This test reads
// every package's imports with `go list` and fails when an arrow points the
// wrong way, when runtime picks up a third-party dependency, or when a
// run path links the SVG renderer (go-graphviz compiles WebAssembly in its
// package init: see the README's cold-start numbers).

const module = "github.com/fluxly-go/fluxly"

type listed struct {
	ImportPath string
	Imports    []string
	Deps       []string
	Standard   bool
}

func goList(t *testing.T) map[string]listed {
	t.Helper()
	// go test caches results by the files a test opens; go list reads the
	// sources in another process, so stat them here to make any change to a
	// .go file or go.mod invalidate the cached result.
	_ = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".go") || path == "go.mod") {
			_, _ = os.Stat(path)
		}
		return nil
	})
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]listed{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p listed
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

// layers ranks this module's packages: a package may import packages of
// lower or equal rank only. Internal packages sit with the layer they
// serve; a package not listed is the app (rank 4).
var layers = map[string]int{
	"runtime":             0,
	"internal/spec":       0, // runtime's description, read by introspection
	"internal/runid":      0,
	"internal/atomicfile": 0,
	"internal/logging":    0,
	"internal/golden":     0,
	"introspect":          1,
	"internal/describe":   1, // builds the introspect model; the only code reflecting on inputs
	"internal/fieldtext":  1,
	"docgen":              2,
	"internal/svgrender":  2,
	"site":                3,
}

// layer returns the rank of a package of this module.
func layer(path string) (int, bool) {
	rel, ok := strings.CutPrefix(path, module)
	if !ok {
		return 0, false
	}
	rel = strings.TrimPrefix(rel, "/")
	for prefix := rel; prefix != ""; {
		if r, ok := layers[prefix]; ok {
			return r, true
		}
		i := strings.LastIndexByte(prefix, '/')
		if i < 0 {
			break
		}
		prefix = prefix[:i]
	}
	return 4, true // the app: root package, internal/cli, internal/httpapi, docscmd, examples, cmd
}

// forbidden are imports between siblings that must stay apart: the HTTP
// API and the CLI share the endpoint and command packages, never each other.
var forbidden = [][2]string{
	{module + "/internal/httpapi", module + "/internal/cli"},
	{module + "/internal/cli", module + "/internal/httpapi"},
	{module + "/internal/endpoint", module + "/internal/cli"},
	{module + "/internal/endpoint", module + "/internal/httpapi"},
	{module + "/internal/command", module + "/internal/cli"},
	{module + "/internal/command", module + "/internal/httpapi"},
}

var forbiddenInRuntime = []string{
	"github.com/alecthomas/kong",
	"github.com/yuin/goldmark",
	"github.com/invopop/jsonschema",
	"github.com/goccy/go-graphviz",
}

const renderer = "github.com/goccy/go-graphviz"

// runOnly lists packages on a run path: they must never link the renderer.
var runOnly = []string{
	module,
	module + "/runtime",
	module + "/introspect",
	module + "/docgen",
	module + "/internal/cli",
	module + "/internal/httpapi",
	module + "/internal/endpoint",
	module + "/internal/command",
	module + "/internal/describe",
	module + "/site", // renderer-free: SVGs come through docgen.Renderer
	module + "/examples",
	module + "/examples/runonly",
	module + "/fluxlytest", // SVG goldens come through the app's renderer, when it has one
	module + "/internal/schemadiff",
	module + "/internal/store",
	module + "/internal/spec/engine",
}

// rendererImporter is the one package allowed to import go-graphviz.
const rendererImporter = module + "/internal/svgrender"

func TestLayering(t *testing.T) {
	pkgs := goList(t)
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	for path, p := range pkgs {
		from, ok := layer(path)
		if !ok {
			continue
		}
		for _, imp := range p.Imports {
			if to, mine := layer(imp); mine && to > from {
				t.Errorf("%s imports %s: arrows point runtime ← introspect ← docgen ← site ← app", path, imp)
			}
			for _, f := range forbidden {
				if path == f[0] && (imp == f[1] || strings.HasPrefix(imp, f[1]+"/")) {
					t.Errorf("%s imports %s: they must stay apart", path, imp)
				}
			}
			// A package's internals are its own: x/internal/... is for x/... only.
			if i := strings.LastIndex(imp, "/internal/"); i >= 0 && strings.HasPrefix(imp, module) {
				if parent := imp[:i]; path != parent && !strings.HasPrefix(path, parent+"/") {
					t.Errorf("%s imports %s, another package's internals", path, imp)
				}
			}
		}
		if from == 0 {
			for _, dep := range p.Deps {
				for _, bad := range forbiddenInRuntime {
					if dep == bad || strings.HasPrefix(dep, bad+"/") {
						t.Errorf("runtime-layer package %s depends on %s", path, dep)
					}
				}
				if strings.Contains(strings.SplitN(dep, "/", 2)[0], ".") && !strings.HasPrefix(dep, module) {
					t.Errorf("runtime-layer package %s has a third-party dependency %s", path, dep)
				}
			}
		}
	}
	for path, p := range pkgs {
		for _, imp := range p.Imports {
			if (imp == renderer || strings.HasPrefix(imp, renderer+"/")) && path != rendererImporter {
				t.Errorf("%s imports %s: only %s may import the renderer", path, imp, rendererImporter)
			}
		}
	}
	if p, ok := pkgs[rendererImporter]; !ok || !slices.ContainsFunc(p.Imports, func(imp string) bool { return strings.HasPrefix(imp, renderer) }) {
		t.Errorf("%s should be the package that imports %s", rendererImporter, renderer)
	}
	for _, path := range runOnly {
		p, ok := pkgs[path]
		if !ok {
			t.Errorf("run-path package %s not found by go list", path)
			continue
		}
		for _, dep := range p.Deps {
			if dep == renderer || strings.HasPrefix(dep, renderer+"/") {
				t.Errorf("%s links %s: run paths must not pay its start-up", path, dep)
			}
		}
	}
}
