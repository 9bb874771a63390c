// Package testflows holds the workflows the Temporal module's tests run
// besides the bundled examples: every node and workflow option, hooks
// that leave a journal, a 20-node chain for the throughput benchmark, a
// node a test kills the worker of, outputs too large for a payload, and
// a node that waits to be cancelled.
package testflows

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/runtime"
)

// Register adds the test workflows to app.
func Register(app *fluxly.App) {
	fluxly.Register(app, "pipeline", Pipeline)
	fluxly.Register(app, "hooks", HookFlow)
	fluxly.Register(app, "chain", Chain)
	fluxly.Register(app, "fault", Fault)
	fluxly.Register(app, "big", Big)
	fluxly.Register(app, "wait", Wait)
	fluxly.Register(app, "limited", Limited)
	fluxly.Register(app, "stops", Stops)
}

// Input is the test workflows' input.
type Input struct {
	runtime.Input

	// Dir is where the fault and wait workflows' nodes leave a marker
	// once they have started.
	Dir string `json:"dir"`
	// Threshold steers the pipeline's conditions.
	Threshold int `json:"threshold" default:"6"`
	// FailNode makes the hooks workflow's second node fail once.
	FailNode bool `json:"fail_node"`
	// Bytes is the size of the big workflow's output.
	Bytes int `json:"bytes" default:"1000"`
	// Sleep is how long the wait workflow's node waits (it honours its
	// context).
	Sleep time.Duration `json:"sleep" default:"1s"`
	// FailFirst and PanicCond end the stops workflow early.
	FailFirst bool `json:"fail_first"`
	PanicCond bool `json:"panic_cond"`
	// Token is a secret the pipeline reads.
	Token runtime.Secret `json:"token"`
}

// JournalEnv names the file hooks and nodes append lines to (hooks have
// no input to read it from); unset: none.
const JournalEnv = "FLUXLY_TEST_JOURNAL"

// note appends a line to the journal.
func note(format string, args ...any) {
	path := os.Getenv(JournalEnv)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, format+"\n", args...); err != nil {
		panic(err)
	}
}

// Rows is an output passed downstream.
type Rows struct {
	Rows     int    `json:"rows"`
	Rejected int    `json:"rejected"`
	Note     string `json:"note"`
}

type validator struct {
	runtime.Node[Input, Rows]
	Fetch *runtime.Func[Input, Rows]
}

func (v *validator) Logic(_ context.Context, x *runtime.Exec[Input, Rows]) error {
	x.Output.Rows = v.Fetch.Last().Output.Rows
	x.Output.Rejected = x.Output.Rows / 3
	x.Output.Note = fmt.Sprintf("token of %d characters", len(x.Input.Token.Reveal()))
	return nil
}

// Pipeline exercises what a node attempt can do: typed outputs read
// downstream, typed and plain conditions, retries with backoff, a
// permanent error, a non-retryable status, a node timeout with logic that
// ignores its context, a panic, runtime.Goexit, trigger rules and
// ContinueOnFailure. Its outcome does not depend on timing.
func Pipeline() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("pipeline", runtime.Version("2"))
	fetch := runtime.AddFunc(wf, "fetch", func(_ context.Context, x *runtime.Exec[Input, Rows]) error {
		if x.Attempt < 3 {
			return runtime.Errorf(runtime.NetworkFailure, "connection reset (attempt %d)", x.Attempt)
		}
		x.Output.Rows = 2 * x.Input.Threshold
		return nil
	}, runtime.Retries(3, 10*time.Millisecond), runtime.ExponentialBackoff(2, 15*time.Millisecond))
	validate := runtime.Add(wf, &validator{Fetch: fetch}, runtime.Name("validate"))
	store := runtime.AddFunc(wf, "store", func(_ context.Context, x *runtime.Exec[Input, Rows]) error {
		x.Output.Rows = validate.Last().Output.Rows - validate.Last().Output.Rejected
		x.Output.Note = validate.Last().Output.Note
		return nil
	})
	notify := runtime.AddFunc(wf, "notify", func(context.Context, *runtime.Exec[Input, runtime.NoOutput]) error { return nil })
	permanent := runtime.AddFunc(wf, "permanent", func(context.Context, *runtime.Exec[Input, runtime.NoOutput]) error {
		return runtime.Permanent(runtime.Errorf(runtime.DataError, "schema changed"))
	}, runtime.Retries(3, 0), runtime.ContinueOnFailure())
	nonRetryable := runtime.AddFunc(wf, "non-retryable", func(context.Context, *runtime.Exec[Input, runtime.NoOutput]) error {
		return runtime.Errorf(runtime.PrerequisiteFail, "no quota")
	}, runtime.Retries(3, 0), runtime.NonRetryable(runtime.PrerequisiteFail), runtime.ContinueOnFailure())
	jittered := runtime.AddFunc(wf, "jittered", func(_ context.Context, x *runtime.Exec[Input, Rows]) error {
		if x.Attempt == 1 {
			return runtime.Errorf(runtime.APICallFailure, "busy")
		}
		x.Output.Rows = x.Attempt
		return nil
	}, runtime.Retries(2, 20*time.Millisecond), runtime.Jitter())
	slow := runtime.AddFunc(wf, "slow", func(context.Context, *runtime.Exec[Input, runtime.NoOutput]) error {
		time.Sleep(300 * time.Millisecond) // ignores its context
		return nil
	}, runtime.Timeout(20*time.Millisecond), runtime.ContinueOnFailure())
	panics := runtime.AddFunc(wf, "panics", func(context.Context, *runtime.Exec[Input, runtime.NoOutput]) error {
		panic("out of paper")
	}, runtime.ContinueOnFailure())
	exits := runtime.AddFunc(wf, "exits", func(context.Context, *runtime.Exec[Input, runtime.NoOutput]) error {
		goruntime.Goexit()
		return nil
	}, runtime.ContinueOnFailure())
	report := runtime.AddFunc(wf, "report", func(_ context.Context, x *runtime.Exec[Input, Rows]) error {
		x.Output.Rows = store.Last().Output.Rows + jittered.Last().Output.Rows
		x.Output.Note = fmt.Sprintf("permanent %v, slow %v", permanent.Last().Status, slow.Last().Status)
		return nil
	}, runtime.Trigger(runtime.AllDone))
	onlyIfAllFine := runtime.AddFunc(wf, "only-if-all-fine", func(context.Context, *runtime.Exec[Input, runtime.NoOutput]) error {
		return nil
	}, runtime.Trigger(runtime.NoneFailed))

	wf.AddEdgeIfSourceCompleted(fetch, validate)
	wf.AddEdgeWhen(validate, store, "few rows rejected", func(in *Input) bool {
		return validate.Last().Output.Rejected < in.Threshold
	})
	wf.AddConditionalEdge(validate, notify, "nothing rejected", func() bool { return validate.Last().Output.Rejected == 0 })
	for _, n := range []runtime.NodeRef{store, notify, permanent, nonRetryable, jittered, slow, panics, exits} {
		wf.AddEdge(n, report)
		wf.AddEdge(n, onlyIfAllFine)
	}
	return wf
}

