// Package openapi writes the OpenAPI 3.1 document of an app's HTTP API:
// each endpoint's request body schema is its published input JSON Schema,
// as is. The HTTP API serves it at /openapi.json and the docs site renders
// it as a reference page.
package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// ProblemBase prefixes every problem type URI of the API's error answers
// (RFC 9457). The types are stable: a client may switch on them.
const ProblemBase = "https://fluxly-go.github.io/fluxly/problems/"

// Limits of GET /runs.
const (
	DefaultListLimit = 50
	MaxListLimit     = 1000
)

// ContentJSON is the media type of request and response bodies.
const ContentJSON = "application/json"

const (
	contentJSON    = ContentJSON
	contentProblem = "application/problem+json"
)

// obj is a JSON object of the OpenAPI document; encoding/json writes its
// keys sorted, so the document is byte-for-byte reproducible.
type obj = map[string]any

func ref(kind, name string) obj { return obj{"$ref": "#/components/" + kind + "/" + name} }

// inputSchemaName is the component name of an endpoint's input schema.
func inputSchemaName(endpoint string) string { return endpoint + ".input" }

// Document describes the HTTP API of app name (at version) serving the
// workflows of m as OpenAPI 3.1; with auth, every route but /health needs
// a bearer token. The document is byte-for-byte reproducible.
func Document(name, version string, m *introspect.Model, auth bool) []byte {
	if version == "" {
		version = "(devel)"
	}
	schemas := baseSchemas()
	paths := obj{}
	for _, w := range m.Workflows {
		schemas[inputSchemaName(w.Endpoint)] = embedSchema(w.Schema, inputSchemaName(w.Endpoint))
		summary := "Run " + w.Endpoint
		paths["/"+w.Endpoint+"/run"] = obj{"post": obj{
			"operationId": "submit-" + w.Endpoint,
			"summary":     summary,
			"description": fmt.Sprintf("%s\n\nValidates the body against the input schema of workflow %s (unknown fields are rejected, defaults fill absent ones) and queues a run. The answer is the run record, WAITING; poll `Location` for its progress.", w.Description, w.Name),
			"tags":        []string{"runs"},
			"requestBody": obj{
				"required": true,
				"content":  obj{contentJSON: obj{"schema": ref("schemas", inputSchemaName(w.Endpoint))}},
			},
			"responses": withAuth(auth, obj{
				"202": ref("responses", "Accepted"),
				"400": ref("responses", "MalformedJSON"),
				"413": ref("responses", "TooLarge"),
				"415": ref("responses", "UnsupportedMediaType"),
				"422": ref("responses", "ValidationFailed"),
				"429": ref("responses", "QueueFull"),
				"503": ref("responses", "ShuttingDown"),
			}),
		}}
		paths["/"+w.Endpoint+"/runs/{run_id}"] = obj{"get": obj{
			"operationId": "get-" + w.Endpoint + "-run",
			"summary":     "Get a run of " + w.Endpoint,
			"tags":        []string{"runs"},
			"parameters":  []any{ref("parameters", "RunID")},
			"responses": withAuth(auth, obj{
				"200": ref("responses", "Run"),
				"404": ref("responses", "NotFound"),
				"410": ref("responses", "Evicted"),
			}),
		}}
	}
	paths["/runs"] = obj{"get": obj{
		"operationId": "list-runs",
		"summary":     "List recent runs, newest first",
		"tags":        []string{"runs"},
		"parameters": []any{
			obj{"name": "endpoint", "in": "query", "description": "Only runs of this endpoint.",
				"schema": obj{"type": "string", "enum": endpointNames(m)}},
			obj{"name": "status", "in": "query", "description": "Only runs with this status (by name, case-insensitive).",
				"schema": obj{"type": "string"}},
			obj{"name": "since", "in": "query", "description": "Only runs submitted at or after this time (RFC 3339).",
				"schema": obj{"type": "string", "format": "date-time"}},
			obj{"name": "limit", "in": "query", "description": "At most this many runs in the page (a page also stops at the server's byte limit).",
				"schema": obj{"type": "integer", "minimum": 1, "maximum": MaxListLimit, "default": DefaultListLimit}},
			obj{"name": "cursor", "in": "query", "description": "Where the page starts: the next value of the previous page.",
				"schema": obj{"type": "string", "pattern": "^[0-9]+$"}},
		},
		"responses": withAuth(auth, obj{
			"200": obj{"description": "The runs, newest first.", "content": obj{contentJSON: obj{"schema": ref("schemas", "RunList")}}},
			"400": ref("responses", "InvalidQuery"),
		}),
	}}
	paths["/runs/{run_id}"] = obj{"get": obj{
		"operationId": "get-run",
		"summary":     "Get a run",
		"tags":        []string{"runs"},
		"parameters":  []any{ref("parameters", "RunID")},
		"responses": withAuth(auth, obj{
			"200": ref("responses", "Run"),
			"404": ref("responses", "NotFound"),
			"410": ref("responses", "Evicted"),
		}),
	}}
	paths["/runs/{run_id}/cancel"] = obj{"post": obj{
		"operationId": "cancel-run",
		"summary":     "Cancel a run",
		"description": "A waiting run ends CANCELLED at once; a running one is cancelled and the answer waits (a few seconds at most) until it has stopped. Its final status is CANCELLED unless it finished first.",
		"tags":        []string{"runs"},
		"parameters":  []any{ref("parameters", "RunID")},
		"responses": withAuth(auth, obj{
			"200": obj{"description": "The run has ended: its final record.", "content": obj{contentJSON: obj{"schema": ref("schemas", "RunRecord")}}},
			"202": obj{"description": "The run is cancelled but has not stopped yet: its current record.", "content": obj{contentJSON: obj{"schema": ref("schemas", "RunRecord")}}},
			"404": ref("responses", "NotFound"),
			"409": ref("responses", "Finished"),
			"410": ref("responses", "Evicted"),
		}),
	}}
	paths["/runs/{run_id}/resume"] = obj{"post": obj{
		"operationId": "resume-run",
		"summary":     "Resume a run that did not complete",
		"description": "Starts a new run of the same endpoint with the recorded input, linked to the old one (resumed_from). Nodes that COMPLETED keep their recorded outputs and do not run again (reused: true); the others run. The optional body holds input values that replace the recorded ones; secrets that were set, and values too large to keep, must be given again.",
		"tags":        []string{"runs"},
		"parameters":  []any{ref("parameters", "RunID")},
		"requestBody": obj{"required": false, "content": obj{contentJSON: obj{"schema": obj{"type": "object"}}}},
		"responses": withAuth(auth, obj{
			"202": ref("responses", "Accepted"),
			"400": ref("responses", "MalformedJSON"),
			"404": ref("responses", "NotFound"),
			"409": ref("responses", "NotResumable"),
			"410": ref("responses", "Evicted"),
			"413": ref("responses", "TooLarge"),
			"415": ref("responses", "UnsupportedMediaType"),
			"422": ref("responses", "ValidationFailed"),
			"429": ref("responses", "QueueFull"),
			"503": ref("responses", "ShuttingDown"),
		}),
	}}
	paths["/health"] = obj{"get": obj{
		"operationId": "health",
		"summary":     "Liveness",
		"tags":        []string{"server"},
		"security":    []any{},
		"responses": obj{"200": obj{"description": "The server is up.",
			"content": obj{contentJSON: obj{"schema": ref("schemas", "Health")}}}},
	}}
	paths["/openapi.json"] = obj{"get": obj{
		"operationId": "openapi",
		"summary":     "This document",
		"tags":        []string{"server"},
		"responses": withAuth(auth, obj{"200": obj{"description": "The OpenAPI 3.1 document.",
			"content": obj{contentJSON: obj{"schema": obj{"type": "object"}}}}}),
	}}

	doc := obj{
		"openapi": "3.1.0",
		"info": obj{
			"title":   name + " HTTP API",
			"version": version,
			"description": "Submit, poll and cancel runs of the app's workflows. Errors are application/problem+json (RFC 9457); " +
				"their `type` is one of " + ProblemBase + "{malformed-json, invalid-query, unauthorized, not-found, method-not-allowed, " +
				"run-finished, not-resumable, run-evicted, body-too-large, unsupported-media-type, validation, queue-full, shutting-down}.",
		},
		"tags": []any{
			obj{"name": "runs", "description": "Submit, poll, list and cancel runs."},
			obj{"name": "server", "description": "Health and this document."},
		},
		"paths": paths,
		"components": obj{
			"schemas":    schemas,
			"responses":  baseResponses(),
			"parameters": obj{"RunID": obj{"name": "run_id", "in": "path", "required": true, "description": "The run's id (a UUID).", "schema": obj{"type": "string"}}},
			"securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer",
				"description": "The token set with FLUXLY_API_TOKEN; every route but /health needs it when set."}},
		},
	}
	if auth {
		doc["security"] = []any{obj{"bearer": []any{}}}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		panic("httpapi: encoding the OpenAPI document: " + err.Error()) // plain data and schemas introspect built
	}
	return buf.Bytes()
}

