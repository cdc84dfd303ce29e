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
	// Cluster2 is, in a two-stage design, the secondary sampling unit
	// within the PSU; "" makes the unit its own SSU (elements sampled at
	// the second stage).
	Cluster2 string
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
	// PopulationSSUs makes the design two-stage: for each PSU, by its
	// Cluster label (unique across strata), the number of secondary units
	// in it in the population (M_i), whose sampling adds its within-PSU
	// variance: sum over PSUs of pi_1 * (1 - m_i/M_i) * m_i/(m_i - 1) *
	// sum over its SSUs of (t - mean t)^2, pi_1 = n_h/N_h its stage-one
	// inclusion probability, as R's svydesign(id = ~psu + ssu, fpc =
	// ~N + M). It needs PopulationPSUs and every PSU listed.
	PopulationSSUs map[string]float64
	Lonely         LonelyPolicy
	// PPS, when set, says the PSUs were drawn with probabilities
	// proportional to size without replacement, each with inclusion
	// probability 1/Weight: the variance is then the Hartley-Rao
	// approximation (R's svydesign(..., fpc = ~prob, pps = HR())), and
	// PopulationPSUs must be nil (the probabilities carry the finite
	// population).
	PPS *HartleyRao
}

// HartleyRao are the options of a design drawn with probabilities
// proportional to size without replacement, its variance by the
// Hartley-Rao approximation of the joint inclusion probabilities, in R
// survey's Horvitz-Thompson form sum_ij Delta_ij x_i x_j over the PSU
// totals x of a stratum of n: Delta_ii = 1 - pi_i and, for i != j,
// Delta_ij = (pi_i + pi_j - P2Bar - 1)/(n - 1); computed in O(n) per
// stratum, not O(n^2).
type HartleyRao struct {
	// P2Bar gives, per stratum, sum(pi^2)/n over the population's PSUs;
	// nil means it is estimated by the mean of the sampled PSUs' pi, as
	// R's HR() does.
	P2Bar map[string]float64
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
	pps        *HartleyRao
	ssu        []int     // two-stage: unit -> SSU index (global)
	ssuPSU     []int     // SSU -> PSU
	nSSU       []int     // PSU -> SSUs sampled
	fpc2       []float64 // PSU -> (M_i - m_i)/M_i
	pi1        []float64 // PSU -> n_h/N_h
	psuProb    []float64 // with pps: each PSU's inclusion probability
	p2bar      []float64 // with pps: per stratum
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
	if o.PopulationSSUs != nil {
		if err := d.setSecondStage(units, o); err != nil {
			return nil, err
		}
	}
	if o.PPS != nil {
		if o.PopulationPSUs != nil {
			return nil, errf(ErrInvalidValue, nil, "PPS with PopulationPSUs (the inclusion probabilities carry the finite population)")
		}
		if err := d.setPPS(o.PPS); err != nil {
			return nil, err
		}
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
	resid := make([][]float64, k)
	for a, z := range zs {
		if len(d.calib) > 0 {
			z = slices.Clone(z)
			for _, c := range d.calib {
				c.residualise(z)
			}
		}
		resid[a] = z
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
	if d.pps != nil {
		d.hrCovariances(zs, cov)
		return cov
	}
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
			if d.ssu != nil {
				v += d.secondStage(resid[a], resid[b])
			}
			cov.SetSym(a, b, v)
		}
	}
	return cov
}

// setSecondStage indexes the SSUs of a two-stage design and records each
// PSU's second-stage finite population correction and stage-one inclusion
// probability.
func (d *Design) setSecondStage(units []Unit, o DesignOptions) error {
	if o.PopulationPSUs == nil {
		return errf(ErrInvalidValue, nil, "PopulationSSUs without PopulationPSUs (a two-stage variance needs the first stage's fpc)")
	}
	d.ssu = make([]int, len(units))
	d.nSSU = make([]int, len(d.psuStratum))
	label := make([]string, len(d.psuStratum))
	type key struct {
		psu int
		ssu string
	}
	index := map[key]int{}
	for i, u := range units {
		j := d.psu[i]
		label[j] = u.Cluster
		k := key{j, u.Cluster2}
		s, ok := index[k]
		if u.Cluster2 == "" || !ok {
			s = len(d.ssuPSU)
			if u.Cluster2 != "" {
				index[k] = s
			}
			d.ssuPSU = append(d.ssuPSU, j)
			d.nSSU[j]++
		}
		d.ssu[i] = s
	}
	d.fpc2 = make([]float64, len(d.psuStratum))
	d.pi1 = make([]float64, len(d.psuStratum))
	for j, h := range d.psuStratum {
		M, ok := o.PopulationSSUs[label[j]]
		if !ok {
			return errf(ErrUnknownStratum, nil, "PSU %q has no population size in PopulationSSUs", label[j])
		}
		m := d.nSSU[j]
		if !(M >= float64(m)) || math.IsInf(M, 1) {
			return errf(ErrInvalidValue, M, "PopulationSSUs[%q] (sampled %d SSUs)", label[j], m)
		}
		d.fpc2[j] = (M - float64(m)) / M
		if m == 1 && d.fpc2[j] > 1e-7 && o.Lonely == LonelyFail {
			return errf(ErrLonelyPSU, nil, "PSU %q has a single SSU sampled", label[j])
		}
		N := o.PopulationPSUs[d.strataKeys[h]]
		d.pi1[j] = float64(d.nPSU[h]) / N
	}
	return nil
}

