package cli

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/internal/runrec"
	"github.com/fluxly-go/fluxly/internal/store"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// The runs command reads and acts on run records: those of the local run
// stores (the command line's cli.db and a server's server.db in
// --data-dir), or a server's through its HTTP API (--url, with
// FLUXLY_API_TOKEN).

type runsTarget struct {
	URL     string `name:"url" env:"FLUXLY_API_BASE_URL" placeholder:"URL" help:"A server's base URL, e.g. http://127.0.0.1:8000 (with FLUXLY_API_TOKEN when it has one); without it, the local run stores in --data-dir."`
	DataDir string `name:"data-dir" env:"FLUXLY_DATA_DIR" placeholder:"DIR" help:"Directory of the local run stores (cli.db, server.db). Default: the user's state directory (~/.local/state/fluxly/<app>)."`
}

type runsFlags struct {
	List struct {
		runsTarget `embed:""`
		Endpoint   string `placeholder:"NAME" help:"Only runs of this endpoint."`
		Status     string `placeholder:"STATUS" help:"Only runs with this status, e.g. FAILED."`
		Since      string `placeholder:"WHEN" help:"Only runs submitted since: an RFC 3339 time, or a duration back from now such as 24h."`
		Limit      int    `default:"20" help:"At most this many runs."`
		Format     string `enum:"table,json" default:"table" help:"Output format. One of: table, json."`
	} `cmd:"" help:"List runs, newest first."`
	Show struct {
		runsTarget `embed:""`
		ID         string `arg:"" help:"The run's id."`
		Format     string `enum:"table,json" default:"table" help:"Output format: a summary and a per-node table, or the record as JSON. One of: table, json."`
	} `cmd:"" help:"Show a run: its record and a per-node summary."`
	Cancel struct {
		runsTarget `embed:""`
		ID         string `arg:"" help:"The run's id."`
	} `cmd:"" help:"Cancel a run that is waiting or running."`
	Resume struct {
		runsTarget `embed:""`
		ID         string `arg:"" help:"The run's id."`
		InputFile  string `name:"input-file" placeholder:"FILE" help:"Input values (JSON object) replacing the recorded ones; secrets that were set must be given again here or in their environment variables."`
		ResultFile string `name:"result-file" placeholder:"PATH" help:"Local resumes: write the new run here as JSON; - writes it to stdout."`
		LogFormat  string `name:"log-format" enum:"text,json" default:"text" help:"Local resumes: log format on stderr. One of: text, json."`
		LogLevel   string `name:"log-level" enum:"debug,info,warn,error" default:"info" help:"Local resumes: least severe log level shown. One of: debug, info, warn, error."`
		Progress   string `enum:"auto,always,never" default:"auto" help:"Local resumes: live per-node progress. One of: auto, always, never."`
	} `cmd:"" help:"Run again what did not complete of a run: a new run, linked to the old one, where nodes that COMPLETED keep their recorded outputs and do not run again. Locally it runs here; with --url, on the server."`
}

func runsCommand() command.Command {
	f := &runsFlags{}
	return command.Command{
		Name:  "runs",
		Help:  "List, show, cancel and resume runs: the local run stores', or a server's (--url).",
		Flags: f,
		Run:   func(ctx context.Context, env *command.Env) error { return runRuns(ctx, env, f) },
	}
}

func runRuns(ctx context.Context, env *command.Env, f *runsFlags) error {
	action := ""
	if len(env.Path) > 1 {
		action = env.Path[1]
	}
	switch action {
	case "list":
		return runsList(env, f)
	case "show":
		return runsShow(env, f.Show.runsTarget, f.Show.ID, f.Show.Format)
	case "cancel":
		return runsCancel(env, f.Cancel.runsTarget, f.Cancel.ID)
	case "resume":
		return runsResume(ctx, env, f)
	}
	return command.Usagef("runs: want list, show, cancel or resume")
}

// notFound is a run that neither store nor server has: exit 1.
type notFound struct{ error }

