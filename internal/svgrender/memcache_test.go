package svgrender_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/svgrender"
)

type versionedAs struct {
	docgen.Renderer
	v string
}

func (r versionedAs) Version() string { return r.v }

type failingCache struct{ svgrender.MemoryCache }

var errFull = errors.New("disk full")

func (*failingCache) Put(string, []byte) error { return errFull }

func TestCached(t *testing.T) {
	ctx := context.Background()
	r := &fakeRenderer{}
	var c svgrender.MemoryCache
	cr := svgrender.Cached(r, &c)
	a, b := []byte("digraph a {}"), []byte("digraph b {}")
	first, err := cr.RenderSVG(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := cr.RenderSVG(ctx, a)
	if !bytes.Equal(first, again) || r.calls.Load() != 1 {
		t.Errorf("second render of the same DOT: calls = %d, want 1 (served from the cache)", r.calls.Load())
	}
	if _, err := cr.RenderSVG(ctx, b); err != nil || r.calls.Load() != 2 {
		t.Errorf("new DOT: calls = %d, err = %v; want a render", r.calls.Load(), err)
	}
	if c.Len() != 2 {
		t.Errorf("cache holds %d SVGs, want 2", c.Len())
	}

	// The renderer's version is part of the key.
	v2 := svgrender.Cached(versionedAs{r, "v2"}, &c)
	if _, err := v2.RenderSVG(ctx, a); err != nil || r.calls.Load() != 3 {
		t.Errorf("another renderer version: calls = %d, want a render", r.calls.Load())
	}
	if svgrender.CacheKey("", a) == svgrender.CacheKey("v2", a) || svgrender.CacheKey("", a) == svgrender.CacheKey("", b) {
		t.Error("CacheKey ignores the version or the DOT")
	}

	// Renderer errors are not cached; cache errors are reported.
	boom := errors.New("boom")
	failing := svgrender.Cached(docgen.RendererFunc(func(context.Context, []byte) ([]byte, error) { return nil, boom }), &c)
	if _, err := failing.RenderSVG(ctx, []byte("digraph c {}")); !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
	if _, err := svgrender.Cached(r, &failingCache{}).RenderSVG(ctx, a); !errors.Is(err, errFull) {
		t.Errorf("err = %v, want the cache's error", err)
	}
}

// A warm cache makes Files render nothing, with the same output.
func TestFilesWithWarmCache(t *testing.T) {
	m := examplesModel(t)
	r := &fakeRenderer{}
	var c svgrender.MemoryCache
	cold, err := docgen.Files(context.Background(), m, svgrender.Cached(r, &c), docgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := r.calls.Load()
	warm, err := docgen.Files(context.Background(), m, svgrender.Cached(r, &c), docgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.calls.Load() != n {
		t.Errorf("warm run rendered %d SVGs, want 0", r.calls.Load()-n)
	}
	for i := range cold {
		if cold[i].Path != warm[i].Path || !bytes.Equal(cold[i].Data, warm[i].Data) {
			t.Errorf("%s differs between cold and warm runs", cold[i].Path)
		}
	}
}

func TestMemoryCacheConcurrent(t *testing.T) {
	var c svgrender.MemoryCache
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 100 {
				k := strconv.Itoa(j % 10)
				_ = c.Put(k, []byte(k+strconv.Itoa(i)))
				if v, ok := c.Get(k); !ok || v[0] != k[0] {
					t.Errorf("Get(%s) = %q, %v", k, v, ok)
				}
			}
		}()
	}
	wg.Wait()
	// Get returns a copy: changing it does not change the cache.
	v, _ := c.Get("1")
	v[0] = 'x'
	if w, _ := c.Get("1"); w[0] != '1' {
		t.Error("Get returned the cache's own slice")
	}
}

// fakeRenderer is a cheap, deterministic SVG renderer that counts calls.
type fakeRenderer struct{ calls atomic.Int64 }

func (r *fakeRenderer) RenderSVG(_ context.Context, dot []byte) ([]byte, error) {
	r.calls.Add(1)
	sum := sha256.Sum256(dot)
	return []byte(fmt.Sprintf("<svg data-dot=\"%x\"/>\n", sum[:8])), nil
}
