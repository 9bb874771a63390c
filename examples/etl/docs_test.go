package etl_test

import (
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docscmd"
	etl "github.com/fluxly-go/fluxly/examples/etl"
	"github.com/fluxly-go/fluxly/fluxlytest"
)

// TestDocs checks the workflow's Markdown page, input schema and diagrams
// (DOT, Mermaid, SVG) against testdata/golden/; go test -update rewrites
// them.
func TestDocs(t *testing.T) {
	app := fluxly.New(fluxly.Name("fluxly"), fluxly.Use(docscmd.Extension()))
	fluxly.Register(app, "etl", etl.New, fluxly.Sources(etl.Sources))
	fluxlytest.Golden(t, app)
}
