package endpoint_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/internal/endpoint"
	"github.com/fluxly-go/fluxly/internal/spec/engine"
	"github.com/fluxly-go/fluxly/runtime"
)

type sumIn struct {
	runtime.Input
	N     int            `json:"n" default:"3"`
	Token runtime.Secret `json:"token"`
}

type sumOut struct {
	Total int    `json:"total"`
	Note  string `json:"note"`
}

func build() *runtime.Workflow[sumIn] {
	wf := runtime.NewWorkflow[sumIn]("sum")
	first := runtime.AddFunc(wf, "first", func(_ context.Context, x *runtime.Exec[sumIn, sumOut]) error {
		x.Output.Total = x.Input.N
		x.Output.Note = fmt.Sprintf("token of %d characters", len(x.Input.Token.Reveal()))
		return nil
	})
	second := runtime.AddFunc(wf, "second", func(_ context.Context, x *runtime.Exec[sumIn, sumOut]) error {
		x.Output.Total = first.Last().Output.Total * 10
		return nil
	})
	wf.AddEdge(first, second)
	return wf
}

// TestInputStepper drives an input's stepper node by node, as an engine
// running nodes elsewhere does, from the document a worker receives: the
// defaults, the secret and the endpoint's middleware all reach the nodes.
func TestInputStepper(t *testing.T) {
	var wrapped []string
	mw := func(next runtime.AttemptFunc) runtime.AttemptFunc {
		return func(ctx context.Context, a runtime.Attempt) error {
			wrapped = append(wrapped, a.Node)
			return next(ctx, a)
		}
	}
	ep, err := endpoint.New("sum", build, nil, describe.Options{}, []runtime.Middleware{mw})
	if err != nil {
		t.Fatal(err)
	}
	in, err := ep.DecodeJSON([]byte(`{"token":"s3cret"}`))
	if err != nil {
		t.Fatal(err)
	}
	// A worker decodes the document again.
	again, err := ep.DecodeJSON(in.Document())
	if err != nil {
		t.Fatal(err)
	}
	s, err := in.Stepper(engine.Config{RunID: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	g := s.Graph()
	if g.Workflow != "sum" || len(g.Nodes) != 2 || g.Nodes[0].Name != "first" {
		t.Fatalf("graph: %+v", g)
	}
	w := engine.NewWalker(g)
	st, err := w.Start(nil, s.Condition)
	if err != nil {
		t.Fatal(err)
	}
	done := map[int][]json.RawMessage{}
	queue := st.Ready
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		act, err := again.Stepper(engine.Config{RunID: "r1"})
		if err != nil {
			t.Fatal(err)
		}
		for u, recs := range done {
			if err := act.Restore(u, recs); err != nil {
				t.Fatal(err)
			}
		}
		res, err := act.Attempt(context.Background(), v, 1)
		if err != nil {
			t.Fatal(err)
		}
		done[v] = []json.RawMessage{res.Record}
		if err := s.Restore(v, done[v]); err != nil {
			t.Fatal(err)
		}
		if st, err = w.Finish(v, res.Status, s.Condition); err != nil {
			t.Fatal(err)
		}
		queue = append(queue, st.Ready...)
	}
	if !w.Over() || w.Result().Status != int(runtime.Completed) {
		t.Fatalf("walker: over %v, %+v", w.Over(), w.Result())
	}
	var first, second struct {
		Output sumOut `json:"output"`
	}
	if err := json.Unmarshal(done[0][0], &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(done[1][0], &second); err != nil {
		t.Fatal(err)
	}
	if first.Output != (sumOut{Total: 3, Note: "token of 6 characters"}) || second.Output.Total != 30 {
		t.Errorf("outputs: first %+v, second %+v", first.Output, second.Output)
	}
	if fmt.Sprint(wrapped) != "[first second]" {
		t.Errorf("middleware wrapped %v, want [first second]", wrapped)
	}
}

type ruledIn struct {
	runtime.Input
	Country string         `json:"country" jsonschema:"pattern=^[A-Z]{2}$"`
	Level   int            `json:"level" jsonschema:"minimum=1,maximum=5"`
	Mode    string         `json:"mode" jsonschema:"enum=fast,enum=slow"`
	Limit   int            `json:"limit" jsonschema:"minimum=0"`
	Token   runtime.Secret `json:"token"`
}

// TestDocumentDecodesAgain: the document of a decoded input — what a
// worker decodes, what a record keeps — passes Check again, even where a
// field's zero value breaks its own rules (such fields stay out of it),
// and decodes to the same input.
func TestDocumentDecodesAgain(t *testing.T) {
	build := func() *runtime.Workflow[ruledIn] {
		wf := runtime.NewWorkflow[ruledIn]("ruled")
		runtime.AddFunc(wf, "only", func(context.Context, *runtime.Exec[ruledIn, runtime.NoOutput]) error { return nil })
		return wf
	}
	ep, err := endpoint.New("ruled", build, nil, describe.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{}`, `{"country":"FR","level":3,"mode":"slow","token":"t0k"}`} {
		in, err := ep.DecodeJSON([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		again, err := ep.DecodeJSON(in.Document())
		if err != nil {
			t.Fatalf("%s: the document %s does not decode again: %v", body, in.Document(), err)
		}
		if string(again.Document()) != string(in.Document()) {
			t.Errorf("%s: documents differ:\n%s\n%s", body, in.Document(), again.Document())
		}
	}
	in, _ := ep.DecodeJSON([]byte(`{}`))
	var doc map[string]any
	if err := json.Unmarshal(in.Document(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"country", "level", "mode"} {
		if _, ok := doc[k]; ok {
			t.Errorf("%s is in the document although its zero value breaks its rule: %s", k, in.Document())
		}
	}
	if doc["limit"] != float64(0) || doc["token"] != "" {
		t.Errorf("fields whose zero value is valid are filled: %s", in.Document())
	}
	if _, err := ep.DecodeJSON([]byte(`{"country":""}`)); err == nil {
		t.Error(`an explicit "" that breaks the pattern was accepted`)
	}
}
