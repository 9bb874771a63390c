package runtime

import (
	"math/rand/v2"
	"testing"
	"time"
)

// Full jitter over many draws from a fixed seed: every delay in [0, d],
// both ends reached, the mean d/2.
func TestDrawBounds(t *testing.T) {
	c := runConfig{rand: rand.New(rand.NewPCG(7, 7))}
	const d = 3 * time.Nanosecond
	var seen [4]int
	for range 10_000 {
		v := c.draw(d)
		if v < 0 || v > d {
			t.Fatalf("draw(%v) = %v", d, v)
		}
		seen[v]++
	}
	for v, n := range seen {
		if n == 0 {
			t.Fatalf("draw(%v) never gave %v: %v", d, v, seen)
		}
	}
	const big = time.Second
	var sum time.Duration
	const draws = 100_000
	for range draws {
		v := c.draw(big)
		if v < 0 || v > big {
			t.Fatalf("draw(%v) = %v", big, v)
		}
		sum += v / draws
	}
	if mean := sum; mean < 490*time.Millisecond || mean > 510*time.Millisecond {
		t.Fatalf("mean of %d draws in [0, 1s] = %v, want about 500ms", draws, mean)
	}
	if c.draw(0) != 0 || c.draw(-time.Second) != 0 {
		t.Fatal("a delay of 0 or less draws 0")
	}
	if v := (&runConfig{}).draw(time.Hour); v < 0 || v > time.Hour {
		t.Fatalf("global source: %v", v)
	}
}

// Views of a node that has not finished, as Last gives them in graphs
// where nodes may start early.
func TestProgressView(t *testing.T) {
	for _, c := range []struct {
		v       uint32
		status  Status
		attempt int
	}{
		{viewSet, Waiting, 0},
		{viewSet | viewRunning | 1, InProgress, 1},
		{viewSet | 1, Waiting, 2},
		{viewSet | viewRunning | 2, InProgress, 2},
	} {
		if got := progressView[int](c.v); got.Status != c.status || got.Attempt != c.attempt {
			t.Errorf("view %#x: %+v, want %v attempt %d", c.v, got, c.status, c.attempt)
		}
	}
}
