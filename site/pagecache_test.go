package site_test

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/svgrender"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/site"
)

// memPages is a renderer with a page store in memory (the methods of
// site's pageStore, which docscmd's renderer has too), counting what a
// build loads and stores.
type memPages struct {
	docgen.Renderer
	salt    string
	mu      sync.Mutex
	entries map[string][]byte
	loads   map[string]int
	stores  map[string]int
}

func newMemPages(r docgen.Renderer, salt string) *memPages {
	return &memPages{Renderer: r, salt: salt, entries: map[string][]byte{}}
}

func (m *memPages) SitePageSalt() string { return m.salt }

func (m *memPages) LoadSitePage(page string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loads[page]++
	e, ok := m.entries[page]
	return bytes.Clone(e), ok
}

func (m *memPages) StoreSitePage(page string, entry []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stores[page]++
	m.entries[page] = bytes.Clone(entry)
	return nil
}

// reset clears the counters before a build.
func (m *memPages) reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loads, m.stores = map[string]int{}, map[string]int{}
}

// sameFiles fails unless got is want, byte for byte.
func sameFiles(t *testing.T, what string, got, want []site.File) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d files, want %d", what, len(got), len(want))
	}
	for i := range want {
		if got[i].Path != want[i].Path || !bytes.Equal(got[i].Data, want[i].Data) {
			t.Errorf("%s: %s differs from the build without a page cache", what, want[i].Path)
		}
	}
}

// A build with a page store gives the bytes of a build without one, cold
// and warm; warm, it stores nothing. A changed workflow stores its own
// page only (and the search index, which covers every workflow);
// corrupted, truncated and foreign entries are rebuilt; another salt
// (another program) or site title reuses nothing; the user's pages are
// never kept.
func TestPageCache(t *testing.T) {
	svg := svgrender.Cached(svgrender.New(), &svgrender.MemoryCache{})
	m := examplesModel(t)
	o := site.Options{Pages: fstestPages(), OpenAPI: examplesOpenAPI(t), BaseURL: "https://example.com/docs/",
		Links: []site.Link{{Text: "Home", URL: "https://example.com"}}, Footer: "Made with *care*."}
	build := func(m *introspect.Model, r docgen.Renderer) []site.File {
		t.Helper()
		files, err := site.Build(context.Background(), m, r, o)
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	want := build(m, svg)
	// A build keeps every page but the user's, and the search index.
	cached := []string{"search-index.json"}
	for _, f := range want {
		if strings.HasSuffix(f.Path, ".html") && !strings.HasPrefix(f.Path, "pages/") {
			cached = append(cached, f.Path)
		}
	}
	slices.Sort(cached)

	store := newMemPages(svg, "build-1")
	store.reset()
	sameFiles(t, "cold", build(m, store), want)
	if got := slices.Sorted(maps.Keys(store.stores)); !slices.Equal(got, cached) {
		t.Errorf("cold build stored\n %v\nwant\n %v", got, cached)
	}
	store.reset()
	sameFiles(t, "warm", build(m, store), want)
	if len(store.stores) != 0 {
		t.Errorf("warm build stored %v", store.stores)
	}
	if got := slices.Sorted(maps.Keys(store.loads)); !slices.Equal(got, cached) {
		t.Errorf("warm build loaded\n %v\nwant\n %v", got, cached)
	}

	t.Run("a changed workflow", func(t *testing.T) {
		changed := examplesModel(t) // a model of its own
		w := changed.Workflow("etl")
		w.Nodes[len(w.Nodes)-1].Description += " Changed."
		store.reset()
		sameFiles(t, "changed", build(changed, store), build(changed, svg))
		// The search index covers every workflow: it is built again too.
		own := map[string]int{"workflows/etl.html": 1, "search-index.json": 1}
		if !maps.Equal(store.stores, own) {
			t.Errorf("a change of etl's node stored %v, want %v", store.stores, own)
		}
		store.reset()
		build(m, store) // back
		if !maps.Equal(store.stores, own) {
			t.Errorf("changing etl back stored %v, want %v", store.stores, own)
		}
	})

	t.Run("a user's page edited", func(t *testing.T) {
		// Its text is on no other page: only the search index is built again.
		pages := fstestPages()
		pages["start.md"].Data = append(bytes.Clone(pages["start.md"].Data), "\nMore words.\n"...)
		o.Pages = pages
		defer func() { o.Pages = fstestPages() }()
		store.reset()
		sameFiles(t, "edited page", build(m, store), build(m, svg))
		if !maps.Equal(store.stores, map[string]int{"search-index.json": 1}) {
			t.Errorf("an edit of a user's page stored %v, want the search index only", store.stores)
		}
		o.Pages = fstestPages()
		build(m, store)
	})

	t.Run("bad entries", func(t *testing.T) {
		flipped := bytes.Clone(store.entries["workflows/etl.html"])
		flipped[len(flipped)/2] ^= 1
		store.entries["workflows/etl.html"] = flipped
		store.entries["index.html"] = store.entries["index.html"][:len(store.entries["index.html"])/2]
		store.entries["common-inputs.html"] = bytes.Clone(store.entries["workflows/slow.html"]) // another page's
		store.entries["api.html"] = []byte("not an entry")
		store.entries["search-index.json"] = bytes.Clone(store.entries["schemas/etl.html"])
		store.reset()
		sameFiles(t, "bad entries", build(m, store), want)
		wantStores := map[string]int{"workflows/etl.html": 1, "index.html": 1, "common-inputs.html": 1, "api.html": 1, "search-index.json": 1}
		if !maps.Equal(store.stores, wantStores) {
			t.Errorf("stored %v, want %v", store.stores, wantStores)
		}
		store.reset()
		sameFiles(t, "rebuilt entries", build(m, store), want)
		if len(store.stores) != 0 {
			t.Errorf("stored %v after the bad entries were replaced", store.stores)
		}
	})

	t.Run("another program", func(t *testing.T) {
		other := newMemPages(svg, "build-2")
		other.entries = store.entries
		other.reset()
		sameFiles(t, "another salt", build(m, other), want)
		if len(other.stores) != len(cached) {
			t.Errorf("another salt stored %d pages, want all %d", len(other.stores), len(cached))
		}
		off := newMemPages(svg, "")
		off.reset()
		sameFiles(t, "no salt", build(m, off), want)
		if len(off.loads)+len(off.stores) != 0 {
			t.Errorf("an empty salt used the store: %v %v", off.loads, off.stores)
		}
	})

	t.Run("site options", func(t *testing.T) {
		o.Title = "Other title"
		defer func() { o.Title = "" }()
		store.reset()
		sameFiles(t, "another title", build(m, store), build(m, svg))
		if len(store.stores) != len(cached) {
			t.Errorf("a new title stored %d pages, want all %d", len(store.stores), len(cached))
		}
	})
}
