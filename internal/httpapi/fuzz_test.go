package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/fluxly-go/fluxly/internal/httpapi"
	"github.com/fluxly-go/fluxly/runtime"
)

// FuzzSubmit drives the request body path of POST /echo-msg/run: whatever
// the body and content type, the server answers 202 with a WAITING record
// whose secret is redacted, or a problem of a documented status.
func FuzzSubmit(f *testing.F) {
	for _, seed := range []struct{ body, contentType string }{
		{`{}`, "application/json"},
		{`{"message":"hi","count":3,"mode":"fast","tags":["a","b"],"token":"s3cret"}`, "application/json"},
		{`{"count":0,"mode":"x","bogus":1}`, "application/json"},
		{`{"count":`, "application/json"},
		{`[1,2]`, "application/json; charset=utf-8"},
		{"{\"message\":\"\xff\"}", "application/json"},
		{`{"max_retries":-1,"timeout_seconds":1e400}`, "application/problem+json"},
		{`{"tags":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`, "application/json"},
		{`{}`, "text/plain"},
		{`{}`, "application/json; charset=latin1"},
		{"", ""},
	} {
		f.Add([]byte(seed.body), seed.contentType)
	}
	s, err := httpapi.New(appOf(newApp(nil)), httpapi.Options{Workers: 2, QueueSize: 32, HistorySize: 32, MaxBodyBytes: 4096, Logger: newJSONLogger(io.Discard)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // no grace: cancel whatever the fuzzer left running
		_ = s.Shutdown(ctx)
	})
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		r := httptest.NewRequest("POST", "/echo-msg/run", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusAccepted:
			var rec httpapi.Record
			if err := json.Unmarshal(w.Body.Bytes(), &rec); err != nil {
				t.Fatalf("202 with a body that is no record: %v\n%s", err, w.Body)
			}
			if rec.Status != runtime.Waiting || rec.Endpoint != "echo-msg" || w.Header().Get("Location") != "/runs/"+rec.RunID {
				t.Fatalf("202 record: %s", w.Body)
			}
			var in map[string]any
			if json.Unmarshal(body, &in) == nil {
				if tok, _ := in["token"].(string); tok != "" && string(rec.Input["token"]) != `"***"` {
					t.Fatalf("the secret token is not redacted: %s", w.Body)
				}
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType,
			http.StatusUnprocessableEntity, http.StatusTooManyRequests:
			var p httpapi.Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Status != w.Code || p.Type == "" || p.Title == "" ||
				w.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d with a bad problem (%v): %s", w.Code, err, w.Body)
			}
			if (w.Code == http.StatusUnprocessableEntity) != (p.Type == httpapi.ProblemValidation) || (w.Code == http.StatusUnprocessableEntity && len(p.Errors) == 0) {
				t.Fatalf("422 and the validation problem go together: %s", w.Body)
			}
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	})
}
