package runtime_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

// TestEveryReadyNodeRunsAtOnce: n nodes that become ready together all run
// at the same time without a concurrency limit: each waits at a barrier
// that opens only when all n have arrived. Some ignore their context, so a
// scheduler that ran nodes on a fixed pool (or made a queued node wait for
// a busy worker) would hang here and hit the workflow timeout.
func TestEveryReadyNodeRunsAtOnce(t *testing.T) {
	for _, n := range []int{2, 64, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var arrived sync.WaitGroup
			arrived.Add(n)
			open := make(chan struct{})
			go func() { arrived.Wait(); close(open) }()
			build := func() *runtime.Workflow[In] {
				wf := runtime.NewWorkflow[In]("barrier")
				root := runtime.AddFunc(wf, "root", ok)
				for i := range n {
					wf.AddEdge(root, runtime.AddFunc(wf, fmt.Sprintf("n%04d", i), func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error {
						arrived.Done()
						<-open // ignores ctx on purpose
						return nil
					}))
				}
				return wf
			}
			start := time.Now()
			res := mustRun(t, build, &In{Input: runtime.Input{TimeoutSeconds: 10}})
			if res.Status != runtime.Completed {
				t.Fatalf("status %v after %v: not every ready node ran at once", res.Status, time.Since(start))
			}
		})
	}
}
