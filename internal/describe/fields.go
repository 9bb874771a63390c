package describe

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

var (
	durationType = reflect.TypeFor[time.Duration]()
	timeType     = reflect.TypeFor[time.Time]()
	baseType     = reflect.TypeFor[runtime.Input]()
	secretType   = reflect.TypeFor[runtime.Secret]()
)

// isSecret reports whether a field of type t (a pointer already
// stripped) holds runtime.Secret values: a Secret or a []Secret is a
// secret string field without the fluxly:"secret" tag.
func isSecret(t reflect.Type) bool {
	return t == secretType || t.Kind() == reflect.Slice && t.Elem() == secretType
}

// fieldOptions are the words of the `fluxly:"…"` tag.
var fieldOptions = []string{"secret", "nocli", "nodocs", "keep_underscores", "required"}

// describeInput fills c.w.Input from the input struct type and builds its
// schema and validator.
func (c *Codec) describeInput(t reflect.Type, opts *Options, com *comments) error {
	c.inputType = t
	c.w.Input = introspect.Input{GoType: qualified(t), SchemaID: opts.SchemaBaseURL + c.w.Endpoint + ".schema.json", Fields: []introspect.Field{}}
	var errs []string
	c.walkFields(t, "", nil, false, opts, com, &errs)
	if len(errs) > 0 {
		return fmt.Errorf("input %s:\n  %s", t, strings.Join(errs, "\n  "))
	}
	if err := c.checkNames(opts); err != nil {
		return err
	}
	c.byPath = make(map[string]*field, len(c.fields))
	for i := range c.fields {
		c.byPath[c.fields[i].Name] = &c.fields[i]
	}
	if err := c.buildSchema(t, opts, com); err != nil {
		return err
	}
	c.maxBytes, c.maxDepth = opts.MaxInputBytes, opts.MaxDepth
	// The model gets its copy of the table once the schema has added the
	// constraints it reads.
	for _, f := range c.fields {
		c.w.Input.Fields = append(c.w.Input.Fields, f.Field)
	}
	return nil
}

func (c *Codec) walkFields(t reflect.Type, prefix string, index []int, base bool, opts *Options, com *comments, errs *[]string) {
	for i := range t.NumField() {
		sf := t.Field(i)
		idx := append(slices.Clone(index), i)
		name, _, skip := jsonName(sf)
		if skip || (!sf.IsExported() && !sf.Anonymous) {
			continue
		}
		if sf.Anonymous && name == "" {
			et := indirect(sf.Type)
			if et.Kind() != reflect.Struct {
				continue
			}
			if sf.Type.Kind() == reflect.Pointer {
				*errs = append(*errs, fmt.Sprintf("field %s: embed %s by value, not as a pointer", sf.Name, et))
				continue
			}
			c.walkFields(et, prefix, idx, base || et == baseType, opts, com, errs)
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			*errs = append(*errs, fmt.Sprintf("field %s has no json tag: add `json:\"%s\"` (JSON keys are the contract)", sf.Name, snake(sf.Name)))
			continue
		}
		path := prefix + name
		f := field{Field: introspect.Field{Name: path, GoName: sf.Name, GoType: sf.Type.String(), Base: base}, goType: sf.Type, index: idx}
		if msg := f.parseTags(sf, opts); msg != "" {
			*errs = append(*errs, fmt.Sprintf("field %s: %s", path, msg))
			continue
		}
		f.Description = sf.Tag.Get("help")
		if f.Description == "" {
			f.Description = com.lookup(t, sf.Name)
		}
		ft := sf.Type
		if ft.Kind() == reflect.Pointer && ft.Elem().Kind() != reflect.Struct {
			f.Optional = true
			ft = ft.Elem()
		}
		kind, msg := classify(ft)
		if msg != "" {
			*errs = append(*errs, fmt.Sprintf("field %s (%s): %s", path, sf.Type, msg))
			continue
		}
		if isSecret(ft) {
			f.Secret = true
		}
		if kind == kindJSON {
			if inner := secretInside(ft, map[reflect.Type]bool{}); inner != "" {
				*errs = append(*errs, fmt.Sprintf("field %s (%s): a runtime.Secret (%s) inside a map, a pointer to a struct or a list "+
					"of structs (JSON-only fields) cannot be redacted from run records; make it a field of its own "+
					"(Secret, *Secret, []Secret) or of a nested struct field", path, sf.Type, inner))
				continue
			}
			if inner := taggedInside(ft, map[reflect.Type]bool{}); inner != "" {
				*errs = append(*errs, fmt.Sprintf("field %s (%s): %s has a fluxly tag, which is not honoured inside maps, "+
					"pointers to structs and lists of structs (JSON-only fields); make %s a nested struct field or mark the whole field", path, sf.Type, inner, path))
				continue
			}
		}
		f.JSONType = jsonTypeOf(ft)
		switch {
		case ft == durationType:
			f.Format = "duration"
		case ft == timeType:
			f.Format = "date-time"
		}
		if f.JSONType == "array" {
			f.ItemType = jsonTypeOf(ft.Elem())
			if ft.Elem() == durationType {
				f.Format = "duration"
			}
		}
		f.Env = opts.EnvPrefix + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(path))
		if kind == kindScalar || kind == kindList {
			if !f.NoCLI {
				f.Flag = strings.ReplaceAll(path, ".", "-")
				if !f.KeepUnderscores {
					f.Flag = strings.ReplaceAll(f.Flag, "_", "-")
				}
			}
		} else {
			f.NoCLI = true // objects and lists of them come from env (JSON), files and the API
		}
		if msg := f.parseValues(sf, ft); msg != "" {
			*errs = append(*errs, fmt.Sprintf("field %s: %s", path, msg))
			continue
		}
		f.def = f.Default
		if f.Secret {
			f.Default = nil // published nowhere: not in the model, the schema or the docs
		}
		if kind == kindStruct {
			if f.def != nil || f.Enum != nil {
				*errs = append(*errs, fmt.Sprintf("field %s: a struct field takes defaults on its own fields", path))
				continue
			}
			f.Object = true
			f.Flag, f.NoCLI, f.Env = "", false, ""
			c.fields = append(c.fields, f)
			c.walkFields(ft, path+".", idx, base, opts, com, errs)
			continue
		}
		c.fields = append(c.fields, f)
	}
}

