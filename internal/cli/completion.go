package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/alecthomas/kong"
	"github.com/posener/complete"
	"github.com/willabides/kongplete"

	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/introspect"
)

// Shell completion. The completion command prints a script for bash, zsh
// or fish that asks the binary itself for completions: the shell runs it
// with COMP_LINE set, and Main answers from the same kong model the
// command line is parsed with (kongplete turns it into a
// posener/complete command tree), so completions never drift from the
// commands, flags and allowed values.

type completionFlags struct {
	Shell string `arg:"" enum:"bash,zsh,fish" help:"The shell: bash, zsh or fish."`
}

func completionCommand() command.Command {
	f := &completionFlags{}
	return command.Command{
		Name:  "completion",
		Help:  "Print the shell completion script for bash, zsh or fish: source <(APP completion bash), or APP completion fish | source.",
		Flags: f,
		Run: func(_ context.Context, env *command.Env) error {
			bin, err := os.Executable()
			if err != nil {
				return fmt.Errorf("finding this program's path: %w", err)
			}
			_, err = io.WriteString(env.Stdout, completionScript(f.Shell, env.App.Name, bin))
			return err
		},
	}
}

// completionScript is the script that wires name's completion to the
// binary at bin. Names and paths are quoted for the shell.
func completionScript(shell, name, bin string) string {
	qn, qb := shQuote(name), shQuote(bin)
	switch shell {
	case "zsh":
		return "# zsh completion for " + name + "\n" +
			"autoload -U +X bashcompinit && bashcompinit\n" +
			"complete -o default -C " + qb + " " + qn + "\n"
	case "fish":
		fn := "__complete_" + strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
				return r
			}
			return '_'
		}, filepath.Base(name))
		return "# fish completion for " + name + "\n" +
			"function " + fn + "\n" +
			"    set -lx COMP_LINE (commandline -cp)\n" +
			"    test -z (commandline -ct)\n" +
			"    and set COMP_LINE \"$COMP_LINE \"\n" +
			"    " + qb + "\n" +
			"end\n" +
			"complete -f -c " + qn + " -a \"(" + fn + ")\"\n"
	}
	return "# bash completion for " + name + "\n" +
		"complete -o default -o bashdefault -C " + qb + " " + qn + "\n"
}

// shQuote single-quotes s for bash, zsh and fish alike when it needs it.
func shQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// completeLine answers a completion request for the command line typed so
// far (COMP_LINE): one candidate per line on stdout.
func completeLine(app *command.App, parser *kong.Kong, line string, stdout, stderr io.Writer) int {
	predictors := map[string]complete.Predictor{}
	for _, e := range app.Endpoints.All() {
		for i := range e.Model().Input.Fields {
			f := &e.Model().Input.Fields[i]
			if len(f.Enum) == 0 {
				continue
			}
			vals := make([]string, len(f.Enum))
			for j, v := range f.Enum {
				vals[j] = display(v)
			}
			predictors[enumPredictor(f)] = complete.PredictSet(vals...)
		}
	}
	cmd, err := kongplete.Command(parser, kongplete.WithPredictors(predictors))
	if err != nil {
		fmt.Fprintf(stderr, "completion: %v\n", err)
		return 1
	}
	fields := strings.Fields(line)
	args := complete.Args{}
	if len(fields) > 0 {
		args.All = fields[1:]
	}
	args.Completed = args.All
	if !strings.HasSuffix(line, " ") && len(args.All) > 0 {
		args.Last = args.All[len(args.All)-1]
		args.Completed = args.All[:len(args.All)-1]
	}
	if n := len(args.Completed); n > 0 {
		args.LastCompleted = args.Completed[n-1]
	}
	var out []string
	for _, c := range cmd.Predict(args) {
		if strings.HasPrefix(c, args.Last) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	for _, c := range slices.Compact(out) {
		fmt.Fprintln(stdout, c)
	}
	return 0
}

// enumPredictor names the completion predictor of a field's allowed values.
func enumPredictor(f *introspect.Field) string { return "enum:" + f.Env }
