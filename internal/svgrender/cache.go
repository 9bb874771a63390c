package svgrender

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/fluxly-go/fluxly/internal/atomicfile"
)

// DirCache is a [Cache] that keeps each SVG in a file named by its key
// under a directory. Writes are atomic (a temporary file renamed into
// place), so concurrent writers and readers in several processes never see
// a partial file.
type DirCache struct {
	dir string
}

var _ Cache = (*DirCache)(nil)

// NewDirCache returns a cache in dir, creating the directory if needed.
func NewDirCache(dir string) (*DirCache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("svgrender: cache directory: %w", err)
	}
	return &DirCache{dir: dir}, nil
}

// Dir returns the cache's directory.
func (c *DirCache) Dir() string { return c.dir }

// Get returns the SVG stored under key. A key that is not a plain file
// name, a missing file or an unreadable one is a miss.
func (c *DirCache) Get(key string) ([]byte, bool) {
	if !validKey(key) {
		return nil, false
	}
	b, err := os.ReadFile(c.path(key))
	if err != nil {
		return nil, false
	}
	return b, true
}

// Put stores svg under key.
func (c *DirCache) Put(key string, svg []byte) error {
	if !validKey(key) {
		return fmt.Errorf("svgrender: cache key %q: want 1–128 characters of [0-9a-zA-Z_-]", key)
	}
	if err := atomicfile.Write(c.path(key), svg); err != nil {
		return fmt.Errorf("svgrender: caching %s: %w", key, err)
	}
	return nil
}

func (c *DirCache) path(key string) string { return filepath.Join(c.dir, key+".svg") }

// validKey accepts keys that are safe file names on every system.
func validKey(key string) bool {
	if key == "" || len(key) > 128 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
