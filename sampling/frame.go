package sampling

import (
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/villagecx/village/persona"
)

// FrameUnit is one unit that could be asked: usually a contact.
type FrameUnit struct {
	ID      string
	Account string
	// Stratum is the unit's stratum key (a persona, a segment, or both).
	Stratum string
	// Size is the measure of size for PPS and Poisson selection (for
	// example the account's ARR); those methods require it to be > 0, the
	// others ignore it.
	Size float64
	// Cost is what an interview with the unit costs (0: unknown); Strata
	// averages it per stratum for Optimal allocation and SizeForBudget.
	Cost float64
	// LastContacted is when the unit was last asked; zero means never.
	LastContacted time.Time
}

// Strata summarises a frame for Allocate: one Stratum per stratum key, in
// key order, with its Size (units in the frame) and Cost (the mean of the
// units' known costs, 0 when none is known). SD, Min and Max are left for
// the caller to set.
func Strata(frame []FrameUnit) []Stratum {
	type acc struct {
		n, costed int
		cost      float64
	}
	by := map[string]*acc{}
	for _, u := range frame {
		a := by[u.Stratum]
		if a == nil {
			a = &acc{}
			by[u.Stratum] = a
		}
		a.n++
		if u.Cost > 0 && !math.IsInf(u.Cost, 1) {
			a.costed++
			a.cost += u.Cost
		}
	}
	out := make([]Stratum, 0, len(by))
	for _, k := range slices.Sorted(maps.Keys(by)) {
		a := by[k]
		st := Stratum{Key: k, Size: a.n}
		if a.costed > 0 {
			st.Cost = a.cost / float64(a.costed)
		}
		out = append(out, st)
	}
	return out
}

// FrameFromAccounts lists the contacts of accounts active at time at, one
// frame unit each, stratified by stratum (nil means by persona ID). size, if
// not nil, gives each unit's measure of size; last, if not nil, when each
// contact was last asked, by contact ID.
func FrameFromAccounts(accounts []persona.Account, at time.Time,
	stratum func(*persona.Account, *persona.Contact) string,
	size func(*persona.Account, *persona.Contact) float64,
	last map[string]time.Time) []FrameUnit {
	var frame []FrameUnit
	for i := range accounts {
		a := &accounts[i]
		for j := range a.Contacts {
			c := &a.Contacts[j]
			if !c.ActiveAt(at) {
				continue
			}
			u := FrameUnit{ID: c.ID, Account: a.ID, Stratum: string(c.Persona), LastContacted: last[c.ID]}
			if stratum != nil {
				u.Stratum = stratum(a, c)
			}
			if size != nil {
				u.Size = size(a, c)
			}
			frame = append(frame, u)
		}
	}
	return frame
}

// Fatigue are the contact-fatigue rules applied to the frame before
// selection.
type Fatigue struct {
	// MinGap excludes units last contacted less than MinGap before the wave.
	MinGap time.Duration
	// MaxPerAccount keeps at most this many units per account in the wave:
	// where an account has more eligible units, that many are kept at random
	// (each with probability MaxPerAccount/eligible), and the probability is
	// folded into the inclusion probabilities. 0 means no limit.
	MaxPerAccount int
}

// Recent reports whether someone last contacted at last (zero: never) was
// contacted less than MinGap before at, and so is left out of a wave at at.
func (f Fatigue) Recent(last, at time.Time) bool {
	return f.MinGap > 0 && !last.IsZero() && at.Sub(last) < f.MinGap
}

// FatigueReport says, per stratum, what the fatigue rules did.
type FatigueReport struct {
	// Frame counts the units in the frame before the rules.
	Frame map[string]int
	// RecentlyContacted counts the units excluded by MinGap: they cannot be
	// selected this wave, so the sample covers only the rest of the stratum.
	RecentlyContacted map[string]int
	// OverAccountCap counts the units set aside by MaxPerAccount.
	OverAccountCap map[string]int
	// Eligible counts the units left to select from.
	Eligible map[string]int
}

// SelectMethod is how units are drawn within a stratum.
type SelectMethod int

// The selection methods.
const (
	// SRS draws n units by simple random sampling without replacement: π = n/N.
	SRS SelectMethod = iota
	// Systematic takes every (N/n)th unit in frame order from a random start: π = n/N.
	Systematic
	// PPS draws n units with probability proportional to Size, systematically
	// on the cumulated sizes from a random start: π_i = n*x_i/X, units whose
	// π would reach 1 taken with certainty.
	PPS
	// Poisson selects each unit independently with π_i = n*x_i/X (capped at
	// 1 as for PPS); with equal sizes this is Bernoulli sampling. The
	// sample size is random, n on average.
	Poisson
)

// Plan is a selection plan.
type Plan struct {
	Method SelectMethod
	// Sizes gives each stratum's sample size (for Poisson, the expected
	// size); a stratum not listed is not sampled.
	Sizes   map[string]int
	Fatigue Fatigue
	// At is the time of the wave, for Fatigue.MinGap.
	At time.Time
}

