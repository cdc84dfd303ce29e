package sampling

import "math"

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
