package calibrate

import (
	"math"
	"testing"
	"time"

	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/scoring"
)

// The model toModel builds scores every account as the fit's linear
// predictor says, up to the link: score - 50 = (50/B)*sum(beta * feature)
// over the means, plus each departure's and arrival's points where it
// happened, with B the sum of the mean coefficients (fitMonotone leaves
// none negative), under priors estimated from the base. Checked to 1e-9 on
// a simulated base.
func TestModelFollowsTheFit(t *testing.T) {
	base, err := villagesim.Generate(villagesim.Config{Seed: 4, Accounts: 300})
	if err != nil {
		t.Fatal(err)
	}
	signals := base.Signals(villagesim.SignalConfig{Seed: 4})
	renewed := base.Renewals(4)
	m := scoring.DefaultModel(base.Catalog)
	m.VetoBelow = 0 // no cap, so that the score is the sum of its parts
	s, err := scoring.Compile(m, base.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	lead, at := 90*24*time.Hour, base.End.Add(villagesim.DecisionLag)
	var data []Outcome
	var results []scoring.Result
	var y []bool
	for i, a := range base.Accounts {
		r, _ := s.Score(a, signals[i], at.Add(-lead))
		if r.Scored {
			data, results, y = append(data, Outcome{Account: a, Signals: signals[i], Renewed: renewed[i], At: at}), append(results, r), append(y, renewed[i])
		}
	}
	m, s, err = withEstimatedPriors(m, base.Catalog, s, data, lead)
	if err != nil {
		t.Fatal(err)
	}
	all, err := features(s, data, lead, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]int, len(data))
	for i := range rows {
		rows[i] = i
	}
	d, fit, dropped, err := all.subset(rows, func(c column) bool { return c.kind == colMean || c.kind == colDeparted || c.kind == colJoined }).fitMonotone(rows, y, 1)
	if err != nil {
		t.Fatal(err)
	}
	var b float64
	var arrivals int
	for c, col := range d.cols {
		switch col.kind {
		case colMean:
			if fit.Coef[c+1] < 0 {
				t.Fatalf("%s kept with coefficient %v", col, fit.Coef[c+1])
			}
			b += fit.Coef[c+1]
		case colJoined:
			for i := range data {
				arrivals += int(d.rows[i][c])
			}
		}
	}
	for _, e := range dropped {
		if !(e.Coef < 0) {
			t.Errorf("%s dropped with coefficient %v", e.Feature, e.Coef)
		}
	}
	if arrivals == 0 {
		t.Error("no account has a new decision maker: the test does not exercise arrivals")
	}
	t.Logf("%d means dropped, %d arrivals", len(dropped), arrivals)
	tf, err := toModel(m, s, d, fit)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := scoring.Compile(tf.model, base.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range data {
		// Means: (50/B)*sum(beta f); departures, arrivals: coef*50/B points each.
		var meanPart, eventPart float64
		for c, col := range d.cols {
			if col.kind == colMean {
				meanPart += fit.Coef[c+1] * d.rows[i][c]
			} else {
				eventPart += fit.Coef[c+1] * 50 / b * d.rows[i][c]
			}
		}
		expect := 50 + 50/b*meanPart + eventPart
		r, err := cal.Score(o.Account, o.Signals, o.At.Add(-lead))
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.Score-math.Min(math.Max(expect, 0), 100)) > 1e-9 {
			t.Fatalf("account %s: calibrated score %v, the fit's predictor says %v\n%s", o.Account.ID, r.Score, expect, r.String())
		}
	}
}
