// Package schemadiff classifies the changes between two JSON Schemas of a
// workflow input for the callers who send documents to it: a change is
// breaking when some document the old schema accepts is refused by the
// new one, and compatible otherwise.
//
// The comparison is keyword by keyword (JSON Schema keywords are a
// conjunction, so the new schema accepts everything the old one does when
// each of its keywords is implied by the old ones), through $ref into
// $defs, and alternative by alternative for anyOf (every old alternative
// must fit one new alternative). It understands the draft 2020-12 schemas
// Fluxly generates — type, enum and const, numeric bounds and multipleOf,
// string lengths, pattern and format, items and array bounds, properties,
// required and additionalProperties, anyOf with null for optional fields,
// and the annotations (description, default, writeOnly for secrets, …).
//
// It is sound rather than complete: it never calls a breaking change
// compatible, but it may call a compatible one breaking when deciding needs
// more than it knows — a changed pattern (regular-expression inclusion),
// and any keyword outside the list above (oneOf, allOf, not, if/then/else,
// patternProperties, dependentSchemas, unevaluated*, …), which is breaking
// whenever its value changes.
package schemadiff

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Change is one difference between two schemas.
type Change struct {
	// Field is the input field the change is about, as a JSON path:
	// "count", "db.host", "tags[]" for the items of a list; empty for the
	// input document itself.
	Field string `json:"field"`
	// Keyword is the JSON Schema keyword that changed ("maximum",
	// "required", "enum", …), or "field" for a field added or removed.
	Keyword string `json:"keyword"`
	// Breaking says some document the old schema accepts is refused by
	// the new one.
	Breaking bool `json:"breaking"`
	// Message says what changed, in words.
	Message string `json:"message"`
}

// String is the change as one line: "count: maximum lowered from 100 to 50".
func (c Change) String() string {
	f := c.Field
	if f == "" {
		f = "(input)"
	}
	return f + ": " + c.Message
}

// Breaking reports whether any change is breaking.
func Breaking(changes []Change) bool {
	return slices.ContainsFunc(changes, func(c Change) bool { return c.Breaking })
}

// Compare returns the changes from the schema old to the schema new (both
// JSON documents), sorted by field, breaking first. Documents that are not
// JSON Schemas (an object or a boolean) are an error.
func Compare(old, new []byte) ([]Change, error) {
	o, err := parse(old)
	if err != nil {
		return nil, fmt.Errorf("old schema: %w", err)
	}
	n, err := parse(new)
	if err != nil {
		return nil, fmt.Errorf("new schema: %w", err)
	}
	if uses(o, opaque) || uses(n, opaque) {
		if equal(o, n) {
			return nil, nil
		}
		return []Change{{"", "schema", true, "changed; uses " + strings.Join(opaque, ", ") + " or similar, which are not analysed: treated as breaking"}}, nil
	}
	c := &comparer{old: o, new: n, onStack: map[[2]string]bool{}}
	changes := c.compare(o, "#", n, "#", "")
	if c.err != nil {
		return nil, c.err
	}
	slices.SortStableFunc(changes, func(a, b Change) int {
		if x := strings.Compare(a.Field, b.Field); x != 0 {
			return x
		}
		if a.Breaking != b.Breaking {
			if a.Breaking {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Keyword, b.Keyword)
	})
	return slices.CompactFunc(changes, func(a, b Change) bool { return a == b }), nil
}

// parse decodes a schema, keeping numbers exact.
func parse(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("not JSON: more than one value")
	}
	switch v.(type) {
	case map[string]any, bool:
		return v, nil
	}
	return nil, errors.New("not a JSON Schema: want an object or a boolean")
}

// maxSteps bounds the work on pathological schemas (nested anyOf of
// anyOf…); schemas Fluxly generates take a few hundred steps.
const maxSteps = 200_000

type comparer struct {
	old, new any
	// onStack holds the (old, new) schema locations being compared, so a
	// recursive $ref compares once: the repeat assumes the pair compatible,
	// which is sound for finite documents (the coinductive reading of
	// recursive types).
	onStack map[[2]string]bool
	steps   int
	err     error
}

