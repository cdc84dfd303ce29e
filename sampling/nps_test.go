package sampling_test

import (
	"errors"
	"math"
	"testing"

	"github.com/villagecx/village/sampling"
)

// n = 1000 with 250 promoters and 75 detractors: NPS 0.175, SE
// sqrt((0.325 - 0.175^2)/1000) = 0.01716, 95% CI 0.1414..0.2086.
func TestNPSWorkedExample(t *testing.T) {
	e, err := sampling.NPS(250, 675, 75)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := e.CI(0.95)
	for _, c := range []struct {
		what      string
		got, want float64
		tol       float64
	}{{"NPS", e.Value, 0.175, 1e-12}, {"SE", e.SE, 0.01716, 5e-6}, {"low", lo, 0.1414, 5e-5}, {"high", hi, 0.2086, 5e-5}} {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s = %.6f, want %.4f", c.what, c.got, c.want)
		}
	}
}

// 2 promoters, 2 passives, 1 detractor: adjusted counts 2.75, 3.5, 1.75 of
// 8, NPS 0.125, SE sqrt((0.5625 - 0.125^2)/8) = 0.26146, 95% CI -0.387..0.637.
func TestNPSAdjustedWald(t *testing.T) {
	e, err := sampling.NPSAdjustedWald(2, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := e.CI(0.95)
	if math.Abs(e.Value-0.125) > 1e-12 || math.Abs(lo+0.387) > 5e-4 || math.Abs(hi-0.637) > 5e-4 {
		t.Errorf("adjusted NPS %.4f (%.4f..%.4f), want 0.125 (-0.387..0.637)", e.Value, lo, hi)
	}
	if e.N != 5 {
		t.Errorf("N = %d, want the 5 real answers", e.N)
	}
	// With nobody heard, the adjustment alone gives NPS 0 and a wide interval.
	if e, err := sampling.NPSAdjustedWald(0, 0, 0); err != nil || e.Value != 0 || !(e.SE > 0.3) {
		t.Errorf("no answers: %+v, %v", e, err)
	}
}

func TestNPSBadInput(t *testing.T) {
	if _, err := sampling.NPS(0, 0, 0); !errors.Is(err, sampling.ErrEmpty) {
		t.Errorf("no answers: %v", err)
	}
	if _, err := sampling.NPS(-1, 2, 3); !errors.Is(err, sampling.ErrInvalidValue) {
		t.Errorf("negative count: %v", err)
	}
	if _, err := sampling.NPSAdjustedWald(1, -2, 0); !errors.Is(err, sampling.ErrInvalidValue) {
		t.Errorf("negative count, adjusted: %v", err)
	}
	for _, bad := range []float64{-1, 10.5, math.NaN()} {
		if _, err := sampling.NPSCategory(bad); !errors.Is(err, sampling.ErrInvalidValue) {
			t.Errorf("NPSCategory(%v): %v", bad, err)
		}
	}
}

// The design-based NPS of an equal-probability sample equals the counts
// formula's point estimate, and its SE differs only by the finite-population
// and n/(n-1) factors: SE_design = SE_counts * sqrt(n/(n-1) * (1 - n/N)).
func TestDesignNPSAgreesWithCounts(t *testing.T) {
	scores := []float64{10, 9, 9, 8, 7, 7, 7, 6, 3, 0, 10, 8}
	const N = 120.0
	units := make([]sampling.Unit, len(scores))
	for i := range units {
		units[i] = sampling.Unit{Weight: N / float64(len(scores))}
	}
	d, err := sampling.NewDesign(units, &sampling.DesignOptions{PopulationPSUs: map[string]float64{"": N}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.NPS(scores)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := sampling.NPS(4, 5, 3)
	n := float64(len(scores))
	if math.Abs(got.Value-want.Value) > 1e-12 || math.Abs(got.SE-want.SE*math.Sqrt(n/(n-1)*(1-n/N))) > 1e-12 {
		t.Errorf("design NPS %v, counts %v", got, want)
	}
	if _, err := d.NPS(append(scores[:11:11], 11)); !errors.Is(err, sampling.ErrInvalidValue) {
		t.Errorf("an answer of 11: %v", err)
	}
}
