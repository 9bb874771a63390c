package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/httpapi"
	"github.com/fluxly-go/fluxly/runtime"
)

const problems = "https://fluxly-go.github.io/fluxly/problems/"

const endpointList = "branching, echo-msg, etl, fail-with, flaky, gate, orders, producer-consumer, slow"

// echoInput is echo-msg's input as records show it, with count 2 and the
// secret token redacted.
const echoInput = `{"auto_generate_md":false,"count":2,"diagram_file_path":"","max_retries":0,"md_file_path":"","message":"hello","mode":"fast","retry_delay_seconds":0,"tags":[],"timeout_seconds":0,"token":"***","verbose":true}`

const gateInput = `{"auto_generate_md":false,"diagram_file_path":"","max_retries":0,"md_file_path":"","retry_delay_seconds":0,"timeout_seconds":0,"verbose":true}`

// TestRoutes checks every route and every error status, body for body.
// {id} in a path stands for the run the case's setup submitted.
func TestRoutes(t *testing.T) {
	type setup func(t *testing.T, f *fixture) string // returns the run id for {id}
	finishedEcho := func(t *testing.T, f *fixture) string {
		rec := submit(t, f, "echo-msg", `{"count":2,"token":"s3cret"}`)
		waitTerminal(t, f, rec.RunID)
		return rec.RunID
	}
	runningGate := func(t *testing.T, f *fixture) string {
		rec := submit(t, f, "gate", `{}`)
		waitRunning(t, f, rec.RunID)
		return rec.RunID
	}
	// The one worker is busy with a gate run, so the second one waits.
	queuedGate := func(t *testing.T, f *fixture) string {
		runningGate(t, f)
		return submit(t, f, "gate", `{}`).RunID
	}
	fullQueue := func(t *testing.T, f *fixture) string {
		queuedGate(t, f)
		return ""
	}
	shuttingDown := func(t *testing.T, f *fixture) string {
		runningGate(t, f)
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // no grace: the gate run is cancelled
		if err := f.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		return ""
	}
	// History of one: the second finished run evicts the first.
	evicted := func(t *testing.T, f *fixture) string {
		first := finishedEcho(t, f)
		finishedEcho(t, f)
		return first
	}

	echoFinished := `{"run_id":"RUN_ID","endpoint":"echo-msg","workflow":"echo-msg","version":"1.0.0","status":"COMPLETED","status_code":0,"submitted":"TIME","started":"TIME","finished":"TIME","input":` + echoInput +
		`,"executions":[{"attempt":1,"start":"TIME","end":"TIME","duration":"DURATION","status":"COMPLETED","nodes":{"echo":[{"attempt":1,"start":"TIME","end":"TIME","duration":"DURATION","status":"COMPLETED","output":{"lines":2}}]}}],"error":null}` + "\n"
	cancelledRunning := `{"run_id":"RUN_ID","endpoint":"gate","workflow":"gate","version":"0.1.0","status":"CANCELLED","status_code":62,"submitted":"TIME","started":"TIME","finished":"TIME","input":` + gateInput +
		`,"executions":[{"attempt":1,"start":"TIME","end":"TIME","duration":"DURATION","status":"CANCELLED","error":{"type":"*runtime.Error","message":"run cancelled: cancelled by request"},"nodes":{"wait":[{"attempt":1,"start":"TIME","end":"TIME","duration":"DURATION","status":"CANCELLED","error":{"type":"*runtime.Error","message":"run cancelled: cancelled by request"}}]}}],"error":{"type":"*runtime.Error","message":"run cancelled: cancelled by request"}}` + "\n"

	tests := []struct {
		name       string
		opts       httpapi.Options
		setup      setup
		req        request
		wantStatus int
		wantHeader map[string]string
		wantBody   string // after normalize
	}{
		{
			name:       "submit",
			req:        request{method: "POST", path: "/echo-msg/run", body: `{"count":2,"token":"s3cret"}`},
			wantStatus: http.StatusAccepted,
			wantHeader: map[string]string{"Content-Type": "application/json", "Location": "/runs/RUN_ID", "Cache-Control": "no-store"},
			wantBody: `{"run_id":"RUN_ID","endpoint":"echo-msg","workflow":"echo-msg","version":"1.0.0","status":"WAITING","status_code":21,"submitted":"TIME","started":null,"finished":null,"input":` +
				echoInput + `,"executions":[],"error":null}` + "\n",
		},
		{
			name:       "submit with a +json media type and charset",
			req:        request{method: "POST", path: "/gate/run", body: `{}`, header: map[string]string{"Content-Type": "application/vnd.acme+json; charset=UTF-8"}},
			wantStatus: http.StatusAccepted,
			wantBody: `{"run_id":"RUN_ID","endpoint":"gate","workflow":"gate","version":"0.1.0","status":"WAITING","status_code":21,"submitted":"TIME","started":null,"finished":null,"input":` +
				gateInput + `,"executions":[],"error":null}` + "\n",
		},
		{
			name:       "get run",
			setup:      finishedEcho,
			req:        request{method: "GET", path: "/runs/{id}"},
			wantStatus: http.StatusOK,
			wantHeader: map[string]string{"Content-Type": "application/json"},
			wantBody:   echoFinished,
		},
		{
			name:       "get run of its endpoint",
			setup:      finishedEcho,
			req:        request{method: "GET", path: "/echo-msg/runs/{id}"},
			wantStatus: http.StatusOK,
			wantBody:   echoFinished,
		},
		{
			name:       "get running run",
			opts:       httpapi.Options{Workers: 1},
			setup:      runningGate,
			req:        request{method: "GET", path: "/runs/{id}"},
			wantStatus: http.StatusOK,
			// The running attempt shows; no node of it has ended yet.
			wantBody: `{"run_id":"RUN_ID","endpoint":"gate","workflow":"gate","version":"0.1.0","status":"IN_PROGRESS","status_code":22,"submitted":"TIME","started":"TIME","finished":null,"input":` +
				gateInput + `,"executions":[{"attempt":1,"start":"TIME","end":"TIME","duration":"DURATION","status":"IN_PROGRESS","nodes":{}}],"error":null}` + "\n",
		},
		{
			name:       "health",
			req:        request{method: "GET", path: "/health"},
			wantStatus: http.StatusOK,
			wantHeader: map[string]string{"Content-Type": "application/json"},
			wantBody:   `{"status":"ok"}` + "\n",
		},
		{
			name:       "health needs no token",
			opts:       httpapi.Options{Token: "t0ken"},
			req:        request{method: "GET", path: "/health"},
			wantStatus: http.StatusOK,
			wantBody:   `{"status":"ok"}` + "\n",
		},
		{
			name:       "token accepted",
			opts:       httpapi.Options{Token: "t0ken"},
			req:        request{method: "POST", path: "/gate/run", body: `{}`, header: map[string]string{"Authorization": "bearer t0ken"}},
			wantStatus: http.StatusAccepted,
			wantBody: `{"run_id":"RUN_ID","endpoint":"gate","workflow":"gate","version":"0.1.0","status":"WAITING","status_code":21,"submitted":"TIME","started":null,"finished":null,"input":` +
				gateInput + `,"executions":[],"error":null}` + "\n",
		},
		{
			name:       "cancel a waiting run",
			opts:       httpapi.Options{Workers: 1},
			setup:      queuedGate,
			req:        request{method: "POST", path: "/runs/{id}/cancel"},
			wantStatus: http.StatusOK,
			wantBody: `{"run_id":"RUN_ID","endpoint":"gate","workflow":"gate","version":"0.1.0","status":"CANCELLED","status_code":62,"submitted":"TIME","started":null,"finished":"TIME","input":` +
				gateInput + `,"executions":[],"error":{"type":"*runtime.Error","message":"run cancelled before it started: cancelled by request"}}` + "\n",
		},
		{
			name:       "cancel a running run",
			opts:       httpapi.Options{Workers: 1},
			setup:      runningGate,
			req:        request{method: "POST", path: "/runs/{id}/cancel"},
			wantStatus: http.StatusOK,
			wantBody:   cancelledRunning,
		},
		{
			name:       "list runs",
			setup:      finishedEcho,
			req:        request{method: "GET", path: "/runs?endpoint=echo-msg&status=completed&limit=5"},
			wantStatus: http.StatusOK,
			wantBody:   `{"runs":[` + strings.TrimSuffix(echoFinished, "\n") + "]}\n",
		},
		{
			name:       "list runs, none match",
			setup:      finishedEcho,
			req:        request{method: "GET", path: "/runs?status=FAILED"},
			wantStatus: http.StatusOK,
			wantBody:   `{"runs":[]}` + "\n",
		},

		// 400
		{
			name:       "malformed JSON",
			req:        request{method: "POST", path: "/echo-msg/run", body: `{"count":`},
			wantStatus: http.StatusBadRequest,
			wantHeader: map[string]string{"Content-Type": "application/problem+json"},
			wantBody:   `{"type":"` + problems + `malformed-json","title":"Malformed JSON","status":400,"detail":"input is not valid JSON: unexpected EOF","instance":"/echo-msg/run","errors":[{"field":"","rule":"syntax","message":"input is not valid JSON: unexpected EOF"}]}` + "\n",
		},
		{
			name:       "empty body",
			req:        request{method: "POST", path: "/echo-msg/run", header: map[string]string{"Content-Type": "application/json"}},
			wantStatus: http.StatusBadRequest,
			wantBody:   `{"type":"` + problems + `malformed-json","title":"Malformed JSON","status":400,"detail":"input is not valid JSON: EOF","instance":"/echo-msg/run","errors":[{"field":"","rule":"syntax","message":"input is not valid JSON: EOF"}]}` + "\n",
		},
		{
			name:       "not UTF-8",
			req:        request{method: "POST", path: "/echo-msg/run", body: "{\"message\":\"\xff\"}"},
			wantStatus: http.StatusBadRequest,
			wantBody:   `{"type":"` + problems + `malformed-json","title":"Malformed JSON","status":400,"detail":"input is not valid UTF-8 (first bad byte at offset 12)","instance":"/echo-msg/run","errors":[{"field":"","rule":"utf8","message":"input is not valid UTF-8 (first bad byte at offset 12)"}]}` + "\n",
		},
		{
			name:       "bad list query",
			req:        request{method: "GET", path: "/runs?endpoint=nope&status=DONE&limit=0&limit=2&sort=asc"},
			wantStatus: http.StatusBadRequest,
			wantBody: `{"type":"` + problems + `invalid-query","title":"Invalid query parameters","status":400,"detail":"4 query parameter problem(s)","instance":"/runs","errors":[` +
				`{"field":"endpoint","rule":"enum","message":"must be an endpoint of this app","value":"\"nope\""},` +
				`{"field":"limit","rule":"single","message":"may be given once"},` +
				`{"field":"sort","rule":"unknown_parameter","message":"is not a parameter of this route; use endpoint, status, since, limit or cursor"},` +
				`{"field":"status","rule":"enum","message":"must be a status name such as COMPLETED","value":"\"DONE\""}]}` + "\n",
		},
		{
			name:       "bad limit",
			req:        request{method: "GET", path: "/runs?limit=ten"},
			wantStatus: http.StatusBadRequest,
			wantBody:   `{"type":"` + problems + `invalid-query","title":"Invalid query parameters","status":400,"detail":"1 query parameter problem(s)","instance":"/runs","errors":[{"field":"limit","rule":"type","message":"must be an integer","value":"\"ten\""}]}` + "\n",
		},

		// 401
		{
			name:       "no token",
			opts:       httpapi.Options{Token: "t0ken"},
			req:        request{method: "GET", path: "/runs"},
			wantStatus: http.StatusUnauthorized,
			wantHeader: map[string]string{"WWW-Authenticate": `Bearer realm="fluxly"`, "Content-Type": "application/problem+json"},
			wantBody:   `{"type":"` + problems + `unauthorized","title":"Unauthorized","status":401,"detail":"this route needs a bearer token: Authorization: Bearer <token>","instance":"/runs"}` + "\n",
		},
		{
			name:       "wrong token",
			opts:       httpapi.Options{Token: "t0ken"},
			req:        request{method: "POST", path: "/echo-msg/run", body: `{}`, header: map[string]string{"Authorization": "Bearer t0ke"}},
			wantStatus: http.StatusUnauthorized,
			wantHeader: map[string]string{"WWW-Authenticate": `Bearer realm="fluxly", error="invalid_token"`},
			wantBody:   `{"type":"` + problems + `unauthorized","title":"Unauthorized","status":401,"detail":"the bearer token is wrong","instance":"/echo-msg/run"}` + "\n",
		},
		{
			name:       "basic credentials are no bearer token",
			opts:       httpapi.Options{Token: "t0ken"},
			req:        request{method: "GET", path: "/openapi.json", header: map[string]string{"Authorization": "Basic dDBrZW4="}},
			wantStatus: http.StatusUnauthorized,
			wantBody:   `{"type":"` + problems + `unauthorized","title":"Unauthorized","status":401,"detail":"the bearer token is wrong","instance":"/openapi.json"}` + "\n",
		},

		// 404
		{
			name:       "unknown endpoint",
			req:        request{method: "POST", path: "/nope/run", body: `{}`},
			wantStatus: http.StatusNotFound,
			wantBody:   `{"type":"` + problems + `not-found","title":"Not found","status":404,"detail":"no endpoint \"nope\"; endpoints: ` + endpointList + `","instance":"/nope/run"}` + "\n",
		},
		{
			name:       "unknown run",
			req:        request{method: "GET", path: "/runs/0b6f4a8e-0000-4000-8000-000000000000"},
			wantStatus: http.StatusNotFound,
			wantBody:   `{"type":"` + problems + `not-found","title":"Not found","status":404,"detail":"no run RUN_ID","instance":"/runs/RUN_ID"}` + "\n",
		},
		{
			name:       "run of another endpoint",
			setup:      finishedEcho,
			req:        request{method: "GET", path: "/flaky/runs/{id}"},
			wantStatus: http.StatusNotFound,
			wantBody:   `{"type":"` + problems + `not-found","title":"Not found","status":404,"detail":"endpoint flaky has no run RUN_ID","instance":"/flaky/runs/RUN_ID"}` + "\n",
		},
		{
			name:       "runs of an unknown endpoint",
			req:        request{method: "GET", path: "/nope/runs/x"},
			wantStatus: http.StatusNotFound,
			wantBody:   `{"type":"` + problems + `not-found","title":"Not found","status":404,"detail":"no endpoint \"nope\"; endpoints: ` + endpointList + `","instance":"/nope/runs/x"}` + "\n",
		},
		{
			name:       "cancel an unknown run",
			req:        request{method: "POST", path: "/runs/x/cancel"},
			wantStatus: http.StatusNotFound,
			wantBody:   `{"type":"` + problems + `not-found","title":"Not found","status":404,"detail":"no run x","instance":"/runs/x/cancel"}` + "\n",
		},
		{
			name:       "unknown route",
			req:        request{method: "GET", path: "/nope"},
			wantStatus: http.StatusNotFound,
			wantBody:   `{"type":"` + problems + `not-found","title":"Not found","status":404,"detail":"no route for GET /nope","instance":"/nope"}` + "\n",
		},
		{
			name:       "no docs site",
			req:        request{method: "GET", path: "/docs/"},
			wantStatus: http.StatusNotFound,
			wantBody:   `{"type":"` + problems + `not-found","title":"Not found","status":404,"detail":"no route for GET /docs/","instance":"/docs/"}` + "\n",
		},

		// 405
		{
			name:       "GET a submit route",
			req:        request{method: "GET", path: "/echo-msg/run"},
			wantStatus: http.StatusMethodNotAllowed,
			wantHeader: map[string]string{"Allow": "POST", "Content-Type": "application/problem+json"},
			wantBody:   `{"type":"` + problems + `method-not-allowed","title":"Method not allowed","status":405,"detail":"GET is not allowed on /echo-msg/run; allowed: POST","instance":"/echo-msg/run"}` + "\n",
		},
		{
			name:       "DELETE a run",
			req:        request{method: "DELETE", path: "/runs/x"},
			wantStatus: http.StatusMethodNotAllowed,
			wantHeader: map[string]string{"Allow": "GET, HEAD"},
			wantBody:   `{"type":"` + problems + `method-not-allowed","title":"Method not allowed","status":405,"detail":"DELETE is not allowed on /runs/x; allowed: GET, HEAD","instance":"/runs/x"}` + "\n",
		},
		{
			name:       "POST health",
			req:        request{method: "POST", path: "/health"},
			wantStatus: http.StatusMethodNotAllowed,
			wantHeader: map[string]string{"Allow": "GET, HEAD"},
			wantBody:   `{"type":"` + problems + `method-not-allowed","title":"Method not allowed","status":405,"detail":"POST is not allowed on /health; allowed: GET, HEAD","instance":"/health"}` + "\n",
		},

		// 409
		{
			name:       "cancel a finished run",
			setup:      finishedEcho,
			req:        request{method: "POST", path: "/runs/{id}/cancel"},
			wantStatus: http.StatusConflict,
			wantBody:   `{"type":"` + problems + `run-finished","title":"Run already finished","status":409,"detail":"run RUN_ID has already finished with status COMPLETED","instance":"/runs/RUN_ID/cancel"}` + "\n",
		},

		// 410
		{
			name:       "evicted run",
			opts:       httpapi.Options{HistorySize: 1},
			setup:      evicted,
			req:        request{method: "GET", path: "/runs/{id}"},
			wantStatus: http.StatusGone,
			wantBody:   `{"type":"` + problems + `run-evicted","title":"Run evicted from the history","status":410,"detail":"run RUN_ID has finished and was evicted from the history, which keeps the last 1 finished runs (67108864 bytes of records at most)","instance":"/runs/RUN_ID"}` + "\n",
		},
		{
			name:       "evicted run of its endpoint",
			opts:       httpapi.Options{HistorySize: 1},
			setup:      evicted,
			req:        request{method: "GET", path: "/echo-msg/runs/{id}"},
			wantStatus: http.StatusGone,
			wantBody:   `{"type":"` + problems + `run-evicted","title":"Run evicted from the history","status":410,"detail":"run RUN_ID has finished and was evicted from the history, which keeps the last 1 finished runs (67108864 bytes of records at most)","instance":"/echo-msg/runs/RUN_ID"}` + "\n",
		},
		{
			name:       "evicted run of another endpoint",
			opts:       httpapi.Options{HistorySize: 1},
			setup:      evicted,
			req:        request{method: "GET", path: "/gate/runs/{id}"},
			wantStatus: http.StatusNotFound,
			wantBody:   `{"type":"` + problems + `not-found","title":"Not found","status":404,"detail":"endpoint gate has no run RUN_ID","instance":"/gate/runs/RUN_ID"}` + "\n",
		},
		{
			name:       "cancel an evicted run",
			opts:       httpapi.Options{HistorySize: 1},
			setup:      evicted,
			req:        request{method: "POST", path: "/runs/{id}/cancel"},
			wantStatus: http.StatusGone,
			wantBody:   `{"type":"` + problems + `run-evicted","title":"Run evicted from the history","status":410,"detail":"run RUN_ID has finished and was evicted from the history, which keeps the last 1 finished runs (67108864 bytes of records at most)","instance":"/runs/RUN_ID/cancel"}` + "\n",
		},

		// 413
		{
			name:       "body over the limit",
			opts:       httpapi.Options{MaxBodyBytes: 16},
			req:        request{method: "POST", path: "/echo-msg/run", body: `{"message":"far too long"}`},
			wantStatus: http.StatusRequestEntityTooLarge,
			wantBody:   `{"type":"` + problems + `body-too-large","title":"Request body too large","status":413,"detail":"the body is over the limit of 16 bytes","instance":"/echo-msg/run"}` + "\n",
		},
		{
			name:       "body over the limit, length unknown",
			opts:       httpapi.Options{MaxBodyBytes: 16},
			req:        request{method: "POST", path: "/echo-msg/run", body: `{"message":"far too long"}`, header: map[string]string{"Transfer-Encoding": "chunked"}},
			wantStatus: http.StatusRequestEntityTooLarge,
			wantBody:   `{"type":"` + problems + `body-too-large","title":"Request body too large","status":413,"detail":"the body is over the limit of 16 bytes","instance":"/echo-msg/run"}` + "\n",
		},
		{
			name:       "body over the validator's limit",
			opts:       httpapi.Options{MaxBodyBytes: 4 << 20},
			req:        request{method: "POST", path: "/echo-msg/run", body: `{"message":"` + strings.Repeat("x", 1<<20) + `"}`},
			wantStatus: http.StatusRequestEntityTooLarge,
			wantBody:   `{"type":"` + problems + `body-too-large","title":"Request body too large","status":413,"detail":"the body is over the input size limit: input is 1048590 bytes; the limit is 1048576","instance":"/echo-msg/run"}` + "\n",
		},

		// 415
		{
			name:       "no content type",
			req:        request{method: "POST", path: "/echo-msg/run", body: `{}`, header: map[string]string{"Content-Type": ""}},
			wantStatus: http.StatusUnsupportedMediaType,
			wantHeader: map[string]string{"Accept-Post": "application/json"},
			wantBody:   `{"type":"` + problems + `unsupported-media-type","title":"Unsupported media type","status":415,"detail":"the body must be application/json; the request has no Content-Type","instance":"/echo-msg/run"}` + "\n",
		},
		{
			name:       "form content type",
			req:        request{method: "POST", path: "/echo-msg/run", body: `count=2`, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
			wantStatus: http.StatusUnsupportedMediaType,
			wantBody:   `{"type":"` + problems + `unsupported-media-type","title":"Unsupported media type","status":415,"detail":"the body must be application/json, not \"application/x-www-form-urlencoded\"","instance":"/echo-msg/run"}` + "\n",
		},
		{
			name:       "not UTF-8 charset",
			req:        request{method: "POST", path: "/echo-msg/run", body: `{}`, header: map[string]string{"Content-Type": "application/json; charset=latin1"}},
			wantStatus: http.StatusUnsupportedMediaType,
			wantBody:   `{"type":"` + problems + `unsupported-media-type","title":"Unsupported media type","status":415,"detail":"the body must be UTF-8, not \"latin1\"","instance":"/echo-msg/run"}` + "\n",
		},
		{
			name:       "compressed body",
			req:        request{method: "POST", path: "/echo-msg/run", body: `{}`, header: map[string]string{"Content-Encoding": "gzip"}},
			wantStatus: http.StatusUnsupportedMediaType,
			wantBody:   `{"type":"` + problems + `unsupported-media-type","title":"Unsupported media type","status":415,"detail":"the body must not be encoded (Content-Encoding \"gzip\")","instance":"/echo-msg/run"}` + "\n",
		},

		// 422
		{
			name:       "rule violations",
			req:        request{method: "POST", path: "/echo-msg/run", body: `{"count":0,"mode":"x","bogus":1,"tags":"a","token":5}`},
			wantStatus: http.StatusUnprocessableEntity,
			wantBody: `{"type":"` + problems + `validation","title":"Invalid input","status":422,"detail":"the input for echo-msg breaks 5 rule(s)","instance":"/echo-msg/run","errors":[` +
				`{"field":"bogus","rule":"unknown_field","message":"is not a field of this input"},` +
				`{"field":"count","rule":"minimum","message":"must be at least 1","value":"0"},` +
				`{"field":"mode","rule":"enum","message":"must be one of \"fast\", \"slow\"","value":"\"x\""},` +
				`{"field":"tags","rule":"type","message":"must be array, not string","value":"\"a\""},` +
				`{"field":"token","rule":"type","message":"must be string, not number"}]}` + "\n",
		},
		{
			name:       "required field",
			req:        request{method: "POST", path: "/fail-with/run", body: `{}`},
			wantStatus: http.StatusUnprocessableEntity,
			wantBody:   `{"type":"` + problems + `validation","title":"Invalid input","status":422,"detail":"the input for fail-with breaks 1 rule(s)","instance":"/fail-with/run","errors":[{"field":"status","rule":"required","message":"is required"}]}` + "\n",
		},
		{
			name:       "not an object",
			req:        request{method: "POST", path: "/echo-msg/run", body: `[1]`},
			wantStatus: http.StatusUnprocessableEntity,
			wantBody:   `{"type":"` + problems + `validation","title":"Invalid input","status":422,"detail":"the input for echo-msg breaks 1 rule(s)","instance":"/echo-msg/run","errors":[{"field":"","rule":"type","message":"input must be a JSON object","value":"[1]"}]}` + "\n",
		},

		// 429
		{
			name:       "queue full",
			opts:       httpapi.Options{Workers: 1, QueueSize: 1},
			setup:      fullQueue,
			req:        request{method: "POST", path: "/gate/run", body: `{}`},
			wantStatus: http.StatusTooManyRequests,
			wantHeader: map[string]string{"Retry-After": "1"},
			wantBody:   `{"type":"` + problems + `queue-full","title":"Run queue full","status":429,"detail":"1 run(s) run at once (1 per endpoint) and 1 wait (inputs up to 67108864 bytes together), the most this server takes; retry later","instance":"/gate/run"}` + "\n",
		},

		// 503
		{
			name:       "shutting down",
			setup:      shuttingDown,
			req:        request{method: "POST", path: "/echo-msg/run", body: `{}`},
			wantStatus: http.StatusServiceUnavailable,
			wantHeader: map[string]string{"Retry-After": "5"},
			wantBody:   `{"type":"` + problems + `shutting-down","title":"Shutting down","status":503,"detail":"the server is shutting down and takes no new runs","instance":"/echo-msg/run"}` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.opts)
			rq := tt.req
			if tt.setup != nil {
				id := tt.setup(t, f)
				rq.path = strings.ReplaceAll(rq.path, "{id}", id)
			}
			w := do(t, f, rq)
			if w.Code != tt.wantStatus {
				t.Errorf("status %d, want %d; body:\n%s", w.Code, tt.wantStatus, w.Body)
			}
			if got := normalize(w.Body.String()); got != tt.wantBody {
				t.Errorf("body:\n%s\nwant:\n%s", got, tt.wantBody)
			}
			for k, v := range tt.wantHeader {
				if got := normalize(w.Header().Get(k)); got != v {
					t.Errorf("header %s: %q, want %q", k, got, v)
				}
			}
			if strings.Contains(w.Body.String(), "s3cret") || strings.Contains(f.logs.String(), "s3cret") {
				t.Errorf("the secret token leaked:\nbody %s\nlogs %s", w.Body, f.logs)
			}
		})
	}
}

