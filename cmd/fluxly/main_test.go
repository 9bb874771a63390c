package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	fxruntime "github.com/fluxly-go/fluxly/runtime"
)

var (
	binary string
	tmpdir string // shared TMPDIR: go-graphviz's compilation cache stays warm across runs
)

// TestMain builds the fluxly command once; the tests run it as a subprocess.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fluxly-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "fluxly")
	tmpdir = filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmpdir, 0o755); err != nil {
		panic(err)
	}
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
}

// runBinary runs the built command from the repository root (where the
// examples' relative paths resolve), with a clean environment plus env.
func runBinary(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + tmpdir, "FLUXLY_DATA_DIR=" + filepath.Join(tmpdir, "data")}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("running %v: %v", args, err)
	}
	return r
}

func TestBinaryExitCodesAndOutput(t *testing.T) {
	tests := []struct {
		name   string
		env    []string
		args   []string
		code   int
		stderr []string
	}{
		{"echo", nil, []string{"echo-msg", "--count", "2"}, 0, []string{`msg=echo`, `step=2`, `status=COMPLETED code=0`}},
		{"unknown status is 255", nil, []string{"fail-with", "--status", "UNKNOWN"}, 255, []string{"status=UNKNOWN code=-1"}},
		{"data error", nil, []string{"fail-with", "--status", "DATA_ERROR"}, 64, []string{`error="asked to end with DATA_ERROR"`}},
		{"slow times out", nil, []string{"slow"}, 61, []string{`node \"work\" timed out after 1s (attempt 1)`, "status=TIMED_OUT code=61"}},
		{"slow completes", nil, []string{"slow", "--sleep", "50ms"}, 0, nil},
		{"flaky succeeds on attempt 3", nil, []string{"flaky"}, 0, []string{"node attempt failed; retrying", "attempt=3 status=COMPLETED"}},
		{"flaky runs out of retries", nil, []string{"flaky", "--succeed-on", "6"}, 83, []string{"status=NETWORK_FAILURE code=83"}},
		{"etl", nil, []string{"etl"}, 0, []string{"msg=extracted", "rows=6", "msg=audit", "countries=DE,FR,GB,US"}},
		{"etl malformed rows", nil, []string{"etl", "--source", "examples/etl/testdata/users-malformed.json"}, 64,
			[]string{"3 malformed row(s)", "row 2: name is empty", "row 4: email \\\"example.org\\\" has no @"}},
		{"etl missing source", nil, []string{"etl", "--source", "nope.json"}, 81, []string{"source nope.json does not exist"}},
		{"producer gives nothing", nil, []string{"producer-consumer", "--value", "0"}, 64, []string{"producer gave nothing to consume"}},
		{"branching: a failing group, a live one", nil, []string{"branching", "--fail-b"}, 0, []string{"B was told to fail", "status=COMPLETED code=0"}},
		{"env trigger", []string{"FLUXLY_ENDPOINT=echo-msg", "FLUXLY_COUNT=1", "FLUXLY_MESSAGE=from-env"}, nil, 0, []string{"message=from-env"}},
		{"usage error", nil, []string{"echo-msg", "--nope"}, 2, []string{"unknown flag --nope"}},
		{"invalid input", nil, []string{"echo-msg", "--count", "0"}, 84, []string{"count (--count, FLUXLY_COUNT): must be at least 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runBinary(t, tt.env, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tt.code, r.stderr)
			}
			for _, w := range tt.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
		})
	}
}

func TestSlowDoesNotWaitForItsNode(t *testing.T) {
	r := runBinary(t, nil, "slow", "--sleep", "30s", "--no-verbose")
	if r.code != 61 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if r.elapsed > 15*time.Second {
		t.Fatalf("took %v: the run waited for logic that ignores its context", r.elapsed)
	}
}

func TestResultFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "result.json")
	r := runBinary(t, nil, "etl", "--min-age", "50", "--result-file", path)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res fxruntime.Result
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	last := res.Last()
	if res.Workflow != "etl" || res.Version != "2.1.0" || res.Status != fxruntime.Completed || len(last.Nodes) != 4 {
		t.Fatalf("result: %+v", res)
	}
	var transform struct {
		Users   []struct{ Name string }
		Dropped int
	}
	if err := json.Unmarshal(last.Nodes["transform"][0].Output.(json.RawMessage), &transform); err != nil {
		t.Fatal(err)
	}
	if len(transform.Users) != 4 || transform.Dropped != 2 || transform.Users[0].Name != "Grace Hopper" {
		t.Fatalf("transform output: %+v", transform)
	}
	if !strings.Contains(string(data), `"status": "COMPLETED"`) || !strings.Contains(string(data), `"run_id"`) {
		t.Fatalf("result JSON:\n%s", data)
	}
}

// TestProgressInTmux runs the command in a real terminal (tmux) and reads
// the screen the way a person would.
func TestProgressInTmux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("tmux test runs on linux")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("FLUXLY_REQUIRE_TMUX") == "1" {
			t.Fatal("tmux is required (FLUXLY_REQUIRE_TMUX=1) but not installed")
		}
		t.Skip("tmux not installed")
	}
	session := "fluxly-progress-" + strings.ReplaceAll(t.Name(), "/", "-")
	tmux := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("tmux", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	script := "cd " + root + " && " + binary + " etl --no-verbose; " + binary + " slow --sleep 5s --no-verbose; echo DONE; sleep 30"
	tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", "sh", "-c", script)
	defer exec.Command("tmux", "kill-session", "-t", session).Run()

	var screen string
	sawRunning := false
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		screen = tmux("capture-pane", "-p", "-t", session)
		if strings.Contains(screen, "work") && strings.Contains(screen, "running") {
			sawRunning = true
		}
		if strings.Contains(screen, "DONE") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(screen, "DONE") {
		t.Fatalf("the commands did not finish:\n%s", screen)
	}
	for _, want := range []string{"etl · run ", "✓ extract", "✓ transform", "✓ load", "✓ audit", "slow · run ", "✗ work", "timed out"} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, screen)
		}
	}
	if !sawRunning {
		t.Errorf("never saw the slow node running:\n%s", screen)
	}
	// The block is redrawn in place: each node line appears once.
	if n := strings.Count(screen, "✓ extract"); n != 1 {
		t.Errorf("the extract line appears %d times; the block should update in place:\n%s", n, screen)
	}
}

// BenchmarkColdStart measures the wall time of whole processes with an
// empty TMPDIR (cold) or a reused one (warm): cmd/fluxly, and the run-only
// binary of the examples (examples/runonly) that has no docs commands. It
// fails if the run-only binary writes anything to TMPDIR.
func BenchmarkColdStart(b *testing.B) {
	dir := b.TempDir()
	runonly := filepath.Join(dir, "runonly")
	if out, err := exec.Command("go", "build", "-o", runonly, "../../examples/runonly").CombinedOutput(); err != nil {
		b.Fatalf("%v\n%s", err, out)
	}
	cases := []struct {
		name, bin string
		args      []string
		warm      bool
	}{
		{"runonly/echo-msg/cold", runonly, []string{"echo-msg", "--count", "1", "--no-verbose"}, false},
		{"runonly/help/cold", runonly, []string{"--help"}, false},
		{"fluxly/echo-msg/cold", binary, []string{"echo-msg", "--count", "1", "--no-verbose"}, false},
		{"fluxly/help/cold", binary, []string{"--help"}, false},
		{"fluxly/echo-msg/warm", binary, []string{"echo-msg", "--count", "1", "--no-verbose"}, true},
		{"fluxly/help/warm", binary, []string{"--help"}, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			warmDir := b.TempDir()
			var written int
			for b.Loop() {
				tmp := warmDir
				if !c.warm {
					b.StopTimer()
					tmp = b.TempDir()
					b.StartTimer()
				}
				cmd := exec.Command(c.bin, c.args...)
				cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TMPDIR=" + tmp, "FLUXLY_DATA_DIR=" + filepath.Join(warmDir, "data")}
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v\n%s", err, out)
				}
				if !c.warm {
					b.StopTimer()
					entries, _ := os.ReadDir(tmp)
					written += len(entries)
					b.StartTimer()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/run")
			if strings.HasPrefix(c.name, "runonly") && written > 0 {
				b.Fatalf("the run-only binary wrote %d entries to TMPDIR", written)
			}
		})
	}
}

