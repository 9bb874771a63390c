package orders_test

import (
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docscmd"
	"github.com/fluxly-go/fluxly/fluxlytest"

	"example.com/acme/orders"
)

func TestDocs(t *testing.T) {
	app := fluxly.New(fluxly.Name("acme"), fluxly.Use(docscmd.Extension()))
	orders.Register(app)
	fluxlytest.Golden(t, app)
}
