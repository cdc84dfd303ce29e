package sampling

import (
	"iter"
	"math/rand/v2"
	"time"
)

// WaveOptions describes a relationship-survey wave to plan with PlanWave.
type WaveOptions struct {
	// Budget is what the wave may spend, in the units of the frame's Cost
	// (a unit of cost 0 costs 1).
	Budget float64
	// Method allocates the interviews the budget buys; the zero value,
	// Proportional, is rarely what is wanted: Neyman spends where answers
	// vary most.
	Method Method
	// SD gives each stratum's standard deviation of the survey variable;
	// nil means 0.8, about that of an NPS category (+1, 0, -1).
	SD func(Stratum) float64
	// MinPerStratum is the least number asked in each stratum (fewer where
	// fewer are eligible), so that every persona is heard from.
	MinPerStratum int
	Fatigue       Fatigue
	At            time.Time
	// SelectMethod selects within strata; the zero value is SRS.
	SelectMethod SelectMethod
}

// Wave is a planned wave: the sample, the allocation behind it and the
// number of interviews the budget buys.
type Wave struct {
	Sample     *Sample
	Allocation []Allocation
	N          int
}

// PlanWave plans a wave over frame: the fatigue rules first (so that no
// stratum is asked for more people than it can give), then the largest
// sample the budget buys (SizeForBudget), allocated by opts.Method within
// [MinPerStratum, eligible], then selection. src is called twice and must
// return a source in the same state each time: the fatigue rules' draw that
// sizes the strata is the one the selection then makes (a seeded
// rand.NewPCG does). Errors are those of Select, SizeForBudget and
// Allocate.
func PlanWave(frame []FrameUnit, opts WaveOptions, src func() rand.Source) (*Wave, error) {
	probe, err := Select(frame, Plan{At: opts.At, Fatigue: opts.Fatigue}, src())
	if err != nil {
		return nil, err
	}
	strata := Strata(frame)
	for i := range strata {
		st := &strata[i]
		st.SD = 0.8
		if opts.SD != nil {
			st.SD = opts.SD(*st)
		}
		st.Max = probe.Fatigue.Eligible[st.Key]
		st.Min = min(opts.MinPerStratum, st.Max)
	}
	n, err := SizeForBudget(strata, opts.Budget, opts.Method)
	if err != nil {
		return nil, err
	}
	alloc, err := Allocate(strata, n, opts.Method)
	if err != nil {
		return nil, err
	}
	sizes := map[string]int{}
	for _, a := range alloc {
		sizes[a.Key] = a.N
	}
	sample, err := Select(frame, Plan{Method: opts.SelectMethod, Sizes: sizes, At: opts.At, Fatigue: opts.Fatigue}, src())
	if err != nil {
		return nil, err
	}
	return &Wave{Sample: sample, Allocation: alloc, N: n}, nil
}

// WaveEstimate is what a fielded NPS wave says, three ways.
type WaveEstimate struct {
	// Naive is the NPS of everyone who answered, counted once each: what
	// most programmes report, and what speaks for the easiest to reach.
	Naive Estimate
	// Everyone is the design-weighted NPS: every unit of the population
	// once, nonresponse adjusted within strata.
	Everyone Estimate
	// Weighted is the NPS with each stratum at its importance (a persona at
	// its weight in the buying decision), over the strata heard, with the
	// importance renormalised over them.
	Weighted Estimate
	// Answered counts the answers per stratum; Pooled lists the strata
	// nobody answered in, whose weight was carried by their pool's cell.
	Answered map[string]int
	Pooled   []string
}

// NPSWave estimates NPS from a fielded wave of d's units: unit i, of
// stratum strata[i], answered scores[i] (0..10) when responded[i]. The
// nonrespondents' weight goes to the respondents of their stratum
// (AdjustNonresponse). Where a stratum has no respondent, every stratum
// sharing its pool (pool maps a stratum to it: a persona's group) is
// adjusted as one cell, so that the stratum's weight is carried by its
// neighbours rather than lost; a stratum with no respondent and no pool, or
// a pool nobody answered in, is an error (ErrEmptyCell).
// importance weighs the strata for Weighted. scores of units that did not
// respond are ignored.
func (d *Design) NPSWave(strata []string, responded []bool, scores []float64, pool map[string]string, importance map[string]float64) (*WaveEstimate, error) {
	if len(strata) != len(d.w) || len(responded) != len(d.w) || len(scores) != len(d.w) {
		return nil, errf(ErrLength, len(strata), "strata, responded and scores for %d units", len(d.w))
	}
	est := &WaveEstimate{Answered: map[string]int{}}
	for i, ok := range responded {
		if ok {
			est.Answered[strata[i]]++
		}
	}
	// A pool with a stratum nobody answered in becomes one cell: all its
	// strata's units, so that the respondents of the others carry it.
	pooled := map[string]bool{}
	for s := range distinct(strata) {
		if est.Answered[s] == 0 {
			est.Pooled = append(est.Pooled, s)
			if p, ok := pool[s]; ok {
				pooled[p] = true
			}
		}
	}
	cells := make([]string, len(strata))
	for i, s := range strata {
		cells[i] = s
		if p, ok := pool[s]; ok && pooled[p] {
			cells[i] = "pool:" + p
		}
	}
	resp, kept, err := d.AdjustNonresponse(cells, responded)
	if err != nil {
		return nil, err
	}
	y := make([]float64, len(kept))
	categories := make([]float64, len(kept))
	domain := make([]string, len(kept))
	var prom, pass, det int
	for j, i := range kept {
		y[j], domain[j] = scores[i], strata[i]
		c, err := NPSCategory(scores[i])
		if err != nil {
			return nil, err
		}
		categories[j] = c
		switch c {
		case 1:
			prom++
		case 0:
			pass++
		default:
			det++
		}
	}
	if est.Naive, err = NPS(prom, pass, det); err != nil {
		return nil, err
	}
	if est.Everyone, err = resp.NPS(y); err != nil {
		return nil, err
	}
	heard := map[string]float64{}
	for s, w := range importance {
		if est.Answered[s] > 0 {
			heard[s] = w
		}
	}
	if est.Weighted, err = resp.WeightedDomainMean(categories, domain, heard); err != nil {
		return nil, err
	}
	return est, nil
}

// distinct yields the distinct labels in order of first appearance.
func distinct(strata []string) iter.Seq[string] {
	return func(yield func(string) bool) {
		seen := map[string]bool{}
		for _, s := range strata {
			if !seen[s] {
				seen[s] = true
				if !yield(s) {
					return
				}
			}
		}
	}
}
