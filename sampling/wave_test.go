package sampling_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/villagecx/village/sampling"
)

// A wave small enough to compute by hand. Stratum a: 4 units of weight 5,
// answers 10, 8, 3 and one nonrespondent; stratum b: 2 units of weight 10,
// answer 9 and one nonrespondent. Within strata the respondents carry the
// nonrespondents: a's three weigh 20/3 each, b's one 20.
//
//	naive: promoters 10 and 9, passive 8, detractor 3: (2 - 1)/4 = 0.25
//	everyone: (20/3*(1 + 0 - 1) + 20*1)/40 = 0.5
//	weighted, a at 0.75 and b at 0.25: 0.75*0 + 0.25*1 = 0.25
func TestNPSWaveByHand(t *testing.T) {
	units := []sampling.Unit{
		{Stratum: "a", Weight: 5}, {Stratum: "a", Weight: 5}, {Stratum: "a", Weight: 5}, {Stratum: "a", Weight: 5},
		{Stratum: "b", Weight: 10}, {Stratum: "b", Weight: 10},
	}
	d, err := sampling.NewDesign(units, &sampling.DesignOptions{Lonely: sampling.LonelyCertainty})
	if err != nil {
		t.Fatal(err)
	}
	strata := []string{"a", "a", "a", "a", "b", "b"}
	responded := []bool{true, true, true, false, true, false}
	scores := []float64{10, 8, 3, math.NaN(), 9, math.NaN()} // a nonrespondent's score is never read
	est, err := d.NPSWave(strata, responded, scores, nil, map[string]float64{"a": 0.75, "b": 0.25})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"naive", est.Naive.Value, 0.25},
		{"everyone", est.Everyone.Value, 0.5},
		{"weighted", est.Weighted.Value, 0.25},
	} {
		if math.Abs(c.got-c.want) > 1e-12 {
			t.Errorf("%s NPS = %v, want %v", c.name, c.got, c.want)
		}
	}
	if est.Answered["a"] != 3 || est.Answered["b"] != 1 || len(est.Pooled) != 0 {
		t.Errorf("answered %v, pooled %v", est.Answered, est.Pooled)
	}

	// Nobody answers in b: without a pool it is an error; pooled with a,
	// a's respondents carry b's weight: (40/3)*(1 + 0 - 1) over 40 = 0, and
	// b, unheard, drops out of the persona-weighted figure.
	responded[4] = false
	if _, err := d.NPSWave(strata, responded, scores, nil, nil); !errors.Is(err, sampling.ErrEmptyCell) {
		t.Errorf("an unheard stratum with no pool: %v", err)
	}
	est, err = d.NPSWave(strata, responded, scores, map[string]string{"a": "g", "b": "g"}, map[string]float64{"a": 0.75, "b": 0.25})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(est.Everyone.Value) > 1e-12 || math.Abs(est.Weighted.Value) > 1e-12 || !slices.Equal(est.Pooled, []string{"b"}) {
		t.Errorf("pooled: everyone %v, weighted %v, pooled %v", est.Everyone.Value, est.Weighted.Value, est.Pooled)
	}
	if _, err := d.NPSWave(strata[:2], responded, scores, nil, nil); !errors.Is(err, sampling.ErrLength) {
		t.Errorf("short strata: %v", err)
	}
}

