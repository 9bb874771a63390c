package devserver_test

import (
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// noLeaks fails t when SDK goroutines the test started outlive it: a
// worker or client left open. goleak v1.3.0 cannot tell them from the
// server's, which has SDK workers of its own (restarted at times of its
// own choosing: a busy machine made one restart during a test) and opens
// gRPC connections between its services when it first needs them, hence
// this narrower check: goroutines new since t began, running SDK code and
// no server code, and descended from t's own goroutine (created by it, or
// by a goroutine so created). gRPC's own goroutines are not checked, since
// the server's look the same.
func noLeaks(t *testing.T) {
	t.Helper()
	before := goroutines()
	self := selfID()
	t.Cleanup(func() {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
			var left []string
			now := goroutines()
			for id, stack := range now {
				_, old := before[id]
				if !old && descends(now, id, self) && strings.Contains(stack, "go.temporal.io/sdk/") && !strings.Contains(stack, "go.temporal.io/server/") {
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

var (
	goroutineID = regexp.MustCompile(`^goroutine (\d+) `)
	creatorID   = regexp.MustCompile(`\ncreated by .* in goroutine (\d+)`)
)

// selfID is the calling goroutine's id.
func selfID() string {
	buf := make([]byte, 64)
	return goroutineID.FindStringSubmatch(string(buf[:runtime.Stack(buf, false)]))[1]
}

// descends reports whether goroutine id was created by root, or by a
// goroutine still running that descends from root.
func descends(stacks map[string]string, id, root string) bool {
	for range len(stacks) + 1 { // a chain cannot be longer
		m := creatorID.FindStringSubmatch(stacks[id])
		if m == nil {
			return false
		}
		if m[1] == root {
			return true
		}
		id = m[1]
	}
	return false
}

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
