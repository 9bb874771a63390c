// Package golden compares test output with golden files: byte for byte,
// with a unified diff of the lines on mismatch, and rewrites them when
// asked (the -update flag of the test that calls it). The project's own
// tests and the public fluxlytest package share it.
package golden

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// TB is the part of testing.TB Check needs.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Check compares got with the file at path, or, with update, writes got
// there (creating directories); a mismatch fails t with the diff.
func Check(t TB, path string, got []byte, update bool) {
	t.Helper()
	if err := Compare(path, got, update); err != nil {
		t.Errorf("%v", err)
	}
}

// Compare is Check returning the mismatch (with its diff) as an error.
func Compare(path string, got []byte, update bool) error {
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		return os.WriteFile(path, got, 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("golden file: %w (run the test with -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return nil
	}
	return fmt.Errorf("%s differs from the output (run the test with -update to accept it):\n%s", path, Diff(path, "got", want, got))
}

// Diff returns a unified diff (3 lines of context) from a to b, labelled
// with their names.
func Diff(aName, bName string, a, b []byte) string {
	x, y := lines(a), lines(b)
	ops := diff(x, y)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", aName, bName)
	const ctx = 3
	// Group the edit script into hunks.
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-ctx, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run-end > 2*ctx || run == len(ops) {
				end = min(end+ctx, len(ops))
				break
			}
			end = run
		}
		h := ops[start:end]
		ax, bx := h[0].ai, h[0].bi
		var an, bn int
		for _, o := range h {
			if o.kind != '+' {
				an++
			}
			if o.kind != '-' {
				bn++
			}
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n", ax+1, an, bx+1, bn)
		for _, o := range h {
			out.WriteByte(o.kind)
			out.WriteString(o.text)
			if !strings.HasSuffix(o.text, "\n") {
				out.WriteString("\n\\ No newline at end of file\n")
			}
		}
		i = end
	}
	return out.String()
}

func lines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	return strings.SplitAfter(string(b), "\n")[:strings.Count(string(b), "\n")+boolInt(!bytes.HasSuffix(b, []byte("\n")))]
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

type op struct {
	kind   byte // ' ', '-', '+'
	text   string
	ai, bi int // line indices in a and b where the op applies
}

// diff is Myers' O(ND) algorithm ("An O(ND) Difference Algorithm and Its
// Variations", 1986), returning the whole edit script.
func diff(a, b []string) []op {
	n, m := len(a), len(b)
	maxD := n + m
	v := make([]int, 2*maxD+2)
	var trace [][]int
	off := maxD + 1
	found := false
	for d := 0; d <= maxD && !found; d++ {
		snap := make([]int, len(v))
		copy(snap, v)
		trace = append(trace, snap)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = true
				break
			}
		}
	}
	// Walk back through the trace.
	var rev []op
	x, y := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		vv := trace[d]
		k := x - y
		var prevK int
		if k == -d || (k != d && vv[off+k-1] < vv[off+k+1]) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := vv[off+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x--
			y--
			rev = append(rev, op{' ', a[x], x, y})
		}
		if d > 0 {
			if x == prevX {
				y--
				rev = append(rev, op{'+', b[y], x, y})
			} else {
				x--
				rev = append(rev, op{'-', a[x], x, y})
			}
		}
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}
