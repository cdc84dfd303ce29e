package scoring_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// Regression tests for the defects found in review (issue 18), each named
// for what it guards.

// A signal so old that its recency weight 2^-600 squared underflows used to
// give a Kish size of 0/0 and a NaN score. Weights are relative to the
// freshest signal, so a lone old answer is a full answer.
func TestOldSignalsNeverMakeNaN(t *testing.T) {
	cat := testCatalog(t)
	m := plainModel()
	m.HalfLife = scoring.Duration(day)
	s := mustCompile(t, m, cat)
	acct := contacts("acme", map[string]persona.ID{"c1": "a1", "c2": "a1"})
	for _, age := range []int{30, 536, 537, 538, 600, 1074, 1075, 1100, 40000} {
		age := time.Duration(age) * day
		r, err := s.Score(acct, []scoring.Signal{sig("c1", 80, age)}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Scored || len(r.Dropped) != 0 {
			t.Fatalf("age %v: scored %v, dropped %v", age, r.Scored, r.Dropped)
		}
		near(t, "one old answer: score", r.Score, 80, 0)
		near(t, "one old answer: N", r.Personas[0].N, 1, 0)

		// Two contacts of the same age are two full contacts: N = 2 and the
		// mean of two answers of 80 is 80 (subnormal weights gave 1.5 or 2.5
		// and 79.37).
		r, err = s.Score(acct, []scoring.Signal{sig("c1", 80, age), sig("c2", 80, age)}, t0)
		if err != nil {
			t.Fatal(err)
		}
		near(t, "two old answers: score", r.Score, 80, 0)
		near(t, "two old answers: N", r.Personas[0].N, 2, 1e-12)
		near(t, "two old answers: SE", r.Personas[0].StdErr, 20/math.Sqrt2, 1e-12)
	}
	// A fresh answer next to a very old one: the old one's relative weight
	// is 2^-600, so the persona is the fresh answer and Kish's size is 1.
	r, _ := s.Score(acct, []scoring.Signal{sig("c1", 20, 0), sig("c2", 80, 600*day)}, t0)
	near(t, "fresh beside old: score", r.Score, 20, 1e-12)
	near(t, "fresh beside old: N", r.Personas[0].N, 1, 1e-12)
}

// Persona N is the effective size of sum(W_m*x_m): 1/sum(W_m^2/n_m). Metric
// a (weight 0.9) from one person and metric b (0.1) from 50 gives
// 1/(0.81/1 + 0.01/50) = 1/0.8102 = 1.23426, not 0.9*1 + 0.1*50 = 5.9.
func TestPersonaSizeIsTheSizeOfTheWeightedMean(t *testing.T) {
	cat := testCatalog(t)
	m := twoMetrics()
	m.Metrics[0].Weight, m.Metrics[1].Weight = 0.9, 0.1
	s := mustCompile(t, m, cat)
	acct := persona.Account{ID: "acme"}
	sigs := []scoring.Signal{{Contact: "p0", Metric: "a", Value: 50, At: t0}}
	for i := range 50 {
		id := "p" + string(rune('A'+i%26)) + string(rune('a'+i/26))
		acct.Contacts = append(acct.Contacts, persona.Contact{ID: id, Persona: "a1"})
		sigs = append(sigs, scoring.Signal{Contact: id, Metric: "b", Value: 50, At: t0})
	}
	acct.Contacts = append(acct.Contacts, persona.Contact{ID: "p0", Persona: "a1"})
	r, err := s.Score(acct, sigs, t0)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "N", r.Personas[0].N, 1/0.8102, 1e-12)
	near(t, "StdErr", r.Personas[0].StdErr, 20*math.Sqrt(0.8102), 1e-12)
	// 51 people: the one answering a carries 0.9 of the persona, each of the
	// 50 answering b carries 0.1/50, so Kish's n is 1/(0.81 + 50*(0.002)^2).
	near(t, "EffectiveN", r.EffectiveN, 1/(0.81+50*0.002*0.002), 1e-12)
}

// EffectiveN counts people: one person answering two metrics is one person,
// though their two answers count as two independent answers in N.
func TestEffectiveNCountsPeople(t *testing.T) {
	s := mustCompile(t, twoMetrics(), testCatalog(t))
	acct := contacts("acme", map[string]persona.ID{"c1": "a1", "c2": "a1"})
	r, _ := s.Score(acct, []scoring.Signal{
		{Contact: "c1", Metric: "a", Value: 60, At: t0},
		{Contact: "c1", Metric: "b", Value: 80, At: t0},
	}, t0)
	near(t, "one person, two metrics: EffectiveN", r.EffectiveN, 1, 1e-12)
	near(t, "one person, two metrics: N", r.Personas[0].N, 2, 1e-12)
	if r.Personas[0].Contacts != 1 {
		t.Errorf("contacts = %d, want 1", r.Personas[0].Contacts)
	}
	// c1 answers both metrics, c2 only b: c1 carries 1/2 + 1/4, c2 1/4, so
	// Kish's n is 1/(0.75^2 + 0.25^2) = 1.6.
	r, _ = s.Score(acct, []scoring.Signal{
		{Contact: "c1", Metric: "a", Value: 60, At: t0},
		{Contact: "c1", Metric: "b", Value: 80, At: t0},
		{Contact: "c2", Metric: "b", Value: 40, At: t0},
	}, t0)
	near(t, "EffectiveN", r.EffectiveN, 1.6, 1e-12)
	// Anonymous answers are a person each.
	r, _ = s.Score(acct, []scoring.Signal{
		{Persona: "a1", Metric: "a", Value: 60, At: t0},
		{Persona: "a1", Metric: "a", Value: 80, At: t0},
	}, t0)
	near(t, "two anonymous answers: EffectiveN", r.EffectiveN, 2, 1e-12)
}

