package svgrender

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fluxly-go/fluxly/docgen"
)

// go-graphviz keeps one WebAssembly instance per process (its package
// init makes it; the library offers no way to make another), so renders in
// one process run one at a time. A Pool renders on that instance and on
// helper processes: the running executable started again in helper mode
// (see worker.go), each with its own instance, started when renders queue
// up and stopped by Close. The helpers run the same code on the same
// WebAssembly module, so the SVG is byte for byte what this process would
// make (TestPoolIdentical).

// Pool is a [docgen.Renderer] that lays out up to n graphs at once: one in
// this process and the others in helper processes. Helpers start on
// demand, when a render would otherwise wait, and only as many as renders
// wait; a helper that cannot start (no executable to run, an unexpected
// reply) makes the pool render in this process alone, which is always
// correct, only slower. Close stops the helpers. A Pool is safe for
// concurrent use; the zero value is not usable, call [NewPool].
type Pool struct {
	size int
	jobs chan *job
	done chan struct{}

	mu      sync.Mutex
	started int // helpers started or starting
	procs   []*helper
	closed  bool
	wg      sync.WaitGroup // the local renderer
	hwg     sync.WaitGroup // the helpers

	localOnce sync.Once
	inflight  atomic.Int64
	noHelpers atomic.Bool // a helper failed to start: do not try again
	helped    atomic.Int64
	lastErr   atomic.Value // error: why helpers are off
}

var _ docgen.Renderer = (*Pool)(nil)

type job struct {
	ctx  context.Context
	dot  []byte
	done chan result
}

type result struct {
	svg []byte
	err error
}

// NewPool returns a pool of n renderers (this process's and n-1 helpers);
// n < 1 means 1.
func NewPool(n int) *Pool {
	return &Pool{size: max(n, 1), jobs: make(chan *job), done: make(chan struct{})}
}

// Version returns [Version]: a pool renders what [Renderer] does.
func (*Pool) Version() string { return Version }

// RenderSVG lays out dot on the first free renderer.
func (p *Pool) RenderSVG(ctx context.Context, dot []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.localOnce.Do(func() {
		p.wg.Add(1)
		go p.local()
	})
	j := &job{ctx: ctx, dot: dot, done: make(chan result, 1)}
	// More renders in flight than renderers: one more helper, if allowed.
	n := p.inflight.Add(1)
	defer p.inflight.Add(-1)
	p.grow(int(n))
	select {
	case p.jobs <- j:
	case <-p.done:
		return nil, errors.New("svgrender: the pool is closed")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	r := <-j.done
	return r.svg, r.err
}

// local renders jobs in this process until the pool closes.
func (p *Pool) local() {
	defer p.wg.Done()
	for {
		select {
		case j := <-p.jobs:
			j.done <- renderLocal(j)
		case <-p.done:
			return
		}
	}
}

func renderLocal(j *job) result {
	svg, err := Renderer{}.RenderSVG(j.ctx, j.dot)
	return result{svg, err}
}

// grow starts a helper when more renders than renderers are in flight,
// unless the pool is full, closed or helpers failed.
func (p *Pool) grow(inflight int) {
	if p.noHelpers.Load() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.started >= p.size-1 || inflight <= 1+p.started {
		return
	}
	p.started++
	p.hwg.Add(1)
	go p.runHelper(nil)
}

// Warm starts every helper now and waits until each is ready to render or
// has failed (then helpers are off, and the error says why): for
// benchmarks and tests that want the helpers' start-up out of their
// timings. Renders need no Warm.
func (p *Pool) Warm() error {
	p.mu.Lock()
	var waits []chan error
	for !p.closed && p.started < p.size-1 && !p.noHelpers.Load() {
		p.started++
		p.hwg.Add(1)
		ready := make(chan error, 1)
		waits = append(waits, ready)
		go p.runHelper(ready)
	}
	p.mu.Unlock()
	var errs []error
	for _, w := range waits {
		errs = append(errs, <-w)
	}
	return errors.Join(errs...)
}

// Helpers reports how many renders helper processes made, and why helpers
// are off (nil if they are not): for tests and benchmarks.
func (p *Pool) Helpers() (renders int64, off error) {
	err, _ := p.lastErr.Load().(error)
	return p.helped.Load(), err
}

// Close stops the helper processes and waits for them to exit. Renders
// after Close fail.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.done)
	procs := p.procs
	p.mu.Unlock()
	for _, h := range procs {
		h.stop()
	}
	p.hwg.Wait()
	p.wg.Wait()
	return nil
}

