package svgrender

import (
	"bufio"
	"bytes"
	"context"
	"sync"
	"testing"
)

// A helper that does not answer as one (here: the test binary started
// without the helper argument, which runs no test and prints PASS) turns
// helpers off; every diagram is still rendered, here.
func TestPoolHelperFails(t *testing.T) {
	defer func(a []string) { helperArgs = a }(helperArgs)
	helperArgs = []string{"-test.run=^$"}
	p := NewPool(3)
	defer p.Close()
	want, err := New().RenderSVG(context.Background(), []byte("digraph { a -> b }"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			svg, err := p.RenderSVG(context.Background(), []byte("digraph { a -> b }"))
			if err != nil || !bytes.Equal(svg, want) {
				t.Errorf("render: %v", err)
			}
		})
	}
	wg.Wait()
	p.hwg.Wait() // the helper has given up
	if n, off := p.Helpers(); n != 0 || off == nil {
		t.Errorf("helpers: %d renders, off: %v", n, off)
	} else {
		t.Logf("helpers off: %v", off)
	}
}

func TestFrames(t *testing.T) {
	var buf bytes.Buffer
	for _, f := range []struct {
		status byte
		data   string
	}{{0, ""}, {1, "error"}, {0, string(make([]byte, 300))}} {
		if err := writeFrame(&buf, f.status, []byte(f.data)); err != nil {
			t.Fatal(err)
		}
	}
	r := bufioReader(&buf)
	for _, want := range []int{0, 5, 300} {
		_, data, err := readFrame(r)
		if err != nil || len(data) != want {
			t.Fatalf("frame: %d bytes, %v", len(data), err)
		}
	}
	if _, _, err := readFrame(r); err == nil {
		t.Error("read past the end")
	}
}

func bufioReader(b *bytes.Buffer) *bufio.Reader { return bufio.NewReader(b) }
