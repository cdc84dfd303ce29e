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

// settings returns the number of workers and the progress function that
// opts (nil for the defaults) asks for.
func (opts *BatchOptions) settings() (workers int, progress func(int)) {
	if opts != nil {
		workers, progress = opts.Workers, opts.Progress
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return workers, progress
}

// ScoreAll scores a stream of accounts, each with its signals, at time at,
// and yields the results in input order with any per-account error (see
// Score). Each Result is the caller's to keep. Accounts are pulled from the
// input only as workers free up, so a stream far larger than memory can be
// scored; at most a few chunks of accounts per worker are in flight.
//
// ScoreAll copies each account's contacts and signals before it pulls the
// next account from the input, so an input that reuses its buffers from one
// account to the next (the natural way to stream) is safe.
//
// The results are identical whatever the number of workers. When ctx is
// cancelled, ScoreAll stops promptly and yields one final (Result{}, ctx.Err()).
// Stopping the iteration early (break) stops the workers too.
//
// ScoreEach is the same without allocating a Result per account. A base
// held in memory is scored faster prepared once (NewBatch) and scored with
// ScoreBatchAll, which keeps every Result, or ScoreBatch, which lends them.
func (s *Scorer) ScoreAll(ctx context.Context, accounts iter.Seq2[persona.Account, []Signal], at time.Time, opts *BatchOptions) iter.Seq2[Result, error] {
	return func(yield func(Result, error) bool) {
		for r, err := range s.ScoreEach(ctx, accounts, at, opts) {
			if r == nil {
				yield(Result{}, err)
				return
			}
			if !yield(r.Clone(), err) {
				return
			}
		}
	}
}

// chunkSize is how many accounts a worker takes at a time: enough that the
// hand-off costs little against the scoring, few enough that the work stays
// spread over the workers and memory bounded. With the channels' capacities
// below, at most 2*workers + 5 chunks exist: 100,000 streamed accounts peak
// at 14.6 MiB of live heap with ScoreEach and 15.9 MiB with ScoreAll on 2
// workers (one more chunk kept for reuse: 15.8-16.8 MiB; one fewer: 12.7
// MiB, but scoring in memory a quarter slower, chunks being made anew;
// 64-account chunks and twice the capacities held 33 MiB, at no measurable
// gain in speed).
const chunkSize = 32

// chunk is a run of consecutive accounts handed to one worker: its own
// copies of their contacts, seats and signals, and their results, all reused when
// the chunk comes round again.
type chunk struct {
	accounts []persona.Account
	contacts []persona.Contact // every account's, back to back
	seats    []persona.Seat    // every account's committee, back to back
	seatEnd  []int
	signals  []Signal // every account's, back to back
	sigEnd   []int    // signals[sigEnd[i-1]:sigEnd[i]] are account i's
	conEnd   []int
	first    int // the index of the first account in a Batch (ScoreBatch)
	n        int // how many accounts: results[:n] and errs[:n] are theirs
	results  []Result
	errs     []error
	done     chan struct{} // a worker puts one token in it when the chunk is scored
}

// add copies one account and its signals into the chunk.
func (c *chunk) add(acct persona.Account, signals []Signal) {
	c.contacts = append(c.contacts, acct.Contacts...)
	c.seats = append(c.seats, acct.Committee...)
	c.seatEnd = append(c.seatEnd, len(c.seats))
	c.signals = append(c.signals, signals...)
	c.conEnd = append(c.conEnd, len(c.contacts))
	c.sigEnd = append(c.sigEnd, len(c.signals))
	acct.Contacts, acct.Committee = nil, nil // set to the chunk's copies once the chunk is full
	c.accounts = append(c.accounts, acct)
}

// ScoreEach is ScoreAll lending each Result instead of giving it: the
// *Result yielded is valid only until the next iteration, and is reused
// (with its slices) for a later account, so that nothing is allocated per
// account once the buffers have grown. Clone a Result to keep it. After
// cancellation the final pair is (nil, ctx.Err()); otherwise the Result is
// never nil.
func (s *Scorer) ScoreEach(ctx context.Context, accounts iter.Seq2[persona.Account, []Signal], at time.Time, opts *BatchOptions) iter.Seq2[*Result, error] {
	fill := func(get func() *chunk, send func(*chunk) bool) {
		var c *chunk
		for acct, signals := range accounts {
			if c == nil {
				c = get()
			}
			c.add(acct, signals)
			if len(c.accounts) == chunkSize {
				c.seal()
				if !send(c) {
					return
				}
				c = nil
			}
		}
		if c != nil {
			c.seal()
			send(c)
		}
	}
	work := func(c *chunk) {
		for i := range c.accounts {
			c.errs[i] = s.ScoreInto(&c.results[i], c.accounts[i], c.signals[c.sigStart(i):c.sigEnd[i]], at)
		}
	}
	return scoreChunks(ctx, opts, nil, fill, work)
}

// scoreChunks runs work on chunks of accounts on opts.Workers goroutines and
// yields their results in order. fill runs on a goroutine of its own: it
// takes empty chunks (new or recycled) from get, fills them (sizing their
// results with seal or size) and hands them out in order with send, which
// reports false once the iteration has stopped. With a pool, the chunks
// kept for reuse outlive the iteration there, their Results grown, for the
// next iteration to take.
func scoreChunks(ctx context.Context, opts *BatchOptions, pool *sync.Pool, fill func(get func() *chunk, send func(*chunk) bool), work func(*chunk)) iter.Seq2[*Result, error] {
	workers, progress := opts.settings()
	return func(yield func(*Result, error) bool) {
		ctx, cancel := context.WithCancel(ctx)

		jobs := make(chan *chunk)
		// pending holds the chunks in input order; its capacity bounds how
		// many are in flight, and so how many ever exist: free recycles them.
		pending := make(chan *chunk, workers+1)
		free := make(chan *chunk, workers+2)

		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := range jobs {
					work(c)
					c.done <- struct{}{}
				}
			}()
		}
		wg.Add(1)
		go func() { // the feeder: fills chunks in order and hands them out
			defer wg.Done()
			defer close(pending)
			defer close(jobs)
			get := func() *chunk {
				var c *chunk
				select {
				case c = <-free:
				default:
					if pool != nil {
						c, _ = pool.Get().(*chunk)
					}
					if c == nil {
						c = new(chunk)
					}
				}
				c.reset()
				return c
			}
			send := func(c *chunk) bool {
				select {
				case pending <- c:
				case <-ctx.Done():
					return false
				}
				select {
				case jobs <- c:
				case <-ctx.Done():
					return false
				}
				return true
			}
			fill(get, send)
		}()
		// On the way out, stop the feeder and the workers and wait for them, so
		// that nothing touches the input once the iteration has returned;
		// then keep the chunks waiting for reuse in the pool.
		defer func() {
			cancel()
			wg.Wait()
			if pool != nil {
				for {
					select {
					case c := <-free:
						pool.Put(c)
					default:
						return
					}
				}
			}
		}()

		done := 0
		for c := range pending {
			select {
			case <-c.done:
			case <-ctx.Done():
				yield(nil, ctx.Err())
				return
			}
			for i := range c.n {
				if ctx.Err() != nil {
					break // reported below
				}
				if !yield(&c.results[i], c.errs[i]) {
					return
				}
				done++
				if progress != nil {
					progress(done)
				}
			}
			select {
			case free <- c:
			default: // enough chunks are waiting to be reused
				if pool != nil {
					pool.Put(c)
				}
			}
		}
		if err := ctx.Err(); err != nil {
			yield(nil, err)
		}
	}
}

