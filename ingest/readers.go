package ingest

import (
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// Reader streams one kind of row from a file: All yields the rows that
// parse, and every row that does not is recorded, with its line, column and
// reason, in the Summary. Rows are read as All is ranged over, never all at
// once. A Reader is used once and is not safe for concurrent use.
type Reader[T any] struct {
	rows  iter.Seq[record]
	parse func(record) (T, string, string) // value, or the column and reason it failed
	sum   Summary
	used  bool
}

// All yields the accepted rows in file order.
func (r *Reader[T]) All() iter.Seq[T] {
	return func(yield func(T) bool) {
		if r.used {
			return
		}
		r.used = true
		for rec := range r.rows {
			r.sum.Read++
			if rec.err != "" {
				r.sum.reject(rec.line, "", "%s", rec.err)
				continue
			}
			v, col, reason := r.parse(rec)
			if reason != "" {
				r.sum.reject(rec.line, col, "%s", reason)
				continue
			}
			r.sum.Accepted++
			if !yield(v) {
				return
			}
		}
	}
}

// Collect reads every accepted row into a slice.
func (r *Reader[T]) Collect() []T {
	var out []T
	for v := range r.All() {
		out = append(out, v)
	}
	return out
}

// Summary returns the accounting of the rows read so far.
func (r *Reader[T]) Summary() Summary { return r.sum }

// Columns renames logical columns to the names a file uses: for example
// {"at": "timestamp"} reads signal times from a "timestamp" column. Columns
// not listed keep their logical name. JSON lines always use logical names.
type Columns map[string]string

func (c Columns) names(logical []string) map[string]string {
	out := make(map[string]string, len(logical))
	for _, l := range logical {
		out[l] = l
		if a, ok := c[l]; ok {
			out[l] = a
		}
	}
	return out
}

func newReader[T any](r io.Reader, format Format, file string, cols Columns, logical, required []string, parse func(record) (T, string, string)) (*Reader[T], error) {
	return newReaderOthers(r, format, file, cols, logical, required, false, parse)
}

// newReaderOthers is newReader keeping, with others, the columns beyond
// the logical ones.
func newReaderOthers[T any](r io.Reader, format Format, file string, cols Columns, logical, required []string, others bool, parse func(record) (T, string, string)) (*Reader[T], error) {
	rows, err := records(r, format, file, required, cols.names(logical), others)
	if err != nil {
		return nil, err
	}
	return &Reader[T]{rows: rows, parse: parse, sum: Summary{File: file}}, nil
}

func need(rec record, col string) (string, string, string) {
	v := rec.get(col)
	if v == "" {
		return "", col, "missing value"
	}
	return v, "", ""
}

// needNumber returns the row's finite number in col, or the column and
// the reason it is missing or not a number.
func needNumber(rec record, col string) (float64, string, string) {
	raw, c, reason := need(rec, col)
	if reason != "" {
		return 0, c, reason
	}
	v, err := number(raw)
	if err != nil {
		return 0, col, err.Error()
	}
	return v, "", ""
}

// needTime returns the row's time in col (ParseTime's forms), or the
// column and the reason it is missing or not a time.
func needTime(rec record, col string) (time.Time, string, string) {
	raw, c, reason := need(rec, col)
	if reason != "" {
		return time.Time{}, c, reason
	}
	t, err := parseTime(raw)
	if err != nil {
		return time.Time{}, col, err.Error()
	}
	return t, "", ""
}

func number(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("not a finite number: %q", s)
	}
	return v, nil
}

// Signals reads scoring signals with columns account, contact, persona,
// metric, value, at and source (metric, value and at required; contact or
// persona needed by scoring). Values must be finite numbers and times RFC
// 3339 or YYYY-MM-DD; what a value means is left to scoring, which drops
// what its model cannot use with its own reason.
func Signals(r io.Reader, format Format, file string, cols Columns) (*Reader[scoring.Signal], error) {
	return newReader(r, format, file, cols, signalColumns, []string{"metric", "value", "at"}, parseSignal)
}

var signalColumns = []string{"account", "contact", "persona", "metric", "value", "at", "source"}