// PlanWave stays within the budget, asks each stratum at least its minimum
// where it can, never more than the fatigue rules leave, and gives the same
// sample for the same source.
func TestPlanWave(t *testing.T) {
	var frame []sampling.FrameUnit
	for i := range 600 {
		st, cost := "user", 1.0
		if i%10 == 0 {
			st, cost = "exec", 6
		}
		frame = append(frame, sampling.FrameUnit{ID: string(rune('A'+i%26)) + string(rune('a'+i/26)), Account: string(rune('a' + i%40)), Stratum: st, Cost: cost})
	}
	opts := sampling.WaveOptions{Budget: 200, Method: sampling.Neyman, MinPerStratum: 8, Fatigue: sampling.Fatigue{MaxPerAccount: 3}}
	src := func() rand.Source { return rand.NewPCG(3, 4) }
	w, err := sampling.PlanWave(frame, opts, src)
	if err != nil {
		t.Fatal(err)
	}
	var spent float64
	got := map[string]int{}
	for _, u := range w.Sample.Units {
		spent += u.Cost
		got[u.Stratum]++
	}
	if spent > opts.Budget || got["exec"] < 8 || len(w.Sample.Units) != w.N {
		t.Errorf("spent %v of %v, sizes %v, n %d", spent, opts.Budget, got, w.N)
	}
	for k, n := range got {
		if n > w.Sample.Fatigue.Eligible[k] {
			t.Errorf("%s: %d asked of %d eligible", k, n, w.Sample.Fatigue.Eligible[k])
		}
	}
	again, _ := sampling.PlanWave(frame, opts, src)
	if !slices.Equal(again.Sample.Units, w.Sample.Units) {
		t.Error("the same source gave another sample")
	}
}

// Inclusion probabilities by hand: sizes 1, 2, 3, 10 and n = 2 give
// 2*(1, 2, 3, 10)/16 = 0.125, 0.25, 0.375, 1.25; the last is taken with
// certainty and the one left spread over 1, 2, 3: 1/6, 2/6, 3/6.
func TestInclusionProbabilitiesByHand(t *testing.T) {
	pi, err := sampling.InclusionProbabilities([]float64{1, 2, 3, 10}, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{1.0 / 6, 2.0 / 6, 3.0 / 6, 1} {
		if math.Abs(pi[i]-want) > 1e-15 {
			t.Errorf("pi[%d] = %v, want %v", i, pi[i], want)
		}
	}
	if _, err := sampling.InclusionProbabilities([]float64{1, 0, 0}, 2); !errors.Is(err, sampling.ErrInfeasible) {
		t.Errorf("n above the units of positive size: %v", err)
	}
}

// Sampford's and Brewer's methods include each unit with its probability:
// over 40,000 draws every unit's frequency is within 4 standard errors of
// pi, every sample has n distinct units, and the same source gives the same
// samples.
func TestPPSSelectionFrequencies(t *testing.T) {
	for _, m := range []struct {
		name string
		pick func([]float64, rand.Source) ([]int, error)
	}{{"Sampford", sampling.Sampford}, {"Brewer", sampling.Brewer}} {
		t.Run(m.name, func(t *testing.T) { checkPPSFrequencies(t, m.pick) })
	}
}

func checkPPSFrequencies(t *testing.T, selectPPS func([]float64, rand.Source) ([]int, error)) {
	pi, err := sampling.InclusionProbabilities([]float64{5, 1, 3, 8, 2, 2, 9, 4, 6, 30}, 4)
	if err != nil {
		t.Fatal(err)
	}
	const draws = 40_000
	count := make([]int, len(pi))
	src := rand.NewPCG(7, 8)
	for range draws {
		s, err := selectPPS(pi, src)
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != 4 || len(slices.Compact(slices.Clone(s))) != 4 {
			t.Fatalf("sample %v", s)
		}
		for _, i := range s {
			count[i]++
		}
	}
	for i, p := range pi {
		f := float64(count[i]) / draws
		if se := math.Sqrt(p * (1 - p) / draws); math.Abs(f-p) > 4*se+1e-12 {
			t.Errorf("unit %d: frequency %.4f, pi %.4f (SE %.4f)", i, f, p, se)
		}
	}
	a, _ := selectPPS(pi, rand.NewPCG(1, 1))
	b, _ := selectPPS(pi, rand.NewPCG(1, 1))
	if !slices.Equal(a, b) {
		t.Error("the same source gave two samples")
	}
	if _, err := selectPPS([]float64{0.5, 0.7}, src); !errors.Is(err, sampling.ErrInvalidValue) {
		t.Errorf("probabilities adding up to 1.2: %v", err)
	}
}
