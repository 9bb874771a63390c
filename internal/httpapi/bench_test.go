package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/internal/httpapi"
)

// BenchmarkGetRun serves GET /runs/{id} of a finished echo-msg run through
// the handler (no network): the cost of routing, lookup, logging.
func BenchmarkGetRun(b *testing.B) {
	s, err := httpapi.New(appOf(newApp(nil)), httpapi.Options{Logger: newJSONLogger(io.Discard)})
	if err != nil {
		b.Fatal(err)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, jsonPost("/echo-msg/run", `{}`))
	id := strings.TrimPrefix(w.Header().Get("Location"), "/runs/")
	if err := s.Shutdown(context.Background()); err != nil { // waits for the run
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest("GET", "/runs/"+id, nil)
		for pb.Next() {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
		}
	})
}

// BenchmarkSubmit submits echo-msg runs with their default input through
// the handler and waits for all of them to finish: validation, queueing,
// the run itself and its records.
func BenchmarkSubmit(b *testing.B) {
	s, err := httpapi.New(appOf(newApp(nil)), httpapi.Options{QueueSize: 1 << 20, HistorySize: 1000, Logger: newJSONLogger(io.Discard)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, jsonPost("/echo-msg/run", `{}`))
			if w.Code != http.StatusAccepted {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
		}
	})
	if err := s.Shutdown(context.Background()); err != nil {
		b.Fatal(err)
	}
}

func jsonPost(path, body string) *http.Request {
	r := httptest.NewRequest("POST", path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}