// reset empties the chunk for reuse, keeping its buffers.
func (c *chunk) reset() {
	c.accounts = c.accounts[:0]
	c.contacts = c.contacts[:0]
	c.seats = c.seats[:0]
	c.seatEnd = c.seatEnd[:0]
	c.signals = c.signals[:0]
	c.sigEnd = c.sigEnd[:0]
	c.conEnd = c.conEnd[:0]
	if c.done == nil {
		c.done = make(chan struct{}, 1)
	}
	select { // a token left by a worker whose chunk was never consumed (cancelled)
	case <-c.done:
	default:
	}
}

// seal points each account at its contacts and seats, now that the buffer is final,
// and sizes the results.
func (c *chunk) seal() {
	c.size(len(c.accounts))
	start, seatStart := 0, 0
	for i := range c.accounts {
		c.accounts[i].Contacts = c.contacts[start:c.conEnd[i]:c.conEnd[i]]
		c.accounts[i].Committee = c.seats[seatStart:c.seatEnd[i]:c.seatEnd[i]]
		start, seatStart = c.conEnd[i], c.seatEnd[i]
	}
}

// size makes room for the results of n accounts.
func (c *chunk) size(n int) {
	c.n = n
	for len(c.results) < n {
		c.results = append(c.results, Result{})
	}
	c.errs = resize(c.errs, n)
}

// sigStart is where account i's signals begin.
func (c *chunk) sigStart(i int) int {
	if i == 0 {
		return 0
	}
	return c.sigEnd[i-1]
}
