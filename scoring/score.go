package scoring

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/villagecx/village/persona"
)

// workspace is the scratch space of one scoring, kept in a Result so that
// ScoreInto allocates nothing once the Result has grown to size.
type workspace struct {
	means   *[]MetricMean   // when set (MetricMeans), each persona's metric means are recorded here
	ordered []rec           // the records resolved, to aggregate in canonical order
	units   []unit          // the person-level units of the persona being aggregated
	byID    []int32         // account contact indices sorted by contact ID
	keys    []contactKey    // scratch for sortByID, in the order of byID
	ranked  []rankedContact // the contact at each rank of byID
	index   []uint64        // open-addressing hash table of contact IDs: upper half of the hash, rank + 1; 0 for empty
	sorter  recSorter
	metric  []metricAcc
	persona []personaAcc
	group   []groupAcc
	village village   // the account's own, when committee seats change the model's
	exp2    exp2Cache // recency weights already computed, kept from call to call
}

// exp2Cache memoises math.Exp2 by the bits of its argument. The recency
// weights' exponents are differences of ages over the half-life, which
// repeat wherever ages repeat (signals dated by the day, waves of surveys),
// and a hit returns exactly what math.Exp2 returns: the cache changes the
// time, never a bit of a result. Direct-mapped, 256 entries.
type exp2Cache struct {
	keys [256]uint64 // the argument's bits + 1, so that the zero value matches nothing
	vals [256]float64
}

func (c *exp2Cache) exp2(x float64) float64 {
	if x == 0 {
		return 1 // the freshest signal of a unit: most units have one
	}
	bits := math.Float64bits(x)
	i := (bits * 0x9E3779B97F4A7C15) >> 56
	if c.keys[i] == bits+1 {
		return c.vals[i]
	}
	v := math.Exp2(x)
	c.keys[i], c.vals[i] = bits+1, v
	return v
}

type rankedContact struct {
	persona  int32 // index in the catalog; -1 if unknown
	active   bool  // in the account at the scoring time
	unmapped bool  // persona.Unmapped: the role is not known
	heard    bool  // some signal of the contact was used, or dropped only for a metric not weighted
}

// unit is one (persona, contact, metric): the recency-weighted mean of the
// contact's signals on the metric, counted once with the log2 weight of its
// freshest signal.
type unit struct {
	rank   int32 // contact rank; -1 for an anonymous signal, a person of its own
	metric int32
	lw     float64
}

// metricAcc sums a persona's units on one metric. The weights are kept
// relative to the largest seen (2^top), so that the squares in sw2 cannot
// underflow whatever the ages: Kish's size is the same for weights scaled by
// a constant.
type metricAcc struct {
	top                float64 // log2 of the largest unit weight so far
	sw, swx, sw2, swxx float64 // sums over units of w, w*x, w^2, w*x^2, with w relative to 2^top
	sw2a               float64 // sum over units of w^2/a, a the unit's effective number of answers
	people             int32   // the number of units: people heard on the metric
	anonymous          bool    // some unit is an anonymous signal, a person the account does not list
}

// add adds a unit of mean x, log2 weight lw and effective number of
// answers a (Kish's, of its signals' recency weights).
func (ma *metricAcc) add(lw, x, a float64, e *exp2Cache) {
	if ma.sw == 0 {
		ma.top = lw
	} else if lw > ma.top {
		f := e.exp2(ma.top - lw)
		ma.sw *= f
		ma.swx *= f
		ma.swxx *= f
		ma.sw2 *= f * f
		ma.sw2a *= f * f
		ma.top = lw
	}
	w := e.exp2(lw - ma.top)
	ma.sw += w
	ma.swx += w * x
	ma.swxx += w * x * x
	ma.sw2 += w * w
	ma.sw2a += w * w / a
	ma.people++
}

