package describe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"
	jsv "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/fluxly-go/fluxly/introspect"
)

// durationPattern accepts what time.ParseDuration accepts.
const durationPattern = `^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$`

// defName names a type in $defs by its full package path, so types of the
// same name from different packages never collide.
func defName(t reflect.Type) string {
	if t.Name() == "" {
		return "" // unnamed types ([]string, map[string]int) are inlined
	}
	return defNameReplacer.Replace(qualified(t))
}

var defNameReplacer = strings.NewReplacer("/", ".", "[", "_", "]", "_", ",", "_", " ", "", "*", "")

func (c *Codec) buildSchema(t reflect.Type, opts *Options, com *comments) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("building the JSON Schema of %s: %v", t, p)
		}
	}()
	r := &jsonschema.Reflector{
		ExpandedStruct:             true,
		RequiredFromJSONSchemaTags: true,
		Namer:                      defName,
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			if t == durationType {
				return &jsonschema.Schema{Type: "string", Pattern: durationPattern}
			}
			return nil
		},
		LookupComment: func(t reflect.Type, field string) string {
			if field != "" {
				if sf, ok := indirect(t).FieldByName(field); ok && sf.Tag.Get("help") != "" {
					return sf.Tag.Get("help")
				}
			}
			return com.lookup(t, field)
		},
	}
	s := r.ReflectFromType(t)
	s.ID = jsonschema.ID(c.w.Input.SchemaID)
	s.Title = c.w.Name + " input"
	if s.Description == "" {
		s.Description = c.w.Description
	}

	required := map[*jsonschema.Schema][]string{}
	for i := range c.fields {
		f := &c.fields[i]
		parent, prop, name := locate(s, f.Name)
		if prop == nil {
			return fmt.Errorf("field %s: not found in the generated schema", f.Name)
		}
		if f.Required {
			required[parent] = append(required[parent], name)
		}
		if f.Object {
			continue
		}
		target := prop
		if f.JSONType == "array" && prop.Items != nil {
			target = prop.Items
		}
		if f.Default != nil {
			var v any
			_ = json.Unmarshal(f.Default, &v)
			prop.Default = v
		}
		if f.Enum != nil {
			target.Enum = nil
			for _, e := range f.Enum {
				var v any
				_ = json.Unmarshal(e, &v)
				target.Enum = append(target.Enum, v)
			}
		}
		// Integers narrower than the JSON number range get its bounds in
		// the schema, so the validator rejects an out-of-range value with
		// the field's path and rule (and a secret's value masked) before
		// Go decoding could.
		if lo, hi, ok := intRange(f.goType); ok {
			if target.Minimum == "" {
				target.Minimum = json.Number(lo)
			}
			if target.Maximum == "" && hi != "" {
				target.Maximum = json.Number(hi)
			}
		}
		if f.Secret {
			prop.WriteOnly = true
		}
		f.readConstraints(prop, target)
		if f.Optional {
			// A pointer field also takes null.
			inner := *prop
			inner.Description, inner.Default, inner.WriteOnly = "", nil, false
			*prop = jsonschema.Schema{
				AnyOf:       []*jsonschema.Schema{&inner, {Type: "null"}},
				Description: prop.Description, Default: prop.Default, WriteOnly: prop.WriteOnly,
			}
		}
	}
	for parent := range required {
		parent.Required = nil
	}
	for parent, names := range required {
		for _, n := range names {
			if !containsString(parent.Required, n) {
				parent.Required = append(parent.Required, n)
			}
		}
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	// invopop's MarshalJSON escapes <, > and & whatever the encoder says.
	c.schema = unescapeHTML(buf.Bytes())
	if c.validator, err = compile(c.w.Input.SchemaID, c.schema); err != nil {
		return fmt.Errorf("the generated schema does not compile: %w", err)
	}
	return c.buildDefaults()
}

