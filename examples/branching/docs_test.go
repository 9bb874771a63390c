package branching_test

import (
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docscmd"
	branching "github.com/fluxly-go/fluxly/examples/branching"
	"github.com/fluxly-go/fluxly/fluxlytest"
)

// TestDocs checks the workflow's Markdown page, input schema and diagrams
// (DOT, Mermaid, SVG) against testdata/golden/; go test -update rewrites
// them.
func TestDocs(t *testing.T) {
	app := fluxly.New(fluxly.Name("fluxly"), fluxly.Use(docscmd.Extension()))
	fluxly.Register(app, "branching", branching.New, fluxly.Sources(branching.Sources))
	fluxlytest.Golden(t, app)
}
