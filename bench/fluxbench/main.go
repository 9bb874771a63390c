// Command fluxbench is cmd/fluxly with 100 synthetic workflows of 50 nodes
// (the shape of internal/svgrender's BenchmarkFiles) instead of the
// examples: for timing docs builds end to end (BENCHMARKS.md, "Docs
// generation"). Build it with go build -o fluxbench ./bench/fluxbench.
package main

import (
	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docscmd"
	"github.com/fluxly-go/fluxly/internal/synthetic"
)

func main() {
	app := fluxly.New(fluxly.Name("fluxbench"), fluxly.Use(docscmd.Extension()))
	for w := range 100 {
		name := synthetic.Name(w)
		fluxly.Register(app, name, synthetic.New(name, 50))
	}
	app.Run()
}
