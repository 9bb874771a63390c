package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	goldenfile "github.com/fluxly-go/fluxly/internal/golden"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	verrors "github.com/pb33f/libopenapi-validator/errors"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/internal/httpapi"
	"github.com/fluxly-go/fluxly/runtime"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// openAPI fetches the served document.
func openAPI(t *testing.T, h http.Handler, header map[string]string) []byte {
	t.Helper()
	w := do(t, h, request{method: "GET", path: "/openapi.json", header: header})
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /openapi.json: %d %s", w.Code, w.Header())
	}
	return w.Body.Bytes()
}

// newValidator checks the document against the OpenAPI 3.1 meta-schema
// and returns a validator of requests and responses.
func newValidator(t *testing.T, doc []byte) validator.Validator {
	t.Helper()
	d, err := libopenapi.NewDocument(doc)
	if err != nil {
		t.Fatalf("parsing the OpenAPI document: %v", err)
	}
	if v := d.GetVersion(); v != "3.1.0" {
		t.Fatalf("OpenAPI version %q", v)
	}
	v, errs := validator.NewValidator(d)
	if len(errs) > 0 {
		t.Fatalf("building the validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		t.Fatalf("the OpenAPI document is invalid:\n%s", describe(verrs))
	}
	return v
}

func describe(errs []*verrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString("  " + e.Message + ": " + e.Reason + "\n")
		for _, se := range e.SchemaValidationErrors {
			b.WriteString("    " + se.KeywordLocation + " at " + se.FieldPath + ": " + se.Reason + "\n")
		}
	}
	return b.String()
}

func TestOpenAPIGolden(t *testing.T) {
	f := newFixture(t, httpapi.Options{})
	got := openAPI(t, f, nil)
	goldenfile.Check(t, filepath.Join("testdata", "golden", "openapi.json"), got, *update)
}

func TestOpenAPIValid(t *testing.T) {
	for _, tc := range []struct {
		name  string
		token string
	}{{"open", ""}, {"with token", "t0ken"}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, httpapi.Options{Token: tc.token})
			var header map[string]string
			if tc.token != "" {
				header = map[string]string{"Authorization": "Bearer " + tc.token}
			}
			doc := openAPI(t, f, header)
			newValidator(t, doc)

			var d struct {
				Security   []map[string][]string `json:"security"`
				Components struct {
					Schemas map[string]json.RawMessage `json:"schemas"`
				} `json:"components"`
			}
			if err := json.Unmarshal(doc, &d); err != nil {
				t.Fatal(err)
			}
			if got := len(d.Security) > 0; got != (tc.token != "") {
				t.Errorf("security declared: %v, want %v", got, tc.token != "")
			}
			// The request body schemas are the published input schemas, as is.
			m, err := newApp(f.release).Model()
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range m.Workflows {
				checkComponent(t, d.Components.Schemas[w.Endpoint+".input"], w.Schema, w.Endpoint+".input")
			}
		})
	}
}

// checkComponent checks that a request body schema is the published input
// schema, made a component: $schema and $id give way to a $comment, and
// "#/$defs/…" references point into the component.
func checkComponent(t *testing.T, component, published []byte, name string) {
	t.Helper()
	var want map[string]any
	ref := strings.ReplaceAll(string(published), `"#/$defs/`, `"#/components/schemas/`+name+`/$defs/`)
	if err := json.Unmarshal([]byte(ref), &want); err != nil {
		t.Fatal(err)
	}
	want["$comment"] = "Published as " + want["$id"].(string)
	delete(want, "$id")
	delete(want, "$schema")
	var got any
	if err := json.Unmarshal(component, &got); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	x, _ := json.Marshal(got)
	y, _ := json.Marshal(want)
	if !bytes.Equal(x, y) {
		t.Errorf("%s is not the published input schema:\n%s\nwant\n%s", name, x, y)
	}
}

// exchange sends rq to h and checks both the request and the response
// against the OpenAPI document.
func exchange(t *testing.T, h http.Handler, v validator.Validator, rq request) *httptest.ResponseRecorder {
	t.Helper()
	w := do(t, h, rq)
	req := httptest.NewRequest(rq.method, "http://localhost"+rq.path, strings.NewReader(rq.body))
	if rq.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, val := range rq.header {
		req.Header.Set(k, val)
	}
	resp := w.Result()
	if ok, errs := v.ValidateHttpResponse(req, resp); !ok {
		t.Errorf("%s %s → %d: the response breaks the OpenAPI document:\n%s\nbody: %s", rq.method, rq.path, w.Code, describe(errs), w.Body)
	}
	return w
}

