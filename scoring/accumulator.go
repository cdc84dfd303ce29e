package scoring

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/villagecx/village/persona"
)

// Accumulator collects one account's signals for scoring at a fixed time.
// Signals can be added in any order, in pieces on different machines, and the
// pieces merged in any order: Result gives the same answer as Score on all
// the signals at once. This is what lets a distributed engine (a Beam
// CombineFn, a Spark aggregator) score a customer base: add is AddInput,
// Merge is MergeAccumulators, Result is ExtractOutput, and MarshalBinary /
// UnmarshalBinary move the state between workers.
//
// Add checks each signal at once against the model and the scoring time; what
// needs the account's contacts (who said it, are they still there) is checked
// by Result. The state grows with the number of signals kept: duplicates can
// only be recognised with every signal at hand.
//
// An Accumulator is not safe for concurrent use.
type Accumulator struct {
	s       *Scorer
	account string
	at      time.Time
	kept    []Signal // signals that passed Add's checks
	dropped []Dropped
}

// NewAccumulator returns an empty accumulator for the account with the given
// ID, scoring at time at.
func (s *Scorer) NewAccumulator(account string, at time.Time) *Accumulator {
	return &Accumulator{s: s, account: account, at: at}
}

// Account returns the ID of the account the accumulator is for.
func (a *Accumulator) Account() string { return a.account }

// At returns the scoring time.
func (a *Accumulator) At() time.Time { return a.at }

// Len returns the number of signals added so far, kept or dropped.
func (a *Accumulator) Len() int { return len(a.kept) + len(a.dropped) }

// Add adds one signal.
func (a *Accumulator) Add(sig Signal) {
	now := instantOf(a.at)
	var rc rec
	if reason := a.s.prepare(&rc, &sig, &now); reason != 0 {
		a.dropped = append(a.dropped, Dropped{Signal: sig, Reason: reason})
		return
	}
	a.kept = append(a.kept, sig)
}

// Merge adds everything in b to a. Both must be for the same account and
// time (else ErrWrongAccount) and from the same Scorer. b is not changed.
func (a *Accumulator) Merge(b *Accumulator) error {
	if a.account != b.account || !a.at.Equal(b.at) {
		return fmt.Errorf("scoring: merging accumulator for %q at %v into %q at %v: %w",
			b.account, b.at, a.account, a.at, ErrWrongAccount)
	}
	if a.s != b.s {
		return fmt.Errorf("scoring: merging accumulators of different scorers: %w", ErrWrongAccount)
	}
	a.kept = append(a.kept, b.kept...)
	a.dropped = append(a.dropped, b.dropped...)
	return nil
}

// Result scores acct from the accumulated signals, as Score would. acct.ID
// must be the accumulator's account (else ErrWrongAccount). The accumulator
// is not changed and can take more signals afterwards.
func (a *Accumulator) Result(acct persona.Account) (Result, error) {
	if acct.ID != a.account {
		return Result{}, fmt.Errorf("scoring: account %q given to the accumulator of %q: %w", acct.ID, a.account, ErrWrongAccount)
	}
	return a.s.scoreWith(acct, a.kept, a.at, a.dropped)
}

// The binary encoding, version 1:
//
//	"VLA1"
//	account string, at (time.Time binary form, length-prefixed)
//	string table: count, then each string
//	kept signals: count, then each signal
//	dropped signals: count, then each signal followed by its reason byte
//
// A string is a uvarint length and its bytes. A signal is five uvarint
// indices into the string table (account, contact, persona, metric, source),
// the value's IEEE 754 bits as 8 little-endian bytes, and its time as a
// varint of Unix seconds and a uvarint of nanoseconds (UTC).
const accMagic = "VLA1"

// MarshalBinary encodes the accumulator's state: the account, the time and
// every signal added, so that UnmarshalBinary on another machine restores
// an accumulator that gives the same Result.
func (a *Accumulator) MarshalBinary() ([]byte, error) {
	atBytes, err := a.at.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("scoring: encoding accumulator time: %w", err)
	}
	strs := newStringTable()
	for i := range a.kept {
		strs.addSignal(&a.kept[i])
	}
	for i := range a.dropped {
		strs.addSignal(&a.dropped[i].Signal)
	}
	buf := make([]byte, 0, 64+len(a.account)+strs.size+24*a.Len())
	buf = append(buf, accMagic...)
	buf = appendString(buf, a.account)
	buf = appendString(buf, string(atBytes))
	buf = binary.AppendUvarint(buf, uint64(len(strs.list)))
	for _, s := range strs.list {
		buf = appendString(buf, s)
	}
	buf = binary.AppendUvarint(buf, uint64(len(a.kept)))
	for i := range a.kept {
		buf = strs.appendSignal(buf, &a.kept[i])
	}
	buf = binary.AppendUvarint(buf, uint64(len(a.dropped)))
	for i := range a.dropped {
		buf = strs.appendSignal(buf, &a.dropped[i].Signal)
		buf = append(buf, byte(a.dropped[i].Reason))
	}
	return buf, nil
}

