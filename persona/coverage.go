package persona

import (
	"fmt"
	"strings"
	"time"
)

// PersonaPresence is one persona present in an account at a time, with the
// IDs of its active contacts in the account's contact order.
type PersonaPresence struct {
	Persona  ID       `json:"persona"`
	Contacts []string `json:"contacts"`
}

// Coverage describes how much of the village a vendor can reach in one
// account at one time, measured against a catalog.
type Coverage struct {
	Account string    `json:"account"`
	At      time.Time `json:"at"`
	// Present lists the personas with at least one active contact, in catalog order.
	Present []PersonaPresence `json:"present,omitempty"`
	// Missing lists the catalog's personas with no active contact, in catalog order.
	Missing []ID `json:"missing,omitempty"`
	// SingleThreaded lists the present personas that hang on exactly one
	// active contact: lose that person and the persona is gone.
	SingleThreaded []ID `json:"single_threaded,omitempty"`
	// Unmapped lists active contacts whose persona is Unmapped or one the
	// catalog does not know; they are reported here rather than silently
	// ignored.
	Unmapped []string `json:"unmapped,omitempty"`
	// WeightShare is the share of the village's total effective weight held
	// by the present personas, in [0, 1], with the weights of the account's
	// committee seats in force (Account.EffectiveWeightsAt); 0 when the total
	// weight is 0.
	WeightShare float64 `json:"weight_share"`
}

// CoverageAt computes the coverage of acct at time t against cat. Contacts
// are taken as active by Contact.ActiveAt. An account with no contacts has
// every persona missing and a WeightShare of 0.
func CoverageAt(acct *Account, cat *Catalog, t time.Time) Coverage {
	cov := Coverage{Account: acct.ID, At: t}
	contacts := make([][]string, cat.Len())
	for c := range acct.ActiveAt(t) {
		i, ok := cat.Index(c.Persona)
		if !ok {
			cov.Unmapped = append(cov.Unmapped, c.ID)
			continue
		}
		contacts[i] = append(contacts[i], c.ID)
	}
	weights, total := acct.EffectiveWeightsAt(cat, t)
	var present float64
	for i, p := range cat.Personas() {
		switch n := len(contacts[i]); {
		case n == 0:
			cov.Missing = append(cov.Missing, p.ID)
			continue
		case n == 1:
			cov.SingleThreaded = append(cov.SingleThreaded, p.ID)
		}
		cov.Present = append(cov.Present, PersonaPresence{Persona: p.ID, Contacts: contacts[i]})
		present += weights[i]
	}
	if total > 0 {
		cov.WeightShare = present / total
	}
	return cov
}

// String summarises the coverage on a few lines, e.g.
//
//	account acme at 2026-01-01: 62% of the village's weight reachable
//	  present: cio (1), end-user (14)
//	  missing: finance-exec, security
//	  single-threaded: cio
func (c Coverage) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "account %s at %s: %.0f%% of the village's weight reachable\n",
		c.Account, c.At.Format(time.DateOnly), 100*c.WeightShare)
	present := make([]string, len(c.Present))
	for i, p := range c.Present {
		present[i] = fmt.Sprintf("%s (%d)", p.Persona, len(p.Contacts))
	}
	writeList(&b, "present", present)
	writeList(&b, "missing", c.Missing)
	writeList(&b, "single-threaded", c.SingleThreaded)
	if len(c.Unmapped) > 0 {
		writeList(&b, "contacts with an unknown persona", c.Unmapped)
	}
	return b.String()
}

func writeList[S ~string](b *strings.Builder, label string, items []S) {
	b.WriteString("  " + label + ": ")
	if len(items) == 0 {
		b.WriteString("none\n")
		return
	}
	for i, s := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(s))
	}
	b.WriteString("\n")
}
