package calibrate

import (
	"fmt"
	"iter"
	"math"
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// PriorOptions tunes EstimatePriors. A nil *PriorOptions, or the zero
// value, means the defaults.
type PriorOptions struct {
	// MinAccounts is the fewest accounts a persona must be heard on a metric
	// in for a prior to be estimated; cells with fewer keep the model's
	// PriorMean and PriorStrength. 0 means 20.
	MinAccounts int
	// MaxStrength caps a prior's strength (in answers): where accounts do
	// not differ beyond noise, the moment estimate of their spread is 0 and
	// the strength would be infinite. 0 means 50.
	MaxStrength float64
}

// EstimatePriors estimates, from a customer base, the prior of every persona
// on every metric it was heard on in at least MinAccounts accounts
// (empirical Bayes, by the method of moments). It needs no outcomes, so it
// gives better defaults to users who have none: set the result as
// Model.Priors.
//
// For one persona and metric, account a's mean x_a from n_a effective
// people (scoring.Scorer.MetricMeans, at time at) is taken as the account's
// true mean plus noise of variance sigma^2/n_a, and the true means as spread
// around the prior mean with variance tau^2. sigma^2, the spread between
// people of one account, is pooled from the accounts where several were
// heard: sum(n_a*v_a)/sum(n_a - 1) with v_a the weighted variance of their
// means (the model's Spread^2 when no account has two people). The moment
// estimate is tau^2 = max(0, s^2 - sigma^2 * mean(1/n_a)), with s^2 the
// sample variance of the x_a; the strength is sigma^2/tau^2 answers (capped
// at MaxStrength); the mean is the precision-weighted mean of the x_a with
// weights 1/(tau^2 + sigma^2/n_a). Priors are returned in catalog and then
// model order.
//
// Errors: a nil scorer, an account that Score rejects.
func EstimatePriors(s *scoring.Scorer, accounts iter.Seq2[persona.Account, []scoring.Signal], at time.Time, opts *PriorOptions) ([]scoring.Prior, error) {
	if s == nil {
		return nil, fmt.Errorf("calibrate: EstimatePriors needs a scorer: %w", ErrInvalidInput)
	}
	cells := newPriorCells(s)
	for acct, signals := range accounts {
		means, err := s.MetricMeans(acct, signals, at)
		if err != nil {
			return nil, err
		}
		cells.add(means)
	}
	return cells.priors(opts), nil
}

// priorCells collects the accounts' means on each persona and metric of a
// scorer, to estimate priors from (EstimatePriors).
type priorCells struct {
	model  scoring.Model
	cat    *persona.Catalog
	metric map[string]int
	cells  [][]scoring.MetricMean // by persona, then metric
}

func newPriorCells(s *scoring.Scorer) *priorCells {
	c := &priorCells{model: s.Model(), cat: s.Catalog(), metric: map[string]int{}}
	for i, m := range c.model.Metrics {
		c.metric[m.Name] = i
	}
	c.cells = make([][]scoring.MetricMean, c.cat.Len()*len(c.model.Metrics))
	return c
}

// add adds one account's means (Scorer.MetricMeans).
func (c *priorCells) add(means []scoring.MetricMean) {
	for _, mm := range means {
		p, _ := c.cat.Index(mm.Persona)
		i := p*len(c.model.Metrics) + c.metric[mm.Metric]
		c.cells[i] = append(c.cells[i], mm)
	}
}

// priors estimates the prior of every cell heard in enough accounts.
func (c *priorCells) priors(opts *PriorOptions) []scoring.Prior {
	o := PriorOptions{MinAccounts: 20, MaxStrength: 50}
	if opts != nil {
		if opts.MinAccounts > 0 {
			o.MinAccounts = opts.MinAccounts
		}
		if opts.MaxStrength > 0 {
			o.MaxStrength = opts.MaxStrength
		}
	}
	nM := len(c.model.Metrics)
	var priors []scoring.Prior
	for i, cell := range c.cells {
		if len(cell) < o.MinAccounts || len(cell) < 2 {
			continue
		}
		mean, strength := momentPrior(cell, withinVariance(cell, c.model.Spread*c.model.Spread), o.MaxStrength)
		priors = append(priors, scoring.Prior{
			Persona:  c.cat.At(i / nM).ID,
			Metric:   c.model.Metrics[i%nM].Name,
			Mean:     mean,
			Strength: strength,
		})
	}
	return priors
}

// withinVariance pools the variance between the people of one account over
// the accounts of a cell, or returns fallback when no account had two.
func withinVariance(cell []scoring.MetricMean, fallback float64) float64 {
	var num, den float64
	for _, c := range cell {
		if c.N > 1 {
			num += c.N * c.Var
			den += c.N - 1
		}
	}
	if den == 0 || !(num > 0) {
		return fallback
	}
	return num / den
}

// momentPrior is the method-of-moments prior of one cell (see EstimatePriors).
func momentPrior(cell []scoring.MetricMean, sigma2, maxStrength float64) (mean, strength float64) {
	var sum, invN float64
	for _, c := range cell {
		sum += c.Mean
		invN += 1 / c.N
	}
	k := float64(len(cell))
	avg := sum / k
	var ss float64
	for _, c := range cell {
		ss += (c.Mean - avg) * (c.Mean - avg)
	}
	tau2 := math.Max(0, ss/(k-1)-sigma2*invN/k)
	strength = maxStrength
	if tau2 > 0 {
		strength = math.Min(sigma2/tau2, maxStrength)
	}
	tau2 = sigma2 / strength // the capped strength's spread, for the weights
	var sw, swx float64
	for _, c := range cell {
		w := 1 / (tau2 + sigma2/c.N)
		sw += w
		swx += w * c.Mean
	}
	return math.Min(math.Max(swx/sw, 0), 100), strength
}
