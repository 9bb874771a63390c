package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/introspect"
)

// fileError is an input file that is not a JSON object of the input.
type fileError struct {
	path string
	err  *describe.ValidationError
}

func (e *fileError) Error() string { return "--input-file " + e.path + ": " + e.err.Error() }

// assemble builds the input as one JSON object with precedence flag >
// environment > input file; the endpoint then applies defaults and every
// rule and decodes it once.
func (r *runner) assemble() (map[string]any, error) {
	doc := map[string]any{}
	if path := r.control("input-file"); path != "" {
		data, err := readInputFile(path)
		if err != nil {
			return nil, err
		}
		doc, err = r.e.Parse(data)
		var ve *describe.ValidationError
		if errors.As(err, &ve) {
			return nil, &fileError{path: path, err: ve}
		} else if err != nil {
			return nil, err
		}
		r.inputFile, r.fileKeys = path, map[string]bool{}
		filePaths(doc, "", r.fileKeys)
	}
	fromFlags := map[string]bool{}
	for _, p := range r.kctx.Path {
		if p.Flag != nil && !p.Resolved {
			if _, ok := r.cmd.fields[p.Flag.Name]; ok {
				fromFlags[p.Flag.Name] = true
			}
		}
	}
	var errs []string
	for i := range r.w.Input.Fields {
		f := &r.w.Input.Fields[i]
		if f.Object {
			continue
		}
		if f.Flag != "" && fromFlags[f.Flag] {
			set(doc, f.Name, r.flagValue(f))
			delete(r.fileKeys, f.Name)
			continue
		}
		raw, ok := r.vars[f.Env]
		if !ok {
			continue
		}
		v, err := parseEnvValue(f, raw)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s=%q: %v", f.Env, redactText(f, raw), err))
			continue
		}
		set(doc, f.Name, v)
		delete(r.fileKeys, f.Name)
	}
	if len(errs) > 0 {
		return nil, &command.UsageError{Err: errors.New("cannot parse environment variable(s):\n  " + strings.Join(errs, "\n  "))}
	}
	return doc, nil
}

func redactText(f *introspect.Field, s string) string {
	if f.Secret {
		return "***"
	}
	return s
}

func readInputFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, command.Usagef("--input-file: %v", err)
	}
	defer f.Close()
	// Decode enforces the size limit; read a little past any sane one.
	data, err := io.ReadAll(io.LimitReader(f, 64<<20))
	if err != nil {
		return nil, command.Usagef("--input-file %s: %v", path, err)
	}
	return data, nil
}

// set stores v at a dotted path, creating nested objects.
func set(doc map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := doc[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			doc[p] = next
		}
		doc = next
	}
	doc[parts[len(parts)-1]] = v
}

// flagValue reads a parsed flag as a JSON value.
func (r *runner) flagValue(f *introspect.Field) any {
	v := reflect.ValueOf(r.cmd.target).Elem().Field(r.cmd.fields[f.Flag])
	conv := func(v reflect.Value) any {
		if d, ok := v.Interface().(time.Duration); ok {
			return d.String()
		}
		return v.Interface()
	}
	if v.Kind() == reflect.Slice {
		out := make([]any, v.Len())
		for i := range out {
			out[i] = conv(v.Index(i))
		}
		return out
	}
	return conv(v)
}

// control reads one of the run's own flags (runFlagDefs).
func (r *runner) control(name string) string {
	if r.ctl != nil {
		return r.ctl[name]
	}
	return reflect.ValueOf(r.cmd.target).Elem().Field(r.cmd.ctl[name]).String()
}

