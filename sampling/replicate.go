package sampling

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// ReplicateMethod is how replicate weights are built from a design.
type ReplicateMethod int

// The replicate methods (R's as.svrepdesign types).
const (
	// JK1 is the delete-one-PSU jackknife of an unstratified design: each
	// replicate drops one PSU and weights the others up by n/(n - 1); the
	// variance is (n - 1)/n times the finite population correction times
	// the sum of squares.
	JK1 ReplicateMethod = iota
	// JKn is the stratified jackknife: each replicate drops one PSU of one
	// stratum and weights the rest of that stratum up by n_h/(n_h - 1);
	// the replicate's scale is (n_h - 1)/n_h times the stratum's fpc.
	JKn
)

// ReplicateDesign estimates with replicate weights: each estimate is
// computed with the full-sample weights and again with each replicate's,
// and its variance is scale * sum of rscale_r (estimate_r - centre)^2, the
// centre being the replicates' mean (R's default, mse = FALSE) or, with
// MSE, the full-sample estimate. Estimates carry no design effect (DEff is
// NaN: a replicate design keeps no simple-random-sampling reference). It
// is safe for concurrent use as long as MSE is not changed meanwhile.
type ReplicateDesign struct {
	w       []float64
	rep     [][]float64
	scale   float64
	rscales []float64
	// MSE centres the variance on the full-sample estimate instead of the
	// replicates' mean (R's mse = TRUE).
	MSE bool
}

// NewReplicateDesign is a replicate design from published weights: the
// full-sample weights, each replicate's weights (one per unit), the scale
// and each replicate's rscale (R's svrepdesign(weights, repweights,
// scale, rscales)). Weights must be finite and >= 0 (a replicate may
// drop a unit), the full-sample ones > 0.
func NewReplicateDesign(weights []float64, replicates [][]float64, scale float64, rscales []float64) (*ReplicateDesign, error) {
	if len(weights) == 0 || len(replicates) == 0 {
		return nil, errf(ErrEmpty, nil, "weights or replicates")
	}
	if len(rscales) != len(replicates) {
		return nil, errf(ErrLength, len(rscales), "rscales for %d replicates", len(replicates))
	}
	if !(scale > 0) || math.IsInf(scale, 1) {
		return nil, errf(ErrInvalidValue, scale, "scale")
	}
	for i, w := range weights {
		if !(w > 0) || math.IsInf(w, 1) {
			return nil, errf(ErrInvalidValue, w, "weights[%d]", i)
		}
	}
	r := &ReplicateDesign{w: slices.Clone(weights), scale: scale, rscales: slices.Clone(rscales)}
	for k, rep := range replicates {
		if len(rep) != len(weights) {
			return nil, errf(ErrLength, len(rep), "replicate %d for %d units", k, len(weights))
		}
		for i, w := range rep {
			if !(w >= 0) || math.IsInf(w, 1) {
				return nil, errf(ErrInvalidValue, w, "replicate %d weight %d", k, i)
			}
		}
		if !(rscales[k] >= 0) || math.IsInf(rscales[k], 1) {
			return nil, errf(ErrInvalidValue, rscales[k], "rscales[%d]", k)
		}
		r.rep = append(r.rep, slices.Clone(rep))
	}
	return r, nil
}

