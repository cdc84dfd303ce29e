package scoring_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
	"github.com/villagecx/village/scoring/scoringtest"
)

func TestNPSOnItsScale(t *testing.T) {
	cat := testCatalog(t)
	m := plainModel()
	m.Metrics = []scoring.Metric{{Name: "nps", Kind: scoring.KindNPS, Min: 0, Max: 10, Weight: 1}}
	acct := contacts("acme", map[string]persona.ID{"c1": "a1"})
	sigs := []scoring.Signal{{Contact: "c1", Metric: "nps", Value: 8, At: t0}}
	r, _ := mustCompile(t, m, cat).Score(acct, sigs, t0)
	near(t, "a passive by category", r.Score, 50, 0)
	m.NPSAs = scoring.NPSScale
	r, _ = mustCompile(t, m, cat).Score(acct, sigs, t0)
	near(t, "8 on the scale", r.Score, 80, 1e-12)
}

// By hand: a1 heard once at 50 on a and on b. Priors: a for every persona
// 80 with strength 2, b for a1 20 with strength 1, b for the others the
// model's PriorMean 50 with PriorStrength 2. a1 = 0.5*(50 + 2*80)/3 +
// 0.5*(50 + 1*20)/2 = 35 + 17.5 = 52.5, variance 0.25*400/3 + 0.25*400/2 =
// 83.333. Not heard, at their priors: a2 and b1 at 0.5*80 + 0.5*50 = 65.
// Shares: a1 1/6, a2 1/2, b1 1/3, so the score is 50 + (1/6)*2.5 +
// (1/2)*15 + (1/3)*15 = 62.9167, of which 12.5 from the priors.
func TestPriorsPerPersonaAndMetric(t *testing.T) {
	cat := testCatalog(t)
	m := twoMetrics()
	m.PriorStrength = 2
	m.Unheard = scoring.UnheardPrior
	m.Priors = []scoring.Prior{
		{Persona: "a1", Metric: "b", Mean: 20, Strength: 1},
		{Metric: "a", Mean: 80, Strength: 2},
	}
	s := mustCompile(t, m, cat)
	acct := contacts("acme", map[string]persona.ID{"c1": "a1"})
	r, _ := s.Score(acct, []scoring.Signal{
		{Contact: "c1", Metric: "a", Value: 50, At: t0},
		{Contact: "c1", Metric: "b", Value: 50, At: t0},
	}, t0)
	p := r.Personas[0]
	near(t, "a1 raw", p.Raw, 50, 1e-12)
	near(t, "a1 score", p.Score, 52.5, 1e-12)
	near(t, "a1 SE", p.StdErr, math.Sqrt(400.0/12+50), 1e-12)
	near(t, "prior contribution", r.PriorContribution, 12.5, 1e-12)
	near(t, "score", r.Score, 50+2.5/6+7.5+5, 1e-12)
	near(t, "sum", r.Sum(), r.Score, 1e-12)
	if !strings.Contains(r.String(), "+12.5  personas not heard, at their priors") {
		t.Errorf("Explain leaves out the priors:\n%s", r.String())
	}

	// Heard on a only, a1 counts b at its prior 20 (strength 1) with b's
	// full weight: 0.5*(50 + 160)/3 + 0.5*20 = 45, variance 0.25*400/3 +
	// 0.25*400/1 = 133.33; its raw mean and N are still what was said.
	r, _ = s.Score(acct, []scoring.Signal{{Contact: "c1", Metric: "a", Value: 50, At: t0}}, t0)
	p = r.Personas[0]
	near(t, "a1 heard on a only: score", p.Score, 45, 1e-12)
	near(t, "a1 heard on a only: SE", p.StdErr, math.Sqrt(400.0/12+100), 1e-12)
	near(t, "a1 heard on a only: raw", p.Raw, 50, 1e-12)
	near(t, "a1 heard on a only: N", p.N, 1, 1e-12)
}

func TestSoftVeto(t *testing.T) {
	cat := testCatalog(t)
	m := plainModel()
	m.Personas = []scoring.PersonaWeight{{Persona: "v", Weight: new(1.0)}}
	m.SoftVeto = &scoring.SoftVeto{Below: 40, Points: 0.5}
	s := mustCompile(t, m, cat)
	acct := contacts("acme", map[string]persona.ID{"c1": "a1", "cv": "v"})
	// A = 80 (2/3), B = v at 20 (1/3): 60; v is 20 under 40: -0.5*20 = -10.
	r, _ := s.Score(acct, []scoring.Signal{sig("c1", 80, 0), sig("cv", 20, 0)}, t0)
	near(t, "score", r.Score, 50, 1e-12)
	if len(r.Terms) != 1 || r.Terms[0].Kind != scoring.TermSoftVeto || r.Terms[0].Persona != "v" || r.Terms[0].Under != 20 {
		t.Errorf("terms = %+v", r.Terms)
	}
	near(t, "sum", r.Sum(), r.Score, 1e-12)
	if !strings.Contains(r.String(), "-10.0  soft veto: veto holder v answers 20.0 below the threshold") {
		t.Errorf("Explain:\n%s", r.String())
	}
	r, _ = s.Score(acct, []scoring.Signal{sig("c1", 80, 0), sig("cv", 45, 0)}, t0)
	if len(r.Terms) != 0 {
		t.Errorf("a veto holder above the threshold: terms %+v", r.Terms)
	}
}

