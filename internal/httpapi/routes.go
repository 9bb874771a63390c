package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/internal/endpoint"
	"github.com/fluxly-go/fluxly/internal/openapi"
	"github.com/fluxly-go/fluxly/internal/runid"
	"github.com/fluxly-go/fluxly/internal/runrec"
	"github.com/fluxly-go/fluxly/internal/store"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// cancelWait bounds how long POST /runs/{id}/cancel waits for a running
// run to stop before answering 202.
const cancelWait = 5 * time.Second

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", s.health)
	mux.HandleFunc("GET /openapi.json", s.openAPI)
	mux.HandleFunc("GET /runs", s.listRuns)
	mux.HandleFunc("GET /runs/{run_id}", s.getRun)
	mux.HandleFunc("POST /runs/{run_id}/cancel", s.cancelRun)
	mux.HandleFunc("POST /runs/{run_id}/resume", s.resumeRun)
	mux.HandleFunc("POST /{endpoint}/run", s.submit)
	mux.HandleFunc("GET /{endpoint}/runs/{run_id}", s.getEndpointRun)
	return mux
}

var healthBody = []byte(`{"status":"ok"}` + "\n")

func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, healthBody)
}

func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", contentJSON)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(s.openapi)
}

func (s *Server) serveDocs(w *statusWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeProblem(w, newProblem(ProblemMethodNotAllowed, http.StatusMethodNotAllowed, r,
			fmt.Sprintf("%s is not allowed on %s; allowed: GET, HEAD", r.Method, r.URL.Path)))
		return
	}
	if r.URL.Path == "/docs" {
		http.Redirect(w, r, "/docs/", http.StatusMovedPermanently)
		return
	}
	http.StripPrefix("/docs", s.opts.Docs).ServeHTTP(w, r)
}

// submit validates the body and queues a run: POST /{endpoint}/run.
func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	wf := s.workflow(w, r)
	if wf == nil {
		return
	}
	if p := checkMediaType(r); p != nil {
		w.Header().Set("Accept-Post", contentJSON)
		writeProblem(w, p)
		return
	}
	body, p := s.readBody(w, r)
	if p != nil {
		writeProblem(w, p)
		return
	}
	input, err := s.app.Endpoints.Get(wf.Endpoint).DecodeJSON(body)
	if err != nil {
		writeProblem(w, s.decodeProblem(r, wf, err))
		return
	}
	s.admit(w, r, s.newRun(wf, input, "", nil, int64(len(body))))
}

// admit queues a new run, stores its record and answers 202, or answers
// why it cannot take it (429, 503). The record is in the store before the
// answer: whatever happens to the process after a 202, the run's id
// resolves.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, run *run) {
	waiting := run.current() // the record as admitted, before a worker moves it on
	start, err := s.active.admit(run)
	switch {
	case errors.Is(err, errQueueFull):
		w.Header().Set("Retry-After", "1")
		writeProblem(w, newProblem(ProblemQueueFull, http.StatusTooManyRequests, r,
			fmt.Sprintf("%d run(s) run at once (%d per endpoint) and %d wait (inputs up to %d bytes together), the most this server takes; retry later",
				s.opts.Workers, s.opts.MaxRunningPerEndpoint, s.opts.QueueSize, s.opts.MaxQueuedBytes)))
		return
	case errors.Is(err, errDraining):
		w.Header().Set("Retry-After", "5")
		writeProblem(w, newProblem(ProblemShuttingDown, http.StatusServiceUnavailable, r,
			"the server is shutting down and takes no new runs"))
		return
	}
	if err := s.persist.write(run); err != nil {
		// Not recorded, so not accepted: take the run back.
		s.log.LogAttrs(r.Context(), slog.LevelError, "cannot store a new run", slog.String("run_id", run.id), slog.String("error", err.Error()))
		if start {
			if next := s.active.next(run); next != nil {
				go s.work(next)
			}
		} else if s.active.cancel(run) == cancelDequeued {
			s.active.retireDequeued(run)
		}
		run.cancel(nil)
		w.Header().Set("Retry-After", "5")
		writeProblem(w, newProblem(ProblemShuttingDown, http.StatusServiceUnavailable, r,
			"the run cannot be recorded: "+err.Error()))
		return
	}
	if start {
		go s.work(run)
	}
	setRunID(w, run.id)
	w.Header().Set("Location", "/runs/"+run.id)
	writeJSON(w, http.StatusAccepted, waiting.body())
}

