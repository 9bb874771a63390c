package store

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/fluxly-go/fluxly/runtime"
)

// Shrink bounds what a record keeps of a run: every top-level input value
// and every node output larger than MaxValueBytes is replaced by a
// Marker; if the outputs together are still over MaxRecordBytes, the
// largest remaining ones are replaced too. input is the input as a JSON
// object; executions are copied, never changed.
func Shrink(input json.RawMessage, executions []*runtime.WorkflowExecution, l Limits) (json.RawMessage, []*runtime.WorkflowExecution) {
	l, _ = l.fill(false)
	if len(input) > l.MaxValueBytes {
		var fields map[string]json.RawMessage
		if json.Unmarshal(input, &fields) == nil {
			for k, v := range fields {
				if len(v) > l.MaxValueBytes {
					fields[k] = markerOf(v)
				}
			}
			if b, err := marshal(fields); err == nil {
				input = b
			}
		}
		if len(input) > l.MaxRecordBytes {
			input = markerOf(input)
		}
	}
	type out struct {
		rec  *runtime.NodeExecution
		size int
	}
	var outs []out
	total := 0
	copied := make([]*runtime.WorkflowExecution, len(executions))
	for i, we := range executions {
		if we == nil {
			continue
		}
		c := *we
		c.Nodes = make(map[string][]runtime.NodeExecution, len(we.Nodes))
		for name, recs := range we.Nodes {
			recs = slices.Clone(recs)
			for j := range recs {
				if recs[j].Output == nil {
					continue
				}
				b, err := json.Marshal(recs[j].Output)
				if err != nil {
					continue // the record's encoder reports it
				}
				if len(b) > l.MaxValueBytes {
					recs[j].Output = markerOf(b)
					continue
				}
				outs = append(outs, out{&recs[j], len(b)})
				total += len(b)
			}
			c.Nodes[name] = recs
		}
		copied[i] = &c
	}
	if total+len(input) > l.MaxRecordBytes {
		slices.SortStableFunc(outs, func(a, b out) int { return b.size - a.size })
		for _, o := range outs {
			if total+len(input) <= l.MaxRecordBytes {
				break
			}
			b, _ := json.Marshal(o.rec.Output)
			o.rec.Output = markerOf(b)
			total -= o.size
		}
	}
	return input, copied
}

// marshal encodes v compactly without HTML escaping.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
