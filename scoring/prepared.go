package scoring

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/villagecx/village/persona"
)

// Batch is a customer base prepared once for one Scorer, so that scoring it
// (ScoreBatch), at one time or at many, does no string work: each account's
// contacts are ranked by ID once; every signal's metric, contact and
// persona are resolved to small integers and its value normalised once; the
// signals that can never be used (unknown metric, not finite, off the
// scale) are set aside with their reason; and the rest are held in columns
// in the canonical order Score sorts them into. What depends on the scoring
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
	slow     []bool // the account lists a contact twice: Score reports it

	// Contacts: account a's, by ID, are ranks contactStart[a] to
	// contactStart[a+1] of byID (indices into its Contacts).
	contactStart []int32
	byID         []int32
	rankPersona  []int32 // the contact's persona index, -1 if unknown
	rankUnmapped []bool

	// Set aside: account a's are setAside[setAsideStart[a]:setAsideStart[a+1]].
	setAsideStart []int32
	setAside      []Dropped

	// Records: account a's are recStart[a] to recStart[a+1], in canonical
	// order (see prepareAccount).
	recStart []int32
	sig      []*Signal
	x        []float64
	unit     []uint64 // the record's unit in recKey form
	metric   []int32
	persona  []int32
	rank     []int32
	before   []Reason // why it is dropped if it is neither in the future nor too old
	after    []Reason // why it is dropped if its contact is in the account
}

// NewBatch prepares accounts for scoring by s, signals[i] being the signals
// of accounts[i] (signals may be shorter: the rest have none). The only
// error is more signal lists than accounts; an account that Score would
// reject (a contact listed twice) is kept as it is and ScoreBatch reports
// it as Score would.
func (s *Scorer) NewBatch(accounts []persona.Account, signals [][]Signal) (*Batch, error) {
	if len(signals) > len(accounts) {
		return nil, fmt.Errorf("scoring: %d signal lists for %d accounts: %w", len(signals), len(accounts), ErrInvalidValue)
	}
	b := &Batch{s: s, accounts: accounts, signals: signals, slow: make([]bool, len(accounts))}
	b.contactStart = append(b.contactStart, 0)
	b.setAsideStart = append(b.setAsideStart, 0)
	b.recStart = append(b.recStart, 0)
	var p batchPrep
	for a := range accounts {
		var sigs []Signal
		if a < len(signals) {
			sigs = signals[a]
		}
		b.prepareAccount(&p, a, sigs)
	}
	return b, nil
}

// Len returns the number of accounts in the batch.
func (b *Batch) Len() int { return len(b.accounts) }

// batchPrep is NewBatch's scratch space, reused from account to account.
type batchPrep struct {
	ws    workspace
	order []uint64
	idx   []int32
}

// prepareAccount appends account a's contacts and records to b.
func (b *Batch) prepareAccount(p *batchPrep, a int, signals []Signal) {
	s, acct := b.s, &b.accounts[a]
	ws := &p.ws
	ws.byID, ws.ranked = ws.byID[:0], ws.ranked[:0]
	if err := s.sortContacts(ws, acct, time.Time{}); err != nil {
		b.slow[a] = true // scored by Score itself, which reports the error
		b.contactStart = append(b.contactStart, int32(len(b.byID)))
		b.setAsideStart = append(b.setAsideStart, int32(len(b.setAside)))
		b.recStart = append(b.recStart, int32(len(b.sig)))
		return
	}
	b.byID = append(b.byID, ws.byID...)
	for _, rc := range ws.ranked {
		b.rankPersona = append(b.rankPersona, rc.persona)
		b.rankUnmapped = append(b.rankUnmapped, rc.unmapped)
	}
	b.contactStart = append(b.contactStart, int32(len(b.byID)))

	// Resolve what does not depend on the scoring time, in the order
	// prepare and resolve check it: the reasons before the time checks
	// (metric, value, scale) set the signal aside; those between the time
	// checks and the contact's tenure (identity, persona named, account,
	// contact) are kept as before, the rest as after.
	first := len(b.sig)
	nRanks := uint64(len(ws.byID) + 1)
	p.order = p.order[:0]
	for i := range signals {
		sig := &signals[i]
		mi := s.metricIndex(sig.Metric)
		var early Reason
		switch {
		case mi < 0:
			early = ReasonUnknownMetric
		case !finite(sig.Value):
			early = ReasonNotFinite
		case sig.Value < s.metrics[mi].min || sig.Value > s.metrics[mi].max:
			early = ReasonOutOfScale
		}
		if early != 0 {
			b.setAside = append(b.setAside, Dropped{Signal: *sig, Reason: early})
			continue
		}
		rc := rec{sig: sig, metric: int32(mi), persona: -1, rank: -1}
		var before, after Reason
		switch {
		case sig.Contact == "" && sig.Persona == "":
			before = ReasonNoIdentity
		case sig.Persona != "" && !s.personaKnown(sig.Persona, &rc):
			before = ReasonUnknownPersona
		case sig.Account != "" && sig.Account != acct.ID:
			before = ReasonWrongAccount
		case sig.Contact != "":
			if rc.rank = int32(s.findContact(ws, acct.Contacts, sig.Contact)); rc.rank < 0 {
				before = ReasonUnknownContact
			}
		}
		if before == 0 {
			if sig.Persona == "" && rc.rank >= 0 {
				if ws.ranked[rc.rank].unmapped {
					after = ReasonUnmappedContact
				}
				rc.persona = ws.ranked[rc.rank].persona
			}
			switch {
			case after != 0:
			case rc.persona < 0:
				after = ReasonUnknownPersona
			case s.metricWeight[int(rc.persona)*s.nMetrics+int(rc.metric)] == 0:
				after = ReasonMetricNotWeighted
			}
		}
		k := makeKey(&rc, 0)
		code := uint64(1)<<31 - 1 // the records to drop go last, in any order
		if before == 0 && after == 0 {
			persona, rank1, metric := k.unit>>48, (k.unit>>16)&0xFFFFFFFF, k.unit&0xFFFF
			code = (persona*nRanks+rank1)*uint64(s.nMetrics) + metric
		}
		p.order = append(p.order, code<<32|uint64(len(b.sig)-first))
		b.sig = append(b.sig, sig)
		b.x = append(b.x, s.metrics[mi].normalise(sig.Value))
		b.unit = append(b.unit, k.unit)
		b.metric = append(b.metric, rc.metric)
		b.persona = append(b.persona, rc.persona)
		b.rank = append(b.rank, rc.rank)
		b.before = append(b.before, before)
		b.after = append(b.after, after)
	}
	b.setAsideStart = append(b.setAsideStart, int32(len(b.setAside)))

	// The canonical order of Score's keys: by unit, then oldest first, then
	// the tie-breakers. Ordering by time is ordering by age at any scoring
	// time (the age falls as the time rises, and ties on age are broken by
	// time), so the order holds whenever the batch is scored.
	slices.Sort(p.order)
	p.idx = p.idx[:0]
	for _, o := range p.order {
		p.idx = append(p.idx, int32(uint32(o)))
	}
	for lo := 0; lo < len(p.idx); {
		hi := lo + 1
		for hi < len(p.idx) && p.order[hi]>>32 == p.order[lo]>>32 {
			hi++
		}
		if p.order[lo]>>32 != uint64(1)<<31-1 {
			run := p.idx[lo:hi]
			slices.SortStableFunc(run, func(i, j int32) int { return compareByTime(b.sig[first+int(i)], b.sig[first+int(j)]) })
		}
		lo = hi
	}
	permute(b, first, p.idx)
	b.recStart = append(b.recStart, int32(len(b.sig)))
}

