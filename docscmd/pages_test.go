package docscmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/docscmd"
)

// A broken relative link in a --pages page fails docs build (and its
// --check) with ExitError, naming the page's file, the line and the link.
func TestBrokenPageLink(t *testing.T) {
	app := newApp(t, "slow", "flaky", "fail-with", "branching", "producer-consumer", "echo-msg")
	pages := t.TempDir()
	write := func(name, md string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(pages, name), []byte(md), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("guide.md", "# Guide\n\nRun [etl](../workflows/etl.md) after [setup](setup.md#install).\n")
	write("setup.md", "# Setup\n\n## Install\n\n`go get`\n")
	out := filepath.Join(t.TempDir(), "site")
	cache := "FLUXLY_SVG_CACHE=" + t.TempDir()
	run(t, app, []string{"docs", "build", "--out", out, "--pages", pages}, cache).want(t, 0)

	write("guide.md", "# Guide\n\nRun [etl](../workflows/etl.md) after\n[setup](set-up.md#install).\n")
	for _, args := range [][]string{{"--out", out}, {"--check", "--out", out}, {"--single-file", filepath.Join(t.TempDir(), "docs.html")}} {
		r := run(t, app, append([]string{"docs", "build", "--pages", pages}, args...), cache)
		r.want(t, docscmd.ExitError, `guide.md:4: broken link "set-up.md#install": no page of the pages directory or of the site has this path`)
	}
	write("guide.md", "# Guide\n\n[setup](setup.md#instal)\n")
	run(t, app, []string{"docs", "build", "--out", out, "--pages", pages}, cache).want(t, docscmd.ExitError,
		`guide.md:3: broken link "setup.md#instal": pages/setup.html has no element with id "instal"`)
	// Nothing was written by the failed builds.
	if data, err := os.ReadFile(filepath.Join(out, "pages", "guide.html")); err != nil || !strings.Contains(string(data), `href="setup.html#install"`) {
		t.Errorf("guide.html after failed builds: %v\n%.300s", err, data)
	}
}