// runHelper starts one helper process and feeds it jobs until the pool
// closes or the helper fails; a job the helper could not finish is
// rendered here.
func (p *Pool) runHelper(ready chan<- error) {
	defer p.hwg.Done()
	h, err := p.startHelper()
	if ready != nil {
		ready <- err
	}
	if err != nil {
		p.lastErr.Store(err)
		p.noHelpers.Store(true)
		return
	}
	for {
		select {
		case j := <-p.jobs:
			if err := j.ctx.Err(); err != nil {
				j.done <- result{err: err}
				continue
			}
			svg, err, ok := h.render(j.dot)
			if !ok { // the helper is gone: render here, and stop using it
				p.lastErr.Store(err)
				j.done <- renderLocal(j)
				h.stop()
				return
			}
			p.helped.Add(1)
			j.done <- result{svg, err}
		case <-p.done:
			return
		}
	}
}

// Helper mode: the executable is started again with this argument and
// the nonce in helperEnv; both must be there (worker.go).
const (
	helperArg = "__fluxly-svgrender-helper"
	helperEnv = "FLUXLY_SVGRENDER_HELPER"
	// helperHello starts a helper's first line: protocol, Version, nonce.
	helperHello = "fluxly-svgrender-helper/1 "
)

// helperArgs are the helper's arguments; tests change them to start
// something that is not a helper.
var helperArgs = []string{helperArg}

// helperTimeout bounds a helper's start: process start and go-graphviz's
// WebAssembly compilation (about half a second cold).
const helperTimeout = 30 * time.Second

type helper struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *limitedBuffer
	nonce  string
	once   sync.Once
}

// startHelper starts a helper process and waits for its hello.
func (p *Pool) startHelper() (*helper, error) {
	h, err := startProcess()
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		h.stop()
		return nil, errors.New("svgrender: the pool is closed")
	}
	p.procs = append(p.procs, h)
	p.mu.Unlock()
	if err := h.ready(); err != nil {
		h.stop()
		return nil, err
	}
	return h, nil
}

func startProcess() (*helper, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("svgrender: no executable to start helpers from: %w", err)
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	h := &helper{nonce: hex.EncodeToString(b[:]), stderr: &limitedBuffer{max: 4096}}
	h.cmd = exec.Command(exe, helperArgs...)
	h.cmd.Env = append(os.Environ(), helperEnv+"="+h.nonce)
	h.cmd.Stderr = h.stderr
	if h.stdin, err = h.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := h.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	h.stdout = bufio.NewReader(out)
	if err := h.cmd.Start(); err != nil {
		return nil, fmt.Errorf("svgrender: starting a helper: %w", err)
	}
	return h, nil
}

// ready waits for the helper's hello line.
func (h *helper) ready() error {
	want := helperHello + Version + " " + h.nonce + "\n"
	line := make(chan string, 1)
	go func() {
		s, _ := h.stdout.ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		if s != want {
			return fmt.Errorf("svgrender: the helper answered %q, want %q (stderr: %s)", s, want, h.stderr)
		}
		return nil
	case <-time.After(helperTimeout):
		return fmt.Errorf("svgrender: no answer from the helper in %v", helperTimeout)
	}
}

// render sends one DOT and reads its SVG or error; ok is false when the
// helper failed (err says how).
func (h *helper) render(dot []byte) (svg []byte, err error, ok bool) {
	if err := writeFrame(h.stdin, 0, dot); err != nil {
		return nil, fmt.Errorf("svgrender: helper: %w (stderr: %s)", err, h.stderr), false
	}
	status, data, err := readFrame(h.stdout)
	if err != nil {
		return nil, fmt.Errorf("svgrender: helper: %w (stderr: %s)", err, h.stderr), false
	}
	if status != 0 {
		return nil, errors.New(string(data)), true
	}
	return data, nil, true
}

func (h *helper) stop() {
	h.once.Do(func() {
		_ = h.stdin.Close()
		_ = h.cmd.Process.Kill()
		_ = h.cmd.Wait()
	})
}

// Frames: a status byte, the length as a uvarint, the payload. Requests
// have status 0; answers 0 (an SVG) or 1 (an error message).
func writeFrame(w io.Writer, status byte, data []byte) error {
	var hdr [1 + binary.MaxVarintLen64]byte
	hdr[0] = status
	n := binary.PutUvarint(hdr[1:], uint64(len(data)))
	if _, err := w.Write(hdr[:1+n]); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// maxFrame bounds a frame (DOT or SVG): far beyond any diagram.
const maxFrame = 1 << 30

func readFrame(r *bufio.Reader) (byte, []byte, error) {
	status, err := r.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return 0, nil, err
	}
	if n > maxFrame {
		return 0, nil, fmt.Errorf("frame of %d bytes", n)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		return 0, nil, err
	}
	return status, data, nil
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(bytes.TrimSpace(b.buf.Bytes()))
}
