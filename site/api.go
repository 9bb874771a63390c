package site

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"strings"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/introspect"
)

// This file renders the HTTP API's OpenAPI document as a reference page,
// api.html: operations by tag, with parameters, request bodies (linked to
// the input schema pages) and responses; the shared schemas as JSON.

const apiPagePath = "api.html"

var apiTemplate = template.Must(template.New("api").Parse(`<h1 id="http-api">{{.Title}}</h1>
{{range .Intro}}<p>{{.}}</p>
{{end -}}
<p>OpenAPI {{.OpenAPI}} · version {{.Version}}{{if .Auth}} · {{.Auth}}{{end}}</p>
{{range .Tags}}<h2 id="{{.ID}}">{{.Name}}</h2>
{{if .Description}}<p>{{.Description}}</p>
{{end -}}
{{range .Ops}}<section class="operation" id="{{.ID}}">
<h3 id="{{.ID}}-h"><span class="method {{.MethodClass}}">{{.Method}}</span> <code>{{.Path}}</code></h3>
{{if .Summary}}<p><strong>{{.Summary}}</strong></p>
{{end -}}
{{range .Description}}<p>{{.}}</p>
{{end -}}
{{if .Params}}<table class="api">
<thead><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr></thead>
<tbody>
{{range .Params}}<tr><td><code>{{.Name}}</code>{{if .Required}} (required){{end}}</td><td>{{.In}}</td><td>{{.Type}}</td><td>{{.Description}}</td></tr>
{{end}}</tbody>
</table>
{{end -}}
{{if .Body}}<p>Request body{{if .BodyRequired}} (required){{end}}: {{if .BodyHref}}<a href="{{.BodyHref}}">{{.Body}}</a>{{else}}<code>{{.Body}}</code>{{end}}</p>
{{end -}}
<table class="api">
<thead><tr><th>Response</th><th>Description</th><th>Body</th></tr></thead>
<tbody>
{{range .Responses}}<tr><td><code>{{.Code}}</code></td><td>{{.Description}}</td><td>{{if .Schema}}<code>{{.Schema}}</code>{{else}}—{{end}}</td></tr>
{{end}}</tbody>
</table>
</section>
{{end}}{{end -}}
{{if .Schemas}}<h2 id="schemas">Schemas</h2>
<p>The shared schemas of request and response bodies. Each workflow's input schema has <a href="#inputs">its own page</a>.</p>
{{range .Schemas}}<details class="schema" id="{{.ID}}"><summary><code>{{.Name}}</code></summary>
<pre><code class="language-json">{{.JSON}}</code></pre>
</details>
{{end}}{{end -}}
{{if .Inputs}}<h3 id="inputs">Input schemas</h3>
<ul>
{{range .Inputs}}<li><a href="{{.Href}}">{{.Name}}</a></li>
{{end}}</ul>
{{end -}}
<p><a href="openapi.json" download>openapi.json</a>: the document this page shows.</p>
`))

type apiView struct {
	Title, OpenAPI, Version, Auth string
	Intro                         []string
	Tags                          []apiTag
	Schemas                       []apiSchema
	Inputs                        []apiInput
}

type apiTag struct {
	ID, Name, Description string
	Ops                   []apiOp
}

type apiOp struct {
	ID, Method, MethodClass, Path, Summary string
	Description                            []string
	Params                                 []apiParam
	Body, BodyHref                         string
	BodyRequired                           bool
	Responses                              []apiResponse
}

type apiParam struct {
	Name, In, Type, Description string
	Required                    bool
}

type apiResponse struct{ Code, Description, Schema string }

type apiSchema struct{ ID, Name, JSON string }

type apiInput struct{ Name, Href string }

