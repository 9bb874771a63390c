package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
)

func builtinTools() []Command {
	sf := &schemaFlags{}
	return []Command{
		{Name: "model", Help: "Print the introspection model of every workflow as JSON.", Run: func(_ context.Context, env *Env) error {
			_, err := env.Stdout.Write(env.Model.JSON())
			return err
		}},
		{Name: "schema", Help: "Print an endpoint's input JSON Schema (all of them, keyed by endpoint, without an argument).",
			Flags: sf, Run: func(_ context.Context, env *Env) error { return runSchema(env, sf) }},
		{Name: "version", Help: "Print the app's version.", Run: func(_ context.Context, env *Env) error {
			v := env.App.AppVersion()
			if v == "" {
				v = "(devel)"
			}
			_, err := fmt.Fprintf(env.Stdout, "%s %s (fluxly, %s)\n", env.App.AppName(), v, runtime.Version())
			return err
		}},
	}
}

type schemaFlags struct {
	Endpoint string `arg:"" optional:"" help:"The endpoint whose schema to print."`
}

type usageExit struct{ error }

func (usageExit) ExitCode() int { return ExitUsage }

func runSchema(env *Env, flags *schemaFlags) error {
	if flags.Endpoint != "" {
		w := env.Model.Workflow(flags.Endpoint)
		if w == nil {
			return usageExit{fmt.Errorf("no endpoint %q; endpoints: %s", flags.Endpoint, strings.Join(endpoints(env.Model), ", "))}
		}
		_, err := env.Stdout.Write(w.Schema())
		return err
	}
	all := map[string]json.RawMessage{}
	for _, w := range env.Model.Workflows {
		all[w.Endpoint] = w.Schema()
	}
	b, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(env.Stdout, "%s\n", b)
	return err
}
