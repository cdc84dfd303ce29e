package calibrate

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// EffectKind is the kind of feature an Effect is about.
type EffectKind string

// The kinds of feature.
const (
	EffectMean      EffectKind = "mean"      // a persona's shrunk mean on a metric
	EffectDeparture EffectKind = "departure" // a contact of a persona left
	EffectArrival   EffectKind = "arrival"   // a contact of a persona joined and has not been heard
	EffectSoftVeto  EffectKind = "soft-veto" // veto holders' shortfall under a threshold
	EffectFit       EffectKind = "fit"       // the account's fit score (Options.Fit)
)

// Effect is what the fit says about one feature of the calibrated model.
type Effect struct {
	Kind EffectKind
	// Feature names it: "finance-exec on nps" (a persona's shrunk mean on a
	// metric), "champion left within 120 days", "veto holders below 40".
	Feature string
	Persona persona.ID
	Metric  string
	// Coef is the change in the log-odds of renewal per unit of the feature
	// (per 50 points for a mean and for the soft veto's shortfall; from 0 to
	// 1 for a departure; per fit point), with its standard error.
	Coef, SE float64
	// Heard counts, for a mean, the accounts where the persona was heard on
	// the metric.
	Heard int
	// Weight is, for a mean, its share of the calibrated account score
	// (persona weight times metric weight); a mean whose coefficient came
	// out negative is dropped from the model (a health score cannot count a
	// happier person against the account) and listed with the coefficient
	// it had when dropped and no weight. Points is, for a departure, an
	// arrival or the soft veto, the points the calibrated model gives the
	// term.
	Weight, Points float64
}

// termFit is a fitted calibration: the model and the effects behind it.
type termFit struct {
	model   scoring.Model
	effects []Effect
}

// candidate is one form of the calibrated model's features: the model (the
// base's, with one way of reading NPS and its priors), its scorer, and the
// features it gives every account.
type candidate struct {
	model scoring.Model
	s     *scoring.Scorer
	d     *design
}

// fitTerms fits renewal on the calibrated model's features (each persona's
// shrunk mean on each metric, the departures and arrivals, and the
// soft-veto hinge) over the accounts in rows, with the candidate, the
// hinge's threshold and the penalty (of penalties) that cross-validate
// best within rows, and turns the fit into a model (see Calibrate).
func fitTerms(cands []candidate, y []bool, rows []int, penalties []float64) (*termFit, error) {
	c, threshold, penalty, err := bestSettings(cands, y, rows, penalties)
	if err != nil {
		return nil, err
	}
	d, fit, dropped, err := c.d.subset(rows, func(c column) bool { return inModel(c, threshold) }).fitMonotone(rows, y, penalty)
	if err != nil {
		return nil, err
	}
	tf, err := toModel(c.model, c.s, d, fit)
	if err != nil {
		return nil, err
	}
	tf.effects = append(tf.effects, dropped...)
	slices.SortStableFunc(tf.effects, func(a, b Effect) int { return cmp.Compare(math.Abs(b.Coef), math.Abs(a.Coef)) })
	return tf, nil
}

