package echomsg_test

import (
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docscmd"
	echomsg "github.com/fluxly-go/fluxly/examples/echo-msg"
	"github.com/fluxly-go/fluxly/fluxlytest"
)

// TestDocs checks the workflow's Markdown page, input schema and diagrams
// (DOT, Mermaid, SVG) against testdata/golden/; go test -update rewrites
// them.
func TestDocs(t *testing.T) {
	app := fluxly.New(fluxly.Name("fluxly"), fluxly.Use(docscmd.Extension()))
	fluxly.Register(app, "echo-msg", echomsg.New, fluxly.Sources(echomsg.Sources))
	fluxlytest.Golden(t, app)
}
