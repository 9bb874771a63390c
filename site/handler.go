package site

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// Handler serves a built site from memory. Mount it under any prefix with
// http.StripPrefix — every link in the site is relative:
//
//	mux.Handle("/docs/", http.StripPrefix("/docs", site.Handler(files)))
//
// A directory path serves its index.html; the bare prefix ("/docs", which
// StripPrefix turns into "") redirects to "/docs/" so relative links
// resolve. Responses carry an ETag, the pages' CSP and nosniff.
func Handler(files []File) http.Handler {
	h := &staticHandler{files: make(map[string]staticFile, len(files))}
	for _, f := range files {
		sum := sha256.Sum256(f.Data)
		h.files[f.Path] = staticFile{data: f.Data, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	}
	return h
}

type staticHandler struct {
	files map[string]staticFile
}

type staticFile struct {
	data []byte
	etag string
}

func (h *staticHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if p == "" {
		// Mounted with StripPrefix and asked for the prefix itself: add the
		// slash, or the pages' relative links would resolve one level up.
		http.Redirect(w, r, requestPath(r)+"/", http.StatusMovedPermanently)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+p), "/")
	if strings.HasSuffix(p, "/") {
		name = path.Join(name, "index.html")
	}
	f, ok := h.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", contentType(name))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Content-Security-Policy", CSP+"; frame-ancestors 'self'")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("ETag", f.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}

// requestPath is the path the client asked for, before any StripPrefix.
func requestPath(r *http.Request) string {
	p := r.RequestURI
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if !strings.HasPrefix(p, "/") { // absolute-form request target
		if i := strings.Index(p, "://"); i >= 0 {
			if j := strings.IndexByte(p[i+3:], '/'); j >= 0 {
				return p[i+3+j:]
			}
		}
		return "/"
	}
	return p
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".md":   "text/markdown; charset=utf-8",
	".dot":  "text/vnd.graphviz; charset=utf-8",
	".mmd":  "text/plain; charset=utf-8",
}

func contentType(name string) string {
	if t, ok := contentTypes[path.Ext(name)]; ok {
		return t
	}
	return "application/octet-stream"
}

// BuildFunc builds a site, as a closure over [Build]'s arguments.
type BuildFunc func(ctx context.Context) ([]File, error)

// LazyOptions configure [Lazy].
type LazyOptions struct {
	// Rebuild builds the site again when a request for a page carries
	// "Cache-Control: no-cache", as a browser's hard reload (Ctrl-Shift-R)
	// sends. Meant for local previews, not for servers on a network.
	Rebuild bool
}

// Lazy returns a handler that serves the site build returns, calling build
// on the first request (so a server starts without paying for it) and
// again on a hard reload when o.Rebuild is set. Concurrent requests share
// one build. A failed build is answered with 500 and its error, and tried
// again on the next request.
func Lazy(build BuildFunc, o LazyOptions) http.Handler {
	return &lazyHandler{build: build, o: o}
}

type lazyHandler struct {
	build BuildFunc
	o     LazyOptions

	mu      sync.Mutex
	handler http.Handler
}

func (l *lazyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, err := l.current(r)
	if err != nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("<!DOCTYPE html>\n<title>Docs build failed</title>\n<h1>Docs build failed</h1>\n<pre>" + html.EscapeString(err.Error()) + "</pre>\n"))
		return
	}
	h.ServeHTTP(w, r)
}

func (l *lazyHandler) current(r *http.Request) (http.Handler, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.handler != nil && !(l.o.Rebuild && wantsFresh(r)) {
		return l.handler, nil
	}
	files, err := l.build(r.Context())
	if err != nil {
		return nil, err
	}
	l.handler = Handler(files)
	return l.handler, nil
}

// wantsFresh reports a hard reload of a page (not of its assets, which the
// browser then fetches with the same header).
func wantsFresh(r *http.Request) bool {
	if !strings.Contains(strings.ToLower(r.Header.Get("Cache-Control")), "no-cache") {
		return false
	}
	p := r.URL.Path
	return p == "" || strings.HasSuffix(p, "/") || strings.HasSuffix(p, ".html")
}
