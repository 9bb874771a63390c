package outdir

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/atomicfile"
)

// ErrNotOwned is returned (wrapped in a *NotOwnedError) by [Write] for a
// non-empty directory without the [Marker]: it may hold someone's files,
// so Write neither writes into it nor removes anything from it unless
// forced.
var ErrNotOwned = errors.New("not empty and not a previous build")

// NotOwnedError names the directory Write refused.
type NotOwnedError struct{ Dir string }

func (e *NotOwnedError) Error() string {
	return fmt.Sprintf("%s is not empty and has no %s file, so it is not a previous build: refusing to write into it", e.Dir, Marker)
}

// Unwrap returns ErrNotOwned.
func (e *NotOwnedError) Unwrap() error { return ErrNotOwned }

// WriteOptions configure [Write].
type WriteOptions struct {
	// Force writes into a non-empty directory without the Marker. Nothing
	// is removed from it and no Marker is left, so the next Write needs
	// Force again.
	Force bool
}

// Write makes dir hold files, creating dir if needed, and returns what it
// changed. Every file is written atomically (a temporary file renamed over
// the old one); unchanged files are left alone.
//
// Write owns a directory that is missing, empty or has the Marker: it
// leaves the Marker there and removes every other file the build does not
// produce, and the directories that leaves empty. It never touches
// anything outside dir: all access goes through an os.Root, so symbolic
// links inside dir cannot lead out of it. A non-empty directory without
// the Marker is refused with a *NotOwnedError unless o.Force is set.
func Write(dir string, files []docgen.File, o WriteOptions) (Diff, error) {
	if err := validate(files); err != nil {
		return Diff{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Diff{}, fmt.Errorf("site: creating %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return Diff{}, fmt.Errorf("site: opening %s: %w", dir, err)
	}
	defer root.Close()

	owned, err := isOwned(root, dir)
	if err != nil {
		return Diff{}, err
	}
	if !owned && !o.Force {
		return Diff{}, &NotOwnedError{Dir: dir}
	}
	d, err := diff(root, dir, files)
	if err != nil {
		return Diff{}, err
	}
	if owned {
		if err := removeStale(root, dir, d.Removed); err != nil {
			return Diff{}, err
		}
	} else {
		d.Removed = nil
	}
	byPath := make(map[string][]byte, len(files))
	for _, f := range files {
		byPath[f.Path] = f.Data
	}
	for _, p := range slices.Concat(d.Changed, d.Added) {
		if err := atomicfile.WriteIn(root, p, byPath[p]); err != nil {
			return Diff{}, fmt.Errorf("site: writing %s: %w", path.Join(dir, p), err)
		}
	}
	if owned {
		if data, err := root.ReadFile(Marker); err != nil || string(data) != markerText {
			if err := atomicfile.WriteIn(root, Marker, []byte(markerText)); err != nil {
				return Diff{}, fmt.Errorf("site: writing %s: %w", path.Join(dir, Marker), err)
			}
		}
	}
	return d, nil
}

// isOwned reports whether Write may manage the directory: it is empty or
// has the Marker.
func isOwned(root *os.Root, dir string) (bool, error) {
	if fi, err := root.Lstat(Marker); err == nil {
		return fi.Mode().IsRegular(), nil
	}
	entries, err := fs.ReadDir(root.FS(), ".")
	if err != nil {
		return false, fmt.Errorf("site: reading %s: %w", dir, err)
	}
	return len(entries) == 0, nil
}

// removeStale removes files the build no longer produces, then every
// directory left empty.
func removeStale(root *os.Root, dir string, stale []string) error {
	if len(stale) == 0 {
		return nil
	}
	dirs := map[string]bool{}
	for _, p := range stale {
		if err := root.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("site: removing %s: %w", path.Join(dir, p), err)
		}
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	// Deepest first, so a parent is tried after its children.
	order := slices.Sorted(maps.Keys(dirs))
	slices.SortStableFunc(order, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	for _, d := range order {
		entries, err := fs.ReadDir(root.FS(), d)
		if err != nil || len(entries) > 0 {
			continue
		}
		if err := root.Remove(d); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("site: removing %s: %w", path.Join(dir, d), err)
		}
	}
	return nil
}
