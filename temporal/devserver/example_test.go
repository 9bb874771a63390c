package devserver_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/fluxly-go/fluxly/temporal/devserver"
)

// A server on a free port with an in-memory database, and an SDK client for
// it. (Not run by go test: the tests share one server per binary.)
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = srv.Stop() }()

	c, err := client.Dial(client.Options{HostPort: srv.Address(), Namespace: srv.Namespace()})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Println("namespace", srv.Namespace(), "at", srv.Address())
}