// embedSchema makes a published input schema a component of the document.
// The schema is its own resource ($id), against which its "#/$defs/…"
// references resolve; OpenAPI tools resolve "#/…" against the document
// instead. So the component drops $schema and $id (noting the $id in
// $comment) and its references point into the component itself: the same
// schema, resolvable either way.
func embedSchema(schema []byte, name string) any {
	dec := json.NewDecoder(bytes.NewReader(schema))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		panic("httpapi: an input schema is not a JSON object: " + err.Error()) // introspect built it
	}
	if id, ok := root["$id"].(string); ok {
		root["$comment"] = "Published as " + id
	}
	delete(root, "$id")
	delete(root, "$schema")
	prefix := "#/components/schemas/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(name)
	rewriteRefs(root, prefix)
	return root
}

// rewriteRefs prefixes every local $ref in a schema, leaving data keywords
// (default, enum, const, examples) alone.
func rewriteRefs(v any, prefix string) {
	switch v := v.(type) {
	case map[string]any:
		for k, sub := range v {
			switch k {
			case "default", "enum", "const", "examples":
				continue
			case "$ref":
				if ref, ok := sub.(string); ok && strings.HasPrefix(ref, "#/") {
					v[k] = prefix + ref[1:]
				}
				continue
			}
			rewriteRefs(sub, prefix)
		}
	case []any:
		for _, sub := range v {
			rewriteRefs(sub, prefix)
		}
	}
}

