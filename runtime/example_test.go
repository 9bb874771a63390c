package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

type DemoInput struct {
	runtime.Input
	Factor int `json:"factor" default:"2" help:"What to multiply by."`
}

type ProducerOutput struct {
	Value int `json:"value" help:"The produced number."`
}

type Producer struct {
	runtime.Node[DemoInput, ProducerOutput]
}

func (p *Producer) Logic(ctx context.Context, x *runtime.Exec[DemoInput, ProducerOutput]) error {
	x.Output.Value = 21
	return nil
}

type Doubler struct {
	runtime.Node[DemoInput, ProducerOutput]
	Producer *Producer // the upstream node of the same run
}

func (d *Doubler) Logic(ctx context.Context, x *runtime.Exec[DemoInput, ProducerOutput]) error {
	v := d.Producer.Last().Output.Value // typed: no casts
	if v == 0 {
		return runtime.Errorf(runtime.DataError, "producer gave nothing") // exit code 64
	}
	x.Output.Value = v * x.Input.Factor
	return nil
}

func NewDemo() *runtime.Workflow[DemoInput] {
	wf := runtime.NewWorkflow[DemoInput]("demo", runtime.Description("Producer feeds doubler"), runtime.Version("1.0"))
	p := runtime.Add(wf, &Producer{}, runtime.Name("producer"), runtime.Timeout(5*time.Second))
	d := runtime.Add(wf, &Doubler{Producer: p}, runtime.Name("doubler"), runtime.Retries(2, 10*time.Millisecond))
	wf.AddEdgeIfSourceCompleted(p, d)
	return wf
}

func Example() {
	res, err := runtime.Run(context.Background(), NewDemo, &DemoInput{Factor: 2})
	if err != nil {
		fmt.Println("invalid workflow:", err)
		return
	}
	last := res.Last()
	fmt.Println(res.Status, res.StatusCode)
	fmt.Println(last.Nodes["doubler"][0].Output.(*ProducerOutput).Value)
	// Output:
	// COMPLETED 0
	// 42
}

// Output reads a node's typed output from a run's result, live or decoded
// from JSON.
func ExampleOutput() {
	res, err := runtime.Run(context.Background(), NewDemo, &DemoInput{Factor: 3})
	if err != nil {
		fmt.Println("invalid workflow:", err)
		return
	}
	out, err := runtime.Output[ProducerOutput](res, "doubler")
	fmt.Println(out.Value, err)

	b, _ := json.Marshal(res) // e.g. stored, then read back
	var stored runtime.Result
	_ = json.Unmarshal(b, &stored)
	out, err = runtime.Output[ProducerOutput](&stored, "doubler")
	fmt.Println(out.Value, err)

	_, err = runtime.Output[ProducerOutput](res, "typo")
	fmt.Println(err)
	// Output:
	// 63 <nil>
	// 63 <nil>
	// runtime.Output: node "typo" did not run in workflow attempt 1 (no such node, or never reached)
}