func TestRelationshipEvents(t *testing.T) {
	cat := testCatalog(t)
	m := plainModel()
	m.Events = []scoring.Event{
		{Kind: scoring.EventLeft, Persona: "b1", Within: scoring.Duration(90 * day), Points: -6},
		{Kind: scoring.EventJoinedUnheard, Persona: "a2", Within: scoring.Duration(60 * day), Points: -3},
	}
	s := mustCompile(t, m, cat)
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{
		{ID: "c1", Persona: "a1"},
		{ID: "champ", Persona: "b1", Left: t0.Add(-41 * day)},
		{ID: "old", Persona: "b1", Left: t0.Add(-200 * day)},
		{ID: "new", Persona: "a2", Joined: t0.Add(-20 * day)},
	}}
	r, _ := s.Score(acct, []scoring.Signal{sig("c1", 80, 0)}, t0)
	// Only a1 heard: 80, then -6 and -3.
	near(t, "score", r.Score, 71, 1e-12)
	want := []scoring.Term{
		{Kind: scoring.TermLeft, Persona: "b1", Age: scoring.Duration(41 * day), Points: -6},
		{Kind: scoring.TermJoinedUnheard, Persona: "a2", Age: scoring.Duration(20 * day), Points: -3},
	}
	if d := cmp.Diff(want, r.Terms); d != "" {
		t.Errorf("terms (-want +got):\n%s", d)
	}
	for _, line := range []string{"-6.0  b1 left 41 days ago", "-3.0  a2 joined 20 days ago and is not heard yet"} {
		if !strings.Contains(r.String(), line) {
			t.Errorf("Explain lacks %q:\n%s", line, r.String())
		}
	}
	// Once the newcomer is heard, only the departure counts.
	r, _ = s.Score(acct, []scoring.Signal{sig("c1", 80, 0), sig("new", 80, 0)}, t0)
	if len(r.Terms) != 1 || r.Terms[0].Kind != scoring.TermLeft {
		t.Errorf("terms with the newcomer heard: %+v", r.Terms)
	}
	// Scored before the champion left, nothing has happened yet.
	r, _ = s.Score(acct, []scoring.Signal{sig("c1", 80, 50*day)}, t0.Add(-45*day))
	for _, term := range r.Terms {
		if term.Kind == scoring.TermLeft {
			t.Errorf("a departure in the future counts: %+v", term)
		}
	}
}

// A newcomer who answered on a metric their persona's score does not weigh
// was heard: the signal is dropped as not weighted, and no
// joined-unheard term fires.
func TestNewcomerHeardOnAMetricNotWeighted(t *testing.T) {
	cat := testCatalog(t)
	m := twoMetrics()
	m.Personas = []scoring.PersonaWeight{{Persona: "a2", Metrics: map[string]float64{"a": 1, "b": 0}}}
	m.Events = []scoring.Event{{Kind: scoring.EventJoinedUnheard, Persona: "a2", Within: scoring.Duration(60 * day), Points: -3}}
	s := mustCompile(t, m, cat)
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{
		{ID: "c1", Persona: "a1"},
		{ID: "new", Persona: "a2", Joined: t0.Add(-20 * day)},
	}}
	on := func(contact, metric string) scoring.Signal {
		return scoring.Signal{Account: "acme", Contact: contact, Metric: metric, Value: 70, At: t0.Add(-day)}
	}
	r, err := s.Score(acct, []scoring.Signal{on("c1", "a"), on("new", "b")}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Terms) != 0 || len(r.Dropped) != 1 || r.Dropped[0].Reason != scoring.ReasonMetricNotWeighted {
		t.Errorf("terms %+v, dropped %+v; want no term and the newcomer's signal dropped as not weighted", r.Terms, r.Dropped)
	}
	r, _ = s.Score(acct, []scoring.Signal{on("c1", "a")}, t0)
	if len(r.Terms) != 1 || r.Terms[0].Kind != scoring.TermJoinedUnheard {
		t.Errorf("the silent newcomer: terms %+v", r.Terms)
	}
	// A prepared batch sees the same.
	cases := []scoringtest.Case{
		{Account: acct, Signals: []scoring.Signal{on("c1", "a"), on("new", "b")}},
		{Account: acct, Signals: []scoring.Signal{on("c1", "a")}},
	}
	checkBatch(t, "newcomer", s, cases, batchOf(t, s, cases), t0, 1)
}

