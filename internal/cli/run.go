package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/atomicfile"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/internal/endpoint"
	"github.com/fluxly-go/fluxly/internal/logging"
	"github.com/fluxly-go/fluxly/internal/runid"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// runner runs one endpoint from the command line.
type runner struct {
	app            *command.App
	e              *endpoint.Endpoint
	w              *introspect.Workflow
	cmd            *endpointCommand // nil for a resumption (runs resume)
	kctx           *kong.Context
	ctl            map[string]string // the run's own flags (runFlagDefs)
	vars           map[string]string
	stdout, stderr io.Writer

	// Top-level keys whose value comes from --input-file (not overridden
	// by a flag or the environment), to say so in validation errors.
	inputFile string
	fileKeys  map[string]bool
}

func (r *runner) run(ctx context.Context) int {
	name := r.app.Name
	doc, err := r.assemble()
	var ue *command.UsageError
	var fe *fileError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(r.stderr, "%s %s: %v\nRun '%s %s --help' for usage.\n", name, r.w.Endpoint, err, name, r.w.Endpoint)
		return command.ExitUsage
	case errors.As(err, &fe):
		fmt.Fprintf(r.stderr, "%s %s: --input-file %s: ", name, r.w.Endpoint, fe.path)
		fmt.Fprint(r.stderr, describeErrors(r.w, fe.err, func(string) string { return "" }))
		return command.ExitInvalid
	case err != nil:
		fmt.Fprintf(r.stderr, "%s %s: %v\n", name, r.w.Endpoint, err)
		return command.ExitUsage
	}
	input, err := r.e.Decode(doc)
	var ve *describe.ValidationError
	if errors.As(err, &ve) {
		fmt.Fprintf(r.stderr, "%s %s: ", name, r.w.Endpoint)
		fmt.Fprint(r.stderr, describeErrors(r.w, ve, r.fromFile))
		return command.ExitInvalid
	}
	if err != nil {
		fmt.Fprintf(r.stderr, "%s %s: %v\n", name, r.w.Endpoint, err)
		return command.ExitInvalid
	}
	return r.execute(ctx, input, nil)
}

// execute runs a decoded input: the checks of its output paths, logs and
// live progress, the run record in the data directory, then the report
// and the result file. prev is the run it resumes, or nil.
func (r *runner) execute(ctx context.Context, input *endpoint.Input, prev *runtime.Result) int {
	name := r.app.Name
	base := input.Base()
	// Output paths that cannot be written are found before the run, not
	// after it has done its work.
	if path := r.control("result-file"); path != "" && path != "-" {
		if err := atomicfile.CheckWritable(path); err != nil {
			fmt.Fprintf(r.stderr, "%s %s: --result-file %s: %v\nRun '%s %s --help' for usage.\n", name, r.w.Endpoint, path, err, name, r.w.Endpoint)
			return command.ExitUsage
		}
	}
	if base.AutoGenerateMD {
		if err := r.checkDiagramPath(base.DiagramFilePath); err != nil {
			fmt.Fprintf(r.stderr, "%s %s: diagram_file_path %s\nRun '%s %s --help' for usage.\n", name, r.w.Endpoint, err, name, r.w.Endpoint)
			return command.ExitUsage
		}
	}
	level, err := logging.ParseLevel(r.control("log-level"))
	if err != nil { // kong checked the enum; this is defence
		fmt.Fprintf(r.stderr, "%s %s: --log-level: %v\n", name, r.w.Endpoint, err)
		return command.ExitUsage
	}

	runID := runid.New()
	rec, recErr := r.openRecorder(runID, input, prev)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	rec.begin(cancel)
	prog := r.progress()
	var logOut io.Writer = r.stderr
	if prog != nil {
		logOut = prog
	}
	logger := logging.New(logOut, r.control("log-format"), level)
	runLog := logger.With("workflow", r.w.Name, "run_id", runID)
	if recErr != nil {
		// A read-only or homeless container still runs its workflows.
		runLog.Warn("this run is not recorded", "error", recErr.Error())
	}
	if base.Verbose {
		runLog.Info("starting workflow",
			"version", r.w.Version, "endpoint", r.w.Endpoint,
			"command", commandLine(name, r.w, input.Redacted()),
			"inputs", jsonText(input.Redacted()))
	}
	obs := &observer{log: runLog, verbose: base.Verbose, prog: prog, plain: prog == nil, rec: rec}
	if prog != nil {
		prog.start(r.w, runID)
	}
	if prev != nil {
		runLog.Info("resuming a run", "resumed_from", prev.RunID)
	}
	res, err := r.app.Run(ctx, input, command.RunRequest{RunID: runID, Logger: logger, Observer: obs.event, Prev: prev})
	if prog != nil {
		prog.stop()
	}
	if rerr := rec.end(res, err); rerr != nil {
		runLog.Error("cannot record the run in the run store", "error", rerr)
	}
	if err != nil {
		runLog.Error("workflow cannot run", "error", err)
		return int(runtime.Failed)
	}
	summary(runLog, res, base.Verbose)
	code := res.StatusCode
	if base.AutoGenerateMD {
		if err := r.writeReport(ctx, runLog, res, &base); err != nil {
			runLog.Error("cannot write the run report", "error", err)
			if code == 0 {
				code = int(runtime.InfrastructureError)
			}
		}
	}
	if path := r.control("result-file"); path != "" {
		if err := r.writeResult(path, res); err != nil {
			runLog.Error("cannot write the result file", "path", path, "error", err)
			if code == 0 {
				code = int(runtime.InfrastructureError)
			}
		}
	}
	return code
}