// openAPIDoc is the part of an OpenAPI 3.1 document the page shows.
type openAPIDoc struct {
	OpenAPI string `json:"openapi"`
	Info    struct {
		Title, Version, Description string
	} `json:"info"`
	Tags []struct {
		Name, Description string
	} `json:"tags"`
	Paths      map[string]map[string]openAPIOp `json:"paths"`
	Components struct {
		Schemas         map[string]json.RawMessage  `json:"schemas"`
		Responses       map[string]openAPIResponse  `json:"responses"`
		Parameters      map[string]openAPIParameter `json:"parameters"`
		SecuritySchemes map[string]struct {
			Type, Scheme, Description string
		} `json:"securitySchemes"`
	} `json:"components"`
	Security []map[string]any `json:"security"`
}

type openAPIOp struct {
	OperationID string             `json:"operationId"`
	Summary     string             `json:"summary"`
	Description string             `json:"description"`
	Tags        []string           `json:"tags"`
	Parameters  []openAPIParameter `json:"parameters"`
	RequestBody *struct {
		Ref      string                      `json:"$ref"`
		Required bool                        `json:"required"`
		Content  map[string]openAPIMediaType `json:"content"`
	} `json:"requestBody"`
	Responses map[string]openAPIResponse `json:"responses"`
}

type openAPIParameter struct {
	Ref         string         `json:"$ref"`
	Name        string         `json:"name"`
	In          string         `json:"in"`
	Required    bool           `json:"required"`
	Description string         `json:"description"`
	Schema      map[string]any `json:"schema"`
}

type openAPIResponse struct {
	Ref         string                      `json:"$ref"`
	Description string                      `json:"description"`
	Content     map[string]openAPIMediaType `json:"content"`
}

type openAPIMediaType struct {
	Schema map[string]any `json:"schema"`
}

