package devserver_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fluxly-go/fluxly/temporal/devserver"
)

// server is shared by the whole test binary: a start costs ~0.6 s and a
// stop ~1.1 s, and every stop leaves the server's internal worker
// goroutines behind.
var server *devserver.Server

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	var err error
	server, err = devserver.Start(ctx, devserver.Options{Port: 0, Logger: quietLogger()})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start the dev server:", err)
		os.Exit(1)
	}
	code := m.Run()
	if err := server.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop the dev server:", err)
		code = 1
	}
	os.Exit(code)
}

// quietLogger logs warnings and errors to stderr, and nothing to stdout
// (the SDK's default logger prints every worker start there).
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func dial(t *testing.T) client.Client {
	t.Helper()
	noLeaks(t)
	c, err := client.Dial(client.Options{
		HostPort:  server.Address(),
		Namespace: server.Namespace(),
		Logger:    sdklog.NewStructuredLogger(quietLogger()),
	})
	if err != nil {
		t.Fatalf("dial %s: %v", server.Address(), err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestAddressIsLoopback(t *testing.T) {
	host, port, err := net.SplitHostPort(server.Address())
	if err != nil {
		t.Fatal(err)
	}
	if host != "127.0.0.1" {
		t.Errorf("host = %s, want 127.0.0.1", host)
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 {
		t.Errorf("port = %q, want a picked port", port)
	}
	if got := server.Namespace(); got != devserver.DefaultNamespace {
		t.Errorf("Namespace() = %q, want %q", got, devserver.DefaultNamespace)
	}
}

func TestDescribeNamespace(t *testing.T) {
	c := dial(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// SDK v1.44's client has no DescribeNamespace helper.
	resp, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: server.Namespace()})
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.GetNamespaceInfo().GetName(); got != server.Namespace() {
		t.Errorf("name = %q, want %q", got, server.Namespace())
	}
	if resp.GetNamespaceInfo().GetId() == "" {
		t.Error("namespace has no id")
	}
}

func greet(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var greeting string
	err := workflow.ExecuteActivity(ctx, hello, name).Get(ctx, &greeting)
	return greeting, err
}

func hello(_ context.Context, name string) (string, error) { return "hello " + name, nil }

func TestWorkflowWithActivity(t *testing.T) {
	c := dial(t)
	const queue = "devserver-test"
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(greet)
	w.RegisterActivity(hello)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: queue}, greet, "fluxly")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil {
		t.Fatal(err)
	}
	if got != "hello fluxly" {
		t.Errorf("result = %q, want %q", got, "hello fluxly")
	}
}

func TestStartErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		opts devserver.Options
	}{
		{"database in a missing directory", devserver.Options{DatabaseFile: filepath.Join(dir, "missing", "dev.db")}},
		{"database file is a directory", devserver.Options{DatabaseFile: dir}},
		{"database name with a query", devserver.Options{DatabaseFile: filepath.Join(dir, "dev.db?mode=memory")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Logger = quietLogger()
			s, err := devserver.Start(context.Background(), tt.opts)
			if err == nil {
				_ = s.Stop()
				t.Fatal("Start succeeded")
			}
		})
	}
}

// A frontend port that is taken is an error from Start, not an exit: the
// server reports it through its logger's Fatal.
func TestStartPortTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := devserver.Start(ctx, devserver.Options{Port: port, Logger: slog.New(slog.DiscardHandler)})
	if err == nil {
		_ = s.Stop()
		t.Fatal("Start succeeded on a taken port")
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("err = %v, want EADDRINUSE", err)
	}
}
