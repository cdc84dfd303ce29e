package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// Config names the pipeline's inputs and outputs and what to score with.
type Config struct {
	Signals    []string // globs of signal JSON-lines files (ingest's format), each read on its own
	Contacts   string   // glob of contact JSON-lines files (ingest's format)
	Committee  string   // glob of committee-seat JSON-lines files (ingest.Committee's format); empty: none
	Output     string   // one result JSON line per account (ingest.WriteResults)
	DeadLetter string   // one line per rejected input line: file kind, reason, line
	ModelJSON  string   // a scoring.Model as JSON
	Catalog    string   // a persona.Catalog as JSON
	At         time.Time
}

// signalRow is a signal as it travels between workers: plain fields that
// Beam's coders handle, the time as RFC 3339 text so nothing is lost.
type signalRow struct {
	Account, Contact, Persona, Metric, Source string
	Value                                     float64
	At                                        string
}

func (r signalRow) signal() (scoring.Signal, error) {
	at, err := time.Parse(time.RFC3339Nano, r.At)
	return scoring.Signal{Account: r.Account, Contact: r.Contact, Persona: persona.ID(r.Persona), Metric: r.Metric,
		Value: r.Value, At: at, Source: r.Source}, err
}

// contactRow is a contact as it travels between workers.
type contactRow struct {
	ID, Account, Persona, Title, Joined, Left string
}

func rowOf(c persona.Contact) contactRow {
	return contactRow{ID: c.ID, Account: c.Account, Persona: string(c.Persona), Title: c.Title, Joined: timeText(c.Joined), Left: timeText(c.Left)}
}

func (r contactRow) contact() persona.Contact {
	return persona.Contact{ID: r.ID, Account: r.Account, Persona: persona.ID(r.Persona), Title: r.Title,
		Joined: parseTimeText(r.Joined), Left: parseTimeText(r.Left)}
}

// timeText writes a time for a row: RFC 3339 with nanoseconds, empty for zero.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// parseTimeText reads what timeText wrote.
func parseTimeText(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s) // written by timeText: always valid or empty
	return t
}

// catalogFrom decodes a catalog given to a step as JSON.
func catalogFrom(catalogJSON string) (*persona.Catalog, error) {
	var cat persona.Catalog
	if err := json.Unmarshal([]byte(catalogJSON), &cat); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return &cat, nil
}

// scorerCache compiles each (model, catalog) once per worker process.
var scorerCache sync.Map // string -> *scoring.Scorer

func scorerFor(modelJSON, catalogJSON string) (*scoring.Scorer, error) {
	key := modelJSON + "\x00" + catalogJSON
	if s, ok := scorerCache.Load(key); ok {
		return s.(*scoring.Scorer), nil
	}
	cat, err := catalogFrom(catalogJSON)
	if err != nil {
		return nil, err
	}
	m, err := ingest.ReadModel(bytes.NewReader([]byte(modelJSON)))
	if err != nil {
		return nil, err
	}
	s, err := scoring.Compile(m, cat)
	if err != nil {
		return nil, err
	}
	scorerCache.Store(key, s)
	return s, nil
}