// Replicates builds the design's replicate weights by method, as R's
// as.svrepdesign(design, type = "JK1" or "JKn") does, the finite
// population correction included. JK1 needs an unstratified design. A
// calibrated design (post-stratified, raked) is refused: replicate first,
// then calibrate each replicate, which this package does not do yet. A
// stratum with a single PSU gives no replicate (it adds nothing, as with
// LonelyCertainty).
func (d *Design) Replicates(method ReplicateMethod) (*ReplicateDesign, error) {
	if len(d.calib) > 0 {
		return nil, errf(ErrInvalidValue, nil, "replicates of a calibrated design (replicate first)")
	}
	r := &ReplicateDesign{w: d.w}
	switch method {
	case JK1:
		if len(d.strataKeys) != 1 {
			return nil, errf(ErrInvalidValue, len(d.strataKeys), "JK1 needs an unstratified design; strata")
		}
		n := d.nPSU[0]
		if n < 2 {
			return nil, errf(ErrLonelyPSU, nil, "JK1 with one PSU")
		}
		r.scale = float64(n-1) / float64(n) * d.fpc[0]
		for j := range d.psuStratum {
			r.rep = append(r.rep, d.dropPSU(j))
			r.rscales = append(r.rscales, 1)
		}
	case JKn:
		r.scale = 1
		for j, h := range d.psuStratum {
			n := d.nPSU[h]
			if n < 2 {
				continue
			}
			r.rep = append(r.rep, d.dropPSU(j))
			r.rscales = append(r.rscales, float64(n-1)/float64(n)*d.fpc[h])
		}
	default:
		return nil, errf(ErrInvalidValue, int(method), "replicate method")
	}
	if len(r.rep) == 0 {
		return nil, errf(ErrEmpty, nil, "replicates (every stratum has a single PSU)")
	}
	return r, nil
}

// dropPSU returns the replicate weights without PSU j: 0 for its units,
// the other units of its stratum weighted up by n_h/(n_h - 1).
func (d *Design) dropPSU(j int) []float64 {
	h := d.psuStratum[j]
	up := float64(d.nPSU[h]) / float64(d.nPSU[h]-1)
	w := make([]float64, len(d.w))
	for i := range d.w {
		switch {
		case d.psu[i] == j:
		case d.stratum[i] == h:
			w[i] = d.w[i] * up
		default:
			w[i] = d.w[i]
		}
	}
	return w
}

// Replicates returns how many replicates the design has.
func (r *ReplicateDesign) Replicates() int { return len(r.rep) }

// ReplicateWeight returns unit i's weight in replicate k.
func (r *ReplicateDesign) ReplicateWeight(k, i int) float64 { return r.rep[k][i] }

// Mean estimates the mean of y (sum(w*y)/sum(w)) with its replicate SE.
func (r *ReplicateDesign) Mean(y []float64) (Estimate, error) {
	return r.estimate(y, func(w []float64) float64 {
		var sw, swy float64
		for i, v := range y {
			sw += w[i]
			swy += w[i] * v
		}
		return swy / sw
	})
}

// Total estimates the total of y (sum(w*y)) with its replicate SE.
func (r *ReplicateDesign) Total(y []float64) (Estimate, error) {
	return r.estimate(y, func(w []float64) float64 {
		var t float64
		for i, v := range y {
			t += w[i] * v
		}
		return t
	})
}

func (r *ReplicateDesign) estimate(y []float64, stat func(w []float64) float64) (Estimate, error) {
	if len(y) != len(r.w) {
		return Estimate{}, errf(ErrLength, len(y), "len(y) for %d units", len(r.w))
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Estimate{}, errf(ErrInvalidValue, v, "y[%d]", i)
		}
	}
	full := stat(r.w)
	reps := make([]float64, len(r.rep))
	var centre float64
	for k, w := range r.rep {
		reps[k] = stat(w)
		centre += reps[k]
	}
	centre /= float64(len(reps))
	if r.MSE {
		centre = full
	}
	var v float64
	for k, t := range reps {
		v += r.rscales[k] * (t - centre) * (t - centre)
	}
	return finite(Estimate{Value: full, SE: math.Sqrt(r.scale * v), DEff: math.NaN(), N: len(y)})
}

