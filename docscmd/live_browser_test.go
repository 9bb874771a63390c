package docscmd_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestBrowserLiveReload runs `docs serve --pages DIR` in-process, opens a
// page of DIR in headless Chromium, changes its Markdown, and waits for the
// open page to reload with the new text; then it waits for the reloaded
// page's stream to announce the build it came from, and checks the page
// did not reload again. Skipped without Chromium unless
// FLUXLY_REQUIRE_CHROMIUM=1.
func TestBrowserLiveReload(t *testing.T) {
	chromium := ""
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		if os.Getenv("FLUXLY_REQUIRE_CHROMIUM") == "1" {
			t.Fatal("FLUXLY_REQUIRE_CHROMIUM=1 but Chromium is not installed")
		}
		t.Skip("Chromium is not installed (apt-get install -y chromium)")
	}
	pages := t.TempDir()
	md := filepath.Join(pages, "start.md")
	if err := os.WriteFile(md, []byte("# Getting started\n\nFirst text.\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// docs serve, in-process; its address comes from its first line.
	app := newApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &lineWatcher{want: "serving the docs at ", found: make(chan string, 1)}
	code := make(chan int, 1)
	go func() {
		code <- app.Main(ctx, []string{"docs", "serve", "--addr", "127.0.0.1:0", "--pages", pages}, []string{"FLUXLY_SVG_CACHE=" + t.TempDir()}, &bytes.Buffer{}, stderr)
	}()
	var base string
	select {
	case rest := <-stderr.found:
		base, _, _ = strings.Cut(rest, " ")
	case c := <-code:
		t.Fatalf("docs serve exited %d: %s", c, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("docs serve did not start: %s", stderr.String())
	}
	defer func() {
		cancel()
		select {
		case c := <-code:
			if c != 0 {
				t.Errorf("docs serve exited %d: %s", c, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("docs serve did not stop")
		}
	}()

	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.UserDataDir(t.TempDir()))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	// What the page does: its loads, and the build ids its event stream
	// delivers.
	var mu sync.Mutex
	loads := 0
	loaded := make(chan bool, 16)
	type message struct{ stream, build string }
	builds := make(chan message, 256)
	var problems []string
	if err := chromedp.Listen(bctx, func(ev any) {
		switch ev := ev.(type) {
		case *page.EventLoadEventFired:
			mu.Lock()
			loads++
			mu.Unlock()
			select {
			case loaded <- true:
			default:
			}
		case *network.EventEventSourceMessageReceived:
			if ev.EventName == "build" {
				select {
				case builds <- message{string(ev.RequestID), ev.Data}:
				default:
				}
			}
		case *network.EventResponseReceived:
			if ev.Response != nil && ev.Response.Status >= 400 {
				mu.Lock()
				problems = append(problems, ev.Response.URL+": "+ev.Response.StatusText)
				mu.Unlock()
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, stop := context.WithTimeout(bctx, 30*time.Second)
		defer stop()
		if err := chromedp.Do(c, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(s string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](`document.querySelector("#content") && document.querySelector("#content").textContent.includes(`+jsString(s)+`)`,
			chromedp.WithPollingTimeout(30*time.Second))
	}
	buildOfPage := func() string {
		t.Helper()
		c, stop := context.WithTimeout(bctx, 10*time.Second)
		defer stop()
		id, err := chromedp.Run(c, chromedp.Evaluate[string](`document.querySelector("script[data-build]").dataset.build`))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	// announced waits until a stream other than old delivers id, and
	// returns that stream.
	announced := func(id, old string) string {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			select {
			case got := <-builds:
				if got.build == id && got.stream != old {
					return got.stream
				}
			case <-deadline:
				t.Fatalf("the page's event stream never announced build %s", id)
			}
		}
	}

	do("opening the page", chromedp.Navigate(base+"pages/start.html"), text("First text."))
	first := buildOfPage()
	stream := announced(first, "") // connected, and told the build it came from

	if err := os.WriteFile(md, []byte("# Getting started\n\nSecond text, longer.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case <-loaded: // the first load
	default:
	}
	select {
	case <-loaded:
	case <-time.After(30 * time.Second):
		t.Fatal("the open page did not reload after its Markdown changed")
	}
	do("reading the reloaded page", text("Second text, longer."))
	second := buildOfPage()
	if second == first {
		t.Fatal("the reloaded page carries the old build id")
	}
	// The reloaded page's stream announces its own build: it has nothing
	// to reload for. A round trip through the page after that runs in the
	// same document.
	announced(second, stream)
	do("round trip", text("Second text, longer."))
	mu.Lock()
	defer mu.Unlock()
	if loads != 2 {
		t.Errorf("the page loaded %d times, want 2 (opened, reloaded once)", loads)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// lineWatcher is a writer that sends what follows want on the first line
// that has it.
type lineWatcher struct {
	want  string
	found chan string
	mu    sync.Mutex
	buf   bytes.Buffer
	done  bool
}

func (w *lineWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.done {
		for line := range strings.SplitSeq(w.buf.String(), "\n") {
			if _, rest, ok := strings.Cut(line, w.want); ok {
				w.done = true
				w.found <- rest
				break
			}
		}
	}
	return len(p), nil
}

func (w *lineWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