// setupScorer compiles the scorer and parses the scoring time of a step.
func setupScorer(model, catalog, at string) (*scoring.Scorer, time.Time, error) {
	s, err := scorerFor(model, catalog)
	if err != nil {
		return nil, time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	return s, t, err
}

// The pipeline's counters, read back from the runner's metrics (see
// Counters). Beam counters are declared once, at package level, so that every
// worker reports under the same names.
var (
	signalLines       = beam.NewCounter("village", "signal_lines")
	signalRejected    = beam.NewCounter("village", "signal_lines_rejected")
	contactLines      = beam.NewCounter("village", "contact_lines")
	contactRejected   = beam.NewCounter("village", "contact_lines_rejected")
	seatLines         = beam.NewCounter("village", "committee_lines")
	seatRejected      = beam.NewCounter("village", "committee_lines_rejected")
	accountsRejected  = beam.NewCounter("village", "accounts_rejected")
	accumulatorMerges = beam.NewCounter("village", "accumulator_merges")
	accountsScored    = beam.NewCounter("village", "accounts_scored")
)

// startCounters reports each counter at zero as a bundle starts, so that the
// runner knows it from the bundle's first progress report. Prism (v2.77)
// holds the final values of a counter it cannot name yet one per counter,
// not one per bundle: when a read is split (as prism does with a bundle
// that makes no progress between two reports) and both halves finish
// before it has asked the worker for the name, one half's count is lost.
// A counter reported from the start is named at the first progress report,
// which comes before any split. (StartBundle takes the emitters
// ProcessElement takes, as the SDK requires, and emits nothing.)
func startCounters(ctx context.Context, counters ...beam.Counter) {
	for _, c := range counters {
		c.Inc(ctx, 0)
	}
}

// parseSignalFn turns signal lines into (account, signal) pairs; a line that
// does not parse goes to the dead letters with its reason.
type parseSignalFn struct{}

func (f *parseSignalFn) StartBundle(ctx context.Context, _ func(string, signalRow), _ func(string)) {
	startCounters(ctx, signalLines, signalRejected)
}

func (f *parseSignalFn) ProcessElement(ctx context.Context, line string, emit func(string, signalRow), dead func(string)) {
	signalLines.Inc(ctx, 1)
	s, err := ingest.SignalFromJSON(line)
	if err == nil && s.Account == "" {
		err = fmt.Errorf("no account: the signal cannot be routed")
	}
	if err != nil {
		signalRejected.Inc(ctx, 1)
		dead(fmt.Sprintf("signals\t%v\t%s", err, line))
		return
	}
	emit(s.Account, signalRow{Account: s.Account, Contact: s.Contact, Persona: string(s.Persona), Metric: s.Metric,
		Source: s.Source, Value: s.Value, At: s.At.Format(time.RFC3339Nano)})
}

// parseContactFn turns contact lines into (account, contact) pairs.
type parseContactFn struct {
	Catalog string
	cat     *persona.Catalog
}

func (f *parseContactFn) Setup() (err error) {
	f.cat, err = catalogFrom(f.Catalog)
	return err
}

func (f *parseContactFn) StartBundle(ctx context.Context, _ func(string, contactRow), _ func(string)) {
	startCounters(ctx, contactLines, contactRejected)
}

func (f *parseContactFn) ProcessElement(ctx context.Context, line string, emit func(string, contactRow), dead func(string)) {
	contactLines.Inc(ctx, 1)
	c, err := ingest.ContactFromJSON(line, ingest.ContactOptions{Catalog: f.cat})
	if err != nil {
		contactRejected.Inc(ctx, 1)
		dead(fmt.Sprintf("contacts\t%v\t%s", err, line))
		return
	}
	emit(c.Account, rowOf(c))
}

// seatRow is a committee seat as it travels between workers.
type seatRow struct {
	Account, Kind, Persona, Contact, Role, From, Until, Note string
	Weight                                                   float64
}

func seatRowOf(s ingest.Seat) seatRow {
	return seatRow{Account: s.Account, Kind: string(s.Kind), Persona: string(s.Persona), Contact: s.Contact,
		Role: s.Role.String(), From: timeText(s.From), Until: timeText(s.Until), Note: s.Note, Weight: s.Weight}
}

func (r seatRow) seat() persona.Seat {
	s := persona.Seat{Kind: persona.SeatKind(r.Kind), Persona: persona.ID(r.Persona), Contact: r.Contact,
		From: parseTimeText(r.From), Until: parseTimeText(r.Until), Note: r.Note, Weight: r.Weight}
	s.Role.UnmarshalText([]byte(r.Role)) // written by seatRowOf from a valid role
	return s
}

// parseSeatFn turns committee lines into (account, seat) pairs; a line that
// does not parse (or names a persona the catalog does not know) goes to the
// dead letters.
type parseSeatFn struct {
	Catalog string
	cat     *persona.Catalog
}

func (f *parseSeatFn) Setup() (err error) {
	f.cat, err = catalogFrom(f.Catalog)
	return err
}

func (f *parseSeatFn) StartBundle(ctx context.Context, _ func(string, seatRow), _ func(string)) {
	startCounters(ctx, seatLines, seatRejected)
}

func (f *parseSeatFn) ProcessElement(ctx context.Context, line string, emit func(string, seatRow), dead func(string)) {
	seatLines.Inc(ctx, 1)
	s, err := ingest.SeatFromJSON(line, f.cat)
	if err != nil {
		seatRejected.Inc(ctx, 1)
		dead(fmt.Sprintf("committee\t%v\t%s", err, line))
		return
	}
	emit(s.Account, seatRowOf(s))
}

// accum is the combine state: village's scoring.Accumulator, and how many
// merges went into it (so the pipeline can show that Beam really combined
// in pieces). Between workers it travels as the merge count and the
// accumulator's own binary encoding (see encodeAccum); a decoded one is
// bound to the scorer when it is next used.
type accum struct {
	acc    *scoring.Accumulator
	raw    []byte
	merges int64
}

func encodeAccum(a accum) ([]byte, error) {
	body := a.raw
	if a.acc != nil {
		var err error
		if body, err = a.acc.MarshalBinary(); err != nil {
			return nil, err
		}
	}
	return append(binary.AppendVarint(nil, a.merges), body...), nil
}

func decodeAccum(data []byte) (accum, error) {
	merges, n := binary.Varint(data)
	if n <= 0 {
		return accum{}, fmt.Errorf("village: corrupt combine state")
	}
	return accum{raw: bytes.Clone(data[n:]), merges: merges}, nil
}

// scoreFn is the CombineFn: signals of one account in, the account's
// encoded state out. Beam may add inputs on many workers and merge the
// partial states in any order; the accumulator gives the same result
// whatever the sharding.
type scoreFn struct {
	Model, Catalog, At string
	scorer             *scoring.Scorer
	at                 time.Time
}

func (f *scoreFn) Setup() error {
	var err error
	f.scorer, f.at, err = setupScorer(f.Model, f.Catalog, f.At)
	return err
}

// bind returns the live accumulator of a (nil for an empty state), decoding
// it if it arrived as bytes.
func (f *scoreFn) bind(a accum) (*scoring.Accumulator, error) {
	if a.acc != nil || len(a.raw) == 0 {
		return a.acc, nil
	}
	acc := f.scorer.NewAccumulator("", f.at)
	if err := acc.UnmarshalBinary(a.raw); err != nil {
		return nil, fmt.Errorf("village: combine state from another worker: %w", err)
	}
	return acc, nil
}

func (f *scoreFn) CreateAccumulator() accum { return accum{} }

func (f *scoreFn) AddInput(a accum, row signalRow) (accum, error) {
	acc, err := f.bind(a)
	if err != nil {
		return a, err
	}
	if acc == nil {
		acc = f.scorer.NewAccumulator(row.Account, f.at)
	}
	s, err := row.signal()
	if err != nil {
		return a, err
	}
	acc.Add(s)
	return accum{acc: acc, merges: a.merges}, nil
}

func (f *scoreFn) MergeAccumulators(a, b accum) (accum, error) {
	x, err := f.bind(a)
	if err != nil {
		return a, err
	}
	y, err := f.bind(b)
	if err != nil {
		return a, err
	}
	merges := a.merges + b.merges + 1
	switch {
	case x == nil:
		return accum{acc: y, merges: merges}, nil
	case y == nil:
		return accum{acc: x, merges: merges}, nil
	}
	if err := x.Merge(y); err != nil {
		return a, err
	}
	return accum{acc: x, merges: merges}, nil
}

func (f *scoreFn) ExtractOutput(a accum) ([]byte, error) { return encodeAccum(a) }

// finishFn joins an account's accumulated signals with its contacts and
// committee seats and writes the account's result line. An account that
// cannot be scored (a committee seat in force that cannot be applied, a
// contact listed twice) goes to the dead letters with the reason.
type finishFn struct {
	Model, Catalog, At string
	scorer             *scoring.Scorer
	at                 time.Time
}

func (f *finishFn) Setup() error {
	var err error
	f.scorer, f.at, err = setupScorer(f.Model, f.Catalog, f.At)
	return err
}

func (f *finishFn) ProcessElement(ctx context.Context, account string, states func(*[]byte) bool, contacts func(*contactRow) bool,
	seats func(*seatRow) bool, emit func(string), dead func(string)) error {
	acct := persona.Account{ID: account}
	var row contactRow
	for contacts(&row) {
		acct.Contacts = append(acct.Contacts, row.contact())
	}
	var seat seatRow
	for seats(&seat) {
		acct.Committee = append(acct.Committee, seat.seat())
	}
	// The join gathers seats in no particular order; a canonical one keeps
	// Result.Committee, and any error naming a seat, the same every run.
	slices.SortFunc(acct.Committee, persona.CompareSeats)
	acc := f.scorer.NewAccumulator(account, f.at)
	var data []byte
	for states(&data) {
		st, err := decodeAccum(data)
		if err != nil {
			return err
		}
		accumulatorMerges.Inc(ctx, st.merges)
		if len(st.raw) == 0 { // an empty state: nothing was added
			continue
		}
		part := f.scorer.NewAccumulator("", f.at)
		if err := part.UnmarshalBinary(st.raw); err != nil {
			return err
		}
		if err := acc.Merge(part); err != nil {
			return err
		}
	}
	r, err := acc.Result(acct)
	if errors.Is(err, persona.ErrInvalidSeat) || errors.Is(err, scoring.ErrDuplicateContact) {
		accountsRejected.Inc(ctx, 1)
		dead(fmt.Sprintf("accounts\t%v\t%s", err, account))
		return nil
	}
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := ingest.WriteResults(&buf, ingest.JSONL, func(yield func(scoring.Result) bool) { yield(r) }); err != nil {
		return err
	}
	accountsScored.Inc(ctx, 1)
	emit(string(bytes.TrimRight(buf.Bytes(), "\n")))
	return nil
}

func init() {
	beam.RegisterCoder(reflect.TypeOf(accum{}), encodeAccum, decodeAccum)
	register.DoFn4x0[context.Context, string, func(string, signalRow), func(string)](&parseSignalFn{})
	register.DoFn4x0[context.Context, string, func(string, contactRow), func(string)](&parseContactFn{})
	register.Combiner3[accum, signalRow, []byte](&scoreFn{})
	register.DoFn4x0[context.Context, string, func(string, seatRow), func(string)](&parseSeatFn{})
	register.DoFn7x1[context.Context, string, func(*[]byte) bool, func(*contactRow) bool, func(*seatRow) bool, func(string), func(string), error](&finishFn{})
	register.Emitter2[string, signalRow]()
	register.Emitter2[string, contactRow]()
	register.Emitter2[string, seatRow]()
	register.Emitter1[string]()
	register.Iter1[[]byte]()
	register.Iter1[contactRow]()
	register.Iter1[seatRow]()
}

// Build adds the scoring pipeline to the root scope s.
func Build(s beam.Scope, cfg Config) error {
	if _, err := scorerFor(cfg.ModelJSON, cfg.Catalog); err != nil {
		return err
	}
	at := cfg.At.Format(time.RFC3339Nano)

	if len(cfg.Signals) == 0 {
		return fmt.Errorf("no signal files")
	}
	var reads []beam.PCollection
	for i, glob := range cfg.Signals {
		reads = append(reads, textio.Read(s.Scope(fmt.Sprintf("signals-%d", i)), glob))
	}
	sigLines := beam.Flatten(s, reads...)
	signals, deadSignals := beam.ParDo2(s, &parseSignalFn{}, sigLines)

	contactLines := textio.Read(s.Scope("contacts"), cfg.Contacts)
	contacts, deadContacts := beam.ParDo2(s, &parseContactFn{Catalog: cfg.Catalog}, contactLines)

	seatLines := beam.CreateList(s.Scope("no committee"), []string{})
	if cfg.Committee != "" {
		seatLines = textio.Read(s.Scope("committee"), cfg.Committee)
	}
	seats, deadSeats := beam.ParDo2(s, &parseSeatFn{Catalog: cfg.Catalog}, seatLines)

	states := beam.CombinePerKey(s, &scoreFn{Model: cfg.ModelJSON, Catalog: cfg.Catalog, At: at}, signals)
	joined := beam.CoGroupByKey(s, states, contacts, seats)
	results, deadAccounts := beam.ParDo2(s, &finishFn{Model: cfg.ModelJSON, Catalog: cfg.Catalog, At: at}, joined)

	textio.Write(s, cfg.Output, results)
	textio.Write(s, cfg.DeadLetter, beam.Flatten(s, deadSignals, deadContacts, deadSeats, deadAccounts))
	return nil
}
