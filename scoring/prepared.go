package scoring

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/villagecx/village/persona"
)

// Batch is a customer base prepared once for one Scorer, so that scoring it
// (ScoreBatch), at one time or at many, does no string work: each account's
// contacts are ranked by ID once; every signal's metric, contact and
// persona are resolved to small integers and its value normalised once; the
// signals that can never be used (unknown metric, not finite, off the
// scale) are set aside with their reason; and the rest are held in compact
// records, free of pointers, in the canonical order Score sorts them into. What depends on the scoring
// time (a signal in the future or too old, a contact not in the account
// then, the recency weights) is decided when scoring.
//
// Scoring a Batch gives, for every account, the Result Score gives, bit for
// bit: the arithmetic is the same, only the work done once is not repeated.
//
// A Batch refers to the accounts and signals it was built from: they must
// not change while it is in use. It is safe for concurrent use.
type Batch struct {
	s        *Scorer
	accounts []persona.Account
	signals  [][]Signal
	// parts hold the prepared accounts, prepared in parallel: part k
	// holds accounts first[k] to first[k+1].
	parts []batchPart
	first []int
	// chunks keeps ScoreBatch's chunks, Results grown, from one call to
	// the next.
	chunks sync.Pool
}

// batchPart holds the prepared accounts of a Batch, or of a share of one
// while NewBatch prepares the shares in parallel. Account a's contacts, by
// ID, are contacts[contactStart[a]:contactStart[a+1]], its signals set
// aside setAside[setAsideStart[a]:...] and its records
// recs[recStart[a]:...], in canonical order (see prepareAccount).
type batchPart struct {
	slow          []bool // the account lists a contact twice: Score scores it and reports that
	contactStart  []int32
	contacts      []batchContact
	setAsideStart []int32
	setAside      []Dropped
	recStart      []int32
	recs          []batchRec
}

// batchContact is a contact of a prepared account, at its rank by ID.
type batchContact struct {
	index       int32 // in the account's Contacts
	persona     int32 // index in the catalog, -1 if unknown
	unmapped    bool
	from, until wallTime // tenure: [Joined, Left), unbounded where zero
}

// wallTime is a time on the wall clock: seconds since 1970 and nanoseconds.
type wallTime struct {
	sec  int64
	nsec int32
}

func wallOf(t time.Time) wallTime { return wallTime{t.Unix(), int32(t.Nanosecond())} }

func (w wallTime) before(u wallTime) bool {
	return w.sec < u.sec || w.sec == u.sec && w.nsec < u.nsec
}

// batchRec is a signal of a prepared account, resolved as far as the
// scoring time allows. It holds no pointer, so that the garbage collector
// has nothing to scan in a batch's records.
type batchRec struct {
	x       float64 // normalised to 0..100
	unit    uint64  // unitOf: persona, contact rank + 1, metric
	atSec   int64   // sig.At on the wall clock
	atNsec  int32
	idx     int32 // the signal's index in the account's signals
	metric  int32
	persona int32
	rank    int32
	before  Reason // why it is dropped if it is neither in the future nor too old
	after   Reason // why it is dropped if its contact is in the account then
}

// NewBatch prepares accounts for scoring by s, signals[i] being the signals
// of accounts[i] (signals may be shorter: the rest have none), on all cores.
// The errors are more signal lists than accounts, and an account with more
// than 2^31-1 signals (records are indexed by int32); an account that Score
// would reject (a contact listed twice) is kept as it is and ScoreBatch
// reports it as Score would.
func (s *Scorer) NewBatch(accounts []persona.Account, signals [][]Signal) (*Batch, error) {
	if len(signals) > len(accounts) {
		return nil, fmt.Errorf("scoring: %d signal lists for %d accounts: %w", len(signals), len(accounts), ErrInvalidValue)
	}
	for a, sigs := range signals {
		if len(sigs) > math.MaxInt32 {
			return nil, fmt.Errorf("scoring: account %q has %d signals, more than a batch holds: %w", accounts[a].ID, len(sigs), ErrInvalidValue)
		}
	}
	b := &Batch{s: s, accounts: accounts, signals: signals}
	// Parts of at least 1,024 accounts, one a core, each small enough that
	// its records are indexed by int32.
	shares := min(runtime.GOMAXPROCS(0), max(len(accounts)/1024, 1))
	total := 0
	for _, sigs := range signals {
		total += len(sigs)
	}
	shares = max(shares, total/(math.MaxInt32/2)+1)
	b.parts = make([]batchPart, shares)
	for k := range shares + 1 {
		b.first = append(b.first, k*len(accounts)/shares)
	}
	var wg sync.WaitGroup
	for k := range b.parts {
		wg.Go(func() {
			part, lo, hi := &b.parts[k], b.first[k], b.first[k+1]
			nSignals, nContacts := 0, 0
			for a := lo; a < hi; a++ {
				nContacts += len(accounts[a].Contacts)
				if a < len(signals) {
					nSignals += len(signals[a])
				}
			}
			part.recs = make([]batchRec, 0, nSignals)
			part.contacts = make([]batchContact, 0, nContacts)
			part.slow = make([]bool, 0, hi-lo)
			part.contactStart = make([]int32, 1, hi-lo+1)
			part.setAsideStart = make([]int32, 1, hi-lo+1)
			part.recStart = make([]int32, 1, hi-lo+1)
			var p batchPrep
			for a := lo; a < hi; a++ {
				var sigs []Signal
				if a < len(signals) {
					sigs = signals[a]
				}
				part.prepareAccount(s, &p, &accounts[a], sigs)
			}
		})
	}
	wg.Wait()
	return b, nil
}

