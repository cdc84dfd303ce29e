package scoring

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/villagecx/village/persona"
)

// village is who weighs what and who can veto: the model's (Scorer.base),
// or one account's with its committee seats in force applied.
type village struct {
	personaWeight []float64 // persona weight within its group
	veto          []bool
	effWeight     []float64 // persona's effective weight in the account
	totalWeight   float64
	groupTotal    []float64 // sum of persona weights in each group
	seated        []uint8   // per persona, the kinds of seat applied (seatedWeight, seatedVeto)
}

const (
	seatedWeight uint8 = 1 << iota
	seatedVeto
)

// weigh computes the effective weights from the persona weights: a group
// whose persona weights add up to infinity, or a village with no weight at
// all, is an error.
func (v *village) weigh(s *Scorer) error {
	v.groupTotal = resize(v.groupTotal, len(s.groupWeight))
	for p, g := range s.personaGroup {
		v.groupTotal[g] += v.personaWeight[p]
	}
	var errs []error
	for gi, total := range v.groupTotal {
		if math.IsInf(total, 0) {
			errs = append(errs, fieldErr("groups", s.groupIDs[gi], fmt.Errorf("%w: its persona weights add up to infinity", ErrInvalidValue)))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	v.effWeight = resize(v.effWeight, len(v.personaWeight))
	v.totalWeight = 0
	for p, g := range s.personaGroup {
		if v.groupTotal[g] > 0 {
			v.effWeight[p] = s.groupWeight[g] * v.personaWeight[p] / v.groupTotal[g]
		}
		v.totalWeight += v.effWeight[p]
	}
	if !(v.totalWeight > 0) || math.IsInf(v.totalWeight, 0) {
		return fieldErr("personas", v.totalWeight, ErrNoWeight)
	}
	return nil
}

// villageFor returns the village acct is scored in at time at: the model's
// when no persona seat of its committee is in force (so the common case
// costs a scan of the committee), else a copy in ws with the seats applied.
// Every seat in force is recorded in dst.Committee. A seat in force that
// cannot be applied (unknown kind, persona or contact, invalid weight, two
// contradicting seats, a village left with no weight) is an error wrapping
// persona.ErrInvalidSeat: never a silent fallback to the model's village.
// It needs ws.byID (sortContacts) for role seats.
func (s *Scorer) villageFor(dst *Result, ws *workspace, acct *persona.Account, at time.Time) (*village, error) {
	v := &s.base
	bad := func(i int, seat *persona.Seat, why string) error {
		return fmt.Errorf("scoring: account %q: committee[%d] (%s): %s: %w", acct.ID, i, seat, why, persona.ErrInvalidSeat)
	}
	for i := range acct.Committee {
		seat := &acct.Committee[i]
		if !seat.ActiveAt(at) {
			continue
		}
		dst.Committee = append(dst.Committee, *seat)
		if seat.Kind == persona.SeatRole {
			if s.findContact(ws, acct.Contacts, seat.Contact) < 0 {
				return nil, bad(i, seat, "no such contact")
			}
			continue
		}
		p, ok := s.cat.Index(seat.Persona)
		if !ok {
			return nil, bad(i, seat, "unknown persona")
		}
		if v == &s.base {
			v = ws.ownVillage(&s.base)
		}
		switch seat.Kind {
		case persona.SeatWeight:
			if !validWeight(seat.Weight) {
				return nil, bad(i, seat, "invalid weight")
			}
			if v.seated[p]&seatedWeight != 0 {
				return nil, bad(i, seat, "a second weight for the persona in force")
			}
			v.seated[p] |= seatedWeight
			v.personaWeight[p] = seat.Weight
		case persona.SeatVeto, persona.SeatNoVeto:
			if v.seated[p]&seatedVeto != 0 {
				return nil, bad(i, seat, "a second veto seat for the persona in force")
			}
			v.seated[p] |= seatedVeto
			v.veto[p] = seat.Kind == persona.SeatVeto
		default:
			return nil, bad(i, seat, "unknown kind")
		}
	}
	if v != &s.base {
		if err := v.weigh(s); err != nil {
			return nil, fmt.Errorf("scoring: account %q: the committee in force: %w: %w", acct.ID, persona.ErrInvalidSeat, err)
		}
	}
	return v, nil
}

// ownVillage returns the workspace's village, reset to a copy of base.
func (ws *workspace) ownVillage(base *village) *village {
	v := &ws.village
	v.personaWeight = append(v.personaWeight[:0], base.personaWeight...)
	v.veto = append(v.veto[:0], base.veto...)
	v.seated = resize(v.seated, len(base.veto))
	return v
}