// annotations carry no constraint; a change to one is compatible.
var annotations = map[string]bool{
	"title": true, "description": true, "default": true, "examples": true, "deprecated": true,
	"readOnly": true, "writeOnly": true, "$comment": true, "$id": true, "$anchor": true,
	"$dynamicAnchor": true, "$defs": true, "definitions": true, "$vocabulary": true,
	"contentMediaType": true, "contentEncoding": true, "contentSchema": true,
}

// handled are the constraint keywords this package reasons about; any
// other one (outside annotations) is compared for equality only.
var handled = map[string]bool{
	"type": true, "enum": true, "const": true,
	"minimum": true, "maximum": true, "exclusiveMinimum": true, "exclusiveMaximum": true, "multipleOf": true,
	"minLength": true, "maxLength": true, "pattern": true, "format": true,
	"items": true, "minItems": true, "maxItems": true, "uniqueItems": true,
	"properties": true, "required": true, "additionalProperties": true, "minProperties": true, "maxProperties": true,
	"$schema": true,
}

// opaque keywords make a schema's meaning depend on how its other parts
// were evaluated; documents that use them are only compared for equality.
var opaque = []string{"unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef"}

// compare compares the schemas o (at location op of the old document) and
// n (at np of the new one) for field.
func (c *comparer) compare(o any, op string, n any, np string, field string) []Change {
	if c.err != nil {
		return nil
	}
	if c.steps++; c.steps > maxSteps {
		c.err = errors.New("the schemas are too complex to compare")
		return nil
	}
	o, op = c.resolve(c.old, o, op)
	n, np = c.resolve(c.new, n, np)
	if c.err != nil {
		return nil
	}
	key := [2]string{op, np}
	if c.onStack[key] {
		return nil
	}
	c.onStack[key] = true
	defer delete(c.onStack, key)

	out := annotationChanges(o, n, field)
	oa, na := c.alternatives(c.old, o, op, 0), c.alternatives(c.new, n, np, 0)
	if len(oa) == 1 && len(na) == 1 {
		return append(out, c.compareOne(oa[0].s, oa[0].loc, na[0].s, na[0].loc, field)...)
	}
	// Every old alternative must fit some new one; report the best fit.
	used := make([]bool, len(na))
	for _, a := range oa {
		var best []Change
		bestAt, bestBreaking := -1, 0
		for j, b := range na {
			ch := c.compareOne(a.s, a.loc, b.s, b.loc, field)
			nb := count(ch)
			if bestAt < 0 || nb < bestBreaking || nb == bestBreaking && len(ch) < len(best) {
				best, bestAt, bestBreaking = ch, j, nb
			}
		}
		switch {
		case bestAt < 0:
			out = append(out, Change{field, "anyOf", true, "no longer accepts " + describe(a.s)})
		case bestBreaking > 0 && slices.ContainsFunc(best, func(c Change) bool { return c.Breaking && c.Keyword == "type" && c.Field == field }):
			out = append(out, Change{field, "anyOf", true, "no longer accepts " + describe(a.s)})
		default:
			used[bestAt] = true
			out = append(out, best...)
		}
	}
	for j, b := range na {
		if !used[j] && !c.covered(oa, b) {
			out = append(out, Change{field, "anyOf", false, "now also accepts " + describe(b.s)})
		}
	}
	return out
}

// covered reports whether a new alternative accepts only what some old
// alternative accepted (so it is not worth a "now also accepts").
func (c *comparer) covered(oa []alt, b alt) bool {
	for _, a := range oa {
		if !Breaking(c.compareOne(b.s, b.loc, a.s, a.loc, "")) {
			return true
		}
	}
	return false
}

// alt is one alternative of a schema: the schema itself, or one branch of
// its anyOf (flattened when nested) merged with the keywords beside the
// anyOf, and its location.
type alt struct {
	s   any
	loc string
}

// alternatives returns the alternatives of s, the schema at loc of doc
// (its $refs resolved). A schema whose anyOf cannot be flattened (a
// keyword both beside the anyOf and in a branch, with other values) is
// one alternative, its anyOf compared for equality.
func (c *comparer) alternatives(doc, s any, loc string, depth int) []alt {
	m, ok := s.(map[string]any)
	if !ok || depth > 8 {
		return []alt{{s, loc}}
	}
	branches, ok := m["anyOf"].([]any)
	if !ok || len(branches) == 0 {
		return []alt{{s, loc}}
	}
	base := map[string]any{}
	for k, v := range m {
		if k != "anyOf" && !annotations[k] {
			base[k] = v
		}
	}
	var out []alt
	for i, b := range branches {
		b, bloc := c.resolve(doc, b, loc+"/anyOf/"+strconv.Itoa(i))
		for _, a := range c.alternatives(doc, b, bloc, depth+1) {
			merged, ok := mergeBase(a.s, base)
			if !ok {
				return []alt{{s, loc}}
			}
			out = append(out, alt{merged, a.loc})
		}
	}
	return out
}

