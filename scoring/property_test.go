package scoring_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
	"github.com/villagecx/village/scoring/scoringtest"
)

// randomModel draws a valid model for testCatalog: one to three metrics of
// assorted kinds and scales, random metric, persona and group weights (some
// zero), random rules, veto threshold, recency, shrinkage and confidence.
func randomModel(rng *rand.Rand) scoring.Model {
	kinds := []scoring.Metric{
		{Name: "score", Kind: scoring.KindCustom, Min: 0, Max: 100},
		{Name: "nps", Kind: scoring.KindNPS, Min: 0, Max: 10},
		{Name: "csat", Kind: scoring.KindCSAT, Min: 1, Max: 5},
		{Name: "ces", Kind: scoring.KindCES, Min: 1, Max: 7, LowerIsBetter: true},
		{Name: "usage", Kind: scoring.KindUsage, Min: 0, Max: 1},
	}
	rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	m := scoring.Model{
		Metrics:       kinds[:1+rng.IntN(3)],
		VetoBelow:     []float64{0, 30, 60, 100}[rng.IntN(4)],
		PriorStrength: []float64{0, 0, 0.5, 2, 10}[rng.IntN(5)],
		PriorMean:     100 * rng.Float64(),
		Spread:        1 + 49*rng.Float64(),
		Confidence:    []float64{0.5, 0.8, 0.9, 0.99}[rng.IntN(4)],
		Bands:         []scoring.Band{{Name: "low", Min: 0}, {Name: "high", Min: 50}},
		MinCoverage:   rng.Float64() / 2,
	}
	for i := range m.Metrics {
		m.Metrics[i].Weight = []float64{0.1, 1, 2, 1e-3 + rng.Float64()}[rng.IntN(4)]
	}
	if rng.IntN(2) == 0 {
		m.HalfLife = scoring.Duration(time.Duration(1+rng.IntN(400*24)) * time.Hour)
	}
	if rng.IntN(3) == 0 {
		m.MaxAge = scoring.Duration(time.Duration(1+rng.IntN(800)) * day)
	}
	// a1 always weighs 1 in group A, which always weighs 1, so that some
	// persona carries weight; the others are left to chance.
	m.Personas = []scoring.PersonaWeight{{Persona: "a1", Weight: new(1.0)}}
	for _, p := range []persona.ID{"a2", "b1", "v"} {
		if rng.IntN(2) == 0 {
			continue
		}
		pw := scoring.PersonaWeight{Persona: p}
		if rng.IntN(2) == 0 {
			pw.Weight = new([]float64{0, 0.3, 1, 5}[rng.IntN(4)])
		}
		if rng.IntN(2) == 0 {
			pw.Metrics = map[string]float64{m.Metrics[0].Name: []float64{0, 0.2, 3}[rng.IntN(3)]}
		}
		m.Personas = append(m.Personas, pw)
	}
	m.Groups = []scoring.GroupWeight{
		{Group: "A", Weight: 1, Rule: []scoring.Rule{scoring.RuleMean, scoring.RuleMin}[rng.IntN(2)]},
		{Group: "B", Weight: []float64{0, 0.4, 1, 7}[rng.IntN(4)], Rule: []scoring.Rule{scoring.RuleMean, scoring.RuleMin}[rng.IntN(2)]},
	}
	if rng.IntN(2) == 0 { // two-level evidence, up to all of it a person's own
		m.PersonSpread = m.Spread * []float64{0.01, 0.5, 0.9, 1}[rng.IntN(4)]
	}
	return m
}

