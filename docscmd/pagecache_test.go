package docscmd

import (
	"bytes"
	"context"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples"
)

// The page cache's salt is the running program's Go build ID.
func TestProgramID(t *testing.T) {
	id := programID()
	if id == "" {
		t.Fatal("no program id")
	}
	if runtime.GOOS == "linux" && !strings.HasPrefix(id, "go-build-id:") {
		t.Errorf("program id %q, want the ELF build id", id)
	}
	if programID() != id {
		t.Error("the program id changed")
	}
}

// readTree returns every file under dir by its slash path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	tree := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		tree[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// docs build gives the same tree, byte for byte, with a cold page cache,
// a warm one and none; warm, it rewrites no entry; a --check reuses them.
func TestPageCacheBuild(t *testing.T) {
	app := fluxly.New(fluxly.Name("fluxly"), fluxly.Use(Extension()))
	examples.Register(app)
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	pages := t.TempDir()
	if err := os.WriteFile(filepath.Join(pages, "guide.md"), []byte("# Guide\n\nSee [etl](../workflows/etl.md#inputs).\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	out := filepath.Join(t.TempDir(), "site")
	build := func(args ...string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		args = append([]string{"docs", "build", "--pages", pages}, args...)
		if code := app.Main(context.Background(), args, nil, &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, stdout.String(), stderr.String())
		}
		if stderr.Len() > 0 {
			t.Errorf("%v: stderr: %s", args, stderr.String())
		}
	}
	entries := func() map[string]os.FileInfo {
		t.Helper()
		des, err := os.ReadDir(filepath.Join(cache, pagesSubdir))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]os.FileInfo{}
		for _, de := range des {
			fi, err := de.Info()
			if err != nil {
				t.Fatal(err)
			}
			m[de.Name()] = fi
		}
		return m
	}

	build("--out", out, "--svg-cache", cache)
	cold := readTree(t, out)
	before := entries()
	if len(before) == 0 {
		t.Fatal("the cold build kept no page")
	}
	for name := range before {
		if !strings.HasSuffix(name, ".page") {
			t.Errorf("unexpected file %s in the page cache", name)
		}
	}

	if err := os.RemoveAll(out); err != nil {
		t.Fatal(err)
	}
	build("--out", out, "--svg-cache", cache)
	warm := readTree(t, out)
	build("--check", "--out", out, "--svg-cache", cache)
	after := entries()
	if len(after) != len(before) {
		t.Errorf("%d entries after the warm build and check, %d before", len(after), len(before))
	}
	for name, fi := range before {
		if !os.SameFile(fi, after[name]) {
			t.Errorf("entry %s was written again by a warm build", name)
		}
	}

	none := filepath.Join(t.TempDir(), "site")
	build("--out", none, "--svg-cache", "off")
	uncached := readTree(t, none)

	for _, tc := range []struct {
		name string
		tree map[string][]byte
	}{{"warm", warm}, {"no cache", uncached}} {
		paths := slices.Sorted(maps.Keys(tc.tree))
		if len(tc.tree) != len(cold) {
			t.Errorf("%s: %d files, cold %d", tc.name, len(tc.tree), len(cold))
		}
		for _, p := range paths {
			if !bytes.Equal(tc.tree[p], cold[p]) {
				t.Errorf("%s: %s differs from the cold build", tc.name, p)
			}
		}
	}

	// A corrupted entry is rebuilt, and the output does not change.
	for name := range before {
		p := filepath.Join(cache, pagesSubdir, name)
		if err := os.WriteFile(p, []byte("garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	build("--check", "--out", out, "--svg-cache", cache)
}