// Signals that differ only in the Account field (empty and this account) or
// in whether they name the persona are duplicates; which one is kept, and
// which is reported dropped, must not depend on the input order.
func TestDuplicatesDifferingInOtherFieldsResolveCanonically(t *testing.T) {
	s := mustCompile(t, plainModel(), testCatalog(t))
	acct := contacts("acme", map[string]persona.ID{"c1": "a1"})
	base := sig("c1", 70, day)
	pairs := map[string][2]scoring.Signal{
		"account":   {base, func() scoring.Signal { x := base; x.Account = ""; return x }()},
		"persona":   {base, func() scoring.Signal { x := base; x.Persona = "a1"; return x }()},
		"time zone": {base, func() scoring.Signal { x := base; x.At = x.At.In(time.FixedZone("X", 3600)); return x }()},
		"zero sign": {sig("c1", 0, day), sig("c1", math.Copysign(0, -1), day)},
	}
	for name, p := range pairs {
		r1, _ := s.Score(acct, []scoring.Signal{p[0], p[1]}, t0)
		r2, _ := s.Score(acct, []scoring.Signal{p[1], p[0]}, t0)
		j1, _ := json.Marshal(r1)
		j2, _ := json.Marshal(r2)
		if string(j1) != string(j2) {
			t.Errorf("%s: the result depends on the input order:\n%s\n%s", name, j1, j2)
		}
		if len(r1.Dropped) != 1 || r1.Dropped[0].Reason != scoring.ReasonDuplicate {
			t.Errorf("%s: dropped = %+v, want one duplicate", name, r1.Dropped)
		}
	}
}

// A PersonaWeight that only overrides metric weights keeps the catalog's
// persona weight; it used to replace it with 0.
func TestPersonaWeightWithOnlyMetricsKeepsTheCatalogWeight(t *testing.T) {
	cat := testCatalog(t)
	m := plainModel()
	m.Metrics = append(m.Metrics, scoring.Metric{Name: "x", Kind: scoring.KindCustom, Min: 0, Max: 100, Weight: 1})
	m.Personas = []scoring.PersonaWeight{{Persona: "a1", Metrics: map[string]float64{"x": 0}}}
	s := mustCompile(t, m, cat)
	acct := contacts("acme", map[string]persona.ID{"c1": "a1", "c2": "a2"})
	all := []scoring.Signal{sig("c1", 80, 0), sig("c2", 40, 0), {Contact: "c1", Metric: "x", Value: 0, At: t0}}
	r, _ := s.Score(acct, all, t0)
	// a1 (weight 1) at 80, a2 (weight 3) at 40: (80 + 120)/4 = 50; x is not weighted for a1.
	near(t, "score", r.Score, 50, 1e-12)
	if len(r.Dropped) != 1 || r.Dropped[0].Reason != scoring.ReasonMetricNotWeighted {
		t.Errorf("dropped = %+v", r.Dropped)
	}

	// The same from JSON with no "weight".
	var fromJSON scoring.Model
	if err := json.Unmarshal([]byte(`{"metrics":[{"name":"score","kind":"custom","min":0,"max":100,"weight":1}],
		"personas":[{"persona":"a1","metrics":{"score":2}}],"prior_mean":50,"spread":20,"confidence":0.9,
		"bands":[{"name":"all","min":0}]}`), &fromJSON); err != nil {
		t.Fatal(err)
	}
	r, _ = mustCompile(t, fromJSON, cat).Score(acct, all[:2], t0)
	near(t, "score from JSON", r.Score, 50, 1e-12)
	// An explicit 0 still silences the persona.
	m.Personas = []scoring.PersonaWeight{{Persona: "a1", Weight: new(0.0)}}
	r, _ = mustCompile(t, m, cat).Score(acct, all[:2], t0)
	near(t, "score with a1 at weight 0", r.Score, 40, 1e-12)
}

// Persona and account scores stay within [0, 100] whatever the rounding of
// the weighted sums: all answers at the top of the scale give exactly 100.
func TestScoreAtTheTopOfTheScaleIsAtMost100(t *testing.T) {
	cat := testCatalog(t)
	m := plainModel()
	m.HalfLife = scoring.Duration(7 * day)
	m.Metrics[0].Weight = 0.1
	m.Groups = []scoring.GroupWeight{{Group: "A", Weight: 0.7}, {Group: "B", Weight: 0.3}}
	s := mustCompile(t, m, cat)
	acct := contacts("acme", map[string]persona.ID{"c1": "a1", "c2": "a2", "c3": "a2", "c4": "b1"})
	var sigs []scoring.Signal
	for i, c := range []string{"c1", "c2", "c3", "c4", "c2", "c3"} {
		sigs = append(sigs, sig(c, 100, time.Duration(i*13+1)*time.Hour))
	}
	r, _ := s.Score(acct, sigs, t0)
	if r.Score > 100 || r.Score > r.High {
		t.Errorf("score %v, high %v", r.Score, r.High)
	}
	for _, p := range r.Personas {
		if p.Score > 100 || p.Raw > 100 {
			t.Errorf("%s: raw %v, score %v", p.Persona, p.Raw, p.Score)
		}
	}
}