// mergeBase adds the keywords beside an anyOf to one of its branches.
func mergeBase(s any, base map[string]any) (any, bool) {
	if len(base) == 0 {
		return s, true
	}
	b, isBool := s.(bool)
	switch {
	case isBool && !b:
		return false, true
	case isBool:
		return base, true
	}
	m := s.(map[string]any)
	if !mergeable(m, base) {
		return nil, false
	}
	merged := map[string]any{}
	for k, v := range m {
		merged[k] = v
	}
	for k, v := range base {
		merged[k] = v
	}
	if _, ok := merged["$ref"]; ok {
		return nil, false
	}
	return merged, true
}

// groups are keywords that read each other: one schema object holding
// them means something other than two objects each holding some (an
// additionalProperties beside an anyOf refuses the properties a branch
// declares).
var groups = [][]string{
	{"properties", "additionalProperties", "patternProperties", "unevaluatedProperties"},
	{"items", "prefixItems", "unevaluatedItems"},
	{"contains", "minContains", "maxContains"},
	{"if", "then", "else"},
}

// mergeable reports whether the keywords of a and b, put in one schema
// object, mean the conjunction of the two schemas: no keyword in both with
// different values (annotations aside), and no group of keywords that
// read each other split between them.
func mergeable(a, b map[string]any) bool {
	for k, v := range b {
		if x, ok := a[k]; ok && !annotations[k] && !equal(x, v) {
			return false
		}
	}
	for _, g := range groups {
		inA := slices.ContainsFunc(g, func(k string) bool { _, ok := a[k]; return ok })
		inB := slices.ContainsFunc(g, func(k string) bool { _, ok := b[k]; return ok })
		if inA && inB {
			for _, k := range g {
				if !equal(a[k], b[k]) {
					return false
				}
			}
		}
	}
	return true
}

// resolve follows $ref (within the document) to the schema it names,
// merging the keywords beside the $ref; loc is the schema's location.
func (c *comparer) resolve(doc, s any, loc string) (any, string) {
	for range 64 {
		m, ok := s.(map[string]any)
		if !ok {
			return s, loc
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return s, loc
		}
		target, ptr, err := lookup(doc, ref)
		if err != nil {
			c.err = err
			return s, loc
		}
		rest := map[string]any{}
		for k, v := range m {
			if k != "$ref" {
				rest[k] = v
			}
		}
		if len(rest) == 0 {
			s, loc = target, ptr
			continue
		}
		tm, ok := target.(map[string]any)
		if !ok {
			return s, loc // $ref to a boolean schema beside other keywords: compared as is
		}
		if !mergeable(tm, rest) {
			return s, loc // compared as is: the $ref is then compared for equality
		}
		merged := map[string]any{}
		for k, v := range tm {
			merged[k] = v
		}
		for k, v := range rest {
			merged[k] = v
		}
		s, loc = merged, ptr+"+"+loc
		if onlyAnnotations(rest) {
			loc = ptr // what it accepts is the target's: one location for recursion
		}
	}
	c.err = fmt.Errorf("%s: $ref chain too long", loc)
	return s, loc
}

func onlyAnnotations(m map[string]any) bool {
	for k := range m {
		if !annotations[k] && k != "$schema" {
			return false
		}
	}
	return true
}

// lookup finds a local reference ("#/$defs/x") in doc.
func lookup(doc any, ref string) (any, string, error) {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, "", fmt.Errorf("$ref %q: only references within the schema (#/…) are supported", ref)
	}
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	if frag == "" {
		return doc, "#", nil
	}
	if !strings.HasPrefix(frag, "/") {
		return nil, "", fmt.Errorf("$ref %q: anchors are not supported", ref)
	}
	cur := doc
	for _, tok := range strings.Split(frag[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[tok]
			if !ok {
				return nil, "", fmt.Errorf("$ref %q: not found", ref)
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) {
				return nil, "", fmt.Errorf("$ref %q: not found", ref)
			}
			cur = v[i]
		default:
			return nil, "", fmt.Errorf("$ref %q: not found", ref)
		}
	}
	return cur, "#" + frag, nil
}

