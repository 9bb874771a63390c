// Package fluxlytest checks an app's documentation against golden files
// in your tests: for each endpoint, the Markdown page, the input's JSON
// Schema, the DOT and Mermaid diagrams and, when the app has an SVG
// renderer (fluxly.Use(docscmd.Extension())), the SVG diagram — the files
// `docs markdown` writes — compared byte for byte with the files under
// testdata/golden/ of the test's package, in the same layout:
//
//	testdata/golden/workflows/<endpoint>.md
//	testdata/golden/schemas/<endpoint>.schema.json
//	testdata/golden/diagrams/<endpoint>.dot, .mmd and .svg
//
// A difference fails the test with a unified diff; `go test -update`
// writes the files instead. Nothing is run but the workflows'
// constructors, and nothing touches the network.
//
//	func TestDocs(t *testing.T) {
//		app := fluxly.New(fluxly.Name("acme"), fluxly.Use(docscmd.Extension()))
//		fluxly.Register(app, "orders", orders.New)
//		fluxlytest.Golden(t, app)
//	}
//
// The -update flag is this package's: a test binary that imports it must
// not define another flag named update.
package fluxlytest

import (
	"context"
	"flag"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/golden"
	"github.com/fluxly-go/fluxly/introspect"
)

// update is the -update flag of every test binary that links this
// package (flags must exist before the testing package parses them).
var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden (fluxlytest.Golden)")

// goldenDir is where golden files live, relative to the test's package.
const goldenDir = "testdata/golden"

// maxDiffLines bounds the diff shown per file; an SVG's can be long.
const maxDiffLines = 80

// Golden compares the docs of every endpoint of app, or of the endpoints
// named, with the golden files under testdata/golden/, one subtest per
// endpoint; run with -update to write them. It fails the test at once when
// the app is misconfigured or an endpoint named is not one.
//
// The CLI snippets on the Markdown pages name the program by the app's
// name: give one with fluxly.Name, or they show the test binary's.
func Golden(t *testing.T, app *fluxly.App, endpoints ...string) {
	t.Helper()
	a, _, err := command.AppOf(app)
	if err != nil {
		t.Fatalf("fluxlytest: the app is misconfigured:\n%v", err)
	}
	m := a.Model()
	sub := &introspect.Model{Version: m.Version}
	for _, name := range endpoints {
		w := m.Workflow(name)
		if w == nil {
			t.Fatalf("fluxlytest: no endpoint %q; endpoints: %s", name, strings.Join(a.Endpoints.Names(), ", "))
		}
		sub.Workflows = append(sub.Workflows, w)
	}
	if len(endpoints) == 0 {
		sub.Workflows = m.Workflows
	}
	if len(sub.Workflows) == 0 {
		t.Fatal("fluxlytest: the app has no endpoints")
	}
	files, err := docgen.Files(context.Background(), sub, a.Renderer, docgen.Options{Command: a.Name})
	if err != nil {
		t.Fatalf("fluxlytest: generating the docs: %v", err)
	}
	for _, w := range sub.Workflows {
		t.Run(w.Endpoint, func(t *testing.T) {
			t.Helper()
			n := 0
			for _, f := range files {
				if !ofEndpoint(f.Path, w.Endpoint) {
					continue
				}
				n++
				p := filepath.Join(goldenDir, filepath.FromSlash(f.Path))
				if err := golden.Compare(p, f.Data, *update); err != nil {
					t.Error(shorten(err.Error()))
				}
			}
			if n == 0 {
				t.Errorf("fluxlytest: docgen made no files for %s", w.Endpoint)
			}
		})
	}
}

// ofEndpoint reports whether a docs file is one of an endpoint's own
// (not the index or model.json, which depend on every endpoint).
func ofEndpoint(p, endpoint string) bool {
	dir, base := path.Split(p)
	if !slices.Contains([]string{docgen.WorkflowsDir + "/", docgen.SchemasDir + "/", docgen.DiagramsDir + "/"}, dir) {
		return false
	}
	rest, ok := strings.CutPrefix(base, endpoint+".")
	return ok && !strings.Contains(rest, "/")
}

// shorten cuts a long diff, saying how much was left out.
func shorten(msg string) string {
	lines := strings.SplitAfter(msg, "\n")
	if len(lines) <= maxDiffLines {
		return msg
	}
	return strings.Join(lines[:maxDiffLines], "") + fmt.Sprintf("… %d more lines of diff\n", len(lines)-maxDiffLines)
}
