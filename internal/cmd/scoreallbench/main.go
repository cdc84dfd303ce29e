// Command scoreallbench measures Scorer.ScoreAll on a large synthetic base,
// for BENCHMARKS.md: signals per second with a given number of workers, and
// the peak heap in use while scoring.
//
//	go run ./internal/cmd/scoreallbench -accounts 100000 -workers 1
//	go run ./internal/cmd/scoreallbench -accounts 100000 -workers 2 -stream
//	go run ./internal/cmd/scoreallbench -accounts 100000 -workers 2 -borrow
//	go run ./internal/cmd/scoreallbench -accounts 100000 -workers 1,2 -batch -plain
//	go run ./internal/cmd/scoreallbench -accounts 100000 -workers 1,2 -batch -all -plain
//
// Without -stream the base is generated into memory first (like a loaded
// data set) and only the scoring is timed. With -stream each account is
// generated as the scorer pulls it, so the timing includes generation and
// the peak heap shows what scoring itself holds. With -batch the base is
// prepared first (scoring.Scorer.NewBatch, timed on its own) and ScoreBatch
// is timed, cloning each lent Result unless -borrow, or with -all
// ScoreBatchAll, which keeps every Result. Each timing is the
// fastest of -runs runs, the plain loop's runs taking turns with them; with
// -workers 1,2 each run times every worker count in turn, so that the
// scaling from one to the other is measured in one process too.
package main

