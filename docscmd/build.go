package docscmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fluxly-go/fluxly/internal/outdir"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/internal/golden"
	"github.com/fluxly-go/fluxly/site"
)

// writeDocs runs docs build and docs markdown, and gives every error its
// exit status: ExitDrift when --check finds differences, ExitUsage for
// flags and refused directories, ExitError for anything else.
func writeDocs(ctx context.Context, env *fluxly.Env, f *docsFlags) error {
	env, err := withSchemaBase(env, f.SchemaBaseURL)
	if err != nil {
		return err
	}
	site := ""
	if f.Mode == "build" {
		out := f.Out
		if out == "" {
			out = f.SingleFile
		}
		site = siteName(env, out)
	}
	r, closeRenderer := newBuildRenderer(env, f.SVGCache, site)
	defer closeRenderer()
	return exitStatus(buildDocs(ctx, env, f, r))
}

// buildDocs generates the files, then checks the output directory against
// them or syncs it to them.
func buildDocs(ctx context.Context, env *fluxly.Env, f *docsFlags, r docgen.Renderer) error {
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
			fmt.Fprint(env.Stderr, driftDiff(f.Out, d, files))
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

// withSchemaBase returns env with its model's schema ids under base
// (--schema-base-url), or env itself when base is empty.
func withSchemaBase(env *fluxly.Env, base string) (*fluxly.Env, error) {
	if base == "" {
		return env, nil
	}
	if err := describe.CheckSchemaBaseURL(base); err != nil {
		return nil, usagef("--schema-base-url: %w", err)
	}
	m, err := describe.WithSchemaBase(env.Model, base)
	if err != nil {
		return nil, &exitError{err, ExitError}
	}
	e := *env
	e.Model = m
	return &e, nil
}

// exitStatus gives err ExitError unless it carries its own status.
func exitStatus(err error) error {
	var ec fluxly.ExitCoder
	if err == nil || errors.As(err, &ec) {
		return err
	}
	return &exitError{err, ExitError}
}

// exitError is an error with its exit status.
type exitError struct {
	err  error
	code int
}

func (e *exitError) Error() string { return e.err.Error() }

// Unwrap returns the error.
func (e *exitError) Unwrap() error { return e.err }

// ExitCode returns the status.
func (e *exitError) ExitCode() int { return e.code }

// Bounds of the diff --check prints: per file, in all, and per line (a
// search index is one long line).
const (
	maxDiffLinesPerFile = 40
	maxDiffLines        = 400
	maxDiffLineLen      = 240
)

// driftDiff is a unified diff of the changed text files, shortened so a CI
// log stays readable; binary files are only listed.
func driftDiff(dir string, d outdir.Diff, files []site.File) string {
	built := make(map[string][]byte, len(files))
	for _, f := range files {
		built[f.Path] = f.Data
	}
	var b strings.Builder
	total := 0
	for i, p := range d.Changed {
		if total >= maxDiffLines {
			fmt.Fprintf(&b, "… and the diffs of %d more changed files\n", len(d.Changed)-i)
			break
		}
		old, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			continue
		}
		total += writeDiff(&b, path.Join("a", p), path.Join("b", p), old, built[p], maxDiffLinesPerFile)
	}
	return b.String()
}

// writeDiff writes a unified diff of old and new text to b, at most
// maxLines lines (then how many more there are), each cut at
// maxDiffLineLen, and returns the lines written. Binary contents (not
// UTF-8) give nothing.
func writeDiff(b *strings.Builder, oldName, newName string, old, new []byte, maxLines int) int {
	if !utf8.Valid(old) || !utf8.Valid(new) {
		return 0
	}
	lines := strings.SplitAfter(unifiedDiff(oldName, newName, old, new), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	n := 0
	for j, l := range lines {
		if j == maxLines {
			fmt.Fprintf(b, "… %d more lines\n", len(lines)-j)
			n++
			break
		}
		if len(l) > maxDiffLineLen {
			l = strings.ToValidUTF8(l[:maxDiffLineLen], "") + " …\n"
		}
		b.WriteString(l)
		n++
	}
	return n
}

// maxDiffMiddle bounds the lines (old and new together) between the
// common start and end of two files that the diff algorithm compares: its
// cost grows with their product when they differ a lot. Past it, the
// differing middle is shown as removed, then added.
const maxDiffMiddle = 20000

// unifiedDiff is golden.Diff of old and new with their common first and
// last lines set aside first (a one-page change in a file of thousands of
// lines, like a single-file site, is cheap), and the hunks numbered as in
// the whole files.
func unifiedDiff(oldName, newName string, old, new []byte) string {
	a, c := splitLines(old), splitLines(new)
	pre := 0
	for pre < len(a) && pre < len(c) && a[pre] == c[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(c)-pre && a[len(a)-1-suf] == c[len(c)-1-suf] {
		suf++
	}
	const context = 3
	from := max(pre-context, 0)
	a, c = a[from:len(a)-max(suf-context, 0)], c[from:len(c)-max(suf-context, 0)]
	if len(a)+len(c) > maxDiffMiddle {
		var b strings.Builder
		fmt.Fprintf(&b, "--- %s\n+++ %s\n@@ -%d,%d +%d,%d @@\n", oldName, newName, from+1, len(a), from+1, len(c))
		for _, l := range a {
			b.WriteString("-" + strings.TrimSuffix(l, "\n") + "\n")
		}
		for _, l := range c {
			b.WriteString("+" + strings.TrimSuffix(l, "\n") + "\n")
		}
		return b.String()
	}
	d := golden.Diff(oldName, newName, []byte(strings.Join(a, "")), []byte(strings.Join(c, "")))
	if from == 0 {
		return d
	}
	return hunkHeader.ReplaceAllStringFunc(d, func(h string) string {
		m := hunkHeader.FindStringSubmatch(h)
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[3])
		return fmt.Sprintf("@@ -%d%s +%d%s @@", x+from, m[2], y+from, m[4])
	})
}

// hunkHeader is a hunk's first line in golden.Diff's output.
var hunkHeader = regexp.MustCompile(`(?m)^@@ -(\d+)(,\d+) \+(\d+)(,\d+) @@`)

// splitLines splits text after each newline.
func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
