package describe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	jsv "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// FieldError is one rule an input breaks.
type FieldError struct {
	Field   string `json:"field"`           // JSON path ("count", "tags[1]", "db.host"); "" for the whole document
	Rule    string `json:"rule"`            // minimum, maximum, enum, pattern, type, required, unknown_field, max_length, …
	Message string `json:"message"`         // what the rule wants, in words
	Value   string `json:"value,omitempty"` // the offending value, truncated; never shown for secret fields
}

func (e FieldError) String() string {
	var b strings.Builder
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Message)
	b.WriteString(" (" + e.Rule + ")")
	if e.Value != "" {
		b.WriteString("; got " + e.Value)
	}
	return b.String()
}

// ValidationError lists every rule an input breaks.
type ValidationError struct {
	Endpoint string       `json:"endpoint"`
	Errors   []FieldError `json:"errors"`
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		lines[i] = "  " + fe.String()
	}
	return fmt.Sprintf("invalid input for %s (%d problem(s)):\n%s", e.Endpoint, len(e.Errors), strings.Join(lines, "\n"))
}

// Parse reads a JSON input document: it must be a JSON object within the
// size and nesting limits, in UTF-8. Numbers are kept as json.Number.
func (c *Codec) Parse(data []byte) (map[string]any, error) {
	fail := func(fe ...FieldError) error { return &ValidationError{Endpoint: c.w.Endpoint, Errors: fe} }
	if len(data) > c.maxBytes {
		return nil, fail(FieldError{Rule: "max_size", Message: fmt.Sprintf("input is %d bytes; the limit is %d", len(data), c.maxBytes)})
	}
	if !utf8.Valid(data) {
		return nil, fail(FieldError{Rule: "utf8", Message: fmt.Sprintf("input is not valid UTF-8 (first bad byte at offset %d)", badUTF8(data))})
	}
	if d := depth(data); d > c.maxDepth {
		return nil, fail(FieldError{Rule: "max_depth", Message: fmt.Sprintf("input nests %d levels deep; the limit is %d", d, c.maxDepth)})
	}
	doc, err := jsv.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fail(FieldError{Rule: "syntax", Message: "input is not valid JSON: " + strings.TrimPrefix(err.Error(), "invalid character ")})
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, fail(FieldError{Rule: "type", Message: "input must be a JSON object", Value: c.display(doc, "")})
	}
	return obj, nil
}

// Check completes doc, the input as one JSON object (values as JSON
// decoding gives them, numbers as json.Number, durations as strings such
// as "30s"), with the defaults of absent fields, and validates it against
// the input's schema. Every problem is reported at once in a
// *ValidationError. doc is changed in place.
func (c *Codec) Check(doc map[string]any) error {
	merge(doc, c.defaults)
	if fes := c.violations(doc); len(fes) > 0 {
		return &ValidationError{Endpoint: c.w.Endpoint, Errors: fes}
	}
	integralNumbers(doc)
	c.fillZero(doc)
	return nil
}

// fillZero gives every field the document leaves out its zero value as
// the input struct decodes it, so the document shows the whole input —
// in run records, logs and the command line that reproduces a run —
// exactly as the node will see it. A field whose zero value breaks its
// own rules (noFill) stays out: the document must pass Check again.
func (c *Codec) fillZero(doc map[string]any) {
	for _, f := range c.fields {
		if f.noFill {
			continue
		}
		parent := doc
		parts := strings.Split(f.Name, ".")
		for _, p := range parts[:len(parts)-1] {
			next, ok := parent[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				parent[p] = next
			}
			parent = next
		}
		last := parts[len(parts)-1]
		if _, ok := parent[last]; ok {
			continue
		}
		parent[last] = zeroOf(&f)
	}
}

// zeroOf is a field's zero value in the document's terms: durations as
// "0s", times in RFC 3339, lists and maps empty (as decoding leaves them),
// optional values null.
func zeroOf(f *field) any {
	switch {
	case f.Object:
		return map[string]any{}
	case f.Optional || f.goType.Kind() == reflect.Pointer:
		return nil
	case f.JSONType == "array":
		return []any{}
	case f.goType.Kind() == reflect.Map:
		return map[string]any{}
	case f.Format == "duration":
		return "0s"
	case f.Format == "date-time":
		return time.Time{}.Format(time.RFC3339)
	}
	switch f.JSONType {
	case "boolean":
		return false
	case "integer", "number":
		return json.Number("0")
	case "string":
		return ""
	}
	return nil
}

