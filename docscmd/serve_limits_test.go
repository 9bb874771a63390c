package docscmd

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/internal/httpapi"
	"github.com/fluxly-go/fluxly/site"
)

// The limits of docs serve's server, tested on a real listener on
// 127.0.0.1 with short timeouts (the defaults are the HTTP API's).

func TestServerLimitsAreTheAPIs(t *testing.T) {
	want := serverLimits{
		readHeader:     httpapi.DefaultReadHeaderTimeout,
		read:           httpapi.DefaultReadTimeout,
		write:          httpapi.DefaultWriteTimeout,
		idle:           httpapi.DefaultIdleTimeout,
		maxHeaderBytes: httpapi.DefaultMaxHeaderBytes,
	}
	if docsServerLimits != want {
		t.Errorf("docs serve limits %+v, want the HTTP API's %+v", docsServerLimits, want)
	}
}

// testLimits are short enough for a test to wait them out.
var testLimits = serverLimits{
	readHeader:     150 * time.Millisecond,
	read:           300 * time.Millisecond,
	write:          200 * time.Millisecond,
	idle:           150 * time.Millisecond,
	maxHeaderBytes: 4 << 10,
}

// startServer serves a live site of one page under l on 127.0.0.1 and
// returns its address and the live site.
func startServer(t *testing.T, l serverLimits) (string, *liveSite, func(string)) {
	t.Helper()
	page := make(chan string, 1)
	page <- "one"
	current := "one"
	live := newLiveSite(l.write, func(context.Context) ([]site.File, error) {
		select {
		case current = <-page:
		default:
		}
		return []site.File{{Path: "index.html", Data: []byte("<!DOCTYPE html><head></head><p>" + current + "</p>")}}, nil
	})
	if err := live.rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(live, l)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		live.closeStreams()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	})
	set := func(text string) {
		page <- text
		if err := live.rebuild(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return ln.Addr().String(), live, set
}

// waitClosed reads conn until the server closes it and returns how long
// that took and what was read.
func waitClosed(t *testing.T, conn net.Conn, within time.Duration) (time.Duration, string) {
	t.Helper()
	start := time.Now()
	_ = conn.SetReadDeadline(start.Add(within)) // a bound on a failing test, not a wait
	var got strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		got.Write(buf[:n])
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the server kept the connection open for %v (read so far: %q)", within, got.String())
		}
		return time.Since(start), got.String() // EOF or reset: closed
	}
}

// A client dribbling its headers byte by byte is cut off at the read
// header timeout, whatever it still sends.
func TestServeSlowLoris(t *testing.T) {
	addr, _, _ := startServer(t, testLimits)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		// The slow client: one byte of headers every 10ms, for ever.
		head := "GET /index.html HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 1<<16)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for i := 0; i < len(head); i++ {
			if _, err := conn.Write([]byte{head[i]}); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	took, got := waitClosed(t, conn, 10*time.Second)
	if strings.Contains(got, "200 OK") {
		t.Errorf("the slow client was answered: %q", got)
	}
	if took > testLimits.readHeader+2*time.Second {
		t.Errorf("closed after %v, want about the read header timeout (%v)", took, testLimits.readHeader)
	}
	t.Logf("slow-loris connection closed after %v (read header timeout %v); server wrote %q", took, testLimits.readHeader, got)
}

// An idle keep-alive connection is closed after the idle timeout.
func TestServeIdleTimeout(t *testing.T) {
	addr, _, _ := startServer(t, testLimits)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Close || !strings.Contains(string(body), "one") {
		t.Fatalf("first request: %s, close=%v, %q", resp.Status, resp.Close, body)
	}
	// The connection is now idle, kept alive; the server must close it.
	took, rest := waitClosed(t, conn, 10*time.Second)
	if rest != "" || br.Buffered() > 0 {
		t.Errorf("unexpected bytes on the idle connection: %q", rest)
	}
	if took > testLimits.idle+2*time.Second {
		t.Errorf("closed after %v, want about the idle timeout (%v)", took, testLimits.idle)
	}
	t.Logf("idle connection closed after %v (idle timeout %v)", took, testLimits.idle)
}

// Headers over the limit are refused.
func TestServeMaxHeaderBytes(t *testing.T) {
	addr, _, _ := startServer(t, testLimits)
	req, _ := http.NewRequest("GET", "http://"+addr+"/index.html", nil)
	req.Header.Set("X-Big", strings.Repeat("b", testLimits.maxHeaderBytes+8192))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a request with %d bytes of headers: %s, want 431", testLimits.maxHeaderBytes+8192, resp.Status)
	}
}

// The live-reload stream outlives the write timeout: heartbeats and
// events extend its deadline, and a rebuild still arrives after several
// write timeouts.
func TestServeEventsOutliveWriteTimeout(t *testing.T) {
	addr, live, set := startServer(t, testLimits)
	resp, err := http.Get("http://" + addr + liveEvents)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events: Content-Type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	next := func() string {
		t.Helper()
		for sc.Scan() {
			if line := sc.Text(); line != "" {
				return line
			}
		}
		t.Fatalf("the event stream ended: %v", sc.Err())
		return ""
	}
	first := live.id
	for line := next(); line != "data: "+first; line = next() {
	}
	// Heartbeats until three write timeouts have passed: each is a
	// signal that the stream is still open.
	start := time.Now()
	beats := 0
	for time.Since(start) < 3*testLimits.write {
		if line := next(); strings.HasPrefix(line, ": heartbeat") {
			beats++
		}
	}
	set("two")
	for line := next(); line != "data: "+live.id; line = next() {
	}
	if live.id == first {
		t.Fatal("the rebuild did not change the build id")
	}
	t.Logf("stream open %v (write timeout %v) with %d heartbeats, then got the new build", time.Since(start), testLimits.write, beats)
}
