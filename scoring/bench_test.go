package scoring_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// benchAccount is the reference workload: one account with 10 contacts over
// six personas and 50 signals over 3 metrics, the last year's worth.
func benchAccount() (persona.Account, []scoring.Signal) {
	personas := []persona.ID{persona.EndUser, persona.EndUser, persona.EndUser, persona.EndUser,
		persona.TechnicalExpert, persona.TechnicalExpert, persona.DepartmentManager,
		persona.LineOfBusiness, persona.FinanceExecutive, persona.CIO}
	acct := persona.Account{ID: "bench"}
	for i, p := range personas {
		acct.Contacts = append(acct.Contacts, persona.Contact{ID: fmt.Sprintf("c%02d", i), Account: "bench", Persona: p})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	metrics := []struct {
		name string
		max  float64
	}{{"nps", 10}, {"csat", 5}, {"usage", 1}}
	var sigs []scoring.Signal
	for i := range 50 {
		m := metrics[i%3]
		v := float64(rng.IntN(int(m.max) + 1))
		if m.name == "usage" {
			v = rng.Float64()
		}
		if m.name == "csat" && v == 0 {
			v = 1
		}
		sigs = append(sigs, scoring.Signal{
			Account: "bench", Contact: acct.Contacts[rng.IntN(len(acct.Contacts))].ID, Metric: m.name,
			Value: v, At: t0.Add(-time.Duration(rng.Int64N(int64(300 * day)))),
		})
	}
	return acct, sigs
}

func TestScoreIntoAllocatesNothing(t *testing.T) {
	cat := persona.B2B()
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	acct, sigs := benchAccount()
	sigs = append(sigs, scoring.Signal{Contact: "c00", Metric: "nps", Value: 11, At: t0}) // one dropped, too
	var r scoring.Result
	if err := s.ScoreInto(&r, acct, sigs, t0); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(200, func() {
		if err := s.ScoreInto(&r, acct, sigs, t0); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("ScoreInto with a reused Result: %v allocs per run, want 0", allocs)
	}
	if !r.Scored || len(r.Dropped) != 1 {
		t.Errorf("benchmark account scored %v with %d dropped", r.Scored, len(r.Dropped))
	}
}

// BenchmarkScoreInto scores the reference account, and the same account
// with a buying committee in force (a weight seat, a veto seat and a role:
// the account's own village is built in the Result's scratch space).
func BenchmarkScoreInto(b *testing.B) {
	cat := persona.B2B()
	s := mustCompile(b, scoring.DefaultModel(cat), cat)
	acct, sigs := benchAccount()
	seated := acct
	seated.Committee = []persona.Seat{
		{Kind: persona.SeatWeight, Persona: persona.LineOfBusiness, Weight: 0.9},
		{Kind: persona.SeatVeto, Persona: persona.Procurement},
		{Kind: persona.SeatRole, Contact: "c08", Role: persona.RoleEconomicBuyer},
	}
	for _, bc := range []struct {
		name string
		acct persona.Account
	}{{"catalog", acct}, {"committee", seated}} {
		b.Run(bc.name, func(b *testing.B) {
			var r scoring.Result
			b.ReportAllocs()
			for b.Loop() {
				if err := s.ScoreInto(&r, bc.acct, sigs, t0); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(sigs))*float64(b.N)/b.Elapsed().Seconds(), "signals/s")
		})
	}
}

// BenchmarkScoreBatchInto scores the reference account of BenchmarkScoreInto
// prepared in a Batch: what is left of a scoring once the string work is
// done.
func BenchmarkScoreBatchInto(b *testing.B) {
	cat := persona.B2B()
	s := mustCompile(b, scoring.DefaultModel(cat), cat)
	acct, sigs := benchAccount()
	batch, err := s.NewBatch([]persona.Account{acct}, [][]scoring.Signal{sigs})
	if err != nil {
		b.Fatal(err)
	}
	var r scoring.Result
	b.ReportAllocs()
	for b.Loop() {
		if err := s.ScoreBatchInto(&r, batch, 0, t0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(sigs))*float64(b.N)/b.Elapsed().Seconds(), "signals/s")
}

func BenchmarkScore(b *testing.B) {
	cat := persona.B2B()
	s := mustCompile(b, scoring.DefaultModel(cat), cat)
	acct, sigs := benchAccount()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Score(acct, sigs, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAccumulator(b *testing.B) {
	cat := persona.B2B()
	s := mustCompile(b, scoring.DefaultModel(cat), cat)
	acct, sigs := benchAccount()
	b.ReportAllocs()
	var size int
	for b.Loop() {
		half := s.NewAccumulator(acct.ID, t0)
		other := s.NewAccumulator(acct.ID, t0)
		for i, sig := range sigs {
			if i%2 == 0 {
				half.Add(sig)
			} else {
				other.Add(sig)
			}
		}
		data, _ := other.MarshalBinary()
		size = len(data)
		moved := s.NewAccumulator("", time.Time{})
		if err := moved.UnmarshalBinary(data); err != nil {
			b.Fatal(err)
		}
		if err := half.Merge(moved); err != nil {
			b.Fatal(err)
		}
		if _, err := half.Result(acct); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size)/float64(len(sigs)/2), "encoded-bytes/signal")
}

// BenchmarkScoreAll scores a synthetic base (villagesim) of 10,000 accounts
// with 1 and 2 workers, small enough that `go test -bench` stays quick; the
// 100,000-account run with peak memory is internal/cmd/scoreallbench, and
// BENCHMARKS.md records both.
func BenchmarkScoreAll(b *testing.B) {
	for _, n := range []int{10_000} {
		base, err := villagesim.Generate(villagesim.Config{Seed: 1, Accounts: n})
		if err != nil {
			b.Fatal(err)
		}
		signals := base.Signals(villagesim.SignalConfig{Seed: 1})
		total := 0
		for _, s := range signals {
			total += len(s)
		}
		s := mustCompile(b, scoring.DefaultModel(base.Catalog), base.Catalog)
		in := func(yield func(persona.Account, []scoring.Signal) bool) {
			for i := range base.Accounts {
				if !yield(base.Accounts[i], signals[i]) {
					return
				}
			}
		}
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("accounts=%d/workers=%d", n, workers), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					for _, err := range s.ScoreAll(context.Background(), in, base.End, &scoring.BatchOptions{Workers: workers}) {
						if err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "signals/s")
				b.ReportMetric(float64(total)/float64(n), "signals/account")
			})
		}
		b.Run(fmt.Sprintf("prepare/accounts=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.NewBatch(base.Accounts, signals); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "signals/s")
		})
		batch, err := s.NewBatch(base.Accounts, signals)
		if err != nil {
			b.Fatal(err)
		}
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("batch/accounts=%d/workers=%d", n, workers), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					for _, err := range s.ScoreBatch(context.Background(), batch, base.End, &scoring.BatchOptions{Workers: workers}) {
						if err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "signals/s")
			})
			b.Run(fmt.Sprintf("batch-all/accounts=%d/workers=%d", n, workers), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.ScoreBatchAll(context.Background(), batch, base.End, &scoring.BatchOptions{Workers: workers}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "signals/s")
			})
		}
	}
}

// skipAllocationCountUnderRace skips a test that counts allocations when the
// race detector, which allocates on its own, is on; CI's plain go test runs
// it.
func skipAllocationCountUnderRace(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("counts allocations, which the race detector adds to: run without -race")
	}
}

// BenchmarkAnswerValues values one more answer from every contact of
// villagesim accounts (27 contacts and 66 signals on average), the work
// village plan --objective renewal does per account.
func BenchmarkAnswerValues(b *testing.B) {
	base, err := villagesim.Generate(villagesim.Config{Seed: 1, Accounts: 500})
	if err != nil {
		b.Fatal(err)
	}
	signals := base.Signals(villagesim.SignalConfig{Seed: 1})
	s := mustCompile(b, scoring.DefaultModel(base.Catalog), base.Catalog)
	opts := &scoring.AnswerOptions{Metric: "nps"}
	contacts := 0
	for i := range base.Accounts {
		contacts += len(base.Accounts[i].Contacts)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		i := n % len(base.Accounts)
		if _, _, err := s.AnswerValues(base.Accounts[i], signals[i], base.End, opts); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(contacts)/float64(len(base.Accounts)), "contacts/account")
}