// workflowHooks journal the workflow's own hooks. OnSuccess reads the
// second node's output (a hook may read nodes, as the local runtime
// allows) and panics when it is 2.
type workflowHooks struct{ second *hooked }

func (h workflowHooks) OnStart(context.Context) { note("workflow OnStart") }
func (h workflowHooks) OnSuccess(context.Context) {
	rows := h.second.Last().Output.Rows
	note("workflow OnSuccess (second made %d rows)", rows)
	if rows == 2 {
		panic("OnSuccess broke")
	}
}
func (h workflowHooks) OnFailure(_ context.Context, err error) { note("workflow OnFailure: %v", err) }
func (h workflowHooks) OnFinish(context.Context)               { note("workflow OnFinish") }

// hooked is a node with every hook; it journals them.
type hooked struct {
	runtime.Node[Input, Rows]
	name string
}

func (n *hooked) Logic(_ context.Context, x *runtime.Exec[Input, Rows]) error {
	note("%s logic %d", n.name, x.Attempt)
	if x.Input.FailNode && n.name == "second" && x.Attempt == 1 {
		return runtime.Errorf(runtime.DataError, "second fails")
	}
	x.Output.Rows = x.Attempt
	return nil
}

func (n *hooked) OnStart(context.Context)                { note("%s OnStart", n.name) }
func (n *hooked) OnSuccess(context.Context)              { note("%s OnSuccess", n.name) }
func (n *hooked) OnFailure(_ context.Context, err error) { note("%s OnFailure: %v", n.name, err) }
func (n *hooked) OnFinish(context.Context)               { note("%s OnFinish", n.name) }

// HookFlow has workflow hooks and node hooks, journalled in order. With
// fail_node, the second node fails once and is retried, making 2 rows,
// which makes the workflow's OnSuccess panic: OnFailure then runs.
func HookFlow() *runtime.Workflow[Input] {
	second := &hooked{name: "second"}
	wf := runtime.NewWorkflow[Input]("hooks", runtime.Hooks(workflowHooks{second}))
	f := runtime.Add(wf, &hooked{name: "first"}, runtime.Name("first"))
	s := runtime.Add(wf, second, runtime.Name("second"), runtime.Retries(1, 0))
	wf.AddEdge(f, s)
	return wf
}

// ChainLength is the number of nodes of Chain.
const ChainLength = 20

// Step is a chain node's output.
type Step struct {
	N int `json:"n"`
}

