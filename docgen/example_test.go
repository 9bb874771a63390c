package docgen_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/runtime"
)

type GreetInput struct {
	runtime.Input
	Name string `json:"name" default:"world" help:"Who to greet."`
}

type Greet struct {
	runtime.Node[GreetInput, runtime.NoOutput]
}

func (Greet) Logic(context.Context, *runtime.Exec[GreetInput, runtime.NoOutput]) error { return nil }

func NewGreeting() *runtime.Workflow[GreetInput] {
	wf := runtime.NewWorkflow[GreetInput]("greeting", runtime.Description("Says hello."))
	hello := runtime.Add(wf, &Greet{}, runtime.Name("hello"))
	bye := runtime.Add(wf, &Greet{}, runtime.Name("bye"))
	wf.AddEdgeIfSourceCompleted(hello, bye)
	return wf
}

// Describe the app once, then generate every file; a renderer (the docs
// extension's, package docscmd) would add the SVGs.
func Example() {
	app := fluxly.New(fluxly.Name("greeter"))
	fluxly.Register(app, "greeting", NewGreeting)
	m, err := app.Model()
	if err != nil {
		panic(err)
	}
	files, err := docgen.Files(context.Background(), m, nil, docgen.Options{})
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		fmt.Println(f.Path)
	}
	w := m.Workflow("greeting")
	fmt.Println(docgen.NodeAnchor("hello"), docgen.NodeAnchor("Hello World"))
	for _, line := range strings.Split(string(docgen.Mermaid(w, docgen.Options{})), "\n") {
		if strings.Contains(line, "-->") || strings.Contains(line, "-.->") {
			fmt.Println(strings.TrimSpace(line))
		}
	}
	// Output:
	// common-inputs.md
	// diagrams/greeting.dot
	// diagrams/greeting.mmd
	// index.md
	// model.json
	// schemas/greeting.schema.json
	// workflows/greeting.md
	// node-hello node-hello-world--a591a6d4
	// n0 -.-> n1
}
