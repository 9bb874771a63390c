package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/runtime"
)

// Node types whose hook methods are misspelt or have the wrong signature.
type (
	finsh struct {
		runtime.Node[In, runtime.NoOutput]
	}
	failed struct {
		runtime.Node[In, runtime.NoOutput]
	}
	lowerStart struct {
		runtime.Node[In, runtime.NoOutput]
	}
	sucess struct {
		runtime.Node[In, runtime.NoOutput]
	}
	noErrArg struct {
		runtime.Node[In, runtime.NoOutput]
	}
	returnsErr struct {
		runtime.Node[In, runtime.NoOutput]
	}
	// Not mistakes: a near name next to the exact hook, and On… methods
	// far from every hook.
	finishAndFinished struct {
		runtime.Node[In, runtime.NoOutput]
	}
	otherOnMethods struct {
		runtime.Node[In, runtime.NoOutput]
	}
)

func (*finsh) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { return nil }
func (*finsh) OnFinsh(context.Context)                                          {}

func (*failed) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { return nil }
func (*failed) OnFailed(context.Context, error)                                  {}

func (*lowerStart) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { return nil }
func (*lowerStart) Onstart(context.Context)                                          {}

func (*sucess) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { return nil }
func (*sucess) OnSucess(context.Context)                                         {}

func (*noErrArg) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { return nil }
func (*noErrArg) OnFailure(context.Context)                                        {}

func (*returnsErr) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { return nil }
func (*returnsErr) OnStart(context.Context) error                                    { return nil }
func (*returnsErr) OnFinsh(context.Context)                                          {}

func (*finishAndFinished) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error {
	return nil
}
func (*finishAndFinished) OnFinish(context.Context)   {}
func (*finishAndFinished) OnFinished(context.Context) {}

func (*otherOnMethods) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { return nil }
func (*otherOnMethods) OnFile(string)                                                    {}
func (*otherOnMethods) OnEvent(runtime.Event)                                            {}
func (*otherOnMethods) Once()                                                            {}

// Workflow hook values with the same mistakes.
type (
	wfFinsh        struct{}
	wfWrongFailure struct{}
	wfNothing      struct{ Name string }
	wfPointerOnly  struct{}
)

func (wfFinsh) OnStart(context.Context)                {}
func (wfFinsh) OnFinsh(context.Context)                {}
func (wfWrongFailure) OnFailure(error)                 {}
func (wfWrongFailure) OnSucceeded(ctx context.Context) {}
func (*wfPointerOnly) OnFinish(context.Context)        {}

