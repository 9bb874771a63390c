package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// runMainEnv makes the test binary act as the command, so that a test can
// run it as a child process, signal it and start it again.
const runMainEnv = "FLUXLY_TEMPORAL_DEV_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"-h"}, 0, "-namespace namespace"},
		{[]string{"--nope"}, 2, "flag provided but not defined: -nope"},
		{[]string{"extra"}, 2, `unexpected argument "extra"`},
		{[]string{"--port", "70000"}, 2, "--port 70000 is not a TCP port"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			if !strings.Contains(stderr.String(), tt.err) {
				t.Errorf("stderr %q does not say %q", stderr.String(), tt.err)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout: %q", stdout.String())
			}
		})
	}
}

// child is the command running as a child process.
type child struct {
	cmd     *exec.Cmd
	address string
	stderr  bytes.Buffer
}

var readyLine = regexp.MustCompile(`^temporal dev server ready at (127\.0\.0\.1:\d+) \(namespace ([^)]+)\)$`)

// startChild runs the command and waits for its ready line.
func startChild(ctx context.Context, t *testing.T, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.CommandContext(ctx, os.Args[0], args...)}
	c.cmd.Env = append(os.Environ(), runMainEnv+"=1")
	c.cmd.Stderr = &c.stderr
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		_ = c.cmd.Wait()
		t.Fatalf("no ready line: %v; stderr:\n%s", lines.Err(), &c.stderr)
	}
	m := readyLine.FindStringSubmatch(lines.Text())
	if m == nil {
		t.Fatalf("ready line %q", lines.Text())
	}
	c.address = m[1]
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return c
}

// stop sends SIGINT and expects a clean exit.
func (c *child) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("after SIGINT: %v; stderr:\n%s", err, &c.stderr)
	}
}

func dial(t *testing.T, address, namespace string) client.Client {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := client.Dial(client.Options{HostPort: address, Namespace: namespace, Logger: sdklog.NewStructuredLogger(logger)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The database file outlives the process: a second server over it knows the
// namespace (same id) and a workflow started under the first one.
func TestRestartOverFile(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const namespace = "fluxly-test"
	db := filepath.Join(t.TempDir(), "dev.db")
	args := []string{"--port", "0", "--db", db, "--namespace", namespace}

	first := startChild(ctx, t, args...)
	c := dial(t, first.address, namespace)
	desc, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	if err != nil {
		t.Fatal(err)
	}
	id := desc.GetNamespaceInfo().GetId()
	// No worker polls this queue: the workflow stays running.
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "persisted", TaskQueue: "nobody"}, "Waits")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	first.stop(t)

	second := startChild(ctx, t, args...)
	defer second.stop(t)
	c = dial(t, second.address, namespace)
	defer c.Close()
	desc, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	if err != nil {
		t.Fatal(err)
	}
	if got := desc.GetNamespaceInfo().GetId(); got != id {
		t.Errorf("namespace id after restart = %s, want %s", got, id)
	}
	wf, err := c.DescribeWorkflowExecution(ctx, "persisted", run.GetRunID())
	if err != nil {
		t.Fatalf("workflow started before the restart: %v", err)
	}
	if got := wf.GetWorkflowExecutionInfo().GetStatus(); got != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("status = %v, want running", got)
	}
}
