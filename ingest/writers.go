package ingest

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"strconv"
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// rowWriter writes rows of named values as CSV (with a header) or JSON lines
// (objects with the same keys; numbers stay numbers).
type rowWriter struct {
	format Format
	cols   []string
	csv    *csv.Writer
	buf    *bufio.Writer
	enc    *json.Encoder
}

func newRowWriter(w io.Writer, format Format, cols []string) (*rowWriter, error) {
	rw := &rowWriter{format: format, cols: cols}
	switch format {
	case CSV:
		rw.csv = csv.NewWriter(w)
		return rw, rw.csv.Write(cols)
	case JSONL:
		rw.buf = bufio.NewWriter(w)
		rw.enc = json.NewEncoder(rw.buf)
		rw.enc.SetEscapeHTML(false)
		return rw, nil
	}
	return nil, fmt.Errorf("ingest: unknown format %d", format)
}

// write takes one value per column: a string, a float64, or a time.Time (zero
// written as empty / omitted).
func (rw *rowWriter) write(values ...any) error {
	if rw.format == CSV {
		row := make([]string, len(values))
		for i, v := range values {
			switch v := v.(type) {
			case string:
				row[i] = v
			case float64:
				row[i] = strconv.FormatFloat(v, 'g', -1, 64)
			case time.Time:
				if !v.IsZero() {
					row[i] = v.Format(time.RFC3339Nano)
				}
			}
		}
		return rw.csv.Write(row)
	}
	obj := make(map[string]any, len(values))
	for i, v := range values {
		switch v := v.(type) {
		case string:
			if v != "" {
				obj[rw.cols[i]] = v
			}
		case time.Time:
			if !v.IsZero() {
				obj[rw.cols[i]] = v.Format(time.RFC3339Nano)
			}
		default:
			obj[rw.cols[i]] = v
		}
	}
	return rw.enc.Encode(obj)
}

func (rw *rowWriter) flush() error {
	if rw.csv != nil {
		rw.csv.Flush()
		return rw.csv.Error()
	}
	return rw.buf.Flush()
}

func writeAll[T any](w io.Writer, format Format, cols []string, rows iter.Seq[T], values func(T) []any) error {
	rw, err := newRowWriter(w, format, cols)
	if err != nil {
		return err
	}
	for v := range rows {
		if err := rw.write(values(v)...); err != nil {
			return err
		}
	}
	return rw.flush()
}

// WriteSignals writes signals in the format Signals reads.
func WriteSignals(w io.Writer, format Format, signals iter.Seq[scoring.Signal]) error {
	return writeAll(w, format, []string{"account", "contact", "persona", "metric", "value", "at", "source"}, signals,
		func(s scoring.Signal) []any {
			return []any{s.Account, s.Contact, string(s.Persona), s.Metric, s.Value, s.At, s.Source}
		})
}

// WriteAccounts writes accounts (without their contacts) in the format
// Accounts reads, with the named traits as extra columns (a CSV header is
// written before the accounts are seen, so the caller names them; an
// account without one of them leaves it empty).
func WriteAccounts(w io.Writer, format Format, accounts iter.Seq[persona.Account], traits ...string) error {
	cols := append([]string{"id", "name", "segment", "arr", "renewal"}, traits...)
	return writeAll(w, format, cols, accounts, func(a persona.Account) []any {
		values := []any{a.ID, a.Name, a.Segment, a.ARR, a.Renewal}
		for _, t := range traits {
			values = append(values, a.Traits[t])
		}
		return values
	})
}

// WriteContacts writes contacts in the format Contacts reads.
func WriteContacts(w io.Writer, format Format, contacts iter.Seq[persona.Contact]) error {
	return writeAll(w, format, []string{"id", "account", "persona", "title", "joined", "left"}, contacts,
		func(c persona.Contact) []any {
			return []any{c.ID, c.Account, string(c.Persona), c.Title, c.Joined, c.Left}
		})
}

// WriteResults writes one row per scored account: account, scored, score,
// low, high, band, coverage, veto (the capping persona, or empty), signals
// used and signals dropped.
func WriteResults(w io.Writer, format Format, results iter.Seq[scoring.Result]) error {
	return writeAll(w, format, []string{"account", "scored", "score", "low", "high", "band", "coverage", "veto", "used", "dropped"}, results,
		func(r scoring.Result) []any {
			veto := ""
			if r.Veto.Applied {
				veto = string(r.Veto.Persona)
			}
			return []any{r.Account, strconv.FormatBool(r.Scored), r.Score, r.Low, r.High, r.Band, r.Coverage, veto,
				float64(r.SignalsUsed), float64(len(r.Dropped))}
		})
}

// ReadModel decodes a scoring.Model from JSON, rejecting unknown fields (a
// misspelt field in a config file should fail loudly, not be ignored). It
// does not validate the model: scoring.Compile does, listing every problem.
func ReadModel(r io.Reader) (scoring.Model, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var m scoring.Model
	if err := dec.Decode(&m); err != nil {
		return scoring.Model{}, fmt.Errorf("ingest: reading model: %w", err)
	}
	return m, nil
}

// WriteModel encodes m as indented JSON.
func WriteModel(w io.Writer, m scoring.Model) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}
