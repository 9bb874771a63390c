package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/logging"
	"github.com/fluxly-go/fluxly/internal/store"
)

// serveFlags are the flags of the serve command. The token is deliberately
// not a flag: argv is visible to every user of the machine.
type serveFlags struct {
	Host      string        `help:"Address to listen on." default:"127.0.0.1" env:"FLUXLY_HOST"`
	Port      int           `help:"Port to listen on; 0 picks a free one." default:"8000" env:"FLUXLY_PORT"`
	Grace     time.Duration `help:"How long runs may go on after SIGINT/SIGTERM before they are cancelled." default:"10s" env:"FLUXLY_GRACE"`
	Workers   int           `help:"Runs executing at once." default:"16"`
	Queue     int           `help:"Runs waiting for a worker; beyond that submissions get 429." default:"1024"`
	History   int           `help:"Finished runs kept; the oldest are evicted." default:"10000"`
	MaxBody   int64         `name:"max-body" help:"Largest request body, in bytes." default:"1048576"`
	LogFormat string        `name:"log-format" help:"Log format on stderr. One of: json, text." enum:"json,text" default:"json" env:"FLUXLY_LOG_FORMAT"`
	LogLevel  string        `name:"log-level" help:"Least severe log level shown. One of: debug, info, warn, error." enum:"debug,info,warn,error" default:"info" env:"FLUXLY_LOG_LEVEL"`
	// The record store and the limits on runs.
	DataDir         string        `name:"data-dir" placeholder:"DIR" env:"FLUXLY_DATA_DIR" help:"Directory of the run store (server.db); \"off\" keeps records in memory only, lost when the server stops. Default: the user's state directory (~/.local/state/fluxly/<app>)."`
	StoreMaxBytes   int64         `name:"store-max-bytes" default:"536870912" help:"Bytes of records kept; past them the runs that finished first are evicted."`
	MaxRunDuration  time.Duration `name:"max-run-duration" default:"1h" env:"FLUXLY_MAX_RUN_DURATION" help:"Longest a run may take; past it, it ends TIMED_OUT."`
	MaxPerEndpoint  int           `name:"max-running-per-endpoint" help:"Runs of one endpoint executing at once; more wait while other endpoints' runs go ahead (default: half the workers)."`
	MaxQueuedBytes  int64         `name:"max-queued-bytes" default:"67108864" help:"Bytes of input the waiting runs may hold together; past them submissions get 429."`
	DocsWithoutAuth bool          `name:"docs-without-token" help:"With FLUXLY_API_TOKEN set, serve /docs/ without it (the API still needs it); otherwise a browser signs in at /login with the token."`
}

// Command returns the `serve` tool command: it serves the HTTP API on
// --host:--port (default 127.0.0.1:8000, env FLUXLY_HOST and FLUXLY_PORT),
// with the bearer token from FLUXLY_API_TOKEN when set. Once bound it
// logs `listening on http://HOST:PORT` (with the url as an attribute) in
// the chosen log format on stderr; request and run logs
// follow there. When the context is cancelled (SIGINT/SIGTERM in the app)
// it shuts down gracefully within --grace and returns nil.
func Command() command.Command {
	f := &serveFlags{}
	return command.Command{
		Name:  "serve",
		Help:  "Serve the HTTP API: submit, poll and cancel runs; OpenAPI at /openapi.json. FLUXLY_API_TOKEN, when set, is the bearer token every route but /health needs.",
		Flags: f,
		Run:   func(ctx context.Context, env *command.Env) error { return serve(ctx, env, f) },
	}
}