// uses reports whether any schema object in v has one of the keywords.
func uses(v any, keywords []string) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if slices.Contains(keywords, k) || uses(e, keywords) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if uses(e, keywords) {
				return true
			}
		}
	}
	return false
}

// compareOne compares two schemas without anyOf alternatives, keyword by
// keyword; annotations were compared by the caller.
func (c *comparer) compareOne(o any, op string, n any, np string, field string) []Change {
	ob, oIsBool := o.(bool)
	nb, nIsBool := n.(bool)
	switch {
	case oIsBool && !ob:
		return nil // the old schema accepted nothing
	case nIsBool && nb:
		return nil // the new schema accepts everything
	case nIsBool: // false
		return []Change{{field, "false", true, "no longer accepts any value"}}
	}
	om, nm := asMap(o), asMap(n)
	_, oref := om["$ref"]
	_, nref := nm["$ref"]
	if oref || nref { // a $ref that could not be resolved into its siblings
		if c.same(om, nm, map[string]bool{}) {
			return nil
		}
		return []Change{{field, "$ref", true, "changed (a $ref beside keywords it reads: not analysed, treated as breaking)"}}
	}
	var out []Change
	add := func(kw string, breaking bool, format string, args ...any) {
		out = append(out, Change{field, kw, breaking, fmt.Sprintf(format, args...)})
	}

	// Keywords compared for equality only.
	for _, k := range unionKeys(om, nm) {
		if annotations[k] || handled[k] {
			continue
		}
		ov, oin := om[k]
		nv, nin := nm[k]
		switch {
		case oin && nin && c.same(ov, nv, map[string]bool{}):
		case !nin:
			// Removing a keyword widens, except for those that other
			// keywords depend on.
			add(k, dependedOn[k], "%s removed", k)
		default:
			add(k, true, "%s changed (not analysed: treated as breaking)", k)
		}
	}
	if ov, nv := om["$schema"], nm["$schema"]; ov != nil && nv != nil && !equal(ov, nv) {
		add("$schema", true, "dialect changed from %s to %s (not compared across dialects)", show(ov), show(nv))
	}

	oldTypes := typeSet(om)
	out = append(out, compareTypes(om, nm, field)...)
	out = append(out, compareEnum(om, nm, field)...)

	if mayBe(oldTypes, "number") {
		out = append(out, compareBound(om, nm, field, true)...)
		out = append(out, compareBound(om, nm, field, false)...)
		out = append(out, compareMultipleOf(om, nm, field)...)
	}
	if mayBe(oldTypes, "string") {
		out = append(out, compareCount(om, nm, field, "minLength", "maxLength")...)
		out = append(out, compareString(om, nm, field, "pattern")...)
		out = append(out, compareString(om, nm, field, "format")...)
	}
	if mayBe(oldTypes, "array") {
		out = append(out, compareCount(om, nm, field, "minItems", "maxItems")...)
		if nm["uniqueItems"] == true && om["uniqueItems"] != true {
			add("uniqueItems", true, "items must now be unique")
		} else if om["uniqueItems"] == true && nm["uniqueItems"] != true {
			add("uniqueItems", false, "items no longer need to be unique")
		}
		oi, ok := om["items"]
		if !ok {
			oi = map[string]any{}
		}
		if ni, ok := nm["items"]; ok {
			out = append(out, c.compare(oi, op+"/items", ni, np+"/items", field+"[]")...)
		}
	}
	if mayBe(oldTypes, "object") {
		out = append(out, compareCount(om, nm, field, "minProperties", "maxProperties")...)
		out = append(out, c.compareObject(om, op, nm, np, field)...)
	}
	return out
}

// dependedOn are keywords whose removal can narrow: removing
// patternProperties or prefixItems hands their properties or items to
// additionalProperties or items, and removing minContains makes it 1.
var dependedOn = map[string]bool{"patternProperties": true, "prefixItems": true, "minContains": true}

