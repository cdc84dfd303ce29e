package scoring

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/villagecx/village/persona"
)

// Signal is one piece of evidence about an account: a survey answer, a
// usage figure, a sentiment reading. It says who it came from (Contact, or
// only the Persona for an anonymous answer), what it measures (Metric, one of
// the model's), its raw Value on the metric's scale, and when (At).
//
// A signal with an empty Persona is resolved through the account's contacts;
// one with a Persona uses it even if the contact's persona has changed since
// (people change roles; what they said was said in the old one). A signal
// with no Contact is an anonymous respondent: it counts as a person of its own.
type Signal struct {
	Account string     `json:"account,omitempty"`
	Contact string     `json:"contact,omitempty"`
	Persona persona.ID `json:"persona,omitempty"`
	Metric  string     `json:"metric"`
	Value   float64    `json:"value"`
	At      time.Time  `json:"at"`
	Source  string     `json:"source,omitempty"`
}

// Dropped is a signal that was not used, and why.
type Dropped struct {
	Signal Signal `json:"signal"`
	Reason Reason `json:"reason"`
}

// prepare checks what can be checked without the account and fills in rc
// from sig at the scoring time now: the normalised value, the age and
// recency weight, the metric and the signal's own persona (-1 if it names
// none). rc is complete only when the reason returned is 0.
func (s *Scorer) prepare(rc *rec, sig *Signal, now *instant) Reason {
	mi := s.metricIndex(sig.Metric)
	if mi < 0 {
		return ReasonUnknownMetric
	}
	m := &s.metrics[mi]
	switch {
	case !finite(sig.Value):
		return ReasonNotFinite
	case sig.Value < m.min || sig.Value > m.max:
		return ReasonOutOfScale
	}
	w := wallOf(sig.At)
	age, ok := now.wallAge(w)
	if !ok {
		var future bool
		if age, future = now.ageOf(&sig.At, w); future {
			return ReasonFuture
		}
	}
	if s.maxAge > 0 && age > s.maxAge {
		return ReasonExpired
	}
	if sig.Contact == "" && sig.Persona == "" {
		return ReasonNoIdentity
	}
	p := -1
	if sig.Persona != "" {
		var ok bool
		if p, ok = s.cat.Index(sig.Persona); !ok {
			return ReasonUnknownPersona
		}
	}
	// The recency weight is kept as its logarithm: weights are only ever
	// compared with each other, and relative to the freshest they neither
	// underflow nor lose precision however old the signals are.
	var lr float64
	if s.halfLife > 0 {
		lr = -float64(age) / float64(s.halfLife)
	}
	rc.sig, rc.x, rc.lr, rc.age, rc.metric, rc.persona = sig, m.normalise(sig.Value), lr, int64(age), int32(mi), int32(p)
	return 0
}

// instant is a scoring time, ready for the signals' times to be compared
// with it: on the wall clock, as time.Time compares times unless both carry
// monotonic clock readings (from time.Now in this process); when it carries
// one, time.Time's own comparison decides.
type instant struct {
	t    time.Time
	wall wallTime
	mono bool // t carries a monotonic clock reading
}

func instantOf(t time.Time) instant { return instant{t: t, wall: wallOf(t), mono: t != t.Round(0)} }

// ageOf returns whether t, on the wall clock at w, is after now, as
// t.After(now.t) says, and if not, t's age: now.t.Sub(t) on the wall clock.
// That is what Sub returns for times without monotonic readings, and for
// times with them the wall-clock difference too, so that a signal's age
// (and so its weight) depends on when things happened, not on whether both
// times came from time.Now in this process. Away from Duration's limits
// (about 292 years) the age is computed directly; Sub's own overflow
// check, a third of its cost, saturates beyond them. t itself is read
// only when now carries a monotonic reading or the age is beyond the
// limits.
func (now *instant) ageOf(t *time.Time, w wallTime) (age time.Duration, future bool) {
	if now.mono {
		future = t.After(now.t)
	} else {
		future = now.wall.before(w)
	}
	if future {
		return 0, true
	}
	if ds := now.wall.sec - w.sec; ds > -9e9 && ds < 9e9 {
		return time.Duration(ds)*time.Second + time.Duration(now.wall.nsec-w.nsec), false
	}
	return now.t.Round(0).Sub(t.Round(0)), false
}

