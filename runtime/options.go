package runtime

import (
	"fmt"
	"math"
	"reflect"
	"time"

	"github.com/fluxly-go/fluxly/internal/spec/engine"
)

// WorkflowOption configures a workflow: see [NewWorkflow]. Options that
// apply to nodes only are [NodeOption]s; giving one to NewWorkflow does
// not compile.
type WorkflowOption interface{ workflowOption() }

// NodeOption configures a node: see [Add] and [AddFunc]. Options that apply
// to workflows only are [WorkflowOption]s; giving one to Add does not
// compile.
type NodeOption interface{ nodeOption() }

// Option is an option valid for both workflows and nodes ([Description]).
type Option interface {
	WorkflowOption
	NodeOption
}

// The options are small values told apart by a type switch when applied,
// and nothing else may take an option as an interface value (see
// foreignOption): calling a method through the interface, or passing the
// value to fmt, makes every option escape, and Name(name) then allocates
// once per node. Measured with BenchmarkBuild/chain-10k: 10 108 → 20 109
// allocations and +18 B per node; BenchmarkRun allocates 2 per node.
type (
	nameOption        string
	descriptionOption string
	versionOption     string
	timeoutOption     time.Duration
	retriesOption     struct {
		n     int
		delay time.Duration
	}
	backoffOption struct {
		factor float64
		max    time.Duration
	}
	maxConcurrencyOption int
	hooksOption          struct{ h any }
	triggerOption        TriggerRule
	continueOption       struct{}
	nonRetryableOption   []Status
	jitterOption         struct{}
)

func (nameOption) nodeOption()               {}
func (descriptionOption) nodeOption()        {}
func (descriptionOption) workflowOption()    {}
func (versionOption) workflowOption()        {}
func (timeoutOption) nodeOption()            {}
func (retriesOption) nodeOption()            {}
func (backoffOption) nodeOption()            {}
func (maxConcurrencyOption) workflowOption() {}
func (hooksOption) workflowOption()          {}
func (triggerOption) nodeOption()            {}
func (continueOption) nodeOption()           {}
func (nonRetryableOption) nodeOption()       {}
func (jitterOption) nodeOption()             {}

// workflowSettings are a workflow's options once applied.
type workflowSettings struct {
	description, version string
	maxConcurrency       int
	hooks                any
	hooksSet             bool
	errs                 []error // bad values
}

func (s *workflowSettings) apply(opts []WorkflowOption) {
	for _, opt := range opts {
		switch o := opt.(type) {
		case nil:
		case descriptionOption:
			s.description = string(o)
		case versionOption:
			s.version = string(o)
		case maxConcurrencyOption:
			if o < 0 {
				s.errs = append(s.errs, fmt.Errorf("max concurrency %d must not be negative", int(o)))
				continue
			}
			s.maxConcurrency = int(o)
		case hooksOption:
			s.hooks, s.hooksSet = o.h, true
		default:
			s.errs = append(s.errs, foreignOption(opt))
		}
	}
}

// nodeSettings are a node's options once applied.
type nodeSettings struct {
	name    string
	nameSet bool
	nodeOptions
	errs []error // bad values
}

func (s *nodeSettings) apply(opts []NodeOption) {
	for _, opt := range opts {
		switch o := opt.(type) {
		case nil:
		case nameOption:
			s.name, s.nameSet = string(o), true
		case descriptionOption:
			s.description = string(o)
		case timeoutOption:
			if o < 0 {
				s.errs = append(s.errs, fmt.Errorf("timeout %v must not be negative", time.Duration(o)))
				continue
			}
			s.timeout = time.Duration(o)
		case retriesOption:
			if o.n < 0 {
				s.errs = append(s.errs, fmt.Errorf("retries %d must not be negative", o.n))
				continue
			}
			if o.delay < 0 {
				s.errs = append(s.errs, fmt.Errorf("retry delay %v must not be negative", o.delay))
				continue
			}
			s.retries, s.retryDelay = o.n, o.delay
		case backoffOption:
			if !(o.factor >= 1) || math.IsInf(o.factor, 1) { // also NaN
				s.errs = append(s.errs, fmt.Errorf("backoff factor %v must be a finite number of at least 1", o.factor))
				continue
			}
			if o.max < 0 {
				s.errs = append(s.errs, fmt.Errorf("backoff cap %v must not be negative", o.max))
				continue
			}
			s.backoff = &backoff{factor: o.factor, max: o.max}
		case triggerOption:
			if !engine.Rule(o).Valid() {
				s.errs = append(s.errs, fmt.Errorf("trigger rule %d is not one of the rules (AllSuccess … Always)", uint8(o)))
				continue
			}
			s.rule = TriggerRule(o)
		case continueOption:
			s.continueOnFailure = true
		case jitterOption:
			s.jitter = true
		case nonRetryableOption:
			s.addNonRetryable(o)
		default:
			s.errs = append(s.errs, foreignOption(opt))
		}
	}
}

