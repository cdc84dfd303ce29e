package sampling

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Data is a sample as named columns, as a data frame holds it: numbers
// (survey variables, weights, fpc) and labels (strata, clusters, domains).
// Every column has one value per sampled unit; a missing number is NaN.
type Data struct {
	Numbers map[string][]float64
	Labels  map[string][]string
}

// Spec names the columns of Data that make the design, as the arguments of
// R's svydesign(id = ~Cluster, strata = ~Strata, weights = ~Weights, fpc =
// ~FPC, data = ...).
type Spec struct {
	// Strata is a label column; "" for an unstratified design.
	Strata string
	// Cluster is a label column of primary sampling units; "" when the
	// units themselves were sampled.
	Cluster string
	// Weights is a number column of sampling weights; "" to derive them
	// from FPC (N_h/n_h for the PSUs of stratum h), which is then required.
	Weights string
	// FPC is a number column giving, on every row of a stratum, either its
	// population count of PSUs (N_h) or its sampling fraction n_h/N_h (when
	// every value is at most 1); "" for sampling with replacement.
	FPC string
	// Cluster2 and FPC2 make the design two-stage: a label column of
	// secondary units within each PSU ("" for elements), and a number
	// column giving each row's PSU its population count of secondary units
	// (M_i), as svydesign(id = ~Cluster + Cluster2, fpc = ~FPC + FPC2).
	// FPC2 needs Cluster and FPC.
	Cluster2 string
	FPC2     string
	Lonely   LonelyPolicy
}

// Survey is a Design over named columns: estimates take variable names.
// It is immutable and safe for concurrent use.
type Survey struct {
	*Design
	data Data
}

// NewSurvey builds the design that spec describes over data. Errors: a
// column spec names that is missing, columns of unequal lengths, a weight
// or fpc that is not a positive finite number, an fpc that differs within a
// stratum or is smaller than the PSUs sampled there, no weights and no fpc
// to derive them from; and NewDesign's.
func NewSurvey(data Data, spec Spec) (*Survey, error) {
	n := -1
	for name, col := range data.Numbers {
		if n >= 0 && len(col) != n {
			return nil, errf(ErrLength, len(col), "column %q for %d rows", name, n)
		}
		n = len(col)
	}
	for name, col := range data.Labels {
		if n >= 0 && len(col) != n {
			return nil, errf(ErrLength, len(col), "column %q for %d rows", name, n)
		}
		n = len(col)
	}
	if n <= 0 {
		return nil, errf(ErrEmpty, nil, "data")
	}
	label := func(name string) ([]string, error) {
		if name == "" {
			return make([]string, n), nil
		}
		col, ok := data.Labels[name]
		if !ok {
			return nil, errf(ErrUnknownColumn, name, "label column")
		}
		return col, nil
	}
	strata, err := label(spec.Strata)
	if err != nil {
		return nil, err
	}
	clusters, err := label(spec.Cluster)
	if err != nil {
		return nil, err
	}
	clusters2, err := label(spec.Cluster2)
	if err != nil {
		return nil, err
	}
	units := make([]Unit, n)
	for i := range units {
		units[i] = Unit{Stratum: strata[i], Cluster: clusters[i], Cluster2: clusters2[i]}
	}
	// PSUs sampled per stratum: distinct clusters, or units without them.
	sampled := map[string]int{}
	seen := map[[2]string]bool{}
	for i := range units {
		if spec.Cluster == "" {
			sampled[strata[i]]++
		} else if k := [2]string{strata[i], clusters[i]}; !seen[k] {
			seen[k] = true
			sampled[strata[i]]++
		}
	}
	var opts DesignOptions
	opts.Lonely = spec.Lonely
	if spec.FPC != "" {
		fpc, ok := data.Numbers[spec.FPC]
		if !ok {
			return nil, errf(ErrUnknownColumn, spec.FPC, "fpc column")
		}
		fractions := !slices.ContainsFunc(fpc, func(v float64) bool { return v > 1 })
		opts.PopulationPSUs = map[string]float64{}
		for i, v := range fpc {
			if !(v > 0) || math.IsInf(v, 1) {
				return nil, errf(ErrInvalidValue, v, "fpc[%d]", i)
			}
			N := v
			if fractions {
				N = float64(sampled[strata[i]]) / v
			}
			if prev, ok := opts.PopulationPSUs[strata[i]]; ok && math.Abs(prev-N) > 1e-9*N {
				return nil, errf(ErrInvalidValue, v, "fpc[%d] differs within stratum %q", i, strata[i])
			}
			opts.PopulationPSUs[strata[i]] = N
		}
	}
	// Second stage: each PSU's population of SSUs, and its SSUs sampled.
	var ssuPerPSU map[string]float64
	if spec.FPC2 != "" {
		if spec.Cluster == "" || spec.FPC == "" {
			return nil, errf(ErrInvalidValue, spec.FPC2, "FPC2 without Cluster and FPC")
		}
		fpc2, ok := data.Numbers[spec.FPC2]
		if !ok {
			return nil, errf(ErrUnknownColumn, spec.FPC2, "second-stage fpc column")
		}
		opts.PopulationSSUs = map[string]float64{}
		ssuPerPSU = map[string]float64{}
		seen2 := map[[2]string]bool{}
		for i, v := range fpc2 {
			if !(v >= 1) || math.IsInf(v, 1) {
				return nil, errf(ErrInvalidValue, v, "fpc2[%d]", i)
			}
			if prev, ok := opts.PopulationSSUs[clusters[i]]; ok && prev != v {
				return nil, errf(ErrInvalidValue, v, "fpc2[%d] differs within PSU %q", i, clusters[i])
			}
			opts.PopulationSSUs[clusters[i]] = v
			if k := [2]string{clusters[i], clusters2[i]}; clusters2[i] == "" || !seen2[k] {
				seen2[k] = true
				ssuPerPSU[clusters[i]]++
			}
		}
	}
	switch {
	case spec.Weights != "":
		w, ok := data.Numbers[spec.Weights]
		if !ok {
			return nil, errf(ErrUnknownColumn, spec.Weights, "weights column")
		}
		for i := range units {
			units[i].Weight = w[i]
		}
	case opts.PopulationPSUs != nil:
		for i := range units {
			units[i].Weight = opts.PopulationPSUs[strata[i]] / float64(sampled[strata[i]])
			if ssuPerPSU != nil {
				units[i].Weight *= opts.PopulationSSUs[clusters[i]] / ssuPerPSU[clusters[i]]
			}
		}
	default:
		return nil, errf(ErrInvalidValue, nil, "no weights and no fpc to derive them from")
	}
	d, err := NewDesign(units, &opts)
	if err != nil {
		return nil, err
	}
	return &Survey{Design: d, data: data}, nil
}