// tenureOf is c's tenure on the wall clock: [Joined, Left), unbounded
// where zero.
func tenureOf(c *persona.Contact) (from, until wallTime) {
	from, until = wallTime{math.MinInt64, 0}, wallTime{math.MaxInt64, 0}
	if !c.Joined.IsZero() {
		from = wallOf(c.Joined)
	}
	if !c.Left.IsZero() {
		until = wallOf(c.Left)
	}
	return from, until
}

// within reports whether now is in the tenure [from, until) on the wall
// clock.
func (now *instant) within(from, until wallTime) bool {
	return !now.wall.before(from) && now.wall.before(until)
}

// activeAt is c.ActiveAt(now.t), on the wall clock (tenureOf) as
// time.Time compares times unless both carry monotonic readings: when now
// carries one, c.ActiveAt itself decides.
func (now *instant) activeAt(c *persona.Contact) bool {
	if now.mono {
		return c.ActiveAt(now.t)
	}
	return now.within(tenureOf(c))
}

// wallAge is ageOf's common case, small enough to be inlined where a
// scoring calls it for every signal: the age of a time at w on the wall
// clock when now carries no monotonic reading, w is not after now and the
// age is within Duration's limits. ok is false in every other case, for
// ageOf to decide.
func (now *instant) wallAge(w wallTime) (age time.Duration, ok bool) {
	ds := now.wall.sec - w.sec
	if now.mono || ds <= -9e9 || ds >= 9e9 || now.wall.before(w) {
		return 0, false
	}
	return time.Duration(ds)*time.Second + time.Duration(now.wall.nsec-w.nsec), true
}

// rec is a signal on its way to a score: prepare checks what needs only
// the scorer and the scoring time and fills in its normalised value, age
// and recency weight; resolve attributes it to a persona and a contact of
// the account and so to a unit; the records are then sorted into canonical
// order (recSorter) and aggregated straight through, one slice in order.
//
// Records sort canonically by persona, contact, metric, time, value and then
// every other field of the signal, so that every sum runs in the same order
// and the same one of two duplicates is kept whatever the order of the input.
type rec struct {
	unit    uint64  // persona, contact rank + 1, metric (unitOf), set by resolve
	age     int64   // nanoseconds before the scoring time, saturated as time.Time.Sub does
	lr      float64 // log2 of the recency weight: -age/HalfLife, 0 without decay
	x       float64 // normalised to 0..100
	sig     *Signal // in the slice being scored
	rank    int32   // contact's rank among the account's contacts by ID; -1 for anonymous
	metric  int32
	persona int32 // persona index: the signal's own, else resolved from the contact; -1 until known
}

// unitOf is the unit a resolved record counts in: its persona, contact
// rank + 1 (0 for an anonymous signal) and metric in one integer, in order.
func unitOf(rc *rec) uint64 {
	return uint64(rc.persona)<<48 | uint64(uint32(rc.rank+1))<<16 | uint64(rc.metric)
}

// compareByTime orders two signals of one unit canonically (see rec): oldest
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

// recSorter sorts resolved records into canonical order (see rec), with
// scratch space kept from call to call.
type recSorter struct {
	counts  []int32
	order   []uint64
	scratch []rec
}