func runsList(env *command.Env, f *runsFlags) error {
	l := f.List
	if l.Limit < 1 || l.Limit > 1000 {
		return command.Usagef("--limit %d: want 1 to 1000", l.Limit)
	}
	var filter store.Filter
	if l.Endpoint != "" {
		if env.App.Endpoints.Get(l.Endpoint) == nil && l.URL == "" {
			return command.UnknownEndpoint(env.App, l.Endpoint)
		}
		filter.Endpoint = l.Endpoint
	}
	if l.Status != "" {
		st, err := runtime.ParseStatus(l.Status)
		if err != nil {
			return command.Usagef("--status: %v", err)
		}
		filter.Status = &st
	}
	if l.Since != "" {
		t, err := parseSince(l.Since, time.Now())
		if err != nil {
			return command.Usagef("--since %q: %v", l.Since, err)
		}
		filter.Since = t
	}
	var recs []*runrec.Record
	var notes []string
	if l.URL != "" {
		q := url.Values{}
		if filter.Endpoint != "" {
			q.Set("endpoint", filter.Endpoint)
		}
		if filter.Status != nil {
			q.Set("status", filter.Status.String())
		}
		if !filter.Since.IsZero() {
			q.Set("since", filter.Since.UTC().Format(time.RFC3339))
		}
		q.Set("limit", strconv.Itoa(l.Limit))
		var page struct {
			Runs []*runrec.Record `json:"runs"`
		}
		if err := remote(env, l.URL, http.MethodGet, "/runs?"+q.Encode(), nil, &page); err != nil {
			return err
		}
		recs = page.Runs
	} else {
		dir, err := runsDir(env, l.DataDir)
		if err != nil {
			return err
		}
		for _, file := range []string{store.CLIFile, store.ServerFile} {
			err := withLocal(dir, file, func(st store.Store) error {
				p, err := st.List(filter, "", l.Limit, 256<<20)
				if err != nil {
					return err
				}
				for _, sr := range p.Runs {
					rec, err := runrec.Decode(sr.Body)
					if err != nil {
						return err
					}
					recs = append(recs, rec)
				}
				return nil
			})
			if note := localNote(dir, file, err); note != "" {
				notes = append(notes, note)
			} else if err != nil {
				return err
			}
		}
		slices.SortStableFunc(recs, func(a, b *runrec.Record) int { return b.Submitted.Compare(a.Submitted) })
		recs = recs[:min(len(recs), l.Limit)]
	}
	for _, n := range notes {
		fmt.Fprintln(env.Stderr, n)
	}
	if l.Format == "json" {
		if recs == nil {
			recs = []*runrec.Record{}
		}
		return printJSON(env.Stdout, map[string]any{"runs": recs})
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN ID\tENDPOINT\tSTATUS\tSUBMITTED\tDURATION\tRESUMED FROM")
	for _, r := range recs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.RunID, r.Endpoint, r.Status, r.Submitted.UTC().Format(time.RFC3339), runDuration(r), dash(r.ResumedFrom))
	}
	return tw.Flush()
}

