package svgrender

import (
	"github.com/fluxly-go/fluxly/docgen"

	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
)

// MemoryCache is a [Cache] in memory. The zero value is ready to use; it is
// safe for concurrent use.
type MemoryCache struct {
	mu sync.RWMutex
	m  map[string][]byte
}

var _ Cache = (*MemoryCache)(nil)

// Get returns a copy of the SVG stored under key.
func (c *MemoryCache) Get(key string) ([]byte, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	svg, ok := c.m[key]
	if !ok {
		return nil, false
	}
	return append([]byte(nil), svg...), true
}

// Put stores a copy of svg under key.
func (c *MemoryCache) Put(key string, svg []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string][]byte{}
	}
	c.m[key] = append([]byte(nil), svg...)
	return nil
}

// Len returns the number of cached SVGs.
func (c *MemoryCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// cached is the renderer [Cached] returns.
type cached struct {
	r       docgen.Renderer
	c       Cache
	version string
}

func (c *cached) RenderSVG(ctx context.Context, dot []byte) ([]byte, error) {
	key := CacheKey(c.version, dot)
	if svg, ok := c.c.Get(key); ok {
		return svg, nil
	}
	svg, err := c.r.RenderSVG(ctx, dot)
	if err != nil {
		return nil, err
	}
	if err := c.c.Put(key, svg); err != nil {
		return nil, fmt.Errorf("docgen: caching SVG: %w", err)
	}
	return svg, nil
}

// CacheKey is the key [Cached] stores an SVG under: the hex SHA-256 of the
// renderer version and the DOT text.
func CacheKey(version string, dot []byte) string {
	h := sha256.New()
	h.Write([]byte("fluxly-docgen-svg\x00"))
	h.Write([]byte(version))
	h.Write([]byte{0})
	h.Write(dot)
	return hex.EncodeToString(h.Sum(nil))
}

func rendererVersion(r docgen.Renderer) string {
	if v, ok := r.(interface{ Version() string }); ok {
		return v.Version()
	}
	return ""
}

// Cache stores rendered SVGs by key. Implementations must be safe for
// concurrent use.
type Cache interface {
	Get(key string) ([]byte, bool)
	Put(key string, svg []byte) error
}

// Cached returns a renderer that looks SVGs up in c by the SHA-256 of the
// DOT text (and of r's Version() string, when r has that method) and
// renders and stores only what is missing.
func Cached(r docgen.Renderer, c Cache) docgen.Renderer {
	return &cached{r: r, c: c, version: rendererVersion(r)}
}
