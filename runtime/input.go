package runtime

import "time"

// Input holds the fields every workflow input has. Embed it in your input
// struct; the app turns each field into a flag, an environment variable and a
// JSON Schema property like any field of yours.
type Input struct {
	Verbose           bool    `json:"verbose" default:"true" help:"Log the start block and per-node and final summaries."`
	TimeoutSeconds    float64 `json:"timeout_seconds" default:"0" help:"Timeout of each workflow attempt in seconds; 0 means none." jsonschema:"minimum=0"`
	MaxRetries        int     `json:"max_retries" default:"0" help:"Extra attempts of the whole workflow after a failed one." jsonschema:"minimum=0,maximum=100"`
	RetryDelaySeconds float64 `json:"retry_delay_seconds" default:"0" help:"Seconds to wait between workflow attempts." jsonschema:"minimum=0"`
	AutoGenerateMD    bool    `json:"auto_generate_md" default:"false" help:"Write a run report (Markdown and diagram) when the run ends."`
	MDFilePath        string  `json:"md_file_path" default:"" help:"Path of the run report; empty means <endpoint>-report.md."`
	DiagramFilePath   string  `json:"diagram_file_path" default:"" help:"Path of the run report's diagram: .svg (when the binary has the docs extension), .dot, .gv or .mmd; empty means <endpoint>-report.svg, or .dot without the docs extension."`
}

// BaseInput returns the embedded common fields. Input types get it by
// embedding Input; the runtime reads workflow settings through it.
func (in *Input) BaseInput() *Input { return in }

// inputBase is implemented by every input type that embeds [Input].
type inputBase interface{ BaseInput() *Input }

// timeout is TimeoutSeconds as a duration (0 for none).
func (in *Input) timeout() time.Duration { return seconds(in.TimeoutSeconds) }

// retryDelay is RetryDelaySeconds as a duration.
func (in *Input) retryDelay() time.Duration { return seconds(in.RetryDelaySeconds) }

func seconds(s float64) time.Duration {
	if s <= 0 {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}
