package sampling

import (
	"math"
	"slices"
)

// Missing says what a by-domain estimate does with a missing value (NaN).
type Missing int

// The missing-value policies.
const (
	// MissingError (the default): a NaN anywhere in the variables is an
	// error, as everywhere else in the package.
	MissingError Missing = iota
	// MissingDrop: a unit with a NaN in a variable is left out of its
	// domain, which keeps the rest of the design (R's na.rm = TRUE in
	// svyby), and counted in its row's Missing. Infinite values are still
	// errors.
	MissingDrop
)

// ByOptions tunes MeanBy, TotalBy and RatioBy; nil means the defaults.
type ByOptions struct {
	Missing Missing
	// Confidence is the level of each row's interval; 0 means 0.95.
	Confidence float64
}

// DomainRow is one domain's line of a by-domain table: its level, the
// estimate (value, SE, design effect, units used), the interval at the
// options' confidence, and how many of the domain's units were dropped for
// a missing value.
type DomainRow struct {
	Level string
	Estimate
	Low, High float64
	Missing   int
}

// MeanBy estimates the mean of y in each domain named by by (one level a
// unit), in level order: R's svyby(~y, ~by, design, svymean). Each domain's
// variance keeps the whole design, as DomainMean's does.
func (d *Design) MeanBy(y []float64, by []string, opts *ByOptions) ([]DomainRow, error) {
	return d.by(by, opts, [][]float64{y}, func(in []bool) (Estimate, error) { return d.domainMean(y, in) })
}

// TotalBy estimates the total of y in each domain (svyby with svytotal).
func (d *Design) TotalBy(y []float64, by []string, opts *ByOptions) ([]DomainRow, error) {
	return d.by(by, opts, [][]float64{y}, func(in []bool) (Estimate, error) { return d.domainTotal(y, in) })
}

// RatioBy estimates sum(y)/sum(x) in each domain (svyby with svyratio); a
// unit missing either is dropped under MissingDrop.
func (d *Design) RatioBy(y, x []float64, by []string, opts *ByOptions) ([]DomainRow, error) {
	return d.by(by, opts, [][]float64{y, x}, func(in []bool) (Estimate, error) { return d.domainRatio(y, x, in) })
}

// by checks the variables and the levels against the policy, then
// estimates each level's domain with est.
func (d *Design) by(by []string, opts *ByOptions, vars [][]float64, est func(in []bool) (Estimate, error)) ([]DomainRow, error) {
	var o ByOptions
	if opts != nil {
		o = *opts
	}
	if o.Confidence == 0 {
		o.Confidence = 0.95
	}
	if !(o.Confidence > 0 && o.Confidence < 1) {
		return nil, errf(ErrInvalidValue, o.Confidence, "confidence")
	}
	if o.Missing != MissingError && o.Missing != MissingDrop {
		return nil, errf(ErrInvalidValue, int(o.Missing), "missing-value policy")
	}
	if len(by) != len(d.w) {
		return nil, errf(ErrLength, len(by), "len(by) for %d units", len(d.w))
	}
	missing := make([]bool, len(d.w))
	for k, v := range vars {
		if len(v) != len(d.w) {
			return nil, errf(ErrLength, len(v), "len(variable %d) for %d units", k, len(d.w))
		}
		for i, x := range v {
			switch {
			case math.IsInf(x, 0):
				return nil, errf(ErrInvalidValue, x, "variable %d[%d]", k, i)
			case math.IsNaN(x) && o.Missing == MissingError:
				return nil, errf(ErrInvalidValue, x, "variable %d[%d] (set Missing to MissingDrop to leave it out)", k, i)
			case math.IsNaN(x):
				missing[i] = true
			}
		}
	}
	levels := slices.Sorted(distinct(by))
	rows := make([]DomainRow, 0, len(levels))
	in := make([]bool, len(d.w))
	for _, level := range levels {
		row := DomainRow{Level: level}
		for i, l := range by {
			in[i] = l == level && !missing[i]
			if l == level && missing[i] {
				row.Missing++
			}
		}
		e, err := est(in)
		if err != nil {
			return nil, err
		}
		row.Estimate = e
		row.Low, row.High = e.CI(o.Confidence)
		rows = append(rows, row)
	}
	return rows, nil
}
