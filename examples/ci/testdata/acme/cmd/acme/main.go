// Command acme runs and documents the orders workflow.
package main

import (
	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docscmd"

	"example.com/acme/orders"
)

func main() {
	app := fluxly.New(fluxly.Name("acme"), fluxly.Use(docscmd.Extension()))
	orders.Register(app)
	app.Run()
}