// newRun makes the record of an admitted input, WAITING. prev is the run
// it resumes, if any.
func (s *Server) newRun(wf *introspect.Workflow, input *endpoint.Input, resumedFrom string, prev *runtime.Result, size int64) *run {
	id := runid.New()
	r := &run{id: id, endpoint: wf.Endpoint, input: input, prev: prev, size: size, done: make(chan struct{}),
		limits: s.store.Limits()}
	r.ctx, r.cancel = context.WithCancelCause(s.runCtx)
	in, _ := store.Shrink(encodeJSON(input.Redacted()), nil, r.limits)
	r.rec = wireRecord{
		RunID: id, Endpoint: wf.Endpoint, Workflow: wf.Name, Version: wf.Version,
		Status: runtime.Waiting, StatusCode: runtime.Waiting.Code(),
		Submitted:   time.Now().UTC(),
		ResumedFrom: resumedFrom,
		Input:       bytes.TrimSuffix(in, []byte("\n")),
		Executions:  []*runtime.WorkflowExecution{},
	}
	r.mu.Lock()
	r.publish()
	r.mu.Unlock()
	return r
}

// checkMediaType accepts application/json and any +json type, in UTF-8 and
// without a content coding.
func checkMediaType(r *http.Request) *Problem {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	switch {
	case ct == "":
		return newProblem(ProblemMediaType, http.StatusUnsupportedMediaType, r, "the body must be application/json; the request has no Content-Type")
	case err != nil || (mt != contentJSON && !strings.HasSuffix(mt, "+json")):
		return newProblem(ProblemMediaType, http.StatusUnsupportedMediaType, r, fmt.Sprintf("the body must be application/json, not %q", ct))
	case params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8"):
		return newProblem(ProblemMediaType, http.StatusUnsupportedMediaType, r, fmt.Sprintf("the body must be UTF-8, not %q", params["charset"]))
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return newProblem(ProblemMediaType, http.StatusUnsupportedMediaType, r, fmt.Sprintf("the body must not be encoded (Content-Encoding %q)", ce))
	}
	return nil
}

// readBody reads the body up to the size limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *Problem) {
	limit := s.opts.MaxBodyBytes
	tooLarge := func() *Problem {
		return newProblem(ProblemTooLarge, http.StatusRequestEntityTooLarge, r, fmt.Sprintf("the body is over the limit of %d bytes", limit))
	}
	if r.ContentLength > limit {
		return nil, tooLarge()
	}
	if sw, ok := w.(*statusWriter); ok {
		w = sw.ResponseWriter // MaxBytesReader tells the server's own writer to close the connection
	}
	// The buffer grows as bytes arrive, never to a declared Content-Length:
	// a client that declares a megabyte and sends nothing costs nothing.
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge()
	case err != nil:
		return nil, newProblem(ProblemMalformed, http.StatusBadRequest, r, "reading the body: "+err.Error())
	}
	return buf.Bytes(), nil
}

// decodeProblem maps the validator's verdict to a status: the body is not
// JSON at all (400), is too large for the validator (413), or breaks rules
// (422, every one listed).
func (s *Server) decodeProblem(r *http.Request, wf *introspect.Workflow, err error) *Problem {
	var ve *describe.ValidationError
	if !errors.As(err, &ve) {
		// Decode fails otherwise only for a workflow not built by Describe.
		return &Problem{Type: "about:blank", Title: "Internal Server Error", Status: http.StatusInternalServerError,
			Detail: "the input cannot be decoded: " + err.Error(), Instance: r.URL.Path}
	}
	if len(ve.Errors) == 1 {
		switch fe := ve.Errors[0]; fe.Rule {
		case "syntax", "utf8":
			p := newProblem(ProblemMalformed, http.StatusBadRequest, r, fe.Message)
			p.Errors = ve.Errors
			return p
		case "max_size":
			return newProblem(ProblemTooLarge, http.StatusRequestEntityTooLarge, r, "the body is over the input size limit: "+fe.Message)
		}
	}
	p := newProblem(ProblemValidation, http.StatusUnprocessableEntity, r,
		fmt.Sprintf("the input for %s breaks %d rule(s)", wf.Endpoint, len(ve.Errors)))
	p.Errors = ve.Errors
	return p
}

