package schemadiff_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/internal/schemadiff"
)

// obj is an input schema as Fluxly generates it: an object of props, no
// undeclared fields, and extra keywords.
func obj(props string, extra ...string) string {
	s := `{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"x.schema.json","type":"object","additionalProperties":false,"properties":{` + props + `}`
	for _, e := range extra {
		s += "," + e
	}
	return s + "}"
}

// change is a Change as "B field keyword" (breaking) or "C field keyword".
func short(c schemadiff.Change) string {
	k := "C"
	if c.Breaking {
		k = "B"
	}
	return k + " " + c.Field + " " + c.Keyword
}

const (
	count  = `"count":{"type":"integer","minimum":1,"maximum":100,"default":5,"description":"How many."}`
	mode   = `"mode":{"type":"string","enum":["fast","slow"],"default":"fast"}`
	name   = `"name":{"type":"string","minLength":1,"maxLength":80}`
	tags   = `"tags":{"type":"array","items":{"type":"string","enum":["a","b"]},"minItems":1,"maxItems":3}`
	ptrInt = `"limit":{"anyOf":[{"type":"integer","minimum":0},{"type":"null"}],"description":"Optional limit."}`
	plain  = `"limit":{"type":"integer","minimum":0,"description":"Optional limit."}`
)

// db is a nested struct through $defs, as invopop/jsonschema writes it.
func db(port string) string {
	return obj(`"db":{"$ref":"#/$defs/acme.DB","description":"Database."}`,
		`"$defs":{"acme.DB":{"type":"object","additionalProperties":false,"properties":{"host":{"type":"string"},"port":{"type":"integer",`+port+`}},"required":["host"]}}`)
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     []string // short form of every change, in order
	}{
		{"identical", obj(count + "," + mode), obj(count + "," + mode), nil},
		{"new optional field", obj(count), obj(count + "," + mode), []string{"C mode field"}},
		{"new required field", obj(count), obj(count+","+mode, `"required":["mode"]`), []string{"B mode required"}},
		{"field removed", obj(count + "," + mode), obj(count), []string{"B mode field"}},
		{"field became required", obj(count + "," + mode), obj(count+","+mode, `"required":["mode"]`), []string{"B mode required"}},
		{"field became optional", obj(count+","+mode, `"required":["mode","count"]`), obj(count+","+mode, `"required":["count"]`), []string{"C mode required"}},
		{"enum value added", obj(mode), obj(strings.Replace(mode, `"slow"]`, `"slow","safe"]`, 1)), []string{"C mode enum"}},
		{"enum value removed", obj(mode), obj(strings.Replace(mode, `,"slow"]`, `]`, 1)), []string{"B mode enum"}},
		{"enum on a free string", obj(`"m":{"type":"string"}`), obj(`"m":{"type":"string","enum":["x"]}`), []string{"B m enum"}},
		{"enum removed", obj(mode), obj(`"mode":{"type":"string","default":"fast"}`), []string{"C mode enum"}},
		{"const changed", obj(`"k":{"const":"v1"}`), obj(`"k":{"const":"v2"}`), []string{"B k const", "C k const"}},
		{"type narrowed number to integer", obj(`"r":{"type":"number"}`), obj(`"r":{"type":"integer"}`), []string{"B r type"}},
		{"type widened integer to number", obj(`"r":{"type":"integer"}`), obj(`"r":{"type":"number"}`), []string{"C r type"}},
		{"type widened to a list of types", obj(`"r":{"type":"integer"}`), obj(`"r":{"type":["integer","string"]}`), []string{"C r type"}},
		{"type removed", obj(`"r":{"type":"integer"}`), obj(`"r":{}`), []string{"C r type"}},
		{"type added", obj(`"r":{}`), obj(`"r":{"type":"string"}`), []string{"B r type"}},
		{"maximum lowered", obj(count), obj(strings.Replace(count, `"maximum":100`, `"maximum":50`, 1)), []string{"B count maximum"}},
		{"maximum raised", obj(count), obj(strings.Replace(count, `"maximum":100`, `"maximum":500`, 1)), []string{"C count maximum"}},
		{"maximum removed", obj(count), obj(strings.Replace(count, `"maximum":100,`, ``, 1)), []string{"C count maximum"}},
		{"minimum added", obj(`"n":{"type":"number"}`), obj(`"n":{"type":"number","minimum":0}`), []string{"B n minimum"}},
		{"minimum raised", obj(count), obj(strings.Replace(count, `"minimum":1`, `"minimum":2`, 1)), []string{"B count minimum"}},
		{"exclusive and inclusive bounds agree over integers", obj(`"n":{"type":"integer","exclusiveMinimum":0}`), obj(`"n":{"type":"integer","minimum":1}`), nil},
		{"exclusive to inclusive widens over numbers", obj(`"n":{"type":"number","exclusiveMinimum":0}`), obj(`"n":{"type":"number","minimum":0}`), []string{"C n minimum"}},
		{"inclusive to exclusive narrows", obj(`"n":{"type":"number","maximum":1.5}`), obj(`"n":{"type":"number","exclusiveMaximum":1.5}`), []string{"B n exclusiveMaximum"}},
		{"decimal bounds compared exactly", obj(`"n":{"type":"number","maximum":0.3}`), obj(`"n":{"type":"number","maximum":3e-1}`), nil},
		{"maxLength lowered, minLength lowered", obj(name), obj(strings.NewReplacer(`"minLength":1`, `"minLength":0`, `"maxLength":80`, `"maxLength":40`).Replace(name)), []string{"B name maxLength", "C name minLength"}},
		{"pattern added", obj(name), obj(strings.Replace(name, `"minLength":1`, `"minLength":1,"pattern":"^[a-z]+$"`, 1)), []string{"B name pattern"}},
		{"pattern changed", obj(`"p":{"type":"string","pattern":"^[A-Z]{2}$"}`), obj(`"p":{"type":"string","pattern":"^[A-Z]{2,3}$"}`), []string{"B p pattern"}},
		{"pattern removed", obj(`"p":{"type":"string","pattern":"^[A-Z]{2}$"}`), obj(`"p":{"type":"string"}`), []string{"C p pattern"}},
		{"format added", obj(`"at":{"type":"string"}`), obj(`"at":{"type":"string","format":"date-time"}`), []string{"B at format"}},
		{"multipleOf relaxed", obj(`"n":{"type":"integer","multipleOf":4}`), obj(`"n":{"type":"integer","multipleOf":2}`), []string{"C n multipleOf"}},
		{"multipleOf tightened", obj(`"n":{"type":"integer","multipleOf":2}`), obj(`"n":{"type":"integer","multipleOf":4}`), []string{"B n multipleOf"}},
		{"list item enum value removed", obj(tags), obj(strings.Replace(tags, `,"b"]`, `]`, 1)), []string{"B tags[] enum"}},
		{"minItems raised, maxItems removed", obj(tags), obj(strings.NewReplacer(`"minItems":1`, `"minItems":2`, `,"maxItems":3`, ``).Replace(tags)), []string{"B tags minItems", "C tags maxItems"}},
		{"items must be unique", obj(tags), obj(strings.Replace(tags, `"minItems":1`, `"minItems":1,"uniqueItems":true`, 1)), []string{"B tags uniqueItems"}},
		{"field becomes a pointer (null allowed)", obj(plain), obj(ptrInt), []string{"C limit anyOf"}},
		{"pointer becomes a plain field", obj(ptrInt), obj(plain), []string{"B limit anyOf"}},
		{"bound tightened inside anyOf", obj(ptrInt), obj(strings.Replace(ptrInt, `"minimum":0`, `"minimum":1`, 1)), []string{"B limit minimum"}},
		{"field becomes a secret", obj(name), obj(strings.Replace(name, `"maxLength":80`, `"maxLength":80,"writeOnly":true`, 1)), []string{"C name writeOnly"}},
		{"default changed", obj(count), obj(strings.Replace(count, `"default":5`, `"default":3`, 1)), []string{"C count default"}},
		{"description changed", obj(count), obj(strings.Replace(count, `How many.`, `How many times.`, 1)), []string{"C count description"}},
		{"$id changed", obj(count), strings.Replace(obj(count), `"x.schema.json"`, `"https://example.com/s/x.schema.json"`, 1), []string{"C  $id"}},
		{"undeclared fields now accepted", obj(count), strings.Replace(obj(count), `"additionalProperties":false`, `"additionalProperties":true`, 1), []string{"C  additionalProperties"}},
		{"undeclared fields now refused", strings.Replace(obj(count), `"additionalProperties":false,`, ``, 1), obj(count), []string{"B  additionalProperties"}},
		{"new field the old schema let through", strings.Replace(obj(count), `"additionalProperties":false,`, ``, 1), strings.Replace(obj(count+","+mode), `"additionalProperties":false,`, ``, 1), []string{"B mode enum", "B mode field", "B mode type", "C mode default"}},
		{"nested field bound lowered through $ref", db(`"maximum":65535`), db(`"maximum":1024`), []string{"B db.port maximum"}},
		{"nested field removed through $ref", db(`"maximum":65535`), obj(`"db":{"$ref":"#/$defs/acme.DB","description":"Database."}`, `"$defs":{"acme.DB":{"type":"object","additionalProperties":false,"properties":{"host":{"type":"string"}},"required":["host"]}}`), []string{"B db.port field"}},
		{"unanalysed keyword changed", obj(`"x":{"type":"string","not":{"const":"a"}}`), obj(`"x":{"type":"string","not":{"const":"b"}}`), []string{"B x not"}},
		{"unanalysed keyword removed", obj(`"x":{"type":"string","not":{"const":"a"}}`), obj(`"x":{"type":"string"}`), []string{"C x not"}},
		{"boolean schema false", obj(`"x":true`), obj(`"x":false`), []string{"B x false"}},
		{"recursive $ref", `{"$defs":{"n":{"type":"object","properties":{"next":{"$ref":"#/$defs/n"},"v":{"type":"integer"}}}},"$ref":"#/$defs/n"}`,
			`{"$defs":{"n":{"type":"object","properties":{"next":{"$ref":"#/$defs/n"},"v":{"type":"integer","maximum":3}}}},"$ref":"#/$defs/n"}`,
			[]string{"B v maximum"}},
		{"unevaluatedProperties is not analysed", `{"type":"object","unevaluatedProperties":false}`, `{"type":"object","unevaluatedProperties":false,"properties":{"a":{}}}`, []string{"B  schema"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changes, err := schemadiff.Compare([]byte(tt.old), []byte(tt.new))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range changes {
				got = append(got, short(c))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("changes:\n  %s\nwant\n  %s\n(%v)", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "), changes)
			}
			if schemadiff.Breaking(changes) != strings.Contains(strings.Join(tt.want, "\n")+"\n", "B ") && len(tt.want) > 0 {
				t.Errorf("Breaking = %v", schemadiff.Breaking(changes))
			}
		})
	}
}