// defaultInput builds an input from a JSON Schema: every default, and for a
// required field without one its first enum value or its type's zero.
func defaultInput(t *testing.T, schema json.RawMessage) string {
	t.Helper()
	var s struct {
		Properties map[string]struct {
			Type    any   `json:"type"`
			Default any   `json:"default"`
			Enum    []any `json:"enum"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	if err := json.Unmarshal(schema, &s); err != nil {
		t.Fatal(err)
	}
	in := map[string]any{}
	for name, p := range s.Properties {
		switch {
		case p.Default != nil:
			in[name] = p.Default
		case !slices.Contains(s.Required, name):
		case len(p.Enum) > 0:
			in[name] = p.Enum[0]
		default:
			in[name] = map[string]any{"string": "", "integer": 0, "number": 0, "boolean": false, "array": []any{}, "object": map[string]any{}}[p.Type.(string)]
		}
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSubmitEveryExampleDefaults submits every endpoint's default input,
// built from the schema the OpenAPI document publishes, and checks every
// exchange against the document.
func TestSubmitEveryExampleDefaults(t *testing.T) {
	f := newFixture(t, httpapi.Options{})
	f.open() // the gate lets its runs through
	doc := openAPI(t, f, nil)
	v := newValidator(t, doc)
	var d struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	var endpoints []string
	for name := range d.Components.Schemas {
		if ep, ok := strings.CutSuffix(name, ".input"); ok {
			endpoints = append(endpoints, ep)
		}
	}
	slices.Sort(endpoints)
	if want := strings.Split(endpointList, ", "); !slices.Equal(endpoints, want) {
		t.Fatalf("input schemas for %v, want %v", endpoints, want)
	}
	for _, ep := range endpoints {
		t.Run(ep, func(t *testing.T) {
			body := defaultInput(t, d.Components.Schemas[ep+".input"])
			rq := request{method: "POST", path: "/" + ep + "/run", body: body}
			req := httptest.NewRequest(rq.method, "http://localhost"+rq.path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if ok, errs := v.ValidateHttpRequest(req); !ok {
				t.Fatalf("the default input %s breaks the OpenAPI document:\n%s", body, describe(errs))
			}
			w := exchange(t, f, v, rq)
			if w.Code != http.StatusAccepted {
				t.Fatalf("POST %s %s: %d %s", rq.path, body, w.Code, w.Body)
			}
			rec := decodeRecord(t, w.Body.Bytes())
			final := waitTerminal(t, f, rec.RunID)
			if final.Endpoint != ep || len(final.Executions) == 0 {
				t.Errorf("final record: %+v", final)
			}
			exchange(t, f, v, request{method: "GET", path: "/runs/" + rec.RunID})
			exchange(t, f, v, request{method: "GET", path: "/" + ep + "/runs/" + rec.RunID})
		})
	}
}

// TestResponsesMatchOpenAPI checks the responses of every route, errors
// included, against the document.
func TestResponsesMatchOpenAPI(t *testing.T) {
	f := newFixture(t, httpapi.Options{Workers: 1, QueueSize: 1, HistorySize: 1})
	v := newValidator(t, openAPI(t, f, nil))
	done := submit(t, f, "echo-msg", `{"count":1}`)
	waitTerminal(t, f, done.RunID)
	gone := done.RunID
	done = submit(t, f, "echo-msg", `{"count":1}`)
	waitTerminal(t, f, done.RunID)
	running := submit(t, f, "gate", `{}`)
	waitRunning(t, f, running.RunID)
	waiting := submit(t, f, "gate", `{}`)

	for _, tt := range []struct {
		rq   request
		want int
	}{
		{request{method: "GET", path: "/health"}, 200},
		{request{method: "GET", path: "/openapi.json"}, 200},
		{request{method: "GET", path: "/runs"}, 200},
		{request{method: "GET", path: "/runs?limit=0"}, 400},
		{request{method: "GET", path: "/runs/" + done.RunID}, 200},
		{request{method: "GET", path: "/runs/" + running.RunID}, 200},
		{request{method: "GET", path: "/runs/" + waiting.RunID}, 200},
		{request{method: "GET", path: "/runs/" + gone}, 410},
		{request{method: "GET", path: "/runs/nope"}, 404},
		{request{method: "GET", path: "/echo-msg/runs/" + done.RunID}, 200},
		{request{method: "GET", path: "/flaky/runs/" + done.RunID}, 404},
		{request{method: "POST", path: "/echo-msg/run", body: `{"count":`}, 400},
		{request{method: "POST", path: "/echo-msg/run", body: `{"count":0}`}, 422},
		{request{method: "POST", path: "/echo-msg/run", body: `{}`, header: map[string]string{"Content-Type": "text/plain"}}, 415},
		{request{method: "POST", path: "/echo-msg/run", body: `{"message":"` + strings.Repeat("x", 2<<20) + `"}`}, 413},
		{request{method: "POST", path: "/gate/run", body: `{}`}, 429},
		{request{method: "POST", path: "/runs/" + done.RunID + "/cancel"}, 409},
		{request{method: "POST", path: "/runs/" + waiting.RunID + "/cancel"}, 200},
		{request{method: "POST", path: "/runs/" + running.RunID + "/cancel"}, 200},
	} {
		if w := exchange(t, f, v, tt.rq); w.Code != tt.want {
			t.Errorf("%s %s: %d, want %d: %s", tt.rq.method, tt.rq.path, w.Code, tt.want, w.Body)
		}
	}
}

// The validator used above is not vacuous: it rejects a record that breaks
// the document.
func TestOpenAPIValidatorRejectsWrongBodies(t *testing.T) {
	f := newFixture(t, httpapi.Options{})
	v := newValidator(t, openAPI(t, f, nil))
	w := httptest.NewRecorder()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`{"run_id":5,"status":"NOPE"}`))
	if ok, _ := v.ValidateHttpResponse(httptest.NewRequest("GET", "http://localhost/runs/x", nil), w.Result()); ok {
		t.Error("a wrong record passed validation")
	}
	req := httptest.NewRequest("POST", "http://localhost/echo-msg/run", strings.NewReader(`{"count":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	if ok, _ := v.ValidateHttpRequest(req); ok {
		t.Error("a wrong input passed validation")
	}
}

// DB is a nested input struct: its schema lands in $defs.
type DB struct {
	Host string `json:"host" default:"localhost"`
	Port int    `json:"port" default:"5432" jsonschema:"minimum=1,maximum=65535"`
}

// NestedInput has a nested struct and a secret inside it.
type NestedInput struct {
	runtime.Input
	DB       DB     `json:"db"`
	Password string `json:"password" fluxly:"secret"`
}

type noop struct {
	runtime.Node[NestedInput, runtime.NoOutput]
}

func (noop) Logic(context.Context, *runtime.Exec[NestedInput, runtime.NoOutput]) error { return nil }

// An input schema with $defs and $ref stays valid inside the document, and
// requests are validated through the references.
func TestOpenAPINestedInput(t *testing.T) {
	app := fluxly.New(fluxly.Name("nested"))
	fluxly.Register(app, "nested", func() *runtime.Workflow[NestedInput] {
		wf := runtime.NewWorkflow[NestedInput]("nested")
		runtime.Add(wf, &noop{}, runtime.Name("noop"))
		return wf
	})
	s, err := httpapi.New(appOf(app), httpapi.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	doc := openAPI(t, s, nil)
	v := newValidator(t, doc)
	var d struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	m, _ := app.Model()
	published := m.Workflow("nested").Schema
	if !strings.Contains(string(published), `"$ref": "#/$defs/`) {
		t.Fatalf("the nested input has no $defs reference:\n%s", published)
	}
	checkComponent(t, d.Components.Schemas["nested.input"], published, "nested.input")
	body := `{"db":{"host":"db.internal","port":70000},"password":"hunter2"}`
	req := httptest.NewRequest("POST", "http://localhost/nested/run", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if ok, _ := v.ValidateHttpRequest(req); ok {
		t.Error("port 70000 passed the document's validation")
	}
	w := exchange(t, s, v, request{method: "POST", path: "/nested/run", body: body})
	want := `{"type":"` + problems + `validation","title":"Invalid input","status":422,"detail":"the input for nested breaks 1 rule(s)","instance":"/nested/run","errors":[{"field":"db.port","rule":"maximum","message":"must be at most 65535","value":"70000"}]}` + "\n"
	if w.Code != http.StatusUnprocessableEntity || w.Body.String() != want {
		t.Errorf("%d %s", w.Code, w.Body)
	}
	w = exchange(t, s, v, request{method: "POST", path: "/nested/run", body: `{"db":{"port":6543},"password":"hunter2"}`})
	if w.Code != http.StatusAccepted || strings.Contains(w.Body.String(), "hunter2") || !strings.Contains(w.Body.String(), `"db":{"host":"localhost","port":6543},`) {
		t.Errorf("%d %s", w.Code, w.Body)
	}
}