func TestListNewestFirst(t *testing.T) {
	f := newFixture(t, httpapi.Options{})
	var ids []string
	for _, ep := range []string{"echo-msg", "producer-consumer", "echo-msg"} {
		rec := submit(t, f, ep, `{}`)
		waitTerminal(t, f, rec.RunID)
		ids = append(ids, rec.RunID)
	}
	list := func(query string) []string {
		t.Helper()
		w := do(t, f, request{method: "GET", path: "/runs" + query})
		if w.Code != http.StatusOK {
			t.Fatalf("GET /runs%s: %d %s", query, w.Code, w.Body)
		}
		var body struct{ Runs []httpapi.Record }
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range body.Runs {
			out = append(out, r.RunID)
		}
		return out
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{ids[2], ids[1], ids[0]}},
		{"?endpoint=&status=&limit=", []string{ids[2], ids[1], ids[0]}},
		{"?limit=2", []string{ids[2], ids[1]}},
		{"?endpoint=echo-msg", []string{ids[2], ids[0]}},
		{"?endpoint=producer-consumer&status=COMPLETED", []string{ids[1]}},
		{"?status=in_progress", nil},
	}
	for _, tt := range tests {
		if got := list(tt.query); strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("GET /runs%s: %v, want %v", tt.query, got, tt.want)
		}
	}
}

