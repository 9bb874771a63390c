// Command misplaced must not compile: Timeout configures nodes, and
// NewWorkflow takes workflow options only (see TestMisplacedOptions).
package main

import (
	"context"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

type In struct{ runtime.Input }

func main() {
	wf := runtime.NewWorkflow[In]("misplaced", runtime.Timeout(time.Second))
	runtime.AddFunc(wf, "a", func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { return nil })
}