func runsShow(env *command.Env, t runsTarget, id, format string) error {
	rec, body, err := findRecord(env, t, id)
	if err != nil {
		return err
	}
	if format == "json" {
		_, err := env.Stdout.Write(body)
		return err
	}
	w := env.Stdout
	fmt.Fprintf(w, "Run %s of %s", rec.RunID, rec.Endpoint)
	switch {
	case rec.Workflow != rec.Endpoint && rec.Version != "":
		fmt.Fprintf(w, " (workflow %s, version %s)", rec.Workflow, rec.Version)
	case rec.Workflow != rec.Endpoint:
		fmt.Fprintf(w, " (workflow %s)", rec.Workflow)
	case rec.Version != "":
		fmt.Fprintf(w, " (version %s)", rec.Version)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Status:    %s (code %d)\n", rec.Status, rec.StatusCode)
	if rec.Error != nil {
		fmt.Fprintf(w, "Error:     %s (%s)\n", rec.Error.Message, rec.Error.Type)
	}
	fmt.Fprintf(w, "Submitted: %s\n", rec.Submitted.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "Duration:  %s\n", runDuration(rec))
	if rec.ResumedFrom != "" {
		fmt.Fprintf(w, "Resumes:   %s\n", rec.ResumedFrom)
	}
	fmt.Fprintf(w, "Workflow attempts: %d\n\n", len(rec.Executions))
	if n := len(rec.Executions); n == 0 || len(rec.Executions[n-1].Nodes) == 0 && len(rec.Executions[n-1].Skipped) == 0 {
		// A run interrupted before any node attempt ended (a crash, a
		// restart) has no node records: attempts in flight are not stored.
		_, err := fmt.Fprintln(w, "No node attempt ended: none is recorded (an attempt in flight when a run is interrupted is not stored).")
		return err
	}
	last := rec.Executions[len(rec.Executions)-1]
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tSTATUS\tATTEMPTS\tDURATION\tNOTE")
	names := make([]string, 0, len(last.Nodes))
	for n := range last.Nodes {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(last.Nodes[a][0].Start.Compare(last.Nodes[b][0].Start), strings.Compare(a, b))
	})
	for _, n := range names {
		recs := last.Nodes[n]
		final := recs[len(recs)-1]
		var d time.Duration
		for _, a := range recs {
			d += time.Duration(a.Duration)
		}
		note := ""
		switch {
		case final.Reused:
			note = "reused from " + rec.ResumedFrom
		case final.Error != nil:
			note = final.Error.Message
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", n, final.Status, len(recs), d.Round(time.Microsecond), oneLine(note))
	}
	for _, n := range last.Skipped {
		fmt.Fprintf(tw, "%s\t%s\t0\t-\t\n", n, "skipped")
	}
	return tw.Flush()
}

func runsCancel(env *command.Env, t runsTarget, id string) error {
	if t.URL != "" {
		var rec runrec.Record
		if err := remote(env, t.URL, http.MethodPost, "/runs/"+url.PathEscape(id)+"/cancel", nil, &rec); err != nil {
			return err
		}
		_, err := fmt.Fprintf(env.Stdout, "run %s: %s\n", rec.RunID, rec.Status)
		return err
	}
	dir, err := runsDir(env, t.DataDir)
	if err != nil {
		return err
	}
	var done bool
	err = withLocal(dir, store.CLIFile, func(st store.Store) error {
		sr, err := st.Get(id)
		switch {
		case err != nil:
			return err
		case sr.Terminal():
			done = true
			return fmt.Errorf("run %s has already finished with status %s", id, sr.Status)
		}
		sr.CancelRequested = true
		return st.Put(sr)
	})
	if errors.Is(err, store.ErrNotFound) {
		return notFound{fmt.Errorf("no local run %s in %s (a server's run is cancelled with --url)", id, dir)}
	}
	if err != nil || done {
		return err
	}
	_, err = fmt.Fprintf(env.Stdout, "run %s: cancellation asked; the process running it stops it within %v\n", id, cancelEvery+flushEvery)
	return err
}

func runsResume(ctx context.Context, env *command.Env, f *runsFlags) error {
	rf := f.Resume
	var overrides map[string]any
	if rf.InputFile != "" {
		data, err := readInputFile(rf.InputFile)
		if err != nil {
			return &command.UsageError{Err: err}
		}
		if err := json.Unmarshal(data, &overrides); err != nil || overrides == nil {
			return command.Usagef("--input-file %s: not a JSON object", rf.InputFile)
		}
	}
	rec, _, err := findRecord(env, rf.runsTarget, rf.ID)
	if err != nil {
		return err
	}
	ep := env.App.Endpoints.Get(rec.Endpoint)
	if ep == nil {
		return command.Usagef("run %s is of endpoint %q, which this app does not have", rec.RunID, rec.Endpoint)
	}
	// Secrets come back from their environment variables.
	w := ep.Model()
	overrides = secretsFromEnv(env, w, overrides)
	if rf.URL != "" {
		body, err := json.Marshal(overrides)
		if err != nil {
			return err
		}
		var nr runrec.Record
		if err := remote(env, rf.URL, http.MethodPost, "/runs/"+url.PathEscape(rf.ID)+"/resume", body, &nr); err != nil {
			return err
		}
		_, err = fmt.Fprintf(env.Stdout, "run %s resumes %s: %s\n", nr.RunID, rf.ID, nr.Status)
		return err
	}
	if !rec.Terminal() {
		return command.Usagef("run %s has not ended yet", rec.RunID)
	}
	if rec.Status == runtime.Completed {
		return command.Usagef("run %s completed: there is nothing to resume", rec.RunID)
	}
	doc, problems := runrec.ResumeDoc(rec, w, overrides)
	if len(problems) > 0 {
		return &command.UsageError{Err: fmt.Errorf("run %s cannot be resumed with its recorded input alone:\n%s", rec.RunID,
			describeErrors(w, &describe.ValidationError{Endpoint: w.Endpoint, Errors: problems}, func(string) string { return "" }))}
	}
	input, err := ep.Decode(doc)
	var ve *describe.ValidationError
	if errors.As(err, &ve) {
		return &command.ExitError{Code: command.ExitInvalid, Err: errors.New(describeErrors(w, ve, func(string) string { return "" }))}
	}
	if err != nil {
		return err
	}
	r := &runner{app: env.App, e: ep, w: w, vars: envMap(env), stdout: env.Stdout, stderr: env.Stderr, ctl: map[string]string{
		"result-file": rf.ResultFile, "log-format": rf.LogFormat, "log-level": rf.LogLevel, "progress": rf.Progress, "data-dir": rf.DataDir,
	}}
	if code := r.execute(ctx, input, runrec.ResumePrev(rec)); code != 0 {
		return &command.ExitError{Code: code}
	}
	return nil
}

// secretsFromEnv adds to overrides every secret field whose environment
// variable is set and that overrides do not give.
func secretsFromEnv(env *command.Env, w *introspect.Workflow, overrides map[string]any) map[string]any {
	if overrides == nil {
		overrides = map[string]any{}
	}
	for i := range w.Input.Fields {
		f := &w.Input.Fields[i]
		raw := env.Getenv(f.Env)
		if !f.Secret || f.Env == "" || raw == "" {
			continue
		}
		if _, given := lookup(overrides, f.Name); given {
			continue
		}
		if v, err := parseEnvValue(f, raw); err == nil {
			set(overrides, f.Name, v)
		}
	}
	return overrides
}

// findRecord finds a run: on the server with --url, else in the local
// stores.
func findRecord(env *command.Env, t runsTarget, id string) (*runrec.Record, []byte, error) {
	if t.URL != "" {
		var raw json.RawMessage
		if err := remote(env, t.URL, http.MethodGet, "/runs/"+url.PathEscape(id), nil, &raw); err != nil {
			return nil, nil, err
		}
		rec, err := runrec.Decode(raw)
		return rec, append(raw, '\n'), err
	}
	dir, err := runsDir(env, t.DataDir)
	if err != nil {
		return nil, nil, err
	}
	var notes []string
	for _, file := range []string{store.CLIFile, store.ServerFile} {
		var body []byte
		err := withLocal(dir, file, func(st store.Store) error {
			sr, err := st.Get(id)
			body = sr.Body
			return err
		})
		if err == nil {
			rec, err := runrec.Decode(body)
			return rec, body, err
		}
		var ev *store.EvictedError
		switch {
		case errors.As(err, &ev):
			return nil, nil, notFound{fmt.Errorf("run %s was evicted from %s", id, filepath.Join(dir, file))}
		case errors.Is(err, store.ErrNotFound):
		default:
			if note := localNote(dir, file, err); note != "" {
				notes = append(notes, note)
				continue
			}
			return nil, nil, err
		}
	}
	msg := fmt.Sprintf("no run %s in the local run stores of %s", id, dir)
	if len(notes) > 0 {
		msg += " (" + strings.Join(notes, "; ") + ")"
	}
	return nil, nil, notFound{errors.New(msg)}
}

func runsDir(env *command.Env, flag string) (string, error) {
	dir, err := dataDir(flag, env.App.Name)
	if err != nil {
		return "", &command.UsageError{Err: err}
	}
	if dir == "" {
		return "", command.Usagef("--data-dir off: there is no local run store to read")
	}
	return dir, nil
}

// withLocal opens one of the data directory's stores for fn, marking
// the command line's runs whose process is gone as interrupted first. A
// store that does not exist yet is empty.
func withLocal(dir, file string, fn func(store.Store) error) error {
	path := filepath.Join(dir, file)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		empty, _ := store.OpenMemory(store.Limits{})
		return fn(empty)
	}
	wait := lockWait
	if file == store.ServerFile {
		wait = 200 * time.Millisecond // a running server holds it
	}
	st, err := store.OpenFile(path, store.Limits{}, wait)
	if err != nil {
		return err
	}
	defer st.Close()
	if file == store.CLIFile {
		if _, err := runrec.Interrupt(st, time.Now().UTC(), "the process running it ended first", staleOwner); err != nil {
			return err
		}
	}
	return fn(st)
}