func TestDocs(t *testing.T) {
	docs := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("docs at " + r.URL.Path))
	})
	f := newFixture(t, httpapi.Options{Docs: docs})
	tests := []struct {
		req        request
		wantStatus int
		wantBody   string
	}{
		{request{method: "GET", path: "/docs/"}, http.StatusOK, "docs at /"},
		{request{method: "GET", path: "/docs/echo-msg.html"}, http.StatusOK, "docs at /echo-msg.html"},
		{request{method: "GET", path: "/docs"}, http.StatusMovedPermanently, "<a href=\"/docs/\">Moved Permanently</a>.\n\n"},
		{request{method: "POST", path: "/docs/"}, http.StatusMethodNotAllowed,
			`{"type":"` + problems + `method-not-allowed","title":"Method not allowed","status":405,"detail":"POST is not allowed on /docs/; allowed: GET, HEAD","instance":"/docs/"}` + "\n"},
	}
	for _, tt := range tests {
		w := do(t, f, tt.req)
		if w.Code != tt.wantStatus || w.Body.String() != tt.wantBody {
			t.Errorf("%s %s: %d %q, want %d %q", tt.req.method, tt.req.path, w.Code, w.Body, tt.wantStatus, tt.wantBody)
		}
	}
}

func TestRequestLog(t *testing.T) {
	f := newFixture(t, httpapi.Options{})
	rec := submit(t, f, "echo-msg", `{"token":"s3cret"}`)
	waitTerminal(t, f, rec.RunID)
	do(t, f, request{method: "GET", path: "/nope"})
	var requests, finished []map[string]any
	for _, l := range f.logs.logLines(t) {
		switch l["msg"] {
		case "request":
			requests = append(requests, l)
		case "run finished":
			finished = append(finished, l)
		}
	}
	if len(requests) < 3 {
		t.Fatalf("want at least 3 request logs, got %v", requests)
	}
	first := requests[0]
	if first["method"] != "POST" || first["path"] != "/echo-msg/run" || first["status"] != float64(202) || first["run_id"] != rec.RunID {
		t.Errorf("submit log: %v", first)
	}
	if _, ok := first["duration"].(float64); !ok {
		t.Errorf("submit log has no duration: %v", first)
	}
	last := requests[len(requests)-1]
	if last["path"] != "/nope" || last["status"] != float64(404) || last["run_id"] != nil {
		t.Errorf("404 log: %v", last)
	}
	if len(finished) != 1 || finished[0]["run_id"] != rec.RunID || finished[0]["status"] != "COMPLETED" || finished[0]["status_code"] != float64(0) {
		t.Errorf("run finished logs: %v", finished)
	}
	if strings.Contains(f.logs.String(), "s3cret") {
		t.Errorf("the secret leaked into the logs:\n%s", f.logs)
	}
}