// noiseSum returns the sum that stands for sum(w^2) in the effective number
// of independent answers behind ma's mean, n = sw^2/noiseSum, for a persona
// with the given number of members in the account (Model.PersonSpread).
// Without PersonSpread it is sum(w^2): Kish's size of the people. With it,
// each person's mean is their true level (between people: a share 1-omega
// of Spread^2) plus their own noise (a share omega, over their a answers),
// and the target is the mean level of the persona's members in the account,
// so the between-people part counts only for the members not heard:
// sum(w^2 * ((1-omega)*(1-h/N) + omega/a)), h the people heard and N the
// members. Where the account's list cannot be the population (an anonymous
// answer, or more people heard than it lists), N is taken as unknown and
// h/N as 0.
func (s *Scorer) noiseSum(ma *metricAcc, members int32) float64 {
	if s.within == 0 {
		return ma.sw2
	}
	heard := 0.0
	if !ma.anonymous && ma.people <= members {
		heard = float64(ma.people) / float64(members)
	}
	return (1-s.within)*(1-heard)*ma.sw2 + s.within*ma.sw2a
}

type personaAcc struct {
	heard    bool
	atPrior  bool // not heard, counted at the prior (Model.Unheard)
	raw      float64
	theta    float64 // shrunk score
	variance float64
	n        float64 // effective number of independent answers: 1/sum(W_m^2/n_m)
	members  int32   // active contacts of the persona in the account, with Model.PersonSpread
	people   float64 // sum over people of their squared share of the persona's score
	contacts int
	signals  int
	weight   float64 // share of the account score
}

type groupAcc struct {
	heardWeight float64 // sum of the weights of the personas heard or counted at the prior
	score       float64
	variance    float64
	argmin      int // the lowest persona heard, when minSet
	minSet      bool
}

func (w *workspace) reset(nPersonas, nMetrics, nGroups int) {
	w.ordered = w.ordered[:0]
	w.units = w.units[:0]
	w.byID = w.byID[:0]
	w.ranked = w.ranked[:0]
	w.metric = resize(w.metric, nMetrics)
	w.persona = resize(w.persona, nPersonas)
	w.group = resize(w.group, nGroups)
}

// resize returns s with length n and every element zero, reusing its array.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// Score scores acct at time at from signals. Bad signals are not errors:
// each lands in Result.Dropped with its reason. The only error is an account
// that lists the same contact ID twice (ErrDuplicateContact), because its
// signals could not be attributed.
//
// Score is safe for concurrent use. The signals are not modified.
func (s *Scorer) Score(acct persona.Account, signals []Signal, at time.Time) (Result, error) {
	return s.scoreWith(acct, signals, at, nil)
}

// scoreWith scores into a new Result with pooled scratch space.
func (s *Scorer) scoreWith(acct persona.Account, signals []Signal, at time.Time, dropped []Dropped) (Result, error) {
	ws, _ := s.workspaces.Get().(*workspace)
	if ws == nil {
		ws = new(workspace)
	}
	r := Result{scratch: ws}
	err := s.score(&r, &acct, signals, at, dropped)
	r.scratch = nil
	s.workspaces.Put(ws)
	return r, err
}

// ScoreInto is Score writing into a caller-owned Result, reusing its slices
// and scratch space: once dst has grown to the size of the accounts scored,
// it allocates nothing. dst must not be used by two goroutines at once.
func (s *Scorer) ScoreInto(dst *Result, acct persona.Account, signals []Signal, at time.Time) error {
	return s.score(dst, &acct, signals, at, nil)
}

// score is ScoreInto with signals already dropped (by an Accumulator) added
// to the result: it checks each signal (prepare), attributes it to a
// persona and a contact of acct (resolve) or drops it with the reason,
// sorts what is left into canonical order and aggregates it person ->
// persona -> group -> account into dst.
func (s *Scorer) score(dst *Result, acct *persona.Account, signals []Signal, at time.Time, dropped []Dropped) error {
	ws := s.reset(dst, acct, at)
	dst.Dropped = append(dst.Dropped, dropped...)
	now := instantOf(at)
	if err := s.sortContacts(ws, acct, &now); err != nil {
		return err
	}
	v, err := s.villageFor(dst, ws, acct, at)
	if err != nil {
		return err
	}
	// Each signal is prepared in the next free record, which is kept if
	// the signal is used.
	if cap(ws.ordered) < len(signals) {
		ws.ordered = make([]rec, 0, len(signals))
	}
	recs, n := ws.ordered[:len(signals)], 0
	for i := range signals {
		rc := &recs[n]
		reason := s.prepare(rc, &signals[i], &now)
		if reason == 0 {
			reason = s.resolve(rc, ws, acct)
		}
		if reason != 0 {
			dst.Dropped = append(dst.Dropped, Dropped{Signal: signals[i], Reason: reason})
			continue
		}
		n++
	}
	ws.ordered = recs[:n]
	ws.sorter.sort(ws.ordered, len(ws.byID)+1, s.nMetrics, s.cat.Len())
	s.aggregate(dst, ws, v, acct, at)
	return nil
}

