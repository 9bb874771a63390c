// Package producerconsumer shows typed node-to-node data: the consumer
// holds the producer instance of the same run and reads its typed output.
// An on-success edge starts the consumer only if the producer completed; a
// conditional edge starts the reporter only for large values.
package producerconsumer

import (
	"context"
	"embed"

	"github.com/fluxly-go/fluxly/runtime"
)

// Sources holds this package's Go files, for doc-comment descriptions.
//
//go:embed *.go
var Sources embed.FS

// Input is the producer-consumer workflow's input.
type Input struct {
	runtime.Input

	Value int `json:"value" default:"42" help:"Number the producer emits; 0 makes the consumer fail with DATA_ERROR." jsonschema:"minimum=0,maximum=1000000"`
}

// ProducerOutput is what the producer hands downstream.
type ProducerOutput struct {
	// Value is the produced number.
	Value int `json:"value"`
}

// Producer emits the input's value.
type Producer struct {
	runtime.Node[Input, ProducerOutput]
}

// Logic copies the input value to the output.
func (p *Producer) Logic(_ context.Context, x *runtime.Exec[Input, ProducerOutput]) error {
	x.Output.Value = x.Input.Value
	return nil
}

// ConsumerOutput is the consumer's result.
type ConsumerOutput struct {
	Doubled int `json:"doubled" help:"Twice the producer's value."`
}

// Consumer doubles the producer's value.
type Consumer struct {
	runtime.Node[Input, ConsumerOutput]
	Producer *Producer // the upstream node of the same run
}

// Logic reads the producer's typed output: no casts.
func (c *Consumer) Logic(_ context.Context, x *runtime.Exec[Input, ConsumerOutput]) error {
	v := c.Producer.Last().Output.Value
	if v == 0 {
		return runtime.Errorf(runtime.DataError, "producer gave nothing to consume")
	}
	x.Output.Doubled = 2 * v
	x.Log.Info("consumed", "value", v, "doubled", x.Output.Doubled)
	return nil
}

// Reporter logs large results.
type Reporter struct {
	runtime.Node[Input, runtime.NoOutput]
	Consumer *Consumer
}

// Logic logs the consumer's result.
func (r *Reporter) Logic(_ context.Context, x *runtime.Exec[Input, runtime.NoOutput]) error {
	x.Log.Info("large result", "doubled", r.Consumer.Last().Output.Doubled)
	return nil
}

// New builds the producer-consumer workflow.
func New() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("producer-consumer",
		runtime.Description("A producer feeds a consumer through typed output; large results are reported."),
		runtime.Version("1.0.0"))
	p := runtime.Add(wf, &Producer{}, runtime.Name("producer"), runtime.Description("Emits the input value."))
	c := runtime.Add(wf, &Consumer{Producer: p}, runtime.Name("consumer"),
		runtime.Description("Doubles the producer's value; fails with DATA_ERROR on 0."))
	r := runtime.Add(wf, &Reporter{Consumer: c}, runtime.Name("reporter"), runtime.Description("Logs results over 50."))
	wf.AddEdgeIfSourceCompleted(p, c)
	wf.AddConditionalEdge(c, r, "doubled value is over 50", func() bool { return c.Last().Output.Doubled > 50 })
	return wf
}