// Selected is a selected unit with its inclusion probability: the chance it
// had of being in the sample, including the fatigue rules' thinning.
type Selected struct {
	FrameUnit
	Prob float64
}

// Sample is the result of Select.
type Sample struct {
	Units   []Selected
	Method  SelectMethod
	Fatigue FatigueReport
}

// Select applies the plan's fatigue rules to frame and selects within each
// stratum, with randomness from src only: the same frame, plan and source
// state give the same sample. Strata are processed in the order of their
// keys; units keep frame order within a stratum. The fatigue rules draw from
// src before any stratum is sampled, so a Plan with no Sizes returns, in
// Sample.Fatigue, the eligible counts the full plan will see from the same
// source state: allocate within them.
//
// Errors: an empty frame, a duplicate unit ID, a plan stratum with no
// eligible unit or fewer eligible units than its size (ErrInfeasible), a
// negative sample size, or, for PPS and Poisson, a measure of size that is
// not a positive finite number.
func Select(frame []FrameUnit, plan Plan, src rand.Source) (*Sample, error) {
	if len(frame) == 0 {
		return nil, errf(ErrEmpty, nil, "frame")
	}
	rng := rand.New(src)
	ids := make(map[string]bool, len(frame))
	for i, u := range frame {
		if ids[u.ID] {
			return nil, errf(ErrInvalidValue, u.ID, "frame[%d].ID is a duplicate:", i)
		}
		ids[u.ID] = true
		if plan.Method == PPS || plan.Method == Poisson {
			if !(u.Size > 0) || math.IsInf(u.Size, 1) {
				return nil, errf(ErrInvalidValue, u.Size, "frame[%d].Size", i)
			}
		}
	}
	eligible, retention, report := applyFatigue(frame, plan.Fatigue, plan.At, rng)

	byStratum := map[string][]int{}
	for _, i := range eligible {
		byStratum[frame[i].Stratum] = append(byStratum[frame[i].Stratum], i)
	}
	s := &Sample{Method: plan.Method, Fatigue: report}
	keys := make([]string, 0, len(plan.Sizes))
	for k := range plan.Sizes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		n, units := plan.Sizes[key], byStratum[key]
		switch {
		case n < 0:
			return nil, errf(ErrInvalidValue, nil, "stratum %q: sample size %d", key, n)
		case n == 0:
			continue
		case n > len(units):
			return nil, errf(ErrInfeasible, nil, "stratum %q: sample size %d, but %d eligible units", key, n, len(units))
		}
		size := func(i int) float64 { return frame[i].Size }
		var picked []int
		var prob []float64
		switch plan.Method {
		case SRS:
			picked = srs(rng, units, n)
			prob = constant(len(picked), float64(n)/float64(len(units)))
		case Systematic:
			picked = systematic(rng, units, n)
			prob = constant(len(picked), float64(n)/float64(len(units)))
		case PPS, Poisson:
			pi := ppsProbabilities(units, size, n)
			if plan.Method == PPS {
				picked, prob = systematicPPS(rng, units, pi)
			} else {
				for j, i := range units {
					if rng.Float64() < pi[j] {
						picked, prob = append(picked, i), append(prob, pi[j])
					}
				}
			}
		default:
			return nil, errf(ErrInvalidValue, int(plan.Method), "selection method")
		}
		for j, i := range picked {
			s.Units = append(s.Units, Selected{FrameUnit: frame[i], Prob: prob[j] * retention[i]})
		}
	}
	return s, nil
}

func constant(n int, p float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = p
	}
	return out
}

// applyFatigue returns the indices of the eligible units in frame order,
// each unit's probability of surviving the account cap, and the report.
func applyFatigue(frame []FrameUnit, f Fatigue, at time.Time, rng *rand.Rand) ([]int, []float64, FatigueReport) {
	r := FatigueReport{Frame: map[string]int{}, RecentlyContacted: map[string]int{}, OverAccountCap: map[string]int{}, Eligible: map[string]int{}}
	retention := constant(len(frame), 1)
	// Group the units not recently contacted by account, accounts in order of
	// first appearance, with a counting sort rather than a slice per account.
	accountOf := make([]int32, len(frame))
	accountIdx := map[string]int32{}
	var counts []int
	for i, u := range frame {
		r.Frame[u.Stratum]++
		if f.Recent(u.LastContacted, at) {
			r.RecentlyContacted[u.Stratum]++
			accountOf[i] = -1
			continue
		}
		a, ok := accountIdx[u.Account]
		if !ok {
			a = int32(len(counts))
			accountIdx[u.Account] = a
			counts = append(counts, 0)
		}
		accountOf[i] = a
		counts[a]++
	}
	start := make([]int, len(counts)+1)
	for a, c := range counts {
		start[a+1] = start[a] + c
	}
	grouped := make([]int, start[len(counts)])
	next := slices.Clone(start[:len(counts)])
	for i, a := range accountOf {
		if a >= 0 {
			grouped[next[a]] = i
			next[a]++
		}
	}
	keep := make([]bool, len(frame))
	for a := range counts {
		units := grouped[start[a]:start[a+1]]
		if f.MaxPerAccount <= 0 || len(units) <= f.MaxPerAccount {
			for _, i := range units {
				keep[i] = true
			}
			continue
		}
		p := float64(f.MaxPerAccount) / float64(len(units))
		for _, i := range srs(rng, units, f.MaxPerAccount) {
			keep[i] = true
		}
		for _, i := range units {
			retention[i] = p
			if !keep[i] {
				r.OverAccountCap[frame[i].Stratum]++
			}
		}
	}
	var eligible []int
	for i, k := range keep {
		if k {
			eligible = append(eligible, i)
			r.Eligible[frame[i].Stratum]++
		}
	}
	return eligible, retention, r
}

