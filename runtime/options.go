package runtime

import (
	"fmt"
	"math"
	"time"
)

// Option configures a workflow ([NewWorkflow]) or a node ([Add]). Options
// that make sense for only one of them are reported as graph errors when
// given to the other.
type Option func(*options)

type options struct {
	name, description, version string
	nameSet                    bool

	timeout    time.Duration
	retries    int
	retryDelay time.Duration
	backoff    *Backoff

	maxConcurrency int
	hooks          any

	given optionSet // which options were given, to report misplaced ones
	errs  []error
}

// optionSet has a bit per option that applies to nodes only or to
// workflows only.
type optionSet uint8

const (
	optName optionSet = 1 << iota
	optTimeout
	optRetries
	optBackoff
	optVersion
	optMaxConcurrency
	optHooks

	nodeOnlyOptions     = optName | optTimeout | optRetries | optBackoff
	workflowOnlyOptions = optVersion | optMaxConcurrency | optHooks
)

var optionNames = [...]string{"Name", "Timeout", "Retries", "ExponentialBackoff", "Version", "MaxConcurrency", "Hooks"}

// names lists the options in s.
func (s optionSet) names() []string {
	var n []string
	for i, name := range optionNames {
		if s&(1<<i) != 0 {
			n = append(n, name)
		}
	}
	return n
}

func (o *options) apply(opts []Option) {
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
}

// Name sets a node's name (default: its Go type name). Names are unique in a workflow.
func Name(name string) Option {
	return func(o *options) { o.name, o.nameSet = name, true; o.given |= optName }
}

// Description documents a workflow or a node.
func Description(text string) Option { return func(o *options) { o.description = text } }

// Version sets a workflow's version.
func Version(v string) Option {
	return func(o *options) { o.version = v; o.given |= optVersion }
}

// Timeout bounds each attempt of a node. The attempt's context carries the
// deadline; when it passes, the attempt is TIMED_OUT whether or not the logic
// returns.
func Timeout(d time.Duration) Option {
	return func(o *options) {
		o.given |= optTimeout
		if d < 0 {
			o.errs = append(o.errs, fmt.Errorf("timeout %v must not be negative", d))
			return
		}
		o.timeout = d
	}
}

// Retries gives a node n extra attempts after a failed one, waiting delay
// between attempts.
func Retries(n int, delay time.Duration) Option {
	return func(o *options) {
		o.given |= optRetries
		if n < 0 {
			o.errs = append(o.errs, fmt.Errorf("retries %d must not be negative", n))
			return
		}
		if delay < 0 {
			o.errs = append(o.errs, fmt.Errorf("retry delay %v must not be negative", delay))
			return
		}
		o.retries, o.retryDelay = n, delay
	}
}

// Backoff makes a node's retry delay grow: the delay before retry k (1-based)
// is delay × factor^(k-1), capped at max (0 means no cap).
type Backoff struct {
	Factor float64       `json:"factor"`
	Max    time.Duration `json:"max"`
}

// ExponentialBackoff multiplies a node's retry delay by factor after each
// retry, never waiting longer than max (0: no cap). Use it with [Retries].
func ExponentialBackoff(factor float64, max time.Duration) Option {
	return func(o *options) {
		o.given |= optBackoff
		if !(factor >= 1) || math.IsInf(factor, 1) { // also NaN
			o.errs = append(o.errs, fmt.Errorf("backoff factor %v must be a finite number of at least 1", factor))
			return
		}
		if max < 0 {
			o.errs = append(o.errs, fmt.Errorf("backoff cap %v must not be negative", max))
			return
		}
		o.backoff = &Backoff{Factor: factor, Max: max}
	}
}

// MaxConcurrency limits how many nodes of one workflow run at the same time
// (0: no limit).
func MaxConcurrency(n int) Option {
	return func(o *options) {
		o.given |= optMaxConcurrency
		if n < 0 {
			o.errs = append(o.errs, fmt.Errorf("max concurrency %d must not be negative", n))
			return
		}
		o.maxConcurrency = n
	}
}

// Hooks attaches workflow-level lifecycle hooks: h implements any of
// [StartHook], [SuccessHook], [FailureHook] and [FinishHook].
func Hooks(h any) Option {
	return func(o *options) { o.hooks = h; o.given |= optHooks }
}

// RetryDelay returns the wait before retry k (1-based) for a node with the
// given base delay and optional backoff.
func RetryDelay(base time.Duration, b *Backoff, k int) time.Duration {
	if b == nil || k <= 1 {
		return base
	}
	d := float64(base)
	for i := 1; i < k; i++ {
		d *= b.Factor
		if b.Max > 0 && d >= float64(b.Max) {
			return b.Max
		}
		if d > float64(1<<62) {
			return time.Duration(1 << 62)
		}
	}
	return time.Duration(d)
}
