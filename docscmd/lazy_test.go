package docscmd

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

func TestLazy(t *testing.T) {
	var builds atomic.Int32
	build := func(ctx context.Context) ([]site.File, error) {
		n := builds.Add(1)
		return []site.File{{Path: "index.html", Data: []byte{'0' + byte(n)}}}, nil
	}

	t.Run("builds once, on first request", func(t *testing.T) {
		builds.Store(0)
		h := lazy(build, lazyOptions{})
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
		h := lazy(build, lazyOptions{Rebuild: true})
		get(t, h, "GET", "/")
		get(t, h, "GET", "/index.html", "Cache-Control", "no-cache")
		get(t, h, "GET", "/assets/site.css", "Cache-Control", "no-cache") // an asset of the reload
		if r := get(t, h, "GET", "/"); body(t, r) != "2" {
			t.Errorf("after a hard reload: body %q, want the second build", body(t, r))
		}
	})

	t.Run("build errors", func(t *testing.T) {
		fail := true
		h := lazy(func(ctx context.Context) ([]site.File, error) {
			if fail {
				return nil, errors.New(`endpoint "<x>": broken`)
			}
			return []site.File{{Path: "index.html", Data: []byte("ok")}}, nil
		}, lazyOptions{})
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
