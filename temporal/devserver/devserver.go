// Package devserver runs a Temporal server inside the calling process, for
// development and tests: the frontend, history, matching and worker services
// on 127.0.0.1, SQLite persistence (in memory or in one file), one history
// shard and a namespace ready for workers.
//
// It follows the recipe of the Temporal CLI's `temporal server start-dev`
// (repository temporalio/cli, package internal/devserver), without the web
// UI and the metrics endpoint.
//
// Start once per process where you can: Stop takes about a second and leaves
// goroutines of the server's internal workers behind.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/server/temporal"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// DefaultNamespace is the namespace Start creates when Options.Namespace is
// empty.
const DefaultNamespace = "default"

// host is the only address the server binds: it is for this machine alone.
const host = "127.0.0.1"

// Options configure Start. The zero value is a server on a free port with an
// in-memory database and the "default" namespace.
type Options struct {
	// Port is the frontend's gRPC port on 127.0.0.1; 0 picks a free one.
	// The other services always get free ports.
	Port int

	// DatabaseFile is the SQLite database file. Empty keeps everything in
	// memory (lost at exit). A file that does not exist yet is created with
	// the schema; an existing one is reused as it is.
	DatabaseFile string

	// Namespace is created at start unless the database already has it;
	// empty means DefaultNamespace.
	Namespace string

	// Logger receives the server's own logs. Nil means warnings and errors
	// only, to standard error. Routine warnings during Stop are dropped.
	Logger *slog.Logger
}

// Server is a running development server.
type Server struct {
	server    temporal.Server
	address   string
	namespace string
	gate      *slog.LevelVar

	stopOnce sync.Once
	stopErr  error
}

// Start starts a server and returns once its frontend answers a
// DescribeNamespace for the configured namespace, or fails when ctx ends
// first.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Namespace == "" {
		opts.Namespace = DefaultNamespace
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	gate := new(slog.LevelVar)
	gate.Set(slog.LevelDebug)
	logger := &serverLogger{log: opts.Logger, gate: gate}

	store, err := openStore(opts.DatabaseFile, opts.Namespace)
	if err != nil {
		return nil, err
	}

	srv, frontend, err := startServer(opts.Port, store, logger)
	if err != nil {
		return nil, err
	}
	s := &Server{server: srv, address: frontend, namespace: opts.Namespace, gate: gate}
	if err := s.waitReady(ctx); err != nil {
		return nil, errors.Join(err, s.Stop())
	}
	return s, nil
}

// startAttempts bounds the retries when a port picked as free was taken by
// someone else before the server bound it.
const startAttempts = 5

// startServer builds and starts the server, picking ports anew when one that
// was picked here turns out to be taken.
func startServer(port int, store *store, logger *serverLogger) (temporal.Server, string, error) {
	var errs []error
	for range startAttempts {
		ports, err := pickPorts(port)
		if err != nil {
			return nil, "", err
		}
		srv, err := newServer(ports, store, logger)
		if err == nil {
			err = srv.Start()
			if err != nil {
				_ = srv.Stop()
			}
		}
		if err == nil {
			return srv, ports.address(ports.frontend), nil
		}
		errs = append(errs, err)
		if !isAddrInUse(err) || (port != 0 && ports.frontendTaken(err)) {
			break
		}
	}
	return nil, "", fmt.Errorf("devserver: start: %w", errors.Join(errs...))
}

// newServer turns the server's fatal log calls made while it is built (a port
// it cannot bind, for one) into an error instead of an exit.
func newServer(ports ports, store *store, logger *serverLogger) (srv temporal.Server, err error) {
	defer func() {
		if v := recover(); v != nil {
			f, ok := v.(*fatalError)
			if !ok {
				panic(v)
			}
			srv, err = nil, f
		}
	}()
	return temporal.NewServer(serverOptions(ports, store, logger)...)
}

// Address is the frontend's gRPC address, host:port.
func (s *Server) Address() string { return s.address }

// Namespace is the namespace the server was started with.
func (s *Server) Namespace() string { return s.namespace }

// Stop stops the server. It is safe to call more than once; later calls
// return the first result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		// The services warn about connections closing under them while they
		// stop; that is expected here.
		s.gate.Set(slog.LevelError)
		s.stopErr = s.server.Stop()
	})
	return s.stopErr
}

// readyPoll is how often waitReady asks the frontend again.
const readyPoll = 20 * time.Millisecond

// waitReady asks the frontend for the namespace until it answers.
func (s *Server) waitReady(ctx context.Context) error {
	conn, err := grpc.NewClient(s.address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("devserver: dial %s: %w", s.address, err)
	}
	defer func() { _ = conn.Close() }()
	service := workflowservice.NewWorkflowServiceClient(conn)
	tick := time.NewTicker(readyPoll)
	defer tick.Stop()
	for {
		callCtx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := service.DescribeNamespace(callCtx, &workflowservice.DescribeNamespaceRequest{Namespace: s.namespace})
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("devserver: not ready at %s: %w (last answer: %v)", s.address, ctx.Err(), err)
		case <-tick.C:
		}
	}
}