// part returns the part holding account a, and a's index in it.
func (b *Batch) part(a int) (*batchPart, int) {
	k := 0
	for b.first[k+1] <= a {
		k++
	}
	return &b.parts[k], a - b.first[k]
}

// Len returns the number of accounts in the batch.
func (b *Batch) Len() int { return len(b.accounts) }

// batchPrep is the scratch space of preparing accounts, reused from one
// account to the next.
type batchPrep struct {
	ws      workspace
	pending []batchRec
	order   []uint64
}

// dropLast is the unit code that sorts the records to be dropped last.
const dropLast = uint64(1)<<31 - 1

// prepareAccount appends acct's contacts and records to part.
func (part *batchPart) prepareAccount(s *Scorer, p *batchPrep, acct *persona.Account, signals []Signal) {
	ws := &p.ws
	ws.byID, ws.ranked = ws.byID[:0], ws.ranked[:0]
	never := instantOf(time.Time{}) // tenure is checked when scoring
	err := s.sortContacts(ws, acct, &never)
	part.slow = append(part.slow, err != nil)
	if err != nil { // scored by Score itself, which reports the error
		part.contactStart = append(part.contactStart, int32(len(part.contacts)))
		part.setAsideStart = append(part.setAsideStart, int32(len(part.setAside)))
		part.recStart = append(part.recStart, int32(len(part.recs)))
		return
	}
	for rank, ci := range ws.byID {
		c := &acct.Contacts[ci]
		bc := batchContact{index: ci, persona: ws.ranked[rank].persona, unmapped: ws.ranked[rank].unmapped}
		bc.from, bc.until = tenureOf(c)
		part.contacts = append(part.contacts, bc)
		ws.ranked[rank].active = true // tenure is checked when scoring
	}
	part.contactStart = append(part.contactStart, int32(len(part.contacts)))

	// Resolve what does not depend on the scoring time. prepare and resolve
	// themselves do it, at the signal's own time (neither future nor too
	// old) and with every contact in the account, in their order: the
	// value's reasons set the signal aside; the identity's and the
	// contact's are kept as before (the time is checked first), the
	// persona's and the metric weight's as after (the tenure first).
	nRanks := len(ws.byID) + 1
	p.pending, p.order = p.pending[:0], p.order[:0]
	for i := range signals {
		sig := &signals[i]
		own := instantOf(sig.At)
		var rc rec
		reason := s.prepare(&rc, sig, &own)
		if reason == ReasonUnknownMetric || reason == ReasonNotFinite || reason == ReasonOutOfScale {
			part.setAside = append(part.setAside, Dropped{Signal: *sig, Reason: reason})
			continue
		}
		rc.rank = -1
		if reason == 0 {
			reason = s.resolve(&rc, ws, acct)
		}
		var before, after Reason
		if reason == ReasonNoIdentity || reason == ReasonUnknownPersona && sig.Persona != "" ||
			reason == ReasonWrongAccount || reason == ReasonUnknownContact {
			before = reason
		} else {
			after = reason
		}
		w := wallOf(sig.At)
		br := batchRec{x: rc.x, atSec: w.sec, atNsec: w.nsec,
			idx: int32(i), metric: rc.metric, persona: rc.persona, rank: rc.rank, before: before, after: after}
		code := dropLast // the records to drop go last, in any order
		if before == 0 && after == 0 {
			br.unit = rc.unit
			code = denseCode(br.unit, nRanks, s.nMetrics)
		}
		p.order = append(p.order, code<<32|uint64(len(p.pending)))
		p.pending = append(p.pending, br)
	}
	part.setAsideStart = append(part.setAsideStart, int32(len(part.setAside)))

	// The canonical order of Score's records: by unit, then oldest first, then
	// the tie-breakers. Ordering by time is ordering by age at any scoring
	// time (the age falls as the time rises, and ties on age are broken by
	// time), so the order holds whenever the batch is scored.
	slices.Sort(p.order)
	for lo := 0; lo < len(p.order); {
		hi := lo + 1
		for hi < len(p.order) && p.order[hi]>>32 == p.order[lo]>>32 {
			hi++
		}
		if hi-lo > 1 && p.order[lo]>>32 != dropLast {
			slices.SortStableFunc(p.order[lo:hi], func(i, j uint64) int {
				return compareByTime(&signals[p.pending[uint32(i)].idx], &signals[p.pending[uint32(j)].idx])
			})
		}
		lo = hi
	}
	for _, o := range p.order {
		part.recs = append(part.recs, p.pending[uint32(o)])
	}
	part.recStart = append(part.recStart, int32(len(part.recs)))
}

