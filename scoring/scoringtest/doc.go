// Package scoringtest checks that a scoring.AccountScorer keeps the contract
// every account scorer in village must keep, in the manner of
// testing/slogtest: run Check (or Run, inside a test) on your implementation
// with a few representative accounts and it reports every property that
// fails, joined into one error.
//
// The properties: determinism, invariance to the order of signals, equality
// of sharded-and-merged scoring with scoring in one piece (when the scorer
// has a merge path), bounds and intervals, contributions that add up,
// monotonicity (raising one persona's answers never lowers the account),
// a reason for every bad signal, and no panics.
//
// CompareOptions gives the go-cmp options for comparing Results with a
// tolerance; ShardMerge, RaiseToBest and VillageCases fill a Config for the
// built-in Scorer and models built from scoring.Model.
package scoringtest
