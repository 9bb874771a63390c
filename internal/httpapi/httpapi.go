// Package httpapi is the HTTP face of a Fluxly app: submit runs of its
// endpoints, poll and cancel them, and read the OpenAPI 3.1 document that
// describes it all. It is plain net/http: a [Server] is an [http.Handler],
// and [Server.ListenAndServe] adds the listener, timeouts and graceful
// shutdown. [Command] is the `serve` tool command of the CLI.
//
// # Routes
//
//	POST /{endpoint}/run           202 run record (WAITING); Location: /runs/{run_id}
//	GET  /runs/{run_id}            200 run record
//	GET  /{endpoint}/runs/{run_id} 200 run record; 404 when the run is another endpoint's
//	POST /runs/{run_id}/cancel     200 final record, or 202 while the run is stopping
//	GET  /runs?endpoint=&status=&limit=
//	                               200 {"runs": [...]}, newest first (limit 1–1000, default 50)
//	GET  /health                   200 {"status":"ok"} (never needs the token)
//	GET  /openapi.json             200 the OpenAPI 3.1 document
//	GET  /docs/                    the docs site, when one is given
//
// Errors are application/problem+json (RFC 9457, see [Problem]): 400
// malformed JSON or query, 401 missing or wrong bearer token, 404 unknown
// route, endpoint or run, 405 wrong method (with Allow), 409 cancelling a
// finished run, 410 a run evicted from the history, 413 body over
// MaxBodyBytes, 415 body not application/json, 422 every rule the input
// breaks (as listed by the shared validator), 429 queue full (with
// Retry-After), 503 shutting down.
//
// # Resources
//
// At most Workers runs execute at once and at most QueueSize wait; a
// submission beyond that gets 429. Finished runs stay in a history of
// HistorySize records; past that the run that finished first is evicted
// (its id is remembered, so it answers 410 for a while, then 404). A
// request body is read up to MaxBodyBytes, headers up to MaxHeaderBytes,
// and the server has read, write and idle timeouts.
//
// # Shutdown
//
// [Server.Shutdown] stops admitting runs (503), lets waiting and running
// runs go on until its context is done, then cancels the rest: waiting
// runs end CANCELLED at once, running ones as soon as the runtime stops
// them. Every record is terminal when it returns (bar a RunEndpoint that
// ignores its context: Shutdown gives up on it after a few seconds and
// says which runs). ListenAndServe does the
// same with Options.GracePeriod when its context is cancelled, after
// closing the listener.
package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/endpoint"
	"github.com/fluxly-go/fluxly/internal/openapi"
	"github.com/fluxly-go/fluxly/internal/runrec"
	"github.com/fluxly-go/fluxly/internal/store"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// Options configure a Server. The zero value of each field means its
// default; negative values are an error.
type Options struct {
	// Workers is how many runs execute at once (default 16).
	Workers int
	// QueueSize is how many runs may wait for a worker (default 1024);
	// a submission when it is full is answered 429.
	QueueSize int
	// HistorySize is how many finished runs are kept (default 10000),
	// when the server makes its own in-memory store (Store is nil).
	HistorySize int
	// Store keeps the run records. Nil: an in-memory store holding
	// HistorySize finished runs (records are lost when the process ends).
	// A file store (store.OpenFile) makes them survive restarts: runs that
	// were waiting or running when the process ended are found, when the
	// server starts again, and recorded INFRASTRUCTURE_ERROR ("interrupted").
	// The server does not close it.
	Store store.Store
	// MaxRunDuration bounds a run (default 1h): past it, the run ends
	// TIMED_OUT.
	MaxRunDuration time.Duration
	// MaxRunningPerEndpoint is how many runs of one endpoint execute at
	// once (default: half the workers, at least 1); more wait in the queue
	// while runs of other endpoints go ahead.
	MaxRunningPerEndpoint int
	// MaxQueuedBytes bounds the inputs of the waiting runs together
	// (default 64 MiB); a submission past it is answered 429.
	MaxQueuedBytes int64
	// MaxListBytes bounds a page of GET /runs (default 8 MiB); the page
	// says where the next one starts.
	MaxListBytes int
	// MaxBodyBytes bounds a request body (default 1 MiB). The input
	// validator has its own limit (describe.Options.MaxInputBytes,
	// default 1 MiB); a body over either is answered 413.
	MaxBodyBytes int64
	// Token, when set, is the bearer token every route but /health
	// requires (compared in constant time).
	Token string
	// GracePeriod is how long ListenAndServe lets runs finish after its
	// context is cancelled before cancelling them (default 10s).
	GracePeriod time.Duration
	// Server timeouts (defaults: read 30s, read header 5s, write 30s,
	// idle 120s) and the header size limit (default 64 KiB).
	ReadTimeout, ReadHeaderTimeout, WriteTimeout, IdleTimeout time.Duration
	MaxHeaderBytes                                            int
	// Logger gets one record per request (method, path, status, duration,
	// run_id), one per finished run, and the runs' own node logs
	// (default slog.Default()).
	Logger *slog.Logger
	// Docs, when set, is served under /docs/ (with the prefix stripped).
	// With a Token, a browser signs in at /login (see docsauth.go) unless
	// DocsWithoutToken is set.
	Docs             http.Handler
	DocsWithoutToken bool
}