func (f *field) parseTags(sf reflect.StructField, opts *Options) string {
	for _, word := range splitList(sf.Tag.Get("fluxly")) {
		switch word {
		case "secret":
			f.Secret = true
		case "nocli":
			f.NoCLI = true
		case "nodocs":
			f.NoDocs = true
		case "keep_underscores":
			f.KeepUnderscores = true
		case "required":
			f.Required = true
		default:
			return fmt.Sprintf("unknown fluxly tag option %q (known: %s)", word, strings.Join(fieldOptions, ", "))
		}
	}
	for _, part := range splitList(sf.Tag.Get("jsonschema")) {
		if part == "required" {
			f.Required = true
		}
	}
	return ""
}

// parseValues reads the default and enum tags as values of the field's type.
func (f *field) parseValues(sf reflect.StructField, ft reflect.Type) string {
	def, hasDef := sf.Tag.Lookup("default")
	if hasDef {
		if f.Required {
			return "a required field cannot have a default"
		}
		v, err := parseValue(def, ft, true)
		if err != nil {
			return fmt.Sprintf("default %q: %v", def, err)
		}
		f.Default = v
	}
	if enum, ok := sf.Tag.Lookup("enum"); ok {
		et := ft
		if ft.Kind() == reflect.Slice {
			et = ft.Elem()
		}
		for _, item := range splitList(enum) {
			v, err := parseValue(item, et, false)
			if err != nil {
				return fmt.Sprintf("enum value %q: %v", item, err)
			}
			f.Enum = append(f.Enum, v)
		}
		if len(f.Enum) == 0 {
			return "empty enum tag"
		}
	}
	return ""
}

type fieldKind int

const (
	kindScalar fieldKind = iota
	kindList             // a slice of scalars
	kindStruct           // a nested struct, flattened into dotted fields
	kindJSON             // maps, lists of structs, pointers to structs: JSON only
)

