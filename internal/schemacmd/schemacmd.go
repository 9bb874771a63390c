// Package schemacmd is the schema tool command: print an endpoint's input
// JSON Schema (or all of them), or compare published schemas with others
// or with the app's own, classifying each change as breaking or compatible
// for callers (package internal/schemadiff).
//
//	schema [ENDPOINT] [--schema-base-url URL]
//	schema diff OLD [NEW] [--format text|json]
//
// OLD and NEW are schema files (<endpoint>.schema.json) or directories of
// them — a docs build's output directory will do, its schemas/ directory
// is used. Without NEW, OLD is compared with the app's current schemas.
// Exit status: 0 when every change is compatible (or there is none),
// [ExitBreaking] when one is breaking, 2 for usage errors, [ExitError]
// when a schema cannot be read.
package schemacmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/introspect"
)

// Exit statuses of schema diff besides 0 (compatible) and
// command.ExitUsage (2).
const (
	ExitBreaking = 1 // a change breaks callers of the old schema
	ExitError    = 3 // a schema could not be read or is not a JSON Schema
)

// Command returns the schema command.
func Command() command.Command {
	sf := &schemaFlags{}
	return command.Command{
		Name: "schema",
		Help: "Print an endpoint's input JSON Schema (all of them, keyed by endpoint, without an argument), " +
			"or compare schemas: schema diff OLD [NEW] (files or directories; without NEW, against this app's). " +
			"schema diff exits 0 when every change is compatible, 1 when one breaks callers, 2 on usage errors, 3 when a schema cannot be read.",
		Flags: sf,
		Run:   func(_ context.Context, env *command.Env) error { return run(env, sf) },
	}
}

type schemaFlags struct {
	Endpoint      string `arg:"" optional:"" placeholder:"ENDPOINT|diff" help:"The endpoint whose schema to print, or diff to compare schemas."`
	Old           string `arg:"" optional:"" placeholder:"OLD" help:"schema diff: the old schema file, or a directory of <endpoint>.schema.json files (or a docs build, whose schemas/ is read)."`
	New           string `arg:"" optional:"" placeholder:"NEW" help:"schema diff: the new schema file or directory (default: this app's schemas)."`
	SchemaBaseURL string `name:"schema-base-url" env:"FLUXLY_SCHEMA_BASE_URL" placeholder:"URL" help:"Base URL of the schemas' $id (default: the app's, else relative ids: <endpoint>.schema.json)."`
	Format        string `enum:"text,json" default:"text" help:"Output of schema diff: text or json."`
}

func run(env *command.Env, f *schemaFlags) error {
	if err := describe.CheckSchemaBaseURL(f.SchemaBaseURL); err != nil {
		return command.Usagef("--schema-base-url: %w", err)
	}
	var args []string
	for _, a := range []string{f.Endpoint, f.Old, f.New} {
		if a != "" {
			args = append(args, a)
		}
	}
	m, err := describe.WithSchemaBase(env.App.Model(), f.SchemaBaseURL)
	if err != nil {
		return &command.ExitError{Code: ExitError, Err: err}
	}
	switch {
	case len(args) == 0:
		return printAll(env, m)
	case len(args) == 1 && (args[0] != "diff" || m.Workflow("diff") != nil):
		w := m.Workflow(args[0])
		if w == nil {
			return command.UnknownEndpoint(env.App, args[0])
		}
		_, err := env.Stdout.Write(w.Schema)
		return err
	case args[0] == "diff" && len(args) == 1:
		return command.Usagef("schema diff needs OLD (a schema file or a directory of them), and optionally NEW")
	case args[0] == "diff":
		return diff(env, m, args[1:], f.Format)
	}
	return command.Usagef("schema takes one endpoint, or diff OLD [NEW]; got %q", strings.Join(args, " "))
}

// printAll prints every schema, keyed by endpoint, with <, > and & as they
// are.
func printAll(env *command.Env, m *introspect.Model) error {
	all := map[string]json.RawMessage{}
	for _, w := range m.Workflows {
		all[w.Endpoint] = w.Schema
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := env.Stdout.Write(buf.Bytes())
	return err
}

// breakingError reports breaking changes (listed on stdout).
type breakingError struct{ changes, schemas int }

func (e *breakingError) Error() string {
	return plural(e.changes, "breaking change") + " in " + plural(e.schemas, "schema") + ": callers of the old schemas may be refused"
}

// ExitCode returns ExitBreaking.
func (e *breakingError) ExitCode() int { return ExitBreaking }

var _ command.ExitCoder = (*breakingError)(nil)

func readError(err error) error {
	var ee *command.ExitError
	if errors.As(err, &ee) {
		return err
	}
	return &command.ExitError{Code: ExitError, Err: err}
}
