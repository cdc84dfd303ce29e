package persona

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"time"
)

// Unmapped is the Persona of a contact whose role is not known. Such a
// contact is a valid member of its account: CoverageAt lists it, and
// scoring drops its signals with a reason rather than guess who spoke.
const Unmapped ID = ""

// Contact is a person in an account, mapped to one persona, or Unmapped
// when their role is not known (a job title no rule matched).
//
// Tenure is the half-open interval [Joined, Left): a contact is active at t
// when Joined <= t (inclusive: active from the instant they joined) and
// t < Left (exclusive: gone from the instant they left). A zero Joined means
// "since before records began"; a zero Left means "still there".
type Contact struct {
	ID      string    `json:"id"`
	Account string    `json:"account"`
	Persona ID        `json:"persona"`
	Title   string    `json:"title,omitempty"`
	Joined  time.Time `json:"joined,omitzero"`
	Left    time.Time `json:"left,omitzero"`
}

// ActiveAt reports whether the contact is in the account at time t.
func (c Contact) ActiveAt(t time.Time) bool {
	return (c.Joined.IsZero() || !t.Before(c.Joined)) && (c.Left.IsZero() || t.Before(c.Left))
}

// LeftWithin reports whether the contact left at or before t and no more
// than window before it: a recent departure, as of t.
func (c Contact) LeftWithin(t time.Time, window time.Duration) bool {
	return within(c.Left, t, window)
}

// JoinedWithin reports whether the contact joined at or before t and no
// more than window before it: a recent arrival, as of t.
func (c Contact) JoinedWithin(t time.Time, window time.Duration) bool {
	return within(c.Joined, t, window)
}

func within(when, t time.Time, window time.Duration) bool {
	return !when.IsZero() && !when.After(t) && t.Sub(when) <= window
}

// Account is a customer account: the village of contacts, and what the
// vendor earns from it. ARR is annual recurring revenue in the account's
// currency; Renewal is the next renewal date (zero if unknown).
//
// Committee holds where this account's buying decision departs from the
// catalog (see Seat): a persona that weighs more or less here, a veto
// granted or withdrawn, the contacts holding roles such as economic buyer.
// An empty Committee means the catalog's village, as it is.
type Account struct {
	ID        string    `json:"id"`
	Name      string    `json:"name,omitempty"`
	Segment   string    `json:"segment,omitempty"`
	ARR       float64   `json:"arr,omitempty"`
	Renewal   time.Time `json:"renewal,omitzero"`
	Contacts  []Contact `json:"contacts,omitempty"`
	Committee []Seat    `json:"committee,omitempty"`
	// Traits are the account's characteristics and firmographics (industry,
	// employees, region, stack...), by name, as text; a FitProfile reads
	// them. Characteristics, not problems.
	Traits map[string]string `json:"traits,omitempty"`
}

// ActiveAt iterates over the contacts active at time t, in the order of
// Contacts. The village at a time is a query over tenure, never a copy.
func (a *Account) ActiveAt(t time.Time) iter.Seq[Contact] {
	return func(yield func(Contact) bool) {
		for _, c := range a.Contacts {
			if c.ActiveAt(t) && !yield(c) {
				return
			}
		}
	}
}

// Validate checks the account against cat and reports every problem at once:
// an empty account ID, a NaN, infinite or negative ARR, and for each contact
// an empty or duplicate ID, an Account field naming another account (an empty
// one is taken to mean this account), a persona the catalog does not know,
// and a Left before Joined; and each committee seat (an unknown kind,
// persona, contact or role, an invalid weight, an Until not after From, two
// seats on the same persona or contact that contradict or repeat each other
// in force at once: ErrInvalidSeat, ErrOverlappingSeats). An account with
// no contacts is valid: it is a village nobody has mapped yet, and its
// coverage is zero.
func (a *Account) Validate(cat *Catalog) error {
	var errs []error
	if a.ID == "" {
		errs = append(errs, fieldErr("account.id", a.ID, ErrEmptyID))
	}
	if !(a.ARR >= 0) || math.IsInf(a.ARR, 1) {
		errs = append(errs, fieldErr("account.arr", a.ARR, ErrInvalidValue))
	}
	seen := make(map[string]bool, len(a.Contacts))
	for i, c := range a.Contacts {
		path := fmt.Sprintf("account.contacts[%d]", i)
		switch {
		case c.ID == "":
			errs = append(errs, fieldErr(path+".id", c.ID, ErrEmptyID))
		case seen[c.ID]:
			errs = append(errs, fieldErr(path+".id", c.ID, ErrDuplicateID))
		}
		seen[c.ID] = true
		if c.Account != "" && c.Account != a.ID {
			errs = append(errs, fieldErr(path+".account", c.Account, ErrWrongAccount))
		}
		if _, ok := cat.Persona(c.Persona); !ok && c.Persona != Unmapped {
			errs = append(errs, fieldErr(path+".persona", string(c.Persona), ErrUnknownPersona))
		}
		if !c.Joined.IsZero() && !c.Left.IsZero() && c.Left.Before(c.Joined) {
			errs = append(errs, fieldErr(path+".left", c.Left.Format(time.RFC3339), ErrInvalidTenure))
		}
	}
	errs = append(errs, a.validateCommittee(cat, seen)...)
	return errors.Join(errs...)
}
