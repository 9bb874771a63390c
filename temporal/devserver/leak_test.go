package devserver_test

import (
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// noLeaks fails t when SDK goroutines started during t outlive it: a worker
// or client left open. goleak v1.3.0 cannot tell them from the server's,
// which has SDK workers of its own and opens gRPC connections between its
// services when it first needs them, hence this narrower check: goroutines
// new since t began, running SDK code and no server code. gRPC's own
// goroutines are not checked, since the server's look the same.
func noLeaks(t *testing.T) {
	t.Helper()
	before := goroutines()
	t.Cleanup(func() {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
			var left []string
			for id, stack := range goroutines() {
				_, old := before[id]
				if !old && strings.Contains(stack, "go.temporal.io/sdk/") && !strings.Contains(stack, "go.temporal.io/server/") {
					left = append(left, stack)
				}
			}
			if len(left) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("%d goroutines outlive the test:\n\n%s", len(left), strings.Join(left, "\n\n"))
				return
			}
			time.Sleep(delay) // goroutines end on their own time; there is nothing to wait on
		}
	})
}

var goroutineID = regexp.MustCompile(`^goroutine (\d+) `)

// goroutines are the stacks of all goroutines but the caller's, by id.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	stacks := map[string]string{}
	for i, g := range strings.Split(string(buf), "\n\n") {
		if m := goroutineID.FindStringSubmatch(g); i > 0 && m != nil {
			stacks[m[1]] = g
		}
	}
	return stacks
}
