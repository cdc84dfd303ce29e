package scoring

import (
	"context"
	"iter"
	"runtime"
	"sync"
	"time"

	"github.com/villagecx/village/persona"
)

// BatchOptions tunes ScoreAll. A nil *BatchOptions, or the zero value, means
// the defaults.
type BatchOptions struct {
	// Workers is the number of goroutines scoring; 0 means GOMAXPROCS.
	Workers int
	// Progress, if set, is called after each result is yielded with the
	// number of accounts done so far. It runs on the caller's goroutine.
	Progress func(done int)
}

// ScoreAll scores a stream of accounts, each with its signals, at time at,
// and yields the results in input order with any per-account error (see
// Score). Accounts are pulled from the input only as workers free up, so a
// stream far larger than memory can be scored; at most a few accounts per
// worker are in flight.
//
// The results are identical whatever the number of workers. When ctx is
// cancelled, ScoreAll stops promptly and yields one final (Result{}, ctx.Err()).
// Stopping the iteration early (break) stops the workers too.
func (s *Scorer) ScoreAll(ctx context.Context, accounts iter.Seq2[persona.Account, []Signal], at time.Time, opts *BatchOptions) iter.Seq2[Result, error] {
	workers := 0
	var progress func(int)
	if opts != nil {
		workers, progress = opts.Workers, opts.Progress
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return func(yield func(Result, error) bool) {
		ctx, cancel := context.WithCancel(ctx)

		type job struct {
			acct    persona.Account
			signals []Signal
			out     chan outcome
		}
		jobs := make(chan job)
		// pending holds each job's result channel in input order; its capacity
		// bounds how many accounts are in flight.
		pending := make(chan chan outcome, 4*workers)

		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range jobs {
					r, err := s.Score(j.acct, j.signals, at)
					j.out <- outcome{r, err}
				}
			}()
		}
		wg.Add(1)
		go func() { // the feeder: pulls accounts in order and hands them out
			defer wg.Done()
			defer close(pending)
			defer close(jobs)
			for acct, signals := range accounts {
				out := make(chan outcome, 1)
				select {
				case pending <- out:
				case <-ctx.Done():
					return
				}
				select {
				case jobs <- job{acct, signals, out}:
				case <-ctx.Done():
					return
				}
			}
		}()
		// On the way out, stop the feeder and the workers and wait for them, so
		// that nothing touches the input once ScoreAll has returned.
		defer wg.Wait()
		defer cancel()

		done := 0
		for out := range pending {
			var o outcome
			select {
			case o = <-out:
			case <-ctx.Done():
				yield(Result{}, ctx.Err())
				return
			}
			if !yield(o.r, o.err) {
				return
			}
			done++
			if progress != nil {
				progress(done)
			}
		}
		if err := ctx.Err(); err != nil {
			yield(Result{}, err)
		}
	}
}

type outcome struct {
	r   Result
	err error
}
