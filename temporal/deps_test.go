package temporal_test

import (
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	// The core module, through the replace in go.mod. Importing it here
	// keeps the requirement (go mod tidy drops unused ones) and builds the
	// core with the dependency versions the Temporal modules raise it to.
	_ "github.com/fluxly-go/fluxly/runtime"
)

const module = "github.com/fluxly-go/fluxly/temporal"

// linksServer are the packages of this module allowed to link the Temporal
// server: it is ~130 MB of binary and minutes of cold build, where a worker
// needs only the SDK.
var linksServer = map[string]bool{
	module + "/devserver":               true,
	module + "/cmd/fluxly-temporal-dev": true,
}

func TestOnlyTheDevServerLinksTheServer(t *testing.T) {
	// go test caches results by the files a test opens; go list reads the
	// sources in another process, so stat them here to make a change to
	// any of them invalidate the cached result.
	_ = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".go") || path == "go.mod") {
			_, _ = os.Stat(path)
		}
		return nil
	})
	out, err := exec.Command("go", "list", "-json=ImportPath,Deps", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		for _, d := range p.Deps {
			// The SVG renderer (go-graphviz, WebAssembly compiled at
			// init) stays off every run path, here as in the core.
			if strings.HasPrefix(d, "github.com/goccy/go-graphviz") || d == "github.com/fluxly-go/fluxly/internal/svgrender" {
				t.Errorf("%s links the SVG renderer (%s)", p.ImportPath, d)
			}
		}
		if linksServer[p.ImportPath] {
			continue
		}
		for _, d := range p.Deps {
			if strings.HasPrefix(d, "go.temporal.io/server/") {
				t.Errorf("%s links the Temporal server (%s); only %v may", p.ImportPath, d, slices.Sorted(maps.Keys(linksServer)))
				break
			}
		}
	}
}
