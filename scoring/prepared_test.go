package scoring_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
	"github.com/villagecx/village/scoring/scoringtest"
)

// batchOf prepares cases for s, failing the test on error.
func batchOf(t testing.TB, s *scoring.Scorer, cases []scoringtest.Case) *scoring.Batch {
	t.Helper()
	accounts := make([]persona.Account, len(cases))
	signals := make([][]scoring.Signal, len(cases))
	for i, c := range cases {
		accounts[i], signals[i] = c.Account, c.Signals
	}
	b, err := s.NewBatch(accounts, signals)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkBatch scores b at at on each number of workers and compares every
// Result and error with Score's.
func checkBatch(t *testing.T, name string, s *scoring.Scorer, cases []scoringtest.Case, b *scoring.Batch, at time.Time, workers ...int) {
	t.Helper()
	want := make([]scoring.Result, len(cases))
	wantErr := make([]error, len(cases))
	for i, c := range cases {
		want[i], wantErr[i] = s.Score(c.Account, c.Signals, at)
	}
	for _, w := range workers {
		i := 0
		for r, err := range s.ScoreBatch(context.Background(), b, at, &scoring.BatchOptions{Workers: w}) {
			if (err == nil) != (wantErr[i] == nil) || err != nil && err.Error() != wantErr[i].Error() {
				t.Fatalf("%s, account %d, %d workers: error %v, Score's %v", name, i, w, err, wantErr[i])
			}
			if d := cmp.Diff(want[i], r.Clone(), cmp.AllowUnexported(scoring.Result{}), cmpopts.EquateNaNs()); d != "" {
				t.Fatalf("%s, account %d (%s), %d workers: ScoreBatch differs from Score (-Score +ScoreBatch):\n%.4000s", name, i, cases[i].Account.ID, w, d)
			}
			i++
		}
		if i != len(cases) {
			t.Fatalf("%s, %d workers: %d results for %d accounts", name, w, i, len(cases))
		}
		all, err := s.ScoreBatchAll(context.Background(), b, at, &scoring.BatchOptions{Workers: w})
		if joined := errors.Join(wantErr...); (err == nil) != (joined == nil) || err != nil && err.Error() != joined.Error() {
			t.Fatalf("%s, %d workers: ScoreBatchAll's error %v, Score's %v", name, w, err, joined)
		}
		if d := cmp.Diff(want, all, cmp.AllowUnexported(scoring.Result{}), cmpopts.EquateNaNs()); d != "" {
			t.Fatalf("%s, %d workers: ScoreBatchAll differs from Score (-Score +ScoreBatchAll):\n%.4000s", name, w, d)
		}
	}
}

// A prepared batch scores every account as Score does, bit for bit, for the
// default model and one with every term, at the end of the simulated year
// and at times before it (signals in the future, contacts not yet there) and
// after it (signals expired, contacts gone), on 1 and 3 workers. The cases
// have committees and spoiled signals.
func TestBatchEqualsScore(t *testing.T) {
	cat := persona.B2B()
	cases := scoringtest.VillageCases(300, 9)
	end := cases[0].At
	for _, m := range []struct {
		name  string
		model scoring.Model
	}{{"default", scoring.DefaultModel(cat)}, {"every term", fullModel(cat)}, {"every term, two-level", twoLevel(fullModel(cat))}} {
		s := mustCompile(t, m.model, cat)
		b := batchOf(t, s, cases)
		for _, at := range []time.Time{end, end.Add(-120 * day), end.Add(200 * day)} {
			checkBatch(t, m.name+" at "+at.Format(time.DateOnly), s, cases, b, at, 1, 3)
		}
	}
}

// The batch does not depend on the order of the signals, nor on the order
// of an account's contacts.
func TestBatchWhateverTheInputOrder(t *testing.T) {
	cat := persona.B2B()
	s := mustCompile(t, fullModel(cat), cat)
	cases := scoringtest.VillageCases(80, 4)
	want := batchResults(t, s, batchOf(t, s, cases), cases[0].At)
	rng := rand.New(rand.NewPCG(4, 4))
	shuffled := make([]scoringtest.Case, len(cases))
	for i, c := range cases {
		c.Signals = slices.Clone(c.Signals)
		c.Account.Contacts = slices.Clone(c.Account.Contacts)
		rng.Shuffle(len(c.Signals), func(a, b int) { c.Signals[a], c.Signals[b] = c.Signals[b], c.Signals[a] })
		rng.Shuffle(len(c.Account.Contacts), func(a, b int) {
			c.Account.Contacts[a], c.Account.Contacts[b] = c.Account.Contacts[b], c.Account.Contacts[a]
		})
		shuffled[i] = c
	}
	got := batchResults(t, s, batchOf(t, s, shuffled), cases[0].At)
	if d := cmp.Diff(want, got, cmp.AllowUnexported(scoring.Result{})); d != "" {
		t.Errorf("shuffled input, different results:\n%.3000s", d)
	}
}

func batchResults(t *testing.T, s *scoring.Scorer, b *scoring.Batch, at time.Time) []scoring.Result {
	t.Helper()
	var out []scoring.Result
	for r, err := range s.ScoreBatch(context.Background(), b, at, nil) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r.Clone())
	}
	return out
}

