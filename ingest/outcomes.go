package ingest

import (
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"
)

// Outcome is one row of an outcomes file: whether an account renewed, and
// when that was decided (the renewal date).
type Outcome struct {
	Account string
	Renewed bool
	At      time.Time
}

// Outcomes reads renewal outcomes with columns account, renewed and at (all
// required). renewed is true or false (also yes/no, 1/0, renewed/churned,
// any case); at is a time as ParseTime reads it.
func Outcomes(r io.Reader, format Format, file string, cols Columns) (*Reader[Outcome], error) {
	return newReader(r, format, file, cols, outcomeColumns, outcomeColumns, parseOutcome)
}

var outcomeColumns = []string{"account", "renewed", "at"}

func parseOutcome(rec record) (Outcome, string, string) {
	o := Outcome{Account: rec.get("account")}
	if o.Account == "" {
		return o, "account", "missing value"
	}
	raw, col, reason := need(rec, "renewed")
	if reason != "" {
		return o, col, reason
	}
	switch strings.ToLower(raw) {
	case "true", "yes", "1", "renewed":
		o.Renewed = true
	case "false", "no", "0", "churned":
	default:
		return o, "renewed", fmt.Sprintf("not true or false: %q", raw)
	}
	if o.At, col, reason = needTime(rec, "at"); reason != "" {
		return o, col, reason
	}
	return o, "", ""
}

// WriteOutcomes writes outcomes in the format Outcomes reads.
func WriteOutcomes(w io.Writer, format Format, outcomes iter.Seq[Outcome]) error {
	return writeAll(w, format, outcomeColumns, outcomes, func(o Outcome) []any {
		return []any{o.Account, strconv.FormatBool(o.Renewed), o.At}
	})
}