func (s *nodeSettings) addNonRetryable(statuses []Status) {
	if len(statuses) == 0 {
		s.errs = append(s.errs, fmt.Errorf("NonRetryable needs at least one status"))
		return
	}
	set := new(statusSet)
	if s.nonRetryable != nil {
		*set = *s.nonRetryable
	}
	for _, st := range statuses {
		switch {
		case st == Completed:
			s.errs = append(s.errs, fmt.Errorf("NonRetryable(COMPLETED): a completed attempt is never retried"))
			return
		case st < 0 || st > 255:
			s.errs = append(s.errs, fmt.Errorf("NonRetryable(%v): a node's status is in 0–255", st))
			return
		}
		set.add(st)
	}
	s.nonRetryable = set
}

// foreignOption reports an option made outside this package (a type that
// embeds an option interface). Only opt's type is read: passing opt itself
// to fmt would make every option escape.
func foreignOption(opt any) error {
	return fmt.Errorf("option of type %v is not one of package runtime", reflect.TypeOf(opt))
}

// Name sets a node's name (default: its Go type name). Names are unique in
// a workflow.
func Name(name string) NodeOption { return nameOption(name) }

// Description documents a workflow or a node.
func Description(text string) Option { return descriptionOption(text) }

// Version sets a workflow's version.
func Version(v string) WorkflowOption { return versionOption(v) }

// Timeout bounds each attempt of a node. The attempt's context carries the
// deadline; when it passes, the attempt is TIMED_OUT whether or not the
// logic returns. A negative timeout is a graph error.
func Timeout(d time.Duration) NodeOption { return timeoutOption(d) }

// Retries gives a node n extra attempts after a failed one, waiting delay
// between attempts. Negative values are graph errors.
func Retries(n int, delay time.Duration) NodeOption { return retriesOption{n, delay} }

// ExponentialBackoff multiplies a node's retry delay by factor after each
// retry, never waiting longer than max (0: no cap): the delay before retry
// k (1-based) is delay × factor^(k-1). Use it with [Retries]. A factor below
// 1, NaN or infinite, or a negative max, is a graph error.
func ExponentialBackoff(factor float64, max time.Duration) NodeOption {
	return backoffOption{factor, max}
}

// MaxConcurrency limits how many nodes of one workflow run at the same time
// (0: no limit). A negative limit is a graph error.
func MaxConcurrency(n int) WorkflowOption { return maxConcurrencyOption(n) }

// Hooks attaches workflow-level lifecycle hooks: h has any of the methods
//
//	OnStart(ctx context.Context)
//	OnSuccess(ctx context.Context)
//	OnFailure(ctx context.Context, err error)
//	OnFinish(ctx context.Context)
//
// which run around every workflow attempt as node hooks run around every
// node attempt (see the package documentation). A value with none of them,
// or with a method that looks like a misspelt hook or has a hook's name but
// another signature, is a graph error ([ErrInvalidHook]).
func Hooks(h any) WorkflowOption { return hooksOption{h} }

// backoff makes a node's retry delay grow: see [ExponentialBackoff].
type backoff struct {
	factor float64
	max    time.Duration // 0: no cap
}

// retryDelay returns the wait before retry k (1-based) for a node with the
// given base delay and optional backoff, before any jitter. The formula is
// the walker's (engine.BackoffDelay), which engines map onto their own
// retry policies.
func retryDelay(base time.Duration, b *backoff, k int) time.Duration {
	if b == nil {
		return base
	}
	return engine.BackoffDelay(base, b.factor, b.max, k)
}
