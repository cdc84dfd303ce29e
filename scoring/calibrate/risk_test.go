package calibrate_test

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
	"github.com/villagecx/village/scoring/calibrate"
)

// By hand, with the link P(s) = 1/(1 + exp(-2(s - 50)/50)):
//
//	a: score 40 (30..50), ARR 1000: P = sigma(-0.4) = 0.4013, at risk 598.69,
//	   598.69 between 1000*(1 - P(50)) = 500 and 1000*(1 - P(30)) = 689.97.
//	b: score 60, ARR 500: P = sigma(0.4), at risk 200.66.
//	c: score 20, capped by x's veto from 50, ARR 2000: P = sigma(-1.2), at
//	   risk 1537.05.
//	d: not scored.
//
// Typical scores (medians where heard): x of 30, 70, 20 is 30; y of 50, 50,
// 80 is 50. Levers: in b, x moving 70 -> 30 takes 0.5*40 = 20 points: P
// falls to sigma(-0.4). In c, x holds the veto: moving 20 -> 30 lifts the
// cap and adds 5 to the uncapped 50: P rises to sigma(0.2); y moving 80 ->
// 50 would give 35, still capped at 20 by x: no change.
func TestRevenueAtRiskHandComputed(t *testing.T) {
	sigma := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	link := calibrate.Link{Intercept: 0, Slope: 2}
	ps := func(x, y float64) []scoring.PersonaScore {
		return []scoring.PersonaScore{{Persona: "x", Score: x, Weight: 0.5}, {Persona: "y", Score: y, Weight: 0.5}}
	}
	accounts := []persona.Account{{ID: "a", ARR: 1000}, {ID: "b", ARR: 500}, {ID: "c", ARR: 2000}, {ID: "d", ARR: 100}}
	results := []scoring.Result{
		{Account: "a", Scored: true, Score: 40, Low: 30, High: 50, Personas: ps(30, 50)},
		{Account: "b", Scored: true, Score: 60, Low: 50, High: 70, Personas: ps(70, 50)},
		{Account: "c", Scored: true, Score: 20, Low: 10, High: 30, VetoAdjustment: -30,
			Veto: scoring.Veto{Persona: "x", Score: 20, Applied: true, Conclusive: true}, Personas: ps(20, 80)},
		{Account: "d"},
	}
	risks, unscored, err := calibrate.RevenueAtRisk(link, accounts, results)
	if err != nil {
		t.Fatal(err)
	}
	pa, pb, pc := sigma(-0.4), sigma(0.4), sigma(-1.2)
	want := []calibrate.Risk{
		{Account: "c", ARR: 2000, Score: 20, Renew: pc, RenewLow: sigma(-1.6), RenewHigh: sigma(-0.8),
			AtRisk: 2000 * (1 - pc), AtRiskLow: 2000 * (1 - sigma(-0.8)), AtRiskHigh: 2000 * (1 - sigma(-1.6)),
			Levers: []calibrate.Lever{{Persona: "x", Score: 20, Typical: 30, Change: sigma(0.2) - pc}, {Persona: "y", Score: 80, Typical: 50, Change: 0}}},
		{Account: "a", ARR: 1000, Score: 40, Renew: pa, RenewLow: sigma(-0.8), RenewHigh: 0.5,
			AtRisk: 1000 * (1 - pa), AtRiskLow: 500, AtRiskHigh: 1000 * (1 - sigma(-0.8)),
			Levers: []calibrate.Lever{{Persona: "x", Score: 30, Typical: 30}, {Persona: "y", Score: 50, Typical: 50}}},
		{Account: "b", ARR: 500, Score: 60, Renew: pb, RenewLow: 0.5, RenewHigh: sigma(0.8),
			AtRisk: 500 * (1 - pb), AtRiskLow: 500 * (1 - sigma(0.8)), AtRiskHigh: 250,
			Levers: []calibrate.Lever{{Persona: "x", Score: 70, Typical: 30, Change: pa - pb}, {Persona: "y", Score: 50, Typical: 50}}},
	}
	if d := cmp.Diff(want, risks, cmpopts.EquateApprox(0, 1e-12)); d != "" {
		t.Errorf("risks (-want +got):\n%s", d)
	}
	if len(unscored) != 1 || unscored[0] != "d" {
		t.Errorf("unscored = %v", unscored)
	}

	for name, tc := range map[string]struct {
		accounts []persona.Account
		results  []scoring.Result
	}{
		"lengths differ":           {accounts[:2], results},
		"a result for another one": {[]persona.Account{{ID: "z"}}, results[:1]},
		"a NaN ARR":                {[]persona.Account{{ID: "a", ARR: math.NaN()}}, results[:1]},
	} {
		if _, _, err := calibrate.RevenueAtRisk(link, tc.accounts, tc.results); !errors.Is(err, calibrate.ErrInvalidInput) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A lever moves the parts before the clamp: an account whose terms pushed
// it to -20, clamped to 0 (a clamp term of +20), with x at 10 and y at 50
// (weights 0.5) and typical scores 30 and 50. Raising x to its typical
// moves the unclamped sum by 0.5*20 = +10, to -10: still 0, so no change;
// from the clamped 0 it would wrongly read as 10.
func TestRevenueAtRiskLeverBeforeTheClamp(t *testing.T) {
	link := calibrate.Link{Intercept: 0, Slope: 2}
	accounts := []persona.Account{{ID: "a", ARR: 1000}, {ID: "t", ARR: 1}}
	results := []scoring.Result{
		{Account: "a", Scored: true, Score: 0, Low: 0, High: 10,
			Personas: []scoring.PersonaScore{{Persona: "x", Score: 10, Weight: 0.5}, {Persona: "y", Score: 50, Weight: 0.5}},
			Terms:    []scoring.Term{{Kind: scoring.TermLeft, Points: -50}, {Kind: scoring.TermClamp, Points: 20}}},
		// Sets the typical x at 30.
		{Account: "t", Scored: true, Score: 40, Low: 30, High: 50,
			Personas: []scoring.PersonaScore{{Persona: "x", Score: 30, Weight: 0.5}, {Persona: "y", Score: 50, Weight: 0.5}}},
	}
	risks, _, err := calibrate.RevenueAtRisk(link, accounts, results)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range risks[0].Levers {
		if l.Change != 0 {
			t.Errorf("lever %+v: want no change, the account stays clamped at 0", l)
		}
	}
}
