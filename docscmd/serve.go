package docscmd

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/site"
)

// docs serve previews the site from memory and keeps open pages current:
//
//   - Pages load /_fluxly/live.js (injected into every HTML page served
//     here, never into a build), which listens to /_fluxly/events, a
//     server-sent event stream announcing the current build's id; a page
//     built from another id reloads itself. A page carries the id of the
//     build it came from, so a reload lands on a page with the current id:
//     no reload loop.
//   - With --watch (the default) a watcher polls --pages and --logo and
//     rebuilds when they change; an unchanged result (same id) reloads
//     nothing.
//   - The model is compiled into the binary, so it changes only when the
//     binary is rebuilt: the watcher also polls the executable and, once a
//     new one has stopped changing, execs it with the same arguments. The
//     new process serves the new model; pages reconnect (the stream asks
//     for a retry after 500 ms), see a new id and reload.
//   - A hard reload of a page (Cache-Control: no-cache) still rebuilds.

// serverLimits bound what a client can hold of docs serve: how long it may
// take to send its headers and request, to read a response, and to keep
// an idle connection; and the size of its headers.
type serverLimits struct {
	readHeader, read, write, idle time.Duration
	maxHeaderBytes                int
}

// docsServerLimits are the HTTP API's defaults (internal/httpapi; a test
// keeps them equal). The live-reload stream is not cut by the write
// timeout: each event and heartbeat extends its deadline. Tests of this
// package shorten them.
var docsServerLimits = serverLimits{
	readHeader:     5 * time.Second,
	read:           30 * time.Second,
	write:          30 * time.Second,
	idle:           120 * time.Second,
	maxHeaderBytes: 64 << 10,
}

// newServer is docs serve's HTTP server for h under the limits l.
func newServer(h http.Handler, l serverLimits) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.readHeader,
		ReadTimeout:       l.read,
		WriteTimeout:      l.write,
		IdleTimeout:       l.idle,
		MaxHeaderBytes:    l.maxHeaderBytes,
	}
}

// Live-reload paths, outside the site's own.
const (
	livePrefix = "/_fluxly/"
	liveScript = livePrefix + "live.js"
	liveEvents = livePrefix + "events"
)

//go:embed live.js
var liveJS []byte

// serve runs docs serve: the site from memory, built before listening (so
// errors show at once), rebuilt and reloaded live.
func serve(ctx context.Context, env *fluxly.Env, f *docsFlags) error {
	env, err := withSchemaBase(env, f.SchemaBaseURL)
	if err != nil {
		return err
	}
	r := newRenderer(env, f.SVGCache, env.Name+"\x00docs serve")
	if _, err := siteOptions(env, f); err != nil {
		return err // bad flags: a usage error before anything starts
	}
	limits := docsServerLimits
	live := newLiveSite(limits.write, func(ctx context.Context) ([]site.File, error) {
		o, err := siteOptions(env, f) // re-reads the pages and the logo
		if err != nil {
			return nil, err
		}
		return site.Build(ctx, env.Model, r, o)
	})
	if err := live.rebuild(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.Addr)
	if err != nil {
		return command.Usagef("--addr %s: %w", f.Addr, err)
	}
	srv := newServer(live, limits)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	watchCtx, stopWatch := context.WithCancel(ctx)
	var watchers sync.WaitGroup
	if f.Watch {
		w := &watcher{
			inputs:  watchedInputs(f),
			every:   500 * time.Millisecond,
			rebuild: func() { live.rebuildAndLog(watchCtx, env) },
		}
		if exe, err := os.Executable(); err == nil {
			w.exe = exe
			w.binaryChanged = func() {
				fmt.Fprintf(env.Stderr, "%s changed: restarting to serve its model\n", exe)
				srv.SetKeepAlivesEnabled(false)
				live.closeStreams()
				_ = ln.Close()
				if err := reexec(exe); err != nil {
					fmt.Fprintf(env.Stderr, "cannot restart (%v); restart docs serve to see the new model\n", err)
				}
			}
		}
		watchers.Go(func() { w.run(watchCtx) })
	}
	what := "a hard reload rebuilds them"
	if f.Watch {
		what = "rebuilt and reloaded when your pages or the binary change"
	}
	fmt.Fprintf(env.Stderr, "serving the docs at http://%s/ (%s; Ctrl-C stops)\n", ln.Addr(), what)
	select {
	case err := <-done:
		stopWatch()
		watchers.Wait()
		return err
	case <-ctx.Done():
	}
	stopWatch()
	watchers.Wait()
	live.closeStreams()
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// liveSite serves the current build with the live-reload script, its
// event stream, and rebuilds on a hard reload.
type liveSite struct {
	build buildFunc
	// write is the server's write timeout: the event stream extends its
	// deadline by that much at each write, and writes a heartbeat every
	// half of it, so an open page keeps its stream.
	write time.Duration

	mu      sync.Mutex
	id      string       // the current build's id: a hash of its files
	handler http.Handler // the current build, pages with the script
	streams map[chan string]bool
	closed  bool
}

func newLiveSite(write time.Duration, build buildFunc) *liveSite {
	return &liveSite{build: build, write: write, streams: map[chan string]bool{}}
}

// rebuild builds the site; when its files changed, it serves them and
// tells every open page.
func (l *liveSite) rebuild(ctx context.Context) error {
	files, err := l.build(ctx)
	if err != nil {
		return err
	}
	id := buildID(files)
	l.mu.Lock()
	defer l.mu.Unlock()
	if id == l.id {
		return nil
	}
	l.id = id
	l.handler = site.Handler(withLiveScript(files, id))
	for ch := range l.streams {
		select {
		case ch <- id:
		default: // a slow page gets the next one, or the id on reconnect
		}
	}
	return nil
}

func (l *liveSite) rebuildAndLog(ctx context.Context, env *fluxly.Env) {
	if err := l.rebuild(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintf(env.Stderr, "rebuilding the docs: %v\n", err)
	}
}

func (l *liveSite) closeStreams() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for ch := range l.streams {
		close(ch)
		delete(l.streams, ch)
	}
}