func asMap(s any) map[string]any {
	if m, ok := s.(map[string]any); ok {
		return m
	}
	return map[string]any{} // true
}

func (c *comparer) compareObject(om map[string]any, op string, nm map[string]any, np string, field string) []Change {
	var out []Change
	add := func(f, kw string, breaking bool, format string, args ...any) {
		out = append(out, Change{f, kw, breaking, fmt.Sprintf(format, args...)})
	}
	oprops, _ := om["properties"].(map[string]any)
	nprops, _ := nm["properties"].(map[string]any)
	oadd, oHasAdd := om["additionalProperties"]
	nadd, nHasAdd := nm["additionalProperties"]
	if !oHasAdd {
		oadd = true
	}
	if !nHasAdd {
		nadd = true
	}
	_, oPat := om["patternProperties"]
	_, nPat := nm["patternProperties"]
	oreq, nreq := stringSet(om["required"]), stringSet(nm["required"])

	for _, name := range unionKeys(oprops, nprops) {
		f := joinField(field, name)
		op2, np2 := op+"/properties/"+escape(name), np+"/properties/"+escape(name)
		ov, oin := oprops[name]
		nv, nin := nprops[name]
		switch {
		case oin && nin:
			out = append(out, c.compare(ov, op2, nv, np2, f)...)
		case oin: // removed
			switch {
			case nPat:
				add(f, "field", true, "field removed (patternProperties not analysed: treated as breaking)")
			case nadd == false:
				add(f, "field", true, "field removed: documents that set it are refused")
			default:
				ch := c.compare(ov, op2, nadd, np+"/additionalProperties", f)
				add(f, "field", Breaking(ch), "field removed (now an undeclared field)")
				out = append(out, ch...)
			}
		default: // added
			switch {
			case oPat:
				add(f, "field", true, "new field (patternProperties not analysed: treated as breaking)")
			case oadd == false:
				if !nreq[name] {
					add(f, "field", false, "new optional field")
				}
			default:
				ch := c.compare(oadd, op+"/additionalProperties", nv, np2, f)
				add(f, "field", Breaking(ch), "new field: the old schema accepted it as an undeclared field")
				out = append(out, ch...)
			}
		}
	}
	for _, name := range sortedKeys(nreq) {
		if oreq[name] {
			continue
		}
		f := joinField(field, name)
		if _, declared := oprops[name]; declared {
			add(f, "required", true, "field became required")
		} else {
			add(f, "required", true, "new required field")
		}
	}
	for _, name := range sortedKeys(oreq) {
		if !nreq[name] {
			if _, kept := nprops[name]; kept || nprops == nil {
				add(joinField(field, name), "required", false, "field is now optional")
			}
		}
	}
	// Undeclared fields (declared in neither schema).
	switch {
	case oPat || nPat:
		if !equal(om["patternProperties"], nm["patternProperties"]) || !equal(oadd, nadd) {
			add(field, "additionalProperties", true, "patternProperties or additionalProperties changed (not analysed: treated as breaking)")
		}
	case oadd == false:
	case nadd == false:
		add(field, "additionalProperties", true, "undeclared fields are now refused")
	default:
		ch := c.compare(oadd, op+"/additionalProperties", nadd, np+"/additionalProperties", joinField(field, "*"))
		out = append(out, ch...)
	}
	if oadd == false && nadd != false && !oPat && !nPat {
		add(field, "additionalProperties", false, "undeclared fields are now accepted")
	}
	return out
}

func joinField(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func escape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// The JSON types.
var allTypes = []string{"array", "boolean", "integer", "null", "number", "object", "string"}

// typeSet returns the types a schema allows (integer counting as its own
// type), or nil for any.
func typeSet(m map[string]any) map[string]bool {
	var names []string
	switch t := m["type"].(type) {
	case string:
		names = []string{t}
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				names = append(names, s)
			}
		}
	default:
		return nil
	}
	set := map[string]bool{}
	for _, t := range names {
		set[t] = true
	}
	if set["number"] {
		set["integer"] = true
	}
	return set
}

// mayBe reports whether instances of the given kind ("number" covering
// integers) can reach keywords of that kind.
func mayBe(types map[string]bool, kind string) bool {
	if types == nil {
		return true
	}
	if kind == "number" {
		return types["number"] || types["integer"]
	}
	return types[kind]
}

