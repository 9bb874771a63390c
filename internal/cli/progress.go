package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// progress draws one line per node at the bottom of a terminal, updated in
// place (waiting → running → completed/failed/timed out/skipped, with
// elapsed time), and prints log lines above it. It is also the io.Writer
// the logger writes to while it is active.
type progress struct {
	out   io.Writer
	color bool

	mu       sync.Mutex
	title    string
	order    []string
	nodes    map[string]*nodeLine
	began    time.Time
	drawn    int // lines of the block on screen
	finished bool
	done     chan struct{}
	wg       sync.WaitGroup
}

type nodeLine struct {
	state    string // waiting, running, retrying, completed, failed, timed out, cancelled, skipped
	status   runtime.Status
	attempt  int
	started  time.Time
	duration time.Duration
}

// progress returns a live display when --progress (or FLUXLY_PROGRESS)
// asks for one, or is auto and stderr is a terminal.
func (r *runner) progress() *progress {
	mode := r.control("progress")
	switch mode {
	case "never":
		return nil
	case "auto":
		f, ok := r.stderr.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) || r.vars["TERM"] == "dumb" {
			return nil
		}
	}
	_, noColor := r.vars["NO_COLOR"]
	return &progress{out: r.stderr, color: !noColor, nodes: map[string]*nodeLine{}, done: make(chan struct{})}
}

func (p *progress) start(w *introspect.Workflow, runID string) {
	p.mu.Lock()
	p.title = fmt.Sprintf("%s · run %s", w.Endpoint, runID[:8])
	p.began = time.Now()
	for _, n := range w.Nodes {
		p.order = append(p.order, n.Name)
		p.nodes[n.Name] = &nodeLine{state: "waiting"}
	}
	p.draw()
	p.mu.Unlock()
	p.wg.Add(1)
	go p.tick()
}

// tick redraws for the elapsed times; events redraw at once.
func (p *progress) tick() {
	defer p.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
			p.mu.Lock()
			p.draw()
			p.mu.Unlock()
		}
	}
}

func (p *progress) stop() {
	close(p.done)
	p.wg.Wait()
	p.mu.Lock()
	p.finished = true
	p.draw()
	p.drawn = 0 // leave the final block on screen
	p.mu.Unlock()
}

func (p *progress) event(e runtime.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.nodes[e.Node]
	switch e.Kind {
	case runtime.WorkflowStarted:
		for _, l := range p.nodes {
			*l = nodeLine{state: "waiting"}
		}
		if e.WorkflowAttempt > 1 {
			p.title = strings.SplitN(p.title, " · attempt", 2)[0] + fmt.Sprintf(" · attempt %d", e.WorkflowAttempt)
		}
	case runtime.NodeStarted:
		if n != nil {
			n.state, n.attempt, n.started = "running", e.Attempt, e.Time
		}
	case runtime.NodeRetrying:
		if n != nil {
			n.state, n.status = "retrying", e.Status
		}
	case runtime.NodeFinished:
		if n != nil {
			n.status, n.attempt, n.duration = e.Status, e.Attempt, time.Since(n.started)
			switch e.Status {
			case runtime.Completed:
				n.state = "completed"
			case runtime.TimedOut:
				n.state = "timed out"
			case runtime.Cancelled:
				n.state = "cancelled"
			default:
				n.state = "failed"
			}
		}
	case runtime.NodeSkipped:
		if n != nil {
			n.state = "skipped"
		}
	}
	p.draw()
}

// Write prints a log line above the block.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return p.out.Write(b)
	}
	var buf bytes.Buffer
	p.clear(&buf)
	buf.Write(b)
	p.drawn = 0
	p.render(&buf)
	_, err := p.out.Write(buf.Bytes())
	return len(b), err
}

func (p *progress) draw() {
	var buf bytes.Buffer
	p.clear(&buf)
	p.render(&buf)
	_, _ = p.out.Write(buf.Bytes())
}

func (p *progress) clear(buf *bytes.Buffer) {
	if p.drawn > 0 {
		fmt.Fprintf(buf, "\x1b[%dA\r\x1b[J", p.drawn)
	}
}

func (p *progress) render(buf *bytes.Buffer) {
	if p.began.IsZero() { // a log line before the run started: no block yet
		p.drawn = 0
		return
	}
	width := 4
	for _, name := range p.order {
		width = max(width, len([]rune(name)))
	}
	fmt.Fprintf(buf, "%s · %s\n", p.title, short(time.Since(p.began)))
	for _, name := range p.order {
		n := p.nodes[name]
		icon, detail := p.icon(n), n.state
		switch n.state {
		case "running":
			detail += " " + short(time.Since(n.started))
			if n.attempt > 1 {
				detail += fmt.Sprintf(" (attempt %d)", n.attempt)
			}
		case "retrying":
			detail = fmt.Sprintf("retrying after %s", n.status)
		case "completed", "failed", "timed out", "cancelled":
			if n.state == "failed" {
				detail += " " + n.status.String()
			}
			detail += " " + short(n.duration)
			if n.attempt > 1 {
				detail += fmt.Sprintf(" (%d attempts)", n.attempt)
			}
		}
		fmt.Fprintf(buf, "  %s %-*s  %s\n", icon, width, name, detail)
	}
	p.drawn = len(p.order) + 1
}

func (p *progress) icon(n *nodeLine) string {
	icon, color := "·", ""
	switch n.state {
	case "running", "retrying":
		icon, color = "●", "\x1b[33m"
	case "completed":
		icon, color = "✓", "\x1b[32m"
	case "failed", "timed out", "cancelled":
		icon, color = "✗", "\x1b[31m"
	case "skipped":
		icon = "↷"
	}
	if p.color && color != "" {
		return color + icon + "\x1b[0m"
	}
	return icon
}

// short formats a duration for the display: 312µs, 45.2ms, 1.3s, 2m5s.
func short(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
