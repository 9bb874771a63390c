// Command httpload measures the HTTP API on loopback. It has two halves,
// meant to run as two processes on the same machine:
//
//	httpload -listen 127.0.0.1:8000 [-data-dir DIR|off] [-workers 16 -queue 1024 -history 10000]
//
// serves the bundled examples (package httpapi; logs discarded, or written
// as JSON to -log FILE) until
// SIGINT/SIGTERM; SIGUSR1 prints the heap after a GC, as does the exit.
//
//	httpload -url http://127.0.0.1:8000 -mode get|submit [-c 32] [-d 10s | -n 100000] [-rate 0]
//
// loads it: "get" polls GET /runs/{id} of one finished run, "submit" posts
// -body to POST /{endpoint}/run. With -rate 0 each of -c connections sends
// its next request as soon as the last one is answered (closed loop); with
// -rate R requests are due at R per second and latency counts from when a
// request was due, so a stalled server is not hidden (open loop). It
// prints throughput, the status codes and the latency percentiles.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples"
)

// record is what the load half reads of a run record.
type record struct {
	RunID  string `json:"run_id"`
	Status string `json:"status"`
}

// Terminal reports whether the run has ended.
func (r record) Terminal() bool { return r.Status != "WAITING" && r.Status != "IN_PROGRESS" }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type config struct {
	listen, logPath, dataDir  string
	workers, queue, history   int
	url, mode, endpoint, body string
	conns                     int
	duration                  time.Duration
	total                     int
	rate                      float64
}

func run(args []string, stdout, stderr io.Writer) int {
	var c config
	fs := flag.NewFlagSet("httpload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", "", "serve the bundled examples on this address instead of loading a server")
	fs.StringVar(&c.logPath, "log", "", "server: write the JSON logs (requests, runs) to this file (default: discard them)")
	fs.StringVar(&c.dataDir, "data-dir", "", "server: the run store's directory; off keeps records in memory (default: a temporary directory)")
	fs.IntVar(&c.workers, "workers", 0, "server: Options.Workers (0: default)")
	fs.IntVar(&c.queue, "queue", 0, "server: Options.QueueSize (0: default)")
	fs.IntVar(&c.history, "history", 0, "server: Options.HistorySize (0: default)")
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8000", "load: the server's base URL")
	fs.StringVar(&c.mode, "mode", "get", "load: get (GET /runs/{id}) or submit (POST /{endpoint}/run)")
	fs.StringVar(&c.endpoint, "endpoint", "echo-msg", "load: the endpoint to submit to")
	fs.StringVar(&c.body, "body", "{}", "load: the body to submit")
	fs.IntVar(&c.conns, "c", 32, "load: connections (and requests in flight)")
	fs.DurationVar(&c.duration, "d", 10*time.Second, "load: how long to send requests")
	fs.IntVar(&c.total, "n", 0, "load: send this many requests instead of for -d")
	fs.Float64Var(&c.rate, "rate", 0, "load: requests per second in all (0: as fast as answered)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if c.listen != "" {
		err = serve(ctx, c, stdout)
	} else {
		err = load(ctx, c, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "httpload:", err)
		return 1
	}
	return 0
}

// serve runs the API over the bundled examples: the app's own serve
// command, as users run it.
func serve(ctx context.Context, c config, stdout io.Writer) error {
	app := fluxly.New(fluxly.Name("httpload"))
	examples.Register(app)
	var logs io.Writer = io.Discard
	if c.logPath != "" {
		f, err := os.Create(c.logPath)
		if err != nil {
			return err
		}
		defer f.Close()
		logs = f
	}
	host, port, err := net.SplitHostPort(c.listen)
	if err != nil {
		return err
	}
	dataDir := c.dataDir
	if dataDir == "" {
		d, err := os.MkdirTemp("", "httpload-data-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dataDir = d
	}
	args := []string{"serve", "--host", host, "--port", port, "--log-format", "json", "--data-dir", dataDir}
	for _, o := range []struct {
		flag string
		v    int
	}{{"--workers", c.workers}, {"--queue", c.queue}, {"--history", c.history}} {
		if o.v > 0 {
			args = append(args, o.flag, strconv.Itoa(o.v))
		}
	}
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	go func() {
		for range usr1 {
			printMemory(stdout, "now")
		}
	}()
	fmt.Fprintf(stdout, "listening on http://%s\n", c.listen)
	code := app.Main(ctx, args, os.Environ(), stdout, logs)
	printMemory(stdout, "after shutdown")
	if code != 0 {
		return fmt.Errorf("serve exited %d", code)
	}
	return nil
}

func printMemory(w io.Writer, when string) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Fprintf(w, "memory %s: heap_alloc=%.1fMiB heap_inuse=%.1fMiB heap_objects=%d sys=%.1fMiB goroutines=%d rss=%s\n",
		when, mib(m.HeapAlloc), mib(m.HeapInuse), m.HeapObjects, mib(m.Sys), runtime.NumGoroutine(), rss())
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// rss reads the resident set size from /proc (Linux).
func rss() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strings.Join(strings.Fields(v), "")
		}
	}
	return "?"
}

