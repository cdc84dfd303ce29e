package calibrate

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// Outcome is one account's renewal: the account, its signals, whether it
// renewed, and when that was decided.
type Outcome struct {
	Account persona.Account
	Signals []scoring.Signal
	Renewed bool
	At      time.Time
}

// Options tunes Calibrate. A nil *Options, or the zero value, means the
// defaults.
type Options struct {
	// Lead is how long before each outcome its features are taken: only
	// signals dated up to At - Lead count, so nothing learned after the
	// cut-off leaks into the fit. 0 means 90 days.
	Lead time.Duration
	// Penalty is the ridge (L2) penalty on the persona coefficients and on
	// the slope of every link; 0 means 1. Unpenalised fits both by plain
	// maximum likelihood instead, as glm does (and fails on separable data).
	Penalty     float64
	Unpenalised bool
	// Folds is the number of cross-validation folds; 0 means 5.
	Folds int
	// Bins is the number of reliability bins; 0 means 10.
	Bins int
	// Src drives the fold assignment; nil means a fixed PCG seed, so the
	// report is the same every run.
	Src rand.Source
}

func (o *Options) withDefaults() Options {
	var d Options
	if o != nil {
		d = *o
	}
	if d.Lead == 0 {
		d.Lead = 90 * 24 * time.Hour
	}
	if d.Penalty == 0 {
		d.Penalty = 1
	}
	if d.Unpenalised {
		d.Penalty = 0
	}
	if d.Folds == 0 {
		d.Folds = 5
	}
	if d.Bins == 0 {
		d.Bins = 10
	}
	if d.Src == nil {
		d.Src = rand.NewPCG(1, 1)
	}
	return d
}

// Link maps an account score to a renewal probability:
// P = 1/(1 + exp(-(Intercept + Slope*(score - 50)/50))).
type Link struct {
	Intercept float64
	Slope     float64
}

// Probability returns the renewal probability of an account scoring score.
func (l Link) Probability(score float64) float64 {
	return sigmoid(l.Intercept + l.Slope*(score-50)/50)
}

// Effect is what the fit says about one persona.
type Effect struct {
	Persona persona.ID
	// Coef is the change in the log-odds of renewal per 50 points of the
	// persona's score (from the model's prior mean), with its standard error;
	// both 0 when the persona was never heard.
	Coef, SE float64
	// MissingCoef is the change in log-odds when the persona was not heard
	// at all, with its standard error; 0 when it was heard everywhere or nowhere.
	MissingCoef, MissingSE float64
	// Heard counts the accounts in which the persona was heard.
	Heard int
	// Weight is the persona's effective weight in the calibrated model.
	Weight float64
}

// Evaluation is how well one way of scoring predicted renewal, measured on
// cross-validated (out-of-fold) predictions.
type Evaluation struct {
	Name        string
	AUC         float64
	Brier       float64
	LogLoss     float64
	Reliability []Bin
}

// Report is the result of Calibrate: the calibrated model, its link to
// renewal probability, the persona effects, and the evaluation of three
// ways of scoring side by side.
type Report struct {
	Accounts, Renewed int
	Lead              time.Duration
	// Model is the base model with persona and group weights replaced by the
	// fit (see Calibrate); Link maps its scores to renewal probabilities.
	Model   scoring.Model
	Link    Link
	Effects []Effect
	// Evaluations compares, in this order: a flat average of every signal,
	// the base model, a plain logistic regression on raw features (the
	// yardstick a data scientist would build: each persona's shrunk mean on
	// each metric, whether it was heard, and whether a champion or an
	// executive left in the 120 days before the cut-off), and the calibrated
	// model. The plain logistic is left out when a training fold has fewer
	// accounts than it has features.
	Evaluations []Evaluation
}