// writeReport writes the run report (auto_generate_md): the Markdown page
// at md_file_path and the diagram, coloured by status, at
// diagram_file_path. The diagram is SVG when a renderer is linked in (the
// docs commands) and the path asks for it; otherwise DOT (or Mermaid for
// .mmd), so run-only binaries never pay for the renderer.
func (r *runner) writeReport(ctx context.Context, log *slog.Logger, res *runtime.Result, in *runtime.Input) error {
	mdPath, diagPath := in.MDFilePath, in.DiagramFilePath
	if mdPath == "" {
		mdPath = r.w.Endpoint + "-report.md"
	}
	if diagPath == "" {
		diagPath = r.w.Endpoint + "-report.dot"
		if r.app.Renderer != nil {
			diagPath = r.w.Endpoint + "-report.svg"
		}
	}
	opts := docgen.Options{Command: r.app.Name}
	var diagram []byte
	switch strings.ToLower(filepath.Ext(diagPath)) {
	case ".mmd":
		diagram = docgen.ReportMermaid(r.w, res, opts)
	case ".svg":
		dot := docgen.ReportDOT(r.w, res, opts)
		if r.app.Renderer == nil {
			diagPath = strings.TrimSuffix(diagPath, filepath.Ext(diagPath)) + ".dot"
			log.Warn("this binary has no SVG renderer (wire in the docs commands); writing the report diagram as DOT", "path", diagPath)
			diagram = dot
			break
		}
		svg, err := r.app.Renderer.RenderSVG(ctx, dot)
		if err != nil {
			return fmt.Errorf("rendering the report diagram: %w", err)
		}
		diagram = svg
	default:
		diagram = docgen.ReportDOT(r.w, res, opts)
	}
	if rel, err := filepath.Rel(filepath.Dir(absPath(mdPath)), absPath(diagPath)); err == nil {
		opts.DiagramLink = filepath.ToSlash(rel)
	}
	if err := atomicfile.Write(diagPath, diagram); err != nil {
		return err
	}
	if err := atomicfile.Write(mdPath, docgen.ReportMarkdown(r.w, res, opts)); err != nil {
		return err
	}
	log.Info("run report written", "markdown", mdPath, "diagram", diagPath)
	return nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// observer turns run events into log lines and progress updates.
type observer struct {
	log     *slog.Logger
	verbose bool
	plain   bool // no live progress: log node transitions as lines
	prog    *progress
	rec     *recorder
}

func (o *observer) event(e runtime.Event) {
	if o.prog != nil {
		o.prog.event(e)
	}
	o.rec.observe(e)
	l := o.log.With("node", e.Node, "attempt", e.Attempt)
	switch e.Kind {
	case runtime.WorkflowStarted:
		if e.WorkflowAttempt > 1 {
			o.log.Warn("retrying workflow", "attempt", e.WorkflowAttempt)
		}
	case runtime.NodeStarted:
		if o.plain {
			l.Info("node started")
		}
	case runtime.NodeRetrying:
		l.Warn("node attempt failed; retrying", "status", e.Status.String(), "error", errText(e.Err), "delay", e.Delay.String())
	case runtime.NodeFinished:
		args := []any{"status", e.Status.String(), "duration", e.Duration.Round(time.Microsecond).String()}
		if e.Err != nil {
			args = append(args, "error", errText(e.Err))
		}
		switch {
		case e.Status != runtime.Completed:
			l.Error("node finished", args...)
		case o.plain || o.verbose:
			l.Info("node finished", args...)
		}
	case runtime.NodeSkipped:
		if o.plain || o.verbose {
			o.log.Info("node skipped", "node", e.Node)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// summary logs the end of the run: one line, or with verbose the summary
// block of every workflow attempt.
func summary(log *slog.Logger, res *runtime.Result, verbose bool) {
	last := res.Last()
	args := []any{"status", res.Status.String(), "code", res.StatusCode,
		"duration", time.Duration(res.Duration).Round(time.Microsecond).String(), "attempts", len(res.Executions)}
	if res.Error != nil {
		args = append(args, "error", res.Error.Message)
	}
	if verbose && last != nil {
		var completed, failed int
		for _, recs := range last.Nodes {
			if recs[len(recs)-1].Status == runtime.Completed {
				completed++
			} else {
				failed++
			}
		}
		args = append(args, "nodes_completed", completed, "nodes_failed", failed, "nodes_skipped", len(last.Skipped))
		for _, ex := range res.Executions[:len(res.Executions)-1] {
			log.Info("previous workflow attempt", "attempt", ex.Attempt, "status", ex.Status.String(),
				"duration", time.Duration(ex.Duration).Round(time.Microsecond).String())
		}
	}
	if res.Status == runtime.Completed {
		log.Info("workflow finished", args...)
	} else {
		log.Error("workflow finished", args...)
	}
}

// writeResult writes the run as JSON to path, or to stdout for "-".
func (r *runner) writeResult(path string, res *runtime.Result) error {
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if path == "-" {
		_, err = r.stdout.Write(data)
		return err
	}
	return atomicfile.Write(path, data)
}

// diagramExts are the run report diagram's file types; .svg needs a
// renderer (the docs extension) and is written as DOT without one.
var diagramExts = []string{".svg", ".dot", ".gv", ".mmd"}

// checkDiagramPath rejects a report diagram path whose type cannot be
// written, before the run.
func (r *runner) checkDiagramPath(path string) error {
	if path == "" {
		return nil
	}
	ext := strings.ToLower(filepath.Ext(path))
	if !slices.Contains(diagramExts, ext) {
		return fmt.Errorf("%q: cannot write a %s diagram; the supported extensions are %s", path, strings.TrimPrefix(ext, "."), strings.Join(diagramExts, ", "))
	}
	return atomicfile.CheckWritable(path)
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// commandLine is the command that reproduces this run: flags for values
// that differ from their defaults, FLUXLY_* assignments for fields without
// a flag; secrets as ***.
func commandLine(app string, w *introspect.Workflow, values map[string]any) string {
	var envs, flags []string
	for i := range w.Input.Fields {
		f := &w.Input.Fields[i]
		if f.Object {
			continue
		}
		v, ok := lookup(values, f.Name)
		if !ok {
			continue
		}
		got, _ := json.Marshal(v)
		def := f.Default
		if def == nil {
			def = zeroJSON(f)
		}
		if equalJSON(got, def) {
			continue
		}
		if f.Flag == "" {
			envs = append(envs, f.Env+"="+shellQuote(envText(v)))
			continue
		}
		switch x := v.(type) {
		case bool:
			if x {
				flags = append(flags, "--"+f.Flag)
			} else {
				flags = append(flags, "--no-"+f.Flag)
			}
		case []any:
			for _, item := range x {
				flags = append(flags, "--"+f.Flag, shellQuote(envText(item)))
			}
		default:
			flags = append(flags, "--"+f.Flag, shellQuote(envText(v)))
		}
	}
	return strings.Join(slices.Concat(envs, []string{app, w.Endpoint}, flags), " ")
}

func lookup(m map[string]any, path string) (any, bool) {
	var cur any = m
	for _, p := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func zeroJSON(f *introspect.Field) json.RawMessage {
	switch {
	case f.Optional:
		return json.RawMessage("null")
	case f.JSONType == "array":
		return json.RawMessage("[]")
	case f.JSONType == "object":
		return json.RawMessage("{}")
	case f.JSONType == "boolean":
		return json.RawMessage("false")
	case f.JSONType == "integer" || f.JSONType == "number":
		return json.RawMessage("0")
	case f.Format == "duration":
		return json.RawMessage(`"0s"`)
	case f.Format == "date-time":
		return json.RawMessage(`"0001-01-01T00:00:00Z"`)
	}
	return json.RawMessage(`""`)
}

func equalJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func envText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			switch it.(type) {
			case map[string]any, []any:
				b, _ := json.Marshal(x) // items that need JSON: the list is JSON too
				return string(b)
			}
			parts[i] = envText(it)
		}
		return strings.Join(parts, ",")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