// locate finds the schema of the field at a dotted path, following $refs
// into $defs. It returns the object schema holding it and its key there.
func locate(root *jsonschema.Schema, path string) (parent, prop *jsonschema.Schema, name string) {
	cur := root
	parts := strings.Split(path, ".")
	for i, p := range parts {
		if cur == nil || cur.Properties == nil {
			return nil, nil, ""
		}
		next, ok := cur.Properties.Get(p)
		if !ok {
			return nil, nil, ""
		}
		if i == len(parts)-1 {
			return cur, next, p
		}
		cur = deref(root, next)
	}
	return nil, nil, ""
}

func deref(root, s *jsonschema.Schema) *jsonschema.Schema {
	if s == nil || s.Ref == "" {
		return s
	}
	return root.Definitions[strings.TrimPrefix(s.Ref, "#/$defs/")]
}

func (f *field) readConstraints(prop, target *jsonschema.Schema) {
	f.Minimum, f.Maximum = target.Minimum, target.Maximum
	f.ExclusiveMinimum, f.ExclusiveMaximum = target.ExclusiveMinimum, target.ExclusiveMaximum
	f.MinLength, f.MaxLength, f.Pattern = target.MinLength, target.MaxLength, target.Pattern
	if f.Format == "duration" {
		f.Pattern = "" // the duration syntax, not a user rule
	}
	f.MinItems, f.MaxItems = prop.MinItems, prop.MaxItems
}

func containsString(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func compile(id string, schema []byte) (*jsv.Schema, error) {
	doc, err := jsv.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return nil, err
	}
	if u, err := url.Parse(id); err != nil || !u.IsAbs() {
		// A relative $id is resolved against the resource's URL; any
		// absolute base will do, nothing is ever loaded from it.
		id = compileBase + id
	}
	c := jsv.NewCompiler()
	c.AssertFormat()
	c.UseLoader(noLoader{})
	if err := c.AddResource(id, doc); err != nil {
		return nil, err
	}
	return c.Compile(id)
}

// compileBase is the URL a schema with a relative $id is compiled under.
const compileBase = "https://fluxly.invalid/schemas/"

// noLoader refuses to fetch remote schemas: ours are self-contained.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("refusing to load %s: input schemas are self-contained", url)
}

