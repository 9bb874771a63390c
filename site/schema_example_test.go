package site_test

import (
	"bytes"
	"context"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	jsv "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
	"github.com/fluxly-go/fluxly/site"
)

// richInput has what an example input must get right: nested objects,
// enums, bounds, patterns, durations, optional pointers, maps and lists,
// required and defaulted fields.
type richInput struct {
	runtime.Input
	DB      richDB            `json:"db" help:"Where to write."`
	Mode    string            `json:"mode" default:"fast" enum:"fast,slow"`
	Region  string            `json:"region" fluxly:"required" enum:"eu-west,us-east"`
	Level   int               `json:"level" fluxly:"required" jsonschema:"minimum=3,maximum=7"`
	Ratio   float64           `json:"ratio" fluxly:"required" jsonschema:"exclusiveMinimum=0,maximum=1"`
	Timeout time.Duration     `json:"timeout" default:"30s"`
	Wait    time.Duration     `json:"wait" fluxly:"required"`
	Limit   *int              `json:"limit,omitempty" default:"20" jsonschema:"minimum=10"`
	Retries *int              `json:"retries,omitempty" jsonschema:"minimum=0"`
	Labels  map[string]string `json:"labels" fluxly:"required"`
	Tags    []string          `json:"tags" fluxly:"required" jsonschema:"minItems=2,maxItems=4"`
	Sizes   []int             `json:"sizes" default:"1,2,3" jsonschema:"minItems=1"`
	Code    string            `json:"code" fluxly:"required" jsonschema:"pattern=^[A-Z]{2}-[0-9]{3}$"`
	Email   string            `json:"email" fluxly:"required" jsonschema:"format=email"`
}

type richDB struct {
	Host string `json:"host" fluxly:"required" jsonschema:"minLength=3"`
	Port int    `json:"port" default:"5432" jsonschema:"minimum=1,maximum=65535"`
	TLS  bool   `json:"tls"`
}

type richNode struct {
	runtime.Node[richInput, runtime.NoOutput]
}

func (richNode) Logic(context.Context, *runtime.Exec[richInput, runtime.NoOutput]) error { return nil }

func richModel(t *testing.T) *introspect.Model {
	t.Helper()
	m, err := describe.DescribeAll(describe.Options{}, describe.Endpoint{Name: "rich", Workflow: func() any {
		wf := runtime.NewWorkflow[richInput]("rich", runtime.Description("Every kind of field."))
		runtime.Add(wf, &richNode{}, runtime.Name("only"))
		return wf
	}()})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var exampleBlock = regexp.MustCompile(`(?s)<h2 id="example-input">.*?<pre><code class="language-json">(.*?)</code></pre>`)

// TestSchemaPageExamplesValidate checks that each schema page's example
// input validates against the schema the site publishes beside it, for
// every example workflow and for a workflow of every kind of field.
func TestSchemaPageExamplesValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    *introspect.Model
	}{{"examples", examplesModel(t)}, {"rich", richModel(t)}} {
		t.Run(tc.name, func(t *testing.T) {
			files, err := site.Build(context.Background(), tc.m, nil, site.Options{})
			if err != nil {
				t.Fatal(err)
			}
			fm := fileMap(files)
			checked := 0
			for _, w := range tc.m.Workflows {
				if w.Schema == nil {
					continue
				}
				t.Run(w.Endpoint, func(t *testing.T) {
					schema, ok := fm["schemas/"+w.Endpoint+".schema.json"]
					pg, ok2 := fm["schemas/"+w.Endpoint+".html"]
					if !ok || !ok2 {
						t.Fatalf("no schema page or schema file for %s", w.Endpoint)
					}
					m := exampleBlock.FindSubmatch(pg)
					if m == nil {
						t.Fatalf("schemas/%s.html has no example input", w.Endpoint)
					}
					example := html.UnescapeString(string(m[1]))
					doc, err := jsv.UnmarshalJSON(bytes.NewReader(schema))
					if err != nil {
						t.Fatal(err)
					}
					c := jsv.NewCompiler()
					c.AssertFormat()
					const url = "https://fluxly.invalid/schema.json"
					if err := c.AddResource(url, doc); err != nil {
						t.Fatal(err)
					}
					sch, err := c.Compile(url)
					if err != nil {
						t.Fatal(err)
					}
					inst, err := jsv.UnmarshalJSON(strings.NewReader(example))
					if err != nil {
						t.Fatalf("the example is not JSON: %v\n%s", err, example)
					}
					if err := sch.Validate(inst); err != nil {
						t.Errorf("the example input does not validate:\n%s\n%v", example, err)
					}
					if w.Endpoint == "rich" {
						for _, field := range []string{`"db": {`, `"host"`, `"region"`, `"level"`, `"wait"`, `"labels"`, `"tags"`, `"code"`, `"limit"`} {
							if !strings.Contains(example, field) {
								t.Errorf("the example lacks %s:\n%s", field, example)
							}
						}
					}
				})
				checked++
			}
			if checked == 0 {
				t.Fatal("no schema page checked")
			}
		})
	}
}
