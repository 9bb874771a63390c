package httpapi_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/internal/cli"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/httpapi"
)

var listeningRE = regexp.MustCompile(`listening on (http://[^\s"]+)`)

// mainResult is what cli.Main returned.
type mainResult struct {
	code   int
	stderr *syncBuffer
}

// startMain runs cli.Main with the serve command in the background and
// returns the served base URL once it is listening (or the exit, if it
// ended first), and a stop func that cancels it and waits for its result.
func startMain(t *testing.T, args, env []string, docs http.Handler) (base string, stop func() mainResult) {
	t.Helper()
	stderr := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	app := appOf(newApp(nil))
	if docs != nil {
		app.Docs = func(context.Context, *command.Env) (http.Handler, error) { return docs, nil }
	}
	go func() {
		done <- cli.Main(ctx, app, []command.Command{httpapi.Command()}, args, append(env[:len(env):len(env)], "FLUXLY_DATA_DIR="+t.TempDir()), io.Discard, stderr)
	}()
	stop = func() mainResult {
		cancel()
		select {
		case code := <-done:
			return mainResult{code, stderr}
		case <-time.After(30 * time.Second):
			t.Fatalf("cli.Main did not return:\n%s", stderr)
		}
		return mainResult{}
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		line, _, _ := strings.Cut(stderr.String(), "\n")
		if m := listeningRE.FindStringSubmatch(line); m != nil {
			return m[1], stop
		}
		select {
		case code := <-done:
			cancel()
			return "", func() mainResult { return mainResult{code, stderr} }
		case <-time.After(5 * time.Millisecond):
		}
	}
	r := stop()
	t.Fatalf("no listening line; exit %d, stderr:\n%s", r.code, r.stderr)
	return "", nil
}

func get(t *testing.T, url string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeCommand(t *testing.T) {
	tests := []struct {
		name       string
		args, env  []string
		check      func(t *testing.T, base string)
		wantPrefix string // of the base URL
	}{
		{
			name:       "flags",
			args:       []string{"serve", "--host", "127.0.0.1", "--port", "0", "--workers", "2", "--queue", "4", "--history", "8", "--max-body", "64", "--grace", "1s", "--log-format", "text"},
			wantPrefix: "http://127.0.0.1:",
			check: func(t *testing.T, base string) {
				tr := &http.Transport{}
				defer tr.CloseIdleConnections()
				resp, err := (&http.Client{Transport: tr}).Post(base+"/echo-msg/run", "application/json", strings.NewReader(`{"message":"`+strings.Repeat("x", 64)+`"}`))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusRequestEntityTooLarge {
					t.Errorf("--max-body 64: a 80-byte body got %d", resp.StatusCode)
				}
			},
		},
		{
			name:       "environment",
			args:       []string{"serve"},
			env:        []string{"FLUXLY_HOST=127.0.0.1", "FLUXLY_PORT=0", "FLUXLY_GRACE=1s", "FLUXLY_API_TOKEN=t0ken"},
			wantPrefix: "http://127.0.0.1:",
			check: func(t *testing.T, base string) {
				if code, body := get(t, base+"/health", nil); code != 200 || body != `{"status":"ok"}`+"\n" {
					t.Errorf("/health: %d %s", code, body)
				}
				if code, _ := get(t, base+"/runs", nil); code != http.StatusUnauthorized {
					t.Errorf("/runs without the token: %d", code)
				}
				if code, _ := get(t, base+"/runs", map[string]string{"Authorization": "Bearer t0ken"}); code != http.StatusOK {
					t.Errorf("/runs with the token: %d", code)
				}
			},
		},
		{
			name:       "serve is the default command",
			env:        []string{"FLUXLY_PORT=0"},
			wantPrefix: "http://127.0.0.1:",
			check: func(t *testing.T, base string) {
				if code, _ := get(t, base+"/openapi.json", nil); code != 200 {
					t.Errorf("/openapi.json: %d", code)
				}
			},
		},
		{
			name:       "IPv6 loopback",
			args:       []string{"serve", "--host", "::1", "--port", "0"},
			wantPrefix: "http://[::1]:",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, stop := startMain(t, tt.args, tt.env, nil)
			if base == "" {
				r := stop()
				if strings.Contains(tt.name, "IPv6") {
					t.Skipf("no IPv6 loopback here: %s", r.stderr)
				}
				t.Fatalf("exit %d before listening:\n%s", r.code, r.stderr)
			}
			if !strings.HasPrefix(base, tt.wantPrefix) {
				t.Errorf("listening on %s, want %s…", base, tt.wantPrefix)
			}
			if tt.check != nil {
				tt.check(t, base)
			}
			if r := stop(); r.code != 0 {
				t.Errorf("exit %d, want 0:\n%s", r.code, r.stderr)
			}
		})
	}
}

func TestServeCommandUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--port", "70000"}, "fluxly-test serve: --port 70000 is not a port (0–65535)\n"},
		{[]string{"serve", "--port", "0", "--workers=-1"}, "fluxly-test serve: --workers -1 must be at least 1\n"},
		{[]string{"serve", "--port", "0", "--queue=0"}, "fluxly-test serve: --queue 0 must be at least 1\n"},
		{[]string{"serve", "--port", "0", "--history", "0"}, "fluxly-test serve: --history 0 must be at least 1\n"},
		{[]string{"serve", "--port", "0", "--max-body", "0"}, "fluxly-test serve: --max-body 0 must be at least 1\n"},
		{[]string{"serve", "--port", "0", "--grace", "0s"}, "fluxly-test serve: --grace 0s must be positive (1ms cancels runs at once)\n"},
	}
	for _, tt := range tests {
		stderr := &syncBuffer{}
		code := cli.Main(context.Background(), appOf(newApp(nil)), []command.Command{httpapi.Command()}, tt.args, nil, io.Discard, stderr)
		if code != command.ExitUsage || stderr.String() != tt.want {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", tt.args, code, stderr, command.ExitUsage, tt.want)
		}
	}
}

// A docs tool command's handler is served under /docs/.
func TestServeCommandMountsDocs(t *testing.T) {
	docs := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "docs page %s", r.URL.Path) })
	base, stop := startMain(t, []string{"serve", "--port", "0"}, nil, docs)
	if base == "" {
		r := stop()
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	if code, body := get(t, base+"/docs/echo-msg.html", nil); code != 200 || body != "docs page /echo-msg.html" {
		t.Errorf("/docs/echo-msg.html: %d %q", code, body)
	}
	if r := stop(); r.code != 0 {
		t.Errorf("exit %d:\n%s", r.code, r.stderr)
	}
}

// process is a fluxly binary serving on a free port.
type process struct {
	cmd    *exec.Cmd
	base   string
	stderr *syncBuffer
	exited chan error
}

// startProcess runs bin serve --port 0 args... and waits for its
// listening line.
func startProcess(t testing.TB, bin string, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--port", "0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			fmt.Fprintln(p.stderr, sc.Text())
			if !found && listeningRE.MatchString(sc.Text()) {
				lines <- sc.Text()
				found = true
			}
		}
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	select {
	case line := <-lines:
		p.base = listeningRE.FindStringSubmatch(line)[1]
	case err := <-p.exited:
		t.Fatalf("%s exited before listening: %v\n%s", bin, err, p.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not listen:\n%s", bin, p.stderr)
	}
	return p
}

func (p *process) post(t *testing.T, path, body string) httpapi.Record {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Post(p.base+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
	}
	return decodeRecord(t, b)
}

func (p *process) record(t *testing.T, id string) httpapi.Record {
	t.Helper()
	code, body := get(t, p.base+"/runs/"+id, nil)
	if code != 200 {
		t.Fatalf("GET /runs/%s: %d %s", id, code, body)
	}
	return decodeRecord(t, []byte(body))
}

// kill ends the process with SIGKILL and waits for it.
func (p *process) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// terminate sends SIGTERM and waits for a clean exit.
func (p *process) terminate(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v, want status 0\n%s", err, p.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no exit 30s after SIGTERM:\n%s", p.stderr)
	}
}

// finalStatus returns the status the process logged for a run.
func (p *process) finalStatus(t *testing.T, id string) string {
	t.Helper()
	for _, l := range p.stderr.logLines(t) {
		if l["msg"] == "run finished" && l["run_id"] == id {
			return l["status"].(string)
		}
	}
	return ""
}

// testSIGTERM submits a run, waits until it is IN_PROGRESS, sends SIGTERM,
// and checks that the process exits 0 with the run's record terminal:
// cancelled when the grace period is shorter than the run, completed when
// it is longer. Nothing is left IN_PROGRESS.
func testSIGTERM(t *testing.T, bin string, env []string) {
	tests := []struct {
		name, grace, endpoint, body, want string
	}{
		{"short grace cancels", "200ms", "slow", `{"sleep":"3s"}`, "CANCELLED"},
		{"long grace completes", "20s", "echo-msg", `{"mode":"slow","count":4}`, "COMPLETED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startProcess(t, bin, env, "--grace", tt.grace)
			rec := p.post(t, "/"+tt.endpoint+"/run", tt.body)
			deadline := time.Now().Add(10 * time.Second)
			for p.record(t, rec.RunID).Status.String() != "IN_PROGRESS" {
				if time.Now().After(deadline) {
					t.Fatal("the run never started")
				}
				time.Sleep(5 * time.Millisecond)
			}
			p.terminate(t)
			if got := p.finalStatus(t, rec.RunID); got != tt.want {
				t.Errorf("run %s ended %q, want %s\n%s", rec.RunID, got, tt.want, p.stderr)
			}
			var complete bool
			for _, l := range p.stderr.logLines(t) {
				if l["msg"] == "shutdown complete" {
					complete = fmt.Sprint(l["runs"]) == fmt.Sprintf("map[%s:1]", tt.want)
				}
			}
			if !complete {
				t.Errorf("no shutdown summary with the run %s:\n%s", tt.want, p.stderr)
			}
		})
	}
}

// TestServeSubprocess runs this test binary as a fluxly app with the serve
// command wired in (see TestMain), on a real listener.
func TestServeSubprocess(t *testing.T) {
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	testSIGTERM(t, bin, []string{serveEnv + "=1"})
}

// TestFluxlyBinary does the same with cmd/fluxly.
func TestFluxlyBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/fluxly")
	}
	bin := filepath.Join(t.TempDir(), "fluxly")
	build := exec.Command("go", "build", "-o", bin, "github.com/fluxly-go/fluxly/cmd/fluxly")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/fluxly: %v\n%s", err, out)
	}
	testSIGTERM(t, bin, nil)
}
