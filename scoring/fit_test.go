package scoring_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// The fit term adds Points per fit point, explained, and the parts still
// add up: an account with fit score 2 under a term of 1.5 points per fit
// point scores 3 points above the same account without the term.
func TestFitTerm(t *testing.T) {
	cat := persona.B2B()
	profile := persona.FitProfile{Rules: []persona.FitRule{
		{Trait: "industry", Is: []string{"banking"}, Points: 2, Reason: "regulated"},
	}, Good: 1, Poor: -1}
	plain := mustCompile(t, scoring.DefaultModel(cat), cat)
	m := scoring.DefaultModel(cat)
	m.Fit = &scoring.FitTerm{Profile: profile, Points: 1.5}
	withFit := mustCompile(t, m, cat)
	acct := persona.Account{ID: "acme", Traits: map[string]string{"industry": "banking"},
		Contacts: []persona.Contact{{ID: "vp", Persona: persona.LineOfBusiness}}}
	sigs := []scoring.Signal{{Contact: "vp", Metric: "nps", Value: 8, At: t0.Add(-day)}}
	r0, _ := plain.Score(acct, sigs, t0)
	r1, err := withFit.Score(acct, sigs, t0)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "score with the fit term", r1.Score, r0.Score+3, 1e-12)
	near(t, "sum of parts", r1.Sum(), r1.Score, 1e-12)
	if !strings.Contains(r1.String(), "+3.0  customer fit: fit score +2") {
		t.Errorf("Explain:\n%s", r1)
	}
	acct.Traits = nil // fit score 0: no term
	if r, _ := withFit.Score(acct, sigs, t0); len(r.Terms) != 0 {
		t.Errorf("terms for an account of fit 0: %+v", r.Terms)
	}

	for _, bad := range []*scoring.FitTerm{
		{Profile: persona.FitProfile{Rules: []persona.FitRule{{Trait: "industry"}}, Good: 1, Poor: -1}, Points: 1},
		{Profile: profile, Points: math.NaN()},
		{Profile: profile, Points: 101},
	} {
		m.Fit = bad
		_, err := scoring.Compile(m, cat)
		var fe *scoring.FieldError
		if !errors.Is(err, scoring.ErrInvalidValue) || !errors.As(err, &fe) || !strings.HasPrefix(fe.Field, "fit.") {
			t.Errorf("Compile with fit %+v: %v", bad, err)
		}
	}
}