// reset readies dst for a new scoring and returns its workspace.
func (s *Scorer) reset(dst *Result, acct *persona.Account, at time.Time) *workspace {
	if dst.scratch == nil {
		dst.scratch = new(workspace)
	}
	ws := dst.scratch
	ws.reset(s.cat.Len(), s.nMetrics, len(s.groupWeight))
	*dst = Result{
		Account:        acct.ID,
		At:             at,
		Baseline:       s.model.PriorMean,
		Personas:       dst.Personas[:0],
		Groups:         dst.Groups[:0],
		Missing:        dst.Missing[:0],
		SingleThreaded: dst.SingleThreaded[:0],
		Dropped:        dst.Dropped[:0],
		Terms:          dst.Terms[:0],
		Committee:      dst.Committee[:0],
		scratch:        ws,
	}
	return ws
}

// aggregate completes dst from the records in ws.ordered, resolved and in
// canonical order: persona by persona, then the relationship events, the
// fit term, and the groups and the account in village v.
func (s *Scorer) aggregate(dst *Result, ws *workspace, v *village, acct *persona.Account, at time.Time) {
	if s.within > 0 { // the finite population of each persona (noiseSum)
		for i := range ws.ranked {
			if c := &ws.ranked[i]; c.active && c.persona >= 0 && !c.unmapped {
				ws.persona[c.persona].members++
			}
		}
	}
	recs := ws.ordered
	for i := 0; i < len(recs); {
		p := recs[i].persona
		end := i + 1
		for end < len(recs) && recs[end].persona == p {
			end++
		}
		s.aggregatePersona(dst, ws, int(p), recs[i:end])
		i = end
	}

	s.events(dst, ws, acct, at)
	if ft := s.model.Fit; ft != nil {
		if fit := ft.Profile.Score(acct); fit != 0 && ft.Points != 0 {
			dst.Terms = append(dst.Terms, Term{Kind: TermFit, FitScore: fit, Points: ft.Points * fit})
		}
	}
	s.combine(dst, ws, v)
	if len(dst.Dropped) > 1 {
		slices.SortFunc(dst.Dropped, compareDropped)
	}
}