// randomCase draws an account of up to ten contacts (some gone, some in a
// persona the catalog lacks) and up to forty signals: values often at the
// ends of the scale, ages from seconds to years, anonymous answers,
// duplicates, and some bad signals.
func randomCase(rng *rand.Rand, m *scoring.Model, name string) scoringtest.Case {
	personas := []persona.ID{"a1", "a2", "b1", "v", "v", "ghost"}
	acct := persona.Account{ID: name}
	for i := range rng.IntN(11) {
		c := persona.Contact{ID: fmt.Sprintf("c%d", i), Account: name, Persona: personas[rng.IntN(len(personas))]}
		if rng.IntN(8) == 0 {
			c.Left = t0.Add(-time.Duration(rng.IntN(100)) * day)
		}
		acct.Contacts = append(acct.Contacts, c)
	}
	var sigs []scoring.Signal
	extreme := rng.IntN(4) == 0 // every answer at the best end: rounding must not push the score past 100
	for range rng.IntN(41) {
		metric := m.Metrics[rng.IntN(len(m.Metrics))]
		var v float64
		switch rng.IntN(4) {
		case 0:
			v = metric.Min
		case 1:
			v = metric.Max
		default:
			v = metric.Min + (metric.Max-metric.Min)*rng.Float64()
		}
		if metric.Kind == scoring.KindNPS {
			v = math.Round(v)
		}
		if extreme {
			v = scoringtest.RaiseToBest(*m)(scoring.Signal{Metric: metric.Name}).Value
		}
		age := []time.Duration{0, time.Second, time.Duration(rng.IntN(1000)) * day, time.Duration(rng.Int64N(int64(60 * day)))}[rng.IntN(4)]
		s := scoring.Signal{Metric: metric.Name, Value: v, At: t0.Add(-age)}
		switch {
		case len(acct.Contacts) > 0 && rng.IntN(6) != 0:
			s.Contact = acct.Contacts[rng.IntN(len(acct.Contacts))].ID
		default:
			s.Persona = personas[rng.IntN(4)]
		}
		if rng.IntN(10) == 0 {
			s.Account = name
		}
		if rng.IntN(20) == 0 {
			s.Value = math.NaN()
		}
		sigs = append(sigs, s)
		if len(sigs) > 1 && rng.IntN(8) == 0 { // a duplicate of an earlier signal, maybe with another value
			d := sigs[rng.IntN(len(sigs))]
			if rng.IntN(2) == 0 {
				d.Value = metric.Min
				d.Metric = metric.Name
			}
			sigs = append(sigs, d)
		}
	}
	return scoringtest.Case{Name: name, Account: acct, Signals: sigs, At: t0}
}

// TestPropertiesOverRandomModels holds random models on random accounts to
// the AccountScorer contract (scoringtest: bounds, Low <= Score <= High,
// contributions adding up, permutation and shard invariance, monotonicity,
// nothing lost), and checks that ScoreAll over a stream reusing its buffers,
// with one or three workers, equals Score bit for bit.
func TestPropertiesOverRandomModels(t *testing.T) {
	cat := testCatalog(t)
	models, casesPerModel := 400, 6
	if testing.Short() {
		models = 60
	}
	for i := range models {
		rng := rand.New(rand.NewPCG(18, uint64(i)))
		m := randomModel(rng)
		s, err := scoring.Compile(m, cat)
		if err != nil {
			t.Fatalf("model %d: %v", i, err)
		}
		var cases []scoringtest.Case
		for j := range casesPerModel {
			cases = append(cases, randomCase(rng, &m, fmt.Sprintf("m%d-a%d", i, j)))
		}
		if err := scoringtest.Check(s, scoringtest.Config{
			Cases: cases, Merge: scoringtest.ShardMerge(s), Raise: scoringtest.RaiseToBest(m), Seed: uint64(i),
		}); err != nil {
			t.Fatalf("model %d %+v:\n%v", i, m, err)
		}
		want := make([]scoring.Result, len(cases))
		for j, c := range cases {
			want[j], _ = s.Score(c.Account, c.Signals, t0)
		}
		for _, workers := range []int{1, 3} {
			j := 0
			for got, err := range s.ScoreAll(context.Background(), reusingStream(cases), t0, &scoring.BatchOptions{Workers: workers}) {
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want[j], got, cmp.AllowUnexported(scoring.Result{}), cmpopts.EquateNaNs()); d != "" {
					t.Fatalf("model %d, account %d, %d workers: ScoreAll differs from Score:\n%s", i, j, workers, d)
				}
				j++
			}
		}
		checkBatch(t, fmt.Sprintf("model %d", i), s, cases, batchOf(t, s, cases), t0, 1, 3)
	}
}