// bestSettings returns the candidate, the soft-veto threshold of hingeGrid
// and the penalty of penalties whose fit has the lowest log loss out of
// fold, over three folds of rows (ties to the earlier). The settings are
// tried on all cores; each one's loss is its own, so the choice does not
// depend on their number.
func bestSettings(cands []candidate, y []bool, rows []int, penalties []float64) (best *candidate, threshold, penalty float64, err error) {
	sub := make([]bool, len(rows))
	for r, i := range rows {
		sub[r] = y[i]
	}
	inner := folds(sub, 3, rand.NewPCG(3, uint64(len(rows))))
	type setting struct {
		cand      int
		threshold float64
		penalty   float64
		loss      float64
		err       error
	}
	var settings []setting
	for ci := range cands {
		for _, t := range hingeGrid {
			for _, pen := range penalties {
				settings = append(settings, setting{cand: ci, threshold: t, penalty: pen})
			}
		}
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(settings)) {
		wg.Go(func() {
			for i := range next {
				st := &settings[i]
				d := cands[st.cand].d.subset(rows, func(c column) bool { return inModel(c, st.threshold) })
				st.loss, st.err = d.crossLoss(inner, rows, y, st.penalty)
			}
		})
	}
	for i := range settings {
		next <- i
	}
	close(next)
	wg.Wait()
	bestLoss := math.Inf(1)
	for _, st := range settings {
		if st.err != nil {
			return nil, 0, 0, fmt.Errorf("calibrate: choosing the soft-veto threshold and the penalty: %w", st.err)
		}
		if st.loss < bestLoss {
			best, threshold, penalty, bestLoss = &cands[st.cand], st.threshold, st.penalty, st.loss
		}
	}
	return best, threshold, penalty, nil
}

// fitMonotone fits d over rows as fitOn does, then drops the means whose
// coefficient is negative and fits again, until none is: a health score
// cannot count a persona's good view against the account, so a negative
// weight is one the model cannot carry, and the rest are fitted without it
// rather than keeping coefficients that assumed it. It returns the design
// of the last fit, and the means dropped, each with the coefficient it had
// in the fit that dropped it.
func (d *design) fitMonotone(rows []int, y []bool, penalty float64) (*design, *Logit, []Effect, error) {
	var dropped []Effect
	for {
		fit, err := d.fitOn(rows, y, penalty)
		if err != nil {
			return nil, nil, nil, err
		}
		drop := map[column]bool{}
		for c, col := range d.cols {
			if col.kind == colMean && fit.Coef[c+1] < 0 {
				drop[col] = true
				dropped = append(dropped, Effect{Kind: EffectMean, Feature: col.String(), Persona: col.persona, Metric: col.metric,
					Coef: fit.Coef[c+1], SE: fit.SE[c+1], Heard: d.heard[col]})
			}
		}
		if len(drop) == 0 {
			return d, fit, dropped, nil
		}
		d = d.subset(rows, func(c column) bool { return !drop[c] })
	}
}

// crossLoss is the out-of-fold log loss of d's fit with the penalty, over
// the folds (indices into rows).
func (d *design) crossLoss(inner [][]int, rows []int, y []bool, penalty float64) (float64, error) {
	var loss float64
	for k, test := range inner {
		var train []int
		for j, f := range inner {
			if j != k {
				for _, r := range f {
					train = append(train, rows[r])
				}
			}
		}
		fd, fit, _, err := d.fitMonotone(train, y, penalty)
		if err != nil {
			return 0, err
		}
		for _, r := range test {
			p := math.Min(math.Max(fit.Predict(fd.rows[rows[r]]), 1e-15), 1-1e-15)
			if y[rows[r]] {
				loss -= math.Log(p)
			} else {
				loss -= math.Log1p(-p)
			}
		}
	}
	return loss, nil
}

// effect returns the kind of Effect a column of the model is.
func (k columnKind) effect() EffectKind {
	switch k {
	case colDeparted:
		return EffectDeparture
	case colJoined:
		return EffectArrival
	case colHinge:
		return EffectSoftVeto
	case colFit:
		return EffectFit
	}
	return EffectMean
}

