package scoring_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// The case: the only finance executive of an account answers NPS 0
// six times in two weeks. The one-level model counts them as one answer
// (N = 1) however often they answer, so they stay a warning; with
// PersonSpread = Spread their six answers are six independent draws around
// their own level, N = 6 by Kish's size of the recency weights (a little
// under six), and 0 + 1.28*25/sqrt(~5.97) = 13.1 < 30 vetoes. One answer
// stays a warning under both (0 + 1.28*25/1 = 32 > 30).
func TestPersonSpreadSoleFinanceExecutiveVetoes(t *testing.T) {
	cat := persona.B2B()
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{
		{ID: "cfo", Account: "acme", Persona: persona.FinanceExecutive},
		{ID: "eu1", Account: "acme", Persona: persona.EndUser},
	}}
	var six []scoring.Signal
	for i := range 6 {
		six = append(six, scoring.Signal{Account: "acme", Contact: "cfo", Metric: "nps", Value: 0, At: t0.Add(-time.Duration(i*56) * time.Hour)})
	}
	one := six[:1]

	oneLevel := scoring.DefaultModel(cat)
	twoLevel := oneLevel
	twoLevel.PersonSpread = twoLevel.Spread
	for _, tc := range []struct {
		name     string
		model    scoring.Model
		signals  []scoring.Signal
		wantVeto bool
	}{
		{"one-level model, six answers: still a warning", oneLevel, six, false},
		{"two-level model, six answers: a veto", twoLevel, six, true},
		{"one-level model, one answer: a warning", oneLevel, one, false},
		{"two-level model, one answer: a warning", twoLevel, one, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := mustCompile(t, tc.model, cat).Score(acct, tc.signals, t0)
			if err != nil {
				t.Fatal(err)
			}
			if r.Veto.Persona != persona.FinanceExecutive {
				t.Fatalf("veto persona %q, want %q (a warning at least)", r.Veto.Persona, persona.FinanceExecutive)
			}
			if r.Veto.Conclusive != tc.wantVeto || r.Veto.Applied != tc.wantVeto {
				t.Errorf("conclusive %v applied %v, want %v", r.Veto.Conclusive, r.Veto.Applied, tc.wantVeto)
			}
		})
	}
}

// Hand-computed effective sizes on one 0..100 metric with no decay and no
// shrinkage (plainModel, Spread 20), PersonSpread 16: omega = 0.64 of an
// answer's variance is the person's own, 0.36 between people.
func TestPersonSpreadEffectiveN(t *testing.T) {
	cat := testCatalog(t)
	model := plainModel()
	model.PersonSpread = 16
	s := mustCompile(t, model, cat)
	members := func(n int) persona.Account {
		a := persona.Account{ID: "acme"}
		for i := range n {
			a.Contacts = append(a.Contacts, persona.Contact{ID: fmt.Sprint("c", i), Account: "acme", Persona: "a1"})
		}
		return a
	}
	answers := func(contact string, k int) []scoring.Signal {
		var out []scoring.Signal
		for i := range k {
			out = append(out, sig(contact, 40, time.Duration(i+1)*day))
		}
		return out
	}
	anonymous := scoring.Signal{Account: "acme", Persona: "a1", Metric: "score", Value: 40, At: t0.Add(-day)}
	for _, tc := range []struct {
		name    string
		acct    persona.Account
		signals []scoring.Signal
		want    float64
	}{
		// Everyone heard: only the person's own noise is left, W/a.
		{"the only member, heard once: 1/0.64", members(1), answers("c0", 1), 1 / 0.64},
		{"the only member, heard four times: 4/0.64", members(1), answers("c0", 4), 4 / 0.64},
		// Two of four heard once: sum(w^2)=2, (1-h/N)=0.5:
		// n = 2^2 / (2*(0.36*0.5 + 0.64)) = 4/1.64.
		{"two of four members, once each: 4/1.64", members(4), append(answers("c0", 1), answers("c1", 1)...), 4 / 1.64},
		// One of four heard twice: n = 1 / (0.36*0.75 + 0.64/2) = 1/0.59.
		{"one of four members, twice: 1/0.59", members(4), answers("c2", 2), 1 / 0.59},
		// An anonymous answer: the population is not known, h/N = 0:
		// n = 2^2 / (0.36*2 + 0.64*(1/1 + 1/1)) = 4/2 = 2, the one-level Kish size.
		{"one member and an anonymous answer: 2", members(1), append(answers("c0", 1), anonymous), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := s.Score(tc.acct, tc.signals, t0)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Personas) != 1 {
				t.Fatalf("personas %+v", r.Personas)
			}
			near(t, "N", r.Personas[0].N, tc.want, 1e-12)
			// No shrinkage: the standard error is Spread/sqrt(N).
			near(t, "StdErr", r.Personas[0].StdErr, 20/math.Sqrt(tc.want), 1e-9)
		})
	}
}

