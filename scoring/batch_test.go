package scoring_test

import (
	"context"
	"errors"
	"iter"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
	"github.com/villagecx/village/scoring/scoringtest"
)

func stream(cases []scoringtest.Case) iter.Seq2[persona.Account, []scoring.Signal] {
	return func(yield func(persona.Account, []scoring.Signal) bool) {
		for _, c := range cases {
			if !yield(c.Account, c.Signals) {
				return
			}
		}
	}
}

func TestScoreAllInOrderWhateverTheWorkers(t *testing.T) {
	cat := persona.B2B()
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	cases := scoringtest.VillageCases(300, 2)
	at := cases[0].At
	var want []scoring.Result
	for _, c := range cases {
		r, err := s.Score(c.Account, c.Signals, at)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, r)
	}
	for _, workers := range []int{1, 2, 7} {
		var got []scoring.Result
		var progress []int
		opts := &scoring.BatchOptions{Workers: workers, Progress: func(done int) { progress = append(progress, done) }}
		for r, err := range s.ScoreAll(context.Background(), stream(cases), at, opts) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
		}
		if d := cmp.Diff(want, got, cmp.AllowUnexported(scoring.Result{})); d != "" {
			t.Errorf("%d workers: results differ from Score in order (-want +got):\n%.3000s", workers, d)
		}
		if len(progress) != len(cases) || progress[len(progress)-1] != len(cases) {
			t.Errorf("%d workers: progress called %d times, last %v", workers, len(progress), progress[len(progress)-1:])
		}
	}
	// Nil options use the defaults.
	n := 0
	for range s.ScoreAll(context.Background(), stream(cases[:5]), at, nil) {
		n++
	}
	if n != 5 {
		t.Errorf("nil options: %d results, want 5", n)
	}
}

func TestScoreAllStopsOnCancelAndBreak(t *testing.T) {
	cat := persona.B2B()
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	cases := scoringtest.VillageCases(50, 2)
	at := cases[0].At

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, errs := 0, 0
	for _, err := range s.ScoreAll(ctx, stream(cases), at, &scoring.BatchOptions{Workers: 2}) {
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			errs++
			continue
		}
		n++
		if n == 10 {
			cancel()
		}
	}
	if errs != 1 || n >= len(cases) {
		t.Errorf("after cancelling at 10: %d results and %d errors; want fewer than %d results and one error", n, errs, len(cases))
	}

	// Breaking out of the loop stops the feeder: the input is not read
	// further than the few chunks in flight.
	const long = 2000
	pulled := 0
	counting := func(yield func(persona.Account, []scoring.Signal) bool) {
		for i := range long {
			pulled++
			c := cases[i%len(cases)]
			if !yield(c.Account, c.Signals) {
				return
			}
		}
	}
	for range s.ScoreAll(context.Background(), counting, at, &scoring.BatchOptions{Workers: 2}) {
		break
	}
	if pulled >= long/2 {
		t.Errorf("breaking after one result still pulled %d of %d accounts", pulled, long)
	}

	// A per-account error is yielded in its place and the batch goes on.
	dup := persona.Account{ID: "dup", Contacts: []persona.Contact{{ID: "x", Persona: persona.CIO}, {ID: "x", Persona: persona.CIO}}}
	two := []scoringtest.Case{{Account: dup}, cases[0]}
	var got []error
	for _, err := range s.ScoreAll(context.Background(), stream(two), at, nil) {
		got = append(got, err)
	}
	if len(got) != 2 || !errors.Is(got[0], scoring.ErrDuplicateContact) || got[1] != nil {
		t.Errorf("errors = %v", got)
	}
}

// reusingStream yields each case through one contacts buffer and one signals
// buffer, overwritten for the next account, as a streaming reader would.
func reusingStream(cases []scoringtest.Case) iter.Seq2[persona.Account, []scoring.Signal] {
	return func(yield func(persona.Account, []scoring.Signal) bool) {
		var contacts []persona.Contact
		var signals []scoring.Signal
		for _, c := range cases {
			contacts = append(contacts[:0], c.Account.Contacts...)
			signals = append(signals[:0], c.Signals...)
			acct := c.Account
			acct.Contacts = contacts
			if !yield(acct, signals) {
				return
			}
			clear(contacts) // what a reader reusing its buffer would leave behind
			clear(signals)
		}
	}
}

func TestScoreAllCopiesInputThatIsReused(t *testing.T) {
	cat := persona.B2B()
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	cases := scoringtest.VillageCases(200, 3)
	at := cases[0].At
	for _, workers := range []int{1, 2, 5} {
		i := 0
		for got, err := range s.ScoreAll(context.Background(), reusingStream(cases), at, &scoring.BatchOptions{Workers: workers}) {
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.Score(cases[i].Account, cases[i].Signals, at)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got, cmp.AllowUnexported(scoring.Result{})); d != "" {
				t.Fatalf("%d workers, account %d: result differs from Score (-want +got):\n%.2000s", workers, i, d)
			}
			i++
		}
		if i != len(cases) {
			t.Errorf("%d workers: %d results for %d accounts", workers, i, len(cases))
		}
	}
}

// ScoreEach lends its Results: after the buffers have grown, scoring a
// stream allocates a constant (goroutines, channels, the first chunks'
// buffers), not something per account.
func TestScoreEachAllocatesNothingPerAccount(t *testing.T) {
	skipAllocationCountUnderRace(t)
	cat := persona.B2B()
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	cases := scoringtest.VillageCases(40, 5)
	at := cases[0].At
	run := func(n int) float64 {
		in := func(yield func(persona.Account, []scoring.Signal) bool) {
			for i := range n {
				if !yield(cases[i%len(cases)].Account, cases[i%len(cases)].Signals) {
					return
				}
			}
		}
		return testing.AllocsPerRun(5, func() {
			for _, err := range s.ScoreEach(context.Background(), in, at, &scoring.BatchOptions{Workers: 2}) {
				if err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	small, large := run(3000), run(11000)
	t.Logf("%v allocations for 3,000 accounts, %v for 11,000", small, large)
	if perAccount := (large - small) / 8000; perAccount > 0.05 {
		t.Errorf("ScoreEach allocates %.3f times per account (%v allocations for 3,000 accounts, %v for 11,000)", perAccount, small, large)
	}
}
