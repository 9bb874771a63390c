package main

import (
	"testing"

	"github.com/fluxly-go/fluxly/fluxlytest"
)

// TestDocs checks every workflow's Markdown page, input schema and
// diagrams (DOT and Mermaid: this binary has no SVG renderer, so no SVG)
// against testdata/golden/; go test -update rewrites them.
func TestDocs(t *testing.T) {
	fluxlytest.Golden(t, newApp())
}