// ReplicatesBRR builds balanced repeated replication weights for a design
// with exactly two PSUs in every stratum: replicate r keeps, in stratum h,
// the first PSU (in the order the units come) when row r, column h + 1 of
// a Sylvester Hadamard matrix of the least order above the number of strata
// that is a power of two is +1, and the second otherwise; the kept PSU's
// weights are multiplied by 2 - fay and the other's by fay (fay 0: plain
// BRR; Fay's method, 0 < fay < 1, keeps every unit in every replicate). The
// variance is 1/(R (1 - fay)^2) times the sum of squares, as R's
// as.svrepdesign(type = "BRR" / "Fay", fay.rho = fay). R picks the same
// matrix where the order is a power of two (for 1, 3, 7, 15... strata, and
// any count whose least order above is one); for other counts R may use
// another Hadamard matrix, which gives the same variance for totals and
// slightly different ones for nonlinear statistics.
func (d *Design) ReplicatesBRR(fay float64) (*ReplicateDesign, error) {
	if len(d.calib) > 0 {
		return nil, errf(ErrInvalidValue, nil, "replicates of a calibrated design (replicate first)")
	}
	if !(fay >= 0 && fay < 1) {
		return nil, errf(ErrInvalidValue, fay, "Fay's factor (want 0 <= fay < 1)")
	}
	H := len(d.strataKeys)
	first := make([]int, H) // each stratum's first PSU
	for h := range first {
		first[h] = -1
	}
	for h, n := range d.nPSU {
		if n != 2 {
			return nil, errf(ErrInvalidValue, n, "BRR needs two PSUs in every stratum; stratum %q has", d.strataKeys[h])
		}
	}
	for i := range d.w {
		if h := d.stratum[i]; first[h] < 0 {
			first[h] = d.psu[i]
		}
	}
	order := 1
	for order < H+1 {
		order *= 2
	}
	r := &ReplicateDesign{w: d.w, scale: 1 / (float64(order) * (1 - fay) * (1 - fay))}
	for row := range order {
		w := make([]float64, len(d.w))
		for i := range d.w {
			h := d.stratum[i]
			kept := sylvester(row, h+1) == (d.psu[i] == first[h])
			if kept {
				w[i] = d.w[i] * (2 - fay)
			} else {
				w[i] = d.w[i] * fay
			}
		}
		r.rep = append(r.rep, w)
		r.rscales = append(r.rscales, 1)
	}
	return r, nil
}

// sylvester reports whether entry (i, j) of a Sylvester Hadamard matrix is
// +1: the parity of the bits i and j share is even.
func sylvester(i, j int) bool {
	return bits.OnesCount(uint(i&j))%2 == 0
}

// ReplicatesBootstrap builds Rao and Wu's rescaling bootstrap: in each
// replicate, each stratum's n_h PSUs are resampled n_h - 1 times with
// replacement, and a PSU drawn k times has its weights multiplied by
// k*n_h/(n_h - 1); the variance is the replicates' sum of squares over
// R - 1. (R's as.svrepdesign(type = "bootstrap") resamples n_h with an
// average correction in the scale instead, with R's own generator; its
// published weights can be used through NewReplicateDesign.) Randomness
// comes from src only.
// It estimates the with-replacement variance: the finite population
// correction is not applied. A stratum with one PSU is left as it is.
func (d *Design) ReplicatesBootstrap(replicates int, src rand.Source) (*ReplicateDesign, error) {
	if len(d.calib) > 0 {
		return nil, errf(ErrInvalidValue, nil, "replicates of a calibrated design (replicate first)")
	}
	if replicates < 2 {
		return nil, errf(ErrInvalidValue, replicates, "bootstrap replicates (want at least 2)")
	}
	rng := rand.New(src)
	members := make([][]int, len(d.strataKeys)) // each stratum's PSUs
	for j, h := range d.psuStratum {
		members[h] = append(members[h], j)
	}
	r := &ReplicateDesign{w: d.w, scale: 1 / float64(replicates-1)}
	factor := make([]float64, len(d.psuStratum))
	for range replicates {
		for _, psus := range members {
			n := len(psus)
			if n < 2 {
				for _, j := range psus {
					factor[j] = 1
				}
				continue
			}
			for _, j := range psus {
				factor[j] = 0
			}
			up := float64(n) / float64(n-1)
			for range n - 1 {
				factor[psus[rng.IntN(n)]] += up
			}
		}
		w := make([]float64, len(d.w))
		for i := range d.w {
			w[i] = d.w[i] * factor[d.psu[i]]
		}
		r.rep = append(r.rep, w)
		r.rscales = append(r.rscales, 1)
	}
	return r, nil
}
