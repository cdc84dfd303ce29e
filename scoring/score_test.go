package scoring_test

import (
	"math"
	"testing"
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

var t0 = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// testCatalog: group A (weight 2) holds a1 (weight 1) and a2 (weight 3);
// group B (weight 1) holds b1 (weight 1) and the veto holder v (weight 0
// unless a test gives it one).
func testCatalog(t testing.TB) *persona.Catalog {
	t.Helper()
	c, err := persona.NewCatalog(
		[]persona.Group{{ID: "A", Weight: 2}, {ID: "B", Weight: 1}},
		[]persona.Persona{
			{ID: "a1", Group: "A", Weight: 1},
			{ID: "a2", Group: "A", Weight: 3},
			{ID: "b1", Group: "B", Weight: 1},
			{ID: "v", Group: "B", Weight: 0, Veto: true},
		})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// plainModel has one 0..100 metric mapped as is, no decay, no shrinkage.
func plainModel() scoring.Model {
	return scoring.Model{
		Metrics:     []scoring.Metric{{Name: "score", Kind: scoring.KindCustom, Min: 0, Max: 100, Weight: 1}},
		PriorMean:   50,
		Spread:      20,
		Confidence:  0.9,
		Bands:       []scoring.Band{{Name: "at risk", Min: 0}, {Name: "healthy", Min: 60}},
		MinCoverage: 0,
	}
}

// twoMetrics is plainModel with metrics a and b, each 0..100 and weight 1.
func twoMetrics() scoring.Model {
	m := plainModel()
	m.Metrics = []scoring.Metric{
		{Name: "a", Kind: scoring.KindCustom, Min: 0, Max: 100, Weight: 1},
		{Name: "b", Kind: scoring.KindCustom, Min: 0, Max: 100, Weight: 1},
	}
	return m
}

func mustCompile(t testing.TB, m scoring.Model, c *persona.Catalog) *scoring.Scorer {
	t.Helper()
	s, err := scoring.Compile(m, c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func contacts(acct string, byPersona map[string]persona.ID) persona.Account {
	a := persona.Account{ID: acct}
	for id, p := range byPersona {
		a.Contacts = append(a.Contacts, persona.Contact{ID: id, Account: acct, Persona: p})
	}
	return a
}

func sig(contact string, value float64, age time.Duration) scoring.Signal {
	return scoring.Signal{Account: "acme", Contact: contact, Metric: "score", Value: value, At: t0.Add(-age)}
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.10g, want %.10g (±%g)", what, got, want, tol)
	}
}

// Case (a): nested weighted means, no decay, k = 0, with a chatty contact.
//
//	a1: c1 says 80                      -> a1 = 80
//	a2: c2 says 20 ten times, c3 says 60 -> c2 = 20, c3 = 60, a2 = (20+60)/2 = 40
//	b1: c4 says 70                      -> b1 = 70
//	group A = (1*80 + 3*40)/4 = 50;  group B = 70
//	account = (2*50 + 1*70)/3 = 56.6667
//
// A flat average of all 13 signals would be (80 + 200 + 60 + 70)/13 = 31.5:
// the chatty contact would drown everyone else.
//
// Shares of the account: a1 2/3*1/4 = 1/6, a2 2/3*3/4 = 1/2, b1 1/3.
// Contributions from the baseline 50: +5, -5, +6.6667.
// Variances Spread^2/n with Spread 20: a1 400/1, a2 400/2 (two contacts), b1 400/1;
// account variance (1/6)^2*400 + (1/2)^2*200 + (1/3)^2*400 = 105.5556, SE 10.2740;
// 90% interval 56.6667 ± 1.644854*10.2740 = 39.7672..73.5661.
// Effective n: 1 / ((1/6)^2*1 + (1/2)^2*(1/2) + (1/3)^2*1) = 3.7895.
func TestNestedMeansHandComputed(t *testing.T) {
	cat := testCatalog(t)
	s := mustCompile(t, plainModel(), cat)
	acct := contacts("acme", map[string]persona.ID{"c1": "a1", "c2": "a2", "c3": "a2", "c4": "b1"})
	sigs := []scoring.Signal{sig("c1", 80, 0), sig("c3", 60, day), sig("c4", 70, 0)}
	for i := range 10 {
		sigs = append(sigs, sig("c2", 20, time.Duration(i)*day))
	}
	r, err := s.Score(acct, sigs, t0)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "score", r.Score, 170.0/3, 1e-12)
	near(t, "std err", r.StdErr, math.Sqrt(105.0+5.0/9), 1e-9)
	near(t, "low", r.Low, 170.0/3-1.6448536269514722*math.Sqrt(105.0+5.0/9), 1e-9)
	near(t, "high", r.High, 170.0/3+1.6448536269514722*math.Sqrt(105.0+5.0/9), 1e-9)
	near(t, "effective n", r.EffectiveN, 1/(1.0/36+1.0/8+1.0/9), 1e-9)
	if len(r.Personas) != 3 {
		t.Fatalf("personas heard = %+v", r.Personas)
	}
	wants := []struct {
		id                 persona.ID
		score, weight, c   float64
		contacts, nsignals int
	}{
		{"a1", 80, 1.0 / 6, 5, 1, 1},
		{"a2", 40, 0.5, -5, 2, 11},
		{"b1", 70, 1.0 / 3, 20.0 / 3, 1, 1},
	}
	sum := r.Baseline
	for i, w := range wants {
		p := r.Personas[i]
		if p.Persona != w.id || p.Contacts != w.contacts || p.Signals != w.nsignals {
			t.Errorf("persona %d = %+v, want %+v", i, p, w)
		}
		near(t, string(w.id)+" score", p.Score, w.score, 1e-12)
		near(t, string(w.id)+" weight", p.Weight, w.weight, 1e-12)
		near(t, string(w.id)+" contribution", p.Contribution, w.c, 1e-12)
		sum += p.Contribution
	}
	if sum+r.VetoAdjustment != r.Score {
		t.Errorf("baseline + contributions = %v, score %v: not exactly additive", sum, r.Score)
	}
	near(t, "group A", r.Groups[0].Score, 50, 1e-12)
	near(t, "group B", r.Groups[1].Score, 70, 1e-12)
	near(t, "group A weight", r.Groups[0].Weight, 2.0/3, 1e-12)
	// Coverage: a1, a2, b1 hold all the weight (v weighs 0).
	near(t, "coverage", r.Coverage, 1, 1e-12)
	if r.Band != "at risk" || r.SignalsUsed != 13 || !r.Scored {
		t.Errorf("band %q, signals used %d, scored %v", r.Band, r.SignalsUsed, r.Scored)
	}
	if len(r.SingleThreaded) != 2 || r.SingleThreaded[0] != "a1" || r.SingleThreaded[1] != "b1" {
		t.Errorf("single-threaded = %v, want [a1 b1]", r.SingleThreaded)
	}
}

// Case (b): NPS answers map promoter -> 100, passive -> 50, detractor -> 0, so
// the mean equals 50 + NPS/2. With 250 promoters, 675 passives and 75
// detractors in 1000, NPS = 25% - 7.5% = 17.5 and the mean is 58.75.
func TestNPSMapping(t *testing.T) {
	cat := testCatalog(t)
	m := plainModel()
	m.Metrics = []scoring.Metric{{Name: "nps", Kind: scoring.KindNPS, Min: 0, Max: 10, Weight: 1}}
	s := mustCompile(t, m, cat)
	var sigs []scoring.Signal
	add := func(n int, v float64) {
		for range n {
			sigs = append(sigs, scoring.Signal{Persona: "a1", Metric: "nps", Value: v, At: t0})
		}
	}
	add(150, 10)
	add(100, 9)
	add(400, 8)
	add(275, 7)
	add(50, 6)
	add(25, 0)
	r, err := s.Score(persona.Account{ID: "acme"}, sigs, t0)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "a1 raw", r.Personas[0].Raw, 58.75, 1e-9)
	// 1000 anonymous respondents are 1000 people.
	near(t, "a1 effective n", r.Personas[0].N, 1000, 1e-9)
	if r.Personas[0].Contacts != 1000 {
		t.Errorf("contacts = %d, want 1000", r.Personas[0].Contacts)
	}
}

// Case (c): recency weight 0.5^(age/90d): 45d -> 0.7071, 90d -> 0.5,
// 180d -> 0.25, 365d -> 0.0601. One contact says 100 today and 0 at the given
// age, so their value is 100/(1 + w) and w = 100/value - 1.
func TestRecencyDecay(t *testing.T) {
	cat := testCatalog(t)
	m := plainModel()
	m.HalfLife = scoring.Duration(90 * day)
	s := mustCompile(t, m, cat)
	acct := contacts("acme", map[string]persona.ID{"c1": "a1"})
	for _, tc := range []struct {
		days int
		want float64
	}{{45, 0.70710678}, {90, 0.5}, {180, 0.25}, {365, 0.06011}} {
		r, err := s.Score(acct, []scoring.Signal{sig("c1", 100, 0), sig("c1", 0, time.Duration(tc.days)*day)}, t0)
		if err != nil {
			t.Fatal(err)
		}
		near(t, "weight at "+time.Duration(tc.days*24).String()+"h", 100/r.Personas[0].Raw-1, tc.want, 5e-5)
	}
}

// Case (d): a Gainsight-style weighted group score. Measures weighted 20, 15
// and 22 scoring 47, 59 and 21 give (20*47 + 15*59 + 22*21)/57 = 2287/57 =
// 40.1228; with the middle one missing the weights renormalise over the
// other two: (20*47 + 22*21)/42 = 1402/42 = 33.3810.
func TestGroupWeightsRenormalise(t *testing.T) {
	cat, err := persona.NewCatalog([]persona.Group{{ID: "g", Weight: 1}}, []persona.Persona{
		{ID: "p1", Group: "g", Weight: 20}, {ID: "p2", Group: "g", Weight: 15}, {ID: "p3", Group: "g", Weight: 22}})
	if err != nil {
		t.Fatal(err)
	}
	s := mustCompile(t, plainModel(), cat)
	acct := contacts("acme", map[string]persona.ID{"c1": "p1", "c2": "p2", "c3": "p3"})
	all := []scoring.Signal{sig("c1", 47, 0), sig("c2", 59, 0), sig("c3", 21, 0)}
	r, _ := s.Score(acct, all, t0)
	near(t, "all three", r.Score, 2287.0/57, 1e-12)
	r, _ = s.Score(acct, []scoring.Signal{all[0], all[2]}, t0)
	near(t, "middle missing", r.Score, 1402.0/42, 1e-12)
	if len(r.Missing) != 1 || r.Missing[0] != "p2" {
		t.Errorf("missing = %v, want [p2]", r.Missing)
	}
	near(t, "coverage", r.Coverage, 42.0/57, 1e-12)
}

func TestMinRule(t *testing.T) {
	cat := testCatalog(t)
	m := plainModel()
	m.Groups = []scoring.GroupWeight{{Group: "A", Weight: 2, Rule: scoring.RuleMin}}
	s := mustCompile(t, m, cat)
	acct := contacts("acme", map[string]persona.ID{"c1": "a1", "c2": "a2", "c4": "b1"})
	r, _ := s.Score(acct, []scoring.Signal{sig("c1", 30, 0), sig("c2", 90, 0), sig("c4", 60, 0)}, t0)
	// Group A is its weakest persona, 30; account (2*30 + 60)/3 = 40.
	near(t, "score", r.Score, 40, 1e-12)
	near(t, "a2 weight", r.Personas[1].Weight, 0, 0)
	near(t, "a1 weight", r.Personas[0].Weight, 2.0/3, 1e-12)
}

// Case (e): a veto holder below VetoBelow caps the account at its own score.
func TestVetoCap(t *testing.T) {
	cat := testCatalog(t)
	m := plainModel()
	m.VetoBelow = 35
	m.VetoOn = scoring.VetoOnScore // the cap's mechanics; the evidence rule is tested in domain_test.go
	m.Personas = []scoring.PersonaWeight{{Persona: "v", Weight: new(1.0)}}
	s := mustCompile(t, m, cat)
	acct := contacts("acme", map[string]persona.ID{"c1": "a1", "c4": "b1", "cv": "v"})
	// Uncapped: A = 90; B = (60 + 20)/2 = 40; account (2*90 + 40)/3 = 73.3333. v at 20 caps it.
	r, _ := s.Score(acct, []scoring.Signal{sig("c1", 90, 0), sig("c4", 60, 0), sig("cv", 20, 0)}, t0)
	near(t, "score", r.Score, 20, 0)
	near(t, "veto adjustment", r.VetoAdjustment, 20-220.0/3, 1e-12)
	if r.Veto != (scoring.Veto{Persona: "v", Score: 20, Raw: 20, Conclusive: true, Applied: true}) {
		t.Errorf("veto = %+v", r.Veto)
	}
	if !(r.Low <= r.Score && r.Score <= r.High) {
		t.Errorf("interval %v..%v does not contain %v", r.Low, r.High, r.Score)
	}
	// At 40 the veto holder is above VetoBelow: no cap.
	r, _ = s.Score(acct, []scoring.Signal{sig("c1", 90, 0), sig("c4", 60, 0), sig("cv", 40, 0)}, t0)
	near(t, "uncapped score", r.Score, (2*90+50)/3.0, 1e-12)
	if r.Veto.Persona != "" {
		t.Errorf("veto = %+v, want none", r.Veto)
	}
}

// Case (f): shrinkage toward the prior. One contact saying 90 with k = 2 and
// prior 50 gives (1*90 + 2*50)/(1 + 2) = 63.3333, with variance 20^2/3; two
// contacts saying 90 give (2*90 + 100)/4 = 70 with variance 20^2/4.
func TestShrinkage(t *testing.T) {
	cat := testCatalog(t)
	m := plainModel()
	m.PriorStrength = 2
	s := mustCompile(t, m, cat)
	acct := contacts("acme", map[string]persona.ID{"c1": "a1", "c2": "a1"})
	r, _ := s.Score(acct, []scoring.Signal{sig("c1", 90, 0)}, t0)
	p := r.Personas[0]
	near(t, "one contact", p.Score, 190.0/3, 1e-12)
	near(t, "one contact SE", p.StdErr, 20/math.Sqrt(3), 1e-12)
	near(t, "raw", p.Raw, 90, 0)
	r, _ = s.Score(acct, []scoring.Signal{sig("c1", 90, 0), sig("c2", 90, 0)}, t0)
	near(t, "two contacts", r.Personas[0].Score, 70, 1e-12)
	near(t, "two contacts SE", r.Personas[0].StdErr, 10, 1e-12)
}

func TestEmptyAccountHasDefinedResult(t *testing.T) {
	s := mustCompile(t, plainModel(), testCatalog(t))
	r, err := s.Score(persona.Account{ID: "new"}, nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Scored || r.Score != 0 || r.Coverage != 0 || r.Band != scoring.BandInsufficient || r.Low != 0 || r.High != 100 {
		t.Errorf("empty account result = %+v", r)
	}
	if len(r.Missing) != 3 {
		t.Errorf("missing = %v, want the three weighted personas", r.Missing)
	}
}

func TestMultipleMetricsAndReversedScale(t *testing.T) {
	cat := testCatalog(t)
	m := plainModel()
	m.Metrics = []scoring.Metric{
		{Name: "csat", Kind: scoring.KindCSAT, Min: 1, Max: 5, Weight: 1},
		{Name: "ces", Kind: scoring.KindCES, Min: 1, Max: 7, LowerIsBetter: true, Weight: 3},
	}
	m.Personas = []scoring.PersonaWeight{{Persona: "b1", Weight: new(1.0), Metrics: map[string]float64{"csat": 0}}}
	s := mustCompile(t, m, cat)
	acct := contacts("acme", map[string]persona.ID{"c1": "a1", "c4": "b1"})
	at := t0
	r, _ := s.Score(acct, []scoring.Signal{
		{Contact: "c1", Metric: "csat", Value: 4, At: at}, // (4-1)/4 = 75
		{Contact: "c1", Metric: "ces", Value: 2, At: at},  // 100 - (2-1)/6*100 = 83.3333
		{Contact: "c4", Metric: "csat", Value: 5, At: at}, // b1 does not weigh csat: dropped
		{Contact: "c4", Metric: "ces", Value: 7, At: at},  // 0
	}, at)
	// a1 = (1*75 + 3*83.3333)/4 = 81.25
	near(t, "a1", r.Personas[0].Score, (75+3*(100-100.0/6))/4, 1e-12)
	near(t, "b1", r.Personas[1].Score, 0, 1e-12)
	if len(r.Dropped) != 1 || r.Dropped[0].Reason != scoring.ReasonMetricNotWeighted {
		t.Errorf("dropped = %+v", r.Dropped)
	}
}

// The flat average of case (a) is (80 + 10*20 + 60 + 70)/13 = 410/13 = 31.54,
// where the persona-aware score is 56.67.
func TestFlatAverage(t *testing.T) {
	s := mustCompile(t, plainModel(), testCatalog(t))
	sigs := []scoring.Signal{sig("c1", 80, 0), sig("c3", 60, day), sig("c4", 70, 0), sig("c1", 101, 0), sig("c1", 50, -day)}
	for i := range 10 {
		sigs = append(sigs, sig("c2", 20, time.Duration(i)*day))
	}
	mean, n := s.FlatAverage(sigs, t0)
	near(t, "flat average", mean, 410.0/13, 1e-12)
	if n != 13 {
		t.Errorf("n = %d, want 13 (off-scale and future signals skipped)", n)
	}
	if mean, n := s.FlatAverage(nil, t0); mean != 0 || n != 0 {
		t.Errorf("empty: %v, %d", mean, n)
	}
}
