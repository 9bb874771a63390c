package docgen_test

import (
	"context"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// The sink workflow has an input with every kind of field and nodes with
// awkward names, to cover the input table, the snippets and the anchors.

type sinkDB struct {
	Host string `json:"host" default:"localhost" help:"Database host."`
	Port uint16 `json:"port" default:"5432" help:"TCP port."`
}

type sinkUser struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

type sinkSecrets struct {
	Key string `json:"key" default:"k-123" help:"Signing key."`
}

type sinkInput struct {
	runtime.Input

	Name     string            `json:"name" fluxly:"required" jsonschema:"minLength=1,maxLength=10" help:"Who to greet; *bold*, <b>tags</b> and | pipes stay text."`
	Code     string            `json:"code" jsonschema:"pattern=^[A-Z]{3}|x$" help:"A code whose pattern has a | in it."`
	Ratio    float64           `json:"ratio" default:"0.5" jsonschema:"exclusiveMinimum=0,maximum=1"`
	Limit    *int              `json:"limit" help:"Optional limit; null means none." jsonschema:"minimum=1"`
	Wait     time.Duration     `json:"wait" default:"1m30s" help:"How long to wait."`
	At       time.Time         `json:"at" help:"When to start."`
	Levels   []int             `json:"levels" default:"1,2" jsonschema:"maxItems=3" help:"Levels to visit."`
	Colors   []string          `json:"colors" enum:"red,green" default:"red" help:"Colours, each red or green."`
	Mode     string            `json:"mode" fluxly:"required" enum:"a,b" help:"Required, with allowed values."`
	Level    int               `json:"level" fluxly:"required" jsonschema:"minimum=3" help:"Required, with a minimum."`
	DB       sinkDB            `json:"db" help:"Database settings."`
	Labels   map[string]string `json:"labels" help:"Free-form labels (JSON only)."`
	Users    []sinkUser        `json:"users" help:"Users (JSON only)."`
	Password string            `json:"password" fluxly:"secret" default:"hunter22" help:"Never shown."`
	Vault    sinkSecrets       `json:"vault" fluxly:"secret" help:"A secret object: its fields are secret too."`
	Hidden   string            `json:"hidden" fluxly:"nodocs" default:"x" help:"Left out of the docs."`
	Quote    string            "json:\"quote\" default:\"it's `ticked` & <b>bold</b>, -1\" help:\"A default that needs quoting.\""
	Dash     int               `json:"dash" default:"-1" help:"A negative default."`
}

type sinkStep struct {
	runtime.Node[sinkInput, runtime.NoOutput]
}

func (sinkStep) Logic(context.Context, *runtime.Exec[sinkInput, runtime.NoOutput]) error { return nil }

func (sinkStep) OnStart(context.Context)  {}
func (sinkStep) OnFinish(context.Context) {}

type sinkOut struct {
	Count int      `json:"count" help:"How many | things <b>."`
	Names []string `json:"names"`
}

type sinkProducer struct {
	runtime.Node[sinkInput, sinkOut]
}

func (sinkProducer) Logic(context.Context, *runtime.Exec[sinkInput, sinkOut]) error { return nil }

func newSink() *runtime.Workflow[sinkInput] {
	wf := runtime.NewWorkflow[sinkInput]("kitchen sink",
		runtime.Description("Every kind of input field.\n\nA second paragraph:\n- not a list\n# not a heading"),
		runtime.Version("0.1.0-rc.1"), runtime.MaxConcurrency(2))
	a := runtime.Add(wf, &sinkProducer{}, runtime.Name("Extract Users"), runtime.Description("Has a space and capitals."),
		runtime.Timeout(2*time.Second), runtime.Retries(3, 100*time.Millisecond), runtime.ExponentialBackoff(1.5, 0))
	b := runtime.Add(wf, &sinkStep{}, runtime.Name("load_users"), runtime.Description("Snake case."))
	c := runtime.Add(wf, &sinkStep{}, runtime.Name("emoji 🚀"))
	d := runtime.Add(wf, &sinkStep{}, runtime.Name("plain-name"))
	wf.AddEdgeIfSourceCompleted(a, b)
	wf.AddConditionalEdge(a, c, "count > 3 && names != nil", func() bool { return true })
	wf.AddEdge(b, d)
	wf.AddEdge(c, d)
	return wf
}

func sinkWorkflow(t testing.TB) *introspect.Workflow {
	t.Helper()
	m, err := describe.DescribeAll(describe.Options{}, describe.Endpoint{Name: "kitchen-sink", Workflow: newSink()})
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	w := m.Workflows[0]
	// Round 2 model fields, set by hand until the runtime sets them: the
	// last node joins with a trigger rule and continues on failure, the
	// first retries with jitter except on two statuses.
	first, last := &w.Nodes[0], &w.Nodes[len(w.Nodes)-1]
	first.Jitter = true
	first.NonRetryable = []string{"DATA_ERROR", "PREREQUISITE_FAIL"}
	last.TriggerRule = "none_failed_min_one_success"
	last.ContinueOnFailure = true
	return w
}