// Calibrate learns persona weights for base from renewal outcomes and
// reports how well scores predict renewal.
//
// Features. Each account is scored with base as of its cut-off (At - Lead):
// signals after the cut-off are dropped by the scorer as future, so they
// cannot leak into the fit. For each persona heard somewhere in the data,
// the feature is x = (persona score - PriorMean)/50, taken as 0 (the prior)
// where the persona was not heard, plus an indicator of not being heard,
// so a missing persona is modelled explicitly rather than imputed. (Coverage
// is a combination of the indicators and is not added again.) A feature that
// is the same for every account is left out.
//
// Fit. A logistic regression of renewal on the features, with a ridge
// penalty on the coefficients (see Options), by Newton's method.
//
// Model. The calibrated model gives each persona an effective weight equal
// to its positive coefficient (a negative or absent one gives 0): persona
// weight within its group = coefficient, group weight = sum of its
// personas' coefficients. The scorer's weighted mean then follows the fit's
// linear predictor, up to the renormalisation over personas heard. Link is a
// second logistic fit, of renewal on the calibrated account score.
//
// Evaluation. Stratified k-fold cross-validation: each fold's predictions
// come from a fit on the other folds only, for (a) the flat average of all
// signals, (b) the base model's score, (c) a plain logistic regression on
// raw features (see Report.Evaluations) and (d) the calibrated model's
// score, (a), (b) and (d) each through its own logistic link.
//
// Errors: an invalid base model; no outcomes; an account with no usable
// signal before its cut-off (ErrNoSignals, naming it); one class of outcome
// (ErrOneClass); fewer outcomes than parameters (ErrTooFew); separable data
// without a penalty (ErrSeparable); no persona with a positive effect
// (ErrNoWeight).
func Calibrate(base scoring.Model, cat *persona.Catalog, data []Outcome, opts *Options) (*Report, error) {
	o := opts.withDefaults()
	scorer, err := scoring.Compile(base, cat)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("calibrate: no outcomes: %w", ErrTooFew)
	}
	baseScores := make([]scoring.Result, len(data))
	y := make([]bool, len(data))
	renewed := 0
	for i, d := range data {
		r, err := scorer.Score(d.Account, d.Signals, d.At.Add(-o.Lead))
		if err != nil {
			return nil, err
		}
		if !r.Scored {
			return nil, fmt.Errorf("calibrate: account %q: %w", d.Account.ID, ErrNoSignals)
		}
		baseScores[i] = r
		y[i] = d.Renewed
		if d.Renewed {
			renewed++
		}
	}
	all := make([]int, len(data))
	for i := range all {
		all[i] = i
	}
	fit, err := fitPersonas(base, cat, baseScores, y, all, o.Penalty)
	if err != nil {
		return nil, err
	}
	rep := &Report{Accounts: len(data), Renewed: renewed, Lead: o.Lead, Model: fit.model, Effects: fit.effects}
	calScores, err := scoreAll(fit.model, cat, data, o.Lead)
	if err != nil {
		return nil, err
	}
	if rep.Link, err = fitLink(calScores, y, all, o.Penalty); err != nil {
		return nil, err
	}
	if rep.Evaluations, err = crossValidate(base, scorer, data, baseScores, y, &o); err != nil {
		return nil, err
	}
	return rep, nil
}

// personaFit is a fitted persona regression turned into a model.
type personaFit struct {
	model   scoring.Model
	effects []Effect
}

// fitPersonas fits the persona regression on the accounts in rows.
func fitPersonas(base scoring.Model, cat *persona.Catalog, results []scoring.Result, y []bool, rows []int, penalty float64) (*personaFit, error) {
	n := cat.Len()
	score := make([][]float64, len(rows)) // per row: persona feature, NaN when not heard
	heard := make([]int, n)
	for r, i := range rows {
		score[r] = make([]float64, n)
		for p := range score[r] {
			score[r][p] = math.NaN()
		}
		for _, ps := range results[i].Personas {
			p, _ := cat.Index(ps.Persona)
			score[r][p] = (ps.Score - base.PriorMean) / 50
			heard[p]++
		}
	}
	// Columns: each heard persona's score; its missing indicator when it is
	// missing somewhere too.
	type column struct {
		persona int
		missing bool
	}
	var cols []column
	for p := range n {
		if heard[p] > 0 {
			cols = append(cols, column{p, false})
			if heard[p] < len(rows) {
				cols = append(cols, column{p, true})
			}
		}
	}
	x := make([][]float64, len(rows))
	ys := make([]bool, len(rows))
	for r, i := range rows {
		x[r] = make([]float64, len(cols))
		for c, col := range cols {
			v := score[r][col.persona]
			switch {
			case col.missing && math.IsNaN(v):
				x[r][c] = 1
			case !col.missing && !math.IsNaN(v):
				x[r][c] = v
			}
		}
		ys[r] = y[i]
	}
	logit, err := FitLogit(x, ys, penalty)
	if err != nil {
		return nil, err
	}
	effects := make([]Effect, n)
	for p := range n {
		effects[p] = Effect{Persona: cat.At(p).ID, Heard: heard[p]}
	}
	for c, col := range cols {
		e := &effects[col.persona]
		if col.missing {
			e.MissingCoef, e.MissingSE = logit.Coef[c+1], logit.SE[c+1]
		} else {
			e.Coef, e.SE = logit.Coef[c+1], logit.SE[c+1]
		}
	}
	model, err := weightsFrom(base, cat, effects)
	if err != nil {
		return nil, err
	}
	return &personaFit{model: model, effects: effects}, nil
}

