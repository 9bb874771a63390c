// Package fieldtext says in words what an input field is and which rules
// it follows. CLI help and the Markdown docs both read it, so a field's
// type and constraints read the same wherever they are shown.
package fieldtext

import (
	"encoding/json"
	"strconv"

	"github.com/fluxly-go/fluxly/introspect"
)

// Type is a field's type in words: "integer", "duration", "list of string".
func Type(f *introspect.Field) string {
	if f.JSONType == "array" {
		item := f.ItemType
		if f.Format != "" {
			item = f.Format
		}
		return "list of " + item
	}
	if f.Format != "" {
		return f.Format
	}
	return f.JSONType
}

// Rule is one constraint of a field.
type Rule struct {
	// Name says which rule it is, capitalised: "One of", "Range",
	// "Minimum", "Maximum", "Greater than", "Less than", "Length",
	// "Items", "Pattern".
	Name string
	// Text is the rule's bounds in words ("1 to 100", "at least 1"), or
	// empty when Values say it all.
	Text string
	// Values are the literal values of "One of" (JSON) and "Pattern" (the
	// pattern, as a JSON string), for each output to format.
	Values []json.RawMessage
}

// Rules lists a field's constraints: allowed values, bounds, lengths,
// item counts and pattern, in that order.
func Rules(f *introspect.Field) []Rule {
	var out []Rule
	if len(f.Enum) > 0 {
		out = append(out, Rule{Name: "One of", Values: f.Enum})
	}
	switch {
	case f.Minimum != "" && f.Maximum != "":
		out = append(out, Rule{Name: "Range", Text: f.Minimum.String() + " to " + f.Maximum.String()})
	case f.Minimum != "":
		out = append(out, Rule{Name: "Minimum", Text: f.Minimum.String()})
	case f.Maximum != "":
		out = append(out, Rule{Name: "Maximum", Text: f.Maximum.String()})
	}
	if f.ExclusiveMinimum != "" {
		out = append(out, Rule{Name: "Greater than", Text: f.ExclusiveMinimum.String()})
	}
	if f.ExclusiveMaximum != "" {
		out = append(out, Rule{Name: "Less than", Text: f.ExclusiveMaximum.String()})
	}
	if s := Span(f.MinLength, f.MaxLength); s != "" {
		out = append(out, Rule{Name: "Length", Text: s})
	}
	if s := Span(f.MinItems, f.MaxItems); s != "" {
		out = append(out, Rule{Name: "Items", Text: s})
	}
	if f.Pattern != "" {
		p, _ := json.Marshal(f.Pattern)
		out = append(out, Rule{Name: "Pattern", Values: []json.RawMessage{p}})
	}
	return out
}

// Span is a count range in words: "1 to 3", "at least 1", "at most 3", or
// "" without bounds.
func Span(lo, hi *uint64) string {
	switch {
	case lo != nil && hi != nil:
		return strconv.FormatUint(*lo, 10) + " to " + strconv.FormatUint(*hi, 10)
	case lo != nil:
		return "at least " + strconv.FormatUint(*lo, 10)
	case hi != nil:
		return "at most " + strconv.FormatUint(*hi, 10)
	}
	return ""
}