// Bad input: an account listing a contact twice is reported as Score
// reports it, and the accounts after it are scored; a batch of another
// scorer is refused; more signal lists than accounts is an error.
func TestBatchBadInput(t *testing.T) {
	cat := persona.B2B()
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	cases := scoringtest.VillageCases(3, 5)
	cases[1].Account.Contacts = append(slices.Clone(cases[1].Account.Contacts), cases[1].Account.Contacts[0])
	b := batchOf(t, s, cases)
	checkBatch(t, "duplicate contact", s, cases, b, cases[0].At, 1)
	var errs []error
	for _, err := range s.ScoreBatch(context.Background(), b, cases[0].At, nil) {
		errs = append(errs, err)
	}
	if len(errs) != 3 || !errors.Is(errs[1], scoring.ErrDuplicateContact) || errs[0] != nil || errs[2] != nil {
		t.Errorf("errors %v, want only the second account's duplicate contact", errs)
	}
	other := mustCompile(t, scoring.DefaultModel(cat), cat)
	for r, err := range other.ScoreBatch(context.Background(), b, cases[0].At, nil) {
		if r != nil || !errors.Is(err, scoring.ErrForeignBatch) {
			t.Errorf("another scorer's batch: %v, %v", r, err)
		}
	}
	if err := other.ScoreBatchInto(&scoring.Result{}, b, 0, cases[0].At); !errors.Is(err, scoring.ErrForeignBatch) {
		t.Errorf("ScoreBatchInto with another scorer's batch: %v", err)
	}
	if all, err := s.ScoreBatchAll(context.Background(), b, cases[0].At, nil); len(all) != 3 || !all[0].Scored || all[1].Scored ||
		!errors.Is(err, scoring.ErrDuplicateContact) || !strings.Contains(err.Error(), cases[1].Account.ID) {
		t.Errorf("ScoreBatchAll with a duplicate contact in the second account: %d results, error %v", len(all), err)
	}
	if all, err := other.ScoreBatchAll(context.Background(), b, cases[0].At, nil); all != nil || !errors.Is(err, scoring.ErrForeignBatch) {
		t.Errorf("ScoreBatchAll with another scorer's batch: %d results, %v", len(all), err)
	}
	if _, err := s.NewBatch(nil, [][]scoring.Signal{nil}); !errors.Is(err, scoring.ErrInvalidValue) {
		t.Errorf("more signal lists than accounts: %v", err)
	}
	empty, err := s.NewBatch(nil, nil)
	if err != nil || empty.Len() != 0 {
		t.Fatalf("empty batch: %v, %v", empty, err)
	}
	for range s.ScoreBatch(context.Background(), empty, cases[0].At, nil) {
		t.Error("an empty batch yielded a result")
	}
	if all, err := s.ScoreBatchAll(context.Background(), empty, cases[0].At, nil); len(all) != 0 || err != nil {
		t.Errorf("ScoreBatchAll of an empty batch: %d results, %v", len(all), err)
	}
}

// Scoring an account of a batch into a Result that has grown to size
// allocates nothing.
func TestScoreBatchIntoAllocatesNothing(t *testing.T) {
	skipAllocationCountUnderRace(t)
	cat := persona.B2B()
	s := mustCompile(t, fullModel(cat), cat)
	cases := scoringtest.VillageCases(20, 6)
	b := batchOf(t, s, cases)
	var r scoring.Result
	for i := range cases {
		if err := s.ScoreBatchInto(&r, b, i, cases[0].At); err != nil {
			t.Fatal(err)
		}
	}
	i := 0
	if allocs := testing.AllocsPerRun(200, func() {
		_ = s.ScoreBatchInto(&r, b, i%len(cases), cases[0].At)
		i++
	}); allocs != 0 {
		t.Errorf("ScoreBatchInto: %v allocations a call, want 0", allocs)
	}
}

// Times that carry monotonic clock readings (from time.Now in this process)
// are compared as time.Time compares them, on the batch path too.
func TestBatchWithMonotonicTimes(t *testing.T) {
	cat := persona.B2B()
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	now := time.Now()
	acct := persona.Account{ID: "live", Contacts: []persona.Contact{
		{ID: "a", Persona: persona.LineOfBusiness, Joined: now.Add(-400 * day)},
		{ID: "b", Persona: persona.EndUser, Joined: now.Add(-3 * day), Left: now.Add(-time.Hour)},
		{ID: "c", Persona: persona.FinanceExecutive},
	}}
	signals := []scoring.Signal{
		{Contact: "a", Metric: "nps", Value: 9, At: now.Add(-10 * day)},
		{Contact: "b", Metric: "csat", Value: 2, At: now.Add(-2 * day)},
		{Contact: "c", Metric: "nps", Value: 4, At: now.Add(time.Minute)},
		{Contact: "c", Metric: "nps", Value: 6, At: now.Add(-time.Second).Round(0)},
	}
	cases := []scoringtest.Case{{Account: acct, Signals: signals}}
	b := batchOf(t, s, cases)
	for _, at := range []time.Time{now, now.Round(0), now.Add(-2 * time.Hour)} {
		checkBatch(t, "monotonic", s, cases, b, at, 1)
	}
}