func TestSIGTERMCancelsTheRun(t *testing.T) {
	cmd := exec.Command(binary, "branching", "--delay", "20s", "--no-verbose")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TMPDIR=" + tmpdir, "FLUXLY_DATA_DIR=" + filepath.Join(tmpdir, "data")}
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Signal once the run is under way (the process handles SIGTERM from
	// main on; before that, its package init may still be running).
	var stderr bytes.Buffer
	started := make(chan struct{})
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(pipe)
		once := false
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			if !once && strings.Contains(sc.Text(), "node started") {
				once = true
				close(started)
			}
		}
	}()
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("the run did not start")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-copied
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 62 {
		t.Fatalf("exit %v, want 62 (CANCELLED)\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "status=CANCELLED code=62") {
		t.Fatalf("stderr:\n%s", stderr.String())
	}
}

// startRun starts a long run in the background with the run store in dir,
// and waits until the store shows it running. It returns the process and
// the run's id.
func startRun(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	// Ten seconds of work, with no node timeout to end it first.
	cmd := exec.Command(binary, "echo-msg", "--count", "100", "--mode", "slow", "--no-verbose")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TMPDIR=" + tmpdir, "FLUXLY_DATA_DIR=" + dir}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		r := runBinary(t, []string{"FLUXLY_DATA_DIR=" + dir}, "runs", "list", "--format", "json")
		var page struct {
			Runs []struct {
				RunID  string `json:"run_id"`
				Status string `json:"status"`
			} `json:"runs"`
		}
		if json.Unmarshal([]byte(r.stdout), &page) == nil && len(page.Runs) == 1 && page.Runs[0].Status == "IN_PROGRESS" {
			return cmd, page.Runs[0].RunID
		}
	}
	t.Fatal("the run never showed as IN_PROGRESS in the store")
	return nil, ""
}

// A command-line run whose process is killed is recorded as interrupted
// by the next command that reads the store.
func TestKilledRunIsRecordedInterrupted(t *testing.T) {
	dir := t.TempDir()
	cmd, id := startRun(t, dir)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	r := runBinary(t, []string{"FLUXLY_DATA_DIR=" + dir}, "runs", "show", id, "--format", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"status":"INFRASTRUCTURE_ERROR"`) || !strings.Contains(r.stdout, `"type":"interrupted"`) {
		t.Fatalf("runs show after kill -9: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Its only node was in flight: the text says no attempt ended rather
	// than print an empty table.
	r = runBinary(t, []string{"FLUXLY_DATA_DIR=" + dir}, "runs", "show", id)
	if r.code != 0 || !strings.Contains(r.stdout, "interrupted") || !strings.Contains(r.stdout, "No node attempt ended") || strings.Contains(r.stdout, "NODE") {
		t.Fatalf("runs show (text) after kill -9: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// runs cancel stops a run that another process is running.
func TestRunsCancelAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	cmd, id := startRun(t, dir)
	r := runBinary(t, []string{"FLUXLY_DATA_DIR=" + dir}, "runs", "cancel", id)
	if r.code != 0 {
		t.Fatalf("runs cancel: exit %d\n%s", r.code, r.stderr)
	}
	t.Logf("runs cancel: %s", r.stdout)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 62 {
		t.Fatalf("exit %v, want 62 (CANCELLED)", err)
	}
	r = runBinary(t, []string{"FLUXLY_DATA_DIR=" + dir}, "runs", "show", id, "--format", "json")
	if !strings.Contains(r.stdout, `"status":"CANCELLED"`) {
		t.Errorf("the record after the cancellation:\n%s", r.stdout)
	}
}
