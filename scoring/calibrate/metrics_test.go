package calibrate_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/villagecx/village/scoring/calibrate"
)

// y = [0,0,1,1], s = [.1,.4,.35,.8]: of the four positive-negative pairs,
// (.35,.1), (.8,.1) and (.8,.4) are ordered right and (.35,.4) wrong: 3/4.
func TestAUCMannWhitney(t *testing.T) {
	y := []bool{false, false, true, true}
	if got, err := calibrate.AUC(y, []float64{.1, .4, .35, .8}); err != nil || got != 0.75 {
		t.Errorf("AUC = %v, %v; want 0.75", got, err)
	}
	// A tie between a positive and a negative counts a half: pairs (.4,.1) and
	// (.8,.1) right, (.4,.4) tied, (.8,.4) right: 3.5/4.
	if got, _ := calibrate.AUC(y, []float64{.1, .4, .4, .8}); got != 0.875 {
		t.Errorf("AUC with a tie = %v, want 0.875", got)
	}
	if got, _ := calibrate.AUC(y, []float64{.5, .5, .5, .5}); got != 0.5 {
		t.Errorf("AUC of constant scores = %v, want 0.5", got)
	}
	if _, err := calibrate.AUC([]bool{true, true}, []float64{1, 2}); !errors.Is(err, calibrate.ErrOneClass) {
		t.Errorf("one class: %v", err)
	}
	if _, err := calibrate.AUC(y, []float64{1}); !errors.Is(err, calibrate.ErrInvalidInput) {
		t.Errorf("lengths differ: %v", err)
	}
	if _, err := calibrate.AUC(y, []float64{1, math.NaN(), 2, 3}); !errors.Is(err, calibrate.ErrInvalidInput) {
		t.Errorf("NaN score: %v", err)
	}
}

// y = [0,1,1,0], p = [.1,.9,.8,.3]: squared errors .01, .01, .04, .09, mean 0.0375.
func TestBrierAndLogLoss(t *testing.T) {
	y := []bool{false, true, true, false}
	p := []float64{.1, .9, .8, .3}
	if got, err := calibrate.Brier(y, p); err != nil || math.Abs(got-0.0375) > 1e-15 {
		t.Errorf("Brier = %v, %v; want 0.0375", got, err)
	}
	// -(ln .9 + ln .9 + ln .8 + ln .7)/4
	want := -(2*math.Log(.9) + math.Log(.8) + math.Log(.7)) / 4
	if got, err := calibrate.LogLoss(y, p); err != nil || math.Abs(got-want) > 1e-15 {
		t.Errorf("LogLoss = %v, %v; want %v", got, err, want)
	}
	if got, _ := calibrate.LogLoss([]bool{true}, []float64{0}); math.IsInf(got, 0) || got < 30 {
		t.Errorf("a certain mistake costs %v, want large but finite", got)
	}
	if _, err := calibrate.Brier(y, []float64{.1, 1.2, .3, .4}); !errors.Is(err, calibrate.ErrInvalidInput) {
		t.Errorf("a probability above 1: %v", err)
	}
	if _, err := calibrate.Brier(nil, nil); !errors.Is(err, calibrate.ErrTooFew) {
		t.Errorf("empty: %v", err)
	}
}

// Five predictions in two bins: [0, .5) holds .1, .2, .3 with one true of
// three (predicted mean .2, observed 1/3); [.5, 1] holds .6 and 1.0, both true.
func TestReliability(t *testing.T) {
	got, err := calibrate.Reliability([]bool{false, true, false, true, true}, []float64{.1, .2, .3, .6, 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []calibrate.Bin{
		{Lo: 0, Hi: .5, N: 3, Predicted: .2, Observed: 1.0 / 3},
		{Lo: .5, Hi: 1, N: 2, Predicted: .8, Observed: 1},
	}
	if d := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); d != "" {
		t.Errorf("reliability (-want +got):\n%s", d)
	}
	if _, err := calibrate.Reliability([]bool{true}, []float64{.5}, 0); !errors.Is(err, calibrate.ErrInvalidInput) {
		t.Errorf("zero bins: %v", err)
	}
}

// WeightedAUC against its definition, pair by pair: sum over positive i
// and negative j of w_i*w_j*(1 if s_i > s_j, 1/2 if equal) over
// sum(w_pos)*sum(w_neg); equal weights give AUC; bad weights are errors.
func TestWeightedAUCPairByPair(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for trial := range 200 {
		n := 2 + rng.IntN(40)
		y, s, w := make([]bool, n), make([]float64, n), make([]float64, n)
		for i := range n {
			y[i] = rng.IntN(2) == 0
			s[i] = float64(rng.IntN(8)) // ties
			w[i] = []float64{0, 1, rng.ExpFloat64() * 1e5}[rng.IntN(3)]
		}
		y[0], y[1], w[0], w[1] = true, false, 1, 1
		var pairs, wp, wn float64
		for i := range n {
			if y[i] {
				wp += w[i]
			} else {
				wn += w[i]
			}
			for j := range n {
				switch {
				case !y[i] || y[j]:
				case s[i] > s[j]:
					pairs += w[i] * w[j]
				case s[i] == s[j]:
					pairs += w[i] * w[j] / 2
				}
			}
		}
		got, err := calibrate.WeightedAUC(y, s, w)
		if err != nil || math.Abs(got-pairs/(wp*wn)) > 1e-12 {
			t.Fatalf("trial %d: %v, %v; pair by pair %v", trial, got, err, pairs/(wp*wn))
		}
		ones := make([]float64, n)
		for i := range ones {
			ones[i] = 1
		}
		plain, _ := calibrate.AUC(y, s)
		if got, _ := calibrate.WeightedAUC(y, s, ones); math.Abs(got-plain) > 1e-12 {
			t.Fatalf("trial %d: equal weights %v, AUC %v", trial, got, plain)
		}
	}
	y := []bool{true, false}
	for _, w := range [][]float64{{1}, {1, -1}, {1, math.NaN()}, {1, math.Inf(1)}} {
		if _, err := calibrate.WeightedAUC(y, []float64{1, 0}, w); !errors.Is(err, calibrate.ErrInvalidInput) {
			t.Errorf("weights %v: %v", w, err)
		}
	}
	if _, err := calibrate.WeightedAUC(y, []float64{1, 0}, []float64{1, 0}); !errors.Is(err, calibrate.ErrOneClass) {
		t.Errorf("no weight on the negatives: %v", err)
	}
}