// Chain is 20 nodes in a row, each adding one to its parent's output:
// the throughput benchmark's workflow.
func Chain() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("chain")
	var prev *runtime.Func[Input, Step]
	for i := range ChainLength {
		parent := prev
		n := runtime.AddFunc(wf, fmt.Sprintf("n%02d", i), func(_ context.Context, x *runtime.Exec[Input, Step]) error {
			if parent != nil {
				x.Output.N = parent.Last().Output.N
			}
			x.Output.N++
			return nil
		})
		if prev != nil {
			wf.AddEdgeIfSourceCompleted(prev, n)
		}
		prev = n
	}
	return wf
}

// Fault is a → work → c; work's first attempt leaves a marker in dir
// (the pid of its process) and then waits, so a test can kill that
// worker; its later attempts return at once.
func Fault() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("fault")
	a := runtime.AddFunc(wf, "a", func(_ context.Context, x *runtime.Exec[Input, Step]) error {
		x.Output.N = 1
		return nil
	})
	work := runtime.AddFunc(wf, "work", func(ctx context.Context, x *runtime.Exec[Input, Step]) error {
		if x.Attempt == 1 {
			if err := mark(x.Input.Dir, "work-started"); err != nil {
				return err
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Minute):
			}
		}
		x.Output.N = 10*x.Attempt + 1
		return nil
	}, runtime.Retries(2, 200*time.Millisecond))
	c := runtime.AddFunc(wf, "c", func(_ context.Context, x *runtime.Exec[Input, Step]) error {
		x.Output.N = 100
		return nil
	})
	wf.AddEdge(a, work)
	wf.AddEdgeIfSourceCompleted(work, c)
	return wf
}

// mark leaves the file name in dir holding the process's pid, atomically.
func mark(dir, name string) error {
	if dir == "" {
		return nil
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path+".tmp", fmt.Appendf(nil, "%d", os.Getpid()), 0o644); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// Blob is the big workflow's output.
type Blob struct {
	Data string `json:"data"`
}

// Big makes an output of Bytes bytes, which "sink" reads.
func Big() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("big")
	producer := runtime.AddFunc(wf, "make", func(_ context.Context, x *runtime.Exec[Input, Blob]) error {
		x.Output.Data = strings.Repeat("x", x.Input.Bytes)
		return nil
	})
	sink := runtime.AddFunc(wf, "sink", func(_ context.Context, x *runtime.Exec[Input, Step]) error {
		x.Output.N = len(producer.Last().Output.Data)
		return nil
	}, runtime.Trigger(runtime.AllDone))
	wf.AddEdge(producer, sink)
	return wf
}

// Wait has a node that waits for Sleep, honouring its context, and one
// after it.
func Wait() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("wait")
	w := runtime.AddFunc(wf, "wait", func(ctx context.Context, x *runtime.Exec[Input, runtime.NoOutput]) error {
		if err := mark(x.Input.Dir, "wait-started"); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(x.Input.Sleep):
			return nil
		}
	})
	after := runtime.AddFunc(wf, "after", func(context.Context, *runtime.Exec[Input, runtime.NoOutput]) error { return nil })
	wf.AddEdge(w, after)
	return wf
}

// Limited runs five nodes one at a time (MaxConcurrency 1), with trigger
// rules on roots: the journal shows the order they ran in.
func Limited() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("limited", runtime.MaxConcurrency(1))
	step := func(name string) func(context.Context, *runtime.Exec[Input, Rows]) error {
		return func(_ context.Context, x *runtime.Exec[Input, Rows]) error {
			note("limited %s", name)
			x.Output.Note = name
			return nil
		}
	}
	a := runtime.AddFunc(wf, "a", step("a"))
	b := runtime.AddFunc(wf, "b", step("b"), runtime.Trigger(runtime.Always))
	c := runtime.AddFunc(wf, "c", step("c"), runtime.Trigger(runtime.AllDone))
	d := runtime.AddFunc(wf, "d", step("d"))
	e := runtime.AddFunc(wf, "e", step("e"), runtime.Trigger(runtime.OneSuccess))
	wf.AddEdge(a, c)
	wf.AddEdge(d, e)
	wf.AddEdge(a, e)
	_ = b
	return wf
}

// Stops ends while a node is in flight: with fail_first, the first node's
// failure kills the only execution group; with panic_cond, the condition
// of the edge after it panics. Either way "slow", still waiting, is
// recorded CANCELLED.
func Stops() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("stops")
	first := runtime.AddFunc(wf, "first", func(ctx context.Context, x *runtime.Exec[Input, runtime.NoOutput]) error {
		select { // slow starts first, locally and on Temporal
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if x.Input.FailFirst {
			return runtime.Errorf(runtime.DataError, "first failed")
		}
		return nil
	})
	runtime.AddFunc(wf, "slow", func(ctx context.Context, x *runtime.Exec[Input, runtime.NoOutput]) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
			return nil
		}
	})
	after := runtime.AddFunc(wf, "after", func(context.Context, *runtime.Exec[Input, runtime.NoOutput]) error { return nil })
	wf.AddEdgeWhen(first, after, "unless told to panic", func(in *Input) bool {
		if in.PanicCond {
			panic("the condition broke")
		}
		return true
	})
	return wf
}
