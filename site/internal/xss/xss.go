// Package xss is a workflow whose every user-visible string is an HTML or
// JavaScript injection attempt: the site's tests build its docs and check
// that the payloads show up as text and that a browser runs none of them.
// It is test data, imported only by tests.
package xss

import (
	"context"

	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// The payloads, by where they go. Each alert has its own number, so a
// dialog in a browser test says which one got through.
const (
	WorkflowName  = `<script>alert(21)</script>`
	Version       = `"><svg onload=alert(25)>`
	NodeImg       = `<img src=x onerror=alert(26)>`
	NodeSVG       = `"><svg onload=alert(28)>`
	NodeJS        = `javascript:alert(31)`
	DescScript    = `<script>alert(27)</script>`
	DescLink      = `javascript:alert(29) <a href="javascript:alert(30)">y</a>`
	DescMarkdown  = "`code` **bold** {onclick=alert(32)} </textarea><script>alert(33)</script>"
	EdgeLabel     = `<script>alert(34)</script> & "quotes"`
	HelpScript    = `<script>alert(11)</script> and <img src=x onerror=alert(12)>`
	HelpLink      = `[click me](javascript:alert(14)) <a href="javascript:alert(15)">x</a>`
	HelpAttr      = `"><svg onload=alert(17)>`
	HelpTable     = `| <td onclick=alert(18)> | {#evil .x onclick=alert(19)}`
	OutputHelp    = `<img src=x onerror=alert(20)>`
	WorkflowDesc1 = `<img src=x onerror=alert(22)>`
	WorkflowDesc2 = `# not a heading <script>alert(23)</script>`
	WorkflowDesc3 = `[x](javascript:alert(24))`
)

// Payloads must each appear, as text, on the workflow's page.
var Payloads = []string{
	WorkflowName, Version, NodeImg, NodeSVG, NodeJS, DescScript, DescLink, DescMarkdown, EdgeLabel,
	HelpScript, HelpLink, HelpAttr, HelpTable, OutputHelp, WorkflowDesc1, WorkflowDesc2, WorkflowDesc3,
}

// Endpoint is the workflow's endpoint (endpoints are restricted to a safe
// alphabet, so it is the one string without a payload).
const Endpoint = "xss"

// Input carries payloads in field help, defaults and enum values. (Struct
// tags must be literals, so the help texts repeat the constants above.)
type Input struct {
	runtime.Input

	Script string `json:"script" default:"<script>alert(10)</script>" help:"<script>alert(11)</script> and <img src=x onerror=alert(12)>"`
	Link   string `json:"link" default:"javascript:alert(13)" help:"[click me](javascript:alert(14)) <a href=\"javascript:alert(15)\">x</a>"`
	Mode   string `json:"mode" default:"a" enum:"a,<b onmouseover=alert(16)>b</b>" help:"\"><svg onload=alert(17)>"`
	Pipe   string `json:"pipe" help:"| <td onclick=alert(18)> | {#evil .x onclick=alert(19)}"`
}

// Output has a payload in a field's help.
type Output struct {
	Value string `json:"value" help:"<img src=x onerror=alert(20)>"`
}

// Step does nothing; only its strings matter.
type Step struct {
	runtime.Node[Input, Output]
}

// Logic returns at once.
func (*Step) Logic(context.Context, *runtime.Exec[Input, Output]) error { return nil }

// New builds the workflow: names, descriptions, a condition label and a
// version made of payloads.
func New() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input](WorkflowName,
		runtime.Description(WorkflowDesc1+"\n\n"+WorkflowDesc2+"\n\n"+WorkflowDesc3),
		runtime.Version(Version))
	a := runtime.Add(wf, &Step{}, runtime.Name(NodeImg), runtime.Description(DescScript))
	b := runtime.Add(wf, &Step{}, runtime.Name(NodeSVG), runtime.Description(DescLink))
	c := runtime.Add(wf, &Step{}, runtime.Name(NodeJS), runtime.Description(DescMarkdown))
	d := runtime.Add(wf, &Step{}, runtime.Name("plain"))
	wf.AddEdge(a, b)
	wf.AddConditionalEdge(b, c, EdgeLabel, func() bool { return true })
	wf.AddEdgeIfSourceCompleted(a, d)
	wf.AddExecutionGroup(a, b, c)
	wf.AddExecutionGroup(a, d)
	return wf
}

// Model describes the workflow (plus any others given) as the app would.
func Model(more ...describe.Endpoint) (*introspect.Model, error) {
	eps := append([]describe.Endpoint{{Name: Endpoint, Workflow: New()}}, more...)
	return describe.DescribeAll(describe.Options{}, eps...)
}
