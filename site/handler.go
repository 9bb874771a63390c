package site

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"path"
	"strings"
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
	hdr.Set("Content-Security-Policy", csp+"; frame-ancestors 'self'")
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