// Decode decodes doc, once Check has accepted it, into into, a pointer to
// the input struct. doc is changed: durations become nanoseconds.
func (c *Codec) Decode(doc map[string]any, into any) error {
	c.convertDurations(doc, func(v any) any {
		if s, ok := v.(string); ok {
			if d, err := time.ParseDuration(s); err == nil {
				return int64(d)
			}
		}
		return v
	})
	merged, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(merged))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		fe := FieldError{Rule: "type", Message: err.Error()}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			// te.Field names embedded structs by their Go names
			// ("Input.timeout_seconds"); report the JSON path, and show the
			// value only for a known, non-secret field.
			path, known := jsonPath(c.inputType, te.Field)
			fe = FieldError{Field: path, Rule: "range", Message: fmt.Sprintf("does not fit %s", te.Type)}
			if known && c.byPath[path] != nil && !c.secret(path) {
				fe.Value = truncate(te.Value)
			}
		}
		return &ValidationError{Endpoint: c.w.Endpoint, Errors: []FieldError{fe}}
	}
	c.fillEmpty(reflect.ValueOf(into).Elem())
	return nil
}

// fillEmpty replaces nil slices and maps with empty ones: the schema says
// "array" or "object", and a decoded input must encode back to a valid one.
func (c *Codec) fillEmpty(v reflect.Value) {
	for _, f := range c.fields {
		if f.Optional || (f.JSONType != "array" && f.JSONType != "object") || f.Object {
			continue
		}
		fv := v.FieldByIndex(f.index)
		switch {
		case fv.Kind() == reflect.Slice && fv.IsNil():
			fv.Set(reflect.MakeSlice(fv.Type(), 0, 0))
		case fv.Kind() == reflect.Map && fv.IsNil():
			fv.Set(reflect.MakeMap(fv.Type()))
		}
	}
}

// merge copies defaults into obj where obj has no value, recursing into
// nested objects.
func merge(obj, defaults map[string]any) {
	for k, dv := range defaults {
		cur, ok := obj[k]
		if !ok {
			obj[k] = deepCopy(dv)
			continue
		}
		if cm, ok := cur.(map[string]any); ok {
			if dm, ok := dv.(map[string]any); ok {
				merge(cm, dm)
			}
		}
	}
}

// depth returns the deepest nesting of arrays and objects in data, stopping
// early once past any sane limit.
func depth(data []byte) int {
	d, deepest := 0, 0
	inString, escaped := false, false
	for _, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			d++
			deepest = max(deepest, d)
			if deepest > 10_000 {
				return deepest
			}
		case c == '}' || c == ']':
			d--
		}
	}
	return deepest
}

func badUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

var printer = message.NewPrinter(language.English)

// violations validates a decoded document and flattens the result into
// field errors, sorted by field then rule.
func (c *Codec) violations(doc any) []FieldError {
	err := c.validator.Validate(doc)
	if err == nil {
		return nil
	}
	var ve *jsv.ValidationError
	if !errors.As(err, &ve) {
		return []FieldError{{Rule: "schema", Message: err.Error()}}
	}
	var out []FieldError
	var walk func(e *jsv.ValidationError)
	walk = func(e *jsv.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		out = append(out, c.fieldErrors(doc, e)...)
	}
	walk(ve)
	slices.SortFunc(out, func(a, b FieldError) int {
		if c := strings.Compare(a.Field, b.Field); c != 0 {
			return c
		}
		return strings.Compare(a.Rule, b.Rule)
	})
	return slices.CompactFunc(out, func(a, b FieldError) bool { return a == b })
}

