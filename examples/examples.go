// Package examples bundles the example workflows as endpoints, as
// cmd/fluxly registers them.
package examples

import (
	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples/branching"
	"github.com/fluxly-go/fluxly/examples/echo-msg"
	"github.com/fluxly-go/fluxly/examples/etl"
	"github.com/fluxly-go/fluxly/examples/fail-with"
	"github.com/fluxly-go/fluxly/examples/flaky"
	"github.com/fluxly-go/fluxly/examples/producer-consumer"
	"github.com/fluxly-go/fluxly/examples/slow"
)

// Endpoints returns a fresh endpoint for every bundled example.
func Endpoints() []*fluxly.Endpoint {
	return []*fluxly.Endpoint{
		fluxly.Workflow("echo-msg", echomsg.New, fluxly.Sources(echomsg.Sources)),
		fluxly.Workflow("producer-consumer", producerconsumer.New, fluxly.Sources(producerconsumer.Sources)),
		fluxly.Workflow("etl", etl.New, fluxly.Sources(etl.Sources)),
		fluxly.Workflow("branching", branching.New, fluxly.Sources(branching.Sources)),
		fluxly.Workflow("flaky", flaky.New, fluxly.Sources(flaky.Sources)),
		fluxly.Workflow("fail-with", failwith.New, fluxly.Sources(failwith.Sources)),
		fluxly.Workflow("slow", slow.New, fluxly.Sources(slow.Sources)),
	}
}

// Register adds every bundled example to app.
func Register(app *fluxly.App) { app.Add(Endpoints()...) }
