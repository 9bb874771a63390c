package svgrender_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/svgrender"
)

func TestDirCache(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "cache")
	c, err := svgrender.NewDirCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get("abc"); ok {
		t.Error("hit in an empty cache")
	}
	if err := c.Put("abc", []byte("<svg>1</svg>")); err != nil {
		t.Fatal(err)
	}
	if err := c.Put("abc", []byte("<svg>2</svg>")); err != nil {
		t.Fatal(err)
	}
	if got, ok := c.Get("abc"); !ok || string(got) != "<svg>2</svg>" {
		t.Errorf("Get = %q, %v; want the last Put", got, ok)
	}
	info, err := os.Stat(filepath.Join(dir, "abc.svg"))
	if err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("cache file: %v, mode %v; want abc.svg, 0644", err, info.Mode())
	}
	// Keys are file names, never paths.
	for _, key := range []string{"", "../x", "a/b", `a\b`, ".hidden", "a.svg", string(make([]byte, 200))} {
		if err := c.Put(key, []byte("x")); err == nil {
			t.Errorf("Put(%q) accepted a key that is not a plain name", key)
		}
		if _, ok := c.Get(key); ok {
			t.Errorf("Get(%q) hit", key)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the cache directory holds %d entries, want 1 (no temporary files left)", len(entries))
	}
}

func TestDirCacheConcurrent(t *testing.T) {
	c, err := svgrender.NewDirCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				key := "k" + strconv.Itoa(j%3)
				val := bytes.Repeat([]byte(key), 1000+i)
				if err := c.Put(key, val); err != nil {
					t.Error(err)
				}
				if got, ok := c.Get(key); !ok || !bytes.HasPrefix(got, []byte(key)) || len(got)%len(key) != 0 {
					t.Errorf("Get(%s) = %d bytes, %v: a partial write was visible", key, len(got), ok)
				}
			}
		}()
	}
	wg.Wait()
}

// With a directory cache, a second Files run over the same model renders
// nothing and reads every SVG from disk.
func TestDirCacheWithFiles(t *testing.T) {
	m := examplesModel(t)
	dir := t.TempDir()
	c, err := svgrender.NewDirCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	first, err := docgen.Files(context.Background(), m, svgrender.Cached(svgrender.New(), c), docgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(m.Workflows) {
		t.Errorf("%d cached SVGs, want %d", len(entries), len(m.Workflows))
	}
	failing := docgen.RendererFunc(func(context.Context, []byte) ([]byte, error) {
		t.Error("rendered although every SVG is cached")
		return nil, os.ErrInvalid
	})
	// Same version as svgrender's, so the keys match.
	second, err := docgen.Files(context.Background(), m, svgrender.Cached(versioned{failing}, c), docgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range first {
		if !bytes.Equal(first[i].Data, second[i].Data) {
			t.Errorf("%s differs", first[i].Path)
		}
	}
}

type versioned struct{ docgen.Renderer }

func (versioned) Version() string { return svgrender.Version }
