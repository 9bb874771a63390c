package outdir_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/outdir"
)

func sample() []docgen.File {
	return []docgen.File{
		{Path: "index.html", Data: []byte("index")},
		{Path: "workflows/a.html", Data: []byte("a")},
		{Path: "workflows/b.html", Data: []byte("b")},
		{Path: "assets/site.css", Data: []byte("css")},
	}
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCheck(t *testing.T) {
	files := sample()
	dir := writeSite(t, files)

	for _, tc := range []struct {
		name   string
		change func(t *testing.T, dir string)
		files  func() []docgen.File
		want   outdir.Diff
	}{
		{name: "no change", want: outdir.Diff{}},
		{
			name:   "a changed file",
			change: func(t *testing.T, dir string) { write(t, filepath.Join(dir, "workflows/a.html"), "edited") },
			want:   outdir.Diff{Changed: []string{"workflows/a.html"}},
		},
		{
			name: "an added workflow",
			files: func() []docgen.File {
				return append(sample(), docgen.File{Path: "workflows/c.html", Data: []byte("c")})
			},
			want: outdir.Diff{Added: []string{"workflows/c.html"}},
		},
		{
			name:   "a removed file",
			change: func(t *testing.T, dir string) { remove(t, filepath.Join(dir, "workflows/b.html")) },
			want:   outdir.Diff{Added: []string{"workflows/b.html"}},
		},
		{
			name:   "a stale file",
			change: func(t *testing.T, dir string) { write(t, filepath.Join(dir, "workflows/old.html"), "old") },
			want:   outdir.Diff{Removed: []string{"workflows/old.html"}},
		},
		{
			name: "a removed workflow",
			files: func() []docgen.File {
				return slices.DeleteFunc(sample(), func(f docgen.File) bool { return f.Path == "workflows/b.html" })
			},
			want: outdir.Diff{Removed: []string{"workflows/b.html"}},
		},
		{
			name: "everything at once",
			change: func(t *testing.T, dir string) {
				write(t, filepath.Join(dir, "index.html"), "x")
				write(t, filepath.Join(dir, "z/stale.txt"), "x")
				remove(t, filepath.Join(dir, "assets/site.css"))
			},
			want: outdir.Diff{Changed: []string{"index.html"}, Added: []string{"assets/site.css"}, Removed: []string{"z/stale.txt"}},
		},
		{
			name:   "a symbolic link instead of a file",
			change: func(t *testing.T, dir string) { symlink(t, "/etc/hostname", filepath.Join(dir, "index.html")) },
			want:   outdir.Diff{Changed: []string{"index.html"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "site")
			if _, err := outdir.Write(dir, files, outdir.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			if tc.change != nil {
				tc.change(t, dir)
			}
			want := files
			if tc.files != nil {
				want = tc.files()
			}
			d, err := outdir.Check(dir, want)
			if err != nil {
				t.Fatal(err)
			}
			if !equalDiff(d, tc.want) {
				t.Errorf("Check = %+v, want %+v", d, tc.want)
			}
			if d.Empty() != equalDiff(tc.want, outdir.Diff{}) {
				t.Errorf("Empty() = %v", d.Empty())
			}
			// Building makes the directory match, and Check agrees.
			done, err := outdir.Write(dir, want, outdir.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !equalDiff(done, tc.want) {
				t.Errorf("Write did %+v, Check said %+v", done, tc.want)
			}
			if d, err := outdir.Check(dir, want); err != nil || !d.Empty() {
				t.Errorf("after Write, Check = %+v, %v", d, err)
			}
		})
	}

	if d, err := outdir.Check(dir, files); err != nil || !d.Empty() {
		t.Errorf("Check of a fresh build = %+v, %v", d, err)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	d, err := outdir.Check(missing, files)
	if err != nil || len(d.Added) != len(files) {
		t.Errorf("Check of a missing directory = %+v, %v; want every file added", d, err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Error("Check created the directory")
	}
}

func TestDiffString(t *testing.T) {
	d := outdir.Diff{Changed: []string{"a.html"}, Added: []string{"b.html"}, Removed: []string{"c.html"}}
	want := "changed a.html\nadded   b.html\nremoved c.html\n"
	if got := d.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestWrite(t *testing.T) {
	t.Run("creates the directory and a marker", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "a", "b")
		d, err := outdir.Write(dir, sample(), outdir.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Added) != 4 {
			t.Errorf("Added = %v", d.Added)
		}
		tree := readTree(t, dir)
		if tree["workflows/a.html"] != "a" || tree[outdir.Marker] == "" || len(tree) != 5 {
			t.Errorf("tree = %v", tree)
		}
	})
	t.Run("an empty directory is fine", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := outdir.Write(dir, sample(), outdir.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("refuses a directory that is not a build", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "precious.txt"), "mine")
		_, err := outdir.Write(dir, sample(), outdir.WriteOptions{})
		var no *outdir.NotOwnedError
		if !errors.As(err, &no) || !errors.Is(err, outdir.ErrNotOwned) || no.Dir != dir {
			t.Fatalf("err = %v, want a NotOwnedError for %s", err, dir)
		}
		if tree := readTree(t, dir); len(tree) != 1 {
			t.Errorf("refused Write changed the directory: %v", tree)
		}
		// Forced: files are written, nothing is removed, no marker is left.
		d, err := outdir.Write(dir, sample(), outdir.WriteOptions{Force: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Removed) != 0 {
			t.Errorf("forced Write reports removals: %v", d.Removed)
		}
		tree := readTree(t, dir)
		if tree["precious.txt"] != "mine" || tree["index.html"] != "index" {
			t.Errorf("tree = %v", tree)
		}
		if _, ok := tree[outdir.Marker]; ok {
			t.Error("forced Write adopted the directory")
		}
	})
	t.Run("removes stale files and empty directories", func(t *testing.T) {
		dir := writeSite(t, sample())
		write(t, filepath.Join(dir, "old/deep/x.html"), "x")
		write(t, filepath.Join(dir, "workflows/gone.html"), "x")
		d, err := outdir.Write(dir, sample()[:2], outdir.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"assets/site.css", "old/deep/x.html", "workflows/b.html", "workflows/gone.html"}
		if !slices.Equal(d.Removed, want) {
			t.Errorf("Removed = %v, want %v", d.Removed, want)
		}
		tree := readTree(t, dir)
		if len(tree) != 3 {
			t.Errorf("tree = %v", tree)
		}
		for _, gone := range []string{"old", "assets"} {
			if _, err := os.Stat(filepath.Join(dir, gone)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("empty directory %s was kept", gone)
			}
		}
	})
	t.Run("never follows links out of the directory", func(t *testing.T) {
		outside := t.TempDir()
		write(t, filepath.Join(outside, "keep.html"), "keep")
		dir := writeSite(t, sample())
		symlink(t, outside, filepath.Join(dir, "workflows/linked"))
		symlink(t, filepath.Join(outside, "keep.html"), filepath.Join(dir, "workflows/a.html"))
		if _, err := outdir.Write(dir, sample(), outdir.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := readTree(t, outside); got["keep.html"] != "keep" || len(got) != 1 {
			t.Errorf("outside directory changed: %v", got)
		}
		if data, _ := os.ReadFile(filepath.Join(dir, "workflows/a.html")); string(data) != "a" {
			t.Errorf("workflows/a.html = %q: the link was not replaced by the file", data)
		}
		if _, err := os.Lstat(filepath.Join(dir, "workflows/linked")); !errors.Is(err, os.ErrNotExist) {
			t.Error("stale link kept")
		}
	})
	t.Run("a file where a directory goes and back", func(t *testing.T) {
		dir := writeSite(t, []docgen.File{{Path: "x", Data: []byte("file")}})
		if _, err := outdir.Write(dir, []docgen.File{{Path: "x/y.html", Data: []byte("y")}}, outdir.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := outdir.Write(dir, []docgen.File{{Path: "x", Data: []byte("file")}}, outdir.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if tree := readTree(t, dir); tree["x"] != "file" || len(tree) != 2 {
			t.Errorf("tree = %v", tree)
		}
	})
	t.Run("leaves no temporary files and keeps unchanged files", func(t *testing.T) {
		dir := writeSite(t, sample())
		before, _ := os.Stat(filepath.Join(dir, "index.html"))
		if _, err := outdir.Write(dir, sample(), outdir.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		after, _ := os.Stat(filepath.Join(dir, "index.html"))
		if !os.SameFile(before, after) {
			t.Error("an unchanged file was rewritten")
		}
		for p := range readTree(t, dir) {
			if strings.HasSuffix(p, ".tmp") {
				t.Errorf("temporary file left: %s", p)
			}
		}
	})
	t.Run("bad file lists", func(t *testing.T) {
		for _, files := range [][]docgen.File{
			{{Path: "../x"}},
			{{Path: "/abs"}},
			{{Path: "a//b"}},
			{{Path: "."}},
			{{Path: outdir.Marker}},
			{{Path: "a"}, {Path: "a"}},
			{{Path: "a"}, {Path: "a/b"}},
		} {
			dir := t.TempDir()
			if _, err := outdir.Write(dir, files, outdir.WriteOptions{}); err == nil {
				t.Errorf("Write(%v): no error", files)
			}
			if _, err := outdir.Check(dir, files); err == nil {
				t.Errorf("Check(%v): no error", files)
			}
			if tree := readTree(t, dir); len(tree) != 0 {
				t.Errorf("Write(%v) wrote %v", files, tree)
			}
		}
	})
}

func equalDiff(a, b outdir.Diff) bool {
	return slices.Equal(a.Changed, b.Changed) && slices.Equal(a.Added, b.Added) && slices.Equal(a.Removed, b.Removed)
}

func write(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, p string) {
	t.Helper()
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, p string) {
	t.Helper()
	_ = os.Remove(p)
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

func writeSite(t testing.TB, files []docgen.File) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "site")
	if _, err := outdir.Write(dir, files, outdir.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return dir
}
