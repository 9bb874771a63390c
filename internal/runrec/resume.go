package runrec

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/internal/store"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// ResumeDoc is the input of a run resuming rec: the recorded input with
// overrides on top. A recorded input keeps neither secrets ("***") nor
// values too large to keep (markers): each of those that was set must be
// given again in overrides, or it is reported as a problem.
func ResumeDoc(rec *Record, w *introspect.Workflow, overrides map[string]any) (map[string]any, []describe.FieldError) {
	doc := map[string]any{}
	for k, raw := range rec.Input {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			doc[k] = v
		}
	}
	var problems []describe.FieldError
	secret := func(path string) bool {
		f := w.Field(path)
		return f != nil && f.Secret
	}
	// Walk the recorded values: drop what was not kept, and note what the
	// overrides must give.
	var walk func(obj map[string]any, over map[string]any, prefix string)
	walk = func(obj map[string]any, over map[string]any, prefix string) {
		for _, k := range sortedKeys(obj) {
			v := obj[k]
			path := prefix + k
			ov, given := over[k]
			if m, ok := v.(map[string]any); ok && !isMarker(m) {
				om, _ := ov.(map[string]any)
				walk(m, om, path+".")
				continue
			}
			kept := true
			switch {
			case isMarkerValue(v):
				kept = false
				if !given {
					problems = append(problems, describe.FieldError{Field: path, Rule: "resume",
						Message: "was too large to keep in the record: give it again to resume"})
				}
			case secret(path) && v == "***":
				kept = false
				if !given {
					problems = append(problems, describe.FieldError{Field: path, Rule: "resume",
						Message: "is a secret, which records never keep: give it again to resume"})
				}
			}
			if !kept {
				delete(obj, k)
			}
		}
	}
	walk(doc, overrides, "")
	merge(doc, overrides)
	return doc, problems
}

// merge copies src into dst, recursing into objects both have.
func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

func isMarker(m map[string]any) bool {
	t, _ := m["truncated"].(bool)
	_, sum := m["sha256"].(string)
	return t && sum
}

func isMarkerValue(v any) bool {
	m, ok := v.(map[string]any)
	return ok && isMarker(m)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ResumePrev is the run a resumption starts from: rec as a Result, less
// the node executions whose output was too large to keep (those nodes run
// again).
func ResumePrev(rec *Record) *runtime.Result {
	res := rec.Result()
	res.Executions = make([]*runtime.WorkflowExecution, len(rec.Executions))
	for i, we := range rec.Executions {
		if we == nil {
			continue
		}
		c := *we
		c.Nodes = make(map[string][]runtime.NodeExecution, len(we.Nodes))
		for name, recs := range we.Nodes {
			if n := len(recs); n > 0 {
				if raw, ok := recs[n-1].Output.(json.RawMessage); ok && store.IsMarker(raw) {
					continue
				}
			}
			c.Nodes[name] = recs
		}
		res.Executions[i] = &c
	}
	return res
}
