package scoring_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// listenModel is plainModel with the unheard counted at a prior worth two
// answers, so that every persona keeps its share of the account whoever
// answers and the update is linear in the answer.
func listenModel() scoring.Model {
	m := plainModel()
	m.PriorStrength = 2
	m.Unheard = scoring.UnheardPrior
	return m
}

func valueOf(t *testing.T, values []scoring.AnswerValue, contact string) scoring.AnswerValue {
	t.Helper()
	for _, v := range values {
		if v.Contact == contact {
			return v
		}
	}
	t.Fatalf("no value for contact %q in %+v", contact, values)
	return scoring.AnswerValue{}
}

// The closed form of the one-level normal model: a persona heard from n
// people (equal weights) has variance Spread^2/(n+k); one more person
// brings it to Spread^2/(n+k+1), and the score moves by share*(y -
// score)/(n+k+1) for an answer y of predictive variance Spread^2/(n+k) +
// Spread^2, so E[move^2] = share^2 * Spread^2 * (1/(n+k) - 1/(n+k+1)).
// Spread 20, k 2: a1 heard once (n 1): 400/12 * share^2; b1 not heard (n
// 0): 400/6 * share^2.
func TestAnswerValuesClosedForm(t *testing.T) {
	cat := testCatalog(t)
	s := mustCompile(t, listenModel(), cat)
	acct := contacts("acme", map[string]persona.ID{"a": "a1", "a-new": "a1", "a-also": "a1", "b": "b1"})
	values, base, err := s.AnswerValues(acct, []scoring.Signal{sig("a", 60, day)}, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	shares := map[persona.ID]float64{}
	for _, p := range base.Personas {
		shares[p.Persona] = p.Weight
	}
	// b1 is not heard: its share is its catalog share, group B's 1/3
	// times its weight 1 of B's 1 (v weighs 0).
	shareA, shareB := shares["a1"], 1.0/3
	near(t, "a-new", valueOf(t, values, "a-new").Move, shareA*shareA*400/12, 1e-9)
	near(t, "a-also", valueOf(t, values, "a-also").Move, shareA*shareA*400/12, 1e-9)
	near(t, "b", valueOf(t, values, "b").Move, shareB*shareB*400/6, 1e-9)
	if v := valueOf(t, values, "a-new"); v.Evidence != 3 || v.Respond != 1 || v.Value != v.Move {
		t.Errorf("a-new: evidence %v respond %v value %v, want 3 (N 1 + k 2), 1, the move", v.Evidence, v.Respond, v.Value)
	}
	if v := valueOf(t, values, "b"); v.Evidence != 2 || !v.LastHeard.IsZero() {
		t.Errorf("b: evidence %v last heard %v, want 2 (the prior) and never", v.Evidence, v.LastHeard)
	}
	if got := valueOf(t, values, "a").LastHeard; !got.Equal(t0.Add(-day)) {
		t.Errorf("a: last heard %v, want %v", got, t0.Add(-day))
	}
}

// Contacts never heard share one computation when the model has no
// relationship events; with an event (here about a persona the account
// lacks, so it changes nothing) each is computed, and the values agree.
func TestAnswerValuesSharedAmongTheUnheard(t *testing.T) {
	cat := testCatalog(t)
	acct := contacts("acme", map[string]persona.ID{"a": "a1", "a2": "a1", "a3": "a1", "b": "b1"})
	signals := []scoring.Signal{sig("a", 70, day), sig("b", 20, 3*day)}
	plain, _, err := mustCompile(t, listenModel(), cat).AnswerValues(acct, signals, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := listenModel()
	m.Events = []scoring.Event{{Kind: scoring.EventLeft, Persona: "v", Within: scoring.Duration(30 * day), Points: -5}}
	each, _, err := mustCompile(t, m, cat).AnswerValues(acct, signals, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"a", "a2", "a3", "b"} {
		near(t, c, valueOf(t, plain, c).Move, valueOf(t, each, c).Move, 1e-12)
	}
}

// An outcome scaled by 2 moves twice as far (Move four times); a logistic
// link moves about slope^2 times as far at the score (the delta method).
func TestAnswerValuesOutcome(t *testing.T) {
	cat := testCatalog(t)
	s := mustCompile(t, listenModel(), cat)
	acct := contacts("acme", map[string]persona.ID{"a": "a1", "b": "b1"})
	signals := []scoring.Signal{sig("a", 60, day)}
	plain, base, _ := s.AnswerValues(acct, signals, t0, nil)
	double, _, _ := s.AnswerValues(acct, signals, t0, &scoring.AnswerOptions{Outcome: func(x float64) float64 { return 2 * x }})
	link := func(x float64) float64 { return 1 / (1 + math.Exp(-(0.5 + 2*(x-50)/50))) }
	p := link(base.Score)
	slope := 2.0 / 50 * p * (1 - p)
	logistic, _, _ := s.AnswerValues(acct, signals, t0, &scoring.AnswerOptions{Outcome: link})
	for _, c := range []string{"b"} {
		near(t, "double "+c, valueOf(t, double, c).Move, 4*valueOf(t, plain, c).Move, 1e-9)
		want := slope * slope * valueOf(t, plain, c).Move
		if got := valueOf(t, logistic, c).Move; math.Abs(got/want-1) > 0.05 {
			t.Errorf("logistic %s: move %g, delta method %g", c, got, want)
		}
	}
}

// The sole finance executive answered NPS 0 once: a warning, not yet a veto
// (two-level evidence, PersonSpread = Spread). Asking them again can make
// the veto, so their answer is worth far more than an end user's, who is
// heard as rarely; both are probed at the probability of answering given.
func TestAnswerValuesVetoHolderNearTheLine(t *testing.T) {
	cat := persona.B2B()
	m := scoring.DefaultModel(cat)
	m.PersonSpread = m.Spread
	s := mustCompile(t, m, cat)
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{
		{ID: "cfo", Account: "acme", Persona: persona.FinanceExecutive},
		{ID: "eu", Account: "acme", Persona: persona.EndUser},
		{ID: "gone", Account: "acme", Persona: persona.EndUser, Left: t0.Add(-day)},
	}}
	signals := []scoring.Signal{
		{Account: "acme", Contact: "cfo", Metric: "nps", Value: 0, At: t0.Add(-10 * day)},
		{Account: "acme", Contact: "eu", Metric: "nps", Value: 9, At: t0.Add(-10 * day)},
	}
	respond := func(_ *persona.Account, c *persona.Contact) float64 {
		if c.Persona == persona.FinanceExecutive {
			return 0.5
		}
		return 0.9
	}
	values, base, err := s.AnswerValues(acct, signals, t0, &scoring.AnswerOptions{Metric: "nps", Respond: respond})
	if err != nil {
		t.Fatal(err)
	}
	if base.Veto.Persona != persona.FinanceExecutive || base.Veto.Conclusive {
		t.Fatalf("veto %+v, want a warning about the finance executive", base.Veto)
	}
	if len(values) != 2 {
		t.Fatalf("values %+v, want the two active contacts", values)
	}
	cfo, eu := valueOf(t, values, "cfo"), valueOf(t, values, "eu")
	if !cfo.VetoHolder || eu.VetoHolder {
		t.Errorf("veto holders: cfo %v, eu %v", cfo.VetoHolder, eu.VetoHolder)
	}
	if cfo.Value != 0.5*cfo.Move || eu.Value != 0.9*eu.Move {
		t.Errorf("values %v, %v not the moves times the probabilities of answering", cfo.Value, eu.Value)
	}
	if !(cfo.Value > 10*eu.Value) {
		t.Errorf("cfo's answer worth %.3g, the end user's %.3g: want the veto holder near the line far ahead", cfo.Value, eu.Value)
	}
}

// In an account nobody was heard in, a contact whose answer the model
// would not use (unmapped) moves nothing; one who would be heard moves the
// outlook from the baseline.
func TestAnswerValuesInASilentAccount(t *testing.T) {
	cat := testCatalog(t)
	s := mustCompile(t, listenModel(), cat)
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{
		{ID: "who", Account: "acme", Persona: persona.Unmapped},
		{ID: "a", Account: "acme", Persona: "a1"},
	}}
	values, base, err := s.AnswerValues(acct, nil, t0, nil)
	if err != nil || base.Scored {
		t.Fatalf("%v, scored %v", err, base.Scored)
	}
	if v := valueOf(t, values, "who"); v.Move != 0 {
		t.Errorf("an unmapped contact moves the outlook by %v", v.Move)
	}
	if v := valueOf(t, values, "a"); !(v.Move > 0) {
		t.Errorf("a contact of a1 moves it by %v", v.Move)
	}
}

