package persona

import (
	"errors"
	"fmt"
)

// Sentinel errors name the kind of a validation problem. The errors returned by
// this package wrap them in a *FieldError, so test for a kind with errors.Is and
// read the offending field and value with errors.As.
var (
	ErrEmptyID        = errors.New("empty ID")
	ErrDuplicateID    = errors.New("duplicate ID")
	ErrUnknownGroup   = errors.New("unknown group")
	ErrUnknownPersona = errors.New("unknown persona")
	ErrInvalidWeight  = errors.New("weight must be finite and >= 0")
	ErrInvalidRole    = errors.New("unknown buying-centre role")
	ErrEmptyCatalog   = errors.New("catalog has no personas")
	ErrInvalidTenure  = errors.New("contact left before it joined")
	ErrWrongAccount   = errors.New("contact belongs to another account")
	ErrInvalidValue   = errors.New("value out of range")
	ErrNoRatings      = errors.New("no ratings")
	// ErrInvalidSeat: a committee seat that cannot be applied (see Seat).
	ErrInvalidSeat = errors.New("invalid committee seat")
	// ErrOverlappingSeats: two seats on the same persona or contact in force at once.
	ErrOverlappingSeats = errors.New("overlapping committee seats")
)

// FieldError reports one invalid field: where it is (a path such as
// "personas[2].weight"), the value found there, and the kind of problem.
type FieldError struct {
	Field string // path of the field, e.g. `personas[2].group`
	Value any    // the offending value
	Err   error  // one of the sentinel errors above
}

// Error describes the problem: where, what value, and what is wrong with it.
func (e *FieldError) Error() string {
	return fmt.Sprintf("persona: %s %#v: %v", e.Field, e.Value, e.Err)
}

// Unwrap returns the sentinel error, so errors.Is(err, ErrDuplicateID) works.
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field string, value any, kind error) error {
	return &FieldError{Field: field, Value: value, Err: kind}
}