// Terms that would push the score below 0 are clamped, and the clamp is a
// term of its own so that the parts still add up.
func TestTermsAreClampedAndExplained(t *testing.T) {
	cat := testCatalog(t)
	m := plainModel()
	m.Events = []scoring.Event{{Kind: scoring.EventLeft, Persona: "b1", Within: scoring.Duration(90 * day), Points: -100}}
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{{ID: "c1", Persona: "a1"}, {ID: "x", Persona: "b1", Left: t0.Add(-day)}}}
	r, _ := mustCompile(t, m, cat).Score(acct, []scoring.Signal{sig("c1", 30, 0)}, t0)
	if r.Score != 0 || len(r.Terms) != 2 || r.Terms[1].Kind != scoring.TermClamp {
		t.Fatalf("score %v, terms %+v", r.Score, r.Terms)
	}
	near(t, "clamp", r.Terms[1].Points, 70, 1e-12)
	near(t, "sum", r.Sum(), 0, 1e-12)
	if !(r.Low <= r.Score && r.Score <= r.High) {
		t.Errorf("interval %v..%v misses %v", r.Low, r.High, r.Score)
	}
}

// fullModel is DefaultModel with every optional term.
func fullModel(cat *persona.Catalog) scoring.Model {
	m := scoring.DefaultModel(cat)
	m.NPSAs = scoring.NPSScale
	m.Priors = []scoring.Prior{
		{Metric: "usage", Mean: 70, Strength: 3},
		{Metric: "nps", Mean: 65, Strength: 2},
		{Persona: persona.EndUser, Metric: "nps", Mean: 55, Strength: 4},
	}
	m.SoftVeto = &scoring.SoftVeto{Below: 45, Points: 0.3}
	m.Events = []scoring.Event{
		{Kind: scoring.EventLeft, Persona: persona.Champion, Within: scoring.Duration(120 * day), Points: -6},
		{Kind: scoring.EventJoinedUnheard, Persona: persona.FinanceExecutive, Within: scoring.Duration(90 * day), Points: -2},
	}
	return m
}

// twoLevel returns m with 0.6 of an answer's spread a person's own
// (Model.PersonSpread).
func twoLevel(m scoring.Model) scoring.Model {
	m.PersonSpread = 0.6 * m.Spread
	return m
}

// A model with every term round-trips through JSON and scores identically,
// and holds to the whole AccountScorer contract (shards and accumulators
// included).
func TestModelWithEveryTerm(t *testing.T) {
	cat := persona.B2B()
	m := fullModel(cat)
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back scoring.Model
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(m, back); d != "" {
		t.Fatalf("JSON round trip (-want +got):\n%s", d)
	}
	s, s2 := mustCompile(t, m, cat), mustCompile(t, back, cat)
	cases := scoringtest.VillageCases(60, 7)
	for _, c := range cases {
		a, _ := s.Score(c.Account, c.Signals, c.At)
		b, _ := s2.Score(c.Account, c.Signals, c.At)
		if d := cmp.Diff(a, b, scoringtest.CompareOptions(0)); d != "" {
			t.Fatalf("%s: the decoded model scores differently:\n%s", c.Name, d)
		}
	}
	scoringtest.Run(t, s, scoringtest.Config{Cases: cases, Merge: scoringtest.ShardMerge(s), Raise: scoringtest.RaiseToBest(m), Seed: 7})
}

func TestCompileChecksTheTerms(t *testing.T) {
	cat := testCatalog(t)
	m := twoMetrics()
	m.NPSAs = "decimal"
	m.Priors = []scoring.Prior{
		{Metric: "mood", Mean: 50, Strength: 1},
		{Persona: "ghost", Metric: "a", Mean: 50, Strength: 1},
		{Metric: "a", Mean: 150, Strength: -1},
		{Metric: "a", Mean: 50, Strength: 1},
	}
	m.SoftVeto = &scoring.SoftVeto{Below: 40, Points: -1}
	m.Events = []scoring.Event{{Kind: "promoted", Persona: "ghost", Within: 0, Points: math.NaN()}}
	_, err := scoring.Compile(m, cat)
	if err == nil {
		t.Fatal("an invalid model compiled")
	}
	for _, field := range []string{"nps_as", "priors[0].metric", "priors[1].persona", "priors[2].mean", "priors[2].strength",
		"priors[3]", "soft_veto.points", "events[0].kind", "events[0].persona", "events[0].within", "events[0].points"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("%s is not reported in:\n%v", field, err)
		}
	}
	// Counting the unheard at priors of strength 0 cannot work.
	m = twoMetrics()
	m.PriorStrength = 2
	m.Unheard = scoring.UnheardPrior
	m.Priors = []scoring.Prior{{Metric: "b", Mean: 50, Strength: 0}}
	if _, err := scoring.Compile(m, cat); err == nil || !strings.Contains(err.Error(), "prior strength > 0") {
		t.Errorf("unheard at a prior of strength 0: %v", err)
	}
}
