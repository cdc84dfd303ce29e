package sampling_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/villagecx/village/sampling"
)

func equalUnits(n int, stratum string, w float64) []sampling.Unit {
	u := make([]sampling.Unit, n)
	for i := range u {
		u[i] = sampling.Unit{Stratum: stratum, Weight: w}
	}
	return u
}

// Four respondents in two cells, weights 10: cell "a" has 3 units of which 2
// answered, so each respondent there stands for 30/20 = 1.5 times its weight
// (15); cell "b" has 1 unit that answered (10). The respondents' weights add
// up to the whole sample's, 40.
func TestAdjustNonresponse(t *testing.T) {
	d, err := sampling.NewDesign(equalUnits(4, "", 10), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, kept, err := d.AdjustNonresponse([]string{"a", "a", "a", "b"}, []bool{true, false, true, true})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{15, 15, 10}
	for i, w := range r.Weights() {
		if math.Abs(w-want[i]) > 1e-12 {
			t.Errorf("weight %d = %v, want %v", i, w, want[i])
		}
	}
	if len(kept) != 3 || kept[0] != 0 || kept[1] != 2 || kept[2] != 3 {
		t.Errorf("kept = %v, want [0 2 3]", kept)
	}
	if _, _, err := d.AdjustNonresponse([]string{"a", "a", "b", "b"}, []bool{true, true, false, false}); !errors.Is(err, sampling.ErrEmptyCell) {
		t.Errorf("a cell with no respondent: %v", err)
	}
	if _, _, err := d.AdjustNonresponse([]string{"a"}, []bool{true}); !errors.Is(err, sampling.ErrLength) {
		t.Errorf("short inputs: %v", err)
	}
	p, _ := d.PostStratify([]string{"x", "x", "y", "y"}, map[string]float64{"x": 20, "y": 30})
	if _, _, err := p.AdjustNonresponse([]string{"a", "a", "a", "a"}, []bool{true, true, true, true}); !errors.Is(err, sampling.ErrInvalidValue) {
		t.Errorf("adjusting a calibrated design: %v", err)
	}
}

// With weights 1, 1, 2, 4 the sum is 8 and the sum of squares 22: Kish's
// effective size is 64/22 = 2.909 and the design effect 4/2.909 = 1.375.
func TestKish(t *testing.T) {
	d, _ := sampling.NewDesign([]sampling.Unit{{Weight: 1}, {Weight: 1}, {Weight: 2}, {Weight: 4}}, nil)
	if math.Abs(d.KishN()-64.0/22) > 1e-12 || math.Abs(d.KishDEff()-4*22.0/64) > 1e-12 {
		t.Errorf("KishN %v, KishDEff %v", d.KishN(), d.KishDEff())
	}
}

func TestDesignErrors(t *testing.T) {
	if _, err := sampling.NewDesign(nil, nil); !errors.Is(err, sampling.ErrEmpty) {
		t.Errorf("no units: %v", err)
	}
	for _, w := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := sampling.NewDesign([]sampling.Unit{{Weight: 1}, {Weight: w}}, nil); !errors.Is(err, sampling.ErrInvalidValue) {
			t.Errorf("weight %v: %v", w, err)
		}
	}
	lonely := []sampling.Unit{{Stratum: "a", Weight: 1}, {Stratum: "a", Weight: 1}, {Stratum: "b", Weight: 3}}
	if _, err := sampling.NewDesign(lonely, nil); !errors.Is(err, sampling.ErrLonelyPSU) {
		t.Errorf("a stratum with one unit: %v", err)
	}
	d, err := sampling.NewDesign(lonely, &sampling.DesignOptions{Lonely: sampling.LonelyCertainty})
	if err != nil {
		t.Fatal(err)
	}
	// Under "certainty" the lonely stratum adds no variance: only stratum a's
	// two units (values 1 and 3, weight 1 each) do: 2/1 * ((1-2)^2 + (3-2)^2) = 4.
	e, err := d.Total([]float64{1, 3, 100})
	if err != nil || math.Abs(e.SE-2) > 1e-12 || e.Value != 304 {
		t.Errorf("total with a certainty stratum = %+v, %v; want 304 with SE 2", e, err)
	}
	if _, err := sampling.NewDesign(lonely, &sampling.DesignOptions{PopulationPSUs: map[string]float64{"a": 10}}); !errors.Is(err, sampling.ErrUnknownStratum) {
		t.Errorf("a stratum missing from PopulationPSUs: %v", err)
	}
	if _, err := sampling.NewDesign(lonely[:2], &sampling.DesignOptions{PopulationPSUs: map[string]float64{"a": 1}}); !errors.Is(err, sampling.ErrInvalidValue) {
		t.Errorf("a population smaller than the sample: %v", err)
	}
	// A stratum sampled in full (a census) adds no variance even with one unit.
	census, err := sampling.NewDesign([]sampling.Unit{{Stratum: "c", Weight: 1}}, &sampling.DesignOptions{PopulationPSUs: map[string]float64{"c": 1}})
	if err != nil {
		t.Fatalf("a one-unit census stratum: %v", err)
	}
	if e, _ := census.Mean([]float64{5}); e.SE != 0 || e.Value != 5 {
		t.Errorf("census mean = %+v", e)
	}

	d, _ = sampling.NewDesign(equalUnits(3, "", 2), nil)
	for name, f := range map[string]func() error{
		"a NaN value":            func() error { _, err := d.Mean([]float64{1, math.NaN(), 2}); return err },
		"an infinite value":      func() error { _, err := d.Total([]float64{1, math.Inf(1), 2}); return err },
		"a zero total of x":      func() error { _, err := d.Ratio([]float64{1, 2, 3}, []float64{0, 0, 0}); return err },
		"an infinite x":          func() error { _, err := d.Ratio([]float64{1, 2, 3}, []float64{0, math.Inf(-1), 0}); return err },
		"an NPS answer above 10": func() error { _, err := d.NPS([]float64{1, 11, 3}); return err },
	} {
		if err := f(); !errors.Is(err, sampling.ErrInvalidValue) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, f := range map[string]func() error{
		"short y":            func() error { _, err := d.Mean([]float64{1}); return err },
		"short domain":       func() error { _, err := d.DomainMean([]float64{1, 2, 3}, []bool{true}); return err },
		"short proportion":   func() error { _, err := d.Proportion([]bool{true}); return err },
		"short domain total": func() error { _, err := d.DomainTotal([]float64{1, 2, 3}, nil); return err },
		"short NPS":          func() error { _, err := d.NPS(nil); return err },
		"short x":            func() error { _, err := d.Ratio([]float64{1, 2, 3}, nil); return err },
	} {
		if err := f(); !errors.Is(err, sampling.ErrLength) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := d.DomainMean([]float64{1, 2, 3}, []bool{false, false, false}); !errors.Is(err, sampling.ErrEmpty) {
		t.Errorf("an empty domain: %v", err)
	}
	if lo, hi := (sampling.Estimate{Value: 1, SE: 1}).CI(1.5); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("CI at level 1.5 = %v, %v; want NaN", lo, hi)
	}
}

func TestCalibrationErrors(t *testing.T) {
	d, _ := sampling.NewDesign(equalUnits(4, "", 10), nil)
	cells := []string{"x", "x", "y", "y"}
	for name, tc := range map[string]struct {
		totals map[string]float64
		want   error
	}{
		"a unit in a cell without a total":  {map[string]float64{"x": 10}, sampling.ErrUnknownCell},
		"a cell with a total and no sample": {map[string]float64{"x": 10, "y": 10, "z": 5}, sampling.ErrEmptyCell},
		"a negative total":                  {map[string]float64{"x": -10, "y": 10}, sampling.ErrInvalidValue},
		"a cell with a sample and total 0":  {map[string]float64{"x": 0, "y": 10}, sampling.ErrZeroCell},
		"a NaN total":                       {map[string]float64{"x": math.NaN(), "y": 10}, sampling.ErrInvalidValue},
	} {
		if _, err := d.PostStratify(cells, tc.totals); !errors.Is(err, tc.want) {
			t.Errorf("post-stratifying with %s: %v", name, err)
		}
	}
	// The review's case (issue 18): a raking cell with total 0 used to give
	// weights of 0 and an "estimate overflows" error from every estimate.
	if _, err := d.Rake([]sampling.Margin{{Cells: cells, Totals: map[string]float64{"x": 0, "y": 20}}}, nil); !errors.Is(err, sampling.ErrZeroCell) {
		t.Errorf("raking with a zero cell: %v", err)
	}
	if _, err := d.PostStratify(cells[:2], map[string]float64{"x": 1}); !errors.Is(err, sampling.ErrLength) {
		t.Errorf("short cells: %v", err)
	}
	// A cell of zero population with no sample is fine.
	if _, err := d.PostStratify(cells, map[string]float64{"x": 10, "y": 10, "z": 0}); err != nil {
		t.Errorf("an empty cell of zero population: %v", err)
	}

	m1 := sampling.Margin{Cells: cells, Totals: map[string]float64{"x": 30, "y": 70}}
	if _, err := d.Rake([]sampling.Margin{m1, {Cells: []string{"p", "q", "p", "q"}, Totals: map[string]float64{"p": 50, "q": 60}}}, nil); !errors.Is(err, sampling.ErrInconsistent) {
		t.Errorf("margins of different totals: %v", err)
	}
	// Units 0 and 1 are the only "x" and the only "p": margins that want 30 x
	// but 80 p cannot both hold.
	impossible := sampling.Margin{Cells: []string{"p", "p", "q", "q"}, Totals: map[string]float64{"p": 80, "q": 20}}
	if _, err := d.Rake([]sampling.Margin{m1, impossible}, &sampling.RakeOptions{MaxIter: 50}); !errors.Is(err, sampling.ErrNotConverged) {
		t.Errorf("margins that cannot be met together: %v", err)
	}
	if _, err := d.Rake(nil, nil); !errors.Is(err, sampling.ErrEmpty) {
		t.Errorf("no margins: %v", err)
	}

	for _, b := range [][2]float64{{0, 5}, {20, 30}, {math.NaN(), 10}, {12, 8}} {
		if _, err := d.Trim(b[0], b[1]); !errors.Is(err, sampling.ErrInfeasible) {
			t.Errorf("trimming to %v: %v", b, err)
		}
	}
	if tr, err := d.Trim(0, 100); err != nil || tr.Weights()[0] != 10 {
		t.Errorf("trimming within bounds changed the weights: %v", err)
	}
}

// When the domains are the strata, domain means are independent, so the
// weighted mix has variance sum((W_g/W)^2 * SE_g^2) from the separate domain
// estimates; the value is sum(W_g/W * mean_g).
func TestWeightedDomainMean(t *testing.T) {
	d, tb := stratDesign(t, true)
	api00, stype := tb.num(t, "api00"), tb.str("stype")
	weights := map[string]float64{"E": 1, "M": 2, "H": 5}
	got, err := d.WeightedDomainMean(api00, stype, weights)
	if err != nil {
		t.Fatal(err)
	}
	var value, variance float64
	for g, w := range weights {
		in := make([]bool, len(stype))
		for i, s := range stype {
			in[i] = s == g
		}
		e, err := d.DomainMean(api00, in)
		if err != nil {
			t.Fatal(err)
		}
		value += w / 8 * e.Value
		variance += w * w / 64 * e.SE * e.SE
	}
	if math.Abs(got.Value-value) > 1e-9 || math.Abs(got.SE-math.Sqrt(variance)) > 1e-9 {
		t.Errorf("weighted mean %v (SE %v), want %v (SE %v)", got.Value, got.SE, value, math.Sqrt(variance))
	}
	for name, w := range map[string]map[string]float64{
		"a domain with no unit": {"E": 1, "X": 1},
		"a negative weight":     {"E": -1},
		"weights adding to 0":   {"E": 0},
	} {
		if _, err := d.WeightedDomainMean(api00, stype, w); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := d.WeightedDomainMean(api00, stype[:3], weights); !errors.Is(err, sampling.ErrLength) {
		t.Errorf("short domains: %v", err)
	}
}

// TestNonresponseAdjustmentVariance measures the approximation that
// AdjustNonresponse documents: the adjusted weights are treated as design
// weights. A population of 2,000 in two cells of 1,000 (SD 10 within each,
// response rates 0.3 and 0.8), simple random samples of 400 with the fpc,
// responses at random within cells; over 3,000 samples the estimated
// variance of the mean is compared with the observed variance, for cells
// with the same mean and cells 30 points apart.
func TestNonresponseAdjustmentVariance(t *testing.T) {
	for _, tc := range []struct {
		meanB  float64
		lo, hi float64
	}{
		{40, 0.9, 1.2},
		{70, 1.5, 1.9},
	} {
		ratio := nonresponseVarianceRatio(t, 40, tc.meanB)
		t.Logf("cell means 40 and %v: estimated variance / observed = %.3f", tc.meanB, ratio)
		if ratio < tc.lo || ratio > tc.hi {
			t.Errorf("cell means 40 and %v: estimated variance / observed = %.3f, want %v..%v (the figures in AdjustNonresponse's doc)", tc.meanB, ratio, tc.lo, tc.hi)
		}
	}
}

func nonresponseVarianceRatio(t *testing.T, meanA, meanB float64) float64 {
	rng := rand.New(rand.NewPCG(18, 7))
	const N, n, reps = 2000, 400, 3000
	y := make([]float64, N)
	cell := make([]string, N)
	for i := range y {
		if i < N/2 {
			cell[i], y[i] = "a", meanA+10*rng.NormFloat64()
		} else {
			cell[i], y[i] = "b", meanB+10*rng.NormFloat64()
		}
	}
	rate := map[string]float64{"a": 0.3, "b": 0.8}
	var sum, sum2, estVar float64
	for range reps {
		idx := rng.Perm(N)[:n]
		d, err := sampling.NewDesign(equalUnits(n, "s", N/n), &sampling.DesignOptions{PopulationPSUs: map[string]float64{"s": N}})
		if err != nil {
			t.Fatal(err)
		}
		cells := make([]string, n)
		responded := make([]bool, n)
		for j, i := range idx {
			cells[j] = cell[i]
			responded[j] = rng.Float64() < rate[cell[i]]
		}
		adj, kept, err := d.AdjustNonresponse(cells, responded)
		if err != nil {
			t.Fatal(err)
		}
		ys := make([]float64, len(kept))
		for j, k := range kept {
			ys[j] = y[idx[k]]
		}
		e, err := adj.Mean(ys)
		if err != nil {
			t.Fatal(err)
		}
		sum += e.Value
		sum2 += e.Value * e.Value
		estVar += e.SE * e.SE
	}
	mean := sum / reps
	return estVar / reps / (sum2/reps - mean*mean)
}