func isScalar(t reflect.Type) bool {
	if t == durationType || t == timeType {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// classify sorts a field type, or says why it is not supported.
func classify(t reflect.Type) (fieldKind, string) {
	switch {
	case isScalar(t):
		return kindScalar, ""
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return 0, "byte slices are not supported; use a string"
	case t.Kind() == reflect.Slice && isScalar(t.Elem()):
		return kindList, ""
	case t.Kind() == reflect.Struct:
		return kindStruct, ""
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct && t.Elem() != timeType:
		return kindJSON, ""
	case t.Kind() == reflect.Slice && indirect(t.Elem()).Kind() == reflect.Struct:
		return kindJSON, ""
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		if _, msg := classify(indirect(t.Elem())); msg != "" && !isScalar(t.Elem()) {
			return 0, "map values: " + msg
		}
		return kindJSON, ""
	}
	return 0, "unsupported type: use strings, numbers, booleans, time.Duration, time.Time, slices of those, structs, or maps with string keys"
}

func jsonTypeOf(t reflect.Type) string {
	t = indirect(t)
	switch {
	case t == durationType || t == timeType:
		return "string"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "object"
}

// parseValue parses a tag's text as a value of type t and returns it as
// JSON. Lists are comma-separated when list is set.
func parseValue(s string, t reflect.Type, list bool) (json.RawMessage, error) {
	t = indirect(t)
	if t.Kind() == reflect.Slice && list {
		items := []json.RawMessage{}
		for _, part := range splitList(s) {
			v, err := parseValue(part, t.Elem(), false)
			if err != nil {
				return nil, err
			}
			items = append(items, v)
		}
		return json.Marshal(items)
	}
	var v any
	switch {
	case t == durationType:
		if _, err := time.ParseDuration(s); err != nil {
			return nil, fmt.Errorf("not a duration such as 30s or 1m30s")
		}
		v = s
	case t == timeType:
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return nil, fmt.Errorf("not an RFC 3339 time")
		}
		v = s
	default:
		switch t.Kind() {
		case reflect.String:
			if !utf8.ValidString(s) {
				return nil, fmt.Errorf("not valid UTF-8")
			}
			v = s
		case reflect.Bool:
			b, err := strconv.ParseBool(s)
			if err != nil {
				return nil, fmt.Errorf("not a boolean")
			}
			v = b
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			n, err := strconv.ParseInt(s, 10, t.Bits())
			if err != nil {
				return nil, fmt.Errorf("not an integer that fits %s", t)
			}
			v = n
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			n, err := strconv.ParseUint(s, 10, t.Bits())
			if err != nil {
				return nil, fmt.Errorf("not a non-negative integer that fits %s", t)
			}
			v = n
		case reflect.Float32, reflect.Float64:
			n, err := strconv.ParseFloat(s, t.Bits())
			if err != nil {
				return nil, fmt.Errorf("not a number")
			}
			v = n
		default:
			return nil, fmt.Errorf("defaults and enums are not supported for %s", t)
		}
	}
	return json.Marshal(v)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// jsonName reads a struct field's json tag like encoding/json does.
func jsonName(sf reflect.StructField) (name string, omitempty, skip bool) {
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return "", false, true
	}
	name, rest, _ := strings.Cut(tag, ",")
	return name, strings.Contains(rest, "omitempty"), false
}

func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// checkNames rejects two fields sharing a flag or an environment variable,
// and flags the CLI reserves for itself.
func (c *Codec) checkNames(opts *Options) error {
	flags, envs := map[string]string{}, map[string]string{}
	var errs []string
	for _, f := range c.fields {
		if f.Flag != "" {
			if other, dup := flags[f.Flag]; dup {
				errs = append(errs, fmt.Sprintf("fields %s and %s both map to flag --%s", other, f.Name, f.Flag))
			}
			flags[f.Flag] = f.Name
			if slices.Contains(opts.ReservedFlags, f.Flag) {
				errs = append(errs, fmt.Sprintf("field %s: flag --%s is reserved by the CLI; rename the field (its JSON name)", f.Name, f.Flag))
			}
		}
		if f.Env == "" {
			continue
		}
		if slices.Contains(opts.ReservedEnv, f.Env) {
			errs = append(errs, fmt.Sprintf("field %s: %s is reserved by the app; rename the field (its JSON name), or give the app its own prefix with fluxly.EnvPrefix", f.Name, f.Env))
		}
		if other, dup := envs[f.Env]; dup {
			errs = append(errs, fmt.Sprintf("fields %s and %s both map to %s", other, f.Name, f.Env))
		}
		envs[f.Env] = f.Name
	}
	if len(errs) > 0 {
		return fmt.Errorf("input %s:\n  %s", c.w.Input.GoType, strings.Join(errs, "\n  "))
	}
	return nil
}

// secretInside finds a runtime.Secret anywhere inside a JSON-only type:
// the app redacts the input document by field, so such a value would be
// stored and shown in run records as given.
func secretInside(t reflect.Type, seen map[reflect.Type]bool) string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t == secretType {
		return t.String()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return ""
	}
	seen[t] = true
	for i := range t.NumField() {
		if inner := secretInside(t.Field(i).Type, seen); inner != "" {
			if inner == secretType.String() {
				return t.String() + "." + t.Field(i).Name
			}
			return inner
		}
	}
	return ""
}

// taggedInside finds a struct field with a fluxly tag anywhere inside a
// JSON-only type: its options (a secret, above all) could not be honoured.
func taggedInside(t reflect.Type, seen map[reflect.Type]bool) string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return ""
	}
	seen[t] = true
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Tag.Get("fluxly") != "" {
			return t.String() + "." + sf.Name
		}
		if inner := taggedInside(sf.Type, seen); inner != "" {
			return inner
		}
	}
	return ""
}
