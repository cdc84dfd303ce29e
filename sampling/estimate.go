package sampling

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Estimate is a design-based estimate with its linearisation standard error.
type Estimate struct {
	Value float64
	SE    float64
	// DEff is the design effect: the variance over that of a simple random
	// sample without replacement of the same size (R survey's deff = TRUE),
	// for means, totals and proportions on any design (calibrated ones
	// included, with their weights, as R does), domains (against a simple
	// random sample of the domain's size from its estimated population, as
	// R's svymean on a subset), and ratios (R's svyratio: the design effect
	// of the total of the linearised ratio). It is NaN where no simple random
	// sample compares: a weighted mix of domains (WeightedDomainMean), a
	// variable that does not vary, a sample as large as its estimated
	// population, or a comparison that overflows.
	DEff float64
	// N is the number of sampled units the estimate rests on.
	N int
}

// CI returns the two-sided normal confidence interval at level (e.g. 0.95),
// as confint does for R survey's estimates. level must be in (0, 1).
func (e Estimate) CI(level float64) (lo, hi float64) {
	if !(level > 0 && level < 1) {
		return math.NaN(), math.NaN()
	}
	half := distuv.UnitNormal.Quantile(0.5+level/2) * e.SE
	return e.Value - half, e.Value + half
}

// String formats the estimate as "value (SE se)".
func (e Estimate) String() string { return fmt.Sprintf("%.6g (SE %.4g)", e.Value, e.SE) }

// finite returns e, or an error if its value or standard error is not a
// finite number (the inputs were so large that the sums overflowed).
func finite(e Estimate) (Estimate, error) {
	if math.IsNaN(e.Value) || math.IsInf(e.Value, 0) || math.IsNaN(e.SE) || math.IsInf(e.SE, 0) {
		return Estimate{}, errf(ErrInvalidValue, e.Value, "estimate overflows (SE %v):", e.SE)
	}
	return e, nil
}

func (d *Design) check(name string, y []float64) error {
	if len(y) != len(d.w) {
		return errf(ErrLength, len(y), "len(%s) for %d units", name, len(d.w))
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errf(ErrInvalidValue, v, "%s[%d]", name, i)
		}
	}
	return nil
}

func (d *Design) checkDomain(in []bool) error {
	if len(in) != len(d.w) {
		return errf(ErrLength, len(in), "len(domain) for %d units", len(d.w))
	}
	return nil
}

// Total estimates the population total of y (Horvitz-Thompson): sum(w*y).
func (d *Design) Total(y []float64) (Estimate, error) {
	if err := d.check("y", y); err != nil {
		return Estimate{}, err
	}
	t, z := d.totalInfluence(y)
	e := Estimate{Value: t, SE: math.Sqrt(d.variance(z)), N: len(y)}
	e.DEff = d.deff(e.SE, y, nil, true)
	return finite(e)
}

// totalInfluence returns the estimated total of y and its influence w*y.
func (d *Design) totalInfluence(y []float64) (float64, []float64) {
	z := make([]float64, len(y))
	var t float64
	for i, v := range y {
		z[i] = d.w[i] * v
		t += z[i]
	}
	return t, z
}

// Mean estimates the population mean of y (Hajek): sum(w*y)/sum(w), with
// the linearised influence w*(y - mean)/sum(w).
func (d *Design) Mean(y []float64) (Estimate, error) {
	if err := d.check("y", y); err != nil {
		return Estimate{}, err
	}
	return d.domainMean(y, nil)
}

// Proportion estimates the share of the population for which in is true.
func (d *Design) Proportion(in []bool) (Estimate, error) {
	if err := d.checkDomain(in); err != nil {
		return Estimate{}, err
	}
	y := make([]float64, len(in))
	for i, b := range in {
		if b {
			y[i] = 1
		}
	}
	return d.Mean(y)
}

// Ratio estimates sum(y)/sum(x) over the population, with influence
// w*(y - R*x)/sum(w*x). The estimated total of x must not be 0.
func (d *Design) Ratio(y, x []float64) (Estimate, error) {
	if err := d.check("y", y); err != nil {
		return Estimate{}, err
	}
	if err := d.check("x", x); err != nil {
		return Estimate{}, err
	}
	return d.domainRatio(y, x, nil)
}