func TestAnswerValuesBadOptions(t *testing.T) {
	cat := testCatalog(t)
	s := mustCompile(t, listenModel(), cat)
	acct := contacts("acme", map[string]persona.ID{"a": "a1"})
	if _, _, err := s.AnswerValues(acct, nil, t0, &scoring.AnswerOptions{Metric: "mood"}); !errors.Is(err, scoring.ErrUnknownMetric) {
		t.Errorf("unknown metric: %v", err)
	}
	for _, p := range []float64{-0.1, 1.5, math.NaN()} {
		opts := &scoring.AnswerOptions{Respond: func(*persona.Account, *persona.Contact) float64 { return p }}
		if _, _, err := s.AnswerValues(acct, nil, t0, opts); !errors.Is(err, scoring.ErrInvalidValue) {
			t.Errorf("probability of answering %v: %v", p, err)
		}
	}
	nan := &scoring.AnswerOptions{Outcome: func(float64) float64 { return math.NaN() }}
	if _, _, err := s.AnswerValues(acct, nil, t0, nan); !errors.Is(err, scoring.ErrInvalidValue) {
		t.Errorf("NaN outcome: %v", err)
	}
	dup := persona.Account{ID: "acme", Contacts: []persona.Contact{{ID: "a", Persona: "a1"}, {ID: "a", Persona: "a1"}}}
	if _, _, err := s.AnswerValues(dup, nil, t0, nil); !errors.Is(err, scoring.ErrDuplicateContact) {
		t.Errorf("duplicate contact: %v", err)
	}
}

