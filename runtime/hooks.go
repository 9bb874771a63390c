package runtime

import "context"

// Lifecycle hooks. A node type (or a value given to the workflow with
// [Hooks]) opts in by implementing any of them. Node hooks run around every
// attempt: OnStart before the logic, then OnSuccess or OnFailure(err), then
// OnFinish always. Workflow hooks run the same way around every workflow
// attempt. A panic in a hook fails the attempt with the panic's message.
type (
	StartHook   interface{ OnStart(ctx context.Context) }
	SuccessHook interface{ OnSuccess(ctx context.Context) }
	FailureHook interface {
		OnFailure(ctx context.Context, err error)
	}
	FinishHook interface{ OnFinish(ctx context.Context) }
)

type hookSet struct {
	start   StartHook
	success SuccessHook
	failure FailureHook
	finish  FinishHook
}

func hooksOf(v any) hookSet {
	var h hookSet
	if v == nil {
		return h
	}
	h.start, _ = v.(StartHook)
	h.success, _ = v.(SuccessHook)
	h.failure, _ = v.(FailureHook)
	h.finish, _ = v.(FinishHook)
	return h
}

func (h hookSet) names() []string {
	var n []string
	if h.start != nil {
		n = append(n, "OnStart")
	}
	if h.success != nil {
		n = append(n, "OnSuccess")
	}
	if h.failure != nil {
		n = append(n, "OnFailure")
	}
	if h.finish != nil {
		n = append(n, "OnFinish")
	}
	return n
}

// Middleware wraps every node attempt of a run (hooks and logic), for
// logging, metrics, tracing or policies that need no change to node code.
// The error next returns decides the attempt's status; a middleware may
// replace it.
type Middleware func(next AttemptFunc) AttemptFunc

// AttemptFunc runs one node attempt.
type AttemptFunc func(ctx context.Context, a Attempt) error

// Attempt identifies the node attempt a middleware wraps.
type Attempt struct {
	RunID       string
	Workflow    string
	Node        string
	Number      int // 1-based
	MaxAttempts int
	Impl        any // the user's node value

	a *nodeAttempt
}

func runAttemptFunc(ctx context.Context, a Attempt) error { return a.a.attempt(ctx) }

// chain wraps the attempt in the middleware. wrapped is false when there
// is none: the scheduler then calls the attempt directly.
func chain(mws []Middleware) (f AttemptFunc, wrapped bool) {
	f = runAttemptFunc
	for i := len(mws) - 1; i >= 0; i-- {
		if mws[i] != nil {
			f, wrapped = mws[i](f), true
		}
	}
	return f, wrapped
}