// localNote explains a store that could not be read because a server
// holds it, or "".
func localNote(dir, file string, err error) string {
	if errors.Is(err, store.ErrLocked) && file == store.ServerFile {
		return fmt.Sprintf("note: %s is in use by a running server; ask it with --url", filepath.Join(dir, file))
	}
	return ""
}

// remote calls a server's API and decodes its JSON answer into out.
func remote(env *command.Env, base, method, path string, body []byte, out any) error {
	u, err := url.Parse(strings.TrimRight(base, "/") + path)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return command.Usagef("--url %q: want http(s)://host[:port]", base)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u.String(), rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := env.Setting("API_TOKEN"); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("asking %s: %w", base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 512<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var p struct {
			Detail string `json:"detail"`
			Errors []struct {
				Field, Message string
			} `json:"errors"`
		}
		_ = json.Unmarshal(data, &p)
		msg := fmt.Sprintf("%s %s: %s", method, path, resp.Status)
		if p.Detail != "" {
			msg += ": " + p.Detail
		}
		for _, e := range p.Errors {
			msg += "\n  " + strings.TrimPrefix(e.Field+": "+e.Message, ": ")
		}
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
			return notFound{errors.New(msg)}
		}
		return errors.New(msg)
	}
	return json.Unmarshal(data, out)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// parseSince reads an RFC 3339 time or a duration back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return time.Time{}, errors.New("want an RFC 3339 time (2026-12-01T10:00:00Z) or a duration such as 24h")
	}
	return now.Add(-d), nil
}

func runDuration(r *runrec.Record) string {
	if r.Started == nil {
		return "-"
	}
	end := time.Now()
	if r.Finished != nil {
		end = *r.Finished
	}
	return end.Sub(*r.Started).Round(time.Millisecond).String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// envMap is what a runner reads of the environment besides input fields.
func envMap(env *command.Env) map[string]string {
	m := map[string]string{"TERM": env.Getenv("TERM")}
	if v := env.Getenv("NO_COLOR"); v != "" {
		m["NO_COLOR"] = v
	}
	return m
}
