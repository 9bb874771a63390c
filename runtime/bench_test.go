package runtime_test

import (
	"context"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

type noop struct {
	runtime.Node[In, runtime.NoOutput]
}

func (noop) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { return nil }

// Names are built once, outside the timed loop. Each graph has its own
// workflow name, as a real workflow does: the runtime sizes a rebuilt graph
// from the last graphs of the same name.
func names(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = "n" + itoa(i)
	}
	return s
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	p := len(b)
	for ; i > 0; i /= 10 {
		p--
		b[p] = byte('0' + i%10)
	}
	return string(b[p:])
}

func chainDAG(nm []string) func() *runtime.Workflow[In] {
	return func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("chain-" + itoa(len(nm)))
		var prev *noop
		for _, name := range nm {
			n := runtime.Add(wf, &noop{}, runtime.Name(name))
			if prev != nil {
				wf.AddEdge(prev, n)
			}
			prev = n
		}
		return wf
	}
}

func fanOutDAG(nm []string) func() *runtime.Workflow[In] {
	return func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("fanout-" + itoa(len(nm)))
		root := runtime.Add(wf, &noop{}, runtime.Name(nm[0]))
		for _, name := range nm[1:] {
			wf.AddEdge(root, runtime.Add(wf, &noop{}, runtime.Name(name)))
		}
		return wf
	}
}

// layeredDAG: layers of 100 nodes; each node has 3 parents drawn from the
// previous layer (fixed seed).
func layeredDAG(nm []string) func() *runtime.Workflow[In] {
	const width = 100
	parents := layeredParents(len(nm), width)
	return func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("layered-" + itoa(len(nm)))
		nodes := make([]*noop, len(nm))
		for i, name := range nm {
			nodes[i] = runtime.Add(wf, &noop{}, runtime.Name(name))
			if i >= width {
				for _, p := range parents[i] {
					wf.AddEdge(nodes[p], nodes[i])
				}
			}
		}
		return wf
	}
}

// layeredParents draws 3 distinct parents in the previous layer for every
// node after the first layer.
func layeredParents(n, width int) [][3]int {
	parents := make([][3]int, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := width; i < n; i++ {
		layer := i / width
		for k := range 3 {
			for {
				p := (layer-1)*width + r.IntN(width)
				if k == 0 || (p != parents[i][0] && (k == 1 || p != parents[i][1])) {
					parents[i][k] = p
					break
				}
			}
		}
	}
	return parents
}

func benchDAG(b *testing.B, n int, shape func([]string) func() *runtime.Workflow[In]) {
	build := shape(names(n))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := runtime.Run(context.Background(), build, nil)
		if err != nil || res.Status != runtime.Completed {
			b.Fatalf("%v %v", err, res.Status)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/node")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkRun measures whole runs (constructor, scheduling, records) of
// no-op DAGs. Per-node bytes = B/op ÷ nodes.
func BenchmarkRun(b *testing.B) {
	b.Run("chain-10k", func(b *testing.B) { benchDAG(b, 10_000, chainDAG) })
	b.Run("fanout-10k", func(b *testing.B) { benchDAG(b, 10_000, fanOutDAG) })
	b.Run("layered-10k", func(b *testing.B) { benchDAG(b, 10_000, layeredDAG) })
	b.Run("layered-100k", func(b *testing.B) { benchDAG(b, 100_000, layeredDAG) })
}

// ruledLayeredDAG is layeredDAG with every node given rule: the
// scheduler's tally path for every edge, and for a rule that may start a
// node early (one_success), the progress views kept for Node.Last.
func ruledLayeredDAG(rule runtime.TriggerRule) func([]string) func() *runtime.Workflow[In] {
	return func(nm []string) func() *runtime.Workflow[In] {
		const width = 100
		parents := layeredParents(len(nm), width)
		return func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("layered-" + rule.String() + "-" + itoa(len(nm)))
			nodes := make([]*noop, len(nm))
			for i, name := range nm {
				nodes[i] = runtime.Add(wf, &noop{}, runtime.Name(name), runtime.Trigger(rule))
				if i >= width {
					for _, p := range parents[i] {
						wf.AddEdge(nodes[p], nodes[i])
					}
				}
			}
			return wf
		}
	}
}

// BenchmarkRunRules is BenchmarkRun's layered-10k shape with a trigger
// rule on every node: what rules cost, for BENCHMARKS.md.
func BenchmarkRunRules(b *testing.B) {
	for _, rule := range []runtime.TriggerRule{runtime.NoneFailed, runtime.OneSuccess} {
		b.Run("layered-10k-"+rule.String(), func(b *testing.B) { benchDAG(b, 10_000, ruledLayeredDAG(rule)) })
	}
}

type sleeper struct {
	runtime.Node[In, runtime.NoOutput]
}

func (sleeper) Logic(ctx context.Context, _ *runtime.Exec[In, runtime.NoOutput]) error {
	select {
	case <-time.After(time.Second):
	case <-ctx.Done():
	}
	return nil
}

// BenchmarkSleepCPU runs a workflow whose single node sleeps 1 s and reports
// the CPU time the process used meanwhile (user+sys, from rusage).
func BenchmarkSleepCPU(b *testing.B) {
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("sleep")
		runtime.Add(wf, &sleeper{}, runtime.Name("sleep"), runtime.Timeout(5*time.Second))
		return wf
	}
	var cpu time.Duration
	for b.Loop() {
		before := rusage()
		if _, err := runtime.Run(context.Background(), build, &In{Input: runtime.Input{TimeoutSeconds: 10}}); err != nil {
			b.Fatal(err)
		}
		cpu += rusage() - before
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/run")
}

func rusage() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBuild measures only the constructors of BenchmarkRun's DAGs.
func BenchmarkBuild(b *testing.B) {
	for _, c := range []struct {
		name  string
		n     int
		shape func([]string) func() *runtime.Workflow[In]
	}{{"chain-10k", 10_000, chainDAG}, {"fanout-10k", 10_000, fanOutDAG}, {"layered-10k", 10_000, layeredDAG}, {"layered-100k", 100_000, layeredDAG}} {
		b.Run(c.name, func(b *testing.B) {
			build := c.shape(names(c.n))
			b.ReportAllocs()
			for b.Loop() {
				if err := build().Err(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(c.n), "ns/node")
			b.ReportMetric(0, "ns/op")
		})
	}
}