// Breaking off a ScoreBatch stops it; a cancelled context ends it with the
// context's error.
func TestScoreBatchStopsOnBreakAndCancel(t *testing.T) {
	cat := persona.B2B()
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	cases := scoringtest.VillageCases(200, 8)
	b := batchOf(t, s, cases)
	n := 0
	for range s.ScoreBatch(context.Background(), b, cases[0].At, &scoring.BatchOptions{Workers: 2}) {
		if n++; n == 3 {
			break
		}
	}
	if n != 3 {
		t.Errorf("broke off after %d results", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var last error
	n = 0
	for r, err := range s.ScoreBatch(ctx, b, cases[0].At, &scoring.BatchOptions{Workers: 2}) {
		if n++; n == 5 {
			cancel()
		}
		if err != nil {
			if r != nil {
				t.Error("the cancellation came with a Result")
			}
			last = err
		}
	}
	if !errors.Is(last, context.Canceled) || n >= len(cases) {
		t.Errorf("after cancelling: %d results, last error %v", n, last)
	}
}

// The Results ScoreBatchAll returns are the caller's: changing or appending
// to one leaves its neighbours, cut from the same blocks, as they were.
func TestScoreBatchAllResultsAreApart(t *testing.T) {
	cat := persona.B2B()
	s := mustCompile(t, fullModel(cat), cat)
	cases := scoringtest.VillageCases(50, 3)
	b := batchOf(t, s, cases)
	all, err := s.ScoreBatchAll(context.Background(), b, cases[0].At, &scoring.BatchOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := make([]scoring.Result, len(all))
	for i := range all {
		want[i] = all[i].Clone()
	}
	for i := 0; i < len(all); i += 2 {
		r := &all[i]
		for j := range r.Personas {
			r.Personas[j].Score = -1
		}
		r.Personas = append(r.Personas, scoring.PersonaScore{Persona: "appended"})
		r.Dropped = append(r.Dropped, scoring.Dropped{Reason: scoring.ReasonDuplicate})
		r.Missing = append(r.Missing, "appended")
		r.Terms = append(r.Terms, scoring.Term{Kind: scoring.TermFit})
	}
	for i := 1; i < len(all); i += 2 {
		if d := cmp.Diff(want[i], all[i], cmp.AllowUnexported(scoring.Result{})); d != "" {
			t.Fatalf("account %d changed with its neighbours:\n%.2000s", i, d)
		}
	}
}

// ScoreBatchAll reports progress on the caller's goroutine, never going
// back, ending at every account; cancelling stops it with the context's
// error and no results.
func TestScoreBatchAllProgressAndCancel(t *testing.T) {
	cat := persona.B2B()
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	cases := scoringtest.VillageCases(1000, 8)
	b := batchOf(t, s, cases)
	var seen []int
	all, err := s.ScoreBatchAll(context.Background(), b, cases[0].At, &scoring.BatchOptions{Workers: 2,
		Progress: func(done int) { seen = append(seen, done) }})
	if err != nil || len(all) != len(cases) {
		t.Fatalf("%d results, %v", len(all), err)
	}
	if len(seen) < 2 || !slices.IsSorted(seen) || seen[len(seen)-1] != len(cases) {
		t.Errorf("progress %v", seen)
	}

	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	all, err = s.ScoreBatchAll(ctx, b, cases[0].At, &scoring.BatchOptions{Workers: 2, Progress: func(int) {
		calls++
		cancel()
	}})
	if all != nil || !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("cancelled at the first progress report: %d results, %v, %d reports", len(all), err, calls)
	}
	if all, err := s.ScoreBatchAll(ctx, b, cases[0].At, nil); all != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: %d results, %v", len(all), err)
	}
}

// Keeping every Result costs a few allocations per block of Results, not
// one per slice of each.
func TestScoreBatchAllAllocatesPerBlock(t *testing.T) {
	skipAllocationCountUnderRace(t)
	cat := persona.B2B()
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	cases := scoringtest.VillageCases(2000, 8)
	b := batchOf(t, s, cases)
	allocs := testing.AllocsPerRun(5, func() {
		if _, err := s.ScoreBatchAll(context.Background(), b, cases[0].At, &scoring.BatchOptions{Workers: 1}); err != nil {
			t.Fatal(err)
		}
	})
	if perAccount := allocs / float64(len(cases)); perAccount > 0.25 {
		t.Errorf("ScoreBatchAll: %.2f allocations an account (%v a call), want at most 0.25", perAccount, allocs)
	}
}
