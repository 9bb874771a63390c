// Command runonly serves the bundled examples like cmd/fluxly, but without
// the docs commands: the shape of a production binary that only runs
// workflows. It never links the SVG renderer, so it starts in milliseconds
// and writes nothing to $TMPDIR (see BENCHMARKS.md, cold start).
package main

import (
	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples"
)

func main() {
	newApp().Run()
}

// newApp is the program's app: every bundled example, no extension.
func newApp() *fluxly.App {
	app := fluxly.New(fluxly.Name("runonly"))
	examples.Register(app)
	return app
}