// domainRatio is the ratio over the domain (all units when in is nil),
// with y and x read only in it.
func (d *Design) domainRatio(y, x []float64, in []bool) (Estimate, error) {
	var ty, tx float64
	n := 0
	for i := range y {
		if in == nil || in[i] {
			ty += d.w[i] * y[i]
			tx += d.w[i] * x[i]
			n++
		}
	}
	if n == 0 {
		return Estimate{}, errf(ErrEmpty, nil, "domain")
	}
	if tx == 0 || math.IsInf(tx, 0) {
		return Estimate{}, errf(ErrInvalidValue, tx, "estimated total of x")
	}
	r := ty / tx
	z := make([]float64, len(y))
	lin := make([]float64, len(y)) // the linearised ratio, whose total has the ratio's variance
	for i := range y {
		if in == nil || in[i] {
			lin[i] = (y[i] - r*x[i]) / tx
			z[i] = d.w[i] * lin[i]
		}
	}
	e := Estimate{Value: r, SE: math.Sqrt(d.variance(z)), N: n}
	e.DEff = d.deff(e.SE, lin, in, true)
	return finite(e)
}

// DomainMean estimates the mean of y over the subpopulation where in is
// true. The variance keeps the whole design (strata and PSUs outside the
// domain still count), as R survey's subset and svyby do. A domain with no
// sampled unit is an error wrapping ErrEmpty.
func (d *Design) DomainMean(y []float64, in []bool) (Estimate, error) {
	if err := d.check("y", y); err != nil {
		return Estimate{}, err
	}
	if err := d.checkDomain(in); err != nil {
		return Estimate{}, err
	}
	return d.domainMean(y, in)
}

// DomainTotal estimates the total of y over the subpopulation where in is true.
func (d *Design) DomainTotal(y []float64, in []bool) (Estimate, error) {
	if err := d.check("y", y); err != nil {
		return Estimate{}, err
	}
	if err := d.checkDomain(in); err != nil {
		return Estimate{}, err
	}
	return d.domainTotal(y, in)
}

// domainTotal is DomainTotal with y read only in the domain.
func (d *Design) domainTotal(y []float64, in []bool) (Estimate, error) {
	z := make([]float64, len(y))
	var t float64
	n := 0
	for i, v := range y {
		if in[i] {
			z[i] = d.w[i] * v
			t += z[i]
			n++
		}
	}
	e := Estimate{Value: t, SE: math.Sqrt(d.variance(z)), N: n}
	e.DEff = d.deff(e.SE, y, in, true)
	return finite(e)
}

// domainMean is the Hajek mean over the units in the domain (all when in is nil).
func (d *Design) domainMean(y []float64, in []bool) (Estimate, error) {
	mean, z, n := d.meanInfluence(y, in)
	if n == 0 {
		return Estimate{}, errf(ErrEmpty, nil, "domain")
	}
	e := Estimate{Value: mean, SE: math.Sqrt(d.variance(z)), N: n}
	e.DEff = d.deff(e.SE, y, in, false)
	return finite(e)
}

// meanInfluence returns the Hajek mean of y over the domain (all units when
// in is nil), its influence w*(y - mean)/sum(w) in the domain and 0 outside,
// and the number of units in the domain (0: no mean).
func (d *Design) meanInfluence(y []float64, in []bool) (mean float64, z []float64, n int) {
	var sw, swy float64
	for i, v := range y {
		if in == nil || in[i] {
			sw += d.w[i]
			swy += d.w[i] * v
			n++
		}
	}
	if n == 0 {
		return 0, nil, 0
	}
	mean = swy / sw
	z = make([]float64, len(y))
	for i, v := range y {
		if in == nil || in[i] {
			z[i] = d.w[i] * (v - mean) / sw
		}
	}
	return mean, z, n
}

// Means estimates the population means of several variables at once, with
// the covariance matrix of the estimates, as R's vcov(svymean(~a + b,
// design)): the linearisation covariance of their influences, so that a
// difference or any linear combination of the means gets its standard
// error. Each Estimate is what Mean returns for that variable.
func (d *Design) Means(ys ...[]float64) ([]Estimate, *mat.SymDense, error) {
	return d.several(ys, false)
}

// Totals is Means for population totals (R's svytotal).
func (d *Design) Totals(ys ...[]float64) ([]Estimate, *mat.SymDense, error) {
	return d.several(ys, true)
}

