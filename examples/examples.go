// Package examples bundles the example workflows as endpoints, as
// cmd/fluxly registers them.
package examples

import (
	"slices"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples/branching"
	echomsg "github.com/fluxly-go/fluxly/examples/echo-msg"
	"github.com/fluxly-go/fluxly/examples/etl"
	failwith "github.com/fluxly-go/fluxly/examples/fail-with"
	"github.com/fluxly-go/fluxly/examples/flaky"
	"github.com/fluxly-go/fluxly/examples/orders"
	producerconsumer "github.com/fluxly-go/fluxly/examples/producer-consumer"
	"github.com/fluxly-go/fluxly/examples/slow"
)

// Register adds the bundled examples to app: all of them, or only those
// named.
func Register(app *fluxly.App, only ...string) {
	want := func(name string) bool { return len(only) == 0 || slices.Contains(only, name) }
	if want("echo-msg") {
		fluxly.Register(app, "echo-msg", echomsg.New, fluxly.Sources(echomsg.Sources))
	}
	if want("producer-consumer") {
		fluxly.Register(app, "producer-consumer", producerconsumer.New, fluxly.Sources(producerconsumer.Sources))
	}
	if want("etl") {
		fluxly.Register(app, "etl", etl.New, fluxly.Sources(etl.Sources))
	}
	if want("branching") {
		fluxly.Register(app, "branching", branching.New, fluxly.Sources(branching.Sources))
	}
	if want("flaky") {
		fluxly.Register(app, "flaky", flaky.New, fluxly.Sources(flaky.Sources))
	}
	if want("fail-with") {
		fluxly.Register(app, "fail-with", failwith.New, fluxly.Sources(failwith.Sources))
	}
	if want("orders") {
		fluxly.Register(app, "orders", orders.New, fluxly.Sources(orders.Sources))
	}
	if want("slow") {
		fluxly.Register(app, "slow", slow.New, fluxly.Sources(slow.Sources))
	}
}
