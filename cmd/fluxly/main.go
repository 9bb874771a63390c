// Command fluxly runs and documents the bundled example workflows. It is
// also the model for your own binary: register your endpoints, wire in the
// docs commands if you want them, and call Run.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docscmd"
	"github.com/fluxly-go/fluxly/examples"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args, env []string, stdout, stderr io.Writer) int {
	app := newApp()
	return app.Main(ctx, args, env, stdout, stderr)
}

func newApp() *fluxly.App {
	app := fluxly.New(fluxly.Name("fluxly"), fluxly.Version(version),
		fluxly.Use(docscmd.Extension())) // docs, graph: links the SVG renderer
	examples.Register(app)
	return app
}