// UnmarshalBinary restores state written by MarshalBinary, replacing a's.
// a must come from Scorer.NewAccumulator (its account and time are replaced;
// its Scorer is kept and used to check the signals again). Malformed input
// is an error wrapping ErrCorrupt; a is then unchanged.
func (a *Accumulator) UnmarshalBinary(data []byte) error {
	if a.s == nil {
		return fmt.Errorf("scoring: UnmarshalBinary needs an Accumulator from Scorer.NewAccumulator")
	}
	d := decoder{buf: data}
	if string(d.bytes(len(accMagic))) != accMagic {
		return fmt.Errorf("scoring: accumulator: bad magic: %w", ErrCorrupt)
	}
	account := d.string()
	var at time.Time
	if atBytes := d.string(); d.err == nil {
		if err := at.UnmarshalBinary([]byte(atBytes)); err != nil {
			return fmt.Errorf("scoring: accumulator time: %v: %w", err, ErrCorrupt)
		}
	}
	strs := make([]string, d.count(1))
	for i := range strs {
		strs[i] = d.string()
	}
	b := Accumulator{s: a.s, account: account, at: at}
	for range d.count(14) {
		b.Add(d.signal(strs))
	}
	for range d.count(15) {
		sig := d.signal(strs)
		reason := Reason(d.byte())
		if reason == 0 || int(reason) >= len(reasonNames) {
			d.fail("reason")
		}
		b.dropped = append(b.dropped, Dropped{Signal: sig, Reason: reason})
	}
	if d.err == nil && len(d.buf) != 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return d.err
	}
	*a = b
	return nil
}

type stringTable struct {
	index map[string]uint64
	list  []string
	size  int
}

func newStringTable() *stringTable { return &stringTable{index: make(map[string]uint64)} }

func (t *stringTable) add(s string) {
	if _, ok := t.index[s]; !ok {
		t.index[s] = uint64(len(t.list))
		t.list = append(t.list, s)
		t.size += len(s) + 2
	}
}

func (t *stringTable) addSignal(s *Signal) {
	t.add(s.Account)
	t.add(s.Contact)
	t.add(string(s.Persona))
	t.add(s.Metric)
	t.add(s.Source)
}

func (t *stringTable) appendSignal(buf []byte, s *Signal) []byte {
	for _, str := range [...]string{s.Account, s.Contact, string(s.Persona), s.Metric, s.Source} {
		buf = binary.AppendUvarint(buf, t.index[str])
	}
	buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(s.Value))
	buf = binary.AppendVarint(buf, s.At.Unix())
	return binary.AppendUvarint(buf, uint64(s.At.Nanosecond()))
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

// decoder reads the encoding; after the first error every read returns zero
// values and the error is kept.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("scoring: accumulator: bad %s: %w", what, ErrCorrupt)
	}
	d.buf = nil
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.buf) {
		d.fail("length")
		return nil
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) byte() byte {
	if b := d.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail("uvarint")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

// count reads an element count and checks it against the bytes left, given
// the smallest encoding of one element, so that a corrupt count cannot make
// the decoder allocate without bound.
func (d *decoder) count(minSize int) int {
	n := d.uvarint()
	if n > uint64(len(d.buf)/minSize) {
		d.fail("count")
		return 0
	}
	return int(n)
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.buf)) {
		d.fail("string length")
		return ""
	}
	return string(d.bytes(int(n)))
}

func (d *decoder) index(strs []string) string {
	i := d.uvarint()
	if i >= uint64(len(strs)) {
		d.fail("string index")
		return ""
	}
	return strs[i]
}

func (d *decoder) signal(strs []string) Signal {
	var s Signal
	s.Account = d.index(strs)
	s.Contact = d.index(strs)
	s.Persona = persona.ID(d.index(strs))
	s.Metric = d.index(strs)
	s.Source = d.index(strs)
	if b := d.bytes(8); b != nil {
		s.Value = math.Float64frombits(binary.LittleEndian.Uint64(b))
	}
	sec := d.varint()
	nsec := d.uvarint()
	if nsec >= 1e9 {
		d.fail("nanoseconds")
	}
	s.At = time.Unix(sec, int64(nsec)).UTC()
	return s
}
