package site_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/fluxly-go/fluxly/internal/outdir"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/site"
)

// Build the site of an app's workflows. Real diagrams come from
// internal/svgrender (svgrender.New()); any docgen.Renderer will do.
func ExampleBuild() {
	app := fluxly.New(fluxly.Name("acme"))
	examples.Register(app)
	m, err := app.Model()
	if err != nil {
		log.Fatal(err)
	}
	boxes := docgen.RendererFunc(func(ctx context.Context, dot []byte) ([]byte, error) {
		return []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>`), nil
	})
	files, err := site.Build(context.Background(), m, boxes, site.Options{Title: "Acme workflows"})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range files {
		if !strings.HasPrefix(f.Path, "diagrams/") && !strings.HasPrefix(f.Path, "schemas/") {
			fmt.Println(f.Path)
		}
	}
	// Then: outdir.Write(dir, files, outdir.WriteOptions{}) or site.Handler(files).

	// Output:
	// assets/favicon.svg
	// assets/graph.js
	// assets/search-index.js
	// assets/site.css
	// assets/site.js
	// assets/theme.js
	// common-inputs.html
	// index.html
	// model.json
	// search-index.json
	// workflows/branching.html
	// workflows/echo-msg.html
	// workflows/etl.html
	// workflows/fail-with.html
	// workflows/flaky.html
	// workflows/orders.html
	// workflows/producer-consumer.html
	// workflows/slow.html
}

// Check a committed site for drift, as `docs build --check` does in CI.
func ExampleCheck() {
	files := []site.File{{Path: "index.html", Data: []byte("<!DOCTYPE html>")}}
	d, err := outdir.Check("testdata/does-not-exist", files)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(d)
	// Output:
	// added   index.html
}
