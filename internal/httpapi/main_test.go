package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/httpapi"
	"github.com/fluxly-go/fluxly/runtime"
)

// serveEnv makes the test binary act as a fluxly app with the serve
// command wired in, for the subprocess tests (see serve_test.go).
const serveEnv = "HTTPAPI_TEST_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := newApp(nil).Main(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	// Subprocess servers keep their run stores in a directory of this test
	// binary's (each test that starts one sets its own where it matters).
	dir, err := os.MkdirTemp("", "httpapi-test-data-")
	if err != nil {
		panic(err)
	}
	os.Setenv("FLUXLY_DATA_DIR", dir)
	// The slow example's node sleeps past its timeout on purpose, ignoring
	// its context; the runtime returns without it, and it ends later.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/fluxly-go/fluxly/examples/slow.(*Work).Logic"),
		goleak.Cleanup(func(int) { os.RemoveAll(dir) }))
}

// GateInput is the input of the gate workflow.
type GateInput struct {
	runtime.Input
}

// Gate blocks until its release channel is closed, ignoring its context
// like a stuck node: a cancelled run must end CANCELLED all the same.
type Gate struct {
	runtime.Node[GateInput, runtime.NoOutput]
	release <-chan struct{}
}

func (g *Gate) Logic(_ context.Context, x *runtime.Exec[GateInput, runtime.NoOutput]) error {
	gateEntered.Store(x.RunID, true)
	<-g.release
	return nil
}

// gateEntered holds the ids of runs whose gate node's logic has started:
// a run is IN_PROGRESS a moment before its first node is.
var gateEntered sync.Map

// appOf returns the command-line app behind a fluxly app.
func appOf(a *fluxly.App) *command.App {
	app, _, err := command.AppOf(a)
	if err != nil {
		panic(err)
	}
	return app
}

// newApp returns the bundled examples plus, when release is not nil, a
// "gate" endpoint whose runs block until release is closed.
func newApp(release <-chan struct{}, opts ...fluxly.Option) *fluxly.App {
	app := fluxly.New(append([]fluxly.Option{fluxly.Name("fluxly-test"), fluxly.Version("1.2.3")}, opts...)...)
	examples.Register(app)
	if release != nil {
		fluxly.Register(app, "gate", func() *runtime.Workflow[GateInput] {
			wf := runtime.NewWorkflow[GateInput]("gate", runtime.Description("Blocks until released."), runtime.Version("0.1.0"))
			runtime.Add(wf, &Gate{release: release}, runtime.Name("wait"))
			return wf
		})
	}
	return app
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logLines decodes the JSON log lines written so far.
func (b *syncBuffer) logLines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// fixture is a Server over the test app, with its logs and the gate.
type fixture struct {
	*httpapi.Server
	logs    *syncBuffer
	release chan struct{}
	once    sync.Once
}

// open releases every gate run.
func (f *fixture) open() { f.once.Do(func() { close(f.release) }) }

// newFixture starts a Server; its runs are released and drained when the
// test ends.
func newFixture(t *testing.T, opts httpapi.Options) *fixture {
	t.Helper()
	f := &fixture{logs: &syncBuffer{}, release: make(chan struct{})}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewJSONHandler(f.logs, nil))
	}
	s, err := httpapi.New(appOf(newApp(f.release)), opts)
	if err != nil {
		t.Fatal(err)
	}
	f.Server = s
	t.Cleanup(func() {
		f.open()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return f
}

// request is one HTTP request to a handler.
type request struct {
	method, path string
	body         string
	header       map[string]string // Content-Type defaults to application/json when there is a body
}

func do(t *testing.T, h http.Handler, rq request) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	r := httptest.NewRequest(rq.method, rq.path, body)
	if rq.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range rq.header {
		if v == "" {
			r.Header.Del(k)
			continue
		}
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// submit posts body to endpoint and returns the new run's record.
func submit(t *testing.T, h http.Handler, endpoint, body string) httpapi.Record {
	t.Helper()
	w := do(t, h, request{method: "POST", path: "/" + endpoint + "/run", body: body})
	if w.Code != http.StatusAccepted {
		t.Fatalf("POST /%s/run: %d %s", endpoint, w.Code, w.Body)
	}
	return decodeRecord(t, w.Body.Bytes())
}

func decodeRecord(t *testing.T, b []byte) httpapi.Record {
	t.Helper()
	var rec httpapi.Record
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // Record has every field the API sends
	if err := dec.Decode(&rec); err != nil {
		t.Fatalf("decoding a record: %v\n%s", err, b)
	}
	return rec
}

// getRecord fetches a run's record.
func getRecord(t *testing.T, h http.Handler, id string) httpapi.Record {
	t.Helper()
	w := do(t, h, request{method: "GET", path: "/runs/" + id})
	if w.Code != http.StatusOK {
		t.Fatalf("GET /runs/%s: %d %s", id, w.Code, w.Body)
	}
	return decodeRecord(t, w.Body.Bytes())
}

// waitFor polls a run until cond holds for its record.
func waitFor(t *testing.T, h http.Handler, id string, what string, cond func(httpapi.Record) bool) httpapi.Record {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rec := getRecord(t, h, id)
		if cond(rec) {
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s never became %s; last status %s", id, what, rec.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitTerminal(t *testing.T, h http.Handler, id string) httpapi.Record {
	t.Helper()
	return waitFor(t, h, id, "terminal", httpapi.Record.Terminal)
}

// waitRunning waits until the run is IN_PROGRESS and, for a gate run,
// until its node's logic is running.
func waitRunning(t *testing.T, h http.Handler, id string) httpapi.Record {
	t.Helper()
	rec := waitFor(t, h, id, "IN_PROGRESS", func(r httpapi.Record) bool { return r.Status == runtime.InProgress })
	if rec.Endpoint == "gate" {
		deadline := time.Now().Add(10 * time.Second)
		for _, ok := gateEntered.Load(id); !ok; _, ok = gateEntered.Load(id) {
			if time.Now().After(deadline) {
				t.Fatalf("run %s: the gate node never started", id)
			}
			time.Sleep(time.Millisecond)
		}
	}
	return rec
}

var (
	uuidRE     = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`)
	timeRE     = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"`)
	durationRE = regexp.MustCompile(`"duration":"[^"]*"`)
)

// normalize replaces what changes from run to run (ids, times, durations)
// so that a body can be compared byte for byte.
func normalize(body string) string {
	body = uuidRE.ReplaceAllString(body, "RUN_ID")
	body = timeRE.ReplaceAllString(body, `"TIME"`)
	return durationRE.ReplaceAllString(body, `"duration":"DURATION"`)
}

func newJSONLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }
