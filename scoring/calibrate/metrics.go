package calibrate

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// AUC returns the area under the ROC curve of scores s for outcomes y: the
// probability that a random positive scores above a random negative, ties
// counting one half (the Mann-Whitney U statistic over n_pos*n_neg), computed
// from mid-ranks in O(n log n). It is an error if y has only one class or
// lengths differ.
func AUC(y []bool, s []float64) (float64, error) {
	if err := checkPairs(y, s, "scores"); err != nil {
		return 0, err
	}
	idx := make([]int, len(s))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(s[a], s[b]) })
	var rankSum float64
	pos := 0
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && s[idx[j]] == s[idx[i]] {
			j++
		}
		mid := float64(i+j+1) / 2 // mid-rank of the tied block, ranks from 1
		for k := i; k < j; k++ {
			if y[idx[k]] {
				rankSum += mid
				pos++
			}
		}
		i = j
	}
	neg := len(y) - pos
	if pos == 0 || neg == 0 {
		return 0, fmt.Errorf("calibrate: AUC needs both outcomes: %w", ErrOneClass)
	}
	u := rankSum - float64(pos)*float64(pos+1)/2
	return u / (float64(pos) * float64(neg)), nil
}

// WeightedAUC is AUC with a weight per account, such as its ARR: each
// (positive, negative) pair counts w_pos*w_neg, ties one half, over the sum
// of those products, so that the accounts carrying the most revenue count
// most. With equal weights it is AUC. Weights must be finite and >= 0, with
// some positive weight in each class; O(n log n).
func WeightedAUC(y []bool, s, w []float64) (float64, error) {
	if err := checkPairs(y, s, "scores"); err != nil {
		return 0, err
	}
	if len(w) != len(y) {
		return 0, fmt.Errorf("calibrate: %d outcomes and %d weights: %w", len(y), len(w), ErrInvalidInput)
	}
	for i, x := range w {
		if !(x >= 0) || math.IsInf(x, 1) {
			return 0, fmt.Errorf("calibrate: weight %d is %v: %w", i, x, ErrInvalidInput)
		}
	}
	idx := make([]int, len(s))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(s[a], s[b]) })
	var below, pairs, wPos, wNeg float64 // below: negative weight scoring lower than the block
	for i := 0; i < len(idx); {
		j := i
		var pos, neg float64
		for j < len(idx) && s[idx[j]] == s[idx[i]] {
			if y[idx[j]] {
				pos += w[idx[j]]
			} else {
				neg += w[idx[j]]
			}
			j++
		}
		pairs += pos * (below + neg/2)
		below += neg
		wPos += pos
		wNeg += neg
		i = j
	}
	if wPos == 0 || wNeg == 0 {
		return 0, fmt.Errorf("calibrate: weighted AUC needs weight in both outcomes: %w", ErrOneClass)
	}
	return pairs / (wPos * wNeg), nil
}

// Brier returns the mean squared difference between predicted probabilities
// p and outcomes y (1 for true): 0 is perfect, 0.25 is a coin.
func Brier(y []bool, p []float64) (float64, error) {
	if err := checkProbs(y, p); err != nil {
		return 0, err
	}
	var s float64
	for i, pi := range p {
		d := pi - b2f(y[i])
		s += d * d
	}
	return s / float64(len(p)), nil
}

// LogLoss returns the mean negative log-likelihood of the outcomes under p,
// with probabilities clipped to [1e-15, 1 - 1e-15] so that a confident
// mistake costs a lot but not infinity.
func LogLoss(y []bool, p []float64) (float64, error) {
	if err := checkProbs(y, p); err != nil {
		return 0, err
	}
	var s float64
	for i, pi := range p {
		pi = math.Min(math.Max(pi, 1e-15), 1-1e-15)
		if y[i] {
			s -= math.Log(pi)
		} else {
			s -= math.Log(1 - pi)
		}
	}
	return s / float64(len(p)), nil
}

// Bin is one bin of a reliability table.
type Bin struct {
	Lo, Hi    float64 // the bin's range of predicted probability, [Lo, Hi) (the last includes 1)
	N         int
	Predicted float64 // mean predicted probability in the bin (0 when empty)
	Observed  float64 // share of outcomes that were true (0 when empty)
}

// Reliability sorts predictions into bins equal-width bins of [0, 1] and
// compares, in each, the mean prediction with the observed rate: a
// well-calibrated model has the two close in every bin.
func Reliability(y []bool, p []float64, bins int) ([]Bin, error) {
	if err := checkProbs(y, p); err != nil {
		return nil, err
	}
	if bins < 1 {
		return nil, fmt.Errorf("calibrate: %d reliability bins: %w", bins, ErrInvalidInput)
	}
	out := make([]Bin, bins)
	for b := range out {
		out[b].Lo, out[b].Hi = float64(b)/float64(bins), float64(b+1)/float64(bins)
	}
	for i, pi := range p {
		b := min(int(pi*float64(bins)), bins-1)
		out[b].N++
		out[b].Predicted += pi
		out[b].Observed += b2f(y[i])
	}
	for b := range out {
		if out[b].N > 0 {
			out[b].Predicted /= float64(out[b].N)
			out[b].Observed /= float64(out[b].N)
		}
	}
	return out, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func checkPairs(y []bool, s []float64, what string) error {
	if len(y) != len(s) {
		return fmt.Errorf("calibrate: %d outcomes, %d %s: %w", len(y), len(s), what, ErrInvalidInput)
	}
	if len(y) == 0 {
		return fmt.Errorf("calibrate: no outcomes: %w", ErrTooFew)
	}
	for i, v := range s {
		if math.IsNaN(v) {
			return fmt.Errorf("calibrate: %s[%d] is NaN: %w", what, i, ErrInvalidInput)
		}
	}
	return nil
}

func checkProbs(y []bool, p []float64) error {
	if err := checkPairs(y, p, "probabilities"); err != nil {
		return err
	}
	for i, v := range p {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("calibrate: probability %d is %v: %w", i, v, ErrInvalidInput)
		}
	}
	return nil
}
