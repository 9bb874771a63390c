package docscmd

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/internal/atomicfile"
	"github.com/fluxly-go/fluxly/site"
)

// writeSingleFile runs docs build --single-file: the built site packed
// into one HTML file, written atomically or, with --check, compared: up to
// date (exit 0), or "changed FILE" and a unified diff, or "missing FILE",
// on stderr (ExitDrift); a file that cannot be read is ExitError.
func writeSingleFile(env *fluxly.Env, f *docsFlags, files []site.File) error {
	page, err := site.SingleFile(files)
	if err != nil {
		return err
	}
	if f.Check {
		fix := fmt.Sprintf("%s docs build --single-file %s", env.Name, f.SingleFile)
		old, err := os.ReadFile(f.SingleFile)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(env.Stderr, "missing %s\n", f.SingleFile)
			return &singleDriftError{file: f.SingleFile, missing: true, fix: fix}
		case err != nil:
			return err
		case !bytes.Equal(old, page):
			var diff strings.Builder
			writeDiff(&diff, path.Join("a", filepath.ToSlash(f.SingleFile)), path.Join("b", filepath.ToSlash(f.SingleFile)), old, page, maxDiffLines)
			fmt.Fprintf(env.Stderr, "changed %s\n%s", f.SingleFile, diff.String())
			return &singleDriftError{file: f.SingleFile, fix: fix}
		}
		_, err = fmt.Fprintf(env.Stdout, "%s is up to date\n", f.SingleFile)
		return err
	}
	if err := atomicfile.Write(f.SingleFile, page); err != nil {
		return err
	}
	_, err = fmt.Fprintf(env.Stdout, "wrote %s: the whole site in one file (%d bytes)\n", f.SingleFile, len(page))
	return err
}

// singleDriftError reports a single-file site that is not what a build
// would write.
type singleDriftError struct {
	file, fix string
	missing   bool // the file does not exist
}

func (e *singleDriftError) Error() string {
	if e.missing {
		return fmt.Sprintf("%s is missing; run `%s`", e.file, e.fix)
	}
	return fmt.Sprintf("%s is out of date; run `%s`", e.file, e.fix)
}

// ExitCode returns ExitDrift.
func (e *singleDriftError) ExitCode() int { return ExitDrift }