func parseSignal(rec record) (scoring.Signal, string, string) {
	s := scoring.Signal{Account: rec.get("account"), Contact: rec.get("contact"), Persona: persona.ID(rec.get("persona")),
		Metric: rec.get("metric"), Source: rec.get("source")}
	if s.Metric == "" {
		return s, "metric", "missing value"
	}
	var col, reason string
	if s.Value, col, reason = needNumber(rec, "value"); reason != "" {
		return s, col, reason
	}
	if s.At, col, reason = needTime(rec, "at"); reason != "" {
		return s, col, reason
	}
	if s.Contact == "" && s.Persona == "" {
		return s, "contact", "no contact and no persona"
	}
	return s, "", ""
}

// SignalFromJSON parses one JSON line as Signals does, for engines that
// read files line by line (a Beam pipeline, a stream consumer). A bad line
// is a *RowError with the column and reason (File and Line left empty).
func SignalFromJSON(line string) (scoring.Signal, error) {
	rec := jsonRecord(0, line)
	if rec.err != "" {
		return scoring.Signal{}, &RowError{Reason: rec.err}
	}
	s, col, reason := parseSignal(rec)
	if reason != "" {
		return scoring.Signal{}, &RowError{Column: col, Reason: reason}
	}
	return s, nil
}

// Accounts reads accounts with columns id, name, segment, arr and renewal
// (id required); every other column (or JSON key) with a value is one of
// the account's Traits (industry, employees...), for a persona.FitProfile.
// Contacts are read separately (see Contacts) and attached with Attach.
func Accounts(r io.Reader, format Format, file string, cols Columns) (*Reader[persona.Account], error) {
	logical := []string{"id", "name", "segment", "arr", "renewal"}
	return newReaderOthers(r, format, file, cols, logical, []string{"id"}, true, func(rec record) (persona.Account, string, string) {
		a := persona.Account{ID: rec.get("id"), Name: rec.get("name"), Segment: rec.get("segment")}
		for k, v := range rec.all() {
			if v != "" && !slices.Contains(logical, k) {
				if a.Traits == nil {
					a.Traits = map[string]string{}
				}
				a.Traits[k] = v
			}
		}
		if a.ID == "" {
			return a, "id", "missing value"
		}
		var err error
		if v := rec.get("arr"); v != "" {
			if a.ARR, err = number(v); err != nil || a.ARR < 0 {
				return a, "arr", fmt.Sprintf("not a non-negative number: %q", v)
			}
		}
		if v := rec.get("renewal"); v != "" {
			if a.Renewal, err = parseTime(v); err != nil {
				return a, "renewal", err.Error()
			}
		}
		return a, "", ""
	})
}

// ContactOptions says how to read contacts.
type ContactOptions struct {
	Columns Columns
	// Catalog is required: personas named in the file must be in it.
	Catalog *persona.Catalog
	// Titles maps job titles to personas for rows with no persona column
	// value. A title that no rule matches gets the rules' fallback persona,
	// or with no fallback stays persona.Unmapped (a valid contact whose
	// signals scoring drops with a reason), and is counted in
	// Summary.Unmapped either way.
	// Nil means rows must name their persona.
	Titles *persona.TitleMapper
	// Accounts, if set, lists the known account IDs; a contact of any other
	// account is rejected.
	Accounts map[string]bool
}

// Contacts reads contacts with columns id, account, persona, title, joined
// and left (id and account required; persona, or a title the rules map).
func Contacts(r io.Reader, format Format, file string, opts ContactOptions) (*Reader[persona.Contact], error) {
	if opts.Catalog == nil {
		return nil, fmt.Errorf("ingest: Contacts needs a catalog")
	}
	rd, err := newReader[persona.Contact](r, format, file, opts.Columns, contactColumns, []string{"id", "account"}, nil)
	if err != nil {
		return nil, err
	}
	rd.parse = func(rec record) (persona.Contact, string, string) {
		return parseContact(rec, &opts, func(title string) {
			if rd.sum.Unmapped == nil {
				rd.sum.Unmapped = map[string]int{}
			}
			rd.sum.Unmapped[title]++
		})
	}
	return rd, nil
}

var contactColumns = []string{"id", "account", "persona", "title", "joined", "left"}