import (
	"context"
	"flag"
	"fmt"
	"iter"
	"log"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/internal/plainloop"
	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

func main() {
	accounts := flag.Int("accounts", 100_000, "accounts to generate and score")
	workersFlag := flag.String("workers", "1", "workers, or a comma-separated list of worker counts timed in turn in one process (1,2)")
	stream := flag.Bool("stream", false, "generate accounts as they are scored instead of in advance")
	borrow := flag.Bool("borrow", false, "use ScoreEach (borrowed results) instead of ScoreAll (a Result per account)")
	runs := flag.Int("runs", 3, "time the scoring (and the plain loop) this many times, in turn, and keep the fastest of each")
	batch := flag.Bool("batch", false, "prepare the base as a scoring.Batch (timed apart) and time ScoreBatch")
	all := flag.Bool("all", false, "with -batch: time ScoreBatchAll (every Result kept, in a slice) instead of ScoreBatch")
	plain := flag.Bool("plain", false, "also run the plain-loop baseline (interned columns, no explanations) with as many goroutines, check it gives the same scores, and print the ratio")
	dir := flag.String("dir", "", "read the base from accounts.csv, contacts.csv and signals.csv in this folder (as `village generate` writes them) instead of generating it; reading is not timed")
	atFlag := flag.String("at", "2026-01-01", "with -dir: the scoring time, YYYY-MM-DD")
	flag.Parse()
	if (*plain || *dir != "" || *batch) && *stream {
		log.Fatal("-plain, -dir and -batch need the base in memory: leave out -stream")
	}
	var workerCounts []int
	for _, f := range strings.Split(*workersFlag, ",") {
		w, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || w < 1 {
			log.Fatalf("-workers %q: want worker counts of at least 1, separated by commas", *workersFlag)
		}
		workerCounts = append(workerCounts, w)
	}
	if *all && (!*batch || *borrow) {
		log.Fatal("-all keeps every Result of a batch: it needs -batch and not -borrow")
	}

	cfg := villagesim.Config{Seed: 1, Accounts: *accounts}
	sigCfg := villagesim.SignalConfig{Seed: 1}
	var in iter.Seq2[persona.Account, []scoring.Signal]
	var accts []persona.Account
	var signals [][]scoring.Signal
	cat := persona.B2B()
	cfg.Catalog = cat
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var err error
	switch {
	case *stream:
		in, err = villagesim.Stream(cfg, sigCfg)
	case *dir != "":
		if at, err = time.Parse(time.DateOnly, *atFlag); err == nil {
			accts, signals, err = readBase(*dir, cat)
		}
	default:
		var base *villagesim.Base
		if base, err = villagesim.Generate(cfg); err == nil {
			accts, signals, at = base.Accounts, base.Signals(sigCfg), base.End
		}
	}
	if in == nil {
		in = func(yield func(persona.Account, []scoring.Signal) bool) {
			for i := range accts {
				if !yield(accts[i], signals[i]) {
					return
				}
			}
		}
	}
	if err != nil {
		log.Fatal(err)
	}
	scorer, err := scoring.Compile(scoring.DefaultModel(cat), cat)
	if err != nil {
		log.Fatal(err)
	}

	var prepared *scoring.Batch
	if *batch {
		start := time.Now()
		if prepared, err = scorer.NewBatch(accts, signals); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("batch prepared in %v\n", time.Since(start).Round(time.Millisecond))
	}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak, peakLive atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // sample the heap in use (garbage included) and the live heap (as of the last GC) while scoring
		defer wg.Done()
		var ms runtime.MemStats
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
				metrics.Read(live)
				if v := live[0].Value.Uint64(); v > peakLive.Load() {
					peakLive.Store(v)
				}
			}
		}
	}()

	var pm *plainloop.Model
	var pb *plainloop.Base
	if *plain {
		pm, pb = plainloop.NewModel(cat, scorer.Model()), plainloop.Build(accts, signals, cat, scorer.Model(), at)
	}
	// Each run times the scoring (and the plain loop) at every worker count
	// in turn, and the fastest of each is kept: the machine is noisy, and
	// ratios within one process are what can be compared.
	elapsed := make([]time.Duration, len(workerCounts))
	best := make([]time.Duration, len(workerCounts))
	var n, nSignals, scored int
	var scores, got []float64
	for run := range *runs {
		for k, w := range workerCounts {
			start := time.Now()
			n, nSignals, scored = 0, 0, 0
			count := func(r *scoring.Result, err error) {
				if err != nil {
					log.Fatal(err)
				}
				n++
				nSignals += r.SignalsUsed + len(r.Dropped)
				if r.Scored {
					scored++
				}
				if *plain && run == 0 && k == 0 {
					scores = append(scores, map[bool]float64{true: r.Score, false: math.NaN()}[r.Scored])
				}
			}
			opts := &scoring.BatchOptions{Workers: w}
			switch {
			case *batch && *all:
				results, err := scorer.ScoreBatchAll(context.Background(), prepared, at, opts)
				for i := range results {
					count(&results[i], err)
				}
			case *batch:
				for r, err := range scorer.ScoreBatch(context.Background(), prepared, at, opts) {
					if !*borrow {
						kept := r.Clone()
						r = &kept
					}
					count(r, err)
				}
			case *borrow:
				for r, err := range scorer.ScoreEach(context.Background(), in, at, opts) {
					count(r, err)
				}
			default:
				for r, err := range scorer.ScoreAll(context.Background(), in, at, opts) {
					count(&r, err)
				}
			}
			if d := time.Since(start); elapsed[k] == 0 || d < elapsed[k] {
				elapsed[k] = d
			}
			if *plain {
				s, d := plainloop.Run(pm, pb, w)
				if best[k] == 0 || d < best[k] {
					best[k] = d
				}
				if got == nil {
					got = s
				}
			}
		}
	}
	close(done)
	wg.Wait()

	mode := "in memory, ScoreAll"
	if *dir != "" {
		mode = "read from " + *dir + ", ScoreAll"
	}
	switch {
	case *batch && *all:
		mode = strings.Replace(mode, "ScoreAll", "ScoreBatchAll", 1)
	case *batch && *borrow:
		mode = strings.Replace(mode, "ScoreAll", "ScoreBatch", 1)
	case *batch:
		mode = strings.Replace(mode, "ScoreAll", "ScoreBatch+Clone", 1)
	case *borrow:
		mode = strings.Replace(mode, "ScoreAll", "ScoreEach", 1)
	}
	if *stream {
		mode = "streamed" + mode[len("in memory"):]
	}
	engine := strings.Fields(mode)[len(strings.Fields(mode))-1]
	fmt.Printf("accounts %d (%s), signals %d, GOMAXPROCS %d, fastest of %d runs\n", n, mode, nSignals, runtime.GOMAXPROCS(0), *runs)
	for k, w := range workerCounts {
		fmt.Printf("workers %d: elapsed %v, %.0f signals/s, %.0f accounts/s, %d scored\n", w,
			elapsed[k].Round(time.Millisecond), float64(nSignals)/elapsed[k].Seconds(), float64(n)/elapsed[k].Seconds(), scored)
	}
	fmt.Printf("heap in use before scoring %.0f MiB, peak while scoring %.0f MiB (peak live heap %.1f MiB)\n",
		float64(before.HeapInuse)/(1<<20), float64(peak.Load())/(1<<20), float64(peakLive.Load())/(1<<20))

	if *plain {
		worst := 0.0
		for i := range got {
			if !math.IsNaN(scores[i]) { // an account nobody was heard in has no score to compare
				worst = max(worst, math.Abs(got[i]-scores[i]))
			}
		}
		fmt.Printf("plain loop: %d signals; largest difference from Score %.2g points\n", len(pb.X), worst)
		for k, w := range workerCounts {
			fmt.Printf("workers %d: plain loop %v; ratio: %s %.2fx the plain loop\n", w,
				best[k].Round(time.Millisecond), engine, elapsed[k].Seconds()/best[k].Seconds())
		}
	}
	if last := len(workerCounts) - 1; last > 0 {
		fmt.Printf("scaling from %d to %d workers: %s %.2fx", workerCounts[0], workerCounts[last], engine, elapsed[0].Seconds()/elapsed[last].Seconds())
		if *plain {
			fmt.Printf(", plain loop %.2fx", best[0].Seconds()/best[last].Seconds())
		}
		fmt.Println()
	}
}

