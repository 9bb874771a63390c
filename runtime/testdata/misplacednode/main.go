// Command misplacednode must not compile: Version configures workflows,
// and Add takes node options only (see TestMisplacedOptions).
package main

import (
	"context"

	"github.com/fluxly-go/fluxly/runtime"
)

type In struct{ runtime.Input }

type step struct {
	runtime.Node[In, runtime.NoOutput]
}

func (*step) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { return nil }

func main() {
	wf := runtime.NewWorkflow[In]("misplaced")
	runtime.Add(wf, &step{}, runtime.Version("1"))
}
