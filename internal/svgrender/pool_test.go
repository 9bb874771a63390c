package svgrender_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/svgrender"
	"github.com/fluxly-go/fluxly/introspect"
)

// poolDOTs is every DOT a docs build of the examples renders, in both
// themes and directions, plus a few synthetic 50-node graphs.
func poolDOTs(t *testing.T, m *introspect.Model) [][]byte {
	t.Helper()
	var dots [][]byte
	for _, w := range m.Workflows {
		for _, o := range []docgen.Options{{}, {Theme: docgen.Dark}, {Direction: "LR"}} {
			dots = append(dots, docgen.DOT(w, o), docgen.ReportDOT(w, nil, o))
		}
	}
	for _, w := range syntheticModel(t, 4, 50).Workflows {
		dots = append(dots, docgen.DOT(w, docgen.Options{}))
	}
	return dots
}

// renderAll renders dots on r from 8 goroutines, keeping the order.
func renderAll(t *testing.T, r docgen.Renderer, dots [][]byte) [][]byte {
	t.Helper()
	out := make([][]byte, len(dots))
	errs := make([]error, len(dots))
	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = r.RenderSVG(context.Background(), dots[i])
			}
		})
	}
	for i := range dots {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("render %d: %v", i, err)
		}
	}
	return out
}

// A pool's SVGs, made in helper processes as much as here, are byte for
// byte those of the single in-process renderer.
func TestPoolIdentical(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	dots := poolDOTs(t, examplesModel(t))
	want := make([][]byte, len(dots))
	for i, d := range dots {
		want[i] = render(t, d)
	}
	p := svgrender.NewPool(3)
	if err := p.Warm(); err != nil {
		t.Fatal(err)
	}
	got := renderAll(t, p, dots)
	renders, off := p.Helpers()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if off != nil || renders == 0 {
		t.Fatalf("helpers rendered %d of %d diagrams (off: %v)", renders, len(dots), off)
	}
	t.Logf("helpers rendered %d of %d diagrams", renders, len(dots))
	for i := range dots {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("diagram %d differs from the in-process render", i)
		}
	}
	if _, err := p.RenderSVG(context.Background(), dots[0]); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("render after Close: %v", err)
	}
}

// One render at a time never starts a helper.
func TestPoolSerialStartsNoHelper(t *testing.T) {
	p := svgrender.NewPool(4)
	defer p.Close()
	for range 3 {
		render(t, []byte("digraph { a -> b }"))
		if _, err := p.RenderSVG(context.Background(), []byte("digraph { a -> b }")); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := p.Helpers(); n != 0 {
		t.Errorf("%d renders by helpers", n)
	}
}

// Errors from a helper read as the in-process renderer's.
func TestPoolErrors(t *testing.T) {
	p := svgrender.NewPool(2)
	defer p.Close()
	bad := [][]byte{[]byte("digraph {"), []byte("not dot at all"), []byte(`digraph { a -> }`)}
	for _, d := range bad {
		_, want := svgrender.New().RenderSVG(context.Background(), d)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				_, err := p.RenderSVG(context.Background(), d)
				if err == nil || want == nil || err.Error() != want.Error() {
					t.Errorf("RenderSVG(%q) = %v, want %v", d, err, want)
				}
			})
		}
		wg.Wait()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.RenderSVG(ctx, []byte("digraph { a }")); err != context.Canceled {
		t.Errorf("cancelled: %v", err)
	}
}
