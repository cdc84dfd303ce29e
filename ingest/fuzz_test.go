package ingest_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/persona"
)

// FuzzSignalsCSV: any bytes after a valid header read without a panic, and
// every row read is accepted or rejected with a reason.
func FuzzSignalsCSV(f *testing.F) {
	f.Add([]byte("acme,dana,,nps,9,2026-05-01,survey\n"))
	f.Add([]byte("\"a\nb\",c,,nps,1e308,2026-01-01T00:00:00Z,\n,,,,,,\n"))
	f.Add([]byte("x,\"y"))
	f.Fuzz(func(t *testing.T, body []byte) {
		in := append([]byte("account,contact,persona,metric,value,at,source\n"), body...)
		r, err := ingest.Signals(bytes.NewReader(in), ingest.CSV, "fuzz.csv", nil)
		if err != nil {
			t.Fatal(err)
		}
		n := len(r.Collect())
		s := r.Summary()
		if s.Read != s.Accepted+s.Rejected || s.Accepted != n || len(s.Errors) != s.Rejected {
			t.Fatalf("rows not accounted for: %d yielded, %+v", n, s)
		}
	})
}

// FuzzContactsJSONL: every non-blank line is one row, accepted or rejected.
func FuzzContactsJSONL(f *testing.F) {
	f.Add([]byte(`{"id":"dana","account":"acme","title":"VP Sales"}` + "\n" + `{"id":1}` + "\n"))
	f.Add([]byte("[]\n\n{\"id\":\"x\",\"account\":\"acme\",\"persona\":\"cio\",\"left\":\"2020-01-01\",\"joined\":\"2021-01-01\"}"))
	cat := persona.B2B()
	titles, _ := persona.NewTitleMapper(persona.B2BTitleRules(), cat)
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 1<<16 {
			return
		}
		r, err := ingest.Contacts(bytes.NewReader(body), ingest.JSONL, "fuzz.jsonl", ingest.ContactOptions{Catalog: cat, Titles: titles})
		if err != nil {
			t.Fatal(err)
		}
		n := len(r.Collect())
		s := r.Summary()
		lines := 0
		for _, l := range strings.Split(string(body), "\n") {
			if strings.TrimSpace(l) != "" {
				lines++
			}
		}
		if s.Read != s.Accepted+s.Rejected || s.Accepted != n || s.Read != lines {
			t.Fatalf("%d non-blank lines, %d yielded, summary %+v", lines, n, s)
		}
	})
}

// FuzzCommitteeCSV: any bytes after a valid header read without a panic,
// every row is accepted or rejected with a reason, and the accepted seats,
// attached to an account with the contacts they name, validate or fail with
// an error (never a panic).
func FuzzCommitteeCSV(f *testing.F) {
	f.Add([]byte("acme,veto,procurement,,,,2026-01-01,,MSA\nacme,role,,cfo,economic-buyer,,,,\n"))
	f.Add([]byte("acme,weight,cio,,,1e400,,,\nacme,no-veto,x,,,,2026-02-01,2026-01-01,\n"))
	cat := persona.B2B()
	f.Fuzz(func(t *testing.T, body []byte) {
		in := append([]byte("account,kind,persona,contact,role,weight,from,until,note\n"), body...)
		r, err := ingest.Committee(bytes.NewReader(in), ingest.CSV, "fuzz.csv", ingest.CommitteeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		seats := r.Collect()
		s := r.Summary()
		if s.Read != s.Accepted+s.Rejected || s.Accepted != len(seats) || len(s.Errors) != s.Rejected {
			t.Fatalf("rows not accounted for: %d yielded, %+v", len(seats), s)
		}
		acct := persona.Account{ID: "acme"}
		for _, seat := range seats {
			if seat.Contact != "" && !slices.ContainsFunc(acct.Contacts, func(c persona.Contact) bool { return c.ID == seat.Contact }) {
				acct.Contacts = append(acct.Contacts, persona.Contact{ID: seat.Contact, Persona: persona.EndUser})
			}
		}
		accounts := []persona.Account{acct}
		for _, o := range ingest.AttachCommittee(accounts, seats) {
			if o.Account == "acme" {
				t.Fatalf("a seat of acme not attached to it: %v", o)
			}
		}
		_ = accounts[0].Validate(cat)
	})
}

// FuzzInvitationsCSV: every row of an invitations history is accepted or
// rejected, never lost, and an accepted answer never comes before its
// invitation.
func FuzzInvitationsCSV(f *testing.F) {
	f.Add([]byte("c1,2026-01-05,2026-01-07T10:00:00Z\nc2,2026-01-05 10:00,\n,x,\n"))
	f.Add([]byte("c3,2026-01-05,2026-01-01\n\"a\nb\",2026-13-01,\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		in := append([]byte("contact,sent_at,answered_at\n"), body...)
		r, err := ingest.Invitations(bytes.NewReader(in), ingest.CSV, "fuzz.csv", nil)
		if err != nil {
			t.Fatal(err)
		}
		rows := r.Collect()
		s := r.Summary()
		if s.Read != s.Accepted+s.Rejected || s.Accepted != len(rows) || len(s.Errors) != s.Rejected {
			t.Fatalf("rows not accounted for: %d yielded, %+v", len(rows), s)
		}
		for _, v := range rows {
			if v.Contact == "" || v.SentAt.IsZero() || (v.Answered() && v.AnsweredAt.Before(v.SentAt)) {
				t.Fatalf("accepted %+v", v)
			}
		}
	})
}
