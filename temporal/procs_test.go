package temporal_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// The end-to-end tests run real processes on 127.0.0.1: the dev server
// (cmd/fluxly-temporal-dev, built without the race detector: the server's
// race build takes half an hour cold), and the test binary
// (internal/testbin: the examples and the test workflows on Temporal)
// as workers and as the app that submits runs, built with the race
// detector when the tests are. Binaries are installed into the user's
// cache directory, so a run whose sources did not change links nothing.

var moduleDir string // this module's root: the tests' first working directory

func TestMain(m *testing.M) {
	var err error
	if moduleDir, err = os.Getwd(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	stopServer()
	os.Exit(code)
}

var bins struct {
	once     sync.Once
	dev, app string
	err      error
}

// binaries builds (or finds up to date) the dev server and the test
// binary.
func binaries(t testing.TB) (dev, app string) {
	t.Helper()
	bins.once.Do(func() {
		base := binDir()
		plain, raced := filepath.Join(base, "plain"), filepath.Join(base, "race")
		if bins.err = install(plain, "./cmd/fluxly-temporal-dev"); bins.err != nil {
			return
		}
		appDir, flags := plain, []string{}
		if raceEnabled {
			appDir, flags = raced, []string{"-race"}
		}
		if bins.err = install(appDir, "./internal/testbin", flags...); bins.err != nil {
			return
		}
		bins.dev, bins.app = filepath.Join(plain, "fluxly-temporal-dev"), filepath.Join(appDir, "testbin")
	})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	return bins.dev, bins.app
}

// binDir is where the binaries go: $FLUXLY_TEMPORAL_TEST_BIN, else the
// user's cache directory, else a temporary directory (built every time).
func binDir() string {
	if dir := os.Getenv("FLUXLY_TEMPORAL_TEST_BIN"); dir != "" {
		return dir
	}
	if base, err := os.UserCacheDir(); err == nil {
		dir := filepath.Join(base, "fluxly", "temporal-test-bin")
		if os.MkdirAll(dir, 0o755) == nil {
			return dir
		}
	}
	dir, err := os.MkdirTemp("", "fluxly-temporal-test-bin-")
	if err != nil {
		return os.TempDir()
	}
	return dir
}

func install(gobin, pkg string, flags ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	args := append(append([]string{"install"}, flags...), pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "GOBIN="+gobin)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// The dev server: one per test binary, started by the first test that
// needs it, stopped by TestMain.
var srv struct {
	once    sync.Once
	cmd     *exec.Cmd
	address string
	stderr  bytes.Buffer
	err     error
}

var readyLine = regexp.MustCompile(`^temporal dev server ready at (127\.0\.0\.1:\d+) \(namespace ([^)]+)\)$`)

func server(t testing.TB) string {
	t.Helper()
	dev, _ := binaries(t)
	srv.once.Do(func() {
		srv.cmd = exec.Command(dev, "--port", "0")
		srv.cmd.Stderr = &lockedBuffer{b: &srv.stderr}
		line, err := startAndRead(srv.cmd, time.Minute)
		if err != nil {
			srv.err = err
			return
		}
		m := readyLine.FindStringSubmatch(line)
		if m == nil {
			srv.err = fmt.Errorf("dev server said %q", line)
			return
		}
		srv.address = m[1]
	})
	if srv.err != nil {
		t.Fatalf("dev server: %v\n%s", srv.err, srv.stderr.String())
	}
	return srv.address
}

func stopServer() {
	if srv.cmd == nil || srv.cmd.Process == nil {
		return
	}
	stop(srv.cmd, 20*time.Second)
}

// startAndRead starts cmd and returns the first line of its standard
// output; the rest is drained.
func startAndRead(cmd *exec.Cmd, timeout time.Duration) (string, error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		line, _ := r.ReadString('\n')
		lines <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, r)
	}()
	select {
	case line := <-lines:
		if line == "" {
			stop(cmd, time.Second)
			return "", fmt.Errorf("%s exited without its ready line", cmd.Path)
		}
		return line, nil
	case <-time.After(timeout):
		stop(cmd, time.Second)
		return "", fmt.Errorf("%s: no ready line within %v", cmd.Path, timeout)
	}
}

// stop sends SIGINT, then SIGKILL after grace, and reaps the process.
func stop(cmd *exec.Cmd, grace time.Duration) {
	if cmd.Process == nil || cmd.ProcessState != nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
	}
}

// lockedBuffer is a buffer a process writes to while a test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// cluster is a dev server, a task queue of its own, and the workers
// polling it.
type cluster struct {
	t       testing.TB
	app     string   // the test binary
	env     []string // the environment of every process of the app
	dir     string   // their working directory
	workers []*proc
}

// proc is a running process of the app.
type proc struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
}

// newCluster prepares processes of the app working in dir, on a task
// queue named after the test, with env added to their environment.
func newCluster(t testing.TB, dir string, env ...string) *cluster {
	t.Helper()
	_, app := binaries(t)
	address := server(t)
	queue := "test-" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	base := []string{"TEMPORAL_ADDRESS=" + address, "TEMPORAL_TASK_QUEUE=" + queue, "FLUXLY_DATA_DIR=" + filepath.Join(dir, "data")}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FLUXLY_") && !strings.HasPrefix(kv, "TEMPORAL_") {
			base = append(base, kv)
		}
	}
	c := &cluster{t: t, app: app, env: append(base, env...), dir: dir}
	t.Cleanup(func() {
		for _, w := range c.workers {
			stop(w.cmd, 15*time.Second)
		}
		if t.Failed() {
			for i, w := range c.workers {
				t.Logf("worker %d stderr:\n%s", i+1, w.stderr.String())
			}
		}
	})
	return c
}

// startWorkers starts n workers and waits until each polls.
func (c *cluster) startWorkers(n int) {
	c.t.Helper()
	for range n {
		cmd := exec.Command(c.app, "worker", "--log-level", "warn", "--grace", "500ms")
		cmd.Env, cmd.Dir = c.env, c.dir
		p := &proc{cmd: cmd, stderr: &lockedBuffer{b: new(bytes.Buffer)}}
		cmd.Stderr = p.stderr
		line, err := startAndRead(cmd, time.Minute)
		if err != nil {
			c.t.Fatalf("worker: %v\n%s", err, p.stderr.String())
		}
		if !strings.HasPrefix(line, "fluxly temporal worker ready: task queue test-") {
			c.t.Fatalf("worker said %q", line)
		}
		c.workers = append(c.workers, p)
	}
}

// run runs the app with args to its end (bounded) and returns its exit
// code and output.
func (c *cluster) run(ctx context.Context, env []string, args ...string) (int, string, string) {
	c.t.Helper()
	cmd := c.command(ctx, env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			c.t.Fatalf("%v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return code, stdout.String(), stderr.String()
}

func (c *cluster) command(ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, c.app, args...)
	cmd.Env, cmd.Dir = append(append([]string(nil), c.env...), env...), c.dir
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// client dials the dev server from the test.
func (c *cluster) client() client.Client {
	c.t.Helper()
	cl, err := client.Dial(client.Options{HostPort: server(c.t),
		Logger: sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(cl.Close)
	return cl
}

// waitFile waits for a file to appear and returns its content.
func waitFile(ctx context.Context, t *testing.T, path string) string {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(path); err == nil {
			return string(b)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s did not appear: %v", path, ctx.Err())
		case <-tick.C:
		}
	}
}
