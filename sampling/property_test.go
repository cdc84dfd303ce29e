package sampling_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/villagecx/village/sampling"
)

var sentinels = []error{
	sampling.ErrInvalidValue, sampling.ErrEmpty, sampling.ErrLength, sampling.ErrLonelyPSU,
	sampling.ErrUnknownCell, sampling.ErrEmptyCell, sampling.ErrZeroCell, sampling.ErrInconsistent,
	sampling.ErrNotConverged, sampling.ErrInfeasible, sampling.ErrUnknownStratum, sampling.ErrDuplicateStratum,
}

// typed reports whether err is one of the package's kinds of error.
func typed(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// TestEveryEstimateFiniteOrTypedError draws thousands of random designs
// (strata, clusters, weights from 1e-300 to 1e300, zero and empty cells,
// values up to 1e300) and checks that every estimate, after post-
// stratification, raking, trimming and nonresponse adjustment too, is either
// finite (value, SE and a design effect that is finite or NaN by its
// documented rule) or an error of one of the package's kinds.
func TestEveryEstimateFiniteOrTypedError(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 8))
	pick := func(xs ...float64) float64 { return xs[rng.IntN(len(xs))] }
	built := 0
	for trial := range 3000 {
		n := rng.IntN(12)
		units := make([]sampling.Unit, n)
		y, x := make([]float64, n), make([]float64, n)
		cells, resp := make([]string, n), make([]bool, n)
		in := make([]bool, n)
		for i := range units {
			units[i] = sampling.Unit{
				Stratum: fmt.Sprint(rng.IntN(3)),
				Cluster: fmt.Sprint(rng.IntN(4)),
				Weight:  pick(1, 2.5, 10, 1e-300, 1e300, rng.Float64()*100),
			}
			y[i] = pick(0, 1, -3, 1e300, -1e300, rng.NormFloat64())
			x[i] = pick(0, 1, 2, 1e-300, rng.Float64())
			cells[i] = []string{"p", "q"}[rng.IntN(2)]
			resp[i] = rng.IntN(3) > 0
			in[i] = rng.IntN(2) == 0
		}
		if rng.IntN(3) == 0 {
			for i := range units {
				units[i].Cluster = ""
			}
		}
		opts := &sampling.DesignOptions{Lonely: sampling.LonelyPolicy(rng.IntN(3))}
		if rng.IntN(2) == 0 {
			opts.PopulationPSUs = map[string]float64{"0": pick(5, 50, 1e6), "1": pick(5, 50), "2": 50}
		}
		d, err := sampling.NewDesign(units, opts)
		if err != nil {
			if !typed(err) {
				t.Fatalf("trial %d: NewDesign: untyped error %v", trial, err)
			}
			continue
		}
		built++
		designs := []*sampling.Design{d}
		totals := map[string]float64{"p": pick(0, 10, 1e6), "q": pick(0, 30)}
		if p, err := d.PostStratify(cells, totals); err == nil {
			designs = append(designs, p)
		} else if !typed(err) {
			t.Fatalf("trial %d: PostStratify: untyped error %v", trial, err)
		}
		if r, err := d.Rake([]sampling.Margin{{Cells: cells, Totals: totals}}, nil); err == nil {
			designs = append(designs, r)
		} else if !typed(err) {
			t.Fatalf("trial %d: Rake: untyped error %v", trial, err)
		}
		if tr, err := d.Trim(pick(0, 1, 2), pick(5, 20, 1e6)); err == nil {
			designs = append(designs, tr)
		} else if !typed(err) {
			t.Fatalf("trial %d: Trim: untyped error %v", trial, err)
		}
		if a, kept, err := d.AdjustNonresponse(cells, resp); err == nil {
			ya := make([]float64, len(kept))
			for j, k := range kept {
				ya[j] = y[k]
			}
			finite(t, trial, "adjusted mean", func() (sampling.Estimate, error) { return a.Mean(ya) })
		} else if !typed(err) {
			t.Fatalf("trial %d: AdjustNonresponse: untyped error %v", trial, err)
		}
		for _, dd := range designs {
			finite(t, trial, "Mean", func() (sampling.Estimate, error) { return dd.Mean(y) })
			finite(t, trial, "Total", func() (sampling.Estimate, error) { return dd.Total(y) })
			finite(t, trial, "Ratio", func() (sampling.Estimate, error) { return dd.Ratio(y, x) })
			finite(t, trial, "Proportion", func() (sampling.Estimate, error) { return dd.Proportion(in) })
			finite(t, trial, "DomainMean", func() (sampling.Estimate, error) { return dd.DomainMean(y, in) })
			finite(t, trial, "DomainTotal", func() (sampling.Estimate, error) { return dd.DomainTotal(y, in) })
			finite(t, trial, "WeightedDomainMean", func() (sampling.Estimate, error) {
				return dd.WeightedDomainMean(y, cells, map[string]float64{"p": 1, "q": 2})
			})
			if k := dd.KishN(); math.IsNaN(k) || math.IsInf(k, 0) {
				t.Fatalf("trial %d: KishN %v", trial, k)
			}
		}
	}
	if built < 1500 {
		t.Errorf("only %d of 3000 random designs were valid: the test checks too little", built)
	}
}

func finite(t *testing.T, trial int, what string, f func() (sampling.Estimate, error)) {
	t.Helper()
	e, err := f()
	if err != nil {
		if !typed(err) {
			t.Fatalf("trial %d: %s: untyped error %v", trial, what, err)
		}
		return
	}
	for _, v := range []float64{e.Value, e.SE} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("trial %d: %s: non-finite estimate %+v", trial, what, e)
		}
	}
	if math.IsInf(e.DEff, 0) {
		t.Fatalf("trial %d: %s: infinite design effect %+v", trial, what, e)
	}
}
