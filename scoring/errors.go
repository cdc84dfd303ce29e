package scoring

import (
	"errors"
	"fmt"
)

// Sentinel errors for the kinds of problem Compile and Score report. The
// errors returned wrap them (in a *FieldError for model problems), so test
// with errors.Is and read details with errors.As. Unknown personas and groups
// wrap persona.ErrUnknownPersona and persona.ErrUnknownGroup instead.
var (
	ErrInvalidValue     = errors.New("invalid value")
	ErrDuplicate        = errors.New("duplicate")
	ErrUnknownMetric    = errors.New("unknown metric")
	ErrUnknownKind      = errors.New("unknown metric kind")
	ErrUnknownRule      = errors.New("unknown group rule")
	ErrNoMetrics        = errors.New("model has no metrics")
	ErrNoWeight         = errors.New("model gives no persona any weight")
	ErrBandOrder        = errors.New("band cut-offs must start at 0 and rise strictly")
	ErrDuplicateContact = errors.New("duplicate contact ID in account")
	ErrWrongAccount     = errors.New("accumulator belongs to another account or time")
	ErrCorrupt          = errors.New("corrupt accumulator encoding")
	ErrForeignBatch     = errors.New("batch prepared by another scorer")
	ErrUnknownField     = errors.New("unknown field")
	ErrMissingField     = errors.New("missing or null required field")
)

// FieldError reports one invalid field of a Model, or of a Signal read from
// JSON: its path (for example "metrics[1].max"), the value found there, and
// the kind of problem.
type FieldError struct {
	Field string
	Value any
	Err   error
}

// Error describes the problem: where, what value, and what is wrong with it.
func (e *FieldError) Error() string {
	return fmt.Sprintf("scoring: %s %#v: %v", e.Field, e.Value, e.Err)
}

// Unwrap returns the kind of problem.
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field string, value any, kind error) error {
	return &FieldError{Field: field, Value: value, Err: kind}
}

// Reason says why a signal was not used. Every signal given to Score is
// either used or listed in Result.Dropped with a Reason; none is lost.
type Reason uint8

// The reasons a signal is dropped.
const (
	_                       Reason = iota
	ReasonUnknownMetric            // the model has no metric of that name
	ReasonNotFinite                // the value is NaN or infinite
	ReasonOutOfScale               // the value is outside the metric's scale (never clamped)
	ReasonFuture                   // the signal is dated after the scoring time
	ReasonExpired                  // the signal is older than the model's MaxAge
	ReasonNoIdentity               // the signal names neither a contact nor a persona
	ReasonUnknownContact           // the contact is not in the account
	ReasonInactiveContact          // the contact is not in the account at the scoring time
	ReasonUnknownPersona           // the persona is not in the catalog
	ReasonWrongAccount             // the signal names another account
	ReasonMetricNotWeighted        // the model gives this metric no weight for this persona
	ReasonDuplicate                // same contact, metric and time as a signal that was kept
	ReasonUnmappedContact          // the contact's persona is not known (persona.Unmapped)
)

var reasonNames = [...]string{
	ReasonUnknownMetric:     "unknown metric",
	ReasonNotFinite:         "value is NaN or infinite",
	ReasonOutOfScale:        "value outside the metric's scale",
	ReasonFuture:            "dated after the scoring time",
	ReasonExpired:           "older than the model's max age",
	ReasonNoIdentity:        "no contact and no persona",
	ReasonUnknownContact:    "contact not in the account",
	ReasonInactiveContact:   "contact not in the account at the scoring time",
	ReasonUnknownPersona:    "unknown persona",
	ReasonWrongAccount:      "signal belongs to another account",
	ReasonMetricNotWeighted: "metric has no weight for this persona",
	ReasonDuplicate:         "duplicate of another signal (same contact, metric and time)",
	ReasonUnmappedContact:   "contact's persona not known (unmapped job title)",
}

// String describes the reason in words.
func (r Reason) String() string {
	if r > 0 && int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// MarshalText encodes the reason as its String form.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText decodes a reason from its String form.
func (r *Reason) UnmarshalText(text []byte) error {
	for i, name := range reasonNames {
		if i > 0 && name == string(text) {
			*r = Reason(i)
			return nil
		}
	}
	return fmt.Errorf("scoring: unknown drop reason %q", text)
}
