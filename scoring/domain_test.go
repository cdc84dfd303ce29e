package scoring_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// DOMAIN.md: some roles "can kill a renewal on their own: a veto". With the
// veto decided on the shrunk score, a sole finance executive's worst answers
// scored (0 + 2*50)/3 = 33.3 at best and never reached the threshold of 30:
// a CFO giving six worst-possible answers left the account at 57.6, band
// "watch" (issue 19). On the evidence, one strongly negative veto holder
// vetoes alone.
func TestLoneVetoHolderCanVeto(t *testing.T) {
	cat := persona.B2B()
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{
		{ID: "cfo", Persona: persona.FinanceExecutive},
		{ID: "dana", Persona: persona.LineOfBusiness},
		{ID: "eli", Persona: persona.EndUser}, {ID: "fay", Persona: persona.EndUser},
	}}
	happy := []scoring.Signal{
		{Contact: "dana", Metric: "nps", Value: 10, At: t0.Add(-10 * day)},
		{Contact: "eli", Metric: "nps", Value: 10, At: t0.Add(-12 * day)},
		{Contact: "fay", Metric: "csat", Value: 5, At: t0.Add(-3 * day)},
	}
	worst := []scoring.Signal{
		{Contact: "cfo", Metric: "nps", Value: 0, At: t0.Add(-5 * day)},
		{Contact: "cfo", Metric: "nps", Value: 0, At: t0.Add(-40 * day)},
		{Contact: "cfo", Metric: "csat", Value: 1, At: t0.Add(-6 * day)},
		{Contact: "cfo", Metric: "csat", Value: 1, At: t0.Add(-41 * day)},
		{Contact: "cfo", Metric: "ces", Value: 7, At: t0.Add(-7 * day)},
		{Contact: "cfo", Metric: "ces", Value: 7, At: t0.Add(-42 * day)},
	}
	r, err := s.Score(acct, append(happy, worst...), t0)
	if err != nil {
		t.Fatal(err)
	}
	// The CFO's answers are 0 on NPS, CSAT and CES, one person on each, with
	// metric weights 2, 1, 1 renormalised to 1/2, 1/4, 1/4: N = 1/(1/4 +
	// 1/16 + 1/16) = 8/3, score 2*50/(8/3 + 2) = 21.43. The evidence at the
	// default level 0.9: 0 + 1.2816*25/sqrt(8/3) = 19.6, below 30: the veto
	// caps the account.
	if !r.Veto.Applied || r.Veto.Persona != persona.FinanceExecutive {
		t.Fatalf("veto = %+v; want the CFO's veto applied\n%s", r.Veto, r.String())
	}
	near(t, "score", r.Score, 100/(8.0/3+2), 1e-9)
	if r.Band != "at risk" {
		t.Errorf("band %q, want at risk", r.Band)
	}
	if !strings.Contains(r.String(), "veto: finance-exec (answers averaging 0.0) caps the account at its score 21.4") {
		t.Errorf("Explain does not say who vetoed and why:\n%s", r.String())
	}

	// A detractor on two metrics is enough: NPS 0 and CSAT 1, weights 2/3
	// and 1/3, N = 1/(4/9 + 1/9) = 1.8, 0 + 32.04/sqrt(1.8) = 23.9 < 30; the
	// cap is the shrunk score 2*50/3.8 = 26.3.
	r, _ = s.Score(acct, append(happy, worst[0], worst[2]), t0)
	if !r.Veto.Applied {
		t.Errorf("a CFO detractor on two metrics: veto = %+v", r.Veto)
	}
	near(t, "two metrics: score", r.Score, 100/3.8, 1e-9)

	// One answer is a warning, not yet a veto: raw 0, N = 1, 0 + 1.2816*25 =
	// 32 > 30.
	r, _ = s.Score(acct, append(happy, worst[0]), t0)
	if r.Veto.Applied || r.Veto.Conclusive || r.Veto.Persona != persona.FinanceExecutive {
		t.Errorf("a lone detractor answer: veto = %+v, want a warning", r.Veto)
	}
	if !strings.Contains(r.String(), "warning: veto holder finance-exec (answers averaging 0.0) is below the veto threshold, on too little evidence to veto yet") {
		t.Errorf("no warning:\n%s", r.String())
	}

	// One lukewarm answer is not conclusive either: CSAT 2 of 5 is 25, and
	// 25 + 32 = 57 > 30.
	r, _ = s.Score(acct, append(happy, scoring.Signal{Contact: "cfo", Metric: "csat", Value: 2, At: t0}), t0)
	if r.Veto.Applied || r.Veto.Conclusive {
		t.Errorf("a lukewarm CFO vetoed: %+v", r.Veto)
	}

	// The old rule, on the shrunk score, never lets the lone CFO veto.
	m := scoring.DefaultModel(cat)
	m.VetoOn = scoring.VetoOnScore
	r, _ = mustCompile(t, m, cat).Score(acct, append(happy, worst[0]), t0)
	if r.Veto.Persona != "" {
		t.Errorf("VetoOnScore: a lone detractor at 33.3 vetoed: %+v", r.Veto)
	}
	// A level of 0.5 vetoes on the raw mean alone.
	m.VetoOn, m.VetoLevel = scoring.VetoOnEvidence, 0.5
	r, _ = mustCompile(t, m, cat).Score(acct, append(happy, scoring.Signal{Contact: "cfo", Metric: "csat", Value: 2, At: t0}), t0)
	if !r.Veto.Applied {
		t.Errorf("level 0.5: a raw mean of 25 below 30 did not veto: %+v", r.Veto)
	}
}