// sort sorts recs canonically for an account with nRanks contact ranks
// (anonymous included), nMetrics metrics and nPersonas personas. Records
// are first put in unit order with no comparison function at all, then
// each run of one unit, a handful of records, is sorted by age and the
// tie-breakers (slices.SortFunc spent a quarter of a scoring calling its
// comparison). Unit order comes from two stable counting sorts, by contact
// rank and metric and then by persona, when there are few of those beside
// the records, as in most accounts; otherwise from sorting each record's
// dense unit code (denseCode) with its index in the low bits.
func (rs *recSorter) sort(recs []rec, nRanks, nMetrics, nPersonas int) {
	n := len(recs)
	if n < 2 {
		return
	}
	if nRanks*nMetrics+nPersonas <= countingRatio*n {
		rs.byCounting(recs, nRanks*nMetrics, nMetrics, nPersonas)
	} else {
		rs.byCodes(recs, nRanks, nMetrics)
	}
	sortRuns(recs)
}

// sortRuns sorts each run of records of one unit in recs by age and the
// tie-breakers, by insertion: a run is a handful of records, and mostly in
// order already.
func sortRuns(recs []rec) {
	lo := 0 // where the current run starts
	for i := 1; i < len(recs); i++ {
		if recs[i].unit != recs[i-1].unit {
			lo = i
			continue
		}
		if !olderFirst(&recs[i], &recs[i-1]) {
			continue
		}
		r := recs[i]
		j := i
		for ; j > lo && olderFirst(&r, &recs[j-1]); j-- {
			recs[j] = recs[j-1]
		}
		recs[j] = r
	}
}

// olderFirst reports whether a goes before b, records of one unit, in the
// canonical order: oldest first, then by the tie-breakers (compareByTime).
func olderFirst(a, b *rec) bool {
	if a.age != b.age {
		return a.age > b.age
	}
	return compareByTime(a.sig, b.sig) < 0
}

// countingRatio is how many buckets a record the counting sorts may walk
// through before sorting codes is cheaper: a bucket costs a few
// instructions, sorting fifty codes about a hundred and thirty a record.
const countingRatio = 16

// byCounting puts recs in unit order by a stable counting sort on
// (contact rank, metric), nRankMetrics buckets, into the scratch space,
// and a stable one on persona back into recs.
func (rs *recSorter) byCounting(recs []rec, nRankMetrics, nMetrics, nPersonas int) {
	counts := resize(rs.counts, max(nRankMetrics, nPersonas)+1)
	rs.counts = counts
	if cap(rs.scratch) < len(recs) {
		rs.scratch = make([]rec, len(recs))
	}
	scratch := rs.scratch[:len(recs)]
	for i := range recs {
		counts[int(recs[i].rank+1)*nMetrics+int(recs[i].metric)+1]++
	}
	for b := 1; b < nRankMetrics; b++ {
		counts[b] += counts[b-1]
	}
	for i := range recs {
		k := int(recs[i].rank+1)*nMetrics + int(recs[i].metric)
		scratch[counts[k]] = recs[i]
		counts[k]++
	}
	clear(counts[:nPersonas+1])
	for i := range scratch {
		counts[scratch[i].persona+1]++
	}
	for b := 1; b < nPersonas; b++ {
		counts[b] += counts[b-1]
	}
	for i := range scratch {
		p := scratch[i].persona
		recs[counts[p]] = scratch[i]
		counts[p]++
	}
}

// byCodes puts recs in unit order by sorting integers: each record's dense
// unit code with its index in the low bits.
func (rs *recSorter) byCodes(recs []rec, nRanks, nMetrics int) {
	order := rs.order[:0]
	for i := range recs {
		order = append(order, denseCode(recs[i].unit, nRanks, nMetrics)<<32|uint64(i))
	}
	slices.Sort(order)
	rs.order = order
	rs.scratch = append(rs.scratch[:0], recs...)
	for i, o := range order {
		recs[i] = rs.scratch[uint32(o)]
	}
}

// denseCode numbers a unit (unitOf) densely, in the same order, with
// nRanks contact ranks (anonymous included) and nMetrics metrics.
func denseCode(unit uint64, nRanks, nMetrics int) uint64 {
	persona, rank1, metric := unit>>48, (unit>>16)&0xFFFFFFFF, unit&0xFFFF
	return (persona*uint64(nRanks)+rank1)*uint64(nMetrics) + metric
}

