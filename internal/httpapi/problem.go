package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/internal/openapi"
)

// ProblemBase prefixes every problem type URI. The types are stable: a
// client may switch on them.
const ProblemBase = openapi.ProblemBase

// Problem types (RFC 9457), each with the status it is answered with.
const (
	ProblemMalformed        = ProblemBase + "malformed-json"         // 400: the body is not JSON (syntax, UTF-8)
	ProblemInvalidQuery     = ProblemBase + "invalid-query"          // 400: a query parameter is unknown or invalid
	ProblemUnauthorized     = ProblemBase + "unauthorized"           // 401: the bearer token is missing or wrong
	ProblemNotFound         = ProblemBase + "not-found"              // 404: no such route, endpoint or run
	ProblemMethodNotAllowed = ProblemBase + "method-not-allowed"     // 405: the route exists, the method does not (see Allow)
	ProblemRunFinished      = ProblemBase + "run-finished"           // 409: cancelling a run that already ended
	ProblemNotResumable     = ProblemBase + "not-resumable"          // 409: resuming a run that has not ended, or completed
	ProblemRunEvicted       = ProblemBase + "run-evicted"            // 410: the run ended and left the bounded history
	ProblemTooLarge         = ProblemBase + "body-too-large"         // 413: the body is over the size limit
	ProblemMediaType        = ProblemBase + "unsupported-media-type" // 415: the body is not application/json
	ProblemValidation       = ProblemBase + "validation"             // 422: the input breaks its schema's rules (see errors)
	ProblemQueueFull        = ProblemBase + "queue-full"             // 429: every worker is busy and the queue is full
	ProblemShuttingDown     = ProblemBase + "shutting-down"          // 503: the server is draining and takes no new runs
)

// Problem is an error response, served as application/problem+json.
// Errors lists every rule an input broke (422), the syntax error (400), or
// every bad query parameter (400).
type Problem struct {
	Type     string                `json:"type"`
	Title    string                `json:"title"`
	Status   int                   `json:"status"`
	Detail   string                `json:"detail,omitempty"`
	Instance string                `json:"instance,omitempty"`
	Errors   []describe.FieldError `json:"errors,omitempty"`
}

// problemTitles holds each type's fixed title: RFC 9457 wants the title to
// stay the same from one occurrence to the next.
var problemTitles = map[string]string{
	ProblemMalformed:        "Malformed JSON",
	ProblemInvalidQuery:     "Invalid query parameters",
	ProblemUnauthorized:     "Unauthorized",
	ProblemNotFound:         "Not found",
	ProblemMethodNotAllowed: "Method not allowed",
	ProblemRunFinished:      "Run already finished",
	ProblemNotResumable:     "Run cannot be resumed",
	ProblemRunEvicted:       "Run evicted from the history",
	ProblemTooLarge:         "Request body too large",
	ProblemMediaType:        "Unsupported media type",
	ProblemValidation:       "Invalid input",
	ProblemQueueFull:        "Run queue full",
	ProblemShuttingDown:     "Shutting down",
}

func newProblem(typ string, status int, r *http.Request, detail string) *Problem {
	return &Problem{Type: typ, Title: problemTitles[typ], Status: status, Detail: detail, Instance: r.URL.Path}
}

const (
	contentJSON    = "application/json"
	contentProblem = "application/problem+json"
)

// writeProblem answers with p.
func writeProblem(w http.ResponseWriter, p *Problem) {
	h := w.Header()
	h.Set("Content-Type", contentProblem)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_, _ = w.Write(encodeJSON(p))
}

// encodeJSON encodes plain data (no channels, funcs or cycles), which cannot
// fail, without HTML escaping and ending in a newline.
func encodeJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("httpapi: encoding " + err.Error()) // a programming error: every value encoded here is plain data
	}
	return buf.Bytes()
}