// apiPage renders the OpenAPI document as the API reference page; the
// document itself is published beside it as openapi.json.
func apiPage(doc []byte, m *introspect.Model) (*page, error) {
	var d openAPIDoc
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("site: the OpenAPI document: %w", err)
	}
	v := apiView{Title: d.Info.Title, OpenAPI: d.OpenAPI, Version: d.Info.Version}
	if v.Title == "" {
		v.Title = "HTTP API"
	}
	v.Intro = paragraphs(d.Info.Description)
	if len(d.Security) > 0 {
		v.Auth = "every route but /health needs a bearer token"
	} else if len(d.Components.SecuritySchemes) > 0 {
		v.Auth = "routes need a bearer token when the server has one set"
	}
	inputs := map[string]string{} // component name → schema page
	for _, w := range m.Workflows {
		inputs[w.Endpoint+".input"] = docgen.SchemasDir + "/" + w.Endpoint + ".html"
		v.Inputs = append(v.Inputs, apiInput{Name: w.Endpoint, Href: docgen.SchemasDir + "/" + w.Endpoint + ".html"})
	}
	tagIndex := map[string]int{}
	for _, t := range d.Tags {
		tagIndex[t.Name] = len(v.Tags)
		v.Tags = append(v.Tags, apiTag{ID: "tag-" + slugID(t.Name), Name: t.Name, Description: t.Description})
	}
	for _, p := range sortedKeys(d.Paths) {
		for _, method := range []string{"get", "put", "post", "delete", "patch", "head", "options"} {
			op, ok := d.Paths[p][method]
			if !ok {
				continue
			}
			o := apiOp{ID: "op-" + slugID(op.OperationID), Method: strings.ToUpper(method), MethodClass: method, Path: p,
				Summary: op.Summary, Description: paragraphs(op.Description)}
			if op.OperationID == "" {
				o.ID = "op-" + slugID(method+" "+p)
			}
			for _, prm := range op.Parameters {
				if prm.Ref != "" {
					prm = d.Components.Parameters[refName(prm.Ref)]
				}
				o.Params = append(o.Params, apiParam{Name: prm.Name, In: prm.In, Type: schemaSummary(prm.Schema),
					Description: prm.Description, Required: prm.Required})
			}
			if rb := op.RequestBody; rb != nil {
				o.BodyRequired = rb.Required
				for _, ct := range sortedKeys(rb.Content) {
					name := refName(stringOf(rb.Content[ct].Schema["$ref"]))
					o.Body = ct
					if name != "" {
						o.Body = name
						o.BodyHref = inputs[name]
					}
					break
				}
			}
			for _, code := range sortedKeys(op.Responses) {
				r := op.Responses[code]
				if r.Ref != "" {
					r = d.Components.Responses[refName(r.Ref)]
				}
				ar := apiResponse{Code: code, Description: r.Description}
				for _, ct := range sortedKeys(r.Content) {
					ar.Schema = ct
					if name := refName(stringOf(r.Content[ct].Schema["$ref"])); name != "" {
						ar.Schema = name + " (" + ct + ")"
					}
					break
				}
				o.Responses = append(o.Responses, ar)
			}
			tag := "other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			i, ok := tagIndex[tag]
			if !ok {
				i = len(v.Tags)
				tagIndex[tag] = i
				v.Tags = append(v.Tags, apiTag{ID: "tag-" + slugID(tag), Name: tag})
			}
			v.Tags[i].Ops = append(v.Tags[i].Ops, o)
		}
	}
	for _, name := range sortedKeys(d.Components.Schemas) {
		if _, input := inputs[name]; input {
			continue
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, d.Components.Schemas[name], "", "  "); err != nil {
			return nil, fmt.Errorf("site: the OpenAPI document: schema %s: %w", name, err)
		}
		v.Schemas = append(v.Schemas, apiSchema{ID: "schema-" + slugID(name), Name: name, JSON: pretty.String()})
	}
	var buf bytes.Buffer
	if err := apiTemplate.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("site: laying out the API page: %w", err)
	}
	p := &page{out: apiPagePath, body: buf.Bytes(), title: "HTTP API", kind: referencePage}
	for _, t := range v.Tags {
		if len(t.Ops) == 0 {
			continue
		}
		p.toc = append(p.toc, tocEntry{ID: t.ID, Text: t.Name, Level: 2})
		for _, o := range t.Ops {
			p.toc = append(p.toc, tocEntry{ID: o.ID, Text: o.Method + " " + o.Path, Level: 3})
		}
	}
	if len(v.Schemas) > 0 {
		p.toc = append(p.toc, tocEntry{ID: "schemas", Text: "Schemas", Level: 2})
	}
	return p, nil
}

// apiOperations lists the operations of the API page for the search index.
func apiOperations(doc []byte) []apiOp {
	var d openAPIDoc
	if json.Unmarshal(doc, &d) != nil {
		return nil
	}
	var ops []apiOp
	for _, p := range sortedKeys(d.Paths) {
		for _, method := range []string{"get", "put", "post", "delete", "patch", "head", "options"} {
			if op, ok := d.Paths[p][method]; ok {
				id := "op-" + slugID(op.OperationID)
				if op.OperationID == "" {
					id = "op-" + slugID(method+" "+p)
				}
				ops = append(ops, apiOp{ID: id, Method: strings.ToUpper(method), Path: p, Summary: op.Summary})
			}
		}
	}
	return ops
}

func refName(ref string) string {
	if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		return ref[i+1:]
	}
	return ""
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

// schemaSummary is a parameter's type in a few words: "integer (1–1000)".
func schemaSummary(s map[string]any) string {
	t := stringOf(s["type"])
	if enum, ok := s["enum"].([]any); ok && len(enum) > 0 {
		vals := make([]string, 0, len(enum))
		for _, e := range enum {
			vals = append(vals, fmt.Sprint(e))
		}
		return t + ": " + strings.Join(vals, ", ")
	}
	return t
}

// paragraphs splits text on blank lines.
func paragraphs(s string) []string {
	var out []string
	for p := range strings.SplitSeq(strings.TrimSpace(s), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// slugID is s as an id: lowercase ASCII letters and digits joined by '-'.
func slugID(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	return b.String()
}
