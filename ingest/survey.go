package ingest

import (
	"fmt"
	"io"
	"iter"
	"math"

	"github.com/villagecx/village/persona"
)

// PlannedUnit is one row of a survey plan: a contact selected to be asked,
// with its stratum, its inclusion probability and the number of units its
// stratum had to choose from (for the finite-population correction).
type PlannedUnit struct {
	Contact    string
	Account    string
	Stratum    string
	Prob       float64
	Population float64
}

var planColumns = []string{"contact", "account", "stratum", "prob", "population"}

// Plan reads a survey plan with columns contact, account, stratum, prob
// and population (all required but account). prob must be in (0, 1] and
// population a whole number of at least 1 (or 0: unknown, no fpc).
func Plan(r io.Reader, format Format, file string, cols Columns) (*Reader[PlannedUnit], error) {
	return newReader(r, format, file, cols, planColumns, []string{"contact", "stratum", "prob", "population"}, func(rec record) (PlannedUnit, string, string) {
		u := PlannedUnit{Contact: rec.get("contact"), Account: rec.get("account"), Stratum: rec.get("stratum")}
		if u.Contact == "" {
			return u, "contact", "missing value"
		}
		if u.Stratum == "" {
			return u, "stratum", "missing value"
		}
		raw, col, reason := need(rec, "prob")
		if reason != "" {
			return u, col, reason
		}
		var err error
		if u.Prob, err = number(raw); err != nil || !(u.Prob > 0 && u.Prob <= 1) {
			return u, "prob", fmt.Sprintf("not a probability in (0, 1]: %q", raw)
		}
		raw, col, reason = need(rec, "population")
		if reason != "" {
			return u, col, reason
		}
		if u.Population, err = number(raw); err != nil || u.Population < 0 || u.Population != math.Trunc(u.Population) {
			return u, "population", fmt.Sprintf("not a whole number >= 0: %q", raw)
		}
		return u, "", ""
	})
}

// WritePlan writes planned units in the format Plan reads.
func WritePlan(w io.Writer, format Format, units iter.Seq[PlannedUnit]) error {
	return writeAll(w, format, planColumns, units, func(u PlannedUnit) []any {
		return []any{u.Contact, u.Account, u.Stratum, u.Prob, u.Population}
	})
}

// Answer is one survey answer: who gave it and the value (an NPS answer
// is 0..10).
type Answer struct {
	Contact string
	Value   float64
}

// Answers reads survey answers with columns contact and value (both
// required; value a finite number).
func Answers(r io.Reader, format Format, file string, cols Columns) (*Reader[Answer], error) {
	logical := []string{"contact", "value"}
	return newReader(r, format, file, cols, logical, logical, func(rec record) (Answer, string, string) {
		a := Answer{Contact: rec.get("contact")}
		if a.Contact == "" {
			return a, "contact", "missing value"
		}
		var col, reason string
		a.Value, col, reason = needNumber(rec, "value")
		return a, col, reason
	})
}

// WriteAnswers writes answers in the format Answers reads.
func WriteAnswers(w io.Writer, format Format, answers iter.Seq[Answer]) error {
	return writeAll(w, format, []string{"contact", "value"}, answers, func(a Answer) []any { return []any{a.Contact, a.Value} })
}

// Invitation is one row of a listening plan (village plan --objective
// renewal): a contact to invite, why, and what their answer is expected to
// be worth.
type Invitation struct {
	Contact string
	Account string
	Persona persona.ID
	// Prob is the inclusion probability: 1 in a greedy plan.
	Prob float64
	// Value is what the answer is expected to be worth (the expected
	// squared move of the account's outcome, times the chance of an answer).
	Value float64
	// Why says it in words.
	Why string
}

// WriteInvitations writes a listening plan with columns contact, account,
// persona, stratum (the persona again), prob, population (0: not known),
// value and why, so that Plan reads it as a survey plan too.
func WriteInvitations(w io.Writer, format Format, invitations iter.Seq[Invitation]) error {
	cols := []string{"contact", "account", "persona", "stratum", "prob", "population", "value", "why"}
	return writeAll(w, format, cols, invitations, func(v Invitation) []any {
		return []any{v.Contact, v.Account, string(v.Persona), string(v.Persona), v.Prob, 0.0, v.Value, v.Why}
	})
}
