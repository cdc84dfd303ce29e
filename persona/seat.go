package persona

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"time"
)

// SeatKind says what a Seat changes in its account.
type SeatKind string

// The kinds of seat. The first three change a persona's place in the
// account's buying decision; SeatRole names a person's part in it.
const (
	// SeatWeight: in this account, Persona's weight within its group is
	// Weight instead of the catalog's (or the scoring model's). 0 takes the
	// persona out of this account's decision.
	SeatWeight SeatKind = "weight"
	// SeatVeto: in this account, Persona can kill the renewal alone, whether
	// or not the catalog gives it a veto (procurement where the MSA needs
	// its signature).
	SeatVeto SeatKind = "veto"
	// SeatNoVeto: in this account, Persona's veto is withdrawn (finance
	// where the budget is pre-approved).
	SeatNoVeto SeatKind = "no-veto"
	// SeatRole: Contact holds Role in this account (the economic buyer, the
	// executive sponsor, the champion), whatever their persona.
	SeatRole SeatKind = "role"
)

// Seat is one departure of an account's buying committee from the catalog:
// who decides here, who can kill it, and who holds which part. A seat is in
// force over [From, Until): from From inclusive (zero: since before
// records began) to Until exclusive (zero: still). An account's seats are
// its Committee; Account.Validate checks them.
//
// A persona seat (SeatWeight, SeatVeto, SeatNoVeto) names Persona and
// leaves Contact and Role empty; a role seat (SeatRole) names Contact and a
// Role and leaves Persona empty. Weight is read only by SeatWeight.
type Seat struct {
	Kind    SeatKind  `json:"kind"`
	Persona ID        `json:"persona,omitempty"`
	Contact string    `json:"contact,omitempty"`
	Role    Role      `json:"role,omitempty"`
	Weight  float64   `json:"weight,omitempty"`
	From    time.Time `json:"from,omitzero"`
	Until   time.Time `json:"until,omitzero"`
	// Note says why, for the people reading an explanation ("MSA requires
	// procurement sign-off").
	Note string `json:"note,omitempty"`
}

// ActiveAt reports whether the seat is in force at t.
func (s Seat) ActiveAt(t time.Time) bool {
	return (s.From.IsZero() || !t.Before(s.From)) && (s.Until.IsZero() || t.Before(s.Until))
}

// String describes the seat in a few words, e.g. "procurement holds a veto"
// or "contact c7 is the economic-buyer", with its note in parentheses.
func (s Seat) String() string {
	var text string
	switch s.Kind {
	case SeatWeight:
		text = fmt.Sprintf("%s weighs %g in its group", s.Persona, s.Weight)
	case SeatVeto:
		text = fmt.Sprintf("%s holds a veto", s.Persona)
	case SeatNoVeto:
		text = fmt.Sprintf("%s holds no veto", s.Persona)
	case SeatRole:
		text = fmt.Sprintf("contact %s is the %s", s.Contact, s.Role)
	default:
		text = fmt.Sprintf("seat of kind %q", string(s.Kind))
	}
	if s.Note != "" {
		text += " (" + s.Note + ")"
	}
	return text
}

// SeatsAt iterates over the account's seats in force at t, in Committee order.
func (a *Account) SeatsAt(t time.Time) iter.Seq[Seat] {
	return func(yield func(Seat) bool) {
		for _, s := range a.Committee {
			if s.ActiveAt(t) && !yield(s) {
				return
			}
		}
	}
}

// VetoAt reports whether persona p holds a veto in the account at t: the
// catalog's Veto unless a SeatVeto or SeatNoVeto in force says otherwise.
// ok is false for a persona the catalog does not know.
func (a *Account) VetoAt(cat *Catalog, p ID, t time.Time) (veto, ok bool) {
	per, ok := cat.Persona(p)
	if !ok {
		return false, false
	}
	veto = per.Veto
	for s := range a.SeatsAt(t) {
		if s.Persona == p && (s.Kind == SeatVeto || s.Kind == SeatNoVeto) {
			veto = s.Kind == SeatVeto
		}
	}
	return veto, true
}

// RoleAt returns the contacts of the account holding role r at t, in
// Committee order.
func (a *Account) RoleAt(r Role, t time.Time) []string {
	var ids []string
	for s := range a.SeatsAt(t) {
		if s.Kind == SeatRole && s.Role == r {
			ids = append(ids, s.Contact)
		}
	}
	return ids
}