// Defaults of Options.
const (
	DefaultWorkers           = 16
	DefaultQueueSize         = 1024
	DefaultHistorySize       = 10_000
	DefaultMaxBodyBytes      = 1 << 20
	DefaultGracePeriod       = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultMaxRunDuration    = time.Hour
	DefaultMaxQueuedBytes    = 64 << 20
	DefaultMaxListBytes      = 8 << 20
)

// fill applies the defaults and reports every negative value at once.
func (o *Options) fill() error {
	var errs []error
	check := func(name string, negative bool) {
		if negative {
			errs = append(errs, fmt.Errorf("httpapi: Options.%s must not be negative", name))
		}
	}
	check("Workers", o.Workers < 0)
	check("QueueSize", o.QueueSize < 0)
	check("HistorySize", o.HistorySize < 0)
	check("MaxBodyBytes", o.MaxBodyBytes < 0)
	check("GracePeriod", o.GracePeriod < 0)
	check("ReadTimeout", o.ReadTimeout < 0)
	check("ReadHeaderTimeout", o.ReadHeaderTimeout < 0)
	check("WriteTimeout", o.WriteTimeout < 0)
	check("IdleTimeout", o.IdleTimeout < 0)
	check("MaxHeaderBytes", o.MaxHeaderBytes < 0)
	check("MaxRunDuration", o.MaxRunDuration < 0)
	check("MaxRunningPerEndpoint", o.MaxRunningPerEndpoint < 0)
	check("MaxQueuedBytes", o.MaxQueuedBytes < 0)
	check("MaxListBytes", o.MaxListBytes < 0)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	orDefault(&o.Workers, DefaultWorkers)
	orDefault(&o.QueueSize, DefaultQueueSize)
	orDefault(&o.HistorySize, DefaultHistorySize)
	orDefault(&o.MaxBodyBytes, DefaultMaxBodyBytes)
	orDefault(&o.GracePeriod, DefaultGracePeriod)
	orDefault(&o.ReadTimeout, DefaultReadTimeout)
	orDefault(&o.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	orDefault(&o.WriteTimeout, DefaultWriteTimeout)
	orDefault(&o.IdleTimeout, DefaultIdleTimeout)
	orDefault(&o.MaxHeaderBytes, DefaultMaxHeaderBytes)
	orDefault(&o.MaxRunDuration, DefaultMaxRunDuration)
	orDefault(&o.MaxRunningPerEndpoint, max(1, o.Workers/2))
	orDefault(&o.MaxQueuedBytes, DefaultMaxQueuedBytes)
	orDefault(&o.MaxListBytes, DefaultMaxListBytes)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return nil
}

func orDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

// Server serves an app's endpoints over HTTP. It is an http.Handler; its
// runs go on in the background until they end or Shutdown cancels them.
type Server struct {
	app     *command.App
	model   *introspect.Model
	opts    Options
	log     *slog.Logger
	mux     *http.ServeMux
	openapi []byte

	auth     bool
	tokenSum [sha256.Size]byte

	active  *active
	store   store.Store
	persist *persister
	// runCtx is the parent of every run's context; stopRuns cancels them
	// all when the grace period is over.
	runCtx   context.Context
	stopRuns context.CancelCauseFunc
}

// New returns a Server for app's endpoints. It fails when an option is
// negative or the store cannot be read. Runs the store holds as waiting or
// running (the process that ran them ended first) are recorded
// INFRASTRUCTURE_ERROR, interrupted.
func New(app *command.App, opts Options) (*Server, error) {
	if app == nil {
		return nil, errors.New("httpapi: nil app")
	}
	if err := opts.fill(); err != nil {
		return nil, err
	}
	m := app.Model()
	st := opts.Store
	if st == nil {
		var err error
		if st, err = store.OpenMemory(store.Limits{MaxRuns: opts.HistorySize}); err != nil {
			return nil, err
		}
	}
	s := &Server{app: app, model: m, opts: opts, log: opts.Logger, store: st,
		active:  newActive(opts.Workers, opts.QueueSize, opts.MaxRunningPerEndpoint, opts.MaxQueuedBytes),
		persist: newPersister(st, opts.Logger)}
	if n, err := runrec.Interrupt(st, time.Now().UTC(), "the server stopped before the run ended", nil); err != nil {
		return nil, fmt.Errorf("httpapi: reading the run store: %w", err)
	} else if n > 0 {
		s.log.Warn("runs interrupted by a restart recorded as INFRASTRUCTURE_ERROR", "runs", n)
	}
	s.runCtx, s.stopRuns = context.WithCancelCause(context.Background())
	if opts.Token != "" {
		s.auth, s.tokenSum = true, sha256.Sum256([]byte(opts.Token))
	}
	s.openapi = openapi.Document(app.Name, app.Version, m, opts.Token != "")
	s.mux = s.routes()
	return s, nil
}

// ServeHTTP checks the bearer token, routes the request and logs it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, req: r}
	switch {
	case s.opts.Docs != nil && isDocs(r.URL.Path):
		if s.auth && !s.opts.DocsWithoutToken && !s.authorized(r) && !s.docsCookie(r) {
			s.docsLogin(sw, r)
			break
		}
		s.serveDocs(sw, r)
	case s.opts.Docs != nil && r.URL.Path == loginPath:
		s.login(sw, r)
	case s.auth && r.URL.Path != "/health" && !s.authorized(r):
		unauthorized(sw, r)
	default:
		sw.routed = true
		s.mux.ServeHTTP(sw, r)
	}
	status := sw.status
	if status == 0 {
		status = http.StatusOK
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(start)),
	}
	if sw.runID != "" {
		attrs = append(attrs, slog.String("run_id", sw.runID))
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

// Shutdown drains the server: it stops admitting runs, lets waiting and
// running ones go on until ctx is done, then cancels the rest and waits
// until every record is terminal. It returns nil then, or an error naming
// the runs that did not stop within a few seconds of their cancellation
// (a RunEndpoint that ignores its context). It does not close listeners:
// ListenAndServe does that.
func (s *Server) Shutdown(ctx context.Context) error {
	defer s.persist.flush()
	drained := s.active.beginDrain()
	select {
	case <-drained:
		return nil
	case <-ctx.Done():
	}
	for _, r := range s.active.takeQueued() {
		r.cancelQueued(errShutdown, time.Now().UTC())
		s.storeFinal(r)
		s.logFinished(r)
		s.active.retireDequeued(r)
	}
	s.stopRuns(errShutdown)
	t := time.NewTimer(abandonAfter)
	defer t.Stop()
	select {
	case <-drained:
		return nil
	case <-t.C:
	}
	var ids []string
	for _, r := range s.active.list() {
		ids = append(ids, r.id)
	}
	slices.Sort(ids)
	return fmt.Errorf("httpapi: %d run(s) still running %s after cancellation: %s", len(ids), abandonAfter, strings.Join(ids, ", "))
}

// abandonAfter bounds the wait for cancelled runs to return; the runtime
// stops a cancelled run promptly, so only an app whose RunEndpoint ignores
// its context gets near it.
const abandonAfter = 5 * time.Second

// ListenAndServe listens on addr (host:port; port 0 picks a free one),
// calls ready with the bound address, and serves until ctx is cancelled.
// Then it shuts down gracefully: the listener closes, submissions get 503,
// runs have Options.GracePeriod to finish before they are cancelled, and
// in-flight requests the same time to complete. It returns nil after a
// clean shutdown.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(addr net.Addr)) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           s,
		ReadTimeout:       s.opts.ReadTimeout,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		WriteTimeout:      s.opts.WriteTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		MaxHeaderBytes:    s.opts.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if ready != nil {
		ready(ln.Addr())
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
		served = nil
	}
	active := s.active.list()
	s.log.Info("shutting down", "grace", s.opts.GracePeriod.String(), "active_runs", len(active))
	grace, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.GracePeriod)
	defer cancel()
	s.active.beginDrain()
	closed := make(chan error, 1)
	go func() { closed <- hs.Shutdown(grace) }()
	runsErr := s.Shutdown(grace)
	if err := <-closed; err != nil {
		// The grace period is over and requests are still in flight.
		_ = hs.Close()
	}
	if served != nil {
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			serveErr = err
		}
	}
	counts := map[string]int{}
	for _, r := range active {
		counts[r.current().status.String()]++
	}
	s.log.Info("shutdown complete", "runs", counts)
	return errors.Join(serveErr, runsErr)
}

