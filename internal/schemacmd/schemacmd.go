// Package schemacmd is the schema tool command: an endpoint's input JSON
// Schema, or all of them.
package schemacmd

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/fluxly-go/fluxly/internal/command"
)

// Command returns the schema command.
func Command() command.Command {
	sf := &schemaFlags{}
	return command.Command{Name: "schema", Help: "Print an endpoint's input JSON Schema (all of them, keyed by endpoint, without an argument).",
		Flags: sf, Run: func(_ context.Context, env *command.Env) error { return runSchema(env, sf) }}
}

type schemaFlags struct {
	Endpoint string `arg:"" optional:"" help:"The endpoint whose schema to print."`
}

func runSchema(env *command.Env, flags *schemaFlags) error {
	m := env.App.Model()
	if flags.Endpoint != "" {
		w := m.Workflow(flags.Endpoint)
		if w == nil {
			return command.UnknownEndpoint(env.App, flags.Endpoint)
		}
		_, err := env.Stdout.Write(w.Schema)
		return err
	}
	all := map[string]json.RawMessage{}
	for _, w := range m.Workflows {
		all[w.Endpoint] = w.Schema
	}
	b, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(env.Stdout, "%s\n", b)
	return err
}