// srs returns n of units chosen by simple random sampling without
// replacement (a partial Fisher-Yates shuffle), in their original order.
func srs(rng *rand.Rand, units []int, n int) []int {
	pool := slices.Clone(units)
	for j := range n {
		k := j + rng.IntN(len(pool)-j)
		pool[j], pool[k] = pool[k], pool[j]
	}
	picked := pool[:n]
	slices.Sort(picked)
	return picked
}

// systematic takes every (N/n)th unit from a random start in [0, N/n).
func systematic(rng *rand.Rand, units []int, n int) []int {
	step := float64(len(units)) / float64(n)
	start := rng.Float64() * step
	picked := make([]int, n)
	for j := range n {
		// start + j*step < N exactly, but can round up to N in floating point.
		picked[j] = units[min(int(start+float64(j)*step), len(units)-1)]
	}
	return picked
}

// ppsProbabilities returns π_i = n*x_i/X for units, taking units whose π
// would reach 1 with certainty and sharing the rest of n among the others.
func ppsProbabilities(units []int, size func(int) float64, n int) []float64 {
	pi := make([]float64, len(units))
	certain := make([]bool, len(units))
	left := float64(n)
	for {
		var total float64
		for j, i := range units {
			if !certain[j] {
				total += size(i)
			}
		}
		changed := false
		for j, i := range units {
			if certain[j] {
				continue
			}
			pi[j] = left * size(i) / total
			if pi[j] >= 1 {
				pi[j], certain[j], changed = 1, true, true
				left--
			}
		}
		if !changed || left <= 0 {
			for j := range units {
				if !certain[j] && left <= 0 {
					pi[j] = 0
				}
			}
			return pi
		}
	}
}

// systematicPPS selects from units with probabilities pi (summing to a whole
// number) systematically on their cumulated values from a random start.
func systematicPPS(rng *rand.Rand, units []int, pi []float64) ([]int, []float64) {
	var picked []int
	var prob []float64
	u := rng.Float64()
	var cum, total float64
	for _, p := range pi {
		total += p
	}
	total = math.Round(total) // a whole number, up to rounding in the shares
	for j, i := range units {
		next := cum + pi[j]
		if j == len(units)-1 {
			next = total // no unit lost to rounding at the end
		}
		// Select when a point u, u+1, u+2, ... falls in [cum, next).
		if pi[j] > 0 && math.Floor(next-u) > math.Floor(cum-u) || pi[j] >= 1 {
			picked, prob = append(picked, i), append(prob, pi[j])
		}
		cum = next
	}
	return picked, prob
}

// Design returns the sample's design for estimation: stratified by the
// frame strata, weights 1/Prob. For PPS and Poisson, whose variance this
// linearisation approximates as sampling with replacement, no finite
// population correction is applied. For SRS and Systematic the correction
// uses the stratum's units that the fatigue rules could have kept (those not
// recently contacted, before the account cap), so the cap's random thinning
// is treated as part of one simple random selection from them. This is an
// approximation: the cap draws within accounts, and a stratified draw has
// less variance than a simple one wherever accounts differ, so the standard
// error errs on the high side: in the simulation of TestFatigueCapVariance
// (40 accounts of 4, one kept each, all 40 sampled) the estimated variance
// of a total is 1.06 times the observed when accounts do not differ and 1.5
// times where account effects are half the variance of the survey variable. Using the eligible count instead, as
// earlier versions did, gave a standard error of 0 when every eligible unit
// was sampled.
func (s *Sample) Design(lonely LonelyPolicy) (*Design, error) {
	units := make([]Unit, len(s.Units))
	for i, u := range s.Units {
		units[i] = Unit{Stratum: u.Stratum, Weight: 1 / u.Prob}
	}
	opts := &DesignOptions{Lonely: lonely}
	if s.Method == SRS || s.Method == Systematic {
		opts.PopulationPSUs = map[string]float64{}
		for k, n := range s.Fatigue.Frame {
			opts.PopulationPSUs[k] = float64(n - s.Fatigue.RecentlyContacted[k])
		}
	}
	return NewDesign(units, opts)
}
