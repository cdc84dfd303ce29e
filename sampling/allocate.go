package sampling

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Stratum describes one stratum for allocation.
type Stratum struct {
	Key string
	// Size is the number of units in the stratum (N_h).
	Size int
	// SD is the standard deviation of the survey variable in the stratum
	// (S_h), from a previous wave or a guess; Neyman and Optimal need it.
	SD float64
	// Cost is the cost of one interview in the stratum (c_h); Optimal uses
	// it. 0 means 1.
	Cost float64
	// Min and Max bound the stratum's sample size. Max 0 means Size: a
	// stratum cannot give more units than it has. Set Min to 2 to keep a
	// variance estimable in every stratum.
	Min, Max int
}

// Method is an allocation rule.
type Method int

// The allocation rules. Each gives stratum h a share of n proportional to a
// score: Proportional N_h; Neyman N_h*S_h (least variance of the mean for a
// given n); Optimal N_h*S_h/sqrt(c_h) (least variance for a given cost).
const (
	Proportional Method = iota
	Neyman
	Optimal
)

// String names the method.
func (m Method) String() string {
	switch m {
	case Proportional:
		return "proportional"
	case Neyman:
		return "Neyman"
	case Optimal:
		return "optimal"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// Allocation is one stratum's share of the sample.
type Allocation struct {
	Key string
	// N is the whole number of units to sample; the N of all strata add up
	// to the n asked for exactly.
	N int
	// Target is the real-valued allocation within the bounds, before rounding.
	Target float64
}

// Allocate divides a sample of n units among strata by method, respecting
// each stratum's Min and Max.
//
// The real-valued targets are proportional to the method's scores within the
// bounds: t_h = clamp(λ*score_h, Min_h, Max_h) with λ such that they add up
// to n, which for Neyman and optimal allocation is the bounded optimum. The
// targets are then
// rounded by the largest-remainder (Hamilton) method: each stratum gets the
// whole part of its target, and the units still missing go one each to the
// strata with the largest fractional parts (ties to the earlier stratum),
// never past a Max. The result is in the order of strata.
//
// Errors: no strata, a duplicate key, a negative size, a negative or NaN SD
// (Neyman, Optimal) or cost (Optimal), Min > Max, or n outside
// [sum of Min, sum of Max] (ErrInfeasible). When every score of the strata
// left to share is 0 (all SDs 0), they share by size; strata of score 0
// beside others with a positive score get their Min, and more only when the
// others are full.
func Allocate(strata []Stratum, n int, method Method) ([]Allocation, error) {
	if len(strata) == 0 {
		return nil, errf(ErrEmpty, nil, "strata")
	}
	if method < Proportional || method > Optimal {
		return nil, errf(ErrInvalidValue, int(method), "allocation method")
	}
	score := make([]float64, len(strata))
	lo := make([]float64, len(strata))
	hi := make([]float64, len(strata))
	seen := map[string]bool{}
	var sumMin, sumMax int
	for i, s := range strata {
		if seen[s.Key] {
			return nil, errf(ErrDuplicateStratum, nil, "stratum %q", s.Key)
		}
		seen[s.Key] = true
		if s.Size < 0 {
			return nil, errf(ErrInvalidValue, s.Size, "stratum %q size", s.Key)
		}
		max := s.Max
		if max == 0 || max > s.Size {
			max = s.Size
		}
		if s.Min < 0 || s.Min > max {
			return nil, errf(ErrInfeasible, s.Min, "stratum %q minimum (maximum %d)", s.Key, max)
		}
		lo[i], hi[i] = float64(s.Min), float64(max)
		sumMin += s.Min
		sumMax += max
		score[i] = float64(s.Size)
		if method == Neyman || method == Optimal {
			if !(s.SD >= 0) || math.IsInf(s.SD, 1) {
				return nil, errf(ErrInvalidValue, s.SD, "stratum %q SD", s.Key)
			}
			score[i] *= s.SD
		}
		if method == Optimal {
			c := s.Cost
			if c == 0 {
				c = 1
			}
			if !(c > 0) || math.IsInf(c, 1) {
				return nil, errf(ErrInvalidValue, s.Cost, "stratum %q cost", s.Key)
			}
			score[i] /= math.Sqrt(c)
		}
	}
	if n < sumMin || n > sumMax {
		return nil, errf(ErrInfeasible, n, "sample size (strata allow %d..%d)", sumMin, sumMax)
	}

	target := boundedShares(strata, score, lo, hi, float64(n))
	out := make([]Allocation, len(strata))
	left := n
	for i := range strata {
		out[i] = Allocation{Key: strata[i].Key, N: int(math.Floor(target[i] + 1e-9)), Target: target[i]}
		out[i].N = min(out[i].N, int(hi[i]))
		left -= out[i].N
	}
	order := make([]int, len(strata))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(target[b]-float64(out[b].N), target[a]-float64(out[a].N))
	})
	for left > 0 {
		for _, i := range order {
			if left > 0 && float64(out[i].N) < hi[i] {
				out[i].N++
				left--
			}
		}
	}
	return out, nil
}

