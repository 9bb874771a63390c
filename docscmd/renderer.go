package docscmd

import (
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/svgrender"
)

// newRenderer returns the SVG renderer, cached on disk unless cache is
// "off" (or no cache directory can be made, which is reported once and
// otherwise ignored: a cache must never fail a build). With a site name
// (see siteName) it also keeps that site's built pages (see pagecache.go).
func newRenderer(env *fluxly.Env, cache, site string) docgen.Renderer {
	return withCache(env, cache, site, svgrender.New())
}

// newBuildRenderer is newRenderer for a whole build: diagrams the cache
// misses are laid out in parallel, on this process's Graphviz and on
// helper processes (svgrender.Pool), as many as GOMAXPROCS. Only misses
// reach the pool, so a build whose diagrams are all cached starts no
// helper. The function returned stops the helpers.
func newBuildRenderer(env *fluxly.Env, cache, site string) (docgen.Renderer, func()) {
	pool := svgrender.NewPool(goruntime.GOMAXPROCS(0))
	return withCache(env, cache, site, pool), func() { _ = pool.Close() }
}

// withCache wraps r in the disk cache that cache (the --svg-cache value)
// names, and gives it the page cache of site, unless site is "".
func withCache(env *fluxly.Env, cache, site string, r docgen.Renderer) docgen.Renderer {
	dir := cacheDir(cache)
	if dir == "" {
		return r
	}
	c, err := svgrender.NewDirCache(dir)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: not caching SVGs: %v\n", env.Name, err)
		return r
	}
	cached := svgrender.Cached(r, &lenientCache{c: c, stderr: env.Stderr, name: env.Name})
	if site == "" {
		return cached
	}
	pages := newPageStore(env, dir, site)
	if pages == nil {
		return cached
	}
	return &renderer{Renderer: cached, pages: pages}
}

// cacheDir resolves the --svg-cache value: "" is the default directory,
// "off" none.
func cacheDir(flag string) string {
	switch v := strings.TrimSpace(flag); strings.ToLower(v) {
	case "off", "none", "false", "0":
		return ""
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		return filepath.Join(base, "fluxly", "svg")
	default:
		return v
	}
}

// lenientCache turns a failed cache write into one warning: the SVG was
// rendered, the build goes on.
type lenientCache struct {
	c      svgrender.Cache
	stderr interface{ Write([]byte) (int, error) }
	name   string
	once   sync.Once
}

func (l *lenientCache) Get(key string) ([]byte, bool) { return l.c.Get(key) }

func (l *lenientCache) Put(key string, svg []byte) error {
	if err := l.c.Put(key, svg); err != nil {
		l.once.Do(func() { fmt.Fprintf(l.stderr, "%s: not caching SVGs: %v\n", l.name, err) })
	}
	return nil
}