// aggregatePersona computes persona p's score from its records, in
// canonical order.
//
// Person level: each (persona, contact, metric) unit is the recency-weighted
// mean of its signals and counts once, with the weight of its freshest signal.
// Persona level: the metric-weighted mean over contacts, shrunk to the prior.
func (s *Scorer) aggregatePersona(dst *Result, ws *workspace, p int, recs []rec) {
	clear(ws.metric)
	ws.units = ws.units[:0]
	pa := &ws.persona[p]
	lastRank := int32(math.MinInt32)
	for i := 0; i < len(recs); {
		u := &recs[i]
		if u.rank != lastRank || u.rank < 0 {
			pa.contacts++
			lastRank = u.rank
		}
		// An anonymous signal is a unit of its own; a contact's unit runs
		// while the record's unit does. Records run oldest first, so the
		// freshest signal, which weighs 1 relative to the others, is the last.
		end := i + 1
		for u.rank >= 0 && end < len(recs) && recs[end].unit == u.unit {
			end++
		}
		top := recs[end-1].lr
		var srx, sr, srr float64
		for j := i; j < end; j++ {
			rc := &recs[j]
			if j > i && rc.age == recs[j-1].age && rc.sig.At.Equal(recs[j-1].sig.At) {
				dst.Dropped = append(dst.Dropped, Dropped{Signal: *rc.sig, Reason: ReasonDuplicate})
				continue
			}
			r := 1.0 // the unit's freshest signal, and most units have only it
			if j < end-1 {
				r = ws.exp2.exp2(rc.lr - top)
			}
			srx += r * rc.x
			sr += r
			srr += r * r
			pa.signals++
		}
		ws.metric[u.metric].add(top, srx/sr, sr*sr/srr, &ws.exp2)
		if u.rank < 0 {
			ws.metric[u.metric].anonymous = true
		}
		ws.units = append(ws.units, unit{rank: u.rank, metric: u.metric, lw: top})
		if u.rank >= 0 {
			ws.ranked[u.rank].heard = true
		}
		i = end
	}

	weights := s.metricWeight[p*s.nMetrics : (p+1)*s.nMetrics]
	var wsum float64
	for m := range ws.metric {
		if ws.metric[m].sw > 0 {
			wsum += weights[m]
		}
	}
	var invN float64
	for m := range ws.metric {
		ma := &ws.metric[m]
		if ma.sw == 0 {
			continue
		}
		wm := weights[m] / wsum
		x := ma.swx / ma.sw
		pa.raw += wm * x
		noise := s.noiseSum(ma, pa.members)
		invN += wm * wm * noise / (ma.sw * ma.sw)
		if ws.means != nil {
			*ws.means = append(*ws.means, MetricMean{Persona: s.personaIDs[p], Metric: s.metrics[m].name, Mean: x,
				N: ma.sw * ma.sw / noise, Var: max(ma.swxx/ma.sw-x*x, 0)})
		}
	}
	pa.raw = clamp100(pa.raw)

	// Each person's share of the persona's score, summed over the metrics
	// they answered, for the account's effective number of people. Units run
	// by contact, so a contact's units are adjacent.
	for i := 0; i < len(ws.units); {
		var share float64
		j := i
		for ; j < len(ws.units) && (j == i || (ws.units[i].rank >= 0 && ws.units[j].rank == ws.units[i].rank)); j++ {
			un := &ws.units[j]
			ma := &ws.metric[un.metric]
			share += weights[un.metric] / wsum * ws.exp2.exp2(un.lw-ma.top) / ma.sw
		}
		pa.people += share * share
		i = j
	}

	pa.heard = true
	pa.n = 1 / invN
	if s.metricShrink { // each metric toward its own prior
		pa.theta, pa.variance = s.metricWeighted(p, ws.metric, pa.members, s.metricsAtPrior)
	} else { // the persona as a whole toward the one prior
		k := s.model.PriorStrength
		pa.theta = (pa.n*pa.raw + k*s.model.PriorMean) / (pa.n + k)
		pa.variance = s.model.Spread * s.model.Spread / (pa.n + k)
	}
	pa.theta = clamp100(pa.theta)
	dst.SignalsUsed += pa.signals
}

// events adds a term for each of the model's relationship events that
// happened in acct within its window before at, naming the most recent.
func (s *Scorer) events(dst *Result, ws *workspace, acct *persona.Account, at time.Time) {
	for _, ev := range s.model.Events {
		var latest time.Time
		var who persona.ID
		window := time.Duration(ev.Within)
		for rank, ci := range ws.byID {
			c := &acct.Contacts[ci]
			switch {
			case ev.Role == persona.RoleUnspecified && c.Persona != ev.Persona:
				continue
			case ev.Kind == EventLeft && c.LeftWithin(at, window) && c.Left.After(latest) &&
				(ev.Role == persona.RoleUnspecified || holdsRole(acct, c.ID, ev.Role, c.Left.Add(-time.Nanosecond))):
				latest, who = c.Left, c.Persona
			case ev.Kind == EventJoinedUnheard && c.JoinedWithin(at, window) && c.Joined.After(latest) &&
				!ws.ranked[rank].heard && ws.ranked[rank].active &&
				(ev.Role == persona.RoleUnspecified || holdsRole(acct, c.ID, ev.Role, at)):
				latest, who = c.Joined, c.Persona
			}
		}
		if !latest.IsZero() {
			dst.Terms = append(dst.Terms, Term{Kind: TermKind(ev.Kind), Persona: who, Role: ev.Role, Age: Duration(at.Sub(latest)), Points: ev.Points})
		}
	}
}

// holdsRole reports whether a SeatRole of acct in force at t gives contact
// the role.
func holdsRole(acct *persona.Account, contact string, role persona.Role, t time.Time) bool {
	for i := range acct.Committee {
		seat := &acct.Committee[i]
		if seat.Kind == persona.SeatRole && seat.Contact == contact && seat.Role == role && seat.ActiveAt(t) {
			return true
		}
	}
	return false
}