func (s *Server) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(sum[:], s.tokenSum[:]) == 1
}

// work runs r, then whatever is waiting, until the queue has nothing it
// may start.
func (s *Server) work(r *run) {
	for r != nil {
		s.execute(r)
		r = s.active.next(r)
	}
}

// execute runs r to its end and stores its final record.
func (s *Server) execute(r *run) {
	in, prev := r.start(time.Now().UTC())
	s.persist.mark(r)
	ctx, cancel := context.WithTimeoutCause(r.ctx, s.opts.MaxRunDuration,
		runtime.Errorf(runtime.TimedOut, "the run took longer than the server's limit of %v (--max-run-duration)", s.opts.MaxRunDuration))
	res, err := s.runEndpoint(ctx, r, in, prev)
	cancel()
	r.finish(res, err, time.Now().UTC())
	s.storeFinal(r)
	s.logFinished(r)
}

// storeFinal writes a run's final record; the run then leaves the active
// runs (its caller retires it) and is read from the store.
func (s *Server) storeFinal(r *run) {
	if err := s.persist.write(r); err != nil {
		s.log.LogAttrs(context.Background(), slog.LevelError, "cannot store a finished run", slog.String("run_id", r.id), slog.String("error", err.Error()))
	}
	r.cancel(nil) // release the context's resources
	close(r.done)
}

// runEndpoint runs the workflow. A panic that escapes the runtime (which
// recovers node panics itself) fails the run rather than the server.
func (s *Server) runEndpoint(ctx context.Context, r *run, in *endpoint.Input, prev *runtime.Result) (res *runtime.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, &runtime.PanicError{Where: "run", Value: p}
		}
	}()
	return s.app.Run(ctx, in, command.RunRequest{RunID: r.id, Logger: s.log, Prev: prev,
		Observer: func(e runtime.Event) { r.observe(e); s.persist.mark(r) }})
}

func (s *Server) logFinished(r *run) {
	r.mu.Lock()
	rec := r.rec
	r.mu.Unlock()
	attrs := []slog.Attr{
		slog.String("run_id", r.id),
		slog.String("endpoint", r.endpoint),
		slog.String("status", rec.Status.String()),
		slog.Int("status_code", rec.StatusCode),
	}
	if rec.Started != nil {
		attrs = append(attrs, slog.Duration("duration", rec.Finished.Sub(*rec.Started)))
	}
	if rec.Error != nil {
		attrs = append(attrs, slog.String("error", rec.Error.Message))
	}
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "run finished", attrs...)
}
