package temporal_test

import (
	"context"
	"fmt"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/endpoint"
	"github.com/fluxly-go/fluxly/runtime"
	"github.com/fluxly-go/fluxly/temporal"
	"github.com/fluxly-go/fluxly/temporal/internal/testflows"
)

// BenchmarkChain runs the 20-node chain (testflows.Chain: each node adds
// one to its parent's typed output) with the local runtime and through
// Temporal — the dev server and two worker processes on this machine,
// runs submitted by this process's runner, as an app with temporal.Use
// submits them — one run at a time (latency; ns/node is a run's time
// per node) and with 16 runs in flight (throughput, runs/s).
//
//	go test -run '^$' -bench Chain -benchtime 200x .
func BenchmarkChain(b *testing.B) {
	if raceEnabled {
		b.Skip("timings under the race detector mean nothing")
	}
	dir := workDir(b)
	c := newCluster(b, dir)
	c.startWorkers(2)
	local := chainInput(b, fluxly.New(fluxly.Name("bench")))
	remoteApp := fluxly.New(fluxly.Name("bench"), temporal.Use(temporal.Options{
		Client:    client.Options{HostPort: server(b)},
		TaskQueue: "test-" + b.Name(), // the cluster's workers poll it
	}))
	remote := chainInput(b, remoteApp)
	a, _, err := command.AppOf(remoteApp)
	if err != nil {
		b.Fatal(err)
	}
	runLocal := func(ctx context.Context) (*runtime.Result, error) { return local.Run(ctx) }
	runRemote := func(ctx context.Context) (*runtime.Result, error) {
		return a.Run(ctx, remote, command.RunRequest{})
	}
	// One run first, so that connections and worker caches are warm.
	if res, err := runRemote(context.Background()); err != nil || res.Status != runtime.Completed {
		b.Fatalf("warm-up run: %v %+v", err, res)
	}
	for _, bc := range []struct {
		name     string
		run      func(context.Context) (*runtime.Result, error)
		parallel int
	}{
		{"local/serial", runLocal, 0},
		{"temporal/serial", runRemote, 0},
		{"local/16-in-flight", runLocal, 16},
		{"temporal/16-in-flight", runRemote, 16},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			check := func(res *runtime.Result, err error) {
				if err != nil || res.Status != runtime.Completed {
					b.Errorf("run: %v %+v", err, res)
				}
			}
			cpu0 := c.cpu()
			if bc.parallel == 0 {
				for b.Loop() {
					check(bc.run(ctx))
				}
			} else {
				b.SetParallelism(max(bc.parallel/goruntime.GOMAXPROCS(0), 1))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						check(bc.run(ctx))
					}
				})
			}
			elapsed := b.Elapsed()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "runs/s")
			if strings.HasPrefix(bc.name, "temporal") {
				if cpu1 := c.cpu(); cpu1[0] > 0 {
					b.ReportMetric((cpu1[0]-cpu0[0])*1000/float64(b.N), "server-CPU-ms/run")
					b.ReportMetric((cpu1[1]-cpu0[1])*1000/float64(b.N), "workers-CPU-ms/run")
				}
			}
			if bc.parallel == 0 {
				b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N)/testflows.ChainLength, "ns/node")
			}
		})
	}
}

// chainInput is the chain's input, decoded by app.
func chainInput(b *testing.B, app *fluxly.App) *endpoint.Input {
	b.Helper()
	fluxly.Register(app, "chain", testflows.Chain)
	a, _, err := command.AppOf(app)
	if err != nil {
		b.Fatal(err)
	}
	in, err := a.Endpoints.Get("chain").DecodeJSON([]byte(`{"verbose": false}`))
	if err != nil {
		b.Fatal(err)
	}
	return in
}

// cpu returns the CPU seconds (user and system) the dev server and the
// workers have used so far, from /proc; zeros where it cannot be read.
func (c *cluster) cpu() [2]float64 {
	var out [2]float64
	out[0] = procCPU(srv.cmd.Process.Pid)
	for _, w := range c.workers {
		out[1] += procCPU(w.cmd.Process.Pid)
	}
	return out
}

func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndex(s, ")")+2:])
	if len(f) < 13 {
		return 0
	}
	user, _ := strconv.ParseFloat(f[11], 64)
	system, _ := strconv.ParseFloat(f[12], 64)
	return (user + system) / 100 // clock ticks: USER_HZ is 100 on Linux
}