func TestHookMistakes(t *testing.T) {
	const (
		start   = "OnStart(ctx context.Context)"
		success = "OnSuccess(ctx context.Context)"
		failure = "OnFailure(ctx context.Context, err error)"
		finish  = "OnFinish(ctx context.Context)"
	)
	all := strings.Join([]string{start, success, failure, finish}, ", ")
	typo := func(subject, method, hook string) string {
		return fmt.Sprintf(`workflow "hooks": %s: method %s is not a hook and is never called: did you mean %s?`, subject, method, hook)
	}
	wrong := func(subject, method, hook string) string {
		return fmt.Sprintf(`workflow "hooks": %s: method %s has the wrong signature for a hook: want %s`, subject, method, hook)
	}
	tests := []struct {
		name  string
		build func(wf *runtime.Workflow[In])
		opts  []runtime.WorkflowOption
		want  []string
	}{
		{"OnFinsh", func(wf *runtime.Workflow[In]) { runtime.Add(wf, &finsh{}, runtime.Name("n")) }, nil,
			[]string{typo(`node "n"`, "OnFinsh(context.Context)", finish)}},
		{"OnFailed", func(wf *runtime.Workflow[In]) { runtime.Add(wf, &failed{}, runtime.Name("n")) }, nil,
			[]string{typo(`node "n"`, "OnFailed(context.Context, error)", failure)}},
		{"Onstart", func(wf *runtime.Workflow[In]) { runtime.Add(wf, &lowerStart{}, runtime.Name("n")) }, nil,
			[]string{typo(`node "n"`, "Onstart(context.Context)", start)}},
		{"OnSucess", func(wf *runtime.Workflow[In]) { runtime.Add(wf, &sucess{}, runtime.Name("n")) }, nil,
			[]string{typo(`node "n"`, "OnSucess(context.Context)", success)}},
		{"OnFailure without the error", func(wf *runtime.Workflow[In]) { runtime.Add(wf, &noErrArg{}, runtime.Name("n")) }, nil,
			[]string{wrong(`node "n"`, "OnFailure(context.Context)", failure)}},
		{"two mistakes, in method order, every node", func(wf *runtime.Workflow[In]) {
			runtime.Add(wf, &returnsErr{}, runtime.Name("a"))
			runtime.Add(wf, &returnsErr{}, runtime.Name("b")) // the cached analysis reports it again
		}, nil, []string{
			typo(`node "a"`, "OnFinsh(context.Context)", finish),
			wrong(`node "a"`, "OnStart(context.Context) error", start),
			typo(`node "b"`, "OnFinsh(context.Context)", finish),
			wrong(`node "b"`, "OnStart(context.Context) error", start),
		}},
		{"near name next to the hook is deliberate", func(wf *runtime.Workflow[In]) {
			runtime.Add(wf, &finishAndFinished{}, runtime.Name("n"))
		}, nil, nil},
		{"other On methods", func(wf *runtime.Workflow[In]) { runtime.Add(wf, &otherOnMethods{}, runtime.Name("n")) }, nil, nil},
		{"workflow hook typo", func(wf *runtime.Workflow[In]) { runtime.AddFunc(wf, "n", ok) },
			[]runtime.WorkflowOption{runtime.Hooks(wfFinsh{})},
			[]string{typo("Hooks(runtime_test.wfFinsh)", "OnFinsh(context.Context)", finish)}},
		{"workflow hook signature and form", func(wf *runtime.Workflow[In]) { runtime.AddFunc(wf, "n", ok) },
			[]runtime.WorkflowOption{runtime.Hooks(wfWrongFailure{})},
			[]string{
				wrong("Hooks(runtime_test.wfWrongFailure)", "OnFailure(error)", failure),
				typo("Hooks(runtime_test.wfWrongFailure)", "OnSucceeded(context.Context)", success),
			}},
		{"workflow hooks without any hook", func(wf *runtime.Workflow[In]) { runtime.AddFunc(wf, "n", ok) },
			[]runtime.WorkflowOption{runtime.Hooks(wfNothing{})},
			[]string{`workflow "hooks": Hooks(runtime_test.wfNothing): the value has none of the hook methods ` + all}},
		{"workflow hooks on the pointer", func(wf *runtime.Workflow[In]) { runtime.AddFunc(wf, "n", ok) },
			[]runtime.WorkflowOption{runtime.Hooks(wfPointerOnly{})},
			[]string{`workflow "hooks": Hooks(runtime_test.wfPointerOnly): the value has none of the hook methods ` + all +
				`; *runtime_test.wfPointerOnly has some: pass a pointer`}},
		{"workflow hooks nil", func(wf *runtime.Workflow[In]) { runtime.AddFunc(wf, "n", ok) },
			[]runtime.WorkflowOption{runtime.Hooks(nil)},
			[]string{`workflow "hooks": Hooks(nil): the value has none of the hook methods ` + all}},
		{"workflow hooks by pointer", func(wf *runtime.Workflow[In]) { runtime.AddFunc(wf, "n", ok) },
			[]runtime.WorkflowOption{runtime.Hooks(&wfPointerOnly{})}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wf := runtime.NewWorkflow[In]("hooks", tt.opts...)
			tt.build(wf)
			err := wf.Err()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Err() = %v, want nil", err)
				}
				return
			}
			if got, want := fmt.Sprint(err), strings.Join(tt.want, "\n"); got != want {
				t.Fatalf("Err() =\n%s\nwant\n%s", got, want)
			}
			if !errors.Is(err, runtime.ErrInvalidHook) {
				t.Fatalf("not ErrInvalidHook: %v", err)
			}
		})
	}
}