// metricWeighted returns persona p's score under per-metric shrinkage and
// its variance: the metric-weighted sum of the metrics' posteriors
// (metricPosterior) over the metrics heard in acc (nil: none), with the
// weights renormalised over them, or, with all, over every metric with
// weight, the ones not heard at their priors; members is the persona's
// members in the account (noiseSum).
func (s *Scorer) metricWeighted(p int, acc []metricAcc, members int32, all bool) (theta, variance float64) {
	weights := s.metricWeight[p*s.nMetrics : (p+1)*s.nMetrics]
	heard := func(m int) bool { return acc != nil && acc[m].sw > 0 }
	var wsum float64
	for m, w := range weights {
		if all || heard(m) {
			wsum += w
		}
	}
	var none metricAcc
	for m, w := range weights {
		if w == 0 || !(all || heard(m)) {
			continue
		}
		ma := &none
		if heard(m) {
			ma = &acc[m]
		}
		mean, v := s.metricPosterior(p, m, ma, members)
		theta += w / wsum * mean
		variance += (w / wsum) * (w / wsum) * v
	}
	return theta, variance
}

// metricPosterior returns persona p's shrunk mean on metric m and its
// variance: (n*x + k*mean)/(n + k) and Spread^2/(n + k) for a metric heard
// from n effective independent answers (noiseSum) with mean x, the prior
// itself (variance Spread^2/k) for one not heard.
func (s *Scorer) metricPosterior(p, m int, ma *metricAcc, members int32) (mean, variance float64) {
	mu, k := s.priorMean[p*s.nMetrics+m], s.priorK[p*s.nMetrics+m]
	spread2 := s.model.Spread * s.model.Spread
	if ma.sw == 0 {
		return mu, spread2 / k
	}
	n := ma.sw * ma.sw / s.noiseSum(ma, members)
	return (n*ma.swx/ma.sw + k*mu) / (n + k), spread2 / (n + k)
}

// sortContacts fills ws.byID with the account's contact indices sorted by ID,
// and ws.ranked with what the scoring at now needs to know of each; it
// rejects a duplicate ID.
func (s *Scorer) sortContacts(ws *workspace, acct *persona.Account, now *instant) error {
	sortByID(ws, acct.Contacts)
	var lastPersona persona.ID // contacts of one persona often come together
	p := -1
	for i, ci := range ws.byID {
		if i > 0 && !keyLess(&ws.keys[i-1], &ws.keys[i], acct.Contacts) { // sorted: not less is equal
			return fmt.Errorf("scoring: account %q: contact %q: %w", acct.ID, acct.Contacts[ci].ID, ErrDuplicateContact)
		}
		if id := acct.Contacts[ci].Persona; i == 0 || id != lastPersona {
			var ok bool
			if p, ok = s.cat.Index(id); !ok {
				p = -1
			}
			lastPersona = id
		}
		ws.ranked = append(ws.ranked, rankedContact{persona: int32(p), active: now.activeAt(&acct.Contacts[ci]),
			unmapped: acct.Contacts[ci].Persona == persona.Unmapped})
	}
	s.indexContacts(ws, acct)
	return nil
}

// indexContacts builds ws.index over the contacts ranked in ws.byID, for
// findContact.
func (s *Scorer) indexContacts(ws *workspace, acct *persona.Account) {
	// The hash index of the IDs, at most a quarter full, so that a signal
	// mostly finds its contact in the first slot; each slot holds the
	// upper half of its ID's hash beside rank + 1, so that a string is
	// compared only where the hashes agree.
	size := 8
	for size < 4*len(ws.byID) {
		size *= 2
	}
	ws.index = resize(ws.index, size)
	for rank, ci := range ws.byID {
		h := hashString(s.seed, acct.Contacts[ci].ID)
		for i := h & uint64(size-1); ; i = (i + 1) & uint64(size-1) {
			if ws.index[i] == 0 {
				ws.index[i] = h&^math.MaxUint32 | uint64(rank+1)
				break
			}
		}
	}
}

