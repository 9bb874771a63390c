// Package cli is the command line of a Fluxly app: a subcommand per
// endpoint, built with kong from the introspection model (never from kong
// tags in user structs), the environment trigger (the endpoint named by
// <PREFIX>ENDPOINT, run from environment variables alone), and the tool
// commands beside the endpoints, all of them command.Commands.
package cli

import (
	"context"
	"fmt"
	"slices"

	"github.com/fluxly-go/fluxly/internal/command"
)

// reserved are the tool command names; no endpoint may take one, whether
// or not the binary wires the command in.
var reserved = []string{"serve", "docs", "schema", "graph", "model", "version", "completion", "runs", "worker"}

// Reserved returns the tool command names no endpoint may take.
func Reserved() []string { return slices.Clone(reserved) }

// runFlags are the flags of every endpoint's run command; no input field
// may map to one.
var runFlags = []string{"help", "version", "input-file", "result-file", "log-format", "log-level", "progress", "data-dir"}

// ReservedFlags returns the flags of the run commands themselves.
func ReservedFlags() []string { return slices.Clone(runFlags) }

// settings are the app's own environment variables, without the prefix.
var settings = []string{"ENDPOINT", "INPUT_FILE", "RESULT_FILE", "LOG_FORMAT", "LOG_LEVEL", "PROGRESS", "API_TOKEN", "HOST", "PORT", "GRACE", "SVG_CACHE", "API_BASE_URL", "SCHEMA_BASE_URL", "DATA_DIR", "MAX_RUN_DURATION"}

// ReservedEnv returns the app's own environment variables under prefix;
// no input field may map to one.
func ReservedEnv(prefix string) []string {
	out := make([]string, len(settings))
	for i, s := range settings {
		out[i] = prefix + s
	}
	return out
}

// Builtin returns the tool commands of the command line itself: model
// and version.
func Builtin() []command.Command {
	return []command.Command{
		{Name: "model", Help: "Print the introspection model of every workflow as JSON.", Run: func(_ context.Context, env *command.Env) error {
			_, err := env.Stdout.Write(env.App.Model().JSON())
			return err
		}},
		{Name: "version", Help: "Print the app's version.", Run: func(_ context.Context, env *command.Env) error {
			_, err := fmt.Fprintln(env.Stdout, versionText(env.App))
			return err
		}},
		completionCommand(),
		runsCommand(),
	}
}
