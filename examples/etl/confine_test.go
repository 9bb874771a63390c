package etl_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/examples/etl"
	"github.com/fluxly-go/fluxly/runtime"
)

// etl reads and writes only inside the working directory, and never
// quotes a file it could not parse.
func TestPathsAreConfined(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("root:x:0:0:the secret line"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.json"), []byte(`[{"id":1,"name":"Ada","email":"ada@example.com","age":36,"country":"GB"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("root:not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link.json")); err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(dir, outside)
	t.Chdir(dir)
	for _, tc := range []struct {
		name   string
		in     etl.Input
		status runtime.Status
	}{
		{"absolute source", etl.Input{Source: outside}, runtime.DataValidationFailure},
		{"climbing source", etl.Input{Source: rel}, runtime.DataValidationFailure},
		{"symlink out", etl.Input{Source: "link.json"}, runtime.InfrastructureError},
		{"not JSON", etl.Input{Source: "notes.txt"}, runtime.DataError},
		// load's group fails; the audit group keeps the workflow COMPLETED.
		{"absolute output", etl.Input{Source: "users.json", Output: filepath.Join(t.TempDir(), "out.json")}, runtime.Completed},
		{"inside", etl.Input{Source: "users.json", Output: "out.json"}, runtime.Completed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := runtime.Run(context.Background(), etl.New, &tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.status {
				t.Fatalf("status %s (%v), want %s", res.Status, res.Err(), tc.status)
			}
			if res.Error != nil && strings.Contains(res.Error.Message, "root") {
				t.Errorf("the error quotes the file: %s", res.Error.Message)
			}
			if tc.in.Output != "" {
				load := res.Last().Nodes["load"]
				want := runtime.Completed
				if filepath.IsAbs(tc.in.Output) {
					want = runtime.DataValidationFailure
				}
				if got := load[len(load)-1].Status; got != want {
					t.Errorf("load ended %s, want %s", got, want)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "out.json")); err != nil {
		t.Errorf("the output inside the working directory was not written: %v", err)
	}
}