// load sends requests and reports what came back.
func load(ctx context.Context, c config, stdout io.Writer) error {
	tr := &http.Transport{MaxIdleConnsPerHost: c.conns, MaxConnsPerHost: c.conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	var newRequest func() (*http.Request, error)
	switch c.mode {
	case "get":
		id, err := finishedRun(ctx, client, c)
		if err != nil {
			return err
		}
		url := c.url + "/runs/" + id
		newRequest = func() (*http.Request, error) { return http.NewRequestWithContext(ctx, "GET", url, nil) }
	case "submit":
		url := c.url + "/" + c.endpoint + "/run"
		newRequest = func() (*http.Request, error) {
			r, err := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(c.body))
			if err == nil {
				r.Header.Set("Content-Type", "application/json")
			}
			return r, err
		}
	default:
		return fmt.Errorf("-mode %q: want get or submit", c.mode)
	}

	// due yields the time each request is due; workers take them in turn.
	due := make(chan time.Time, c.conns)
	start := time.Now()
	end := start.Add(c.duration)
	go func() {
		defer close(due)
		var interval time.Duration
		if c.rate > 0 {
			interval = time.Duration(float64(time.Second) / c.rate)
		}
		for i := 0; c.total == 0 || i < c.total; i++ {
			at := time.Now()
			if interval > 0 {
				at = start.Add(time.Duration(i) * interval)
				if d := time.Until(at); d > 0 {
					time.Sleep(d)
				}
			}
			if c.total == 0 && at.After(end) || ctx.Err() != nil {
				return
			}
			due <- at
		}
	}()

	var (
		mu       sync.Mutex
		lat      []time.Duration
		statuses = map[int]int{}
		failures atomic.Int64
		firstErr atomic.Value
		wg       sync.WaitGroup
	)
	for range c.conns {
		wg.Go(func() {
			local := make([]time.Duration, 0, 1<<16)
			codes := map[int]int{}
			for at := range due {
				req, err := newRequest()
				if err == nil {
					var resp *http.Response
					resp, err = client.Do(req)
					if err == nil {
						_, err = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						codes[resp.StatusCode]++
					}
				}
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				local = append(local, time.Since(at))
			}
			mu.Lock()
			lat = append(lat, local...)
			for k, v := range codes {
				statuses[k] += v
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	var codes []string
	for _, k := range slices.Sorted(maps.Keys(statuses)) {
		codes = append(codes, fmt.Sprintf("%d×%d", k, statuses[k]))
	}
	loop := "closed loop"
	if c.rate > 0 {
		loop = fmt.Sprintf("open loop at %.0f/s", c.rate)
	}
	fmt.Fprintf(stdout, "%s %s, %d connections, %s: %d requests in %s = %.0f req/s; statuses %s; errors %d\n",
		c.mode, c.url, c.conns, loop, len(lat), elapsed.Round(time.Millisecond), float64(len(lat))/elapsed.Seconds(),
		strings.Join(codes, " "), failures.Load())
	fmt.Fprintf(stdout, "latency p50 %s p90 %s p99 %s p99.9 %s max %s\n",
		pct(0.50).Round(time.Microsecond), pct(0.90).Round(time.Microsecond), pct(0.99).Round(time.Microsecond),
		pct(0.999).Round(time.Microsecond), pct(1).Round(time.Microsecond))
	if err, ok := firstErr.Load().(string); ok {
		fmt.Fprintln(stdout, "first error:", err)
	}
	return nil
}

// finishedRun submits one run of the endpoint and waits for its end.
func finishedRun(ctx context.Context, client *http.Client, c config) (string, error) {
	resp, err := client.Post(c.url+"/"+c.endpoint+"/run", "application/json", strings.NewReader(c.body))
	if err != nil {
		return "", err
	}
	var rec record
	err = json.NewDecoder(resp.Body).Decode(&rec)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("submitting a run: %d %v", resp.StatusCode, err)
	}
	for !rec.Terminal() {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		time.Sleep(10 * time.Millisecond)
		resp, err := client.Get(c.url + "/runs/" + rec.RunID)
		if err != nil {
			return "", err
		}
		err = json.NewDecoder(resp.Body).Decode(&rec)
		resp.Body.Close()
		if err != nil {
			return "", errors.New("polling the run: " + err.Error())
		}
	}
	return rec.RunID, nil
}
