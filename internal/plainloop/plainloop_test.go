package plainloop

import (
	"math"
	"testing"

	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/scoring"
)

// The plain loop computes the default model's scores: the baseline is only
// fair if it does the same job.
func TestPlainLoopScoresAsScore(t *testing.T) {
	base, err := villagesim.Generate(villagesim.Config{Seed: 3, Accounts: 400})
	if err != nil {
		t.Fatal(err)
	}
	signals := base.Signals(villagesim.SignalConfig{Seed: 3})
	m := scoring.DefaultModel(base.Catalog)
	s, err := scoring.Compile(m, base.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := Run(NewModel(base.Catalog, m), Build(base.Accounts, signals, base.Catalog, m, base.End), 2)
	compared := 0
	for i, a := range base.Accounts {
		r, err := s.Score(a, signals[i], base.End)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Scored {
			continue
		}
		compared++
		if math.Abs(got[i]-r.Score) > 1e-9 {
			t.Fatalf("account %s: plain loop %v, Score %v", a.ID, got[i], r.Score)
		}
	}
	if compared < 300 {
		t.Errorf("only %d accounts compared", compared)
	}
}