// ScoreBatch scores every account of b at time at and yields the results in
// order, as ScoreEach does: each *Result is lent until the next iteration
// (the last one until the next ScoreBatch of b), nothing is allocated per
// account once the buffers have grown, nor per call once b has been scored, the results
// are identical whatever the number of workers, and cancelling ctx or
// breaking off stops the workers. b must have been prepared by s
// (NewBatch); a batch of another scorer yields (nil, ErrForeignBatch) once.
func (s *Scorer) ScoreBatch(ctx context.Context, b *Batch, at time.Time, opts *BatchOptions) iter.Seq2[*Result, error] {
	if b.s != s {
		return func(yield func(*Result, error) bool) {
			yield(nil, ErrForeignBatch)
		}
	}
	fill := func(get func() *chunk, send func(*chunk) bool) {
		for first := 0; first < b.Len(); first += chunkSize {
			c := get()
			c.first = first
			c.size(min(chunkSize, b.Len()-first))
			if !send(c) {
				return
			}
		}
	}
	work := func(c *chunk) {
		for i := range c.n {
			c.errs[i] = s.scorePrepared(&c.results[i], b, c.first+i, at)
		}
	}
	return scoreChunks(ctx, opts, &b.chunks, fill, work)
}

// ScoreBatchInto scores account i of b into dst, as ScoreInto would score
// it from its signals.
func (s *Scorer) ScoreBatchInto(dst *Result, b *Batch, i int, at time.Time) error {
	if b.s != s {
		return ErrForeignBatch
	}
	return s.scorePrepared(dst, b, i, at)
}

// scorePrepared is ScoreInto for account a of b.
func (s *Scorer) scorePrepared(dst *Result, b *Batch, a int, at time.Time) error {
	acct := &b.accounts[a]
	var sigs []Signal
	if a < len(b.signals) {
		sigs = b.signals[a]
	}
	part, i := b.part(a)
	if part.slow[i] {
		return s.score(dst, acct, sigs, at, nil)
	}
	ws := s.reset(dst, acct, at)
	dst.Dropped = append(dst.Dropped, part.setAside[part.setAsideStart[i]:part.setAsideStart[i+1]]...)
	// Tenures compare on the wall clock, as in instant.activeAt: the
	// contacts decide (ActiveAt) only where the scoring time carries a
	// monotonic reading, as one of theirs may too.
	now := instantOf(at)
	for _, c := range part.contacts[part.contactStart[i]:part.contactStart[i+1]] {
		active := now.within(c.from, c.until)
		if now.mono {
			active = acct.Contacts[c.index].ActiveAt(at)
		}
		ws.byID = append(ws.byID, c.index)
		ws.ranked = append(ws.ranked, rankedContact{persona: c.persona, unmapped: c.unmapped, active: active})
	}
	if len(acct.Committee) > 0 {
		s.indexContacts(ws, acct) // role seats find their contacts by ID
	}
	v, err := s.villageFor(dst, ws, acct, at)
	if err != nil {
		return err
	}
	recs := part.recs[part.recStart[i]:part.recStart[i+1]]
	for j := range recs {
		br := &recs[j]
		sig := &sigs[br.idx]
		var reason Reason
		w := wallTime{br.atSec, br.atNsec}
		age, ok := now.wallAge(w)
		future := false
		if !ok {
			age, future = now.ageOf(&sig.At, w)
		}
		if future {
			reason = ReasonFuture
		} else {
			switch {
			case s.maxAge > 0 && age > s.maxAge:
				reason = ReasonExpired
			case br.before != 0:
				reason = br.before
			case br.rank >= 0 && !ws.ranked[br.rank].active:
				reason = ReasonInactiveContact
			case br.after != 0:
				reason = br.after
				if reason == ReasonMetricNotWeighted && br.rank >= 0 { // they spoke, as resolve marks it
					ws.ranked[br.rank].heard = true
				}
			}
		}
		if reason != 0 {
			dst.Dropped = append(dst.Dropped, Dropped{Signal: *sig, Reason: reason})
			continue
		}
		var lr float64
		if s.halfLife > 0 {
			lr = -float64(age) / float64(s.halfLife)
		}
		// The records are in canonical order already.
		ws.ordered = append(ws.ordered, rec{unit: br.unit, age: int64(age), lr: lr, x: br.x, sig: sig,
			rank: br.rank, metric: br.metric, persona: br.persona})
	}
	s.aggregate(dst, ws, v, acct, at)
	return nil
}