// compareByTime orders two signals of one unit as compareKeys does: oldest
// first, then by value, then by every other field.
func compareByTime(a, b *Signal) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	if a.Value != b.Value {
		if a.Value < b.Value {
			return -1
		}
		return 1
	}
	return compareSignals(a, b)
}

// permute puts the records from first on into the order idx gives
// (relative to first).
func permute(b *Batch, first int, idx []int32) {
	reorder(b.sig[first:], idx)
	reorder(b.x[first:], idx)
	reorder(b.unit[first:], idx)
	reorder(b.metric[first:], idx)
	reorder(b.persona[first:], idx)
	reorder(b.rank[first:], idx)
	reorder(b.before[first:], idx)
	reorder(b.after[first:], idx)
}

// reorder sets col[i] = old col[idx[i]].
func reorder[T any](col []T, idx []int32) {
	old := slices.Clone(col)
	for i, j := range idx {
		col[i] = old[j]
	}
}

// personaKnown resolves a signal's own persona into rc.
func (s *Scorer) personaKnown(id persona.ID, rc *rec) bool {
	p, ok := s.cat.Index(id)
	rc.persona = int32(p)
	return ok
}

// ScoreBatch scores every account of b at time at and yields the results in
// order, as ScoreEach does: each *Result is lent until the next iteration,
// nothing is allocated per account once the buffers have grown, and the
// results are identical whatever the number of workers. b must have been
// prepared by s (NewBatch).
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
	return scoreChunks(ctx, opts, fill, work)
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
	if b.slow[a] {
		var sigs []Signal
		if a < len(b.signals) {
			sigs = b.signals[a]
		}
		return s.score(dst, acct, sigs, at, nil)
	}
	ws := s.reset(dst, acct, at)
	dst.Dropped = append(dst.Dropped, b.setAside[b.setAsideStart[a]:b.setAsideStart[a+1]]...)
	lo, hi := b.contactStart[a], b.contactStart[a+1]
	ws.byID = append(ws.byID, b.byID[lo:hi]...)
	for r := lo; r < hi; r++ {
		ws.ranked = append(ws.ranked, rankedContact{persona: b.rankPersona[r], unmapped: b.rankUnmapped[r],
			active: acct.Contacts[b.byID[r]].ActiveAt(at)})
	}
	if len(acct.Committee) > 0 {
		s.indexContacts(ws, acct) // role seats find their contacts by ID
	}
	v, err := s.villageFor(dst, ws, acct, at)
	if err != nil {
		return err
	}
	for j := b.recStart[a]; j < b.recStart[a+1]; j++ {
		sig := b.sig[j]
		var reason Reason
		var age time.Duration
		switch {
		case sig.At.After(at):
			reason = ReasonFuture
		case b.before[j] != 0:
			age = ageAt(at, sig.At)
			reason = b.before[j]
			if s.maxAge > 0 && age > s.maxAge {
				reason = ReasonExpired
			}
		default:
			age = ageAt(at, sig.At)
			switch rank := b.rank[j]; {
			case s.maxAge > 0 && age > s.maxAge:
				reason = ReasonExpired
			case rank >= 0 && !ws.ranked[rank].active:
				reason = ReasonInactiveContact
			case b.after[j] != 0:
				reason = b.after[j]
				if reason == ReasonMetricNotWeighted && rank >= 0 {
					ws.ranked[rank].heard = true
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
		ws.recs = append(ws.recs, rec{sig: sig, x: b.x[j], lr: lr, age: age, metric: b.metric[j], persona: b.persona[j], rank: b.rank[j]})
		ws.keys = append(ws.keys, recKey{unit: b.unit[j], age: int64(age), value: sig.Value, idx: int32(len(ws.recs) - 1)})
	}
	s.aggregate(dst, ws, v, acct, at)
	return nil
}
