package calibrate

import (
	"errors"
	"fmt"
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
	// Penalty is the ridge (L2) penalty on the calibrated model's
	// coefficients; 0 means the one of PenaltyGrid that gives the lowest log
	// loss in a cross-validation inside the data fitted. The plain logistic
	// yardstick uses Penalty, or 1 when it is 0, and so do the links where
	// a score separates the outcomes (they are fitted without a penalty
	// otherwise). Unpenalised
	// fits everything by plain maximum likelihood instead, as glm does (and
	// fails on separable data).
	Penalty     float64
	Unpenalised bool
	// Folds is the number of cross-validation folds; 0 means 5.
	Folds int
	// Bins is the number of reliability bins; 0 means 10.
	Bins int
	// Src drives the fold assignment; nil means a fixed PCG seed, so the
	// report is the same every run.
	Src rand.Source
	// Fit, if set, adds the accounts' fit score under this ideal customer
	// profile to the features (and to the plain logistic yardstick's), and
	// the fitted model carries it as a scoring.FitTerm.
	Fit *persona.FitProfile
}

// PenaltyGrid holds the ridge penalties Calibrate chooses from when
// Options.Penalty is 0.
var PenaltyGrid = []float64{0.3, 1, 3}

// penalties returns the penalties to choose the model's from.
func (o *Options) penalties() []float64 {
	if o.Unpenalised || o.Penalty > 0 {
		return []float64{o.Penalty}
	}
	return PenaltyGrid
}

// fixedPenalty is the penalty of the yardstick, and of the links where a
// score separates the outcomes.
func (o *Options) fixedPenalty() float64 {
	if o.Unpenalised || o.Penalty > 0 {
		return o.Penalty
	}
	return 1
}

