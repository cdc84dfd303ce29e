package scoring

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/villagecx/village/persona"
)

// Explain writes a readable explanation of r: the score and how sure it is,
// who moved it and by how much, the veto, who was not heard, and what was
// dropped and why.
func (r *Result) Explain(w io.Writer) error {
	ew := &errWriter{w: w}
	if !r.Scored {
		ew.printf("%s: no score (%s): nobody with weight in the model was heard; coverage %.0f%%\n",
			r.Account, r.Band, 100*r.Coverage)
	} else {
		ew.printf("%s: %.1f (%.1f..%.1f), %s; coverage %.0f%%, effective n %.1f from %d signals\n",
			r.Account, r.Score, r.Low, r.High, r.Band, 100*r.Coverage, r.EffectiveN, r.SignalsUsed)
		ew.printf("  baseline %.1f\n", r.Baseline)
		for _, p := range r.Personas {
			ew.printf("  %+6.1f  %-14s score %5.1f ± %4.1f  weight %4.1f%%  %d contact(s), %d signal(s)%s\n",
				p.Contribution, p.Persona, p.Score, p.StdErr, 100*p.Weight, p.Contacts, p.Signals, vetoMark(p.Veto))
		}
		if r.PriorContribution != 0 {
			ew.printf("  %+6.1f  personas not heard, at their priors\n", r.PriorContribution)
		}
		for _, t := range r.Terms {
			ew.printf("  %+6.1f  %s\n", t.Points, t.String())
		}
		if r.Veto.Applied {
			ew.printf("  %+6.1f  veto: %s (answers averaging %.1f) caps the account at its score %.1f\n",
				r.VetoAdjustment, r.Veto.Persona, r.Veto.Raw, r.Veto.Score)
		} else if r.Veto.Persona != "" && !r.Veto.Conclusive {
			ew.printf("  warning: veto holder %s (answers averaging %.1f) is below the veto threshold, on too little evidence to veto yet\n",
				r.Veto.Persona, r.Veto.Raw)
		} else if r.Veto.Persona != "" {
			ew.printf("  warning: veto holder %s (answers averaging %.1f) is below the veto threshold; its score %.1f is above the account's\n",
				r.Veto.Persona, r.Veto.Raw, r.Veto.Score)
		}
	}
	if len(r.Committee) > 0 {
		parts := make([]string, len(r.Committee))
		for i, seat := range r.Committee {
			parts[i] = seat.String()
		}
		ew.printf("  committee: %s\n", strings.Join(parts, "; "))
	}
	if len(r.Missing) > 0 {
		if r.MissingAtPrior {
			ew.printf("  not heard, counted at the prior: %s\n", joinIDs(r.Missing))
		} else {
			ew.printf("  not heard: %s\n", joinIDs(r.Missing))
		}
	}
	if len(r.SingleThreaded) > 0 {
		ew.printf("  heard from one person only: %s\n", joinIDs(r.SingleThreaded))
	}
	if len(r.Dropped) > 0 {
		counts := make(map[Reason]int)
		var order []Reason
		for _, d := range r.Dropped {
			if counts[d.Reason] == 0 {
				order = append(order, d.Reason)
			}
			counts[d.Reason]++
		}
		parts := make([]string, len(order))
		for i, reason := range order {
			parts[i] = fmt.Sprintf("%d %s", counts[reason], reason)
		}
		ew.printf("  dropped %d signal(s): %s\n", len(r.Dropped), strings.Join(parts, "; "))
	}
	return ew.err
}

// String says in words why the term applied, as Explain writes it, e.g.
// "champion left 41 days ago".
func (t Term) String() string {
	days := time.Duration(t.Age).Hours() / 24
	switch t.Kind {
	case TermSoftVeto:
		return fmt.Sprintf("soft veto: veto holder %s answers %.1f below the threshold", t.Persona, t.Under)
	case TermLeft:
		return fmt.Sprintf("%s left %.0f days ago", t.who(), days)
	case TermJoinedUnheard:
		return fmt.Sprintf("%s joined %.0f days ago and is not heard yet", t.who(), days)
	case TermFit:
		return fmt.Sprintf("customer fit: fit score %+g", t.FitScore)
	case TermClamp:
		return "kept within 0..100"
	}
	return string(t.Kind)
}

// who names the person an event is about: the persona, or the committee
// role with the persona in parentheses ("economic-buyer (finance-exec)").
func (t Term) who() string {
	switch {
	case t.Role == persona.RoleUnspecified:
		return string(t.Persona)
	case t.Persona == persona.Unmapped:
		return t.Role.String()
	}
	return fmt.Sprintf("%s (%s)", t.Role, t.Persona)
}

// String returns the explanation Explain writes.
func (r Result) String() string {
	var b strings.Builder
	r.Explain(&b)
	return b.String()
}

func vetoMark(veto bool) string {
	if veto {
		return "  (veto holder)"
	}
	return ""
}

func joinIDs[S ~string](ids []S) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = string(id)
	}
	return strings.Join(parts, ", ")
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