// toModel turns a fit on d's features into a model that scores as the
// fit's linear predictor, up to the link: each persona's effective weight
// is the sum of its positive mean coefficients and each metric's weight
// within the persona its own, so that the account score minus 50 is
// sum(beta+ * (mean - 50))/B with B the sum of all positive coefficients;
// the priors are s's (the features'), per persona and metric, and the
// personas and metrics not heard count at them (UnheardPrior), as the
// features do; a log-odds coefficient c of a departure or an arrival
// becomes an event of c*50/B points,
// a negative hinge coefficient a soft veto of -c/B points per point, and
// the fit score's coefficient a fit term of c*50/B points per fit point.
func toModel(base scoring.Model, s *scoring.Scorer, d *design, fit *Logit) (*termFit, error) {
	cat := s.Catalog()
	weight := map[persona.ID]map[string]float64{}
	var total float64
	var effects []Effect
	for c, col := range d.cols {
		e := Effect{Kind: col.kind.effect(), Feature: col.String(), Persona: col.persona, Metric: col.metric, Coef: fit.Coef[c+1], SE: fit.SE[c+1]}
		if col.kind == colMean {
			e.Heard = d.heard[col]
			if w := math.Max(e.Coef, 0); w > 0 { // fitMonotone left none negative
				if weight[col.persona] == nil {
					weight[col.persona] = map[string]float64{}
				}
				weight[col.persona][col.metric] = w
				total += w
			}
		}
		effects = append(effects, e)
	}
	if total == 0 {
		return nil, fmt.Errorf("calibrate: no persona's view of any metric predicts renewal: %w", ErrNoWeight)
	}

	m := base
	m.Personas, m.Groups, m.Priors, m.Events, m.SoftVeto, m.Fit = nil, nil, nil, nil, nil, nil
	m.Unheard = scoring.UnheardPrior
	groupWeight := map[string]float64{}
	for p := range cat.Len() {
		id := cat.At(p).ID
		var sum float64
		metrics := map[string]float64{}
		for _, mt := range base.Metrics {
			w := weight[id][mt.Name]
			metrics[mt.Name] = w
			sum += w
			mean, k, _ := s.Prior(id, mt.Name)
			m.Priors = append(m.Priors, scoring.Prior{Persona: id, Metric: mt.Name, Mean: mean, Strength: k})
		}
		if sum == 0 { // no weight: keep the base's metric weights, so its people are still heard
			metrics = nil
		} else {
			for name := range metrics {
				metrics[name] /= sum
			}
		}
		m.Personas = append(m.Personas, scoring.PersonaWeight{Persona: id, Weight: new(sum / total), Metrics: metrics})
		groupWeight[cat.At(p).Group] += sum / total
	}
	for _, g := range cat.Groups() {
		m.Groups = append(m.Groups, scoring.GroupWeight{Group: g.ID, Weight: groupWeight[g.ID], Rule: scoring.RuleMean})
	}
	for i := range effects {
		e := &effects[i]
		col := d.cols[i]
		switch col.kind {
		case colMean:
			e.Weight = math.Max(e.Coef, 0) / total
		case colDeparted:
			e.Points = math.Max(-100, math.Min(100, e.Coef*50/total))
			m.Events = append(m.Events, scoring.Event{Kind: scoring.EventLeft, Persona: col.persona,
				Within: scoring.Duration(departureWindow), Points: e.Points})
		case colJoined:
			e.Points = math.Max(-100, math.Min(100, e.Coef*50/total))
			m.Events = append(m.Events, scoring.Event{Kind: scoring.EventJoinedUnheard, Persona: col.persona,
				Within: scoring.Duration(joinWindow), Points: e.Points})
		case colHinge:
			if e.Coef < 0 {
				e.Points = -e.Coef / total
				m.SoftVeto = &scoring.SoftVeto{Below: col.threshold, Points: e.Points}
			}
		case colFit:
			e.Points = math.Max(-100, math.Min(100, e.Coef*50/total))
			m.Fit = &scoring.FitTerm{Profile: *d.fit, Points: e.Points}
		}
	}
	for _, mp := range m.Priors {
		if !(mp.Strength > 0) { // the prior cannot stand in for the unheard: renormalise instead
			m.Unheard = base.Unheard
			m.Priors = nil
			break
		}
	}
	if _, err := scoring.Compile(m, cat); err != nil {
		return nil, errors.Join(fmt.Errorf("calibrate: the fitted model does not compile"), err)
	}
	return &termFit{model: m, effects: effects}, nil
}
