package runtime

import (
	"context"
	"fmt"
	"reflect"
	"strings"
)

// The lifecycle hooks. A node type, or a value given to [Hooks], opts in by
// having the method; the package documentation lists them.
type (
	startHook   interface{ OnStart(ctx context.Context) }
	successHook interface{ OnSuccess(ctx context.Context) }
	failureHook interface {
		OnFailure(ctx context.Context, err error)
	}
	finishHook interface{ OnFinish(ctx context.Context) }
)

type hookSet struct {
	start   startHook
	success successHook
	failure failureHook
	finish  finishHook
}

func hooksOf(v any) hookSet {
	var h hookSet
	if v == nil {
		return h
	}
	h.start, _ = v.(startHook)
	h.success, _ = v.(successHook)
	h.failure, _ = v.(failureHook)
	h.finish, _ = v.(finishHook)
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

// hookSpec is a hook: its method name, its interface, the signature it
// wants, and the other forms of its word that a near miss may take.
type hookSpec struct {
	name  string
	iface reflect.Type
	want  string
	forms []string // lower case, without "on": the hook's own word first
}

var hookSpecs = [...]hookSpec{
	{"OnStart", reflect.TypeFor[startHook](), "OnStart(ctx context.Context)",
		[]string{"start", "started", "starting", "starts"}},
	{"OnSuccess", reflect.TypeFor[successHook](), "OnSuccess(ctx context.Context)",
		[]string{"success", "succeed", "succeeded", "succeeds", "successful"}},
	{"OnFailure", reflect.TypeFor[failureHook](), "OnFailure(ctx context.Context, err error)",
		[]string{"failure", "fail", "failed", "failing", "fails"}},
	{"OnFinish", reflect.TypeFor[finishHook](), "OnFinish(ctx context.Context)",
		[]string{"finish", "finished", "finishing", "finishes"}},
}

// hookProblems checks t's methods against the hooks: a method with a
// hook's name must have its signature, and a method named like a hook but
// not exactly (OnFinsh, OnFailed, Onstart) is most likely a mistake, since
// the runtime would never call it. The problems are phrased without the
// subject ("method OnFinsh …"); the caller names the node or workflow.
//
// A near miss is a method starting with "On" whose name, in lower case, is
// within Levenshtein distance 2 of a hook's name, or 1 of another form of
// its word (fail, failed; finished; succeeded; started), unless t also has
// that hook by its exact name: OnFinished next to OnFinish is deliberate.
func hookProblems(t reflect.Type) []string {
	var probs []string
	for i := range t.NumMethod() {
		m := t.Method(i)
		if !strings.HasPrefix(m.Name, "On") {
			continue
		}
		if h := hookNamed(m.Name); h != nil {
			if !t.Implements(h.iface) {
				probs = append(probs, fmt.Sprintf("method %s has the wrong signature for a hook: want %s",
					methodSignature(t, m), h.want))
			}
			continue
		}
		if h := nearHook(m.Name); h != nil {
			if _, has := t.MethodByName(h.name); !has {
				probs = append(probs, fmt.Sprintf("method %s is not a hook and is never called: did you mean %s?",
					methodSignature(t, m), h.want))
			}
		}
	}
	return probs
}

func hookNamed(name string) *hookSpec {
	for i := range hookSpecs {
		if hookSpecs[i].name == name {
			return &hookSpecs[i]
		}
	}
	return nil
}

// nearHook returns the hook that name (case-insensitive, "On" stripped)
// is a near miss of: within distance 2 of the hook's own word, or 1 of
// another form of it (the forms are short: "fail" must not match "file").
// The closest wins; ties go to the first hook.
func nearHook(name string) *hookSpec {
	word := strings.ToLower(name[len("On"):])
	var best *hookSpec
	bestDist := 3
	for i := range hookSpecs {
		for k, f := range hookSpecs[i].forms {
			limit := 1
			if k == 0 {
				limit = 2
			}
			if d := levenshtein(word, f); d <= limit && d < bestDist {
				best, bestDist = &hookSpecs[i], d
			}
		}
	}
	return best
}

// levenshtein is the edit distance between a and b, in bytes (hook names
// are ASCII; a non-ASCII name is far from all of them anyway).
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, sub)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// methodSignature writes method m of t like Go source without parameter
// names: OnFailure(context.Context) error.
func methodSignature(t reflect.Type, m reflect.Method) string {
	ft := m.Type
	first := 0
	if t.Kind() != reflect.Interface { // the receiver is the first parameter
		first = 1
	}
	var b strings.Builder
	b.WriteString(m.Name)
	b.WriteByte('(')
	for i := first; i < ft.NumIn(); i++ {
		if i > first {
			b.WriteString(", ")
		}
		if ft.IsVariadic() && i == ft.NumIn()-1 {
			b.WriteString("..." + ft.In(i).Elem().String())
		} else {
			b.WriteString(ft.In(i).String())
		}
	}
	b.WriteByte(')')
	switch ft.NumOut() {
	case 0:
	case 1:
		b.WriteString(" " + ft.Out(0).String())
	default:
		b.WriteString(" (")
		for i := range ft.NumOut() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(ft.Out(i).String())
		}
		b.WriteByte(')')
	}
	return b.String()
}

// workflowHookProblems checks the value given to [Hooks]; each problem
// starts with Hooks(T), T being the value's type.
func workflowHookProblems(h any) []string {
	if h == nil {
		return []string{"Hooks(nil): the value has none of the hook methods " + hookList()}
	}
	t := reflect.TypeOf(h)
	var probs []string
	for _, p := range hookProblems(t) {
		probs = append(probs, fmt.Sprintf("Hooks(%v): %s", t, p))
	}
	if hooksOf(h) == (hookSet{}) && len(probs) == 0 {
		msg := fmt.Sprintf("Hooks(%v): the value has none of the hook methods %s", t, hookList())
		if t.Kind() != reflect.Pointer && hooksOf(reflect.New(t).Interface()) != (hookSet{}) {
			msg += fmt.Sprintf("; *%v has some: pass a pointer", t)
		}
		probs = append(probs, msg)
	}
	return probs
}

func hookList() string {
	s := make([]string, len(hookSpecs))
	for i, h := range hookSpecs {
		s[i] = h.want
	}
	return strings.Join(s, ", ")
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