// Expected against realised: accounts drawn from the model's own story
// (each persona's true score from the prior, N(50, Spread^2/k); each answer
// its persona's true score plus noise of SD Spread), some people heard, then
// one contact asked for real. Over many accounts the mean squared move of
// the score must match the mean Move that AnswerValues expected, under both
// the one-level and the two-level model (where the story gives each person
// a level of their own).
func TestAnswerValuesExpectedMatchesRealised(t *testing.T) {
	cat := testCatalog(t)
	const spread = 8.0
	for _, personSpread := range []float64{0, 0.7 * spread} {
		t.Run(fmt.Sprintf("person spread %g", personSpread), func(t *testing.T) {
			m := listenModel()
			m.Spread, m.PersonSpread = spread, personSpread
			s := mustCompile(t, m, cat)
			between := math.Sqrt(spread*spread - personSpread*personSpread)
			rng := rand.New(rand.NewPCG(3, 14))
			var expected, realised float64
			const reps = 3000
			for range reps {
				acct := persona.Account{ID: "acme"}
				level := map[string]float64{}
				var signals []scoring.Signal
				for _, p := range []persona.ID{"a1", "a2", "b1"} {
					truth := 50 + spread/math.Sqrt(2)*rng.NormFloat64()
					for i := range 3 {
						id := fmt.Sprint(p, "-", i)
						acct.Contacts = append(acct.Contacts, persona.Contact{ID: id, Account: "acme", Persona: p})
						level[id] = truth
						if personSpread > 0 {
							level[id] = truth + between*rng.NormFloat64()
						}
						noise := spread
						if personSpread > 0 {
							noise = personSpread
						}
						for k := range rng.IntN(3) * rng.IntN(2) {
							signals = append(signals, sig(id, level[id]+noise*rng.NormFloat64(), time.Duration(k+1)*day))
						}
					}
				}
				values, base, err := s.AnswerValues(acct, signals, t0, nil)
				if err != nil {
					t.Fatal(err)
				}
				ask := values[rng.IntN(len(values))]
				expected += ask.Move
				noise := spread
				if personSpread > 0 {
					noise = personSpread
				}
				answer := sig(ask.Contact, level[ask.Contact]+noise*rng.NormFloat64(), 0)
				after, err := s.Score(acct, append(signals, answer), t0)
				if err != nil || after.SignalsUsed != base.SignalsUsed+1 {
					t.Fatalf("err %v; %d signals used after, %d before", err, after.SignalsUsed, base.SignalsUsed)
				}
				before := base.Score
				if !base.Scored { // nobody heard: the prior's view
					before = base.Baseline
				}
				realised += (after.Score - before) * (after.Score - before)
			}
			// Squared moves are far from normal; 3,000 of them pin their
			// mean to about 5%. Over 20,000 accounts the realised mean was
			// 1.0% under the expected one-level, 4.0% under two-level,
			// where the spread of a heard person's next answer is taken as
			// a new person's (AnswerValues says so).
			if rel := realised/expected - 1; math.Abs(rel) > 0.1 {
				t.Errorf("mean squared move realised %.4f, expected %.4f (%+.1f%%)", realised/reps, expected/reps, 100*rel)
			}
			t.Logf("mean squared move realised %.4f, expected %.4f", realised/reps, expected/reps)
		})
	}
}

// Link.Probability is the logistic of a + b(score - 50)/50, by hand, and
// stays in [0, 1] without NaN at any size; a model carries its link through
// JSON, and a link that is not finite does not compile.
func TestLink(t *testing.T) {
	l := scoring.Link{Intercept: 1, Slope: 2}
	near(t, "P(50)", l.Probability(50), 1/(1+math.Exp(-1)), 1e-15)
	near(t, "P(75)", l.Probability(75), 1/(1+math.Exp(-2)), 1e-15)
	near(t, "P(0)", l.Probability(0), 1/(1+math.Exp(1)), 1e-15)
	for _, big := range []scoring.Link{{Intercept: 1e300, Slope: 1}, {Intercept: -1e300, Slope: 1}, {Slope: 1e308}} {
		for _, x := range []float64{0, 50, 100} {
			if p := big.Probability(x); !(p >= 0 && p <= 1) {
				t.Errorf("%+v at %v: %v", big, x, p)
			}
		}
	}
	cat := testCatalog(t)
	m := plainModel()
	m.Link = &scoring.Link{Intercept: -0.5, Slope: 3}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back scoring.Model
	if err := json.Unmarshal(data, &back); err != nil || back.Link == nil || *back.Link != *m.Link {
		t.Errorf("round trip: %+v, %v (%s)", back.Link, err, data)
	}
	if got := mustCompile(t, m, cat).Model().Link; got == nil || *got != *m.Link {
		t.Errorf("Scorer.Model().Link = %+v", got)
	}
	m.Link = &scoring.Link{Intercept: math.NaN(), Slope: 1}
	if _, err := scoring.Compile(m, cat); !errors.Is(err, scoring.ErrInvalidValue) {
		t.Errorf("a NaN link: %v", err)
	}
}
