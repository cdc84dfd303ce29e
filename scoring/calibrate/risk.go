package calibrate

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"golang.org/x/exp/stats"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// Risk is one account's revenue at risk: its annual recurring revenue times
// the probability that it does not renew, read from a calibrated Link at the
// account's score, with the range that the score's interval gives, and the
// personas whose view would move it most.
type Risk struct {
	Account string
	ARR     float64
	Score   float64
	// Renew is P(renew) at the score; RenewLow and RenewHigh at the ends of
	// the score's interval (for a link rising with the score, at Low and High).
	Renew, RenewLow, RenewHigh float64
	// AtRisk is ARR*(1 - Renew), between AtRiskLow = ARR*(1 - max P) and
	// AtRiskHigh = ARR*(1 - min P) over the interval.
	AtRisk, AtRiskLow, AtRiskHigh float64
	// Levers are the personas heard in the account, the one whose move to the
	// base's typical score would change P(renew) most first.
	Levers []Lever
}

// Lever is what one persona's view is worth in an account: the change in
// P(renew) if its score moved from what it is to the base's typical
// (median) score for the persona, all else held (see RevenueAtRisk).
type Lever struct {
	Persona persona.ID
	Score   float64 // the persona's score in the account
	Typical float64 // the median of the persona's scores over the accounts where it was heard
	Change  float64 // P(renew) at the moved score minus P(renew) now
}

// RevenueAtRisk ranks accounts by revenue at risk, largest first (ties by
// account ID): "which renewals to worry about, and whose view to change".
// accounts[i] is the account scored in results[i]; the link is a
// calibration's (Report.Link), for scores of the same model.
//
// A lever moves one persona's score to the base's median for that persona
// and recomputes the account score from its parts (Result.Sum): the
// persona's contribution changes by Weight*(Typical - Score); a veto cap by
// another persona still applies, one by the persona itself is lifted; the
// model's terms (soft veto, events) are held as they are. Personas not heard
// have no lever: the first thing to change there is to hear them
// (Result.Missing).
//
// Accounts whose result is not scored are left out and their IDs returned
// in unscored. Errors: lengths that differ, a result for another account, an
// ARR that is negative, NaN or infinite (ErrInvalidInput).
func RevenueAtRisk(link Link, accounts []persona.Account, results []scoring.Result) (risks []Risk, unscored []string, err error) {
	if len(accounts) != len(results) {
		return nil, nil, fmt.Errorf("calibrate: %d accounts and %d results: %w", len(accounts), len(results), ErrInvalidInput)
	}
	scores := map[persona.ID][]float64{}
	for i := range results {
		r := &results[i]
		if r.Account != accounts[i].ID {
			return nil, nil, fmt.Errorf("calibrate: result %d is for %q, account %d is %q: %w", i, r.Account, i, accounts[i].ID, ErrInvalidInput)
		}
		if arr := accounts[i].ARR; !(arr >= 0) || math.IsInf(arr, 1) {
			return nil, nil, fmt.Errorf("calibrate: account %q: ARR %v: %w", r.Account, arr, ErrInvalidInput)
		}
		if r.Scored {
			for _, p := range r.Personas {
				scores[p.Persona] = append(scores[p.Persona], p.Score)
			}
		}
	}
	typical := make(map[persona.ID]float64, len(scores))
	for id, s := range scores {
		typical[id] = stats.Median(s)
	}

	for i := range results {
		r := &results[i]
		if !r.Scored {
			unscored = append(unscored, r.Account)
			continue
		}
		arr := accounts[i].ARR
		pLow, pHigh := link.Probability(r.Low), link.Probability(r.High)
		risk := Risk{
			Account: r.Account, ARR: arr, Score: r.Score,
			Renew: link.Probability(r.Score), RenewLow: pLow, RenewHigh: pHigh,
		}
		risk.AtRisk = arr * (1 - risk.Renew)
		risk.AtRiskLow = arr * (1 - math.Max(pLow, pHigh))
		risk.AtRiskHigh = arr * (1 - math.Min(pLow, pHigh))
		// The lever moves the sum of the parts before the veto cap and the
		// clamp to 0..100, then caps and clamps it again.
		uncapped := r.Score - r.VetoAdjustment
		for _, t := range r.Terms {
			if t.Kind == scoring.TermClamp {
				uncapped -= t.Points
			}
		}
		for _, p := range r.Personas {
			moved := uncapped + p.Weight*(typical[p.Persona]-p.Score)
			if r.Veto.Applied && r.Veto.Persona != p.Persona {
				moved = math.Min(moved, r.Veto.Score)
			}
			moved = math.Min(math.Max(moved, 0), 100)
			risk.Levers = append(risk.Levers, Lever{
				Persona: p.Persona, Score: p.Score, Typical: typical[p.Persona],
				Change: link.Probability(moved) - risk.Renew,
			})
		}
		slices.SortStableFunc(risk.Levers, func(a, b Lever) int { return cmp.Compare(math.Abs(b.Change), math.Abs(a.Change)) })
		risks = append(risks, risk)
	}
	slices.SortStableFunc(risks, func(a, b Risk) int {
		if c := cmp.Compare(b.AtRisk, a.AtRisk); c != 0 {
			return c
		}
		return cmp.Compare(a.Account, b.Account)
	})
	return risks, unscored, nil
}
