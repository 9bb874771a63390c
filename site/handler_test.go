package site_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fluxly-go/fluxly/site"
)

func get(t *testing.T, h http.Handler, method, target string, hdr ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHandler(t *testing.T) {
	files := examplesSite(t)
	byPath := fileMap(files)
	mux := http.NewServeMux()
	mux.Handle("/docs/", http.StripPrefix("/docs", site.Handler(files)))
	mux.Handle("/docs", http.StripPrefix("/docs", site.Handler(files)))

	for _, tc := range []struct {
		target, file, ctype string
	}{
		{"/docs/", "index.html", "text/html; charset=utf-8"},
		{"/docs/index.html", "index.html", "text/html; charset=utf-8"},
		{"/docs/workflows/etl.html", "workflows/etl.html", "text/html; charset=utf-8"},
		{"/docs/assets/site.css", "assets/site.css", "text/css; charset=utf-8"},
		{"/docs/assets/site.js", "assets/site.js", "text/javascript; charset=utf-8"},
		{"/docs/model.json", "model.json", "application/json"},
		{"/docs/diagrams/etl.svg", "diagrams/etl.svg", "image/svg+xml"},
		{"/docs/diagrams/etl.dot", "diagrams/etl.dot", "text/vnd.graphviz; charset=utf-8"},
		{"/docs/workflows/../index.html", "index.html", "text/html; charset=utf-8"},
	} {
		r := get(t, mux, "GET", tc.target)
		if r.StatusCode != http.StatusOK && r.StatusCode/100 != 3 {
			t.Errorf("GET %s: %s", tc.target, r.Status)
			continue
		}
		if r.StatusCode/100 == 3 {
			continue // ServeMux cleans "..": followed by a browser
		}
		if got := r.Header.Get("Content-Type"); got != tc.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", tc.target, got, tc.ctype)
		}
		if got := body(t, r); got != string(byPath[tc.file]) {
			t.Errorf("GET %s: not %s", tc.target, tc.file)
		}
		for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "ETag"} {
			if r.Header.Get(h) == "" {
				t.Errorf("GET %s: no %s header", tc.target, h)
			}
		}
	}

	r := get(t, mux, "GET", "/docs")
	if r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != "/docs/" {
		t.Errorf("GET /docs: %s to %q, want a redirect to /docs/", r.Status, r.Header.Get("Location"))
	}
	for _, target := range []string{"/docs/nope.html", "/docs/workflows/", "/docs/.fluxly-docs"} {
		if r := get(t, mux, "GET", target); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", target, r.Status)
		}
	}
	if r := get(t, mux, "POST", "/docs/"); r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %s", r.Status)
	}
	if r := get(t, mux, "HEAD", "/docs/"); r.StatusCode != http.StatusOK || body(t, r) != "" {
		t.Errorf("HEAD: %s", r.Status)
	}
	etag := get(t, mux, "GET", "/docs/").Header.Get("ETag")
	if r := get(t, mux, "GET", "/docs/", "If-None-Match", etag); r.StatusCode != http.StatusNotModified {
		t.Errorf("GET with If-None-Match: %s, want 304", r.Status)
	}
}

func TestLazy(t *testing.T) {
	var builds atomic.Int32
	build := func(ctx context.Context) ([]site.File, error) {
		n := builds.Add(1)
		return []site.File{{Path: "index.html", Data: []byte{'0' + byte(n)}}}, nil
	}

	t.Run("builds once, on first request", func(t *testing.T) {
		builds.Store(0)
		h := site.Lazy(build, site.LazyOptions{})
		if builds.Load() != 0 {
			t.Fatal("built before any request")
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if r := get(t, h, "GET", "/"); body(t, r) != "1" {
					t.Errorf("body = %q", body(t, r))
				}
			})
		}
		wg.Wait()
		get(t, h, "GET", "/", "Cache-Control", "no-cache")
		if n := builds.Load(); n != 1 {
			t.Errorf("%d builds, want 1", n)
		}
	})

	t.Run("rebuilds on a hard reload", func(t *testing.T) {
		builds.Store(0)
		h := site.Lazy(build, site.LazyOptions{Rebuild: true})
		get(t, h, "GET", "/")
		get(t, h, "GET", "/index.html", "Cache-Control", "no-cache")
		get(t, h, "GET", "/assets/site.css", "Cache-Control", "no-cache") // an asset of the reload
		if r := get(t, h, "GET", "/"); body(t, r) != "2" {
			t.Errorf("after a hard reload: body %q, want the second build", body(t, r))
		}
	})

	t.Run("build errors", func(t *testing.T) {
		fail := true
		h := site.Lazy(func(ctx context.Context) ([]site.File, error) {
			if fail {
				return nil, errors.New(`endpoint "<x>": broken`)
			}
			return []site.File{{Path: "index.html", Data: []byte("ok")}}, nil
		}, site.LazyOptions{})
		r := get(t, h, "GET", "/")
		if b := body(t, r); r.StatusCode != http.StatusInternalServerError || !strings.Contains(b, "&lt;x&gt;") || strings.Contains(b, "<x>") {
			t.Errorf("failed build: %s %q", r.Status, b)
		}
		fail = false
		if r := get(t, h, "GET", "/"); body(t, r) != "ok" {
			t.Error("the build was not retried")
		}
	})
}
