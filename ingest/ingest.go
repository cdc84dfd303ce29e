package ingest

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// RowError is one row that could not be read: where it is and why.
type RowError struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
}

// Error formats the problem as file:line: column: reason.
func (e *RowError) Error() string {
	where := ""
	if e.File != "" || e.Line > 0 {
		where = fmt.Sprintf("%s:%d: ", e.File, e.Line)
	}
	if e.Column != "" {
		where += e.Column + ": "
	}
	return "ingest: " + where + e.Reason
}

// Summary accounts for every row: Read == Accepted + Rejected, and each
// rejected row has its RowError.
type Summary struct {
	File     string     `json:"file"`
	Read     int        `json:"read"`
	Accepted int        `json:"accepted"`
	Rejected int        `json:"rejected"`
	Errors   []RowError `json:"errors,omitempty"`
	// Unmapped counts, for contact files, the job titles no title rule
	// matched (the contact got the rules' fallback persona, or else
	// persona.Unmapped).
	Unmapped map[string]int `json:"unmapped,omitempty"`
}

// String summarises the counts and the reasons for rejection, each with
// the line and column where it was first met.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d rows read, %d accepted, %d rejected", s.File, s.Read, s.Accepted, s.Rejected)
	reasons := map[string]int{}
	first := map[string]RowError{}
	for _, e := range s.Errors {
		if reasons[e.Reason] == 0 {
			first[e.Reason] = e
		}
		reasons[e.Reason]++
	}
	for _, r := range slices.Sorted(maps.Keys(reasons)) {
		e := first[r]
		where := fmt.Sprintf("line %d", e.Line)
		if e.Column != "" {
			where += ", column " + e.Column
		}
		if reasons[r] > 1 {
			where = "first at " + where
		}
		fmt.Fprintf(&b, "\n  %d × %s (%s)", reasons[r], r, where)
	}
	if len(s.Unmapped) > 0 {
		fmt.Fprintf(&b, "\n  %d job title(s) matched no rule:", len(s.Unmapped))
		for _, t := range slices.Sorted(maps.Keys(s.Unmapped)) {
			fmt.Fprintf(&b, " %q (%d)", t, s.Unmapped[t])
		}
	}
	return b.String()
}

func (s *Summary) reject(line int, column, format string, args ...any) {
	s.Rejected++
	s.Errors = append(s.Errors, RowError{File: s.File, Line: line, Column: column, Reason: fmt.Sprintf(format, args...)})
}

// ErrHeader reports a CSV header that lacks a required column.
var ErrHeader = errors.New("ingest: missing column")

// Format is a file format.
type Format int

// The formats.
const (
	CSV   Format = iota // header-driven comma-separated values
	JSONL               // one JSON object per line
)

// record is one row of either format, read by column name with get.
type record struct {
	line int
	err  string // a row that could not even be split into fields
	// A CSV row is positional: row, with col giving each logical column's
	// position (shared by the file's rows); a JSON line is a map.
	row    []string
	col    []column
	fields map[string]string
}

// column is a logical column's position in a CSV file's rows. A file has
// a handful, so a scan comparing short names beats hashing them.
type column struct {
	name string
	i    int
}

// get returns the row's value of a column, spaces trimmed, "" when absent.
func (r *record) get(name string) string {
	if r.fields != nil {
		return r.fields[name]
	}
	for _, c := range r.col {
		if c.name == name {
			if c.i < len(r.row) {
				return strings.TrimSpace(r.row[c.i])
			}
			break
		}
	}
	return ""
}

// all yields every column the row has, by name.
func (r *record) all() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		if r.fields != nil {
			for k, v := range r.fields {
				if !yield(k, v) {
					return
				}
			}
			return
		}
		for _, c := range r.col {
			if !yield(c.name, r.get(c.name)) {
				return
			}
		}
	}
}

// records streams the rows of r. For CSV the first row is the header, and
// names maps the caller's logical column names to the header's (so columns
// can be renamed); with others, the header's other columns are kept too,
// under their own names. For JSON lines each line is an object whose keys
// are the logical names (and any others) and whose values are strings,
// numbers or null.
func records(r io.Reader, format Format, file string, required []string, names map[string]string, others bool) (iter.Seq[record], error) {
	switch format {
	case CSV:
		rows := newCSVRows(r)
		header, _, err := rows.next()
		if err != nil {
			return nil, fmt.Errorf("ingest: %s: reading the header: %w", file, err)
		}
		header = slices.Clone(header)
		index := map[string]int{}
		for i, h := range header {
			index[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
		}
		col := map[string]int{}
		for logical, actual := range names {
			if i, ok := index[actual]; ok {
				col[logical] = i
			}
		}
		if others {
			mapped := map[int]bool{}
			for _, i := range col {
				mapped[i] = true
			}
			for name, i := range index {
				if _, taken := col[name]; !mapped[i] && !taken && name != "" {
					col[name] = i
				}
			}
		}
		for _, req := range required {
			if _, ok := col[req]; !ok {
				return nil, fmt.Errorf("%w %q in %s (header %q)", ErrHeader, names[req], file, header)
			}
		}
		cols := make([]column, 0, len(col))
		for _, name := range slices.Sorted(maps.Keys(col)) {
			cols = append(cols, column{name, col[name]})
		}
		return func(yield func(record) bool) {
			for {
				row, line, err := rows.next()
				if err == io.EOF {
					return
				}
				rec := record{line: line, row: row, col: cols}
				ioErr := false
				if err != nil {
					var pe *csv.ParseError // declared here: it escapes, and rows without an error need none
					if errors.As(err, &pe) {
						rec.err = pe.Err.Error()
					} else {
						rec.err, ioErr = err.Error(), true
					}
				}
				if !yield(rec) || ioErr {
					return // an I/O error ends the file
				}
			}
		}, nil
	case JSONL:
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 16<<20)
		return func(yield func(record) bool) {
			line := 0
			for sc.Scan() {
				line++
				text := strings.TrimSpace(sc.Text())
				if text == "" {
					continue
				}
				rec := jsonRecord(line, text)
				if !yield(rec) {
					return
				}
			}
			if err := sc.Err(); err != nil {
				yield(record{line: line + 1, err: "reading: " + err.Error()})
			}
		}, nil
	}
	return nil, fmt.Errorf("ingest: unknown format %d", format)
}

