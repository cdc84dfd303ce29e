package ingest_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/persona"
)

func TestCommitteeReadsAndRejects(t *testing.T) {
	const file = `account,kind,persona,contact,role,weight,from,until,note
acme,veto,procurement,,,,2026-01-01,,MSA requires procurement sign-off
acme,role,,cfo,economic-buyer,,,,
acme,weight,lob-exec,,,0.8,,2026-06-01,
acme,boss,cio,,,,,,
acme,veto,,,,,,,
acme,role,,cfo,king,,,,
acme,weight,lob-exec,,,,,,
acme,weight,lob-exec,,,-1,,,
acme,no-veto,finance-exec,,,,2026-02-01,2026-01-01,
,veto,cio,,,,,,
acme,role,,,sponsor,,,,
acme,veto,wizard,,,,,,
`
	r, err := ingest.Committee(strings.NewReader(file), ingest.CSV, "committee.csv", ingest.CommitteeOptions{Catalog: persona.B2B()})
	if err != nil {
		t.Fatal(err)
	}
	got := r.Collect()
	want := []ingest.Seat{
		{Account: "acme", Seat: persona.Seat{Kind: persona.SeatVeto, Persona: persona.Procurement, From: jan1, Note: "MSA requires procurement sign-off"}},
		{Account: "acme", Seat: persona.Seat{Kind: persona.SeatRole, Contact: "cfo", Role: persona.RoleEconomicBuyer}},
		{Account: "acme", Seat: persona.Seat{Kind: persona.SeatWeight, Persona: persona.LineOfBusiness, Weight: 0.8, Until: jun1}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("seats (-want +got):\n%s", d)
	}
	s := r.Summary()
	wantCols := []string{"kind", "persona", "role", "weight", "weight", "until", "account", "contact", "persona"}
	var cols []string
	for _, e := range s.Errors {
		cols = append(cols, e.Column)
	}
	if s.Read != 12 || s.Accepted != 3 || s.Rejected != 9 || !slices.Equal(cols, wantCols) {
		t.Errorf("summary %+v; rejected columns %v, want %v", s, cols, wantCols)
	}
}

var (
	jan1 = mustTime("2026-01-01T00:00:00Z")
	jun1 = mustTime("2026-06-01T00:00:00Z")
)

// Committees written and read back, attached to their accounts, are the
// committees villagesim drew, in CSV and JSON lines.
func TestCommitteeRoundTrip(t *testing.T) {
	base, err := villagesim.Generate(villagesim.Config{Seed: 2, Accounts: 60, Committees: true})
	if err != nil {
		t.Fatal(err)
	}
	seats := 0
	for _, a := range base.Accounts {
		seats += len(a.Committee)
	}
	if seats < 30 {
		t.Fatalf("only %d seats in 60 accounts: the round trip would prove little", seats)
	}
	for _, format := range []ingest.Format{ingest.CSV, ingest.JSONL} {
		var buf bytes.Buffer
		if err := ingest.WriteCommittee(&buf, format, slices.Values(base.Accounts)); err != nil {
			t.Fatal(err)
		}
		r, err := ingest.Committee(&buf, format, "committee", ingest.CommitteeOptions{Catalog: base.Catalog})
		if err != nil {
			t.Fatal(err)
		}
		back := make([]persona.Account, len(base.Accounts))
		for i, a := range base.Accounts {
			back[i] = persona.Account{ID: a.ID, Contacts: a.Contacts}
		}
		orphans := ingest.AttachCommittee(back, append(r.Collect(), ingest.Seat{Account: "nobody"}))
		if len(orphans) != 1 || r.Summary().Rejected != 0 {
			t.Fatalf("format %d: orphans %v, summary %+v", format, orphans, r.Summary())
		}
		for i, a := range back {
			if d := cmp.Diff(base.Accounts[i].Committee, a.Committee); d != "" {
				t.Fatalf("format %d, %s: committee (-want +got):\n%s", format, a.ID, d)
			}
			if err := a.Validate(base.Catalog); err != nil {
				t.Fatalf("%s: %v", a.ID, err)
			}
		}
	}
	if _, err := ingest.SeatFromJSON(`{"account":"acme","kind":"veto"}`, nil); err == nil {
		t.Error("a veto seat without a persona parsed")
	}
	if s, err := ingest.SeatFromJSON(`{"account":"acme","kind":"role","contact":"c1","role":"sponsor"}`, nil); err != nil || s.Role != persona.RoleSponsor {
		t.Errorf("SeatFromJSON = %+v, %v", s, err)
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Columns beyond the account's own are its traits, for a fit profile; a
// renamed column is not one.
func TestAccountsReadTraits(t *testing.T) {
	const file = "customer,name,industry,employees,segment\nacme,Acme,banking,1200,enterprise\nbeta,Beta,,,smb\n"
	r, err := ingest.Accounts(strings.NewReader(file), ingest.CSV, "accounts.csv", ingest.Columns{"id": "customer"})
	if err != nil {
		t.Fatal(err)
	}
	got := r.Collect()
	want := []persona.Account{
		{ID: "acme", Name: "Acme", Segment: "enterprise", Traits: map[string]string{"industry": "banking", "employees": "1200"}},
		{ID: "beta", Name: "Beta", Segment: "smb"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("CSV (-want +got):\n%s", d)
	}
	const lines = `{"id":"acme","industry":"banking","employees":1200,"segment":"enterprise","name":"Acme"}` + "\n"
	r, err = ingest.Accounts(strings.NewReader(lines), ingest.JSONL, "accounts.jsonl", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want[:1], r.Collect()); d != "" {
		t.Errorf("JSON lines (-want +got):\n%s", d)
	}
}

func TestOutcomes(t *testing.T) {
	const file = "account,renewed,at\nacme,true,2026-01-01\nbeta,Churned,2026-02-01T00:00:00Z\ngamma,maybe,2026-01-01\ndelta,1,\n,0,2026-01-01\n"
	r, err := ingest.Outcomes(strings.NewReader(file), ingest.CSV, "outcomes.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := r.Collect()
	want := []ingest.Outcome{{Account: "acme", Renewed: true, At: jan1}, {Account: "beta", At: mustTime("2026-02-01T00:00:00Z")}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if s := r.Summary(); s.Rejected != 3 || s.Errors[0].Column != "renewed" || s.Errors[1].Column != "at" || s.Errors[2].Column != "account" {
		t.Errorf("summary %+v", s)
	}
	var buf bytes.Buffer
	if err := ingest.WriteOutcomes(&buf, ingest.JSONL, slices.Values(want)); err != nil {
		t.Fatal(err)
	}
	back, _ := ingest.Outcomes(&buf, ingest.JSONL, "o.jsonl", nil)
	if d := cmp.Diff(want, back.Collect()); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

// Accounts written with their traits read back with them.
func TestAccountsTraitsRoundTrip(t *testing.T) {
	accounts := []persona.Account{
		{ID: "acme", Segment: "enterprise", ARR: 1000, Traits: map[string]string{"industry": "banking", "employees": "1200"}},
		{ID: "beta", Traits: map[string]string{"industry": "retail"}},
	}
	for _, format := range []ingest.Format{ingest.CSV, ingest.JSONL} {
		var buf bytes.Buffer
		if err := ingest.WriteAccounts(&buf, format, slices.Values(accounts), "employees", "industry"); err != nil {
			t.Fatal(err)
		}
		r, _ := ingest.Accounts(&buf, format, "a", nil)
		if d := cmp.Diff(accounts, r.Collect()); d != "" {
			t.Errorf("format %d (-want +got):\n%s", format, d)
		}
	}
}

func TestPlanAndAnswers(t *testing.T) {
	units := []ingest.PlannedUnit{{Contact: "c1", Account: "acme", Stratum: "cio", Prob: 0.25, Population: 40}, {Contact: "c2", Stratum: "end-user", Prob: 1, Population: 0}}
	var buf bytes.Buffer
	if err := ingest.WritePlan(&buf, ingest.CSV, slices.Values(units)); err != nil {
		t.Fatal(err)
	}
	buf.WriteString("c3,acme,cio,0,40\nc4,acme,cio,0.5,4.5\n,acme,cio,0.5,4\n")
	r, err := ingest.Plan(&buf, ingest.CSV, "plan.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(units, r.Collect()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if s := r.Summary(); s.Rejected != 3 || s.Errors[0].Column != "prob" || s.Errors[1].Column != "population" || s.Errors[2].Column != "contact" {
		t.Errorf("summary %+v", s)
	}
	a, _ := ingest.Answers(strings.NewReader("contact,value\nc1,9\nc2,NaN\nc3,\n"), ingest.CSV, "answers.csv", nil)
	if got := a.Collect(); len(got) != 1 || got[0] != (ingest.Answer{Contact: "c1", Value: 9}) || a.Summary().Rejected != 2 {
		t.Errorf("answers %v, summary %+v", got, a.Summary())
	}
}

// An invitations history: answered, unanswered, and the rows rejected
// with their column (no contact, a time that is not one, an answer before
// its invitation).
func TestInvitations(t *testing.T) {
	in := "contact,sent_at,answered_at\n" +
		"c1,2026-01-05,2026-01-07T10:00:00Z\n" +
		"c2,2026-01-05,\n" +
		",2026-01-05,\n" +
		"c3,soon,\n" +
		"c4,2026-01-05,2026-01-01\n"
	r, err := ingest.Invitations(strings.NewReader(in), ingest.CSV, "invitations.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	want := []ingest.Invited{
		{Contact: "c1", SentAt: day("2026-01-05T00:00:00Z"), AnsweredAt: day("2026-01-07T10:00:00Z")},
		{Contact: "c2", SentAt: day("2026-01-05T00:00:00Z")},
	}
	got := r.Collect()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if !got[0].Answered() || got[1].Answered() {
		t.Error("Answered")
	}
	s := r.Summary()
	if s.Rejected != 3 || s.Errors[0].Column != "contact" || s.Errors[1].Column != "sent_at" || s.Errors[2].Column != "answered_at" {
		t.Errorf("summary %+v", s)
	}
	if _, err := ingest.Invitations(strings.NewReader("contact,answered_at\nc1,\n"), ingest.CSV, "invitations.csv", nil); err == nil {
		t.Error("a file without sent_at was read")
	}
}

// Persona IDs as another tool spells them are read as the catalog's own,
// in contacts and committee seats alike; an unknown one lists the valid IDs.
func TestPersonaSpellings(t *testing.T) {
	cat := persona.B2B()
	in := "id,account,persona\nc1,acme,Finance_Exec\nc2,acme,end user\nc3,acme,wizard\n"
	r, err := ingest.Contacts(strings.NewReader(in), ingest.CSV, "contacts.csv", ingest.ContactOptions{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	got := r.Collect()
	if len(got) != 2 || got[0].Persona != persona.FinanceExecutive || got[1].Persona != persona.EndUser {
		t.Errorf("contacts %+v", got)
	}
	if s := r.Summary(); s.Rejected != 1 || !strings.Contains(s.Errors[0].Reason, "want one of lob-exec, finance-exec") {
		t.Errorf("summary %+v", s)
	}
	seats, err := ingest.Committee(strings.NewReader("account,kind,persona\nacme,veto,PROCUREMENT\n"), ingest.CSV, "committee.csv", ingest.CommitteeOptions{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	if s := seats.Collect(); len(s) != 1 || s[0].Persona != persona.Procurement {
		t.Errorf("seats %+v", s)
	}
}

// The time forms other tools write: RFC 3339, a date, a date and time
// without a zone (UTC), with a space or a T, seconds optional.
func TestParseTimeForms(t *testing.T) {
	want := time.Date(2025, 10, 1, 18, 0, 0, 0, time.UTC)
	for _, s := range []string{"2025-10-01T18:00:00Z", "2025-10-01 18:00:00", "2025-10-01T18:00:00", "2025-10-01 18:00", "2025-10-01T18:00",
		"2025-10-01 20:00:00+02:00", "2025-10-01T20:00:00+02:00"} {
		got, err := ingest.ParseTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if got, err := ingest.ParseTime("2025-10-01"); err != nil || !got.Equal(time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("a date: %v, %v", got, err)
	}
	for _, s := range []string{"soon", "01/10/2025", "2025-13-01 10:00", "2025-10-01 25:00", ""} {
		if _, err := ingest.ParseTime(s); err == nil {
			t.Errorf("ParseTime(%q) accepted", s)
		}
	}
}