// workflow returns the endpoint named in the path, or answers 404.
func (s *Server) workflow(w http.ResponseWriter, r *http.Request) *introspect.Workflow {
	name := r.PathValue("endpoint")
	if wf := s.model.Workflow(name); wf != nil {
		return wf
	}
	names := make([]string, len(s.model.Workflows))
	for i, wf := range s.model.Workflows {
		names[i] = wf.Endpoint
	}
	writeProblem(w, newProblem(ProblemNotFound, http.StatusNotFound, r,
		fmt.Sprintf("no endpoint %q; endpoints: %s", name, strings.Join(names, ", "))))
	return nil
}

// found is a run named in a path: active (its live state) or stored.
type found struct {
	active *run
	stored store.Run
}

func (f *found) body() []byte {
	if f.active != nil {
		return f.active.current().body()
	}
	return f.stored.Body
}

func (f *found) status() runtime.Status {
	if f.active != nil {
		return f.active.current().status
	}
	return f.stored.Status
}

// findRun returns the run named in the path (of endpoint, when not ""), or
// answers 404, 410 or 500.
func (s *Server) findRun(w http.ResponseWriter, r *http.Request, endpoint string) *found {
	id := r.PathValue("run_id")
	setRunID(w, id)
	if run := s.active.lookup(id); run != nil {
		if endpoint == "" || run.endpoint == endpoint {
			return &found{active: run}
		}
		writeProblem(w, newProblem(ProblemNotFound, http.StatusNotFound, r, fmt.Sprintf("endpoint %s has no run %s", endpoint, id)))
		return nil
	}
	sr, err := s.store.Get(id)
	var ev *store.EvictedError
	switch {
	case err == nil && (endpoint == "" || sr.Endpoint == endpoint):
		return &found{stored: sr}
	case errors.As(err, &ev) && (endpoint == "" || ev.Endpoint == endpoint):
		writeProblem(w, newProblem(ProblemRunEvicted, http.StatusGone, r,
			fmt.Sprintf("run %s has finished and was evicted from the history, which keeps the last %d finished runs (%d bytes of records at most)",
				id, s.store.Limits().MaxRuns, s.store.Limits().MaxBytes)))
	case err != nil && !errors.Is(err, store.ErrNotFound) && ev == nil:
		writeProblem(w, &Problem{Type: "about:blank", Title: "Internal Server Error", Status: http.StatusInternalServerError,
			Detail: "the run store cannot be read: " + err.Error(), Instance: r.URL.Path})
	case endpoint != "":
		writeProblem(w, newProblem(ProblemNotFound, http.StatusNotFound, r, fmt.Sprintf("endpoint %s has no run %s", endpoint, id)))
	default:
		writeProblem(w, newProblem(ProblemNotFound, http.StatusNotFound, r, fmt.Sprintf("no run %s", id)))
	}
	return nil
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	if f := s.findRun(w, r, ""); f != nil {
		writeJSON(w, http.StatusOK, f.body())
	}
}

func (s *Server) getEndpointRun(w http.ResponseWriter, r *http.Request) {
	wf := s.workflow(w, r)
	if wf == nil {
		return
	}
	if f := s.findRun(w, r, wf.Endpoint); f != nil {
		writeJSON(w, http.StatusOK, f.body())
	}
}

// cancelRun cancels a run: a waiting one ends CANCELLED at once (200); a
// running one is answered once it has stopped (200) or, if that takes
// longer than cancelWait, while it is stopping (202).
func (s *Server) cancelRun(w http.ResponseWriter, r *http.Request) {
	f := s.findRun(w, r, "")
	if f == nil {
		return
	}
	run := f.active
	res := cancelTooLate
	if run != nil {
		res = s.active.cancel(run)
	}
	switch res {
	case cancelDequeued:
		run.cancelQueued(errCancelRequested, time.Now().UTC())
		s.storeFinal(run)
		s.logFinished(run)
		s.active.retireDequeued(run)
	case cancelTooLate:
		writeProblem(w, newProblem(ProblemRunFinished, http.StatusConflict, r,
			fmt.Sprintf("run %s has already finished with status %s", r.PathValue("run_id"), f.status())))
		return
	case cancelSignalled:
		t := time.NewTimer(cancelWait)
		defer t.Stop()
		select {
		case <-run.done:
		case <-t.C:
		case <-r.Context().Done():
		}
	}
	status := http.StatusOK
	if !store.Terminal(f.status()) {
		status = http.StatusAccepted
	}
	writeJSON(w, status, f.body())
}