func compareTypes(om, nm map[string]any, field string) []Change {
	ot, nt := typeSet(om), typeSet(nm)
	if nt == nil {
		if ot != nil {
			return []Change{{field, "type", false, "type no longer restricted (was " + typeList(om) + ")"}}
		}
		return nil
	}
	if ot == nil {
		return []Change{{field, "type", true, "type restricted to " + typeList(nm)}}
	}
	var lost, gained []string
	for _, t := range allTypes {
		switch {
		case ot[t] && !nt[t]:
			lost = append(lost, t)
		case nt[t] && !ot[t]:
			gained = append(gained, t)
		}
	}
	switch {
	case len(lost) > 0:
		return []Change{{field, "type", true, fmt.Sprintf("type narrowed from %s to %s", typeList(om), typeList(nm))}}
	case len(gained) > 0:
		return []Change{{field, "type", false, fmt.Sprintf("type widened from %s to %s", typeList(om), typeList(nm))}}
	}
	return nil
}

func typeList(m map[string]any) string {
	switch t := m["type"].(type) {
	case string:
		return t
	case []any:
		var s []string
		for _, x := range t {
			s = append(s, fmt.Sprint(x))
		}
		return strings.Join(s, ", ")
	}
	return "any"
}

// values returns the allowed values of enum or const, or nil.
func values(m map[string]any) ([]any, bool) {
	if c, ok := m["const"]; ok {
		if e, ok := m["enum"].([]any); ok {
			// both: the const, if the enum has it
			if slices.ContainsFunc(e, func(v any) bool { return equal(v, c) }) {
				return []any{c}, true
			}
			return []any{}, true
		}
		return []any{c}, true
	}
	if e, ok := m["enum"].([]any); ok {
		return e, true
	}
	return nil, false
}

func compareEnum(om, nm map[string]any, field string) []Change {
	ov, oin := values(om)
	nv, nin := values(nm)
	kw := "enum"
	if _, ok := nm["const"]; ok {
		kw = "const"
	}
	switch {
	case !nin:
		if oin {
			return []Change{{field, kw, false, "no longer restricted to listed values"}}
		}
		return nil
	case !oin:
		return []Change{{field, kw, true, "restricted to the values " + showList(nv)}}
	}
	var out []Change
	for _, v := range ov {
		if !slices.ContainsFunc(nv, func(x any) bool { return equal(x, v) }) {
			out = append(out, Change{field, kw, true, "value " + show(v) + " removed"})
		}
	}
	for _, v := range nv {
		if !slices.ContainsFunc(ov, func(x any) bool { return equal(x, v) }) {
			out = append(out, Change{field, kw, false, "value " + show(v) + " added"})
		}
	}
	return out
}

// bound is a numeric bound: its value and whether it is exclusive.
type bound struct {
	v    *big.Rat
	excl bool
	kw   string
}

// effective returns the tighter of minimum and exclusiveMinimum (lower) or
// of maximum and exclusiveMaximum; for integer-only schemas an exclusive
// bound becomes the inclusive one it means.
func effective(m map[string]any, lower bool) *bound {
	incl, excl := "maximum", "exclusiveMaximum"
	if lower {
		incl, excl = "minimum", "exclusiveMinimum"
	}
	var b *bound
	for _, kw := range []string{incl, excl} {
		r, ok := number(m[kw])
		if !ok {
			continue
		}
		c := &bound{r, kw == excl, kw}
		if b == nil || tighter(c, b, lower) {
			b = c
		}
	}
	if b != nil && b.excl {
		if t := typeSet(m); t != nil && !t["number"] && t["integer"] {
			// x > 2.5 over integers is x ≥ 3; x > 2 is x ≥ 3.
			v := new(big.Rat).Set(b.v)
			fl := floor(v)
			if lower {
				fl.Add(fl, big.NewRat(1, 1))
			} else if fl.Cmp(v) == 0 {
				fl.Sub(fl, big.NewRat(1, 1))
			}
			b = &bound{fl, false, b.kw}
		}
	}
	return b
}

func floor(r *big.Rat) *big.Rat {
	q := new(big.Int).Div(r.Num(), r.Denom()) // Euclidean: floors for a positive denominator
	return new(big.Rat).SetInt(q)
}