func TestNewRejectsNegativeOptions(t *testing.T) {
	_, err := httpapi.New(appOf(newApp(nil)), httpapi.Options{Workers: -1, HistorySize: -2})
	want := "httpapi: Options.Workers must not be negative\nhttpapi: Options.HistorySize must not be negative"
	if err == nil || err.Error() != want {
		t.Errorf("New: %v, want %q", err, want)
	}
}

func TestBrokenAppHasNoServer(t *testing.T) {
	app := newApp(nil)
	examples.Register(app) // every endpoint twice
	if _, _, err := command.AppOf(app); err == nil || !strings.Contains(err.Error(), `endpoint "echo-msg" is registered twice`) {
		t.Errorf("AppOf: %v", err)
	}
	if _, err := httpapi.New(nil, httpapi.Options{}); err == nil {
		t.Error("New(nil) gave a server")
	}
}

func TestRunFailures(t *testing.T) {
	f := newFixture(t, httpapi.Options{})
	tests := []struct {
		endpoint, body string
		want           runtime.Status
	}{
		{"fail-with", `{"status":"DATA_ERROR"}`, runtime.DataError},
		{"producer-consumer", `{"value":0}`, runtime.DataError},
		{"slow", `{"sleep":"1.5s"}`, runtime.TimedOut},
		{"flaky", `{"succeed_on":1}`, runtime.Completed},
	}
	for _, tt := range tests {
		rec := submit(t, f, tt.endpoint, tt.body)
		got := waitTerminal(t, f, rec.RunID)
		if got.Status != tt.want || got.StatusCode != tt.want.Code() || got.Finished == nil || got.Started == nil {
			t.Errorf("%s %s: %s (%d), want %s", tt.endpoint, tt.body, got.Status, got.StatusCode, tt.want)
		}
		if tt.want != runtime.Completed && got.Error == nil {
			t.Errorf("%s: no error in the record", tt.endpoint)
		}
	}
}