// column returns a number column by name.
func (s *Survey) column(name string) ([]float64, error) {
	col, ok := s.data.Numbers[name]
	if !ok {
		return nil, errf(ErrUnknownColumn, name, "number column")
	}
	return col, nil
}

// Mean estimates the mean of the named variable (svymean(~name, design)).
func (s *Survey) Mean(name string) (Estimate, error) {
	y, err := s.column(name)
	if err != nil {
		return Estimate{}, err
	}
	return s.Design.Mean(y)
}

// Total estimates the total of the named variable (svytotal).
func (s *Survey) Total(name string) (Estimate, error) {
	y, err := s.column(name)
	if err != nil {
		return Estimate{}, err
	}
	return s.Design.Total(y)
}

// Ratio estimates sum(num)/sum(den) (svyratio(~num, ~den, design)).
func (s *Survey) Ratio(num, den string) (Estimate, error) {
	y, err := s.column(num)
	if err != nil {
		return Estimate{}, err
	}
	x, err := s.column(den)
	if err != nil {
		return Estimate{}, err
	}
	return s.Design.Ratio(y, x)
}

// Means estimates several named variables with their covariance matrix.
func (s *Survey) Means(names ...string) ([]Estimate, *mat.SymDense, error) {
	ys := make([][]float64, len(names))
	for i, name := range names {
		var err error
		if ys[i], err = s.column(name); err != nil {
			return nil, nil, err
		}
	}
	return s.Design.Means(ys...)
}

// MeanBy estimates the named variable's mean in each domain of the label
// column by (svyby(~name, ~by, design, svymean)).
func (s *Survey) MeanBy(name, by string, opts *ByOptions) ([]DomainRow, error) {
	y, err := s.column(name)
	if err != nil {
		return nil, err
	}
	levels, ok := s.data.Labels[by]
	if !ok {
		return nil, errf(ErrUnknownColumn, by, "label column")
	}
	return s.Design.MeanBy(y, levels, opts)
}