// buildDefaults assembles the object of every default, nested like the
// input, once, and checks each default against the field's own rules.
func (c *Codec) buildDefaults() error {
	doc := map[string]any{}
	for _, f := range c.fields {
		if f.def != nil {
			setPath(doc, f.Name, f.def)
		}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // a large int64 default must not pass through float64
	if err := dec.Decode(&c.defaults); err != nil {
		return err
	}
	var bad []string
	for _, fe := range c.violations(deepCopy(c.defaults)) {
		if fe.Rule != "required" {
			bad = append(bad, fmt.Sprintf("default of %s breaks its own rule: %s", fe.Field, fe.Message))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("input %s:\n  %s", c.w.Input.GoType, strings.Join(bad, "\n  "))
	}
	c.markNoFill()
	return nil
}

// markNoFill finds the fields without a default whose zero value breaks
// their own rules: a completed document must pass Check again (a worker
// decoding a run's document, a resumed run's recorded input).
func (c *Codec) markNoFill() {
	for i := range c.fields {
		f := &c.fields[i]
		if f.def != nil || f.Object {
			continue
		}
		doc := deepCopy(c.defaults).(map[string]any)
		setPath(doc, f.Name, zeroOf(f))
		for _, fe := range c.violations(doc) {
			if fe.Field == f.Name && fe.Rule != "required" {
				f.noFill = true
				break
			}
		}
	}
}

func setPath(doc map[string]any, path string, v any) {
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

// intRange returns the bounds of an integer field (or of an array's items):
// both for 8-, 16- and 32-bit integers, 0 alone for 64-bit unsigned ones
// (int and int64 fields are left to Go's decoder).
func intRange(t reflect.Type) (lo, hi string, ok bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int8, reflect.Int16, reflect.Int32:
		bits := t.Bits()
		return strconv.FormatInt(-1<<(bits-1), 10), strconv.FormatInt(1<<(bits-1)-1, 10), true
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return "0", strconv.FormatUint(1<<t.Bits()-1, 10), true
	case reflect.Uint, reflect.Uint64, reflect.Uintptr:
		return "0", "", true
	}
	return "", "", false
}

// SchemaID is the $id of an endpoint's input schema: base (a "/" added
// when missing) then <endpoint>.schema.json, or that file name alone — a
// relative id — when base is empty.
func SchemaID(base, endpoint string) string {
	if base != "" && !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + endpoint + ".schema.json"
}

// CheckSchemaBaseURL reports whether base can prefix schema ids: empty
// (relative ids), or an absolute http or https URL without query or
// fragment.
func CheckSchemaBaseURL(base string) error {
	if base == "" {
		return nil
	}
	u, err := url.Parse(base)
	switch {
	case err != nil:
		return fmt.Errorf("schema base URL %q: %w", base, err)
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return fmt.Errorf("schema base URL %q: want an absolute http or https URL, such as https://example.com/schemas/", base)
	case u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(base, "?#"):
		return fmt.Errorf("schema base URL %q: no query or fragment", base)
	}
	return nil
}

// WithSchemaBase returns m with every input schema's $id, and the model's
// schema_id, under base (see [SchemaID]); workflows are copied, m is left
// as it is. An empty base returns m.
func WithSchemaBase(m *introspect.Model, base string) (*introspect.Model, error) {
	if base == "" || m == nil {
		return m, nil
	}
	if err := CheckSchemaBaseURL(base); err != nil {
		return nil, err
	}
	out := &introspect.Model{Version: m.Version, Workflows: make([]*introspect.Workflow, len(m.Workflows))}
	for i, w := range m.Workflows {
		c := *w
		c.Input.SchemaID = SchemaID(base, w.Endpoint)
		if w.Schema != nil {
			s, err := setSchemaID(w.Schema, c.Input.SchemaID)
			if err != nil {
				return nil, fmt.Errorf("endpoint %q: %w", w.Endpoint, err)
			}
			c.Schema = s
		}
		out.Workflows[i] = &c
	}
	return out, nil
}

// setSchemaID returns schema with its top-level "$id" set to id, the rest
// of the text unchanged.
func setSchemaID(schema []byte, id string) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(schema))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("the schema is not a JSON object")
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, err
		}
		start := dec.InputOffset()
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if key != "$id" {
			continue
		}
		end := dec.InputOffset()
		// start is just after the key; the value follows ": ".
		start += int64(bytes.Index(schema[start:end], v))
		val, err := json.Marshal(id)
		if err != nil {
			return nil, err
		}
		return slices.Concat(schema[:start], unescapeHTML(val), schema[start+int64(len(v)):]), nil
	}
	return nil, errors.New("the schema has no $id")
}

// unescapeHTML turns the \u003c, \u003e and \u0026 escapes encoding/json
// writes for <, > and & back into the characters, which JSON allows as
// they are, and leaves every other byte alone.
func unescapeHTML(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\u00`)) {
		return b
	}
	out := make([]byte, 0, len(b))
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case !inString:
			inString = c == '"'
		case c == '"':
			inString = false
		case c == '\\' && i+1 < len(b):
			if i+5 < len(b) && b[i+1] == 'u' {
				switch string(b[i+2 : i+6]) {
				case "003c", "003C":
					out = append(out, '<')
					i += 5
					continue
				case "003e", "003E":
					out = append(out, '>')
					i += 5
					continue
				case "0026":
					out = append(out, '&')
					i += 5
					continue
				}
			}
			out = append(out, c, b[i+1])
			i++
			continue
		}
		out = append(out, c)
	}
	return out
}
