package runtime_test

import (
	"os/exec"
	"regexp"
	"testing"
)

// TestMisplacedOptions: an option given to what it does not configure
// does not compile. go vet type-checks the programs in testdata; the
// control program, with each option where it belongs, is clean.
func TestMisplacedOptions(t *testing.T) {
	goTool, err := exec.LookPath("go") // go test puts GOROOT/bin first in PATH
	if err != nil {
		t.Fatalf("the go command is needed to type-check testdata: %v", err)
	}
	tests := []struct {
		dir  string
		want string // a regexp; empty: vet passes
	}{
		{"./testdata/misplaced", `cannot use runtime\.Timeout\(time\.Second\) \(value of interface type runtime\.NodeOption\) as runtime\.WorkflowOption value in argument to runtime\.NewWorkflow\[In\]: runtime\.NodeOption does not implement runtime\.WorkflowOption`},
		{"./testdata/misplacednode", `cannot use runtime\.Version\("1"\) \(value of interface type runtime\.WorkflowOption\) as runtime\.NodeOption value in argument to runtime\.Add: runtime\.WorkflowOption does not implement runtime\.NodeOption`},
		{"./testdata/placed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command(goTool, "vet", tt.dir).CombinedOutput()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("go vet %s: %v\n%s", tt.dir, err, out)
				}
				return
			}
			if err == nil {
				t.Fatalf("go vet %s passed; the misplaced option compiled", tt.dir)
			}
			if !regexp.MustCompile(tt.want).Match(out) {
				t.Fatalf("go vet %s failed, but not with\n%s\ngot:\n%s", tt.dir, tt.want, out)
			}
		})
	}
}
