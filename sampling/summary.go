package sampling

import (
	"math"
	"slices"
	"strings"
)

// WeightSummary describes a design's weights, the first thing a
// statistician looks at: how many, their sum (the estimated population),
// their range, mean and coefficient of variation (standard deviation with
// n - 1 over the mean, as R's sd(w)/mean(w)), and Kish's effective sample
// size and design effect from unequal weighting.
type WeightSummary struct {
	N                       int
	Sum, Min, Max, Mean, CV float64
	KishN, KishDEff         float64
}

// WeightSummary summarises d's weights.
func (d *Design) WeightSummary() WeightSummary {
	s := WeightSummary{N: len(d.w), Min: math.Inf(1), Max: math.Inf(-1)}
	for _, w := range d.w {
		s.Sum += w
		s.Min = math.Min(s.Min, w)
		s.Max = math.Max(s.Max, w)
	}
	if s.N == 0 {
		return WeightSummary{CV: math.NaN(), Mean: math.NaN(), KishDEff: math.NaN()}
	}
	s.Mean = s.Sum / float64(s.N)
	var ss float64
	for _, w := range d.w {
		ss += (w - s.Mean) * (w - s.Mean)
	}
	s.CV = math.NaN()
	if s.N > 1 {
		s.CV = math.Sqrt(ss/float64(s.N-1)) / s.Mean
	}
	s.KishN = d.KishN()
	s.KishDEff = d.KishDEff()
	return s
}

// StratumSummary is one design stratum's sample of a variable: the units
// sampled, the population they stand for (the sum of their weights), and
// the design-weighted mean and standard deviation of y among them (the
// square root of R's svyvar within the stratum: sum(w*(y - mean)^2)/sum(w)
// times n/(n - 1)).
type StratumSummary struct {
	Key        string
	N          int
	Population float64
	Mean, SD   float64
}

// StrataSummary summarises y within each stratum of d, in key order: what a
// previous wave says to plan the next (see AllocationStrata). A stratum of
// one unit has SD NaN.
func (d *Design) StrataSummary(y []float64) ([]StratumSummary, error) {
	if err := d.check("y", y); err != nil {
		return nil, err
	}
	type acc struct {
		n       int
		sw, swy float64
	}
	by := make([]acc, len(d.strataKeys))
	for i, v := range y {
		a := &by[d.psuStratum[d.psu[i]]]
		a.n++
		a.sw += d.w[i]
		a.swy += d.w[i] * v
	}
	ss := make([]float64, len(by))
	for i, v := range y {
		h := d.psuStratum[d.psu[i]]
		m := by[h].swy / by[h].sw
		ss[h] += d.w[i] * (v - m) * (v - m)
	}
	out := make([]StratumSummary, len(by))
	for h, a := range by {
		out[h] = StratumSummary{Key: d.strataKeys[h], N: a.n, Population: a.sw, Mean: a.swy / a.sw, SD: math.NaN()}
		if a.n > 1 {
			out[h].SD = math.Sqrt(ss[h] / a.sw * float64(a.n) / float64(a.n-1))
		}
	}
	slices.SortFunc(out, func(a, b StratumSummary) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// AllocationStrata turns stratum summaries into Allocate's input: each
// stratum's size is its estimated population, rounded, and its SD the one
// measured (a stratum whose SD is not known takes the largest known, the
// cautious guess).
func AllocationStrata(summaries []StratumSummary) []Stratum {
	largest := 0.0
	for _, s := range summaries {
		if !math.IsNaN(s.SD) {
			largest = math.Max(largest, s.SD)
		}
	}
	out := make([]Stratum, len(summaries))
	for i, s := range summaries {
		sd := s.SD
		if math.IsNaN(sd) {
			sd = largest
		}
		out[i] = Stratum{Key: s.Key, Size: int(math.Round(s.Population)), SD: sd}
	}
	return out
}