func serve(ctx context.Context, env *command.Env, f *serveFlags) error {
	if f.Port < 0 || f.Port > 65535 {
		return &command.UsageError{Err: fmt.Errorf("--port %d is not a port (0–65535)", f.Port)}
	}
	// Options reads 0 as "the default"; on the command line 0 would be a
	// surprise, so every size must be positive.
	for _, c := range []struct {
		flag string
		v    int64
	}{{"workers", int64(f.Workers)}, {"queue", int64(f.Queue)}, {"history", int64(f.History)}, {"max-body", f.MaxBody},
		{"store-max-bytes", f.StoreMaxBytes}, {"max-queued-bytes", f.MaxQueuedBytes}} {
		if c.v < 1 {
			return &command.UsageError{Err: fmt.Errorf("--%s %d must be at least 1", c.flag, c.v)}
		}
	}
	if f.MaxPerEndpoint < 0 {
		return &command.UsageError{Err: fmt.Errorf("--max-running-per-endpoint %d must not be negative", f.MaxPerEndpoint)}
	}
	if f.MaxRunDuration <= 0 {
		return &command.UsageError{Err: fmt.Errorf("--max-run-duration %v must be positive", f.MaxRunDuration)}
	}
	if f.Grace <= 0 {
		return &command.UsageError{Err: fmt.Errorf("--grace %v must be positive (1ms cancels runs at once)", f.Grace)}
	}
	level, err := logging.ParseLevel(f.LogLevel)
	if err != nil {
		return &command.UsageError{Err: fmt.Errorf("--log-level: %w", err)}
	}
	opts := Options{
		Workers:               f.Workers,
		QueueSize:             f.Queue,
		HistorySize:           f.History,
		MaxBodyBytes:          f.MaxBody,
		GracePeriod:           f.Grace,
		MaxRunDuration:        f.MaxRunDuration,
		MaxRunningPerEndpoint: f.MaxPerEndpoint,
		MaxQueuedBytes:        f.MaxQueuedBytes,
		DocsWithoutToken:      f.DocsWithoutAuth,
		Token:                 env.Setting("API_TOKEN"),
		Logger:                logging.New(env.Stderr, f.LogFormat, level),
	}
	st, where, err := OpenStore(f.DataDir, env.App.Name, store.ServerFile, store.Limits{MaxRuns: f.History, MaxBytes: f.StoreMaxBytes})
	if err != nil {
		return err
	}
	defer st.Close()
	opts.Store = st
	if env.App.Docs != nil {
		docs, err := env.App.Docs(ctx, env)
		if err != nil {
			return fmt.Errorf("building the docs site: %w", err)
		}
		opts.Docs = docs
	}
	s, err := New(env.App, opts)
	if err != nil {
		return &command.UsageError{Err: err}
	}
	addr := net.JoinHostPort(f.Host, strconv.Itoa(f.Port))
	return s.ListenAndServe(ctx, addr, func(a net.Addr) {
		// Written whatever the log level: callers wait for this line.
		url := "http://" + a.String()
		rec := slog.NewRecord(time.Now(), slog.LevelInfo, "listening on "+url, 0)
		rec.AddAttrs(slog.String("url", url), slog.String("store", where))
		_ = opts.Logger.Handler().Handle(ctx, rec)
		if opts.Token == "" && !loopback(a) {
			opts.Logger.Warn("serving on a non-loopback address without FLUXLY_API_TOKEN: anyone who can reach it can run workflows", "addr", a.String())
		}
	})
}

func loopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// OpenStore opens the run store named file in the data directory dir
// (default: the user's state directory for app; "off": in memory). It
// returns where the records go, for logs.
func OpenStore(dir, app, file string, l store.Limits) (store.Store, string, error) {
	if strings.EqualFold(strings.TrimSpace(dir), "off") {
		st, err := store.OpenMemory(l)
		return st, "memory", err
	}
	if dir == "" {
		d, err := store.DefaultDir(app)
		if err != nil {
			return nil, "", fmt.Errorf("no data directory (set --data-dir or FLUXLY_DATA_DIR): %w", err)
		}
		dir = d
	}
	path := filepath.Join(dir, file)
	st, err := store.OpenFile(path, l, 2*time.Second)
	if errors.Is(err, store.ErrLocked) {
		return nil, "", &command.UsageError{Err: fmt.Errorf("%w; give this server its own --data-dir", err)}
	}
	return st, path, err
}