// resolve attributes rc to a persona and a contact of acct, and so to its
// unit. rc's rank and persona are set as far as they were resolved even
// when a reason is returned: NewBatch keeps them for the checks it leaves
// to the scoring time (the contact's tenure comes before the persona's and
// the metric weight's reasons).
func (s *Scorer) resolve(rc *rec, ws *workspace, acct *persona.Account) Reason {
	if rc.sig.Account != "" && rc.sig.Account != acct.ID {
		return ReasonWrongAccount
	}
	rc.rank = -1
	if rc.sig.Contact != "" {
		rank := s.findContact(ws, acct.Contacts, rc.sig.Contact)
		if rank < 0 {
			return ReasonUnknownContact
		}
		if !ws.ranked[rank].active {
			return ReasonInactiveContact
		}
		rc.rank = int32(rank)
		if rc.sig.Persona == "" {
			if ws.ranked[rank].unmapped {
				return ReasonUnmappedContact
			}
			rc.persona = ws.ranked[rank].persona
		}
	}
	if rc.persona < 0 {
		return ReasonUnknownPersona
	}
	if s.metricWeight[int(rc.persona)*s.nMetrics+int(rc.metric)] == 0 {
		if rc.rank >= 0 { // the contact spoke, on a metric their persona's score does not weigh
			ws.ranked[rc.rank].heard = true
		}
		return ReasonMetricNotWeighted
	}
	rc.unit = unitOf(rc)
	return 0
}

// MetricMean is one persona's mean on one metric in one account before any
// shrinkage (the recency-weighted mean over its people, each counted once),
// with Kish's effective number of people behind it and the weighted
// variance of the people's means around it (0 for one person).
type MetricMean struct {
	Persona persona.ID `json:"persona"`
	Metric  string     `json:"metric"`
	Mean    float64    `json:"mean"`
	N       float64    `json:"n"`
	Var     float64    `json:"var"`
}

// MetricMeans returns what Score would combine for acct: every persona's
// mean on every metric heard, in catalog then model order, computed by the
// same code as Score. It is what empirical priors are estimated from
// (calibrate.EstimatePriors). The error is Score's.
func (s *Scorer) MetricMeans(acct persona.Account, signals []Signal, at time.Time) ([]MetricMean, error) {
	var means []MetricMean
	r := Result{scratch: &workspace{means: &means}}
	err := s.score(&r, &acct, signals, at, nil)
	return means, err
}

// AccountScorer scores one account at a time from its signals. The built-in
// *Scorer implements it; so can a user's own model. Package scoringtest
// checks an implementation against the contract:
//
//   - the same input gives the same Result, whatever the order of signals;
//   - Score is within [0, 100] and inside [Low, High], nothing is NaN;
//   - the parts add up: Result.Sum() == Score (baseline, contributions,
//     prior contribution, terms, veto adjustment);
//   - every signal is either used or in Dropped with a reason;
//   - raising one persona's answers never lowers the account's score;
//   - bad data never panics.
type AccountScorer interface {
	Score(acct persona.Account, signals []Signal, at time.Time) (Result, error)
}

var _ AccountScorer = (*Scorer)(nil)

// findContact returns the rank in ws.byID of the contact with the given
// ID, or -1, through the hash index sortContacts built.
func (s *Scorer) findContact(ws *workspace, contacts []persona.Contact, id string) int {
	mask := uint64(len(ws.index) - 1)
	h := hashString(s.seed, id)
	for i := h & mask; ; i = (i + 1) & mask {
		slot := ws.index[i]
		if slot == 0 {
			return -1
		}
		if rank := int(uint32(slot) - 1); slot&^math.MaxUint32 == h&^math.MaxUint32 && contacts[ws.byID[rank]].ID == id {
			return rank
		}
	}
}

// FlatAverage is the naive health score this package exists to replace: the
// plain mean of every usable signal, normalised to 0..100 as Score does, with
// no persona, no recency weight and no nesting, so that the most talkative
// people dominate. It is here as a baseline to compare against. Signals that
// Score would drop before looking at the account (unknown metric, NaN, off
// the scale, future, expired) are skipped; n is the number averaged, and the
// mean is 0 when n is 0.
func (s *Scorer) FlatAverage(signals []Signal, at time.Time) (mean float64, n int) {
	var sum float64
	now := instantOf(at)
	for i := range signals {
		var rc rec
		if reason := s.prepare(&rc, &signals[i], &now); reason == 0 {
			sum += rc.x
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	return sum / float64(n), n
}