func TestPersonSpreadOutOfRangeIsAnError(t *testing.T) {
	for _, v := range []float64{-1, 20.5, math.NaN(), math.Inf(1)} {
		model := plainModel()
		model.PersonSpread = v
		_, err := scoring.Compile(model, testCatalog(t))
		var fe *scoring.FieldError
		if !errors.As(err, &fe) || fe.Field != "person_spread" || !errors.Is(err, scoring.ErrInvalidValue) {
			t.Errorf("PersonSpread %v: error %v, want a FieldError on person_spread wrapping ErrInvalidValue", v, err)
		}
	}
}

// The two-level variance is checked against realised errors: a persona of
// N members whose levels differ (between people, a share 0.36 of an
// answer's variance) answers with the members' own noise (0.64); h of them, drawn at random,
// answer 1 to 3 times each. Over many accounts the variance of Raw around
// the members' true mean level must match Spread^2/N reported (no
// shrinkage, so that Raw is the estimate whose variance N describes). The
// one-level model's N is checked to miss, so that the test can fail. Spread
// is 8 here (own 6.4, between 4.8) so that no answer leaves 0..100.
func TestPersonSpreadVarianceMatchesSimulation(t *testing.T) {
	const spread, own = 8.0, 6.4
	between := math.Sqrt(spread*spread - own*own)
	cat := testCatalog(t)
	model := plainModel()
	model.Spread, model.PersonSpread = spread, own
	twoLevel := mustCompile(t, model, cat)
	model.PersonSpread = 0
	oneLevel := mustCompile(t, model, cat)
	rng := rand.New(rand.NewPCG(7, 32))
	for _, tc := range []struct{ members, heard int }{{1, 1}, {3, 3}, {5, 2}, {20, 4}} {
		t.Run(fmt.Sprintf("%d of %d heard", tc.heard, tc.members), func(t *testing.T) {
			const reps = 4000
			var sumSq, predicted, predictedOne float64
			for range reps {
				acct := persona.Account{ID: "acme"}
				levels := make([]float64, tc.members)
				var truth float64
				for i := range tc.members {
					levels[i] = 50 + between*rng.NormFloat64()
					truth += levels[i] / float64(tc.members)
					acct.Contacts = append(acct.Contacts, persona.Contact{ID: fmt.Sprint("c", i), Account: "acme", Persona: "a1"})
				}
				var signals []scoring.Signal
				for _, i := range rng.Perm(tc.members)[:tc.heard] {
					for k := range 1 + rng.IntN(3) {
						signals = append(signals, sig(fmt.Sprint("c", i), levels[i]+own*rng.NormFloat64(), time.Duration(k+1)*day))
					}
				}
				r, err := twoLevel.Score(acct, signals, t0)
				if err != nil || len(r.Personas) != 1 || r.SignalsUsed != len(signals) {
					t.Fatalf("err %v, result %+v", err, r)
				}
				p := r.Personas[0]
				sumSq += (p.Raw - truth) * (p.Raw - truth)
				predicted += spread * spread / p.N
				r1, _ := oneLevel.Score(acct, signals, t0)
				predictedOne += spread * spread / r1.Personas[0].N
			}
			realised := sumSq / reps
			// The realised variance of 4,000 normal errors is within
			// about 3*sqrt(2/4000) = 6.7% of its expectation.
			if rel := realised/(predicted/reps) - 1; math.Abs(rel) > 0.07 {
				t.Errorf("realised variance %.2f, two-level model predicts %.2f (%+.1f%%)", realised, predicted/reps, 100*rel)
			}
			if rel := realised/(predictedOne/reps) - 1; math.Abs(rel) < 0.15 {
				t.Errorf("the one-level model predicts %.2f, within 15%% of the realised %.2f: the check cannot tell the models apart", predictedOne/reps, realised)
			}
		})
	}
}