// weightsFrom returns base with each persona's effective weight set to its
// positive coefficient.
func weightsFrom(base scoring.Model, cat *persona.Catalog, effects []Effect) (scoring.Model, error) {
	m := base
	m.Personas = nil
	groupSum := map[string]float64{}
	var total float64
	for p, e := range effects {
		w := math.Max(e.Coef, 0)
		effects[p].Weight = w
		m.Personas = append(m.Personas, scoring.PersonaWeight{Persona: e.Persona, Weight: new(w), Metrics: metricOverrides(base, e.Persona)})
		groupSum[cat.At(p).Group] += w
		total += w
	}
	if total == 0 {
		return scoring.Model{}, fmt.Errorf("calibrate: every persona's effect is zero or negative: %w", ErrNoWeight)
	}
	m.Groups = nil
	for _, g := range cat.Groups() {
		rule := scoring.RuleMean
		for _, bg := range base.Groups {
			if bg.Group == g.ID && bg.Rule != "" {
				rule = bg.Rule
			}
		}
		m.Groups = append(m.Groups, scoring.GroupWeight{Group: g.ID, Weight: groupSum[g.ID], Rule: rule})
	}
	return m, nil
}

// metricOverrides keeps the base model's per-persona metric weights.
func metricOverrides(base scoring.Model, id persona.ID) map[string]float64 {
	for _, pw := range base.Personas {
		if pw.Persona == id {
			return pw.Metrics
		}
	}
	return nil
}

func scoreAll(m scoring.Model, cat *persona.Catalog, data []Outcome, lead time.Duration) ([]float64, error) {
	s, err := scoring.Compile(m, cat)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(data))
	for i, d := range data {
		r, err := s.Score(d.Account, d.Signals, d.At.Add(-lead))
		if err != nil {
			return nil, err
		}
		out[i] = r.Score
	}
	return out, nil
}

// fitLink fits renewal on one score (on 0..100) over the accounts in rows,
// with the ridge penalty on the slope.
func fitLink(scores []float64, y []bool, rows []int, penalty float64) (Link, error) {
	x := make([][]float64, len(rows))
	ys := make([]bool, len(rows))
	for r, i := range rows {
		x[r] = []float64{(scores[i] - 50) / 50}
		ys[r] = y[i]
	}
	l, err := FitLogit(x, ys, penalty)
	if err != nil {
		return Link{}, err
	}
	return Link{Intercept: l.Coef[0], Slope: l.Coef[1]}, nil
}

// folds assigns accounts to k folds, stratified by outcome: the renewed and
// the churned are shuffled apart and dealt round-robin.
func folds(y []bool, k int, src rand.Source) [][]int {
	rng := rand.New(src)
	var pos, neg []int
	for i, v := range y {
		if v {
			pos = append(pos, i)
		} else {
			neg = append(neg, i)
		}
	}
	out := make([][]int, k)
	deal := 0
	for _, group := range [][]int{pos, neg} {
		rng.Shuffle(len(group), func(a, b int) { group[a], group[b] = group[b], group[a] })
		for _, i := range group {
			out[deal%k] = append(out[deal%k], i)
			deal++
		}
	}
	return out
}

