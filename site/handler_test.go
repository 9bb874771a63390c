package site_test

import (
	"io"
	"net/http"
	"net/http/httptest"
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
