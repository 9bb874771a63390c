package fluxlytest_test

import (
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docscmd"
	"github.com/fluxly-go/fluxly/examples/etl"
	"github.com/fluxly-go/fluxly/fluxlytest"
)

// In a _test.go file of your package: check every endpoint's Markdown,
// schema and diagrams against testdata/golden/, and write them with
// `go test -run TestDocs -update`.
func ExampleGolden() {
	_ = func(t *testing.T) { // func TestDocs(t *testing.T)
		app := fluxly.New(fluxly.Name("acme"), fluxly.Use(docscmd.Extension())) // the extension adds SVG diagrams
		fluxly.Register(app, "etl", etl.New, fluxly.Sources(etl.Sources))
		fluxlytest.Golden(t, app)
	}
}