func crossValidate(base scoring.Model, s *scoring.Scorer, data []Outcome, baseResults []scoring.Result, y []bool, o *Options) ([]Evaluation, error) {
	if o.Folds < 2 || o.Folds > len(data) {
		return nil, fmt.Errorf("calibrate: %d folds for %d outcomes: %w", o.Folds, len(data), ErrInvalidInput)
	}
	flat := make([]float64, len(data))
	baseScore := make([]float64, len(data))
	cat := s.Catalog()
	for i, d := range data {
		flat[i], _ = s.FlatAverage(d.Signals, d.At.Add(-o.Lead))
		baseScore[i] = baseResults[i].Score
	}
	features, err := baselineFeatures(s, data, o.Lead)
	if err != nil {
		return nil, err
	}
	const flatRow, baseRow, plainRow, calibratedRow = 0, 1, 2, 3
	var pred [4][]float64
	for m := range pred {
		pred[m] = make([]float64, len(data))
	}
	fs := folds(y, o.Folds, o.Src)
	withPlain := true
	for k, test := range fs {
		var train []int
		for j, f := range fs {
			if j != k {
				train = append(train, f...)
			}
		}
		fit, err := fitPersonas(base, cat, baseResults, y, train, o.Penalty)
		if err != nil {
			return nil, fmt.Errorf("calibrate: fold %d: %w", k+1, err)
		}
		calScore, err := scoreAll(fit.model, cat, data, o.Lead)
		if err != nil {
			return nil, err
		}
		for _, row := range []struct {
			m      int
			scores []float64
		}{{flatRow, flat}, {baseRow, baseScore}, {calibratedRow, calScore}} {
			link, err := fitLink(row.scores, y, train, o.Penalty)
			if err != nil {
				return nil, fmt.Errorf("calibrate: fold %d: %w", k+1, err)
			}
			for _, i := range test {
				pred[row.m][i] = link.Probability(row.scores[i])
			}
		}
		if !withPlain {
			continue
		}
		x, ys := make([][]float64, len(train)), make([]bool, len(train))
		for r, i := range train {
			x[r], ys[r] = features[i], y[i]
		}
		plain, err := FitLogit(x, ys, o.Penalty)
		switch {
		case errors.Is(err, ErrTooFew):
			withPlain = false // more features than accounts to fit them on: no yardstick
			continue
		case err != nil:
			return nil, fmt.Errorf("calibrate: fold %d: the plain logistic baseline: %w", k+1, err)
		}
		for _, i := range test {
			pred[plainRow][i] = plain.Predict(features[i])
		}
	}
	names := [4]string{"flat average of all signals", "base persona-aware model", "plain logistic on raw features", "calibrated model"}
	var evals []Evaluation
	for m := range names {
		if m == plainRow && !withPlain {
			continue
		}
		e := Evaluation{Name: names[m]}
		if e.AUC, err = AUC(y, pred[m]); err != nil {
			return nil, err
		}
		if e.Brier, err = Brier(y, pred[m]); err != nil {
			return nil, err
		}
		if e.LogLoss, err = LogLoss(y, pred[m]); err != nil {
			return nil, err
		}
		if e.Reliability, err = Reliability(y, pred[m], o.Bins); err != nil {
			return nil, err
		}
		evals = append(evals, e)
	}
	return evals, nil
}

// String writes the report as text a customer-success lead can read.
func (r *Report) String() string {
	var b []byte
	b = fmt.Appendf(b, "Calibrated on %d accounts (%d renewed, %.0f%%), features %s before each renewal\n\n",
		r.Accounts, r.Renewed, 100*float64(r.Renewed)/float64(r.Accounts), fmtDays(r.Lead))
	b = fmt.Appendf(b, "How well each score predicts renewal (cross-validated):\n")
	b = fmt.Appendf(b, "  %-30s %6s %7s %8s\n", "", "AUC", "Brier", "log loss")
	for _, e := range r.Evaluations {
		b = fmt.Appendf(b, "  %-30s %6.3f %7.4f %8.4f\n", e.Name, e.AUC, e.Brier, e.LogLoss)
	}
	b = fmt.Appendf(b, "\nWhat moves renewal (log-odds per 50 points of the persona's score, and when not heard):\n")
	b = fmt.Appendf(b, "  %-14s %7s %6s %12s %6s %6s %7s\n", "persona", "effect", "SE", "not heard", "SE", "heard", "weight")
	for _, e := range r.Effects {
		b = fmt.Appendf(b, "  %-14s %+7.2f %6.2f %+12.2f %6.2f %6d %6.1f%%\n",
			e.Persona, e.Coef, e.SE, e.MissingCoef, e.MissingSE, e.Heard, 100*e.Weight/totalWeight(r.Effects))
	}
	b = fmt.Appendf(b, "\nRenewal probability from the calibrated score: 1/(1+exp(-(%.3f %+.3f*(score-50)/50)))\n", r.Link.Intercept, r.Link.Slope)
	return string(b)
}

func totalWeight(effects []Effect) float64 {
	var t float64
	for _, e := range effects {
		t += e.Weight
	}
	if t == 0 {
		return 1
	}
	return t
}

func fmtDays(d time.Duration) string {
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}