// compareDropped orders dropped signals canonically.
func compareDropped(a, b Dropped) int {
	if c := compareSignals(&a.Signal, &b.Signal); c != 0 {
		return c
	}
	return cmp.Compare(a.Reason, b.Reason)
}

// compareSignals is a total order on signals: it returns 0 only for signals
// that are the same in every field, down to the sign of a zero value and the
// time zone of the time, so that sorting by it never leaves the input's order
// to decide what is reported.
func compareSignals(a, b *Signal) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	for _, c := range [...]int{
		strings.Compare(a.Contact, b.Contact),
		strings.Compare(string(a.Persona), string(b.Persona)),
		strings.Compare(a.Metric, b.Metric),
		cmp.Compare(a.Value, b.Value),
		strings.Compare(a.Source, b.Source),
		strings.Compare(a.Account, b.Account),
		cmp.Compare(math.Float64bits(a.Value), math.Float64bits(b.Value)),
	} {
		if c != 0 {
			return c
		}
	}
	_, ao := a.At.Zone()
	_, bo := b.At.Zone()
	if ao != bo {
		return cmp.Compare(ao, bo)
	}
	return strings.Compare(a.At.Location().String(), b.At.Location().String())
}

// MarshalJSON encodes the signal with its value as a JSON number, or, when
// the value is NaN or infinite (which JSON numbers cannot hold, and which a
// dropped signal may carry), as the string "NaN", "+Inf" or "-Inf", so that a
// Result listing such a signal still encodes.
func (s Signal) MarshalJSON() ([]byte, error) {
	type plain Signal
	if finite(s.Value) {
		return json.Marshal(plain(s))
	}
	return json.Marshal(struct {
		plain
		Value string `json:"value"`
	}{plain(s), strconv.FormatFloat(s.Value, 'g', -1, 64)})
}

type signalField struct {
	name     string
	required bool
}

// signalFields are the JSON names of Signal's fields, and which of them
// a signal cannot do without.
var signalFields = [...]signalField{{"account", false}, {"contact", false}, {"persona", false}, {"metric", true}, {"value", true}, {"at", true}, {"source", false}}

// UnmarshalJSON decodes what MarshalJSON encodes: the value as a number or
// as one of the strings "NaN", "+Inf", "-Inf". It is strict, so that a
// typo never scores as a value of 0: a field that is not one of Signal's
// (a misspelt "valeu") is a *FieldError wrapping ErrUnknownField, and a
// metric, value or at that is missing or null one wrapping
// ErrMissingField, each naming the field (all of them, joined, in the order
// of the JSON names). Names match as encoding/json matches them, ignoring
// case.
func (s *Signal) UnmarshalJSON(data []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	var errs []error
	unknown := make([]string, 0, len(fields))
	for name := range fields {
		if !slices.ContainsFunc(signalFields[:], func(f signalField) bool { return strings.EqualFold(f.name, name) }) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		errs = append(errs, fieldErr(name, string(fields[name]), ErrUnknownField))
	}
	for _, f := range signalFields {
		if !f.required {
			continue
		}
		present := false
		for name, raw := range fields {
			if strings.EqualFold(name, f.name) && string(raw) != "null" {
				present = true
			}
		}
		if !present {
			errs = append(errs, fieldErr(f.name, nil, ErrMissingField))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	type plain Signal
	var v struct {
		plain
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*s = Signal(v.plain)
	if v.Value[0] == '"' {
		var text string
		if err := json.Unmarshal(v.Value, &text); err != nil {
			return err
		}
		switch text {
		case "NaN", "+Inf", "-Inf":
			s.Value, _ = strconv.ParseFloat(text, 64)
			return nil
		}
		return fmt.Errorf("scoring: signal value %q is not a number", text)
	}
	return json.Unmarshal(v.Value, &s.Value)
}
