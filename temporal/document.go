package temporal

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/fluxly-go/fluxly/internal/endpoint"
)

// decodeDocument decodes an input document again on a worker.
//
// A document written by this version decodes as it is: Document leaves
// out the fields whose zero value breaks their own rules. Documents
// recorded before that fix (and runs started by an older client) filled
// such fields with their zero value — an absent optional string with a
// pattern came back as "", which the pattern rejects: the etl example's
// country. When the document does not decode, the fields without a
// default (and not secret) whose value is their zero value are taken out
// again — decoding fills them with the same zeros — and the document is
// decoded once more. A document that decodes as it is is never changed.
func decodeDocument(ep *endpoint.Endpoint, doc []byte) (*endpoint.Input, error) {
	in, err := ep.DecodeJSON(doc)
	if err == nil {
		return in, nil
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if dec.Decode(&m) != nil {
		return nil, err
	}
	pruned := false
	for _, f := range ep.Model().Input.Fields {
		if f.Object || f.Secret || len(f.Default) > 0 {
			continue
		}
		parent := m
		parts := strings.Split(f.Name, ".")
		for _, p := range parts[:len(parts)-1] {
			next, ok := parent[p].(map[string]any)
			if !ok {
				parent = nil
				break
			}
			parent = next
		}
		last := parts[len(parts)-1]
		if v, ok := parent[last]; ok && parent != nil && isZero(v) {
			delete(parent, last)
			pruned = true
		}
	}
	if !pruned {
		return nil, err
	}
	b, merr := json.Marshal(m)
	if merr != nil {
		return nil, err
	}
	in, err2 := ep.DecodeJSON(b)
	if err2 != nil {
		return nil, err
	}
	return in, nil
}

// isZero reports whether v is a zero value as the input codec writes
// them into a document.
func isZero(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case bool:
		return !v
	case string:
		return v == "" || v == "0s" || v == "0001-01-01T00:00:00Z"
	case json.Number:
		f, err := v.Float64()
		return err == nil && f == 0
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}
