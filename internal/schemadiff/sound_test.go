package schemadiff_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	jsv "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/fluxly-go/fluxly/internal/schemadiff"
)

// Soundness: when Compare finds nothing breaking, every document the old
// schema accepts, the new one accepts too. Pairs of schemas are made at
// random (a schema and a mutation of it) from the kinds Fluxly generates;
// documents are made from the old schema, so that many of them are valid.

// source draws numbers from fuzz bytes (zeros once they run out).
type source struct{ b []byte }

func (s *source) n(k int) int {
	if k <= 1 {
		return 0
	}
	var v int
	if len(s.b) > 0 {
		v = int(s.b[0])
		s.b = s.b[1:]
	}
	return v % k
}

func (s *source) pick(xs ...any) any { return xs[s.n(len(xs))] }

var (
	names    = []string{"a", "b", "c", "d"}
	patterns = []any{"^a", "^[a-z]+$", "b$", "^[A-Z]{2}$"}
	words    = []any{"", "a", "ab", "b", "AB", "abc", "ba", "2024-01-02"}
)

func genSchema(s *source, depth int) map[string]any {
	kinds := 7
	if depth > 2 {
		kinds = 5
	}
	var m map[string]any
	switch s.n(kinds) {
	case 0:
		m = map[string]any{"type": s.pick("integer", "number")}
		for _, kw := range []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"} {
			if s.n(3) == 0 {
				v := json.Number(fmt.Sprint(s.n(7) - 3))
				if kw == "multipleOf" {
					v = json.Number(fmt.Sprint(s.pick(1, 2, 3, 4, "0.5")))
				}
				m[kw] = v
			}
		}
	case 1:
		m = map[string]any{"type": "string"}
		if s.n(2) == 0 {
			m["minLength"] = json.Number(fmt.Sprint(s.n(3)))
		}
		if s.n(2) == 0 {
			m["maxLength"] = json.Number(fmt.Sprint(s.n(4)))
		}
		if s.n(3) == 0 {
			m["pattern"] = s.pick(patterns...)
		}
		if s.n(4) == 0 {
			m["format"] = "date"
		}
	case 2:
		m = map[string]any{"type": "string", "enum": []any{s.pick(words...), s.pick(words...)}}
	case 3:
		m = map[string]any{"type": "boolean"}
	case 4:
		m = map[string]any{"const": s.pick(words...)}
	case 5:
		m = map[string]any{"type": "array", "items": genSchema(s, depth+1)}
		if s.n(2) == 0 {
			m["minItems"] = json.Number(fmt.Sprint(s.n(3)))
		}
		if s.n(2) == 0 {
			m["maxItems"] = json.Number(fmt.Sprint(s.n(3) + 1))
		}
		if s.n(4) == 0 {
			m["uniqueItems"] = true
		}
	default:
		props := map[string]any{}
		var req []any
		for _, n := range names[:1+s.n(3)] {
			props[n] = genSchema(s, depth+1)
			if s.n(3) == 0 {
				req = append(req, n)
			}
		}
		m = map[string]any{"type": "object", "properties": props}
		if len(req) > 0 {
			m["required"] = req
		}
		if s.n(3) != 0 {
			m["additionalProperties"] = false
		}
	}
	if s.n(5) == 0 {
		return map[string]any{"anyOf": []any{m, map[string]any{"type": "null"}}, "description": "optional"}
	}
	return m
}

// mutate changes a copy of m in one to three places.
func mutate(s *source, m map[string]any, depth int) map[string]any {
	out := clone(m).(map[string]any)
	for range 1 + s.n(3) {
		mutateOnce(s, out, depth)
	}
	return out
}

func mutateOnce(s *source, m map[string]any, depth int) {
	if b, ok := m["anyOf"].([]any); ok && s.n(2) == 0 {
		if s.n(3) == 0 { // unwrap
			inner := b[0].(map[string]any)
			delete(m, "anyOf")
			for k, v := range inner {
				m[k] = v
			}
			return
		}
		mutateOnce(s, b[0].(map[string]any), depth)
		return
	}
	if props, ok := m["properties"].(map[string]any); ok && s.n(2) == 0 {
		n := names[s.n(len(names))]
		switch s.n(5) {
		case 0:
			delete(props, n)
		case 1:
			props[n] = genSchema(s, depth+1)
		case 2:
			req, _ := m["required"].([]any)
			if !slices.Contains(req, any(n)) {
				m["required"] = append(req, n)
			}
		case 3:
			delete(m, "required")
		default:
			if p, ok := props[n].(map[string]any); ok {
				mutateOnce(s, p, depth+1)
			}
		}
		return
	}
	if items, ok := m["items"].(map[string]any); ok && s.n(2) == 0 {
		mutateOnce(s, items, depth+1)
		return
	}
	switch s.n(9) {
	case 0:
		keys := []string{}
		for k := range m {
			keys = append(keys, k)
		}
		if len(keys) > 0 {
			delete(m, keys[s.n(len(keys))])
		}
	case 1:
		m["type"] = s.pick("integer", "number", "string", "null", []any{"integer", "string"})
	case 2:
		m[s.pick("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems").(string)] = json.Number(fmt.Sprint(s.n(5)))
	case 3:
		m["enum"] = []any{s.pick(words...), s.pick(words...), json.Number("1")}
	case 4:
		m["pattern"] = s.pick(patterns...)
	case 5:
		if m["additionalProperties"] == false {
			delete(m, "additionalProperties")
		} else {
			m["additionalProperties"] = false
		}
	case 6:
		wrapped := clone(m)
		for k := range m {
			delete(m, k)
		}
		m["anyOf"] = []any{wrapped, map[string]any{"type": "null"}}
	case 7:
		m["multipleOf"] = json.Number(fmt.Sprint(s.pick(1, 2, 4, "0.5")))
	default:
		m["description"] = "changed"
		m["default"] = s.pick(words...)
	}
}

