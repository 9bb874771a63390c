package orders_test

import (
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docscmd"
	"github.com/fluxly-go/fluxly/examples/orders"
	"github.com/fluxly-go/fluxly/fluxlytest"
)

// TestDocs checks the workflow's Markdown page, input schema and diagrams
// (DOT, Mermaid, SVG) against testdata/golden/; go test -update rewrites
// them.
func TestDocs(t *testing.T) {
	app := fluxly.New(fluxly.Name("fluxly"), fluxly.Use(docscmd.Extension()))
	fluxly.Register(app, "orders", orders.New, fluxly.Sources(orders.Sources))
	fluxlytest.Golden(t, app)
}