// jsonRecord turns one JSON line into a record by logical column name.
// Flat objects of plain values, what machines write, are read by
// flatJSON; anything else by encoding/json, which then says what is wrong.
func jsonRecord(line int, text string) record {
	rec := record{line: line, fields: map[string]string{}}
	if flatJSON(text, rec.fields) {
		return rec
	}
	clear(rec.fields)
	var obj map[string]any
	if err := json.Unmarshal([]byte(text), &obj); err != nil {
		rec.err = "not a JSON object: " + err.Error()
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) { // sorted: the first bad field is named, whatever the map's order
		switch v := obj[k].(type) {
		case string:
			rec.fields[k] = v
		case float64:
			rec.fields[k] = strconv.FormatFloat(v, 'g', -1, 64)
		case bool:
			rec.fields[k] = strconv.FormatBool(v)
		case nil:
		default:
			if rec.err == "" {
				rec.err = fmt.Sprintf("field %q is not a string, number or null", k)
			}
		}
	}
	return rec
}

// flatJSON reads text as a JSON object whose values are strings without
// escapes, numbers, true, false or null, into fields as jsonRecord's
// encoding/json path would (numbers as strconv's shortest form, null
// absent, the last of duplicate keys). It reports false, with fields in
// any state, for anything else: escapes, control characters or invalid
// UTF-8 in a string, nested values, a number out of float64's range,
// malformed text; the caller then hands the line to encoding/json.
func flatJSON(text string, fields map[string]string) bool {
	i := 0
	space := func() {
		for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n') {
			i++
		}
	}
	str := func() (string, bool) {
		if i >= len(text) || text[i] != '"' {
			return "", false
		}
		j := i + 1
		for j < len(text) && text[j] != '"' {
			if text[j] == '\\' || text[j] < 0x20 {
				return "", false
			}
			j++
		}
		if j >= len(text) || !utf8.ValidString(text[i+1:j]) {
			return "", false
		}
		s := text[i+1 : j]
		i = j + 1
		return s, true
	}
	space()
	if i >= len(text) || text[i] != '{' {
		return false
	}
	i++
	space()
	if i < len(text) && text[i] == '}' {
		i++
		space()
		return i == len(text)
	}
	for {
		space()
		key, ok := str()
		if !ok {
			return false
		}
		space()
		if i >= len(text) || text[i] != ':' {
			return false
		}
		i++
		space()
		if i >= len(text) {
			return false
		}
		switch c := text[i]; {
		case c == '"':
			v, ok := str()
			if !ok {
				return false
			}
			fields[key] = v
		case c == 't' && strings.HasPrefix(text[i:], "true"):
			fields[key], i = "true", i+4
		case c == 'f' && strings.HasPrefix(text[i:], "false"):
			fields[key], i = "false", i+5
		case c == 'n' && strings.HasPrefix(text[i:], "null"):
			delete(fields, key)
			i += 4
		case c == '-' || (c >= '0' && c <= '9'):
			j := jsonNumberEnd(text, i)
			if j < 0 {
				return false
			}
			v, err := strconv.ParseFloat(text[i:j], 64)
			if err != nil {
				return false // out of range: encoding/json's error
			}
			fields[key] = strconv.FormatFloat(v, 'g', -1, 64)
			i = j
		default:
			return false
		}
		space()
		if i >= len(text) {
			return false
		}
		switch text[i] {
		case ',':
			i++
		case '}':
			i++
			space()
			return i == len(text)
		default:
			return false
		}
	}
}

// jsonNumberEnd returns where the JSON number starting at i ends, or -1 if
// it does not follow JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func jsonNumberEnd(s string, i int) int {
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return -1
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return -1
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return -1
		}
	}
	return i
}

// timeLayouts are the forms ParseTime reads besides RFC 3339: the ones
// spreadsheets, databases and CRM exports write, without a zone (UTC).
var timeLayouts = []string{time.DateOnly, time.DateTime, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04",
	"2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05.999999999Z07:00"}

// ParseTime reads a time as the readers do: RFC 3339 ("2026-01-05T10:00:00Z"),
// a bare date (midnight UTC), or a date and time without a zone, taken as
// UTC ("2025-10-01 18:00:00", "2025-10-01T18:00", seconds optional), or
// with the space instead of the T and a zone. Years must be 0001 to 9999
// once in UTC: a time that the writers (and JSON, and most stores) could
// not write back in RFC 3339, such as 9999-12-31T23:59:59-14:00, is rejected
// here rather than failing later.
func ParseTime(s string) (time.Time, error) { return parseTime(s) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		for _, layout := range timeLayouts {
			if t, err = time.Parse(layout, s); err == nil {
				break
			}
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("not a time (want RFC 3339, YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS] in UTC): %q", s)
		}
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return time.Time{}, fmt.Errorf("time %q is outside years 0001-9999 UTC", s)
	}
	return t, nil
}