func (c *Codec) fieldErrors(doc any, e *jsv.ValidationError) []FieldError {
	path := fieldPath(e.InstanceLocation)
	value := c.display(at(doc, e.InstanceLocation), path)
	fe := FieldError{Field: path, Value: value}
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		var out []FieldError
		for _, m := range k.Missing {
			out = append(out, FieldError{Field: join(path, m), Rule: "required", Message: "is required"})
		}
		return out
	case *kind.AdditionalProperties:
		var out []FieldError
		for _, p := range k.Properties {
			out = append(out, FieldError{Field: join(path, p), Rule: "unknown_field", Message: "is not a field of this input"})
		}
		return out
	case *kind.Type:
		fe.Rule, fe.Message = "type", "must be "+strings.Join(k.Want, " or ")+", not "+k.Got
	case *kind.Minimum:
		fe.Rule, fe.Message = "minimum", "must be at least "+ratString(k.Want)
	case *kind.Maximum:
		fe.Rule, fe.Message = "maximum", "must be at most "+ratString(k.Want)
	case *kind.ExclusiveMinimum:
		fe.Rule, fe.Message = "exclusive_minimum", "must be greater than "+ratString(k.Want)
	case *kind.ExclusiveMaximum:
		fe.Rule, fe.Message = "exclusive_maximum", "must be less than "+ratString(k.Want)
	case *kind.MinLength:
		fe.Rule, fe.Message = "min_length", fmt.Sprintf("must be at least %d character(s) long", k.Want)
	case *kind.MaxLength:
		fe.Rule, fe.Message = "max_length", fmt.Sprintf("must be at most %d character(s) long, is %d", k.Want, k.Got)
		fe.Value = "" // the value itself is what is too long
	case *kind.Pattern:
		fe.Rule, fe.Message = "pattern", "must match "+k.Want
	case *kind.Enum:
		var want []string
		for _, v := range k.Want {
			b, _ := json.Marshal(v)
			want = append(want, string(b))
		}
		fe.Rule, fe.Message = "enum", "must be one of "+strings.Join(want, ", ")
	case *kind.MinItems:
		fe.Rule, fe.Message = "min_items", fmt.Sprintf("must have at least %d item(s)", k.Want)
	case *kind.MaxItems:
		fe.Rule, fe.Message = "max_items", fmt.Sprintf("must have at most %d item(s), has %d", k.Want, k.Got)
		fe.Value = ""
	case *kind.Format:
		fe.Rule, fe.Message = "format", "must be a valid "+k.Want
	default:
		kw := e.ErrorKind.KeywordPath()
		fe.Rule = "schema"
		if len(kw) > 0 {
			fe.Rule = snake(kw[0])
		}
		fe.Message = e.ErrorKind.LocalizedString(printer)
		if c.secret(path) {
			fe.Message = "breaks the rule " + fe.Rule
		}
	}
	return []FieldError{fe}
}

