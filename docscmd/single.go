package docscmd

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/internal/atomicfile"
	"github.com/fluxly-go/fluxly/site"
)

// writeSingleFile runs docs build --single-file: the built site packed
// into one HTML file, written atomically or, with --check, compared.
func writeSingleFile(env *fluxly.Env, f *docsFlags, files []site.File) error {
	page, err := site.SingleFile(files)
	if err != nil {
		return err
	}
	if f.Check {
		old, err := os.ReadFile(f.SingleFile)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if !bytes.Equal(old, page) {
			fmt.Fprintf(env.Stderr, "changed %s\n", f.SingleFile)
			return &singleDriftError{file: f.SingleFile, fix: fmt.Sprintf("%s docs build --single-file %s", env.Name, f.SingleFile)}
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
type singleDriftError struct{ file, fix string }

func (e *singleDriftError) Error() string {
	return fmt.Sprintf("%s is out of date; run `%s`", e.file, e.fix)
}

// ExitCode returns ExitDrift.
func (e *singleDriftError) ExitCode() int { return ExitDrift }
