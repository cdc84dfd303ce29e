package scoring_test

import (
	"strings"
	"testing"
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
	"github.com/villagecx/village/scoring/scoringtest"
)

func TestBuiltinScorerConforms(t *testing.T) {
	cat := persona.B2B()
	m := scoring.DefaultModel(cat)
	s := mustCompile(t, m, cat)
	cases := scoringtest.VillageCases(40, 1)
	cases = append(cases, scoringtest.Case{Name: "an empty account", Account: persona.Account{ID: "empty"}, At: t0})
	scoringtest.Run(t, s, scoringtest.Config{
		Cases: cases,
		Merge: scoringtest.ShardMerge(s),
		Raise: scoringtest.RaiseToBest(m),
		Seed:  1,
	})

	// The same with a min-rule group and shrinkage off, so that both rules
	// and the k = 0 path are held to the contract.
	m.Groups[0].Rule = scoring.RuleMin
	m.PriorStrength = 0
	m.Unheard = scoring.UnheardRenormalise // the prior has no strength to count at
	s = mustCompile(t, m, cat)
	if err := scoringtest.Check(s, scoringtest.Config{Cases: cases, Merge: scoringtest.ShardMerge(s), Raise: scoringtest.RaiseToBest(m), Seed: 2}); err != nil {
		t.Error(err)
	}
}

// A scorer that breaks the contract must be caught: a flat average that
// ignores order but returns NaN for an account with no signals and lets the
// score escape its interval.
type brokenScorer struct{}

func (brokenScorer) Score(acct persona.Account, signals []scoring.Signal, at time.Time) (scoring.Result, error) {
	var sum float64
	for _, s := range signals {
		sum += s.Value
	}
	r := scoring.Result{Account: acct.ID, At: at, Scored: true, Score: sum / float64(len(signals))}
	r.Low, r.High = r.Score+1, r.Score+2
	return r, nil
}

func TestConformanceCatchesABrokenScorer(t *testing.T) {
	cases := []scoringtest.Case{{Name: "empty", Account: persona.Account{ID: "x"}, At: t0}}
	cases = append(cases, scoringtest.VillageCases(2, 3)...)
	err := scoringtest.Check(brokenScorer{}, scoringtest.Config{Cases: cases})
	if err == nil {
		t.Fatal("Check passed a scorer that returns NaN and bad intervals")
	}
	for _, want := range []string{"Bounds", "ContributionsAddUp", "EverySignalAccountedFor", "BadSignalsDroppedWithReason"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check did not report %s:\n%.2000s", want, err)
		}
	}
	if err := scoringtest.Check(brokenScorer{}, scoringtest.Config{}); err == nil {
		t.Error("Check with no cases passed")
	}
}