// parseContact reads one contact row; unmapped is told of each title no
// title rule matched.
func parseContact(rec record, opts *ContactOptions, unmapped func(title string)) (persona.Contact, string, string) {
	c := persona.Contact{ID: rec.get("id"), Account: rec.get("account"), Persona: persona.ID(rec.get("persona")), Title: rec.get("title")}
	switch {
	case c.ID == "":
		return c, "id", "missing value"
	case c.Account == "":
		return c, "account", "missing value"
	case opts.Accounts != nil && !opts.Accounts[c.Account]:
		return c, "account", fmt.Sprintf("unknown account %q", c.Account)
	}
	if c.Persona == "" {
		if opts.Titles == nil {
			return c, "persona", "missing value (and no title rules)"
		}
		id, matched := opts.Titles.Map(c.Title)
		if !matched {
			unmapped(c.Title)
		}
		c.Persona = id
	}
	if c.Persona != persona.Unmapped {
		id, ok := opts.Catalog.Lookup(string(c.Persona))
		if !ok {
			return c, "persona", fmt.Sprintf("unknown persona %q (want one of %s)", c.Persona, opts.Catalog.IDs())
		}
		c.Persona = id
	}
	var err error
	if v := rec.get("joined"); v != "" {
		if c.Joined, err = parseTime(v); err != nil {
			return c, "joined", err.Error()
		}
	}
	if v := rec.get("left"); v != "" {
		if c.Left, err = parseTime(v); err != nil {
			return c, "left", err.Error()
		}
		if !c.Joined.IsZero() && c.Left.Before(c.Joined) {
			return c, "left", "left before joining"
		}
	}
	return c, "", ""
}

// ContactFromJSON parses one JSON line as Contacts does (a title no rule
// matches takes the rules' fallback without being counted anywhere: count
// such titles yourself if you need them). A bad line is a *RowError.
func ContactFromJSON(line string, opts ContactOptions) (persona.Contact, error) {
	if opts.Catalog == nil {
		return persona.Contact{}, fmt.Errorf("ingest: ContactFromJSON needs a catalog")
	}
	rec := jsonRecord(0, line)
	if rec.err != "" {
		return persona.Contact{}, &RowError{Reason: rec.err}
	}
	c, col, reason := parseContact(rec, &opts, func(string) {})
	if reason != "" {
		return persona.Contact{}, &RowError{Column: col, Reason: reason}
	}
	return c, nil
}

// GroupSignals puts each signal with its account, in the shape
// scoring.Scorer.NewBatch takes: byAccount[i] holds the signals of
// accounts[i], in the order read, so that a reader's rows go straight into
// a batch (Reader.All, with no slice of every row in between). A grouped
// signal's Account is its account's ID string itself, the same text, so
// that a scoring's check of it compares two pointers, not two copies. It
// returns the signals whose Account is not among accounts, or is empty
// (none are lost). Where accounts lists an ID twice, the first gets the
// signals, as in Attach.
func GroupSignals(accounts []persona.Account, signals iter.Seq[scoring.Signal]) (byAccount [][]scoring.Signal, orphans []scoring.Signal) {
	byID := indexAccounts(accounts)
	byAccount = make([][]scoring.Signal, len(accounts))
	for sig := range signals {
		i, ok := byID[sig.Account]
		if !ok || sig.Account == "" {
			orphans = append(orphans, sig)
			continue
		}
		sig.Account = accounts[i].ID // the same text as the same string, compared by pointer when scored
		byAccount[i] = append(byAccount[i], sig)
	}
	return byAccount, orphans
}

// Attach puts each contact into its account, in the order given, and
// returns the contacts whose account is not among accounts (none are lost).
// Duplicate contact IDs within an account are returned too: scoring would
// reject the account. Where accounts lists an ID twice, the first gets the
// contacts.
func Attach(accounts []persona.Account, contacts []persona.Contact) (orphans, duplicates []persona.Contact) {
	byID := indexAccounts(accounts)
	seen := map[[2]string]bool{}
	for _, c := range contacts {
		i, ok := byID[c.Account]
		switch {
		case !ok:
			orphans = append(orphans, c)
		case seen[[2]string{c.Account, c.ID}]:
			duplicates = append(duplicates, c)
		default:
			seen[[2]string{c.Account, c.ID}] = true
			accounts[i].Contacts = append(accounts[i].Contacts, c)
		}
	}
	return orphans, duplicates
}

// indexAccounts maps each account ID to the index of its first account.
func indexAccounts(accounts []persona.Account) map[string]int {
	byID := make(map[string]int, len(accounts))
	for i := range accounts {
		if _, twice := byID[accounts[i].ID]; !twice {
			byID[accounts[i].ID] = i
		}
	}
	return byID
}