// boundedShares returns the targets t_h = clamp(λ*score_h, lo_h, hi_h) that
// add up to n: the allocation proportional to score within the bounds. For
// Neyman and optimal allocation these are the Karush-Kuhn-Tucker conditions
// of the bounded problem (minimise sum N_h^2 S_h^2 / n_h subject to the
// total and the bounds), so the targets are the bounded optimum, not only
// feasible. If n is out of reach with the strata of score 0 at their
// minimums, the scored strata take their maximums and those of score 0
// share the rest in proportion to size, within their bounds. The caller
// ensures sum(lo) <= n <= sum(hi).
func boundedShares(strata []Stratum, score, lo, hi []float64, n float64) []float64 {
	target := make([]float64, len(score))
	if waterFill(target, score, lo, hi, n) {
		return target
	}
	size := make([]float64, len(strata))
	lo2, hi2 := slices.Clone(lo), slices.Clone(hi)
	for i, st := range strata {
		if score[i] > 0 {
			lo2[i] = hi[i] // the scored strata are full
		} else {
			size[i] = float64(st.Size)
		}
	}
	waterFill(target, size, lo2, hi2, n)
	return target
}

// waterFill sets dst_i = clamp(λ*w_i, lo_i, hi_i) for the λ >= 0 at which
// they add up to n, and reports true. When no λ reaches n (the strata of
// weight 0 stay at lo), it sets the largest reachable (hi where w_i > 0)
// and reports false. The sum is piecewise linear and continuous in λ, with
// breakpoints at lo_i/w_i and hi_i/w_i: λ is found exactly on the segment
// where the sum crosses n.
func waterFill(dst, w, lo, hi []float64, n float64) bool {
	fill := func(lambda float64) (sum float64) {
		for i := range w {
			dst[i] = math.Min(math.Max(lambda*w[i], lo[i]), hi[i])
			sum += dst[i]
		}
		return sum
	}
	var breaks []float64
	for i := range w {
		if w[i] > 0 {
			breaks = append(breaks, lo[i]/w[i], hi[i]/w[i])
		}
	}
	slices.Sort(breaks)
	breaks = slices.Compact(breaks)
	prev := 0.0
	if fill(prev) >= n {
		return true // n is the sum of the minimums
	}
	for _, b := range breaks {
		if fill(b) < n {
			prev = b
			continue
		}
		// On (prev, b) the strata whose range spans the segment grow as λ*w_i;
		// the others stay at a bound.
		var fixed, free float64
		for i := range w {
			if w[i] > 0 && lo[i]/w[i] <= prev && hi[i]/w[i] >= b {
				free += w[i]
			} else {
				fixed += dst[i]
			}
		}
		if free > 0 { // else the sum reached n at b itself, within rounding
			fill((n - fixed) / free)
		}
		return true
	}
	return false
}

