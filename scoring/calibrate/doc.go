// Package calibrate ties account health to renewals: it learns a scoring
// Model's persona weights from the customer base's own outcomes and reports,
// honestly, how well scores predict them.
//
// Default persona weights are opinions. Calibrate scores each account as of
// a cut-off before its renewal (so no later signal leaks in), fits a
// penalised logistic regression of renewal on each persona's shrunk mean on
// each metric (shrunk toward priors estimated from the base unless the
// model sets its own), relationship departures, new decision makers not yet
// heard and a veto holder's shortfall under a threshold chosen by
// cross-validation (as are the ridge penalty and whether NPS is read by
// category or on its 0-10 scale), and turns the fit into a scoring.Model that scores as
// the fit predicts: persona and metric weights, priors per persona and
// metric, events and a soft veto. It then
// cross-validates four scores side by side (a flat average of all signals,
// the base model, a plain logistic regression on raw features, and the
// calibrated model) with ROC AUC, Brier score, log loss and reliability
// tables, and reports each feature's effect with its standard error.
//
// Without outcomes, EstimatePriors estimates the priors per persona and
// metric from the base itself (empirical Bayes) for scoring.Model.Priors.
// With a link, RevenueAtRisk turns scores into money: ARR times the
// probability of not renewing, ranked, with the personas whose view would
// move it most.
//
// The building blocks are exported: FitLogit (checked against R's glm to
// 1e-6 on a committed fixture, testdata/glm_oracle.R), AUC (Mann-Whitney with
// ties), Brier, LogLoss and Reliability.
//
// Errors wrap the sentinels ErrOneClass, ErrTooFew, ErrSeparable,
// ErrNoSignals, ErrNoWeight, ErrInvalidInput and ErrNotConverged. Everything
// is deterministic: folds come from Options.Src, a fixed seed by default.
package calibrate
