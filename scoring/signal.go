package scoring

import (
	"cmp"
	"encoding/json"
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

// rec is a signal that passed the checks that need only the scorer and the
// scoring time (prepare), with its normalised value and recency weight; resolve
// then attributes it to a contact and a persona of the account.
type rec struct {
	sig     *Signal // in the slice being scored
	x       float64 // normalised to 0..100
	lr      float64 // log2 of the recency weight: -age/HalfLife, 0 without decay
	age     time.Duration
	metric  int32
	persona int32 // persona index: the signal's own, else resolved from the contact; -1 until known
	rank    int32 // contact's rank among the account's contacts by ID; -1 for anonymous
}

// prepare checks what can be checked without the account and computes the
// normalised value and recency weight, at the scoring time now.
func (s *Scorer) prepare(sig *Signal, now *instant) (rec, Reason) {
	mi := s.metricIndex(sig.Metric)
	if mi < 0 {
		return rec{}, ReasonUnknownMetric
	}
	m := &s.metrics[mi]
	switch {
	case !finite(sig.Value):
		return rec{}, ReasonNotFinite
	case sig.Value < m.min || sig.Value > m.max:
		return rec{}, ReasonOutOfScale
	}
	age, future := now.ageOf(&sig.At, wallOf(sig.At))
	if future {
		return rec{}, ReasonFuture
	}
	if s.maxAge > 0 && age > s.maxAge {
		return rec{}, ReasonExpired
	}
	if sig.Contact == "" && sig.Persona == "" {
		return rec{}, ReasonNoIdentity
	}
	p := -1
	if sig.Persona != "" {
		var ok bool
		if p, ok = s.cat.Index(sig.Persona); !ok {
			return rec{}, ReasonUnknownPersona
		}
	}
	// The recency weight is kept as its logarithm: weights are only ever
	// compared with each other, and relative to the freshest they neither
	// underflow nor lose precision however old the signals are.
	var lr float64
	if s.halfLife > 0 {
		lr = -float64(age) / float64(s.halfLife)
	}
	return rec{sig: sig, x: m.normalise(sig.Value), lr: lr, age: age, metric: int32(mi), persona: int32(p)}, 0
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

// orderedRec is a resolved record, sorted into canonical order before it is
// aggregated: its unit and age, which decide the order, beside its value
// and recency weight, so that aggregation runs through one slice in order.
//
// Records sort canonically by persona, contact, metric, time, value and then
// every other field of the signal, so that every sum runs in the same order
// and the same one of two duplicates is kept whatever the order of the input.
type orderedRec struct {
	unit    uint64 // persona, contact rank + 1, metric (unitOf)
	age     int64  // nanoseconds before the scoring time, saturated as time.Time.Sub does
	lr      float64
	x       float64
	sig     *Signal
	rank    int32
	metric  int32
	persona int32
}

// unitOf is the unit a resolved record counts in: its persona, contact
// rank + 1 (0 for an anonymous signal) and metric in one integer, in order.
func unitOf(rc *rec) uint64 {
	return uint64(rc.persona)<<48 | uint64(uint32(rc.rank+1))<<16 | uint64(rc.metric)
}

// ordered is rc resolved, to be sorted and aggregated.
func ordered(rc *rec) orderedRec {
	return orderedRec{unit: unitOf(rc), age: int64(rc.age), lr: rc.lr, x: rc.x, sig: rc.sig,
		rank: rc.rank, metric: rc.metric, persona: rc.persona}
}

// compareRecs is the canonical order: by unit, oldest first, then by time
// (ages saturate about 292 years out; times do not), value and every other
// field of the signal.
func compareRecs(a, b *orderedRec) int {
	if a.unit != b.unit {
		return cmp.Compare(a.unit, b.unit)
	}
	if a.age != b.age {
		return cmp.Compare(b.age, a.age) // oldest first
	}
	return compareByTime(a.sig, b.sig)
}

// recLess is compareRecs(a, b) < 0 with the common cases inline: records
// of different units or ages never reach the tie-breakers.
func recLess(a, b *orderedRec) bool {
	if a.unit != b.unit {
		return a.unit < b.unit
	}
	if a.age != b.age {
		return a.age > b.age // oldest first
	}
	return compareByTime(a.sig, b.sig) < 0
}

// compareByTime orders two signals of one unit, as compareRecs does: oldest
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

// sortRecs sorts recs canonically (compareRecs), with order and scratch as
// scratch space, grown as needed and returned for the next call. Records
// are first put in unit order by sorting integers, each unit's dense code
// (persona, contact rank, metric: nRanks contact ranks and nMetrics
// metrics) with the record's index in the low bits, with no comparison
// function at all; then each run of one unit, a handful of records, is
// sorted by age and the tie-breakers. slices.SortFunc spent a quarter of
// a scoring calling its comparison.
func sortRecs(recs []orderedRec, order []uint64, scratch []orderedRec, nRanks, nMetrics int) ([]uint64, []orderedRec) {
	n := len(recs)
	if n < 2 {
		return order, scratch
	}
	order = order[:0]
	for i := range recs {
		order = append(order, denseCode(recs[i].unit, nRanks, nMetrics)<<32|uint64(i))
	}
	slices.Sort(order)
	scratch = append(scratch[:0], recs...)
	for i, o := range order {
		recs[i] = scratch[uint32(o)]
	}
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && recs[hi].unit == recs[lo].unit {
			hi++
		}
		for i := lo + 1; i < hi; i++ {
			for j := i; j > lo && recLess(&recs[j], &recs[j-1]); j-- {
				recs[j], recs[j-1] = recs[j-1], recs[j]
			}
		}
		lo = hi
	}
	return order, scratch
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

// UnmarshalJSON decodes what MarshalJSON encodes: the value as a number or
// as one of the strings "NaN", "+Inf", "-Inf".
func (s *Signal) UnmarshalJSON(data []byte) error {
	type plain Signal
	var v struct {
		plain
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*s = Signal(v.plain)
	if len(v.Value) == 0 || string(v.Value) == "null" {
		s.Value = 0
		return nil
	}
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
