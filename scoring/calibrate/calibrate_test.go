package calibrate_test

import (
	"encoding/json"
	"errors"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
	"github.com/villagecx/village/scoring/calibrate"
)

// simulated returns n villagesim accounts with signals and renewal outcomes
// decided 30 days after the end of the signal year, keeping only accounts
// with at least one usable signal.
func simulated(t testing.TB, n int, seed uint64) ([]calibrate.Outcome, *persona.Catalog) {
	t.Helper()
	return simulatedWith(t, villagesim.Config{Seed: seed, Accounts: n})
}

// simulatedWith is simulated for any villagesim configuration.
func simulatedWith(t testing.TB, cfg villagesim.Config) ([]calibrate.Outcome, *persona.Catalog) {
	t.Helper()
	seed := cfg.Seed
	base, err := villagesim.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	signals := base.Signals(villagesim.SignalConfig{Seed: seed})
	renewed := base.Renewals(seed)
	s, _ := scoring.Compile(scoring.DefaultModel(base.Catalog), base.Catalog)
	var out []calibrate.Outcome
	at := base.End.Add(30 * 24 * time.Hour)
	for i, a := range base.Accounts {
		if r, _ := s.Score(a, signals[i], at.Add(-90*24*time.Hour)); !r.Scored {
			continue
		}
		out = append(out, calibrate.Outcome{Account: a, Signals: signals[i], Renewed: renewed[i], At: at})
	}
	return out, base.Catalog
}

func TestCalibrateLearnsAndReports(t *testing.T) {
	data, cat := simulated(t, 800, 3)
	rep, err := calibrate.Calibrate(scoring.DefaultModel(cat), cat, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accounts != len(data) || len(rep.Evaluations) != 4 || len(rep.Effects) == 0 {
		t.Fatalf("report shape: %d accounts, %d evaluations, %d effects", rep.Accounts, len(rep.Evaluations), len(rep.Effects))
	}
	if rep.Model.Link == nil || *rep.Model.Link != rep.Link {
		t.Errorf("the fitted model's link %+v, the report's %+v", rep.Model.Link, rep.Link)
	}
	for _, e := range rep.Evaluations {
		if len(e.Predicted) != len(data) {
			t.Errorf("%s: %d out-of-fold predictions for %d outcomes", e.Name, len(e.Predicted), len(data))
		}
	}
	for _, e := range rep.Evaluations {
		if !(e.AUC > 0.5 && e.AUC <= 1) || !(e.Brier > 0 && e.Brier < 0.25) {
			t.Errorf("%s: AUC %v, Brier %v; want better than chance", e.Name, e.AUC, e.Brier)
		}
	}
	// The calibrated model must compile; the weights of the means are their
	// coefficients' shares, and add up to 1; a mean with a negative
	// coefficient is listed without a weight.
	if _, err := scoring.Compile(rep.Model, cat); err != nil {
		t.Errorf("the calibrated model does not compile: %v", err)
	}
	var total, positive float64
	for _, e := range rep.Effects {
		if e.Metric != "" {
			total += e.Weight
			positive += math.Max(e.Coef, 0)
			if e.Heard == 0 || !(e.SE > 0) {
				t.Errorf("%s: heard %d times, SE %v", e.Feature, e.Heard, e.SE)
			}
		}
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	for _, e := range rep.Effects {
		if e.Metric != "" && !near(e.Weight, math.Max(e.Coef, 0)/positive) {
			t.Errorf("%s: weight %v, coefficient %v of %v", e.Feature, e.Weight, e.Coef, positive)
		}
	}
	if !near(total, 1) {
		t.Errorf("the weights of the means add up to %v", total)
	}
	// The base model has no priors, so the calibrated model's are estimated
	// from the base's signals before the cut-off, as EstimatePriors does,
	// reading NPS as the calibrated model does.
	m0 := scoring.DefaultModel(cat)
	m0.NPSAs = rep.Model.NPSAs
	s0, _ := scoring.Compile(m0, cat)
	accounts, signals := make([]persona.Account, len(data)), make([][]scoring.Signal, len(data))
	for i, d := range data {
		accounts[i], signals[i] = d.Account, d.Signals
	}
	estimated, err := calibrate.EstimatePriors(s0, pairs(accounts, signals), data[0].At.Add(-90*24*time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	cal, _ := scoring.Compile(rep.Model, cat)
	for _, p := range estimated {
		if mean, k, _ := cal.Prior(p.Persona, p.Metric); mean != p.Mean || k != p.Strength {
			t.Errorf("prior of %s on %s: calibrated model %v (strength %v), estimated %v (%v)", p.Persona, p.Metric, mean, k, p.Mean, p.Strength)
		}
	}
	if p := rep.Link.Probability(80); !(p > rep.Link.Probability(30)) {
		t.Errorf("the link does not rise with the score: P(80) = %v, P(30) = %v", p, rep.Link.Probability(30))
	}
	if s := rep.String(); len(s) < 200 {
		t.Errorf("report text too short:\n%s", s)
	}
	// Deterministic: the same data and options give the same report, on
	// one core as on all (the settings are tried in parallel).
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	again, _ := calibrate.Calibrate(scoring.DefaultModel(cat), cat, data, nil)
	if d := cmp.Diff(rep, again); d != "" {
		t.Errorf("two runs differ:\n%s", d)
	}
}

// A signal dated after an account's cut-off must never change the fit: here
// every account gets a glowing (or damning) answer from every contact a day
// before its renewal, well after the cut-off 90 days before.
func TestNoLeakageAfterCutoff(t *testing.T) {
	data, cat := simulated(t, 400, 5)
	fixed := &calibrate.Options{Penalty: 1} // the penalty grid is not what this test is about
	want, err := calibrate.Calibrate(scoring.DefaultModel(cat), cat, data, fixed)
	if err != nil {
		t.Fatal(err)
	}
	leaky := make([]calibrate.Outcome, len(data))
	for i, d := range data {
		leaky[i] = d
		leaky[i].Signals = append([]scoring.Signal(nil), d.Signals...)
		v := 0.0
		if d.Renewed {
			v = 10
		}
		for _, c := range d.Account.Contacts {
			leaky[i].Signals = append(leaky[i].Signals, scoring.Signal{Contact: c.ID, Metric: "nps", Value: v, At: d.At.Add(-24 * time.Hour)})
		}
	}
	got, err := calibrate.Calibrate(scoring.DefaultModel(cat), cat, leaky, fixed)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("signals after the cut-off changed the fit:\n%s", d)
	}
}

func TestCalibrateBadInput(t *testing.T) {
	data, cat := simulated(t, 300, 7)
	m := scoring.DefaultModel(cat)
	allRenewed := make([]calibrate.Outcome, len(data))
	for i, d := range data {
		allRenewed[i] = d
		allRenewed[i].Renewed = true
	}
	silent := append([]calibrate.Outcome{{Account: persona.Account{ID: "quiet"}, Renewed: true, At: data[0].At}}, data...)
	bad := m
	bad.Spread = -1
	tests := []struct {
		name string
		data []calibrate.Outcome
		m    scoring.Model
		opts *calibrate.Options
		want error
	}{
		{"no outcomes", nil, m, nil, calibrate.ErrTooFew},
		{"one class only", allRenewed, m, nil, calibrate.ErrOneClass},
		{"an account with no signals", silent, m, nil, calibrate.ErrNoSignals},
		{"fewer outcomes than parameters", data[:8], m, nil, calibrate.ErrTooFew},
		{"more folds than outcomes", data[:40], m, &calibrate.Options{Folds: 41}, calibrate.ErrInvalidInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := calibrate.Calibrate(tc.m, cat, tc.data, tc.opts); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := calibrate.Calibrate(bad, cat, data, nil); !errors.Is(err, scoring.ErrInvalidValue) {
		t.Errorf("an invalid base model: %v", err)
	}
}

// Outcomes that the score separates perfectly (every account above the
// median renews, every one below churns) have no finite unpenalised fit. The
// default penalty applies to the links too, so Calibrate succeeds; it used to
// fail with ErrSeparable because the links were always fitted unpenalised.
// Unpenalised, it still reports ErrSeparable.
func TestCalibrateSeparableWithDefaultPenalty(t *testing.T) {
	data, cat := simulated(t, 400, 5)
	s, _ := scoring.Compile(scoring.DefaultModel(cat), cat)
	scores := make([]float64, len(data))
	for i, d := range data {
		r, _ := s.Score(d.Account, d.Signals, d.At.Add(-90*24*time.Hour))
		scores[i] = r.Score
	}
	sorted := slices.Clone(scores)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	for i := range data {
		data[i].Renewed = scores[i] >= median
	}
	rep, err := calibrate.Calibrate(scoring.DefaultModel(cat), cat, data, nil)
	if err != nil {
		t.Fatalf("separable data with the default penalties: %v", err)
	}
	if !(rep.Link.Slope > 0) || math.IsInf(rep.Link.Slope, 0) {
		t.Errorf("link slope %v, want finite and positive", rep.Link.Slope)
	}
	if _, err := calibrate.Calibrate(scoring.DefaultModel(cat), cat, data, &calibrate.Options{Unpenalised: true}); !errors.Is(err, calibrate.ErrSeparable) {
		t.Errorf("unpenalised: %v, want ErrSeparable", err)
	}
}

// Issue 12's bar: out of fold, the calibrated model predicts renewals at
// least as well as a plain logistic regression a data scientist would fit on
// the same raw features, and at least 0.02 AUC better than the base model
// whose catalog weights it starts from (issue 12). Held here on one small
// seed; the closing note of the session that added it has seeds 1-3 at
// 1,500 and 4,000 accounts.
func TestCalibratedMeetsTheYardstick(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("calibrates 1,500 accounts; a measurement, run without the race detector")
	}
	data, cat := simulated(t, 1500, 1)
	rep, err := calibrate.Calibrate(scoring.DefaultModel(cat), cat, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]float64{}
	for _, e := range rep.Evaluations {
		byName[e.Name] = e.AUC
	}
	cal, plain, base := byName["calibrated model"], byName["plain logistic on raw features"], byName["base persona-aware model"]
	t.Logf("AUC: flat %.4f, base %.4f, plain logistic %.4f, calibrated %.4f",
		byName["flat average of all signals"], base, plain, cal)
	if !(cal >= plain) {
		t.Errorf("the calibrated model (AUC %.4f) falls below the plain logistic (%.4f)", cal, plain)
	}
	if !(cal >= base+0.02) {
		t.Errorf("the calibrated model (AUC %.4f) is not 0.02 above the base model (%.4f)", cal, base)
	}
}

// The link from the calibrated score to a probability is a plain maximum-
// likelihood fit: a penalty on a slope over a score spanning few points
// would pull every prediction toward the base rate.
func TestLinkIsUnpenalised(t *testing.T) {
	data, cat := simulated(t, 600, 6)
	rep, err := calibrate.Calibrate(scoring.DefaultModel(cat), cat, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := scoring.Compile(rep.Model, cat)
	x, y := make([][]float64, len(data)), make([]bool, len(data))
	for i, d := range data {
		r, _ := s.Score(d.Account, d.Signals, d.At.Add(-90*24*time.Hour))
		x[i], y[i] = []float64{(r.Score - 50) / 50}, d.Renewed
	}
	want, err := calibrate.FitLogit(x, y, 0)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Link.Intercept != want.Coef[0] || rep.Link.Slope != want.Coef[1] {
		t.Errorf("link %+v, unpenalised fit %v", rep.Link, want.Coef)
	}
}

// With renewals that depend on customer fit (villagesim's FitEffect: 2 in
// the log-odds per fit point), calibrating with the fit profile finds the
// effect, carries it into the model as a fit term, and predicts renewals
// better than without it. The estimate is attenuated, not unbiased: the
// features are noisy proxies of the true health that also drives renewal,
// and leaving out (or mismeasuring) a predictor shrinks a logistic
// regression's other coefficients toward 0 (non-collapsibility); on seed 5
// it is 1.55 (SE 0.11). So the test asks for a clear positive effect no
// larger than the truth, not for 2.
func TestCalibrateLearnsFit(t *testing.T) {
	if raceEnabled {
		t.Skip("calibrates 1,500 accounts twice; a measurement, run without the race detector")
	}
	data, cat := simulatedWith(t, villagesim.Config{Seed: 5, Accounts: 1500, Traits: true, FitEffect: 2})
	profile := villagesim.FitProfile()
	with, err := calibrate.Calibrate(scoring.DefaultModel(cat), cat, data, &calibrate.Options{Fit: &profile})
	if err != nil {
		t.Fatal(err)
	}
	without, err := calibrate.Calibrate(scoring.DefaultModel(cat), cat, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	var fit *calibrate.Effect
	for i := range with.Effects {
		if with.Effects[i].Kind == calibrate.EffectFit {
			fit = &with.Effects[i]
		}
	}
	if fit == nil {
		t.Fatalf("no fit effect in\n%s", with)
	}
	t.Logf("fit coefficient %.3f (SE %.3f), in model %+.2f points per fit point", fit.Coef, fit.SE, fit.Points)
	if !(fit.Coef > 5*fit.SE && fit.Coef > 1 && fit.Coef < 2+3*fit.SE) {
		t.Errorf("fit coefficient %.3f ± %.3f, want a clear positive effect up to 2", fit.Coef, fit.SE)
	}
	if with.Model.Fit == nil || with.Model.Fit.Points != fit.Points || !(fit.Points > 0) {
		t.Errorf("model fit term %+v, effect points %v", with.Model.Fit, fit.Points)
	}
	if !strings.Contains(with.String(), "fit to the ideal customer profile") || !strings.Contains(with.String(), "/fit") {
		t.Errorf("the report does not show the fit:\n%s", with)
	}
	calibrated := func(r *calibrate.Report) float64 { return r.Evaluations[len(r.Evaluations)-1].AUC }
	t.Logf("calibrated AUC without fit %.3f, with %.3f", calibrated(without), calibrated(with))
	if !(calibrated(with) > calibrated(without)+0.01) {
		t.Errorf("calibrated AUC with fit %.3f, without %.3f: fit should help by more than 0.01", calibrated(with), calibrated(without))
	}

	// The model with its fit term round-trips through JSON and scores the same.
	data2, err := json.Marshal(with.Model)
	if err != nil {
		t.Fatal(err)
	}
	var back scoring.Model
	if err := json.Unmarshal(data2, &back); err != nil {
		t.Fatal(err)
	}
	s1, err := scoring.Compile(with.Model, cat)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := scoring.Compile(back, cat)
	if err != nil {
		t.Fatal(err)
	}
	terms := 0
	for _, o := range data[:200] {
		r1, _ := s1.Score(o.Account, o.Signals, o.At)
		r2, _ := s2.Score(o.Account, o.Signals, o.At)
		if r1.Score != r2.Score || math.Abs(r1.Sum()-r1.Score) > 1e-9 {
			t.Fatalf("%s: %v vs %v after JSON (sum %v)", o.Account.ID, r1.Score, r2.Score, r1.Sum())
		}
		for _, term := range r1.Terms {
			if term.Kind == scoring.TermFit {
				terms++
				if want := fit.Points * profile.Score(&o.Account); term.Points != want {
					t.Errorf("%s: fit term %v points, want %v", o.Account.ID, term.Points, want)
				}
			}
		}
	}
	if terms == 0 {
		t.Error("no account got a fit term")
	}
}

// A base model that sets its own priors keeps them: Calibrate estimates
// priors only for a model that has none.
func TestCalibrateKeepsTheModelsPriors(t *testing.T) {
	data, cat := simulated(t, 600, 7)
	base := scoring.DefaultModel(cat)
	base.Priors = []scoring.Prior{{Persona: persona.EndUser, Metric: "usage", Mean: 40, Strength: 5}}
	rep, err := calibrate.Calibrate(base, cat, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := scoring.Compile(rep.Model, cat)
	if err != nil {
		t.Fatal(err)
	}
	if mean, k, _ := s.Prior(persona.EndUser, "usage"); mean != 40 || k != 5 {
		t.Errorf("end-user on usage: prior %v (strength %v), want the model's 40 (5)", mean, k)
	}
	if mean, k, _ := s.Prior(persona.CIO, "nps"); mean != base.PriorMean || k != base.PriorStrength {
		t.Errorf("cio on nps: prior %v (strength %v), want the model's default %v (%v)", mean, k, base.PriorMean, base.PriorStrength)
	}
}
