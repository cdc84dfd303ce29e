package ingest

import (
	"fmt"
	"io"
	"iter"

	"github.com/villagecx/village/persona"
)

// Seat is one row of a committee file: a seat of the named account's
// buying committee (persona.Account.Committee).
type Seat struct {
	Account string
	persona.Seat
}

var committeeColumns = []string{"account", "kind", "persona", "contact", "role", "weight", "from", "until", "note"}

// CommitteeOptions says how to read committee seats.
type CommitteeOptions struct {
	Columns Columns
	// Catalog, if set, is the catalog personas named in the file must be in.
	Catalog *persona.Catalog
}

// Committee reads committee seats with columns account, kind, persona,
// contact, role, weight, from, until and note (account and kind required).
// A row is rejected when its kind is not one of persona.SeatKind's, a
// persona seat names no persona (or, with a Catalog, one it does not know),
// a role seat names no contact or an unknown role, a weight seat has no
// weight or one that is not a non-negative number, a time does not parse,
// or until is not after from. Whether the contact exists, and whether seats
// overlap, is for persona.Account.Validate once the seats are attached
// (AttachCommittee).
func Committee(r io.Reader, format Format, file string, opts CommitteeOptions) (*Reader[Seat], error) {
	return newReader(r, format, file, opts.Columns, committeeColumns, []string{"account", "kind"}, func(rec record) (Seat, string, string) {
		return parseSeat(rec, opts.Catalog)
	})
}

func parseSeat(rec record, cat *persona.Catalog) (Seat, string, string) {
	s := Seat{Account: rec.get("account"), Seat: persona.Seat{Kind: persona.SeatKind(rec.get("kind")),
		Persona: persona.ID(rec.get("persona")), Contact: rec.get("contact"), Note: rec.get("note")}}
	if s.Account == "" {
		return s, "account", "missing value"
	}
	switch s.Kind {
	case persona.SeatWeight, persona.SeatVeto, persona.SeatNoVeto:
		if s.Persona == "" {
			return s, "persona", "missing value (a " + string(s.Kind) + " seat names a persona)"
		}
		if cat != nil {
			id, ok := cat.Lookup(string(s.Persona))
			if !ok {
				return s, "persona", fmt.Sprintf("unknown persona %q (want one of %s)", s.Persona, cat.IDs())
			}
			s.Persona = id
		}
	case persona.SeatRole:
		if s.Contact == "" {
			return s, "contact", "missing value (a role seat names a contact)"
		}
		if err := s.Role.UnmarshalText([]byte(rec.get("role"))); err != nil || s.Role == persona.RoleUnspecified {
			return s, "role", fmt.Sprintf("unknown role %q", rec.get("role"))
		}
	default:
		return s, "kind", fmt.Sprintf("unknown seat kind %q (want weight, veto, no-veto or role)", s.Kind)
	}
	var err error
	if v := rec.get("weight"); v != "" || s.Kind == persona.SeatWeight {
		if s.Weight, err = number(v); err != nil || s.Weight < 0 {
			return s, "weight", fmt.Sprintf("not a non-negative number: %q", v)
		}
	}
	if v := rec.get("from"); v != "" {
		if s.From, err = parseTime(v); err != nil {
			return s, "from", err.Error()
		}
	}
	if v := rec.get("until"); v != "" {
		if s.Until, err = parseTime(v); err != nil {
			return s, "until", err.Error()
		}
		if !s.From.IsZero() && !s.Until.After(s.From) {
			return s, "until", "not after from"
		}
	}
	return s, "", ""
}

// SeatFromJSON parses one JSON line as Committee does, checking personas
// against cat unless it is nil. A bad line is a *RowError with the column
// and reason (File and Line left empty).
func SeatFromJSON(line string, cat *persona.Catalog) (Seat, error) {
	rec := jsonRecord(0, line)
	if rec.err != "" {
		return Seat{}, &RowError{Reason: rec.err}
	}
	s, col, reason := parseSeat(rec, cat)
	if reason != "" {
		return Seat{}, &RowError{Column: col, Reason: reason}
	}
	return s, nil
}

// AttachCommittee appends each seat to its account's Committee, in the
// order given, and returns the seats whose account is not among accounts
// (none are lost). Check the accounts with persona.Account.Validate after.
func AttachCommittee(accounts []persona.Account, seats []Seat) (orphans []Seat) {
	byID := make(map[string]int, len(accounts))
	for i := range accounts {
		byID[accounts[i].ID] = i
	}
	for _, s := range seats {
		if i, ok := byID[s.Account]; ok {
			accounts[i].Committee = append(accounts[i].Committee, s.Seat)
		} else {
			orphans = append(orphans, s)
		}
	}
	return orphans
}

// WriteCommittee writes the committees of accounts, one row a seat, in the
// format Committee reads.
func WriteCommittee(w io.Writer, format Format, accounts iter.Seq[persona.Account]) error {
	rw, err := newRowWriter(w, format, committeeColumns)
	if err != nil {
		return err
	}
	for a := range accounts {
		for _, s := range a.Committee {
			var weight any = ""
			if s.Kind == persona.SeatWeight {
				weight = s.Weight
			}
			if err := rw.write(a.ID, string(s.Kind), string(s.Persona), s.Contact, s.Role.String(), weight, s.From, s.Until, s.Note); err != nil {
				return err
			}
		}
	}
	return rw.flush()
}
