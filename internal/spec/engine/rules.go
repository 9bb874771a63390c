package engine

import (
	"fmt"
	"time"
)

// Rule is a node's trigger rule. The values are those of
// runtime.TriggerRule: Default (0) is no rule, the behaviour of spec §2.
type Rule uint8

// The trigger rules, in the order of runtime.TriggerRule's constants.
const (
	Default Rule = iota
	AllSuccess
	AllDone
	NoneFailed
	NoneFailedMinOneSuccess
	OneSuccess
	OneFailed
	AllFailed
	Always
)

var ruleNames = [...]string{
	Default: "", AllSuccess: "all_success", AllDone: "all_done", NoneFailed: "none_failed",
	NoneFailedMinOneSuccess: "none_failed_min_one_success", OneSuccess: "one_success",
	OneFailed: "one_failed", AllFailed: "all_failed", Always: "always",
}

// String returns the rule's Airflow name, "" for Default.
func (r Rule) String() string {
	if int(r) < len(ruleNames) {
		return ruleNames[r]
	}
	return fmt.Sprintf("Rule(%d)", r)
}

// Valid reports whether r is one of the rules above.
func (r Rule) Valid() bool { return int(r) < len(ruleNames) }

// Early reports whether a node with rule r may start before all its
// parents have finished: one_success and one_failed fire as soon as one
// parent qualifies, always does not wait for parents at all.
func (r Rule) Early() bool { return r == OneSuccess || r == OneFailed || r == Always }

// Verdict is what a trigger rule decides from the parents' outcomes so far.
type Verdict uint8

// Verdicts.
const (
	Wait Verdict = iota // not decided yet: more parents must finish
	Run                 // the node starts now
	Skip                // the node is skipped
)

// Outcome is a parent's outcome as its child sees it: the edge's kind is
// evaluated first (a conditional edge whose condition is false, or an
// on-success edge whose source did not complete, makes the parent count
// as Skipped for that child), then the parent's status decides.
type Outcome uint8

// Outcomes.
const (
	Succeeded Outcome = iota // the parent COMPLETED and its edge allows the child
	Failed                   // the parent finished with any other status and its edge allows the child
	Skipped                  // the parent was skipped, or its edge said no
)

// OutcomeOf classifies one parent for one child: allow is what the edge
// said (true for plain edges; the condition for conditional ones;
// parent COMPLETED for on-success ones), completed whether the parent's
// final status is COMPLETED.
func OutcomeOf(allow, completed bool) Outcome {
	switch {
	case !allow:
		return Skipped
	case completed:
		return Succeeded
	}
	return Failed
}

// Decide applies rule r to a node with parents parents, of which
// succeeded, failed and skipped have an outcome so far. It is the one
// table both the local scheduler and the walker use; the package
// documentation of runtime states it. A node without parents runs
// whatever its rule; Always runs at once. Every other rule that can only
// refuse waits for all parents before skipping: no rule skips early.
//
// Default is not decided here (the scheduler keeps its own counter for
// it), but its row is given for the walker: it runs once every parent is
// done unless one is Skipped, and is skipped then.
func Decide(r Rule, parents, succeeded, failed, skipped int) Verdict {
	if parents == 0 || r == Always {
		return Run
	}
	if succeeded+failed+skipped < parents {
		switch {
		case r == OneSuccess && succeeded > 0:
			return Run
		case r == OneFailed && failed > 0:
			return Run
		}
		return Wait
	}
	ok := false
	switch r {
	case Default:
		ok = skipped == 0
	case AllSuccess:
		ok = succeeded == parents
	case AllDone:
		ok = true
	case NoneFailed:
		ok = failed == 0
	case NoneFailedMinOneSuccess:
		ok = failed == 0 && succeeded > 0
	case OneSuccess:
		ok = succeeded > 0
	case OneFailed:
		ok = failed > 0
	case AllFailed:
		ok = failed == parents
	}
	if ok {
		return Run
	}
	return Skip
}

// BackoffDelay is the wait before retry k (1-based) for a node whose
// first retry waits base, each later one factor times the one before
// (factor below 1, such as 0: no backoff at all, and no cap either),
// never more than max (0: no cap). It saturates near 146 years rather
// than overflowing.
func BackoffDelay(base time.Duration, factor float64, max time.Duration, k int) time.Duration {
	if factor < 1 || k <= 1 {
		return base
	}
	d := float64(base)
	for i := 1; i < k; i++ {
		d *= factor
		if max > 0 && d >= float64(max) {
			return max
		}
		if d > float64(1<<62) {
			return time.Duration(1 << 62)
		}
	}
	return time.Duration(d)
}