// tighter reports whether a excludes more than b.
func tighter(a, b *bound, lower bool) bool {
	c := a.v.Cmp(b.v)
	if !lower {
		c = -c
	}
	return c > 0 || c == 0 && a.excl && !b.excl
}

func compareBound(om, nm map[string]any, field string, lower bool) []Change {
	ob, nb := effective(om, lower), effective(nm, lower)
	name := "maximum"
	if lower {
		name = "minimum"
	}
	switch {
	case nb == nil && ob == nil:
		return nil
	case nb == nil:
		return []Change{{field, ob.kw, false, name + " " + showBound(ob) + " removed"}}
	case ob == nil:
		return []Change{{field, nb.kw, true, name + " " + showBound(nb) + " added"}}
	case tighter(nb, ob, lower):
		verb := "raised"
		if !lower {
			verb = "lowered"
		}
		return []Change{{field, nb.kw, true, fmt.Sprintf("%s %s from %s to %s", name, verb, showBound(ob), showBound(nb))}}
	case tighter(ob, nb, lower):
		verb := "lowered"
		if !lower {
			verb = "raised"
		}
		return []Change{{field, nb.kw, false, fmt.Sprintf("%s %s from %s to %s", name, verb, showBound(ob), showBound(nb))}}
	}
	return nil
}

func showBound(b *bound) string {
	s := ratString(b.v)
	if b.excl {
		return s + " (exclusive)"
	}
	return s
}

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	return strings.TrimSuffix(strings.TrimRight(r.FloatString(20), "0"), ".")
}

func number(v any) (*big.Rat, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(string(n))
	return r, ok
}

func compareMultipleOf(om, nm map[string]any, field string) []Change {
	o, oin := number(om["multipleOf"])
	n, nin := number(nm["multipleOf"])
	switch {
	case !nin:
		if oin {
			return []Change{{field, "multipleOf", false, "multipleOf " + ratString(o) + " removed"}}
		}
		return nil
	case !oin:
		return []Change{{field, "multipleOf", true, "multipleOf " + ratString(n) + " added"}}
	case o.Cmp(n) == 0:
		return nil
	}
	if q := new(big.Rat).Quo(o, n); n.Sign() != 0 && q.IsInt() {
		return []Change{{field, "multipleOf", false, fmt.Sprintf("multipleOf relaxed from %s to %s", ratString(o), ratString(n))}}
	}
	return []Change{{field, "multipleOf", true, fmt.Sprintf("multipleOf changed from %s to %s", ratString(o), ratString(n))}}
}

// compareCount compares a pair of non-negative integer bounds (minLength
// and maxLength, …); an absent minimum is 0, an absent maximum none.
func compareCount(om, nm map[string]any, field, minKw, maxKw string) []Change {
	var out []Change
	omin, oin := number(om[minKw])
	nmin, nin := number(nm[minKw])
	if !oin {
		omin = new(big.Rat)
	}
	if !nin {
		nmin = new(big.Rat)
	}
	switch c := nmin.Cmp(omin); {
	case c > 0:
		out = append(out, Change{field, minKw, true, fmt.Sprintf("%s raised from %s to %s", minKw, ratString(omin), ratString(nmin))})
	case c < 0:
		out = append(out, Change{field, minKw, false, fmt.Sprintf("%s lowered from %s to %s", minKw, ratString(omin), ratString(nmin))})
	}
	omax, oin := number(om[maxKw])
	nmax, nin := number(nm[maxKw])
	switch {
	case !oin && nin:
		out = append(out, Change{field, maxKw, true, maxKw + " " + ratString(nmax) + " added"})
	case oin && !nin:
		out = append(out, Change{field, maxKw, false, maxKw + " " + ratString(omax) + " removed"})
	case oin && nin && nmax.Cmp(omax) < 0:
		out = append(out, Change{field, maxKw, true, fmt.Sprintf("%s lowered from %s to %s", maxKw, ratString(omax), ratString(nmax))})
	case oin && nin && nmax.Cmp(omax) > 0:
		out = append(out, Change{field, maxKw, false, fmt.Sprintf("%s raised from %s to %s", maxKw, ratString(omax), ratString(nmax))})
	}
	return out
}

