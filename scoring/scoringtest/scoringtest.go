package scoringtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// Case is one account to score, with its signals and the scoring time.
type Case struct {
	Name    string
	Account persona.Account
	Signals []scoring.Signal
	At      time.Time
}

// Config says what to check a scorer with. Cases is required.
type Config struct {
	Cases []Case
	// Merge, if set, scores an account from its signals split into shards,
	// the way a distributed engine would (for the built-in Scorer, see
	// ShardMerge). Nil skips the shard-merge check.
	Merge func(acct persona.Account, shards [][]scoring.Signal, at time.Time) (scoring.Result, error)
	// Raise returns a signal with a better value for the same person and
	// metric (for example, the best end of the metric's scale; see
	// RaiseToBest). Nil skips the monotonicity check.
	Raise func(scoring.Signal) scoring.Signal
	// Seed seeds the shuffles and splits.
	Seed uint64
	// Tolerance is the absolute tolerance for comparing floats; 0 means 1e-9.
	Tolerance float64
}

// CompareOptions returns go-cmp options that compare two Results with an
// absolute tolerance on every float (NaN equal to NaN), treating nil and empty slices alike,
// ignoring unexported scratch state, and ignoring the order of Dropped.
func CompareOptions(tolerance float64) cmp.Options {
	return cmp.Options{
		cmpopts.EquateApprox(0, tolerance),
		cmpopts.EquateNaNs(),
		cmpopts.EquateEmpty(),
		cmpopts.IgnoreUnexported(scoring.Result{}),
		cmpopts.SortSlices(func(a, b scoring.Dropped) bool { return lessDropped(a, b) }),
	}
}

func lessDropped(a, b scoring.Dropped) bool {
	if !a.Signal.At.Equal(b.Signal.At) {
		return a.Signal.At.Before(b.Signal.At)
	}
	return fmt.Sprint(a) < fmt.Sprint(b)
}

// Run runs every check as a subtest of t.
func Run(t *testing.T, s scoring.AccountScorer, cfg Config) {
	t.Helper()
	for _, c := range checks(&cfg) {
		t.Run(c.name, func(t *testing.T) {
			if err := c.run(s); err != nil {
				t.Error(err)
			}
		})
	}
}

// Check runs every check and returns all failures joined, or nil.
func Check(s scoring.AccountScorer, cfg Config) error {
	var errs []error
	for _, c := range checks(&cfg) {
		if err := c.run(s); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.name, err))
		}
	}
	return errors.Join(errs...)
}

type check struct {
	name string
	run  func(scoring.AccountScorer) error
}