// readBase reads a base as `village generate` writes it: accounts,
// contacts (personas given, or mapped from titles) and signals, each
// account's signals together, in the accounts file's order.
func readBase(dir string, cat *persona.Catalog) ([]persona.Account, [][]scoring.Signal, error) {
	open := func(name string) (*os.File, error) { return os.Open(filepath.Join(dir, name)) }
	f, err := open("accounts.csv")
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	ar, err := ingest.Accounts(f, ingest.CSV, "accounts.csv", nil)
	if err != nil {
		return nil, nil, err
	}
	accts := ar.Collect()
	titles, err := persona.NewTitleMapper(persona.B2BTitleRules(), cat)
	if err != nil {
		return nil, nil, err
	}
	g, err := open("contacts.csv")
	if err != nil {
		return nil, nil, err
	}
	defer g.Close()
	cr, err := ingest.Contacts(g, ingest.CSV, "contacts.csv", ingest.ContactOptions{Catalog: cat, Titles: titles})
	if err != nil {
		return nil, nil, err
	}
	ingest.Attach(accts, cr.Collect())
	h, err := open("signals.csv")
	if err != nil {
		return nil, nil, err
	}
	defer h.Close()
	sr, err := ingest.Signals(h, ingest.CSV, "signals.csv", nil)
	if err != nil {
		return nil, nil, err
	}
	signals, orphans := ingest.GroupSignals(accts, sr.All())
	if len(orphans) > 0 {
		fmt.Printf("%d signal(s) of accounts not in accounts.csv: not scored\n", len(orphans))
	}
	for _, sum := range []ingest.Summary{ar.Summary(), cr.Summary(), sr.Summary()} {
		fmt.Println(sum.String())
	}
	return accts, signals, nil
}