func ratString(r interface{ FloatString(int) string }) string {
	s := r.FloatString(6)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// fieldPath renders an instance location: a.b, tags[2].
func fieldPath(loc []string) string {
	var b strings.Builder
	for _, p := range loc {
		if _, err := strconv.Atoi(p); err == nil && b.Len() > 0 {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

func at(doc any, loc []string) any {
	cur := doc
	for _, p := range loc {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

// secret reports whether the field at path, or one it is part of, is secret.
func (c *Codec) secret(path string) bool {
	for p := path; p != ""; {
		if f := c.byPath[p]; f != nil && f.Secret {
			return true
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return false
}

// display renders a value for an error message, truncated, or "" for secrets.
func (c *Codec) display(v any, path string) string {
	if c.secret(path) {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return truncate(string(b))
}

// truncate shortens a value shown in an error message to 64 characters.
func truncate(s string) string {
	if utf8.RuneCountInString(s) > 64 {
		r := []rune(s)
		s = string(r[:61]) + "..."
	}
	return s
}

// convertDurations rewrites the value of every time.Duration field (and of
// every item of a []time.Duration field) in a decoded document with conv:
// JSON carries durations as strings such as "30s", Go as nanoseconds.
func (c *Codec) convertDurations(obj map[string]any, conv func(any) any) {
	for _, f := range c.fields {
		if f.Format != "duration" {
			continue
		}
		parent := obj
		parts := strings.Split(f.Name, ".")
		for _, p := range parts[:len(parts)-1] {
			if parent, _ = parent[p].(map[string]any); parent == nil {
				break
			}
		}
		last := parts[len(parts)-1]
		if parent == nil || parent[last] == nil {
			continue
		}
		if items, ok := parent[last].([]any); ok {
			for i := range items {
				items[i] = conv(items[i])
			}
			continue
		}
		parent[last] = conv(parent[last])
	}
}

// Redact returns a copy of doc, a document Check accepted, with every
// secret field that has a value replaced by "***": for logs, run records
// and reports.
func (c *Codec) Redact(doc map[string]any) map[string]any {
	m := deepCopy(doc).(map[string]any)
	for _, f := range c.fields {
		if !f.Secret {
			continue
		}
		obj := m
		parts := strings.Split(f.Name, ".")
		for _, p := range parts[:len(parts)-1] {
			if obj, _ = obj[p].(map[string]any); obj == nil {
				break
			}
		}
		last := parts[len(parts)-1]
		if obj != nil {
			if v, ok := obj[last]; ok && !zero(v) {
				obj[last] = "***"
			}
		}
	}
	return m
}

// deepCopy copies the maps and slices of a decoded JSON value.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

// zero reports whether a decoded JSON value is its type's zero value: an
// unset secret is shown as unset, not as "***".
func zero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case json.Number:
		f, err := x.Float64()
		return err == nil && f == 0
	case int64:
		return x == 0
	case uint64:
		return x == 0
	case float64:
		return x == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// jsonPath turns the field path of a *json.UnmarshalTypeError, which names
// embedded structs by their Go names, into the JSON path of the model
// ("Input.timeout_seconds" → "timeout_seconds"). ok is false when a segment
// cannot be resolved; path is then te.Field unchanged.
func jsonPath(t reflect.Type, goPath string) (path string, ok bool) {
	var out []string
	for seg := range strings.SplitSeq(goPath, ".") {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return goPath, false
		}
		found := false
		for i := range t.NumField() {
			sf := t.Field(i)
			name, _, skip := jsonName(sf)
			switch {
			case skip:
				continue
			case sf.Anonymous && name == "" && sf.Name == seg:
				t, found = sf.Type, true // embedded: no JSON segment
			case name == seg || (name == "" && sf.Name == seg):
				t, found = sf.Type, true
				out = append(out, seg)
			}
			if found {
				break
			}
		}
		if !found {
			return goPath, false
		}
	}
	return strings.Join(out, "."), true
}

// integralNumbers rewrites numbers written with a fraction or an exponent
// whose value is a whole number ("1e2", "3.0") as plain integers: the
// schema calls them integers, and Go's decoder would refuse them for an int
// field. Only short numbers with small exponents are considered, so a
// hostile "1e999999" costs nothing; they stay as they are.
func integralNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = integralNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = integralNumbers(e)
		}
	case json.Number:
		s := string(x)
		if len(s) > 40 || !strings.ContainsAny(s, ".eE") {
			return x
		}
		if i := strings.IndexAny(s, "eE"); i >= 0 {
			exp, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
			if err != nil || exp > 40 || exp < -40 {
				return x
			}
		}
		// Only values that fit a 64-bit integer: anything larger fails Go
		// decoding anyway, and its error then quotes what the user wrote.
		var r big.Rat
		if _, ok := r.SetString(s); ok && r.IsInt() && (r.Num().IsInt64() || r.Num().IsUint64()) {
			return json.Number(r.Num().String())
		}
	}
	return v
}

// DecodeNew parses, checks and decodes data into a new value of the input
// type, returning a pointer to it and the redacted document: for tests,
// fuzzing and tools that have no typed endpoint at hand.
func (c *Codec) DecodeNew(data []byte) (any, map[string]any, error) {
	doc, err := c.Parse(data)
	if err != nil {
		return nil, nil, err
	}
	if err := c.Check(doc); err != nil {
		return nil, nil, err
	}
	red := c.Redact(doc)
	v := reflect.New(c.inputType)
	if err := c.Decode(doc, v.Interface()); err != nil {
		return nil, nil, err
	}
	return v.Interface(), red, nil
}
