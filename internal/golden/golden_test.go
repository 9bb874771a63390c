package golden_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/internal/golden"
)

func TestDiff(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"change", "a\nb\nc\n", "a\nx\nc\n", "--- old\n+++ new\n@@ -1,3 +1,3 @@\n a\n-b\n+x\n c\n"},
		{"append", "a\n", "a\nb\n", "--- old\n+++ new\n@@ -1,1 +1,2 @@\n a\n+b\n"},
		{"no newline", "a", "b", "--- old\n+++ new\n@@ -1,1 +1,1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n"},
		{"far apart", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "x\n2\n3\n4\n5\n6\n7\n8\n9\ny\n",
			"--- old\n+++ new\n@@ -1,4 +1,4 @@\n-1\n+x\n 2\n 3\n 4\n@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+y\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := golden.Diff("old", "new", []byte(tt.a), []byte(tt.b)); got != tt.want {
				t.Errorf("diff\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestCompareAndUpdate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "x.golden")
	if err := golden.Compare(path, []byte("one\n"), false); err == nil || !strings.Contains(err.Error(), "-update") {
		t.Fatalf("missing file: %v", err)
	}
	if err := golden.Compare(path, []byte("one\n"), true); err != nil {
		t.Fatal(err)
	}
	if err := golden.Compare(path, []byte("one\n"), false); err != nil {
		t.Fatalf("same bytes: %v", err)
	}
	err := golden.Compare(path, []byte("two\n"), false)
	if err == nil || !strings.Contains(err.Error(), "-one\n+two\n") {
		t.Fatalf("mismatch: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one\n" {
		t.Fatalf("a failed comparison changed the file: %q", b)
	}
}
