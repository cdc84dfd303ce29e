package journey

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/villagecx/village/persona"
)

// ExpectationSet is a set of jobs to be done that an account is buying
// for: why it bought this time. Accounts can be segmented by their active set.
type ExpectationSet struct {
	ID   string
	Jobs []persona.Job
}

// TriggerKind is what switched an account's expectations.
type TriggerKind string

// The kinds of trigger.
const (
	NewExecutive  TriggerKind = "new executive"
	NewInitiative TriggerKind = "new initiative"
	RenewalWindow TriggerKind = "renewal window"
)

// Trigger is an event that makes an account buy for a different reason:
// from At on, expectation set Set is active.
type Trigger struct {
	Account string
	Kind    TriggerKind
	At      time.Time
	Set     string
	Detail  string
}

// Expectations tracks which expectation set is active in each account over
// time. It is immutable and safe for concurrent use.
type Expectations struct {
	sets     map[string]ExpectationSet
	initial  map[string]string
	triggers map[string][]Trigger // by account, sorted by time
}

// NewExpectations validates the sets, each account's initial set and the
// triggers: every set named must exist, set IDs must be unique.
func NewExpectations(sets []ExpectationSet, initial map[string]string, triggers []Trigger) (*Expectations, error) {
	e := &Expectations{sets: map[string]ExpectationSet{}, initial: initial, triggers: map[string][]Trigger{}}
	for _, s := range sets {
		if s.ID == "" {
			return nil, fmt.Errorf("journey: expectation set with no ID: %w", ErrInvalid)
		}
		if _, dup := e.sets[s.ID]; dup {
			return nil, fmt.Errorf("journey: expectation set %q: %w", s.ID, ErrDuplicate)
		}
		e.sets[s.ID] = s
	}
	for a, s := range initial {
		if _, ok := e.sets[s]; !ok {
			return nil, fmt.Errorf("journey: account %q starts with unknown set %q: %w", a, s, ErrNotFound)
		}
	}
	for _, t := range triggers {
		if _, ok := e.sets[t.Set]; !ok {
			return nil, fmt.Errorf("journey: trigger for %q names unknown set %q: %w", t.Account, t.Set, ErrNotFound)
		}
		e.triggers[t.Account] = append(e.triggers[t.Account], t)
	}
	for a := range e.triggers {
		slices.SortStableFunc(e.triggers[a], func(x, y Trigger) int { return x.At.Compare(y.At) })
	}
	return e, nil
}

// Active returns the account's expectation set at time at: the set of the
// latest trigger at or before at, else its initial set.
func (e *Expectations) Active(account string, at time.Time) (ExpectationSet, bool) {
	id := e.initial[account]
	for _, t := range e.triggers[account] {
		if t.At.After(at) {
			break
		}
		id = t.Set
	}
	s, ok := e.sets[id]
	return s, ok
}

// Change is an account whose active expectation set changed.
type Change struct {
	Account  string
	From, To string
	Trigger  Trigger
}

// Changed lists the accounts whose active set changed in (from, to], with
// the trigger that changed it, sorted by account; a trigger that names the
// set already active is not a change.
func (e *Expectations) Changed(from, to time.Time) []Change {
	var out []Change
	for a, ts := range e.triggers {
		before, _ := e.Active(a, from)
		after, _ := e.Active(a, to)
		if before.ID == after.ID {
			continue
		}
		var last Trigger
		for _, t := range ts {
			if t.At.After(from) && !t.At.After(to) {
				last = t
			}
		}
		out = append(out, Change{Account: a, From: before.ID, To: after.ID, Trigger: last})
	}
	slices.SortFunc(out, func(x, y Change) int { return cmp.Compare(x.Account, y.Account) })
	return out
}

// DetectTriggers finds triggers in the accounts themselves over (from, to]:
// a new executive (a contact whose persona is a decider, economic buyer or
// sponsor joined), and a renewal coming within lead after to. sets names
// the expectation set each kind switches to; a kind with no set is not
// reported. Triggers come sorted by account and time.
func DetectTriggers(accounts []persona.Account, cat *persona.Catalog, from, to time.Time, lead time.Duration, sets map[TriggerKind]string) []Trigger {
	var out []Trigger
	for _, a := range accounts {
		if set, ok := sets[NewExecutive]; ok {
			for _, c := range a.Contacts {
				p, ok := cat.Persona(c.Persona)
				if !ok || !c.Joined.After(from) || c.Joined.After(to) {
					continue
				}
				if p.Role == persona.RoleDecider || p.Role == persona.RoleEconomicBuyer || p.Role == persona.RoleSponsor {
					out = append(out, Trigger{Account: a.ID, Kind: NewExecutive, At: c.Joined, Set: set,
						Detail: fmt.Sprintf("%s (%s) joined", c.ID, p.ID)})
				}
			}
		}
		if set, ok := sets[RenewalWindow]; ok && !a.Renewal.IsZero() && a.Renewal.After(to) && !a.Renewal.After(to.Add(lead)) {
			out = append(out, Trigger{Account: a.ID, Kind: RenewalWindow, At: to, Set: set,
				Detail: "renews " + a.Renewal.Format(time.DateOnly)})
		}
	}
	slices.SortStableFunc(out, func(x, y Trigger) int { return cmp.Or(cmp.Compare(x.Account, y.Account), x.At.Compare(y.At)) })
	return out
}
