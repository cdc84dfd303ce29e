package sampling

import (
	"errors"
	"fmt"
)

// Sentinel errors for the kinds of problem this package reports. Returned
// errors wrap them, usually in a *Error that says where; test with errors.Is.
var (
	ErrInvalidValue     = errors.New("invalid value")
	ErrEmpty            = errors.New("nothing to work with")
	ErrLength           = errors.New("lengths do not match")
	ErrLonelyPSU        = errors.New("stratum has a single primary sampling unit")
	ErrUnknownCell      = errors.New("unit in a cell with no population total")
	ErrEmptyCell        = errors.New("cell with a population total but no sample")
	ErrZeroCell         = errors.New("cell with a sample but a population total of 0")
	ErrInconsistent     = errors.New("margins do not add up to the same total")
	ErrNotConverged     = errors.New("did not converge")
	ErrInfeasible       = errors.New("constraints cannot all be met")
	ErrUnknownStratum   = errors.New("unknown stratum")
	ErrDuplicateStratum = errors.New("duplicate stratum")
	ErrUnknownColumn    = errors.New("no such column")
)

// Error reports a problem with one named input: which, the value found, and
// the kind (one of the sentinels).
type Error struct {
	What  string // e.g. "y[12]", "stratum \"cio\"", "margin 1 cell \"Yes\""
	Value any
	Err   error
}

// Error describes the problem.
func (e *Error) Error() string {
	if e.Value == nil {
		return fmt.Sprintf("sampling: %s: %v", e.What, e.Err)
	}
	return fmt.Sprintf("sampling: %s %v: %v", e.What, e.Value, e.Err)
}

// Unwrap returns the kind of problem.
func (e *Error) Unwrap() error { return e.Err }

func errf(kind error, value any, format string, args ...any) error {
	return &Error{What: fmt.Sprintf(format, args...), Value: value, Err: kind}
}
