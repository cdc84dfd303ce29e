package calibrate_test

import (
	"testing"
	"time"

	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
	"github.com/villagecx/village/scoring/calibrate"
)

// calibrationBase is a villagesim base of n accounts whose people answer
// surveys at rate times the default response rates, as Calibrate's input.
func calibrationBase(b *testing.B, n int, rate float64) ([]calibrate.Outcome, *persona.Catalog, int) {
	base, err := villagesim.Generate(villagesim.Config{Seed: 1, Accounts: n})
	if err != nil {
		b.Fatal(err)
	}
	rates := villagesim.DefaultResponseRates()
	for p := range rates {
		rates[p] = min(rates[p]*rate, 1)
	}
	signals := base.Signals(villagesim.SignalConfig{Seed: 1, ResponseRate: rates})
	renewed := base.Renewals(1)
	s, _ := scoring.Compile(scoring.DefaultModel(base.Catalog), base.Catalog)
	at := base.End.Add(villagesim.DecisionLag)
	var data []calibrate.Outcome
	total := 0
	for i, a := range base.Accounts {
		if r, _ := s.Score(a, signals[i], at.Add(-90*24*time.Hour)); r.Scored {
			data = append(data, calibrate.Outcome{Account: a, Signals: signals[i], Renewed: renewed[i], At: at})
			total += len(signals[i])
		}
	}
	return data, base.Catalog, total
}

// BenchmarkCalibrate calibrates the default model on 4,000 accounts whose
// people answer surveys at 5 times the default rates (capped at every wave):
// 441,644 signals, 110 an account, close to the base of issue 12 (4,000
// accounts, 635,000 signals), with the default five folds.
func BenchmarkCalibrate(b *testing.B) {
	data, cat, signals := calibrationBase(b, 4000, 5)
	for b.Loop() {
		if _, err := calibrate.Calibrate(scoring.DefaultModel(cat), cat, data, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(signals), "signals")
	b.ReportMetric(float64(len(data)), "accounts")
}
