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
// ScoreAll copies each account's contacts and signals before it pulls the
// next account from the input, so an input that reuses its buffers from one
// account to the next (the natural way to stream) is safe.
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
			acct     persona.Account
			contacts []persona.Contact // the account's contacts, copied
			signals  []Signal          // the account's signals, copied
			out      chan outcome
		}
		jobs := make(chan *job)
		// pending holds each job's result channel in input order; its capacity
		// bounds how many accounts are in flight, and so how many jobs (with
		// their copies of the input) ever exist: free recycles them.
		pending := make(chan chan outcome, 4*workers)
		free := make(chan *job, 4*workers+workers)

		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range jobs {
					r, err := s.Score(j.acct, j.signals, at)
					j.out <- outcome{r, err}
					select {
					case free <- j:
					default: // enough jobs are waiting to be reused
					}
				}
			}()
		}
		wg.Add(1)
		go func() { // the feeder: pulls accounts in order and hands them out
			defer wg.Done()
			defer close(pending)
			defer close(jobs)
			for acct, signals := range accounts {
				var j *job
				select {
				case j = <-free:
				default:
					j = new(job)
				}
				j.contacts = append(j.contacts[:0], acct.Contacts...)
				j.signals = append(j.signals[:0], signals...)
				j.acct = acct
				j.acct.Contacts = j.contacts
				j.out = make(chan outcome, 1)
				select {
				case pending <- j.out:
				case <-ctx.Done():
					return
				}
				select {
				case jobs <- j:
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