func withAuth(auth bool, responses obj) obj {
	if auth {
		responses["401"] = ref("responses", "Unauthorized")
	}
	return responses
}

func endpointNames(m *introspect.Model) []string {
	out := make([]string, len(m.Workflows))
	for i, w := range m.Workflows {
		out[i] = w.Endpoint
	}
	return out
}

func problemResponse(description string) obj {
	return obj{"description": description, "content": obj{contentProblem: obj{"schema": ref("schemas", "Problem")}}}
}

func baseResponses() obj {
	record := obj{contentJSON: obj{"schema": ref("schemas", "RunRecord")}}
	return obj{
		"Accepted": obj{
			"description": "The run is queued: its record, WAITING.",
			"headers":     obj{"Location": obj{"description": "The run's URL, /runs/{run_id}.", "schema": obj{"type": "string"}}},
			"content":     record,
		},
		"Run":                  obj{"description": "The run's record.", "content": record},
		"MalformedJSON":        problemResponse("The body is not valid JSON (malformed-json); errors holds the syntax error."),
		"InvalidQuery":         problemResponse("A query parameter is unknown or invalid (invalid-query); errors lists each."),
		"Unauthorized":         problemResponse("The bearer token is missing or wrong (unauthorized)."),
		"NotFound":             problemResponse("No such endpoint or run (not-found)."),
		"Finished":             problemResponse("The run has already finished (run-finished)."),
		"NotResumable":         problemResponse("The run has not ended, or completed, or is of an endpoint this server does not serve (not-resumable)."),
		"Evicted":              problemResponse("The run finished and was evicted from the bounded history (run-evicted)."),
		"TooLarge":             problemResponse("The body is over the size limit (body-too-large)."),
		"UnsupportedMediaType": problemResponse("The body is not application/json (unsupported-media-type)."),
		"ValidationFailed":     problemResponse("The input breaks its schema's rules (validation); errors lists every one."),
		"QueueFull": func() obj {
			o := problemResponse("Every worker is busy and the queue is full (queue-full); retry after Retry-After seconds.")
			o["headers"] = obj{"Retry-After": obj{"description": "Seconds to wait.", "schema": obj{"type": "integer"}}}
			return o
		}(),
		"ShuttingDown": problemResponse("The server is shutting down and takes no new runs (shutting-down)."),
	}
}

func statusNames() []string {
	var out []string
	for _, s := range runtime.Statuses() {
		out = append(out, s.String())
	}
	return out
}

