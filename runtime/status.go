package runtime

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Status is the outcome of a node attempt, a workflow attempt or a whole run.
// Its numeric value is the contract with schedulers: the CLI exits with it.
type Status int

// The statuses of the Fluxly contract. Applications may use their own codes
// in 0–255 (see [DefineStatus]).
const (
	Unknown               Status = -1
	Completed             Status = 0
	Failed                Status = 1
	Waiting               Status = 21
	InProgress            Status = 22
	NoVerdict             Status = 41
	PartialVerdict        Status = 42
	TimedOut              Status = 61
	Cancelled             Status = 62
	InfrastructureError   Status = 63
	DataError             Status = 64
	PrerequisiteFail      Status = 81
	APICallFailure        Status = 82
	NetworkFailure        Status = 83
	DataValidationFailure Status = 84
	DependencyUnavailable Status = 85
)

var statusNames = map[Status]string{
	Unknown:               "UNKNOWN",
	Completed:             "COMPLETED",
	Failed:                "FAILED",
	Waiting:               "WAITING",
	InProgress:            "IN_PROGRESS",
	NoVerdict:             "NO_VERDICT",
	PartialVerdict:        "PARTIAL_VERDICT",
	TimedOut:              "TIMED_OUT",
	Cancelled:             "CANCELLED",
	InfrastructureError:   "INFRASTRUCTURE_ERROR",
	DataError:             "DATA_ERROR",
	PrerequisiteFail:      "PREREQUISITE_FAIL",
	APICallFailure:        "API_CALL_FAILURE",
	NetworkFailure:        "NETWORK_FAILURE",
	DataValidationFailure: "DATA_VALIDATION_FAILURE",
	DependencyUnavailable: "DEPENDENCY_UNAVAILABLE",
}

// Statuses returns the statuses of the contract in code order.
func Statuses() []Status {
	return []Status{Unknown, Completed, Failed, Waiting, InProgress, NoVerdict, PartialVerdict,
		TimedOut, Cancelled, InfrastructureError, DataError, PrerequisiteFail, APICallFailure,
		NetworkFailure, DataValidationFailure, DependencyUnavailable}
}

// customPrefix names application-defined statuses: STATUS_<code>.
const customPrefix = "STATUS_"

// String returns the status name, e.g. "DATA_ERROR"; application-defined
// codes are named STATUS_<code>.
func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return customPrefix + strconv.Itoa(int(s))
}

// Code returns the numeric status code.
func (s Status) Code() int { return int(s) }

// valid reports whether s is a contract status or an application code in 0–255.
func (s Status) valid() bool {
	_, known := statusNames[s]
	return known || (s >= 0 && s <= 255)
}

// MarshalText encodes the status by name, so JSON shows "COMPLETED".
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText accepts a status name or STATUS_<code>.
func (s *Status) UnmarshalText(b []byte) error {
	v, err := ParseStatus(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseStatus returns the status named name ("DATA_ERROR", case-insensitive)
// or an application status written STATUS_<code>.
func ParseStatus(name string) (Status, error) {
	up := strings.ToUpper(strings.TrimSpace(name))
	for s, n := range statusNames {
		if n == up {
			return s, nil
		}
	}
	if rest, ok := strings.CutPrefix(up, customPrefix); ok {
		if code, err := strconv.Atoi(rest); err == nil {
			return DefineStatus(code)
		}
	}
	return Unknown, fmt.Errorf("unknown status %q", name)
}

// DefineStatus returns an application-defined status. Codes outside 0–255
// cannot be process exit codes and are rejected.
func DefineStatus(code int) (Status, error) {
	if code < 0 || code > 255 {
		return Unknown, fmt.Errorf("status %d: a status code must be in 0–255, to be a process exit code", code)
	}
	return Status(code), nil
}

// Error is an error that carries a status. Node logic returns one to end an
// attempt with that status; any other error means FAILED.
type Error struct {
	Status Status
	Msg    string
	Err    error // wrapped cause, if any
}

// Errorf returns an *Error with the given status. Like fmt.Errorf, a %w verb
// wraps its operand.
func Errorf(status Status, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &Error{Status: status, Msg: err.Error(), Err: errors.Unwrap(err)}
}

// WithStatus wraps err so that it carries status. It returns nil for a nil err.
func WithStatus(status Status, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Status: status, Msg: err.Error(), Err: err}
}

// Error returns the message.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the wrapped cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// StatusOf maps an error to its status: nil is COMPLETED; an error carrying a
// status (found with errors.As) gives that status, or FAILED when the code
// is outside 0–255; anything else is FAILED — including a context error the
// node's logic returns from a deadline of its own (the node's and the
// workflow's timeouts are recorded as TIMED_OUT by the scheduler, which
// knows they passed; wrap with [WithStatus] to say otherwise).
func StatusOf(err error) Status {
	if err == nil {
		return Completed
	}
	var se interface{ FluxlyStatus() Status }
	if errors.As(err, &se) {
		if s := se.FluxlyStatus(); s.valid() {
			return s
		}
		return Failed
	}
	return Failed
}

// FluxlyStatus lets StatusOf find the status through any wrapping.
func (e *Error) FluxlyStatus() Status { return e.Status }

// ErrPermanent is in the chain of every error [Permanent] returns:
// errors.Is(err, ErrPermanent) tells a failure that retrying cannot fix.
var ErrPermanent = errors.New("permanent error")

// Permanent marks err as not worth retrying: a node attempt that fails
// with it is its last, whatever [Retries] allows. The status is err's
// ([StatusOf] looks through the mark), and so are its message and chain:
// errors.Is and errors.As find what err wraps. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// permanentError is err marked permanent.
type permanentError struct{ err error }

func (p *permanentError) Error() string        { return p.err.Error() }
func (p *permanentError) Unwrap() error        { return p.err }
func (p *permanentError) Is(target error) bool { return target == ErrPermanent }