// parseEnvValue parses an environment variable by the field's JSON type:
// lists are comma-separated, objects (and lists of them) are JSON.
func parseEnvValue(f *introspect.Field, s string) (any, error) {
	switch f.JSONType {
	case "object":
		return parseJSON(s)
	case "array":
		if f.ItemType == "object" || strings.HasPrefix(strings.TrimSpace(s), "[") {
			return parseJSON(s)
		}
		items := []any{}
		if strings.TrimSpace(s) == "" {
			return items, nil
		}
		for _, part := range strings.Split(s, ",") {
			v, err := parseScalar(f.ItemType, f.Format, strings.TrimSpace(part))
			if err != nil {
				return nil, err
			}
			items = append(items, v)
		}
		return items, nil
	}
	if f.Optional && s == "" {
		return nil, nil
	}
	return parseScalar(f.JSONType, f.Format, s)
}

func parseScalar(jsonType, format, s string) (any, error) {
	switch {
	case format == "duration":
		if _, err := time.ParseDuration(s); err != nil {
			return nil, fmt.Errorf("not a duration such as 30s or 1m30s")
		}
		return s, nil
	case jsonType == "boolean":
		// The values kong accepts for a boolean flag, so flag and
		// environment agree.
		switch strings.ToLower(s) {
		case "true", "1", "yes":
			return true, nil
		case "false", "0", "no":
			return false, nil
		}
		if b, err := strconv.ParseBool(s); err == nil { // t, f, TRUE, …
			return b, nil
		}
		return nil, fmt.Errorf("not a boolean (true, 1, yes, false, 0 or no)")
	case jsonType == "integer":
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			if _, uerr := strconv.ParseUint(s, 10, 64); uerr != nil {
				return nil, fmt.Errorf("not an integer")
			}
		}
		return json.Number(s), nil
	case jsonType == "number":
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return nil, fmt.Errorf("not a number")
		}
		return json.Number(s), nil
	}
	return s, nil
}

func parseJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	if !atEOF(dec) {
		return nil, fmt.Errorf("not valid JSON: text after the value")
	}
	return v, nil
}

// atEOF reports whether nothing but white space follows the decoded value.
func atEOF(dec *json.Decoder) bool {
	_, err := dec.Token()
	return err == io.EOF
}

// filePaths records the dotted path of every value in an input file
// ("db", "db.port", …).
func filePaths(doc map[string]any, prefix string, into map[string]bool) {
	for k, v := range doc {
		into[prefix+k] = true
		if m, ok := v.(map[string]any); ok {
			filePaths(m, prefix+k+".", into)
		}
	}
}

// fromFile says where a field's value came from when it was the input file
// and no flag or variable replaced it. path is a field path as validation
// reports it ("db.port", "tags[2]").
func (r *runner) fromFile(path string) string {
	if r.fileKeys[indexRE.ReplaceAllString(path, "")] {
		return "from --input-file " + r.inputFile
	}
	return ""
}

var indexRE = regexp.MustCompile(`\[\d+\]`)

// describeErrors renders validation errors naming each field's flag and
// environment variable (and the input file, when the value came from it),
// so the user knows what to change.
func describeErrors(w *introspect.Workflow, ve *describe.ValidationError, origin func(path string) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid input for %s (%d problem(s)):\n", ve.Endpoint, len(ve.Errors))
	for _, fe := range ve.Errors {
		b.WriteString("  ")
		name := fe.Field
		var via []string
		if f := w.Field(topField(w, fe.Field)); f != nil {
			if f.Flag != "" {
				via = append(via, "--"+f.Flag)
			}
			via = append(via, f.Env)
		}
		if o := origin(fe.Field); o != "" && fe.Field != "" {
			via = append(via, o)
		}
		if len(via) > 0 {
			name += " (" + strings.Join(via, ", ") + ")"
		}
		if name != "" {
			b.WriteString(name + ": ")
		}
		b.WriteString(fe.Message + " [" + fe.Rule + "]")
		if fe.Value != "" {
			b.WriteString("; got " + fe.Value)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// topField maps "tags[2]" to "tags" and keeps "db.host".
func topField(w *introspect.Workflow, path string) string {
	if i := strings.IndexByte(path, '['); i >= 0 {
		path = path[:i]
	}
	for path != "" && w.Field(path) == nil {
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			return path
		}
		path = path[:i]
	}
	return path
}
