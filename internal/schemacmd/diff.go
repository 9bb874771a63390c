package schemacmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/schemadiff"
	"github.com/fluxly-go/fluxly/introspect"
)

// schemaSuffix ends every schema file's name: <endpoint>.schema.json.
const schemaSuffix = ".schema.json"

// source is one side of a diff: schemas by endpoint name, and where each
// came from.
type source struct {
	schemas map[string][]byte
	where   map[string]string
}

// diffResult is the outcome of schema diff for one schema, as --format json
// prints it.
type diffResult struct {
	Name    string              `json:"name"`
	Old     string              `json:"old,omitempty"`
	New     string              `json:"new,omitempty"`
	Status  string              `json:"status"` // unchanged, compatible, breaking, added, removed
	Changes []schemadiff.Change `json:"changes"`
}

// diffReport is the outcome of schema diff, as --format json prints it.
type diffReport struct {
	Breaking bool         `json:"breaking"`
	Schemas  []diffResult `json:"schemas"`
}

func diff(env *command.Env, m *introspect.Model, args []string, format string) error {
	oldInfo, err := os.Stat(args[0])
	if err != nil {
		return readError(err)
	}
	var newSrc *source
	if len(args) == 2 {
		newInfo, err := os.Stat(args[1])
		if err != nil {
			return readError(err)
		}
		if oldInfo.IsDir() != newInfo.IsDir() {
			return command.Usagef("schema diff compares two files or two directories, not a file and a directory")
		}
		if !oldInfo.IsDir() { // two files: one schema, whatever their names
			rep, err := compareFiles(args[0], args[1])
			if err != nil {
				return err
			}
			return printReport(env, rep, format)
		}
		if newSrc, err = readDir(args[1]); err != nil {
			return err
		}
	} else {
		newSrc = appSource(env.App.Name, m)
	}
	var oldSrc *source
	if oldInfo.IsDir() {
		if oldSrc, err = readDir(args[0]); err != nil {
			return err
		}
	} else {
		name, ok := strings.CutSuffix(filepath.Base(args[0]), schemaSuffix)
		if !ok {
			return command.Usagef("%s: name it <endpoint>%s to compare it with the app's schema of that endpoint, or give NEW", args[0], schemaSuffix)
		}
		data, err := os.ReadFile(args[0])
		if err != nil {
			return readError(err)
		}
		oldSrc = &source{schemas: map[string][]byte{name: data}, where: map[string]string{name: args[0]}}
		// Only that endpoint of the new side.
		if data, ok := newSrc.schemas[name]; ok {
			newSrc = &source{schemas: map[string][]byte{name: data}, where: map[string]string{name: newSrc.where[name]}}
		} else {
			newSrc = &source{schemas: map[string][]byte{}, where: map[string]string{}}
		}
	}
	rep, err := compareSources(oldSrc, newSrc)
	if err != nil {
		return err
	}
	return printReport(env, rep, format)
}

func compareFiles(oldPath, newPath string) (*diffReport, error) {
	od, err := os.ReadFile(oldPath)
	if err != nil {
		return nil, readError(err)
	}
	nd, err := os.ReadFile(newPath)
	if err != nil {
		return nil, readError(err)
	}
	name, ok := strings.CutSuffix(filepath.Base(oldPath), schemaSuffix)
	if !ok {
		name = strings.TrimSuffix(strings.TrimSuffix(filepath.Base(newPath), schemaSuffix), ".json")
	}
	r, err := compareOne(name, od, nd)
	if err != nil {
		return nil, err
	}
	r.Old, r.New = oldPath, newPath
	return &diffReport{Breaking: r.Status == "breaking", Schemas: []diffResult{r}}, nil
}

func compareOne(name string, od, nd []byte) (diffResult, error) {
	changes, err := schemadiff.Compare(od, nd)
	if err != nil {
		return diffResult{}, &command.ExitError{Code: ExitError, Err: fmt.Errorf("%s: %w", name, err)}
	}
	r := diffResult{Name: name, Status: "unchanged", Changes: changes}
	if r.Changes == nil {
		r.Changes = []schemadiff.Change{}
	}
	switch {
	case schemadiff.Breaking(changes):
		r.Status = "breaking"
	case len(changes) > 0:
		r.Status = "compatible"
	}
	return r, nil
}

