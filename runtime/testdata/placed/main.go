// Command placed is misplaced and misplacednode with each option where it
// belongs: it compiles (see TestMisplacedOptions).
package main

import (
	"context"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

type In struct{ runtime.Input }

type step struct {
	runtime.Node[In, runtime.NoOutput]
}

func (*step) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { return nil }

func main() {
	wf := runtime.NewWorkflow[In]("placed", runtime.Version("1"), runtime.Description("both"))
	runtime.Add(wf, &step{}, runtime.Timeout(time.Second), runtime.Description("both"))
}
