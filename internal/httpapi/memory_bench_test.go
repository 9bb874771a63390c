package httpapi_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The memory reproductions of the durable-runs issue, against a server
// process (this test binary serving the examples, with its run store in a
// temporary directory), reporting the server's resident set size. Run
// with -benchtime 1x: each iteration is the whole scenario.
//
//	go test ./internal/httpapi -run '^$' -bench 'Memory' -benchtime 1x

// rssMiB reads a process's resident set size from /proc (Linux).
func rssMiB(b *testing.B, pid int) float64 {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.Fields(rest)[0])
			return float64(kb) / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

func startBenchServer(b *testing.B, args ...string) *process {
	b.Helper()
	return startProcess(b, os.Args[0], []string{serveEnv + "=1", "FLUXLY_DATA_DIR=" + b.TempDir()}, append([]string{"--log-level", "warn"}, args...)...)
}

// BenchmarkMemoryStalledBodies opens 1,000 connections that declare a
// 1 MiB body and send none of it: the server must not allocate what was
// only declared.
func BenchmarkMemoryStalledBodies(b *testing.B) {
	for b.Loop() {
		p := startBenchServer(b)
		pid := p.cmd.Process.Pid
		before := rssMiB(b, pid)
		host := strings.TrimPrefix(p.base, "http://")
		var conns []net.Conn
		for range 1000 {
			c, err := net.Dial("tcp", host)
			if err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(c, "POST /echo-msg/run HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n{", host)
			conns = append(conns, c)
		}
		// Every connection is in its handler once the server answers a
		// request sent after them all.
		if code, _ := getB(b, p.base+"/health"); code != 200 {
			b.Fatalf("health %d", code)
		}
		time.Sleep(time.Second) // let the handlers reach their reads
		after := rssMiB(b, pid)
		b.ReportMetric(before, "rss-before-MiB")
		b.ReportMetric(after, "rss-stalled-MiB")
		for _, c := range conns {
			c.Close()
		}
		p.kill()
	}
}

// BenchmarkMemoryLargeInputs submits 1,500 runs of echo-msg with a 1 MB
// tag each, then lists 1,000 runs: records keep inputs up to a limit, the
// store evicts by bytes, and a list page is bounded by bytes.
func BenchmarkMemoryLargeInputs(b *testing.B) {
	tag := strings.Repeat("x", 1_000_000)
	body := `{"count": 1, "tags": ["` + tag + `"]}`
	for b.Loop() {
		p := startBenchServer(b, "--workers", "4", "--queue", "64")
		pid := p.cmd.Process.Pid
		before := rssMiB(b, pid)
		client := &http.Client{Timeout: 60 * time.Second}
		var wg sync.WaitGroup
		work := make(chan int)
		var peak float64
		var mu sync.Mutex
		for range 8 {
			wg.Go(func() {
				for range work {
					for {
						resp, err := client.Post(p.base+"/echo-msg/run", "application/json", strings.NewReader(body))
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode == http.StatusAccepted {
							break
						}
						if resp.StatusCode != http.StatusTooManyRequests {
							b.Errorf("POST: %d", resp.StatusCode)
							return
						}
						time.Sleep(5 * time.Millisecond) // queue full: back off
					}
				}
			})
		}
		start := time.Now()
		for i := range 1500 {
			work <- i
			if i%100 == 0 {
				r := rssMiB(b, pid)
				mu.Lock()
				peak = max(peak, r)
				mu.Unlock()
			}
		}
		close(work)
		wg.Wait()
		submitted := time.Since(start)
		afterSubmit := rssMiB(b, pid)
		code, list := getB(b, p.base+"/runs?limit=1000")
		if code != 200 {
			b.Fatalf("list: %d", code)
		}
		afterList := rssMiB(b, pid)
		b.ReportMetric(before, "rss-before-MiB")
		b.ReportMetric(max(peak, afterSubmit), "rss-peak-submit-MiB")
		b.ReportMetric(afterList, "rss-after-list-MiB")
		b.ReportMetric(float64(len(list))/(1<<20), "list-page-MiB")
		b.ReportMetric(submitted.Seconds(), "submit-s")
		p.kill()
	}
}

func getB(b *testing.B, u string) (int, string) {
	b.Helper()
	if _, err := url.Parse(u); err != nil {
		b.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Get(u)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(bufio.NewReader(resp.Body))
	return resp.StatusCode, string(data)
}