// resumeRun starts a new run of a run that did not complete: POST
// /runs/{run_id}/resume, with an optional JSON object of input values that
// replace the recorded ones (secrets that were set, and values too large
// to keep, must be given again). Nodes that COMPLETED keep their recorded
// outputs and do not run again.
func (s *Server) resumeRun(w http.ResponseWriter, r *http.Request) {
	f := s.findRun(w, r, "")
	if f == nil {
		return
	}
	id := r.PathValue("run_id")
	if f.active != nil || !store.Terminal(f.status()) {
		writeProblem(w, newProblem(ProblemNotResumable, http.StatusConflict, r, fmt.Sprintf("run %s has not ended yet", id)))
		return
	}
	rec, err := runrec.Decode(f.body())
	if err != nil {
		writeProblem(w, &Problem{Type: "about:blank", Title: "Internal Server Error", Status: http.StatusInternalServerError, Detail: err.Error(), Instance: r.URL.Path})
		return
	}
	if rec.Status == runtime.Completed {
		writeProblem(w, newProblem(ProblemNotResumable, http.StatusConflict, r, fmt.Sprintf("run %s completed: there is nothing to resume", id)))
		return
	}
	ep := s.app.Endpoints.Get(rec.Endpoint)
	if ep == nil {
		writeProblem(w, newProblem(ProblemNotResumable, http.StatusConflict, r, fmt.Sprintf("run %s is of endpoint %s, which this server does not serve", id, rec.Endpoint)))
		return
	}
	var overrides map[string]any
	body := []byte("{}")
	if r.ContentLength != 0 {
		if p := checkMediaType(r); p != nil {
			writeProblem(w, p)
			return
		}
		var p *Problem
		if body, p = s.readBody(w, r); p != nil {
			writeProblem(w, p)
			return
		}
	}
	overrides, err = ep.Parse(body)
	if err != nil {
		writeProblem(w, s.decodeProblem(r, ep.Model(), err))
		return
	}
	doc, problems := runrec.ResumeDoc(rec, ep.Model(), overrides)
	if len(problems) > 0 {
		p := newProblem(ProblemValidation, http.StatusUnprocessableEntity, r,
			fmt.Sprintf("run %s cannot be resumed with its recorded input alone: %d value(s) must be given again in the body", id, len(problems)))
		p.Errors = problems
		writeProblem(w, p)
		return
	}
	input, err := ep.Decode(doc)
	if err != nil {
		writeProblem(w, s.decodeProblem(r, ep.Model(), err))
		return
	}
	s.admit(w, r, s.newRun(ep.Model(), input, rec.RunID, runrec.ResumePrev(rec), int64(len(body))))
}

// listRuns answers GET /runs?endpoint=&status=&since=&limit=&cursor=:
// newest first, a page at most limit runs and Options.MaxListBytes bytes;
// "next" is the cursor of the following page.
func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	q, p := s.listQuery(r)
	if p != nil {
		writeProblem(w, p)
		return
	}
	page, err := s.store.List(q.filter, q.cursor, q.limit, s.opts.MaxListBytes)
	if err != nil {
		writeProblem(w, newProblem(ProblemInvalidQuery, http.StatusBadRequest, r, err.Error()))
		return
	}
	var buf bytes.Buffer
	buf.WriteString(`{"runs":[`)
	for i, sr := range page.Runs {
		if i > 0 {
			buf.WriteByte(',')
		}
		body := sr.Body
		if run := s.active.lookup(sr.ID); run != nil {
			body = run.current().body() // fresher than its stored progress
		}
		buf.Write(bytes.TrimSuffix(body, []byte("\n")))
	}
	buf.WriteString("]")
	if page.Next != "" {
		buf.WriteString(`,"next":` + strconv.Quote(page.Next))
	}
	buf.WriteString("}\n")
	writeJSON(w, http.StatusOK, buf.Bytes())
}

type listQuery struct {
	filter store.Filter
	cursor string
	limit  int
}