func (d *Design) several(ys [][]float64, total bool) ([]Estimate, *mat.SymDense, error) {
	if len(ys) == 0 {
		return nil, nil, errf(ErrEmpty, nil, "variables")
	}
	zs := make([][]float64, len(ys))
	est := make([]Estimate, len(ys))
	for k, y := range ys {
		if err := d.check(fmt.Sprintf("variable %d", k), y); err != nil {
			return nil, nil, err
		}
		var v float64
		if total {
			v, zs[k] = d.totalInfluence(y)
		} else {
			v, zs[k], _ = d.meanInfluence(y, nil)
		}
		est[k] = Estimate{Value: v, N: len(y)}
	}
	cov := d.covariances(zs)
	for k := range est {
		est[k].SE = math.Sqrt(cov.At(k, k))
		est[k].DEff = d.deff(est[k].SE, ys[k], nil, total)
		var err error
		if est[k], err = finite(est[k]); err != nil {
			return nil, nil, err
		}
	}
	return est, cov, nil
}

func (d *Design) weightSum() float64 {
	var s float64
	for _, w := range d.w {
		s += w
	}
	return s
}

// deff is the design effect of an estimate with standard error se of the
// mean (total false) or total (true) of y over the units where in is true
// (all when in is nil): its variance over that of a simple random sample
// without replacement of the same size from a population of the domain's
// estimated size, as R survey's svymean and svytotal compute it with
// deff = TRUE (on a subset, for a domain): the design-weighted variance of y
// in the domain, with n/(n-1), times (N - n)/(N*n), and N^2 for a total. It
// is NaN where that variance is 0 or undefined (one unit, a constant y, a
// sample as large as N) or the ratio overflows.
func (d *Design) deff(se float64, y []float64, in []bool, total bool) float64 {
	var n, psum, swy float64
	for i, v := range y {
		if in == nil || in[i] {
			n++
			psum += d.w[i]
			swy += d.w[i] * v
		}
	}
	mean := swy / psum
	var ss float64
	for i, v := range y {
		if in == nil || in[i] {
			ss += d.w[i] * (v - mean) * (v - mean)
		}
	}
	vsrs := ss / psum * n / (n - 1) * (psum - n) / (psum * n)
	if total {
		vsrs *= psum * psum
	}
	deff := se * se / vsrs
	if !(vsrs > 0) || math.IsInf(deff, 0) || math.IsNaN(deff) {
		return math.NaN() // no finite comparison: a variance of 0, or one that overflows
	}
	return deff
}

// WeightedDomainMean estimates a mix of domain means with fixed weights:
// sum over domains g of W_g * mean_g / sum of W_g, where domain[i] names unit
// i's domain and weights gives W_g. It is how a persona-aware figure is
// built from a survey: each persona's mean counts with the persona's
// importance, not with how many of its people answered. The standard error
// comes from the combined influence values, so covariances between domains
// that share strata or PSUs are included.
//
// A unit whose domain has no weight is left out; a domain with a positive
// weight and no unit is an error (ErrEmptyCell), and so are negative or NaN
// weights and weights that add up to 0.
func (d *Design) WeightedDomainMean(y []float64, domain []string, weights map[string]float64) (Estimate, error) {
	if err := d.check("y", y); err != nil {
		return Estimate{}, err
	}
	if len(domain) != len(d.w) {
		return Estimate{}, errf(ErrLength, len(domain), "len(domain) for %d units", len(d.w))
	}
	var wsum float64
	for _, g := range slices.Sorted(maps.Keys(weights)) {
		w := weights[g]
		if !(w >= 0) || math.IsInf(w, 1) {
			return Estimate{}, errf(ErrInvalidValue, w, "weight of domain %q", g)
		}
		wsum += w
	}
	if !(wsum > 0) || math.IsInf(wsum, 1) {
		return Estimate{}, errf(ErrInvalidValue, wsum, "domain weights add up to")
	}
	sw := map[string]float64{}
	swy := map[string]float64{}
	n := 0
	for i, g := range domain {
		if weights[g] > 0 {
			sw[g] += d.w[i]
			swy[g] += d.w[i] * y[i]
			n++
		}
	}
	var value float64
	for _, g := range slices.Sorted(maps.Keys(weights)) { // a fixed order: the same bits every run
		w := weights[g]
		if w == 0 {
			continue
		}
		if sw[g] == 0 {
			return Estimate{}, errf(ErrEmptyCell, nil, "domain %q has weight but no unit", g)
		}
		value += w / wsum * swy[g] / sw[g]
	}
	z := make([]float64, len(y))
	for i, g := range domain {
		if w := weights[g]; w > 0 {
			z[i] = w / wsum * d.w[i] * (y[i] - swy[g]/sw[g]) / sw[g]
		}
	}
	// No simple random sample compares with a mix of domains at fixed weights.
	return finite(Estimate{Value: value, SE: math.Sqrt(d.variance(z)), N: n, DEff: math.NaN()})
}
