package temporal_test

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/temporal"
)

// Wire Temporal into an app: its runs — from the command line, the
// environment trigger or the HTTP API — are submitted to the Temporal
// server at HostPort and waited for, and `app worker` runs a worker for
// every endpoint. Start workers anywhere, then run workflows as before.
func ExampleUse() {
	app := fluxly.New(fluxly.Name("shop"), temporal.Use(temporal.Options{
		Client:    client.Options{HostPort: "127.0.0.1:7233", Namespace: "default"},
		TaskQueue: "shop",
	}))
	examples.Register(app, "orders")
	fmt.Println("configured:", app.Err() == nil)
	// app.Run() // shop worker | shop orders --threshold 1000 | shop serve

	// A bad option is the app's error, naming the setting: the app exits
	// with status 2 before doing anything.
	bad := fluxly.New(fluxly.Name("shop"), temporal.Use(temporal.Options{HeartbeatTimeout: -time.Second}))
	fmt.Println(bad.Err())
	// Output:
	// configured: true
	// temporal.Options.HeartbeatTimeout -1s: negative (0 means the default, 10s)
}