func checks(cfg *Config) []check {
	if cfg.Tolerance == 0 {
		cfg.Tolerance = 1e-9
	}
	opts := CompareOptions(cfg.Tolerance)
	forEach := func(f func(s scoring.AccountScorer, c *Case, rng *rand.Rand) error) func(scoring.AccountScorer) error {
		return func(s scoring.AccountScorer) error {
			if len(cfg.Cases) == 0 {
				return errors.New("no cases to check with")
			}
			var errs []error
			for i := range cfg.Cases {
				c := &cfg.Cases[i]
				rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
				if err := safely(func() error { return f(s, c, rng) }); err != nil {
					errs = append(errs, fmt.Errorf("case %q: %w", c.Name, err))
				}
			}
			return errors.Join(errs...)
		}
	}
	cs := []check{
		{"Deterministic", forEach(func(s scoring.AccountScorer, c *Case, _ *rand.Rand) error {
			a, errA := s.Score(c.Account, c.Signals, c.At)
			b, errB := s.Score(c.Account, c.Signals, c.At)
			if (errA == nil) != (errB == nil) {
				return fmt.Errorf("errors differ: %v, %v", errA, errB)
			}
			if d := diff(a, b, cmpopts.IgnoreUnexported(scoring.Result{}), cmpopts.EquateEmpty(), cmpopts.EquateNaNs()); d != "" {
				return fmt.Errorf("two scorings of the same input differ (-first +second):\n%s", d)
			}
			return nil
		})},
		{"PermutationInvariant", forEach(func(s scoring.AccountScorer, c *Case, rng *rand.Rand) error {
			want, err := s.Score(c.Account, c.Signals, c.At)
			if err != nil {
				return err
			}
			sigs := slices.Clone(c.Signals)
			rng.Shuffle(len(sigs), func(i, j int) { sigs[i], sigs[j] = sigs[j], sigs[i] })
			acct := c.Account
			acct.Contacts = slices.Clone(acct.Contacts)
			rng.Shuffle(len(acct.Contacts), func(i, j int) { acct.Contacts[i], acct.Contacts[j] = acct.Contacts[j], acct.Contacts[i] })
			got, err := s.Score(acct, sigs, c.At)
			if err != nil {
				return err
			}
			if d := diff(want, got, opts); d != "" {
				return fmt.Errorf("shuffling the signals and contacts changed the result (-in order +shuffled):\n%s", d)
			}
			return nil
		})},
		{"Bounds", forEach(func(s scoring.AccountScorer, c *Case, _ *rand.Rand) error {
			r, err := s.Score(c.Account, c.Signals, c.At)
			if err != nil {
				return err
			}
			return bounds(&r)
		})},
		{"ContributionsAddUp", forEach(func(s scoring.AccountScorer, c *Case, _ *rand.Rand) error {
			r, err := s.Score(c.Account, c.Signals, c.At)
			if err != nil || !r.Scored {
				return err
			}
			if sum := r.Sum(); math.Abs(sum-r.Score) > cfg.Tolerance {
				return fmt.Errorf("baseline %v + contributions + prior contribution %v + terms + veto %v = %v, but score is %v",
					r.Baseline, r.PriorContribution, r.VetoAdjustment, sum, r.Score)
			}
			return nil
		})},
		{"EverySignalAccountedFor", forEach(func(s scoring.AccountScorer, c *Case, _ *rand.Rand) error {
			r, err := s.Score(c.Account, c.Signals, c.At)
			if err != nil {
				return err
			}
			if r.SignalsUsed+len(r.Dropped) != len(c.Signals) {
				return fmt.Errorf("%d signals in, %d used + %d dropped", len(c.Signals), r.SignalsUsed, len(r.Dropped))
			}
			for _, d := range r.Dropped {
				if d.Reason == 0 {
					return fmt.Errorf("signal dropped without a reason: %+v", d.Signal)
				}
			}
			return nil
		})},
		{"BadSignalsDroppedWithReason", forEach(func(s scoring.AccountScorer, c *Case, _ *rand.Rand) error {
			want, err := s.Score(c.Account, c.Signals, c.At)
			if err != nil {
				return err
			}
			bad := badSignals(c)
			got, err := s.Score(c.Account, append(slices.Clone(c.Signals), bad...), c.At)
			if err != nil {
				return err
			}
			for _, b := range bad {
				if !slices.ContainsFunc(got.Dropped, func(d scoring.Dropped) bool { return sameSignal(d.Signal, b) && d.Reason != 0 }) {
					return fmt.Errorf("bad signal %+v is not in Dropped with a reason", b)
				}
			}
			got.Dropped = slices.DeleteFunc(got.Dropped, func(d scoring.Dropped) bool {
				return slices.ContainsFunc(bad, func(b scoring.Signal) bool { return sameSignal(d.Signal, b) })
			})
			if d := diff(want, got, opts); d != "" {
				return fmt.Errorf("bad signals changed the result (-without +with):\n%s", d)
			}
			return bounds(&got)
		})},
	}
	if cfg.Merge != nil {
		cs = append(cs, check{"ShardMergeEqual", forEach(func(s scoring.AccountScorer, c *Case, rng *rand.Rand) error {
			want, err := s.Score(c.Account, c.Signals, c.At)
			if err != nil {
				return err
			}
			for _, k := range []int{1, 2, 3, 7} {
				shards := make([][]scoring.Signal, k)
				for _, sig := range c.Signals {
					i := rng.IntN(k)
					shards[i] = append(shards[i], sig)
				}
				got, err := cfg.Merge(c.Account, shards, c.At)
				if err != nil {
					return err
				}
				if d := diff(want, got, opts); d != "" {
					return fmt.Errorf("%d shards merged differ from one piece (-one +merged):\n%s", k, d)
				}
			}
			return nil
		})})
	}
	if cfg.Raise != nil {
		cs = append(cs, check{"Monotone", forEach(func(s scoring.AccountScorer, c *Case, _ *rand.Rand) error {
			base, err := s.Score(c.Account, c.Signals, c.At)
			if err != nil {
				return err
			}
			personaOf := make(map[string]persona.ID, len(c.Account.Contacts))
			for _, ct := range c.Account.Contacts {
				personaOf[ct.ID] = ct.Persona
			}
			for _, p := range base.Personas {
				raised := slices.Clone(c.Signals)
				for i, sig := range raised {
					who := sig.Persona
					if who == "" {
						who = personaOf[sig.Contact]
					}
					dropped := slices.ContainsFunc(base.Dropped, func(d scoring.Dropped) bool { return sameSignal(d.Signal, sig) })
					if who == p.Persona && !dropped {
						raised[i] = cfg.Raise(sig)
					}
				}
				r, err := s.Score(c.Account, raised, c.At)
				if err != nil {
					return err
				}
				if r.Score < base.Score-cfg.Tolerance {
					return fmt.Errorf("raising %s's answers lowered the score from %v to %v", p.Persona, base.Score, r.Score)
				}
			}
			return nil
		})})
	}
	return cs
}