func (o *Options) withDefaults() Options {
	var d Options
	if o != nil {
		d = *o
	}
	if d.Lead == 0 {
		d.Lead = 90 * 24 * time.Hour
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

// Link is scoring.Link: it maps an account score to a renewal probability,
// P = 1/(1 + exp(-(Intercept + Slope*(score - 50)/50))).
type Link = scoring.Link

// Evaluation is how well one way of scoring predicted renewal, measured on
// cross-validated (out-of-fold) predictions.
type Evaluation struct {
	Name        string
	AUC         float64
	Brier       float64
	LogLoss     float64
	Reliability []Bin
	// Predicted holds the out-of-fold probabilities of renewal the figures
	// are computed from, indexed like the outcomes given, for measures of
	// one's own (WeightedAUC by ARR, say).
	Predicted []float64
}

// Report is the result of Calibrate: the calibrated model, its link to
// renewal probability, the persona effects, and the evaluation of three
// ways of scoring side by side.
type Report struct {
	Accounts, Renewed int
	Lead              time.Duration
	// Model is the calibrated model (see Calibrate); Link maps its scores
	// to renewal probabilities, and Model.Link is a copy of it. Effects lists every feature's effect,
	// largest first.
	Model   scoring.Model
	Link    Link
	Effects []Effect
	// Evaluations compares, in this order: a flat average of every signal,
	// the base model, a plain logistic regression on raw features (the
	// yardstick a data scientist would build: each persona's shrunk mean on
	// each metric, whether it was heard, whether a champion or an executive
	// left in the 120 days before the cut-off, whether a new decision maker
	// joined and has not been heard), and the calibrated
	// model. The plain logistic is left out when a training fold has fewer
	// accounts than it has features.
	Evaluations []Evaluation
}

// Calibrate learns a model's weights and terms from renewal outcomes and
// reports how well scores predict renewal.
//
// Features. Each account is scored with base as of its cut-off (At - Lead):
// signals after the cut-off are dropped by the scorer as future, so they
// cannot leak into the fit. The priors are base's Priors or, when it has
// none, estimated from the accounts' signals before their cut-offs as
// EstimatePriors does (empirical Bayes; no outcome is used). The features
// are each persona's mean on each metric, shrunk toward its prior, as
// (mean - 50)/50, and the prior where the persona was not heard on the
// metric (scoring.Scorer MetricMeans and Prior); for the champion and the
// line-of-business and finance executives, whether one of them left in the
// 120 days before the cut-off; for the line-of-business and finance
// executives and the CIO, whether one joined in the 270 days before the
// cut-off and has not been heard since (a new decision maker); and the
// soft-veto shortfall, the sum over the veto personas heard of
// max(0, T - raw mean)/50, with the threshold T of 30, 40 or 50 that gives
// the lowest log loss in a three-fold cross-validation inside the data
// fitted. A feature that is the same for every account is left out.
//
// Fit. A logistic regression of renewal on the features, with a ridge
// penalty on the coefficients chosen with the shortfall's threshold (see
// Options), by Newton's method. When base has an NPS metric, the features
// are built twice, reading NPS answers by category and on their 0-10 scale
// (scoring.NPSForm), and the same inner cross-validation chooses the form. A mean whose coefficient comes out negative
// is dropped and the rest fitted again, until none is: a health score must
// not fall when someone is happier, so the model could not carry it.
//
// Model. The calibrated model scores as the fit's linear predictor, up to
// the link: the personas' and metrics' weights are the mean coefficients
// (a persona's effective weight is the sum of its, each metric's weight
// within it its own share), their priors are the features' per persona and
// metric, and the personas and metrics not heard count at them
// (UnheardPrior), as the features do; so the score minus 50 is
// sum(beta * feature)*50/B with B the sum of the mean coefficients. A
// departure's or a new decision maker's coefficient c becomes an event of
// c*50/B points, a negative shortfall coefficient a soft veto of -c/B
// points per point. base's veto cap, recency and bands are kept. Link is a
// second logistic fit, of renewal on the calibrated account score, without
// a penalty unless the score separates the outcomes.
//
// Evaluation. Stratified k-fold cross-validation: each fold's predictions
// come from a fit on the other folds only, for (a) the flat average of all
// signals, (b) the base model's score, (c) a plain logistic regression on
// raw features (the means, whether each persona was heard, the departures:
// the yardstick a data scientist would build) and (d) the calibrated
// model's score, (a), (b) and (d) each through its own logistic link.
//
// Errors: an invalid base model; no outcomes; an account with no usable
// signal before its cut-off (ErrNoSignals, naming it); one class of outcome
// (ErrOneClass); fewer outcomes than parameters (ErrTooFew); separable data
// without a penalty (ErrSeparable); no persona's mean on any metric with a
// positive effect (ErrNoWeight).
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
	cands, err := candidates(base, cat, data, &o)
	if err != nil {
		return nil, err
	}
	fit, err := fitTerms(cands, y, all, o.penalties())
	if err != nil {
		return nil, err
	}
	rep := &Report{Accounts: len(data), Renewed: renewed, Lead: o.Lead, Model: fit.model, Effects: fit.effects}
	calScores, err := scoreAll(fit.model, cat, data, o.Lead)
	if err != nil {
		return nil, err
	}
	if rep.Link, err = fitLink(calScores, y, all, o.fixedPenalty()); err != nil {
		return nil, err
	}
	rep.Model.Link = new(rep.Link) // the fitted model carries its link
	if rep.Evaluations, err = crossValidate(scorer, cands, data, baseScores, y, &o); err != nil {
		return nil, err
	}
	return rep, nil
}

// candidates returns the forms of the calibrated model to choose from:
// base as it reads NPS and, when base has an NPS metric, base reading it
// the other way (scoring.NPSCategory or NPSScale); each with base's priors
// or, when it has none, priors estimated from the accounts' signals before
// their cut-offs, and with its features.
func candidates(base scoring.Model, cat *persona.Catalog, data []Outcome, o *Options) ([]candidate, error) {
	forms := []scoring.Model{base}
	for _, m := range base.Metrics {
		if m.Kind == scoring.KindNPS {
			other := base
			other.NPSAs = scoring.NPSScale
			if base.NPSAs == scoring.NPSScale {
				other.NPSAs = scoring.NPSCategory
			}
			forms = append(forms, other)
			break
		}
	}
	var cands []candidate
	for _, m := range forms {
		s, err := scoring.Compile(m, cat)
		if err != nil {
			return nil, err
		}
		if len(m.Priors) == 0 {
			if m, s, err = withEstimatedPriors(m, cat, s, data, o.Lead); err != nil {
				return nil, err
			}
		}
		d, err := features(s, data, o.Lead, o.Fit)
		if err != nil {
			return nil, err
		}
		cands = append(cands, candidate{model: m, s: s, d: d})
	}
	return cands, nil
}

// withEstimatedPriors returns m with the priors estimated (EstimatePriors)
// from every account's signals before its own cut-off, and its scorer: no
// outcome is used, so no fold learns from another's renewals.
func withEstimatedPriors(m scoring.Model, cat *persona.Catalog, s *scoring.Scorer, data []Outcome, lead time.Duration) (scoring.Model, *scoring.Scorer, error) {
	cells := newPriorCells(s)
	for _, d := range data {
		means, err := s.MetricMeans(d.Account, d.Signals, d.At.Add(-lead))
		if err != nil {
			return m, nil, err
		}
		cells.add(means)
	}
	m.Priors = cells.priors(nil)
	s, err := scoring.Compile(m, cat)
	return m, s, err
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

// fitLink fits renewal on one score (on 0..100) over the accounts in rows
// by plain maximum likelihood: two parameters over many accounts need no
// penalty, and one would flatten the slope of a score that spans few
// points (predictions pulled toward the base rate). Only where the score
// separates the outcomes perfectly, and the slope would be infinite, is the
// ridge penalty used.
func fitLink(scores []float64, y []bool, rows []int, penalty float64) (Link, error) {
	x := make([][]float64, len(rows))
	ys := make([]bool, len(rows))
	for r, i := range rows {
		x[r] = []float64{(scores[i] - 50) / 50}
		ys[r] = y[i]
	}
	l, err := FitLogit(x, ys, 0)
	if errors.Is(err, ErrSeparable) && penalty > 0 {
		l, err = FitLogit(x, ys, penalty)
	}
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

func crossValidate(s *scoring.Scorer, cands []candidate, data []Outcome, baseResults []scoring.Result, y []bool, o *Options) ([]Evaluation, error) {
	all := cands[0].d // the yardstick reads NPS as the base model does
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
		fit, err := fitTerms(cands, y, train, o.penalties())
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
			link, err := fitLink(row.scores, y, train, o.fixedPenalty())
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
		plainDesign := all.subset(train, yardstick)
		plain, err := plainDesign.fitOn(train, y, o.fixedPenalty())
		switch {
		case errors.Is(err, ErrTooFew):
			withPlain = false // more features than accounts to fit them on: no yardstick
			continue
		case err != nil:
			return nil, fmt.Errorf("calibrate: fold %d: the plain logistic baseline: %w", k+1, err)
		}
		for _, i := range test {
			pred[plainRow][i] = plain.Predict(plainDesign.rows[i])
		}
	}
	names := [4]string{"flat average of all signals", "base persona-aware model", "plain logistic on raw features", "calibrated model"}
	var evals []Evaluation
	for m := range names {
		if m == plainRow && !withPlain {
			continue
		}
		e := Evaluation{Name: names[m], Predicted: pred[m]}
		var err error
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
	b = fmt.Appendf(b, "\nWhat moves renewal, largest effect first (log-odds per 50 points of a mean or of a veto\nholder's shortfall, for a departure, or per fit point), and what the calibrated model makes of it:\n")
	width := len("feature")
	for _, e := range r.Effects {
		width = max(width, len(e.Feature))
	}
	b = fmt.Appendf(b, "  %-*s %7s %6s %6s %8s\n", width, "feature", "effect", "SE", "heard", "in model")
	for _, e := range r.Effects {
		inModel := fmt.Sprintf("%.1f%%", 100*e.Weight)
		switch e.Kind {
		case EffectSoftVeto: // points lost per point under
			inModel = fmt.Sprintf("%+.2f/pt", -e.Points)
		case EffectDeparture, EffectArrival:
			inModel = fmt.Sprintf("%+.1f pt", e.Points)
		case EffectFit:
			inModel = fmt.Sprintf("%+.1f/fit", e.Points)
		}
		heard := ""
		if e.Metric != "" {
			heard = fmt.Sprint(e.Heard)
		}
		b = fmt.Appendf(b, "  %-*s %+7.2f %6.2f %6s %8s\n", width, e.Feature, e.Coef, e.SE, heard, inModel)
	}
	nps := "by category (detractor, passive, promoter)"
	if r.Model.NPSAs == scoring.NPSScale {
		nps = "on its 0-10 scale"
	}
	b = fmt.Appendf(b, "\nThe calibrated model reads NPS %s, the form that cross-validated better.", nps)
	b = fmt.Appendf(b, "\nRenewal probability from the calibrated score: 1/(1+exp(-(%.3f %+.3f*(score-50)/50)))\n", r.Link.Intercept, r.Link.Slope)
	return string(b)
}

func fmtDays(d time.Duration) string {
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}