func compareSources(o, n *source) (*diffReport, error) {
	names := make([]string, 0, len(o.schemas)+len(n.schemas))
	for k := range o.schemas {
		names = append(names, k)
	}
	for k := range n.schemas {
		if _, ok := o.schemas[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	rep := &diffReport{Schemas: []diffResult{}}
	for _, name := range names {
		od, inOld := o.schemas[name]
		nd, inNew := n.schemas[name]
		var r diffResult
		switch {
		case inOld && inNew:
			var err error
			if r, err = compareOne(name, od, nd); err != nil {
				return nil, err
			}
		case inOld:
			r = diffResult{Name: name, Status: "removed", Changes: []schemadiff.Change{{Keyword: "schema", Breaking: true, Message: "endpoint removed: its callers are refused"}}}
		default:
			r = diffResult{Name: name, Status: "added", Changes: []schemadiff.Change{{Keyword: "schema", Message: "new endpoint"}}}
		}
		r.Old, r.New = o.where[name], n.where[name]
		rep.Breaking = rep.Breaking || r.Status == "breaking" || r.Status == "removed"
		rep.Schemas = append(rep.Schemas, r)
	}
	return rep, nil
}

// readDir reads the *.schema.json files of dir, or of dir/schemas when dir
// has none (the output of docs build or docs markdown).
func readDir(dir string) (*source, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*"+schemaSuffix))
	if err == nil && len(paths) == 0 {
		paths, err = filepath.Glob(filepath.Join(dir, "schemas", "*"+schemaSuffix))
	}
	if err != nil {
		return nil, readError(err)
	}
	if len(paths) == 0 {
		return nil, &command.ExitError{Code: ExitError, Err: fmt.Errorf("%s: no *%s files (nor in %s)", dir, schemaSuffix, filepath.Join(dir, "schemas"))}
	}
	s := &source{schemas: map[string][]byte{}, where: map[string]string{}}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, readError(err)
		}
		name := strings.TrimSuffix(filepath.Base(p), schemaSuffix)
		s.schemas[name], s.where[name] = data, p
	}
	return s, nil
}

func appSource(app string, m *introspect.Model) *source {
	s := &source{schemas: map[string][]byte{}, where: map[string]string{}}
	for _, w := range m.Workflows {
		s.schemas[w.Endpoint], s.where[w.Endpoint] = w.Schema, app+" schema "+w.Endpoint
	}
	return s
}

func printReport(env *command.Env, rep *diffReport, format string) error {
	var err error
	if format == "json" {
		err = writeJSON(env.Stdout, rep)
	} else {
		err = writeText(env.Stdout, rep)
	}
	if err != nil {
		return err
	}
	if rep.Breaking {
		n, s := 0, 0
		for _, r := range rep.Schemas {
			if b := countBreaking(r.Changes); b > 0 {
				n += b
				s++
			}
		}
		return &breakingError{changes: n, schemas: s}
	}
	return nil
}

func writeJSON(w io.Writer, rep *diffReport) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// writeText lists the changed schemas, each change on its own line, then
// a summary:
//
//	etl: 1 breaking, 1 compatible (old/etl.schema.json → fluxly schema etl)
//	  breaking    count: maximum lowered from 100 to 50
//	  compatible  mode: value "safe" added
//	7 schemas: 1 breaking, 0 compatible, 6 unchanged, 0 added, 0 removed
func writeText(w io.Writer, rep *diffReport) error {
	var b strings.Builder
	tally := map[string]int{}
	for _, r := range rep.Schemas {
		tally[r.Status]++
		switch r.Status {
		case "unchanged":
			continue
		case "added":
			fmt.Fprintf(&b, "%s: new schema, compatible (%s)\n", r.Name, r.New)
			continue
		case "removed":
			fmt.Fprintf(&b, "%s: removed, breaking: its callers are refused (%s)\n", r.Name, r.Old)
			continue
		}
		nb := countBreaking(r.Changes)
		fmt.Fprintf(&b, "%s: %d breaking, %d compatible (%s → %s)\n", r.Name, nb, len(r.Changes)-nb, r.Old, r.New)
		for _, c := range r.Changes {
			kind := "compatible"
			if c.Breaking {
				kind = "breaking"
			}
			fmt.Fprintf(&b, "  %-10s  %s\n", kind, c)
		}
	}
	removed := strconv.Itoa(tally["removed"]) + " removed"
	if tally["removed"] > 0 {
		removed += " (breaking)"
	}
	fmt.Fprintf(&b, "%s: %d breaking, %d compatible, %d unchanged, %d added, %s\n",
		plural(len(rep.Schemas), "schema"), tally["breaking"], tally["compatible"], tally["unchanged"], tally["added"], removed)
	_, err := io.WriteString(w, b.String())
	return err
}

func countBreaking(changes []schemadiff.Change) int {
	n := 0
	for _, c := range changes {
		if c.Breaking {
			n++
		}
	}
	return n
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