// diff is cmp.Diff(a, b, opts...) with a fast path: two Results that encode
// to the same JSON are the same to within any tolerance (JSON keeps every
// float exactly, times as instants), and comparing the encodings is a
// hundred times cheaper than go-cmp's reflection with approximate floats.
func diff(a, b scoring.Result, opts ...cmp.Option) string {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	if errA == nil && errB == nil && bytes.Equal(ja, jb) {
		return ""
	}
	return cmp.Diff(a, b, opts...)
}

// safely runs f, turning a panic into an error.
func safely(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return f()
}

func bounds(r *scoring.Result) error {
	floats := []float64{r.Score, r.Low, r.High, r.StdErr, r.Coverage, r.Baseline, r.VetoAdjustment, r.EffectiveN}
	for _, p := range r.Personas {
		floats = append(floats, p.Raw, p.Score, p.StdErr, p.N, p.Weight, p.Contribution)
	}
	for _, g := range r.Groups {
		floats = append(floats, g.Score, g.StdErr, g.Weight)
	}
	for _, f := range floats {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("result holds a NaN or infinity: %+v", *r)
		}
	}
	switch {
	case r.Coverage < 0 || r.Coverage > 1:
		return fmt.Errorf("coverage %v outside [0, 1]", r.Coverage)
	case !r.Scored:
		return nil
	case r.Score < 0 || r.Score > 100:
		return fmt.Errorf("score %v outside [0, 100]", r.Score)
	case !(r.Low <= r.Score && r.Score <= r.High):
		return fmt.Errorf("interval %v..%v does not contain the score %v", r.Low, r.High, r.Score)
	case r.Low < 0 || r.High > 100:
		return fmt.Errorf("interval %v..%v outside [0, 100]", r.Low, r.High)
	}
	return nil
}

// badSignals returns signals every scorer must drop: NaN and infinite values,
// a signal from the future, one from a stranger, one with no identity and
// one for a metric no model has.
func badSignals(c *Case) []scoring.Signal {
	var who persona.Contact
	if len(c.Account.Contacts) > 0 {
		who = c.Account.Contacts[0]
	}
	metric := "nps"
	if len(c.Signals) > 0 {
		metric = c.Signals[0].Metric
	}
	base := scoring.Signal{Account: c.Account.ID, Contact: who.ID, Metric: metric, At: c.At.Add(-time.Hour), Source: "scoringtest"}
	with := func(f func(*scoring.Signal)) scoring.Signal { s := base; f(&s); return s }
	return []scoring.Signal{
		with(func(s *scoring.Signal) { s.Value = math.NaN() }),
		with(func(s *scoring.Signal) { s.Value = math.Inf(1) }),
		with(func(s *scoring.Signal) { s.At = c.At.Add(time.Hour) }),
		with(func(s *scoring.Signal) { s.Contact = "scoringtest-stranger" }),
		with(func(s *scoring.Signal) { s.Contact, s.Persona = "", "" }),
		with(func(s *scoring.Signal) { s.Metric = "scoringtest-no-such-metric" }),
	}
}

// sameSignal compares signals field by field, NaN equal to NaN and times by instant.
func sameSignal(a, b scoring.Signal) bool {
	return a.Account == b.Account && a.Contact == b.Contact && a.Persona == b.Persona &&
		a.Metric == b.Metric && a.Source == b.Source && a.At.Equal(b.At) &&
		(a.Value == b.Value || (math.IsNaN(a.Value) && math.IsNaN(b.Value)))
}