// DOMAIN.md: roles differ in weight. Renormalising over the personas heard
// let one end user carry 37.5% of an account against the CFO's 27.3%,
// though their catalog weights are 0.105 and 0.175 (issue 19). Counted at
// the prior, the personas not heard keep their place, and so every persona
// heard keeps its catalog share.
func TestUnheardPersonasCountAtThePrior(t *testing.T) {
	cat := persona.B2B()
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{
		{ID: "cfo", Persona: persona.FinanceExecutive}, {ID: "eli", Persona: persona.EndUser},
	}}
	r, _ := s.Score(acct, []scoring.Signal{
		{Contact: "cfo", Metric: "nps", Value: 8, At: t0},
		{Contact: "eli", Metric: "nps", Value: 10, At: t0},
	}, t0)
	for _, p := range r.Personas {
		want := map[persona.ID]float64{persona.FinanceExecutive: 0.175, persona.EndUser: 0.105}[p.Persona]
		near(t, string(p.Persona)+" weight", p.Weight, want, 1e-12)
	}
	if !r.MissingAtPrior || len(r.Missing) != 7 || !strings.Contains(r.String(), "not heard, counted at the prior:") {
		t.Errorf("missing %v (at prior %v)\n%s", r.Missing, r.MissingAtPrior, r.String())
	}

	// By hand on the small catalog: a1 (weight 1 of group A's 4; A weighs 2
	// of 3) heard once at 80 with k = 2 scores (80 + 100)/3 = 60 and carries
	// 1/6; a2 (3/4 of A, so 1/2) and b1 (all of B's weight, 1/3) count at 50
	// with the prior's variance 20^2/2; v weighs 0 and is left out.
	// Score 50 + 10/6 = 51.667; variance (1/6)^2*400/3 + (1/2)^2*200 +
	// (1/3)^2*200 = 75.926.
	m := plainModel()
	m.PriorStrength = 2
	m.Unheard = scoring.UnheardPrior
	r, _ = mustCompile(t, m, testCatalog(t)).Score(contacts("acme", map[string]persona.ID{"c1": "a1"}), []scoring.Signal{sig("c1", 80, 0)}, t0)
	near(t, "score", r.Score, 50+10.0/6, 1e-12)
	near(t, "SE", r.StdErr, math.Sqrt(400.0/3/36+50+200.0/9), 1e-12)
	near(t, "a1 weight", r.Personas[0].Weight, 1.0/6, 1e-12)
	near(t, "coverage", r.Coverage, 1.0/6, 1e-12)

	// Nobody with weight heard is still no score, not the prior.
	r, _ = mustCompile(t, m, testCatalog(t)).Score(contacts("acme", map[string]persona.ID{"cv": "v"}), []scoring.Signal{sig("cv", 80, 0)}, t0)
	if r.Scored || r.Band != scoring.BandInsufficient {
		t.Errorf("only a weightless persona heard: scored %v, band %q", r.Scored, r.Band)
	}

	// The prior needs a strength to count at.
	m.PriorStrength = 0
	if _, err := scoring.Compile(m, testCatalog(t)); !errors.Is(err, scoring.ErrInvalidValue) || !strings.Contains(err.Error(), "unheard") {
		t.Errorf("UnheardPrior with k = 0: %v", err)
	}
	m.PriorStrength, m.Unheard, m.VetoOn, m.VetoLevel = 2, "sometimes", "gut", 1
	err := func() error { _, err := scoring.Compile(m, testCatalog(t)); return err }()
	for _, field := range []string{"unheard", "veto_on", "veto_level"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("an invalid %s is not reported: %v", field, err)
		}
	}
}

// DOMAIN.md: feedback without the persona is noise. B2BTitleRules used to
// map every unknown title to an end user; now such a contact is Unmapped:
// a valid member of the account, listed by coverage, whose signals are
// dropped with a reason of their own instead of being scored as a user's.
func TestUnmappedContactsAreReportedNotGuessed(t *testing.T) {
	cat := persona.B2B()
	titles, err := persona.NewTitleMapper(persona.B2BTitleRules(), cat)
	if err != nil {
		t.Fatal(err)
	}
	role, matched := titles.Map("Receptionist")
	if matched || role != persona.Unmapped {
		t.Fatalf("an unknown title maps to %q (matched %v), want unmapped", role, matched)
	}
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{
		{ID: "dana", Persona: persona.LineOfBusiness},
		{ID: "rita", Persona: role, Title: "Receptionist"},
	}}
	if err := acct.Validate(cat); err != nil {
		t.Errorf("an account with an unmapped contact is invalid: %v", err)
	}
	if cov := persona.CoverageAt(&acct, cat, t0); len(cov.Unmapped) != 1 || cov.Unmapped[0] != "rita" {
		t.Errorf("coverage does not report the unmapped contact: %+v", cov)
	}
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	r, _ := s.Score(acct, []scoring.Signal{
		{Contact: "dana", Metric: "nps", Value: 9, At: t0},
		{Contact: "rita", Metric: "nps", Value: 0, At: t0},
	}, t0)
	if len(r.Dropped) != 1 || r.Dropped[0].Reason != scoring.ReasonUnmappedContact || r.SignalsUsed != 1 {
		t.Errorf("dropped %+v, used %d; want rita's signal dropped as unmapped", r.Dropped, r.SignalsUsed)
	}
	if !strings.Contains(r.String(), "1 contact's persona not known (unmapped job title)") {
		t.Errorf("Explain does not say why:\n%s", r.String())
	}
	// A signal that names its persona is still used: the answer says who gave it.
	r, _ = s.Score(acct, []scoring.Signal{{Contact: "rita", Persona: persona.EndUser, Metric: "nps", Value: 9, At: t0}}, t0)
	if r.SignalsUsed != 1 {
		t.Errorf("a signal naming its persona from an unmapped contact: used %d, dropped %+v", r.SignalsUsed, r.Dropped)
	}
}
