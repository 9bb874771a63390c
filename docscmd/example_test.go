package docscmd_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docscmd"
	"github.com/fluxly-go/fluxly/examples"
)

// Wire the docs commands into an app, then build its site as
// `<program> docs build --out DIR` would, and check it for drift.
func ExampleExtension() {
	app := fluxly.New(fluxly.Name("acme"), fluxly.Use(docscmd.Extension()))
	examples.Register(app)

	dir, err := os.MkdirTemp("", "acme-docs")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "_site")
	env := []string{"FLUXLY_SVG_CACHE=off"}

	code := app.Main(context.Background(), []string{"docs", "build", "--out", out}, env, io.Discard, os.Stderr)
	fmt.Println("build:", code)
	code = app.Main(context.Background(), []string{"docs", "build", "--check", "--out", out}, env, io.Discard, os.Stderr)
	fmt.Println("check:", code)
	_, err = os.Stat(filepath.Join(out, "workflows", "etl.html"))
	fmt.Println("etl page:", err == nil)
	// Output:
	// build: 0
	// check: 0
	// etl page: true
}
