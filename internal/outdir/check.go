// Package outdir syncs an output directory to a set of generated files
// (the docs site, the Markdown docs) and checks one for drift. A directory
// it writes carries a marker file, so a later build may remove what it no
// longer produces, and a directory without the marker is never emptied.
package outdir

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/fluxly-go/fluxly/docgen"
)

// Marker is the file [Write] leaves at the top of a directory it owns. A
// directory with the marker is a previous build: the next Write makes it
// hold exactly the new files, removing the others. [Check] ignores it.
const Marker = ".fluxly-docs"

const markerText = "This directory is written by Fluxly (docs build / docs markdown).\n" +
	"Rebuilding removes every file here that the build does not produce.\n"

// Diff lists how a directory differs from a build, as the paths (sorted)
// that building into it would change, add and remove.
type Diff struct {
	Changed []string `json:"changed,omitempty"` // in both, with other contents
	Added   []string `json:"added,omitempty"`   // built, missing from the directory
	Removed []string `json:"removed,omitempty"` // in the directory, not built
}

// Empty reports whether the directory already holds exactly the build.
func (d Diff) Empty() bool { return len(d.Changed)+len(d.Added)+len(d.Removed) == 0 }

// String lists the differences one file a line ("changed index.html").
func (d Diff) String() string {
	var b strings.Builder
	for _, s := range []struct {
		what  string
		paths []string
	}{{"changed", d.Changed}, {"added", d.Added}, {"removed", d.Removed}} {
		for _, p := range s.paths {
			fmt.Fprintf(&b, "%-7s %s\n", s.what, p)
		}
	}
	return b.String()
}

// Check compares dir with files: it reports which files building into dir
// would change, add or remove, and touches nothing. A missing dir differs
// by every file. The Marker is not compared.
func Check(dir string, files []docgen.File) (Diff, error) {
	if err := validate(files); err != nil {
		return Diff{}, err
	}
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		var d Diff
		for _, f := range files {
			d.Added = append(d.Added, f.Path)
		}
		return sorted(d), nil
	}
	if err != nil {
		return Diff{}, fmt.Errorf("site: checking %s: %w", dir, err)
	}
	defer root.Close()
	return diff(root, dir, files)
}

// diff compares the tree under root with files.
func diff(root *os.Root, dir string, files []docgen.File) (Diff, error) {
	have, err := listFiles(root)
	if err != nil {
		return Diff{}, fmt.Errorf("site: reading %s: %w", dir, err)
	}
	var d Diff
	for _, f := range files {
		regular, ok := have[f.Path]
		delete(have, f.Path)
		switch {
		case !ok:
			d.Added = append(d.Added, f.Path)
		case !regular:
			d.Changed = append(d.Changed, f.Path)
		default:
			data, err := root.ReadFile(f.Path)
			if err != nil {
				return Diff{}, fmt.Errorf("site: reading %s: %w", path.Join(dir, f.Path), err)
			}
			if !bytes.Equal(data, f.Data) {
				d.Changed = append(d.Changed, f.Path)
			}
		}
	}
	for p := range have {
		d.Removed = append(d.Removed, p)
	}
	return sorted(d), nil
}

// listFiles returns every non-directory under root but the Marker, by
// slash path, and whether it is a regular file (symbolic links are not
// followed).
func listFiles(root *os.Root) (map[string]bool, error) {
	have := map[string]bool{}
	err := fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || p == Marker {
			return nil
		}
		have[p] = d.Type().IsRegular()
		return nil
	})
	return have, err
}

// validate rejects paths that are not clean relative paths, duplicates and
// the Marker.
func validate(files []docgen.File) error {
	seen := make(map[string]bool, len(files))
	var errs []error
	for _, f := range files {
		switch {
		case !fs.ValidPath(f.Path) || f.Path == ".":
			errs = append(errs, fmt.Errorf("site: %q is not a relative slash-separated file path", f.Path))
		case f.Path == Marker:
			errs = append(errs, fmt.Errorf("site: %s is reserved for the build marker", Marker))
		case seen[f.Path]:
			errs = append(errs, fmt.Errorf("site: %s is given twice", f.Path))
		}
		seen[f.Path] = true
	}
	for _, f := range files {
		if !fs.ValidPath(f.Path) {
			continue // reported above
		}
		for dir := path.Dir(f.Path); dir != "."; dir = path.Dir(dir) {
			if seen[dir] {
				errs = append(errs, fmt.Errorf("site: %s is a file and also the directory of %s", dir, f.Path))
			}
		}
	}
	return errors.Join(errs...)
}

func sorted(d Diff) Diff {
	for _, s := range [][]string{d.Changed, d.Added, d.Removed} {
		slices.Sort(s)
	}
	return d
}