// secondStage is the within-PSU part of the covariance of the totals of
// x and y (influences, residualised).
func (d *Design) secondStage(x, y []float64) float64 {
	tx, ty := make([]float64, len(d.ssuPSU)), make([]float64, len(d.ssuPSU))
	for i, s := range d.ssu {
		tx[s] += x[i]
		ty[s] += y[i]
	}
	mx, my := make([]float64, len(d.nSSU)), make([]float64, len(d.nSSU))
	for s, j := range d.ssuPSU {
		mx[j] += tx[s]
		my[j] += ty[s]
	}
	sp := make([]float64, len(d.nSSU))
	for s, j := range d.ssuPSU {
		m := float64(d.nSSU[j])
		sp[j] += (tx[s] - mx[j]/m) * (ty[s] - my[j]/m)
	}
	var v float64
	for j, m := range d.nSSU {
		if m < 2 || d.fpc2[j] < 1e-7 {
			continue
		}
		v += d.pi1[j] * d.fpc2[j] * float64(m) / float64(m-1) * sp[j]
	}
	return v
}

// setPPS records each PSU's inclusion probability (1/weight, the same for
// all its units) and each stratum's P2Bar.
func (d *Design) setPPS(p *HartleyRao) error {
	d.pps = p
	d.psuProb = make([]float64, len(d.psuStratum))
	for i, w := range d.w {
		pi := 1 / w
		if !(pi > 0 && pi <= 1) {
			return errf(ErrInvalidValue, pi, "inclusion probability of unit %d (1/weight) outside (0, 1]", i)
		}
		if q := d.psuProb[d.psu[i]]; q != 0 && q != pi {
			return errf(ErrInvalidValue, pi, "unit %d: the units of one PSU have different weights", i)
		}
		d.psuProb[d.psu[i]] = pi
	}
	d.p2bar = make([]float64, len(d.strataKeys))
	for h, key := range d.strataKeys {
		if v, ok := p.P2Bar[key]; ok {
			d.p2bar[h] = v
			continue
		}
		if p.P2Bar != nil {
			return errf(ErrUnknownStratum, nil, "stratum %q has no P2Bar", key)
		}
		var sum float64
		for j, hj := range d.psuStratum {
			if hj == h {
				sum += d.psuProb[j]
			}
		}
		d.p2bar[h] = sum / float64(d.nPSU[h])
	}
	return nil
}

// hrCovariances fills cov with the Hartley-Rao covariances of the totals
// of zs: within each stratum of n PSUs with totals x and probabilities pi,
// sum_i (1 - pi_i) x_i y_i + [(S(pi x) S(y) + S(x) S(pi y) - (P2Bar + 1)
// S(x) S(y)) - sum_i (2 pi_i - P2Bar - 1) x_i y_i]/(n - 1), the double sum
// over i != j of R survey's HRDcheck matrix done in O(n). (R also zeroes a
// pair whose probabilities add up to exactly 1; such pairs are not singled
// out here.)
func (d *Design) hrCovariances(zs [][]float64, cov *mat.SymDense) {
	totals := make([][]float64, len(zs))
	for a, z := range zs {
		if len(d.calib) > 0 {
			z = slices.Clone(z)
			for _, c := range d.calib {
				c.residualise(z)
			}
		}
		t := make([]float64, len(d.psuStratum))
		for i, x := range z {
			t[d.psu[i]] += x
		}
		totals[a] = t
	}
	H := len(d.strataKeys)
	for a := range zs {
		for b := a; b < len(zs); b++ {
			x, y := totals[a], totals[b]
			diag, cross, sx, sy, spx, spy := make([]float64, H), make([]float64, H), make([]float64, H), make([]float64, H), make([]float64, H), make([]float64, H)
			for j, h := range d.psuStratum {
				pi := d.psuProb[j]
				diag[h] += (1 - pi) * x[j] * y[j]
				cross[h] += (2*pi - d.p2bar[h] - 1) * x[j] * y[j]
				sx[h] += x[j]
				sy[h] += y[j]
				spx[h] += pi * x[j]
				spy[h] += pi * y[j]
			}
			var v float64
			for h, n := range d.nPSU {
				v += diag[h]
				if n > 1 {
					v += (spx[h]*sy[h] + sx[h]*spy[h] - (d.p2bar[h]+1)*sx[h]*sy[h] - cross[h]) / float64(n-1)
				}
			}
			cov.SetSym(a, b, v)
		}
	}
}
