package producerconsumer_test

import (
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docscmd"
	producerconsumer "github.com/fluxly-go/fluxly/examples/producer-consumer"
	"github.com/fluxly-go/fluxly/fluxlytest"
)

// TestDocs checks the workflow's Markdown page, input schema and diagrams
// (DOT, Mermaid, SVG) against testdata/golden/; go test -update rewrites
// them.
func TestDocs(t *testing.T) {
	app := fluxly.New(fluxly.Name("fluxly"), fluxly.Use(docscmd.Extension()))
	fluxly.Register(app, "producer-consumer", producerconsumer.New, fluxly.Sources(producerconsumer.Sources))
	fluxlytest.Golden(t, app)
}
