package httpapi

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/logging"
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
	LogFormat string        `name:"log-format" help:"Log format on stderr." enum:"json,text" default:"json" env:"FLUXLY_LOG_FORMAT"`
	LogLevel  string        `name:"log-level" help:"Least severe log level: debug, info, warn or error." enum:"debug,info,warn,error" default:"info" env:"FLUXLY_LOG_LEVEL"`
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
	}{{"workers", int64(f.Workers)}, {"queue", int64(f.Queue)}, {"history", int64(f.History)}, {"max-body", f.MaxBody}} {
		if c.v < 1 {
			return &command.UsageError{Err: fmt.Errorf("--%s %d must be at least 1", c.flag, c.v)}
		}
	}
	if f.Grace <= 0 {
		return &command.UsageError{Err: fmt.Errorf("--grace %v must be positive (1ms cancels runs at once)", f.Grace)}
	}
	level, err := logging.ParseLevel(f.LogLevel)
	if err != nil {
		return &command.UsageError{Err: fmt.Errorf("--log-level: %w", err)}
	}
	opts := Options{
		Workers:      f.Workers,
		QueueSize:    f.Queue,
		HistorySize:  f.History,
		MaxBodyBytes: f.MaxBody,
		GracePeriod:  f.Grace,
		Token:        env.Setting("API_TOKEN"),
		Logger:       logging.New(env.Stderr, f.LogFormat, level),
	}
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
		url := "http://" + a.String()
		opts.Logger.Info("listening on "+url, "url", url)
		if opts.Token == "" && !loopback(a) {
			opts.Logger.Warn("serving on a non-loopback address without FLUXLY_API_TOKEN: anyone who can reach it can run workflows", "addr", a.String())
		}
	})
}

func loopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}
