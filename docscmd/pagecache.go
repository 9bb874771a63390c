package docscmd

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sync"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/atomicfile"
)

// The site's built pages are kept beside the SVG cache, in its pages/
// directory: one file per page of a site, replaced when the page changes,
// so the directory holds at most the pages of the sites built with it.
// Package site decides what a page is made from and checks every entry
// (see site/pagecache.go); this store only reads and writes them.

// pagesSubdir is the page cache's directory inside the SVG cache's.
const pagesSubdir = "pages"

// renderer is the renderer a build gets: its SVG renderer and, when the
// SVG cache is on, the site's page cache.
type renderer struct {
	docgen.Renderer
	pages *pageStore
}

// SitePageSalt names the program's build (package site's pageStore).
func (r *renderer) SitePageSalt() string { return r.pages.salt }

// LoadSitePage reads a page's entry.
func (r *renderer) LoadSitePage(page string) ([]byte, bool) { return r.pages.load(page) }

// StoreSitePage replaces a page's entry.
func (r *renderer) StoreSitePage(page string, entry []byte) error { return r.pages.store(page, entry) }

// pageStore is a directory of page entries. An entry's file is named by
// the hash of the site it belongs to (the program and its output) and the
// page's path.
type pageStore struct {
	dir, site, salt string
	stderr          io.Writer
	name            string
	once            sync.Once
}

// newPageStore returns the page store in cache/pages for the site named
// site, or nil when the program's build cannot be identified (a page of
// another build would then look current).
func newPageStore(env *fluxly.Env, cache, site string) *pageStore {
	salt := programID()
	if salt == "" {
		return nil
	}
	return &pageStore{dir: filepath.Join(cache, pagesSubdir), site: site, salt: salt, stderr: env.Stderr, name: env.Name}
}

func (s *pageStore) file(page string) string {
	sum := sha256.Sum256([]byte(s.site + "\x00" + page))
	return filepath.Join(s.dir, hex.EncodeToString(sum[:20])+".page")
}

func (s *pageStore) load(page string) ([]byte, bool) {
	data, err := os.ReadFile(s.file(page))
	return data, err == nil
}

// store writes an entry atomically; a failure is reported once and is not
// the build's (the page was built).
func (s *pageStore) store(page string, entry []byte) error {
	if err := atomicfile.Write(s.file(page), entry); err != nil {
		s.once.Do(func() { fmt.Fprintf(s.stderr, "%s: not caching the site's pages: %v\n", s.name, err) })
	}
	return nil
}

// siteName names the site a build makes, for its page entries: the
// program and the absolute path of its output.
func siteName(env *fluxly.Env, out string) string {
	if abs, err := filepath.Abs(out); err == nil {
		out = abs
	}
	return env.Name + "\x00" + out
}

// programID identifies the running program's build, "" when it cannot:
// the Go build ID of its executable (which changes with any of its
// sources, dependencies or build flags), else the SHA-256 of the
// executable's bytes.
var programID = sync.OnceValue(func() string {
	f, err := openExecutable()
	if err != nil {
		return ""
	}
	defer f.Close()
	if id := elfBuildID(f); id != "" {
		return "go-build-id:" + id
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
})

// openExecutable opens the running program's executable: on Linux the
// file this process runs even if its path has been replaced since (docs
// serve --watch's rebuilds), elsewhere the file at its path.
func openExecutable() (*os.File, error) {
	if goruntime.GOOS == "linux" {
		if f, err := os.Open("/proc/self/exe"); err == nil {
			return f, nil
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return os.Open(exe)
}

// elfBuildID reads the Go build ID note of an ELF executable, or "".
func elfBuildID(f *os.File) string {
	ef, err := elf.NewFile(f)
	if err != nil {
		return ""
	}
	s := ef.Section(".note.go.buildid")
	if s == nil {
		return ""
	}
	note, err := s.Data()
	if err != nil || len(note) < 16 {
		return ""
	}
	order := ef.ByteOrder
	nameSize, descSize, typ := order.Uint32(note), order.Uint32(note[4:]), order.Uint32(note[8:])
	const goBuildIDNote = 4
	name := note[12:]
	if typ != goBuildIDNote || nameSize != 4 || len(name) < 4 || !bytes.Equal(name[:4], []byte("Go\x00\x00")) {
		return ""
	}
	desc := name[4:]
	if uint64(descSize) > uint64(len(desc)) || descSize == 0 {
		return ""
	}
	return string(desc[:descSize])
}