// validateCommittee checks each seat and that no two seats that would
// contradict each other are in force at the same time: two weights for a
// persona, a veto and a withdrawal (or two of either) for a persona, the
// same role twice on a contact. contacts holds the account's contact IDs.
func (a *Account) validateCommittee(cat *Catalog, contacts map[string]bool) []error {
	var errs []error
	for i, s := range a.Committee {
		path := fmt.Sprintf("account.committee[%d]", i)
		switch s.Kind {
		case SeatWeight, SeatVeto, SeatNoVeto:
			if _, ok := cat.Persona(s.Persona); !ok {
				errs = append(errs, fieldErr(path+".persona", string(s.Persona), ErrUnknownPersona))
			}
			if s.Contact != "" || s.Role != RoleUnspecified {
				errs = append(errs, fieldErr(path, s.Contact, fmt.Errorf("%w: a %s seat names a persona, not a contact or a role", ErrInvalidSeat, s.Kind)))
			}
			if s.Kind == SeatWeight && !(s.Weight >= 0 && !math.IsInf(s.Weight, 1)) {
				errs = append(errs, fieldErr(path+".weight", s.Weight, ErrInvalidWeight))
			}
		case SeatRole:
			if !contacts[s.Contact] {
				errs = append(errs, fieldErr(path+".contact", s.Contact, fmt.Errorf("%w: not a contact of the account", ErrInvalidSeat)))
			}
			if s.Role == RoleUnspecified || int(s.Role) >= len(roleNames) {
				errs = append(errs, fieldErr(path+".role", s.Role.String(), ErrInvalidRole))
			}
			if s.Persona != "" {
				errs = append(errs, fieldErr(path+".persona", string(s.Persona), fmt.Errorf("%w: a role seat names a contact, not a persona", ErrInvalidSeat)))
			}
		default:
			errs = append(errs, fieldErr(path+".kind", string(s.Kind), fmt.Errorf("%w: unknown kind", ErrInvalidSeat)))
			continue
		}
		if s.Kind != SeatWeight && s.Weight != 0 {
			errs = append(errs, fieldErr(path+".weight", s.Weight, fmt.Errorf("%w: only a weight seat has a weight", ErrInvalidSeat)))
		}
		if !s.From.IsZero() && !s.Until.IsZero() && !s.Until.After(s.From) {
			errs = append(errs, fieldErr(path+".until", s.Until.Format(time.RFC3339), fmt.Errorf("%w: a seat ends after it starts", ErrInvalidSeat)))
		}
		for j, o := range a.Committee[:i] {
			if s.conflicts(o) {
				errs = append(errs, fieldErr(path, s.String(), fmt.Errorf("%w: in force at the same time as committee[%d]", ErrOverlappingSeats, j)))
			}
		}
	}
	return errs
}

// conflicts reports whether s and o say contradictory or repeated things
// about the same persona or contact at some common time.
func (s Seat) conflicts(o Seat) bool {
	veto := func(k SeatKind) bool { return k == SeatVeto || k == SeatNoVeto }
	same := false
	switch {
	case s.Kind == SeatWeight && o.Kind == SeatWeight, veto(s.Kind) && veto(o.Kind):
		same = s.Persona == o.Persona
	case s.Kind == SeatRole && o.Kind == SeatRole:
		same = s.Contact == o.Contact && s.Role == o.Role
	}
	return same && overlap(s.From, s.Until, o.From, o.Until)
}

// overlap reports whether [from1, until1) and [from2, until2) meet, a zero
// bound being open.
func overlap(from1, until1, from2, until2 time.Time) bool {
	startsBeforeEnd := func(from, until time.Time) bool {
		return from.IsZero() || until.IsZero() || from.Before(until)
	}
	return startsBeforeEnd(from1, until2) && startsBeforeEnd(from2, until1)
}

// EffectiveWeightsAt returns each catalog persona's effective weight in the
// account at t (its group's weight times its share of the group), with the
// account's SeatWeight seats in force replacing the catalog's persona
// weights, and their total. Without such seats it is the catalog's
// EffectiveWeight and TotalWeight.
func (a *Account) EffectiveWeightsAt(cat *Catalog, t time.Time) (weights []float64, total float64) {
	weights = make([]float64, cat.Len())
	for i, p := range cat.Personas() {
		weights[i] = p.Weight
	}
	for s := range a.SeatsAt(t) {
		if i, ok := cat.Index(s.Persona); ok && s.Kind == SeatWeight {
			weights[i] = s.Weight
		}
	}
	groupTotal := make([]float64, len(cat.groups))
	for i, w := range weights {
		groupTotal[cat.groupOf[i]] += w
	}
	for i, w := range weights {
		g := cat.groupOf[i]
		if groupTotal[g] > 0 {
			weights[i] = cat.groups[g].Weight * w / groupTotal[g]
		} else {
			weights[i] = 0
		}
		total += weights[i]
	}
	return weights, total
}

// CompareSeats orders seats canonically, by kind, persona, contact, role,
// from, until, weight and note, for engines that gather an account's seats
// in no particular order (a distributed join) and want the same Committee,
// and so the same Result, whatever the order.
func CompareSeats(a, b Seat) int {
	return cmp.Or(
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Persona, b.Persona),
		cmp.Compare(a.Contact, b.Contact),
		cmp.Compare(a.Role, b.Role),
		a.From.Compare(b.From),
		a.Until.Compare(b.Until),
		cmp.Compare(a.Weight, b.Weight),
		cmp.Compare(a.Note, b.Note),
	)
}
