package svgrender

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

// A process that links this package becomes a render helper of a [Pool]
// when it is started with the helper argument and the nonce variable, and
// only then: before any main runs, it answers render requests on stdin
// and stdout until stdin closes, then exits. go-graphviz's own package
// init, which makes the WebAssembly instance, has run by then.
func init() {
	nonce, ok := os.LookupEnv(helperEnv)
	if !ok || len(os.Args) != 2 || os.Args[1] != helperArg {
		return
	}
	os.Exit(serveHelper(context.Background(), nonce, os.Stdin, os.Stdout))
}

// serveHelper is the helper's loop: hello, then one answer per request.
func serveHelper(ctx context.Context, nonce string, in io.Reader, out io.Writer) int {
	// A render leaves ~5 MB of garbage (wazero call set-up inside
	// go-graphviz) on a small heap, so the collector runs every few
	// renders; collecting 4× less often cut the helpers' CPU per render by
	// 15–20 % in BenchmarkRenderSVG (GOGC=400 against 100; see
	// BENCHMARKS.md, "Docs generation"). An explicit GOGC wins.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(400)
	}
	w := bufio.NewWriter(out)
	if _, err := fmt.Fprintf(w, "%s%s %s\n", helperHello, Version, nonce); err != nil || w.Flush() != nil {
		return 1
	}
	r := bufio.NewReader(in)
	for {
		_, dot, err := readFrame(r)
		if err == io.EOF {
			return 0
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "svgrender helper: %v\n", err)
			return 1
		}
		svg, err := Renderer{}.RenderSVG(ctx, dot)
		if err != nil {
			err = writeFrame(w, 1, []byte(err.Error()))
		} else {
			err = writeFrame(w, 0, svg)
		}
		if err != nil || w.Flush() != nil {
			return 1
		}
	}
}
