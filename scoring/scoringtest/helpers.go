package scoringtest

import (
	"fmt"
	"time"

	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// ShardMerge returns a Config.Merge for the built-in Scorer: each shard
// goes into its own Accumulator, travels through MarshalBinary and
// UnmarshalBinary as it would between workers, and the shards are merged
// last to first before the result is taken.
func ShardMerge(s *scoring.Scorer) func(persona.Account, [][]scoring.Signal, time.Time) (scoring.Result, error) {
	return func(acct persona.Account, shards [][]scoring.Signal, at time.Time) (scoring.Result, error) {
		total := s.NewAccumulator(acct.ID, at)
		for i := len(shards) - 1; i >= 0; i-- {
			part := s.NewAccumulator(acct.ID, at)
			for _, sig := range shards[i] {
				part.Add(sig)
			}
			data, err := part.MarshalBinary()
			if err != nil {
				return scoring.Result{}, err
			}
			moved := s.NewAccumulator("", time.Time{})
			if err := moved.UnmarshalBinary(data); err != nil {
				return scoring.Result{}, err
			}
			if err := total.Merge(moved); err != nil {
				return scoring.Result{}, err
			}
		}
		return total.Result(acct)
	}
}

// RaiseToBest returns a Config.Raise for models built from scoring.Model: it
// moves a signal's value to the best end of its metric's scale (the maximum,
// or the minimum when lower is better). Signals of unknown metrics are
// returned unchanged.
func RaiseToBest(m scoring.Model) func(scoring.Signal) scoring.Signal {
	best := make(map[string]float64, len(m.Metrics))
	for _, mt := range m.Metrics {
		best[mt.Name] = mt.Max
		if mt.LowerIsBetter {
			best[mt.Name] = mt.Min
		}
	}
	return func(s scoring.Signal) scoring.Signal {
		if v, ok := best[s.Metric]; ok {
			s.Value = v
		}
		return s
	}
}

// VillageCases returns n synthetic accounts of the built-in B2B catalog
// (persona.B2B) with buying committees of their own (seats in and out of
// force) and signals in the metrics of scoring.DefaultModel, a few of them
// spoiled, scored at the end of the simulated year. The same seed gives the
// same cases.
func VillageCases(n int, seed uint64) []Case {
	base, err := villagesim.Generate(villagesim.Config{Seed: seed, Accounts: n, Committees: true})
	if err != nil {
		panic("scoringtest: " + err.Error()) // n < 0 is a programmer error
	}
	signals := base.Signals(villagesim.SignalConfig{Seed: seed, BadRate: 0.03})
	cases := make([]Case, n)
	for i, a := range base.Accounts {
		cases[i] = Case{Name: fmt.Sprintf("%s (%s)", a.ID, a.Segment), Account: a, Signals: signals[i], At: base.End}
	}
	return cases
}
