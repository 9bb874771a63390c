package docscmd

import (
	"context"
	"html"
	"net/http"
	"strings"
	"sync"

	"github.com/fluxly-go/fluxly/site"
)

// buildFunc builds a site, as a closure over site.Build's arguments.
type buildFunc func(ctx context.Context) ([]site.File, error)

// lazyOptions configure lazy.
type lazyOptions struct {
	// Rebuild builds the site again when a request for a page carries
	// "Cache-Control: no-cache", as a browser's hard reload (Ctrl-Shift-R)
	// sends. Meant for local previews, not for servers on a network.
	Rebuild bool
}

// lazy returns a handler that serves the site build returns, calling build
// on the first request (so a server starts without paying for it) and
// again on a hard reload when o.Rebuild is set. Concurrent requests share
// one build. A failed build is answered with 500 and its error, and tried
// again on the next request.
func lazy(build buildFunc, o lazyOptions) http.Handler {
	return &lazyHandler{build: build, o: o}
}

type lazyHandler struct {
	build buildFunc
	o     lazyOptions

	mu      sync.Mutex
	handler http.Handler
}

func (l *lazyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, err := l.current(r)
	if err != nil {
		buildFailed(w, err)
		return
	}
	h.ServeHTTP(w, r)
}

// buildFailed answers 500 with the build's error, escaped.
func buildFailed(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte("<!DOCTYPE html>\n<title>Docs build failed</title>\n<h1>Docs build failed</h1>\n<pre>" + html.EscapeString(err.Error()) + "</pre>\n"))
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
	l.handler = site.Handler(files)
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