// SampleSizeMean returns the sample size needed to estimate a mean within
// ± moe at the given confidence level (e.g. 0.95), for a variable with
// standard deviation sd, from a population of N units (0 for an infinite
// one): n0 = (z*sd/moe)^2, corrected to n0/(1 + n0/N), rounded up.
func SampleSizeMean(sd, moe, level float64, N int) (int, error) {
	if !(sd >= 0) || math.IsInf(sd, 1) {
		return 0, errf(ErrInvalidValue, sd, "standard deviation")
	}
	return sampleSize(sd*sd, moe, level, N)
}

// SampleSizeProportion returns the sample size needed to estimate a
// proportion near p within ± moe at the given confidence level, from a
// population of N units (0 for an infinite one): n0 = z^2 p(1-p)/moe^2,
// corrected for the finite population and rounded up. p = 0.5 is the safe
// choice when nothing is known.
func SampleSizeProportion(p, moe, level float64, N int) (int, error) {
	if !(p >= 0 && p <= 1) {
		return 0, errf(ErrInvalidValue, p, "proportion")
	}
	return sampleSize(p*(1-p), moe, level, N)
}

func sampleSize(variance, moe, level float64, N int) (int, error) {
	if !(moe > 0) || math.IsInf(moe, 1) {
		return 0, errf(ErrInvalidValue, moe, "margin of error")
	}
	if !(level > 0 && level < 1) {
		return 0, errf(ErrInvalidValue, level, "confidence level")
	}
	if N < 0 {
		return 0, errf(ErrInvalidValue, N, "population size")
	}
	z := distuv.UnitNormal.Quantile(0.5 + level/2)
	n := z * z * variance / (moe * moe)
	if N > 0 {
		n /= 1 + n/float64(N)
	}
	return int(math.Ceil(n - 1e-9)), nil
}

// SizeForBudget returns the total sample size that a budget buys: the
// largest n, found by bisection, whose allocation by method (with Allocate's
// bounds and rounding) costs at most budget, a unit of stratum h costing
// Cost_h (0 means 1). The cost of an allocation rises with n, give or take
// one unit's cost where rounding moves a unit between strata; the n returned
// always fits the budget. When not even the strata's minimums fit, it is an
// error (ErrInfeasible).
func SizeForBudget(strata []Stratum, budget float64, method Method) (int, error) {
	if !(budget >= 0) || math.IsInf(budget, 1) {
		return 0, errf(ErrInvalidValue, budget, "budget")
	}
	maxN := 0
	for _, s := range strata {
		m := s.Max
		if m == 0 || m > s.Size {
			m = s.Size
		}
		maxN += max(m, 0)
	}
	cost := func(n int) (float64, error) {
		alloc, err := Allocate(strata, n, method)
		if err != nil {
			return 0, err
		}
		var c float64
		for i, a := range alloc {
			unit := strata[i].Cost
			if unit == 0 {
				unit = 1
			}
			c += unit * float64(a.N)
		}
		return c, nil
	}
	// Binary search on n: the cost of the allocation grows with n.
	lo, hi := -1, maxN+1 // cost(lo) <= budget (or lo below every feasible n); cost(hi) > budget
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		c, err := cost(mid)
		switch {
		case errors.Is(err, ErrInfeasible) && mid < hi:
			lo = mid // below the sum of the minimums: look higher
		case err != nil:
			return 0, err
		case c <= budget:
			lo = mid
		default:
			hi = mid
		}
	}
	if lo < 0 {
		return 0, errf(ErrInfeasible, budget, "budget (the strata's minimums cost more)")
	}
	if _, err := cost(lo); err != nil {
		return 0, errf(ErrInfeasible, budget, "budget (the strata's minimums cost more)")
	}
	return lo, nil
}
