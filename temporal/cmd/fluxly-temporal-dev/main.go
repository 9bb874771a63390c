// Command fluxly-temporal-dev runs a Temporal development server for Fluxly
// on 127.0.0.1: every service in one process, SQLite in memory or in a
// file, and one namespace. It prints one line once the frontend answers, and
// stops on SIGINT or SIGTERM.
//
//	fluxly-temporal-dev [--port 7233] [--db FILE] [--namespace default]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/fluxly-go/fluxly/temporal/devserver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, a second one ends the process at once,
		// should stopping hang.
		<-ctx.Done()
		stop()
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// startTimeout bounds the wait for the frontend to answer.
const startTimeout = time.Minute

// run starts the server, reports the address on stdout and serves until ctx
// ends. It returns the exit code: 0 after a clean stop, 1 when the server
// fails, 2 for bad arguments.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("fluxly-temporal-dev", flag.ContinueOnError)
	flags.SetOutput(stderr)
	port := flags.Int("port", 7233, "frontend gRPC `port` on 127.0.0.1 (0 picks a free one)")
	db := flags.String("db", "", "SQLite database `file`, created if missing (default: in memory, lost at exit)")
	namespace := flags.String("namespace", devserver.DefaultNamespace, "`namespace` to create if missing")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "fluxly-temporal-dev: unexpected argument %q\n", flags.Arg(0))
		flags.Usage()
		return 2
	}
	if *port < 0 || *port > 65535 {
		fmt.Fprintf(stderr, "fluxly-temporal-dev: --port %d is not a TCP port\n", *port)
		return 2
	}

	startCtx, cancel := context.WithTimeout(ctx, startTimeout)
	srv, err := devserver.Start(startCtx, devserver.Options{
		Port:         *port,
		DatabaseFile: *db,
		Namespace:    *namespace,
		Logger:       slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	cancel()
	if err != nil {
		fmt.Fprintf(stderr, "fluxly-temporal-dev: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "temporal dev server ready at %s (namespace %s)\n", srv.Address(), srv.Namespace())
	<-ctx.Done()
	if err := srv.Stop(); err != nil {
		fmt.Fprintf(stderr, "fluxly-temporal-dev: stop: %v\n", err)
		return 1
	}
	return 0
}
