// Command fluxly-temporal-examples is the bundled examples on Temporal:
// the same commands as cmd/fluxly (one per example, serve, runs, …), with
// every run submitted to Temporal, and a worker command.
//
//	fluxly-temporal-examples worker                       # run a worker (as many as you like)
//	fluxly-temporal-examples orders --threshold 1000      # submit a run and wait for it
//
// Where Temporal is: TEMPORAL_ADDRESS (default 127.0.0.1:7233),
// TEMPORAL_NAMESPACE (default "default"), TEMPORAL_API_KEY (an API key;
// turns TLS on), TEMPORAL_TASK_QUEUE (default
// "fluxly-fluxly-temporal-examples"); FLUXLY_TEMPORAL_HEARTBEAT_TIMEOUT
// (a duration, default 10s) bounds how long a lost worker goes unnoticed.
package main

import (
	"fmt"
	"os"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/temporal"
	"github.com/fluxly-go/fluxly/temporal/internal/envopts"
)

func main() {
	opts, err := envopts.Options(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fluxly-temporal-examples: %v\n", err)
		os.Exit(2)
	}
	app := fluxly.New(fluxly.Name("fluxly-temporal-examples"), temporal.Use(opts))
	examples.Register(app)
	app.Run()
}
