package sampling

import (
	"math"
	"math/rand/v2"
	"slices"
)

// InclusionProbabilities returns the inclusion probabilities of a sample
// of n drawn proportionally to the sizes without replacement, as R's
// sampling::inclusionprobabilities: pi_i = n*size_i/sum(size), and a unit
// whose pi would exceed 1 is taken with certainty (pi 1) and the rest
// recomputed with what n is left, until none exceeds 1. Sizes must be
// finite and >= 0, with at least n of them positive.
func InclusionProbabilities(sizes []float64, n int) ([]float64, error) {
	positive := 0
	for i, x := range sizes {
		if !(x >= 0) || math.IsInf(x, 1) {
			return nil, errf(ErrInvalidValue, x, "sizes[%d]", i)
		}
		if x > 0 {
			positive++
		}
	}
	if n < 0 || n > positive {
		return nil, errf(ErrInfeasible, n, "sample size with %d units of positive size", positive)
	}
	pi := make([]float64, len(sizes))
	certain := make([]bool, len(sizes))
	left := n
	for {
		var sum float64
		for i, x := range sizes {
			if !certain[i] {
				sum += x
			}
		}
		over := false
		for i, x := range sizes {
			if certain[i] {
				continue
			}
			if sum > 0 {
				pi[i] = float64(left) * x / sum
			}
			if pi[i] >= 1 {
				certain[i], pi[i] = true, 1
				left--
				over = true
			}
		}
		if !over {
			return pi, nil
		}
	}
}

// Sampford draws a sample with the given inclusion probabilities (which
// must add up to a whole number n and lie in [0, 1]) by Sampford's
// rejective method: the first unit with probability pi_i/n, the n - 1
// others with replacement with probabilities proportional to
// pi_i/(1 - pi_i), the draw kept only if all n are distinct. Each unit is
// then included with exactly probability pi_i (Sampford 1967). Units with
// pi 1 are taken outright. It returns the indices of the sample, sorted;
// randomness comes from src only.
func Sampford(pi []float64, src rand.Source) ([]int, error) {
	certain, rest, n, err := splitPPS(pi)
	if err != nil {
		return nil, err
	}
	m := n - len(certain) // drawn among the rest
	if m == 0 {
		return certain, nil
	}
	rng := rand.New(src)
	odds := make([]float64, len(rest))
	var oddsSum, piSum float64
	for k, i := range rest {
		odds[k] = pi[i] / (1 - pi[i])
		oddsSum += odds[k]
		piSum += pi[i]
	}
	draw := func(weights []float64, sum float64) int {
		u := rng.Float64() * sum
		for k, w := range weights {
			if u < w {
				return k
			}
			u -= w
		}
		return len(weights) - 1
	}
	first := make([]float64, len(rest))
	for k, i := range rest {
		first[k] = pi[i]
	}
	seen := make([]bool, len(rest))
	for {
		clear(seen)
		picked := []int{draw(first, piSum)}
		seen[picked[0]] = true
		ok := true
		for len(picked) < m {
			k := draw(odds, oddsSum)
			if seen[k] {
				ok = false
				break
			}
			seen[k] = true
			picked = append(picked, k)
		}
		if ok {
			sample := slices.Clone(certain)
			for _, k := range picked {
				sample = append(sample, rest[k])
			}
			slices.Sort(sample)
			return sample, nil
		}
	}
}

// Brewer draws a sample with the given inclusion probabilities (adding up
// to a whole number n, each in [0, 1]) by Brewer's draw-by-draw method
// (Brewer 1975; Tille 2006, algorithm 6.14, R's sampling::UPbrewer): at draw
// i of n, a unit k not yet taken is chosen with probability proportional
// to pi_k (n - a - pi_k) / (n - a - pi_k (n - i + 1)), a being the sum of
// the pi of the units already taken; each unit is then included with
// exactly probability pi_k, and no draw is ever rejected. Units with pi 1
// are taken outright. It returns the indices of the sample, sorted.
func Brewer(pi []float64, src rand.Source) ([]int, error) {
	sample, rest, n, err := splitPPS(pi)
	if err != nil {
		return nil, err
	}
	m := float64(n - len(sample))
	rng := rand.New(src)
	taken := make([]bool, len(rest))
	weights := make([]float64, len(rest))
	a := 0.0
	for draw := 1; draw <= int(m); draw++ {
		var sum float64
		for k, i := range rest {
			weights[k] = 0
			if taken[k] {
				continue
			}
			p := pi[i]
			if d := m - a - p*(m-float64(draw)+1); d > 0 {
				weights[k] = p * (m - a - p) / d
			}
			sum += weights[k]
		}
		if !(sum > 0) {
			return nil, errf(ErrInvalidValue, sum, "Brewer's draw %d has nothing left to draw (inclusion probabilities inconsistent)", draw)
		}
		u := rng.Float64() * sum
		pick := -1
		for k, w := range weights {
			if w == 0 {
				continue
			}
			pick = k
			if u < w {
				break
			}
			u -= w
		}
		taken[pick] = true
		a += pi[rest[pick]]
		sample = append(sample, rest[pick])
	}
	slices.Sort(sample)
	return sample, nil
}

// splitPPS checks inclusion probabilities for a selection (each in [0, 1],
// adding up to a whole number n) and splits the units into those taken
// with certainty (pi 1) and the rest with pi above 0.
func splitPPS(pi []float64) (certain, rest []int, n int, err error) {
	var total float64
	for i, p := range pi {
		if !(p >= 0 && p <= 1) {
			return nil, nil, 0, errf(ErrInvalidValue, p, "pi[%d]", i)
		}
		total += p
		switch {
		case p == 1:
			certain = append(certain, i)
		case p > 0:
			rest = append(rest, i)
		}
	}
	n = int(math.Round(total))
	if math.Abs(total-float64(n)) > 1e-9*math.Max(1, total) {
		return nil, nil, 0, errf(ErrInvalidValue, total, "sum of the inclusion probabilities (want a whole number)")
	}
	return certain, rest, n, nil
}