func baseSchemas() obj {
	nullable := func(s obj) obj { return obj{"anyOf": []any{s, obj{"type": "null"}}} }
	dateTime := obj{"type": "string", "format": "date-time"}
	duration := obj{"type": "string", "description": "A Go duration, e.g. 1.5s."}
	status := ref("schemas", "Status")
	errorInfo := ref("schemas", "ErrorInfo")
	return obj{
		"Status": obj{
			"type":        "string",
			"description": "A status name; application-defined codes are named STATUS_<code>.",
			"anyOf":       []any{obj{"enum": statusNames()}, obj{"pattern": "^STATUS_[0-9]{1,3}$"}},
		},
		"ErrorInfo": obj{
			"type":     "object",
			"required": []string{"type", "message"},
			"properties": obj{
				"type":    obj{"type": "string", "description": "The error's Go type, or panic."},
				"message": obj{"type": "string"},
			},
		},
		"NodeExecution": obj{
			"type":     "object",
			"required": []string{"attempt", "start", "end", "duration", "status"},
			"properties": obj{
				"attempt":  obj{"type": "integer", "minimum": 1},
				"start":    dateTime,
				"end":      dateTime,
				"duration": duration,
				"status":   status,
				"error":    errorInfo,
				"output":   obj{"description": "The node's typed output, when it has one and the attempt ran to the end; a value too large to keep is a marker {truncated, bytes, sha256}."},
				"reused":   obj{"type": "boolean", "description": "The execution was kept from the run this one resumes; the node did not run again."},
			},
		},
		"WorkflowExecution": obj{
			"type":     "object",
			"required": []string{"attempt", "start", "end", "duration", "status", "nodes"},
			"properties": obj{
				"attempt":  obj{"type": "integer", "minimum": 1},
				"start":    dateTime,
				"end":      dateTime,
				"duration": duration,
				"status":   status,
				"error":    errorInfo,
				"nodes": obj{"type": "object", "description": "Every node that ran, with all its attempts, oldest first.",
					"additionalProperties": obj{"type": "array", "items": ref("schemas", "NodeExecution")}},
				"skipped": obj{"type": "array", "items": obj{"type": "string"}},
			},
		},
		"RunRecord": obj{
			"type":                 "object",
			"additionalProperties": false,
			"required": []string{"run_id", "endpoint", "workflow", "version", "status", "status_code",
				"submitted", "started", "finished", "input", "executions", "error"},
			"properties": obj{
				"run_id":       obj{"type": "string", "format": "uuid", "description": "A random (version 4) UUID."},
				"endpoint":     obj{"type": "string"},
				"workflow":     obj{"type": "string", "description": "The workflow's name."},
				"version":      obj{"type": "string", "description": "The workflow's version; empty when it has none."},
				"status":       status,
				"status_code":  obj{"type": "integer", "description": "The status's code: WAITING 21, IN_PROGRESS 22, COMPLETED 0, CANCELLED 62, …"},
				"submitted":    dateTime,
				"started":      nullable(dateTime),
				"finished":     nullable(dateTime),
				"resumed_from": obj{"type": "string", "description": "The run this one resumes."},
				"input":        obj{"type": "object", "description": "The input with defaults applied; secret fields are \"***\"; a value too large to keep is a marker {truncated, bytes, sha256}."},
				"executions":   obj{"type": "array", "items": ref("schemas", "WorkflowExecution"), "description": "Every workflow attempt: while the run goes on, each node attempt as it ends (without outputs); once it has ended, every attempt with its output."},
				"error":        nullable(errorInfo),
			},
		},
		"RunList": obj{
			"type":     "object",
			"required": []string{"runs"},
			"properties": obj{
				"runs": obj{"type": "array", "items": ref("schemas", "RunRecord")},
				"next": obj{"type": "string", "description": "The cursor of the following page; absent on the last page."},
			},
		},
		"FieldError": obj{
			"type":     "object",
			"required": []string{"field", "rule", "message"},
			"properties": obj{
				"field":   obj{"type": "string", "description": "JSON path of the field (count, tags[1], db.host); empty for the whole document."},
				"rule":    obj{"type": "string", "description": "The rule broken: minimum, enum, required, unknown_field, syntax, …"},
				"message": obj{"type": "string"},
				"value":   obj{"type": "string", "description": "The offending value, truncated; never given for secret fields."},
			},
		},
		"Problem": obj{
			"type":        "object",
			"description": "An RFC 9457 problem.",
			"required":    []string{"type", "title", "status"},
			"properties": obj{
				"type":     obj{"type": "string", "format": "uri"},
				"title":    obj{"type": "string"},
				"status":   obj{"type": "integer"},
				"detail":   obj{"type": "string"},
				"instance": obj{"type": "string"},
				"errors":   obj{"type": "array", "items": ref("schemas", "FieldError")},
			},
		},
		"Health": obj{
			"type":       "object",
			"required":   []string{"status"},
			"properties": obj{"status": obj{"const": "ok"}},
		},
	}
}
