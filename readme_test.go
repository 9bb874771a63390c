package fluxly_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeQuickstartBuilds compiles the README's Go quickstart, so the
// first code a newcomer copies always works.
func TestReadmeQuickstartBuilds(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```go\n")
	if !ok {
		t.Fatal("README has no Go code block")
	}
	src, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("unterminated Go code block")
	}
	// A directory inside the module, ignored by ./... (leading underscore).
	dir, err := os.MkdirTemp(".", "_readme-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "vet", "./"+filepath.Base(dir))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the README quickstart does not build:\n%s\n%s", out, src)
	}
}

// TestReadmeGoldenSnippetBuilds compiles the README's golden-test example
// as a test file of its own package.
func TestReadmeGoldenSnippetBuilds(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var src string
	for _, block := range strings.Split(string(readme), "```go\n")[1:] {
		if code, _, _ := strings.Cut(block, "```"); strings.Contains(code, "fluxlytest.Golden(") {
			src = code
		}
	}
	if src == "" {
		t.Fatal("README has no Go block calling fluxlytest.Golden")
	}
	dir, err := os.MkdirTemp(".", "_readme-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	file := `package acme_test

import (
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docscmd"
	"github.com/fluxly-go/fluxly/examples/orders"
	"github.com/fluxly-go/fluxly/fluxlytest"
)

` + src
	if err := os.WriteFile(filepath.Join(dir, "docs_test.go"), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "vet", "./"+filepath.Base(dir))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the README's golden test does not build:\n%s\n%s", out, file)
	}
}
