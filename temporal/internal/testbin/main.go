// Command testbin is what the Temporal module's end-to-end tests run as
// workers and as the app submitting runs: the bundled examples and the
// test workflows on Temporal, configured as fluxly-temporal-examples is.
package main

import (
	"fmt"
	"os"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/temporal"
	"github.com/fluxly-go/fluxly/temporal/internal/envopts"
	"github.com/fluxly-go/fluxly/temporal/internal/testflows"
)

func main() {
	opts, err := envopts.Options(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbin: %v\n", err)
		os.Exit(2)
	}
	app := fluxly.New(fluxly.Name("fluxly-temporal-test"), temporal.Use(opts))
	examples.Register(app)
	testflows.Register(app)
	app.Run()
}
