package runtime

import (
	"fmt"

	"github.com/fluxly-go/fluxly/internal/spec/engine"
)

// TriggerRule decides, from its parents' outcomes, whether a node runs or
// is skipped: the Airflow rules of the same names. The zero value is no
// rule: the node runs once every parent has finished and every incoming
// edge allows it, and is skipped otherwise (see the package
// documentation's table). Give a node a rule with [Trigger].
type TriggerRule uint8

// The trigger rules. Their values are those of the internal walker's
// rules (engine.Rule), which share the decision table.
const (
	AllSuccess              TriggerRule = iota + 1 // every parent succeeded
	AllDone                                        // every parent is done, whatever happened
	NoneFailed                                     // every parent is done and none failed
	NoneFailedMinOneSuccess                        // every parent is done, none failed, one succeeded
	OneSuccess                                     // as soon as one parent succeeded
	OneFailed                                      // as soon as one parent failed
	AllFailed                                      // every parent failed
	Always                                         // at once, without waiting for parents
)

// String returns the rule's Airflow name, such as "none_failed", or ""
// for no rule.
func (r TriggerRule) String() string {
	if !engine.Rule(r).Valid() {
		return fmt.Sprintf("TriggerRule(%d)", uint8(r))
	}
	return engine.Rule(r).String()
}

// MarshalText encodes the rule by its Airflow name.
func (r TriggerRule) MarshalText() ([]byte, error) {
	if !engine.Rule(r).Valid() {
		return nil, fmt.Errorf("runtime: unknown trigger rule %d", uint8(r))
	}
	return []byte(r.String()), nil
}

// Trigger gives a node a trigger rule: it then runs or is skipped by its
// parents' outcomes as the rule says, instead of requiring every incoming
// edge to allow it. An unknown rule is a graph error.
func Trigger(rule TriggerRule) NodeOption { return triggerOption(rule) }

// ContinueOnFailure lets a node fail without failing any execution group:
// the workflow goes on, and ends COMPLETED if nothing else failed a
// group. The node's records keep their failed status, and its children
// see it as a failed parent (their trigger rules decide what that means).
func ContinueOnFailure() NodeOption { return continueOption{} }

// NonRetryable ends a node's attempts at once when one ends with any of
// statuses, whatever its [Retries] allow. COMPLETED, and statuses outside
// 0–255, are graph errors.
func NonRetryable(statuses ...Status) NodeOption { return nonRetryableOption(statuses) }

// Jitter draws each of a node's retry delays uniformly in [0, d], d being
// the delay [Retries] and [ExponentialBackoff] give ("full jitter"), so
// that nodes failing together do not retry together. The source is
// math/rand/v2's, or the one given with [WithRand].
func Jitter() NodeOption { return jitterOption{} }

// statusSet is a set of statuses 0–255.
type statusSet [4]uint64

func (s *statusSet) add(st Status)      { s[st>>6] |= 1 << (st & 63) }
func (s *statusSet) has(st Status) bool { return st >= 0 && st <= 255 && s[st>>6]&(1<<(st&63)) != 0 }

// names returns the statuses' names in code order.
func (s *statusSet) names() []string {
	var out []string
	for st := Status(0); st <= 255; st++ {
		if s.has(st) {
			out = append(out, st.String())
		}
	}
	return out
}