// compareString compares pattern or format: any new or changed value is
// breaking (whether one regular expression accepts all another does is not
// decided here).
func compareString(om, nm map[string]any, field, kw string) []Change {
	ov, oin := om[kw]
	nv, nin := nm[kw]
	switch {
	case !nin && !oin:
		return nil
	case !nin:
		return []Change{{field, kw, false, kw + " " + show(ov) + " removed"}}
	case !oin:
		return []Change{{field, kw, true, kw + " " + show(nv) + " added"}}
	case !equal(ov, nv):
		return []Change{{field, kw, true, fmt.Sprintf("%s changed from %s to %s", kw, show(ov), show(nv))}}
	}
	return nil
}

// annotationChanges lists the changed annotations; all are compatible for
// validation, and a changed default is said so, since callers that leave
// the field out get the new value.
func annotationChanges(o, n any, field string) []Change {
	om, nm := asMap(o), asMap(n)
	var out []Change
	for _, k := range []string{"$id", "title", "description", "default", "deprecated", "writeOnly", "readOnly", "examples"} {
		ov, oin := om[k]
		nv, nin := nm[k]
		if oin == nin && (!oin || equal(ov, nv)) {
			continue
		}
		var msg string
		switch {
		case k == "default" && oin && nin:
			msg = fmt.Sprintf("default changed from %s to %s (callers that leave it out get the new value)", show(ov), show(nv))
		case k == "default" && nin:
			msg = "default " + show(nv) + " added"
		case k == "default":
			msg = "default " + show(ov) + " removed (callers that leave it out get none)"
		case k == "writeOnly" && nv == true:
			msg = "now write-only (a secret)"
		case k == "writeOnly":
			msg = "no longer write-only"
		case k == "deprecated" && nv == true:
			msg = "deprecated"
		case k == "description" || k == "examples":
			msg = k + " changed"
		case oin && nin:
			msg = fmt.Sprintf("%s changed from %s to %s", k, show(ov), show(nv))
		case nin:
			msg = k + " " + show(nv) + " added"
		default:
			msg = k + " " + show(ov) + " removed"
		}
		out = append(out, Change{field, k, false, msg})
	}
	return out
}

// describe names what an alternative accepts, for messages: "null",
// "integer", "a value".
func describe(s any) string {
	if b, ok := s.(bool); ok {
		if b {
			return "any value"
		}
		return "nothing"
	}
	m := s.(map[string]any)
	if v, ok := values(m); ok && len(v) == 1 {
		return show(v[0])
	}
	if _, ok := m["type"]; ok {
		return typeList(m)
	}
	return "a value"
}

func count(changes []Change) int {
	n := 0
	for _, c := range changes {
		if c.Breaking {
			n++
		}
	}
	return n
}

// same reports whether two parts of the old and new schemas are equal,
// following the $refs inside them into their documents: equal text is not
// enough when a $ref names something that changed.
func (c *comparer) same(a, b any, seen map[string]bool) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !c.same(v, w, seen) {
				return false
			}
		}
		ref, ok := x["$ref"].(string)
		if !ok || seen[ref] {
			return true
		}
		seen[ref] = true
		ot, _, err1 := lookup(c.old, ref)
		nt, _, err2 := lookup(c.new, ref)
		return err1 == nil && err2 == nil && c.same(ot, nt, seen)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !c.same(x[i], y[i], seen) {
				return false
			}
		}
		return true
	}
	return equal(a, b)
}

// equal compares JSON values, numbers by value.
func equal(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		p, ok1 := number(x)
		q, ok2 := number(y)
		return ok1 && ok2 && p.Cmp(q) == 0
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// show writes a JSON value for a message, shortened when long.
func show(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	s := strings.TrimSpace(buf.String())
	if len(s) > 80 {
		s = s[:77] + "…"
	}
	return s
}

func showList(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = show(v)
	}
	return strings.Join(parts, ", ")
}

func stringSet(v any) map[string]bool {
	set := map[string]bool{}
	if list, ok := v.([]any); ok {
		for _, x := range list {
			if s, ok := x.(string); ok {
				set[s] = true
			}
		}
	}
	return set
}

func unionKeys[V any](a, b map[string]V) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func sortedKeys(m map[string]bool) []string {
	var keys []string
	for k, v := range m {
		if v {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