// ScoreBatchAll scores every account of b at time at and returns their
// Results, results[i] being account i's, each the caller's to keep: what
// ScoreBatch followed by Clone gives, without an allocation per account.
// The Results' slices are cut from large blocks shared by neighbouring
// Results (each slice's capacity ends where it does, so appending to one
// never touches another); a block is freed when none of its Results is
// referenced any more.
//
// The workers take chunks of accounts as they free up and write each
// Result in its place, with no hand-off in order: on two cores the second
// worker does nearly a whole worker's share. The results are identical
// whatever the number of workers.
//
// An account Score would reject (a contact listed twice) has the Result
// Score returns with the error; the error returned joins those errors in
// account order (errors.Is finds ErrDuplicateContact). opts.Progress, if
// set, is called on the caller's goroutine now and then with the number of
// accounts scored so far, and once with b.Len() at the end. When ctx is
// cancelled the workers stop after their current chunk and ScoreBatchAll
// returns (nil, ctx.Err()). A batch of another scorer is ErrForeignBatch.
func (s *Scorer) ScoreBatchAll(ctx context.Context, b *Batch, at time.Time, opts *BatchOptions) ([]Result, error) {
	if b.s != s {
		return nil, ErrForeignBatch
	}
	workers, progress := opts.settings()
	results := make([]Result, b.Len())
	errs := make([]error, b.Len())
	var next, done atomic.Int64
	// scoreSome scores chunks until there are none left or ctx is
	// cancelled; after each it calls after, if set.
	scoreSome := func(after func()) {
		var lent Result
		blocks := resultBlocks{size: blockLen}
		for ctx.Err() == nil {
			first := int(next.Add(allChunkSize)) - allChunkSize
			if first >= len(results) {
				return
			}
			last := min(first+allChunkSize, len(results))
			for a := first; a < last; a++ {
				errs[a] = s.scorePrepared(&lent, b, a, at)
				results[a] = blocks.keep(&lent)
			}
			done.Add(int64(last - first))
			if after != nil {
				after()
			}
		}
	}
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(func() { scoreSome(nil) })
	}
	var report func()
	if progress != nil {
		report = func() { progress(int(done.Load())) }
	}
	scoreSome(report) // the caller's goroutine is a worker too
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if progress != nil {
		progress(len(results))
	}
	return results, errors.Join(errs...)
}

// allChunkSize is how many accounts a worker of ScoreBatchAll takes at a
// time: the hand-out is one atomic addition, so chunks can be small enough
// to keep both cores busy to the end.
const allChunkSize = 64

// resultBlocks holds the blocks that kept Results' slices are cut from.
type resultBlocks struct {
	size     int // the elements a new block holds at least; 0: just the slice cut
	personas []PersonaScore
	groups   []GroupScore
	ids      []persona.ID
	dropped  []Dropped
	terms    []Term
	seats    []persona.Seat
}

// keep returns a copy of r that owns its slices, cut from the blocks
// (Clone is keep with blocks of no more than each slice).
func (bl *resultBlocks) keep(r *Result) Result {
	c := *r
	c.scratch = nil
	c.Personas = cut(&bl.personas, bl.size, r.Personas)
	c.Groups = cut(&bl.groups, bl.size, r.Groups)
	c.Missing = cut(&bl.ids, bl.size, r.Missing)
	c.SingleThreaded = cut(&bl.ids, bl.size, r.SingleThreaded)
	c.Dropped = cut(&bl.dropped, bl.size, r.Dropped)
	c.Terms = cut(&bl.terms, bl.size, r.Terms)
	c.Committee = cut(&bl.seats, bl.size, r.Committee)
	return c
}

// blockLen is how many elements a block of kept slices holds: a few
// dozen Results' worth, so that a Result kept alone holds little else.
const blockLen = 256

// cut copies src to the end of *block, starting a new block of at least
// size elements when it does not fit, and returns the copy, capped at its
// length; nil for an empty src, as Clone gives.
func cut[T any](block *[]T, size int, src []T) []T {
	if len(src) == 0 {
		return nil
	}
	if cap(*block)-len(*block) < len(src) {
		*block = make([]T, 0, max(len(src), size))
	}
	start := len(*block)
	*block = append(*block, src...)
	return (*block)[start:len(*block):len(*block)]
}
