package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/internal/httpapi"
	"github.com/fluxly-go/fluxly/internal/store"
)

// BenchmarkGetRun serves GET /runs/{id} of a finished echo-msg run through
// the handler (no network): the cost of routing, lookup, logging, with the
// runs in memory and in a store file.
func BenchmarkGetRun(b *testing.B) {
	for _, kind := range []string{"memory", "file"} {
		b.Run(kind, func(b *testing.B) {
			o := httpapi.Options{Logger: newJSONLogger(io.Discard)}
			if kind == "file" {
				st, err := store.OpenFile(filepath.Join(b.TempDir(), store.ServerFile), store.Limits{}, time.Second)
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				o.Store = st
			}
			s, err := httpapi.New(appOf(newApp(nil)), o)
			if err != nil {
				b.Fatal(err)
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, jsonPost("/echo-msg/run", `{}`))
			id := strings.TrimPrefix(w.Header().Get("Location"), "/runs/")
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				w := httptest.NewRecorder()
				s.ServeHTTP(w, httptest.NewRequest("GET", "/runs/"+id, nil))
				if strings.Contains(w.Body.String(), `"status":"COMPLETED"`) {
					break
				}
				if time.Now().After(deadline) {
					b.Fatalf("the run did not finish: %s", w.Body)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
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
			b.StopTimer()
			if err := s.Shutdown(context.Background()); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkSubmit submits echo-msg runs with their default input through
// the handler and waits for all of them to finish: validation, queueing,
// the run itself and its records, in memory and in a store file (each run
// durable when admitted and when finished). -cpu 32 gives 32 submitters.
func BenchmarkSubmit(b *testing.B) {
	for _, kind := range []string{"memory", "file"} {
		b.Run(kind, func(b *testing.B) {
			o := httpapi.Options{QueueSize: 1 << 20, HistorySize: 1000, MaxQueuedBytes: 1 << 40, Logger: newJSONLogger(io.Discard)}
			if kind == "file" {
				st, err := store.OpenFile(filepath.Join(b.TempDir(), store.ServerFile), store.Limits{}, time.Second)
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				o.Store = st
			}
			s, err := httpapi.New(appOf(newApp(nil)), o)
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
		})
	}
}

func jsonPost(path, body string) *http.Request {
	r := httptest.NewRequest("POST", path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}
