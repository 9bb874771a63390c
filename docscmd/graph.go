package docscmd

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docgen"
)

// runGraph prints one workflow's diagram or model; an error that is not a
// usage error exits with ExitError.
func runGraph(ctx context.Context, env *fluxly.Env, f *graphFlags) error {
	return exitStatus(graph(ctx, env, f))
}

func graph(ctx context.Context, env *fluxly.Env, f *graphFlags) error {
	w := env.Model.Workflow(f.Endpoint)
	if w == nil {
		var names []string
		for _, w := range env.Model.Workflows {
			names = append(names, w.Endpoint)
		}
		return usagef("no endpoint %q; endpoints: %s", f.Endpoint, strings.Join(names, ", "))
	}
	o := docgenOptions(env, f.Direction, "")
	var out []byte
	switch f.Format {
	case "dot":
		out = docgen.DOT(w, o)
	case "mermaid":
		out = docgen.Mermaid(w, o)
	case "svg":
		svg, err := newRenderer(env, f.SVGCache, "").RenderSVG(ctx, docgen.DOT(w, o))
		if err != nil {
			return err
		}
		out = svg
	case "json":
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(w); err != nil {
			return err
		}
		out = buf.Bytes()
	default:
		return usagef("--format %q: want dot, svg, mermaid or json", f.Format)
	}
	_, err := env.Stdout.Write(out)
	return err
}
