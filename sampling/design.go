package sampling

import (
	"maps"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Unit is one sampled unit as a Design sees it: its stratum, its primary
// sampling unit (cluster) and its weight.
type Unit struct {
	// Stratum is the design stratum; units of an unstratified design share "".
	Stratum string
	// Cluster is the primary sampling unit within the stratum; "" makes the
	// unit its own PSU (element sampling).
	Cluster string
	// Weight is the design weight, 1/π, the number of population units the
	// sampled unit stands for.
	Weight float64
}

// LonelyPolicy says what the variance does with a stratum in which only one
// primary sampling unit was sampled, where no variance can be estimated.
type LonelyPolicy int

const (
	// LonelyFail rejects such a design (NewDesign returns ErrLonelyPSU). It
	// is the default, like R survey's options(survey.lonely.psu = "fail").
	LonelyFail LonelyPolicy = iota
	// LonelyCertainty treats the stratum as sampled with certainty: it adds
	// nothing to the variance (R's "certainty").
	LonelyCertainty
)

// DesignOptions are the optional parts of a design. A nil *DesignOptions
// means the defaults: no finite population correction, LonelyFail.
type DesignOptions struct {
	// PopulationPSUs gives, for each stratum, the number of primary sampling
	// units in the population (for element sampling, the stratum's population
	// size). When set, variances carry the finite population correction
	// (N_h - n_h)/N_h; every stratum of the design must be listed. Nil means
	// sampling with replacement is assumed (no correction).
	PopulationPSUs map[string]float64
	Lonely         LonelyPolicy
}

// Design is a sample with its design: strata, primary sampling units,
// weights and the calibrations applied to them. It estimates totals, means,
// ratios and domain figures with linearisation (Taylor series) standard
// errors, as R's survey package does for a one-stage stratified cluster
// design (svydesign(id = ~cluster, strata = ~stratum, weights = ~w, fpc = ...)).
//
// A Design is immutable; the weighting methods return new Designs. It is safe
// for concurrent use.
type Design struct {
	w          []float64
	stratum    []int     // unit -> stratum index
	psu        []int     // unit -> PSU index (global)
	psuStratum []int     // PSU -> stratum index
	strataKeys []string  // stratum index -> key
	nPSU       []int     // stratum -> PSUs sampled
	fpc        []float64 // stratum -> (N_h - n_h)/N_h; 1 without a correction
	popPSUs    map[string]float64
	lonely     LonelyPolicy
	calib      []calibration
}

// NewDesign builds a design from sampled units. Weights must be finite and
// > 0. With LonelyFail, a stratum with a single PSU is an error.
func NewDesign(units []Unit, opts *DesignOptions) (*Design, error) {
	if len(units) == 0 {
		return nil, errf(ErrEmpty, nil, "design units")
	}
	var o DesignOptions
	if opts != nil {
		o = *opts
	}
	d := &Design{
		w:       make([]float64, len(units)),
		stratum: make([]int, len(units)),
		psu:     make([]int, len(units)),
		lonely:  o.Lonely,
		popPSUs: maps.Clone(o.PopulationPSUs),
	}
	strata := map[string]int{}
	type psuKey struct {
		stratum int
		cluster string
	}
	psus := map[psuKey]int{}
	for i, u := range units {
		if !(u.Weight > 0) || math.IsInf(u.Weight, 1) {
			return nil, errf(ErrInvalidValue, u.Weight, "units[%d].Weight", i)
		}
		d.w[i] = u.Weight
		h, ok := strata[u.Stratum]
		if !ok {
			h = len(d.strataKeys)
			strata[u.Stratum] = h
			d.strataKeys = append(d.strataKeys, u.Stratum)
			d.nPSU = append(d.nPSU, 0)
		}
		d.stratum[i] = h
		key := psuKey{h, u.Cluster}
		j, ok := psus[key]
		if u.Cluster == "" || !ok { // a unit with no cluster is its own PSU
			if u.Cluster != "" {
				psus[key] = len(d.psuStratum)
			}
			j = len(d.psuStratum)
			d.psuStratum = append(d.psuStratum, h)
			d.nPSU[h]++
		}
		d.psu[i] = j
	}
	d.fpc = make([]float64, len(d.strataKeys))
	for h, key := range d.strataKeys {
		d.fpc[h] = 1
		if o.PopulationPSUs != nil {
			N, ok := o.PopulationPSUs[key]
			if !ok {
				return nil, errf(ErrUnknownStratum, nil, "stratum %q has no population size in PopulationPSUs", key)
			}
			if !(N >= float64(d.nPSU[h])) || math.IsInf(N, 1) {
				return nil, errf(ErrInvalidValue, N, "PopulationPSUs[%q] (sampled %d PSUs)", key, d.nPSU[h])
			}
			d.fpc[h] = (N - float64(d.nPSU[h])) / N
		}
		if d.nPSU[h] == 1 && d.lonely == LonelyFail && d.fpc[h] > 1e-7 {
			return nil, errf(ErrLonelyPSU, nil, "stratum %q", key)
		}
	}
	return d, nil
}

// Len returns the number of sampled units.
func (d *Design) Len() int { return len(d.w) }

// Weights returns a copy of the current weights.
func (d *Design) Weights() []float64 { return slices.Clone(d.w) }

// withWeights returns a copy of d with new weights and an extra calibration.
func (d *Design) withWeights(w []float64, c calibration) *Design {
	nd := *d
	nd.w = w
	if c != nil {
		nd.calib = append(slices.Clip(d.calib), c)
	}
	return &nd
}

// variance returns the linearisation variance of the estimated total of z,
// a per-unit influence already multiplied by the weights: the calibrations'
// residuals are taken first, then within each stratum the between-PSU
// variance of PSU totals, scaled by the finite population correction and
// n_h/(n_h - 1). This is R survey's svyrecvar for a one-stage design.
func (d *Design) variance(z []float64) float64 {
	return d.covariances([][]float64{z}).At(0, 0)
}

// covariances returns the linearisation covariance matrix of the estimated
// totals of each z (influences already multiplied by the weights), the
// variance of variance generalised: products of the PSU totals' deviations
// where variance squares them.
func (d *Design) covariances(zs [][]float64) *mat.SymDense {
	k := len(zs)
	dev := make([][]float64, k) // per variable, per PSU: its total's deviation from its stratum's mean
	for a, z := range zs {
		if len(d.calib) > 0 {
			z = slices.Clone(z)
			for _, c := range d.calib {
				c.residualise(z)
			}
		}
		totals := make([]float64, len(d.psuStratum))
		for i, x := range z {
			totals[d.psu[i]] += x
		}
		sum := make([]float64, len(d.strataKeys))
		for j, t := range totals {
			sum[d.psuStratum[j]] += t
		}
		for j, t := range totals {
			h := d.psuStratum[j]
			totals[j] = t - sum[h]/float64(d.nPSU[h])
		}
		dev[a] = totals
	}
	cov := mat.NewSymDense(k, nil)
	for a := range k {
		for b := a; b < k; b++ {
			sp := make([]float64, len(d.strataKeys))
			for j := range d.psuStratum {
				sp[d.psuStratum[j]] += dev[a][j] * dev[b][j]
			}
			var v float64
			for h, n := range d.nPSU {
				if n < 2 || d.fpc[h] < 1e-7 { // a lonely PSU under LonelyCertainty, or a census
					continue
				}
				v += d.fpc[h] * float64(n) / float64(n-1) * sp[h]
			}
			cov.SetSym(a, b, v)
		}
	}
	return cov
}