// listQuery parses the query of GET /runs, reporting every bad parameter.
func (s *Server) listQuery(r *http.Request) (q listQuery, p *Problem) {
	q.limit = openapi.DefaultListLimit
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return q, newProblem(ProblemInvalidQuery, http.StatusBadRequest, r, "the query cannot be parsed: "+err.Error())
	}
	var errs []describe.FieldError
	for _, name := range sortedKeys(values) {
		vs := values[name]
		v := vs[0]
		switch {
		case len(vs) == 1 && v == "" && (name == "endpoint" || name == "status" || name == "limit" || name == "since" || name == "cursor"):
			continue // an empty value filters nothing: ?endpoint=&status=&limit=
		case len(vs) > 1:
			errs = append(errs, describe.FieldError{Field: name, Rule: "single", Message: "may be given once"})
			continue
		}
		switch name {
		case "endpoint":
			if s.model.Workflow(v) == nil {
				errs = append(errs, describe.FieldError{Field: name, Rule: "enum", Message: "must be an endpoint of this app", Value: quote(v)})
			}
			q.filter.Endpoint = v
		case "status":
			st, err := runtime.ParseStatus(v)
			if err != nil {
				errs = append(errs, describe.FieldError{Field: name, Rule: "enum", Message: "must be a status name such as COMPLETED", Value: quote(v)})
				continue
			}
			q.filter.Status = &st
		case "since":
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				errs = append(errs, describe.FieldError{Field: name, Rule: "format", Message: "must be an RFC 3339 time such as 2026-12-01T10:00:00Z", Value: quote(v)})
				continue
			}
			q.filter.Since = t
		case "cursor":
			if _, err := strconv.ParseUint(v, 10, 64); err != nil {
				errs = append(errs, describe.FieldError{Field: name, Rule: "format", Message: "must be the next value of a previous page", Value: quote(v)})
			}
			q.cursor = v
		case "limit":
			n, err := strconv.Atoi(v)
			switch {
			case err != nil:
				errs = append(errs, describe.FieldError{Field: name, Rule: "type", Message: "must be an integer", Value: quote(v)})
			case n < 1 || n > openapi.MaxListLimit:
				errs = append(errs, describe.FieldError{Field: name, Rule: "range", Message: fmt.Sprintf("must be between 1 and %d", openapi.MaxListLimit), Value: v})
			default:
				q.limit = n
			}
		default:
			errs = append(errs, describe.FieldError{Field: name, Rule: "unknown_parameter", Message: "is not a parameter of this route; use endpoint, status, since, limit or cursor"})
		}
	}
	if len(errs) > 0 {
		p = newProblem(ProblemInvalidQuery, http.StatusBadRequest, r, fmt.Sprintf("%d query parameter problem(s)", len(errs)))
		p.Errors = errs
	}
	return q, p
}

func quote(v string) string {
	if len(v) > 64 {
		v = v[:61] + "..."
	}
	return strconv.Quote(v)
}

func sortedKeys(q url.Values) []string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func unauthorized(w http.ResponseWriter, r *http.Request) {
	detail := "this route needs a bearer token: Authorization: Bearer <token>"
	challenge := `Bearer realm="fluxly"`
	if r.Header.Get("Authorization") != "" {
		detail = "the bearer token is wrong"
		challenge += `, error="invalid_token"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writeProblem(w, newProblem(ProblemUnauthorized, http.StatusUnauthorized, r, detail))
}

// writeJSON answers with a JSON body (ending in a newline).
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentJSON)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// statusWriter records what a handler answered, for the request log, and
// turns the mux's own plain-text 404 and 405 into problems.
type statusWriter struct {
	http.ResponseWriter
	req     *http.Request
	routed  bool // the request went through the mux
	status  int
	runID   string
	swallow bool // the body the mux writes after its 404/405 is dropped
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	// A route the mux matched sets req.Pattern; none did for its fallback.
	if w.routed && w.req.Pattern == "" && (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) {
		w.swallow = true
		w.Header().Del("X-Content-Type-Options")
		if code == http.StatusNotFound {
			writeProblem(w.ResponseWriter, newProblem(ProblemNotFound, code, w.req,
				fmt.Sprintf("no route for %s %s", w.req.Method, w.req.URL.Path)))
			return
		}
		writeProblem(w.ResponseWriter, newProblem(ProblemMethodNotAllowed, code, w.req,
			fmt.Sprintf("%s is not allowed on %s; allowed: %s", w.req.Method, w.req.URL.Path, w.Header().Get("Allow"))))
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// setRunID tags the request's log record with a run id.
func setRunID(w http.ResponseWriter, id string) {
	if sw, ok := w.(*statusWriter); ok {
		sw.runID = id
	}
}
