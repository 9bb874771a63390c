package docscmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/fluxly-go/fluxly/internal/outdir"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/site"
)

// writeDocs runs docs build and docs markdown: generate the files, then
// check the output directory against them or sync it to them.
func writeDocs(ctx context.Context, env *fluxly.Env, f *docsFlags) error {
	r := newRenderer(env, f.SVGCache)
	var files []site.File
	var err error
	if f.Mode == "build" {
		o, oerr := siteOptions(env, f)
		if oerr != nil {
			return oerr
		}
		files, err = site.Build(ctx, env.Model, r, o)
	} else {
		files, err = docgen.Files(ctx, env.Model, r, docgenOptions(env, f.Direction, f.APIBaseURL))
	}
	if err != nil {
		return err
	}
	if f.SingleFile != "" {
		if err := writeSingleFile(env, f, files); err != nil || f.Out == "" {
			return err
		}
	}
	if f.Check {
		d, err := outdir.Check(f.Out, files)
		if err != nil {
			return err
		}
		if !d.Empty() {
			fmt.Fprint(env.Stderr, d.String())
			return &driftError{dir: f.Out, diff: d, fix: fmt.Sprintf("%s docs %s --out %s", env.Name, f.Mode, f.Out)}
		}
		_, err = fmt.Fprintf(env.Stdout, "%s is up to date (%d files)\n", f.Out, len(files))
		return err
	}
	d, err := outdir.Write(f.Out, files, outdir.WriteOptions{Force: f.Force})
	var notOwned *outdir.NotOwnedError
	if errors.As(err, &notOwned) {
		return command.Usagef("%w; remove it, choose another --out, or pass --force to write into it without removing anything", err)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(env.Stdout, "wrote %s: %d files (%d added, %d changed, %d removed)\n",
		f.Out, len(files), len(d.Added), len(d.Changed), len(d.Removed))
	return err
}