// The messages read as sentences about the field.
func TestMessages(t *testing.T) {
	for _, tt := range []struct{ old, new, want string }{
		{obj(count), obj(strings.Replace(count, `"maximum":100`, `"maximum":50`, 1)), "count: maximum lowered from 100 to 50"},
		{obj(`"n":{"type":"number","maximum":1.5}`), obj(`"n":{"type":"number","exclusiveMaximum":1.5}`), "n: maximum lowered from 1.5 to 1.5 (exclusive)"},
		{obj(mode), obj(strings.Replace(mode, `,"slow"]`, `]`, 1)), `mode: value "slow" removed`},
		{obj(count), obj(count+","+mode, `"required":["mode"]`), "mode: new required field"},
		{obj(plain), obj(ptrInt), "limit: now also accepts null"},
		{obj(ptrInt), obj(plain), "limit: no longer accepts null"},
		{obj(count), obj(strings.Replace(count, `"default":5`, `"default":3`, 1)), "count: default changed from 5 to 3 (callers that leave it out get the new value)"},
		{obj(`"r":{"type":"number"}`), obj(`"r":{"type":"integer"}`), "r: type narrowed from number to integer"},
		{obj(`"d":{"type":"string","description":"a <b> & c"}`), obj(`"d":{"type":"string","pattern":"<x>&"}`), `d: pattern "<x>&" added`},
		{strings.Replace(obj(count), `"additionalProperties":false`, `"additionalProperties":true`, 1), obj(count), "(input): undeclared fields are now refused"},
	} {
		changes, err := schemadiff.Compare([]byte(tt.old), []byte(tt.new))
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, c := range changes {
			lines = append(lines, c.String())
		}
		if !strings.Contains(strings.Join(lines, "\n"), tt.want) {
			t.Errorf("changes %q do not say %q", lines, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, tt := range []struct{ old, new, want string }{
		{`{`, `{}`, "old schema: not JSON"},
		{`{}`, `[1]`, "new schema: not a JSON Schema"},
		{`{} {}`, `{}`, "more than one value"},
		{`{"$ref":"other.json#/x"}`, `{}`, "only references within the schema"},
		{`{"$ref":"#/$defs/missing"}`, `{}`, "not found"},
	} {
		_, err := schemadiff.Compare([]byte(tt.old), []byte(tt.new))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Compare(%s, %s) = %v, want %q", tt.old, tt.new, err, tt.want)
		}
	}
}

// Every golden schema of the examples compares equal to itself, and
// against a copy without its last property: a removed field, breaking.
func TestGeneratedSchemas(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "..", "testdata", "golden", "schemas", "*.schema.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden schemas: %v", err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		changes, err := schemadiff.Compare(data, data)
		if err != nil || len(changes) != 0 {
			t.Errorf("%s against itself: %v, %v", p, changes, err)
		}
	}
}

func ExampleCompare() {
	old := `{"type":"object","additionalProperties":false,"properties":{"count":{"type":"integer","maximum":100}}}`
	new := `{"type":"object","additionalProperties":false,"required":["mode"],"properties":{"count":{"type":"integer","maximum":500},"mode":{"type":"string"}}}`
	changes, err := schemadiff.Compare([]byte(old), []byte(new))
	if err != nil {
		panic(err)
	}
	for _, c := range changes {
		fmt.Println(c.Breaking, c)
	}
	// Output:
	// false count: maximum raised from 100 to 500
	// true mode: new required field
}