// genValue makes a document that often fits m.
func genValue(s *source, m any, depth int) any {
	sm, _ := m.(map[string]any)
	if s.n(6) == 0 || sm == nil || depth > 4 {
		return s.pick(nil, true, json.Number("0"), json.Number("1"), json.Number("-2"), json.Number("2.5"), "a", "AB", []any{}, map[string]any{})
	}
	if b, ok := sm["anyOf"].([]any); ok {
		return genValue(s, b[s.n(len(b))], depth)
	}
	if e, ok := sm["enum"].([]any); ok {
		return e[s.n(len(e))]
	}
	if c, ok := sm["const"]; ok {
		return c
	}
	t, _ := sm["type"].(string)
	switch t {
	case "integer":
		return json.Number(fmt.Sprint(s.n(9) - 4))
	case "number":
		return json.Number(fmt.Sprint(s.pick(-3, -1, 0, "0.5", 1, 2, "2.5", 3, 4)))
	case "string":
		return s.pick(words...)
	case "boolean":
		return s.n(2) == 0
	case "null":
		return nil
	case "array":
		var out []any
		for range s.n(4) {
			out = append(out, genValue(s, sm["items"], depth+1))
		}
		if out == nil {
			out = []any{}
		}
		return out
	case "object":
		out := map[string]any{}
		props, _ := sm["properties"].(map[string]any)
		for _, n := range names {
			if p, ok := props[n]; ok && s.n(4) != 0 {
				out[n] = genValue(s, p, depth+1)
			} else if s.n(8) == 0 {
				out[n] = genValue(s, nil, depth+1)
			}
		}
		return out
	}
	return genValue(s, nil, depth)
}

func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = clone(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = clone(e)
		}
		return out
	}
	return v
}

// compileSchema compiles a generated schema, or returns nil when the
// generator made one the metaschema refuses.
func compileSchema(t testing.TB, data []byte) *jsv.Schema {
	t.Helper()
	doc, err := jsv.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsv.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("https://x.invalid/s.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("https://x.invalid/s.json")
	if err != nil {
		return nil
	}
	return s
}

// checkSound fails when a document valid under old is refused by new while
// Compare found nothing breaking.
func checkSound(t testing.TB, s *source) {
	old := genSchema(s, 0)
	old["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	new := mutate(s, old, 0)
	ob, _ := json.Marshal(old)
	nb, _ := json.Marshal(new)
	changes, err := schemadiff.Compare(ob, nb)
	if err != nil {
		t.Fatalf("Compare: %v\nold %s\nnew %s", err, ob, nb)
	}
	if schemadiff.Breaking(changes) {
		return
	}
	vo, vn := compileSchema(t, ob), compileSchema(t, nb)
	if vo == nil || vn == nil {
		return
	}
	for range 24 {
		doc := genValue(s, old, 0)
		data, _ := json.Marshal(doc)
		inst, err := jsv.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if vo.Validate(inst) != nil {
			continue
		}
		if err := vn.Validate(inst); err != nil {
			var lines []string
			for _, c := range changes {
				lines = append(lines, c.String())
			}
			t.Fatalf("unsound: %s is valid under the old schema, not the new one, yet no breaking change was found\nold %s\nnew %s\nchanges: %s\n%v",
				data, ob, nb, strings.Join(lines, "; "), err)
		}
	}
}

// TestSound runs the soundness check on pseudo-random pairs; the fuzz
// target below searches further (go test -fuzz FuzzSound).
func TestSound(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for range n {
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		checkSound(t, &source{b})
	}
}

func FuzzSound(f *testing.F) {
	f.Add([]byte{6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{0, 1, 0, 3, 0, 2, 1, 1, 2, 2})
	f.Add([]byte{5, 6, 1, 0, 2, 3, 3, 9, 9, 4})
	f.Fuzz(func(t *testing.T, b []byte) { checkSound(t, &source{b}) })
}