func (l *liveSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case liveScript:
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(liveJS)
		return
	case liveEvents:
		l.events(w, r)
		return
	}
	if wantsFresh(r) {
		if err := l.rebuild(r.Context()); err != nil {
			buildFailed(w, err)
			return
		}
	}
	l.mu.Lock()
	h := l.handler
	l.mu.Unlock()
	h.ServeHTTP(w, r)
}

// events streams the current build id, then every new one, with a
// heartbeat comment in between.
func (l *liveSite) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	ch := make(chan string, 1)
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	l.streams[ch] = true
	id := l.id
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		if l.streams[ch] {
			delete(l.streams, ch)
		}
		l.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	// write sends text within the write timeout from now.
	write := func(text string) bool {
		if l.write > 0 {
			if err := rc.SetWriteDeadline(time.Now().Add(l.write)); err != nil {
				return false
			}
		}
		if _, err := io.WriteString(w, text); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	event := func(id string) string { return "retry: 500\nevent: build\ndata: " + id + "\n\n" }
	if !write(event(id)) {
		return
	}
	var heartbeat <-chan time.Time
	if l.write > 0 {
		t := time.NewTicker(l.write / 2)
		defer t.Stop()
		heartbeat = t.C
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-heartbeat:
			if !write(": heartbeat\n\n") {
				return
			}
		case id, ok := <-ch:
			if !ok || !write(event(id)) {
				return
			}
		}
	}
}

// buildID names a build by its files.
func buildID(files []site.File) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s %d\n", f.Path, len(f.Data))
		h.Write(f.Data)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// withLiveScript returns files with the live-reload script in every page's
// head. The site's CSP allows it: a script of the same origin.
func withLiveScript(files []site.File, id string) []site.File {
	tag := []byte(`<script src="` + liveScript + `" data-build="` + id + `" defer></script>` + "\n</head>")
	out := make([]site.File, len(files))
	for i, f := range files {
		out[i] = f
		if strings.HasSuffix(f.Path, ".html") {
			out[i].Data = bytes.Replace(f.Data, []byte("</head>"), tag, 1)
		}
	}
	return out
}

// watchedInputs are the files and directories a rebuild reads besides the
// binary: --pages and --logo.
func watchedInputs(f *docsFlags) []string {
	var in []string
	for _, p := range []string{f.Pages, f.Logo} {
		if p != "" {
			in = append(in, p)
		}
	}
	return in
}

// watcher polls inputs and the executable. Polling (every half second)
// needs no dependency and no platform code, and costs a few stat calls.
type watcher struct {
	inputs        []string
	exe           string
	every         time.Duration
	rebuild       func()
	binaryChanged func()
}

func (w *watcher) run(ctx context.Context) {
	inputs := fingerprint(w.inputs)
	exe := fingerprint([]string{w.exe})
	pending := "" // a new binary's fingerprint, waiting to stop changing
	t := time.NewTicker(w.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if now := fingerprint(w.inputs); now != inputs {
			inputs = now
			w.rebuild()
		}
		if w.exe == "" || w.binaryChanged == nil {
			continue
		}
		now := fingerprint([]string{w.exe})
		switch {
		case now == exe:
			pending = ""
		case now != pending:
			pending = now // still being written: wait one more tick
		default:
			w.binaryChanged()
			return
		}
	}
}

// fingerprint summarises files and directory trees by path, size and
// modification time.
func fingerprint(paths []string) string {
	h := sha256.New()
	for _, root := range paths {
		if root == "" {
			continue
		}
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintf(h, "%s !\n", p)
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return nil
			}
			fmt.Fprintf(h, "%s %d %d %v\n", p, info.Size(), info.ModTime().UnixNano(), info.IsDir())
			return nil
		})
	}
	return hex.EncodeToString(h.Sum(nil))
}
