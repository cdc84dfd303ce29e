package ingest_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

var update = flag.Bool("update", false, "rewrite the .golden files from the current output")

// golden compares got, as indented JSON, with testdata/name.golden. The
// golden files were written by this test with -update and then checked by
// hand against the input files beside them (each rejected row and reason).
func golden(t *testing.T, name string, got any) {
	t.Helper()
	data, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := "testdata/" + name + ".golden"
	if *update {
		if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), string(data)+"\n"); d != "" {
		t.Errorf("%s differs from its golden file (-want +got):\n%s", name, d)
	}
}

func open(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

type readResult[T any] struct {
	Accepted []T
	Summary  ingest.Summary
}

func TestSignalsGolden(t *testing.T) {
	for _, tc := range []struct {
		file   string
		format ingest.Format
	}{{"signals.csv", ingest.CSV}, {"signals.jsonl", ingest.JSONL}} {
		t.Run(tc.file, func(t *testing.T) {
			r, err := ingest.Signals(open(t, tc.file), tc.format, tc.file, nil)
			if err != nil {
				t.Fatal(err)
			}
			res := readResult[scoring.Signal]{Accepted: r.Collect(), Summary: r.Summary()}
			if s := res.Summary; s.Read != s.Accepted+s.Rejected || s.Rejected != len(s.Errors) {
				t.Errorf("rows not accounted for: %+v", s)
			}
			golden(t, tc.file, res)
		})
	}
}

func TestContactsAndAccountsGolden(t *testing.T) {
	cat := persona.B2B()
	titles, err := persona.NewTitleMapper(persona.B2BTitleRules(), cat) // no fallback: unknown titles stay unmapped
	if err != nil {
		t.Fatal(err)
	}
	ar, err := ingest.Accounts(open(t, "accounts.csv"), ingest.CSV, "accounts.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	accounts := ar.Collect()
	golden(t, "accounts.csv", readResult[persona.Account]{Accepted: accounts, Summary: ar.Summary()})

	known := map[string]bool{}
	for _, a := range accounts {
		known[a.ID] = true
	}
	cr, err := ingest.Contacts(open(t, "contacts.csv"), ingest.CSV, "contacts.csv", ingest.ContactOptions{Catalog: cat, Titles: titles, Accounts: known})
	if err != nil {
		t.Fatal(err)
	}
	contacts := cr.Collect()
	golden(t, "contacts.csv", readResult[persona.Contact]{Accepted: contacts, Summary: cr.Summary()})
	if s := cr.Summary(); s.Unmapped["Receptionist"] != 1 {
		t.Errorf("the unmapped title is not reported: %+v", s.Unmapped)
	}
	orphans, dups := ingest.Attach(accounts, append(contacts, persona.Contact{ID: "x", Account: "ghost"}, contacts[0]))
	if len(orphans) != 1 || len(dups) != 1 || len(accounts[0].Contacts) != len(contacts) {
		t.Errorf("attach: %d orphans, %d duplicates, %d attached", len(orphans), len(dups), len(accounts[0].Contacts))
	}
}

func TestRenamedColumnsAndMissingHeader(t *testing.T) {
	in := "who,what,score,when\nc1,nps,9,2026-01-01\n"
	r, err := ingest.Signals(strings.NewReader(in), ingest.CSV, "renamed.csv", ingest.Columns{"contact": "who", "metric": "what", "value": "score", "at": "when"})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Collect(); len(got) != 1 || got[0].Contact != "c1" || got[0].Value != 9 {
		t.Errorf("read %+v", got)
	}
	if _, err := ingest.Signals(strings.NewReader(in), ingest.CSV, "plain.csv", nil); err == nil || !strings.Contains(err.Error(), `"metric"`) {
		t.Errorf("missing column: %v", err)
	}
	if _, err := ingest.Signals(strings.NewReader(""), ingest.CSV, "empty.csv", nil); err == nil {
		t.Error("an empty CSV file has no header and must be an error")
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	r, _ := ingest.Signals(open(t, "signals.csv"), ingest.CSV, "signals.csv", nil)
	want := r.Collect()
	for _, format := range []ingest.Format{ingest.CSV, ingest.JSONL} {
		var buf bytes.Buffer
		if err := ingest.WriteSignals(&buf, format, func(yield func(scoring.Signal) bool) {
			for _, s := range want {
				if !yield(s) {
					return
				}
			}
		}); err != nil {
			t.Fatal(err)
		}
		back, err := ingest.Signals(&buf, format, "round-trip", nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, back.Collect()); d != "" {
			t.Errorf("format %d: round trip changed the signals (-want +got):\n%s", format, d)
		}
	}
}

func TestModelReadWrite(t *testing.T) {
	m := scoring.DefaultModel(persona.B2B())
	var buf bytes.Buffer
	if err := ingest.WriteModel(&buf, m); err != nil {
		t.Fatal(err)
	}
	back, err := ingest.ReadModel(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(m, back); d != "" {
		t.Errorf("model round trip (-want +got):\n%s", d)
	}
	if _, err := ingest.ReadModel(strings.NewReader(`{"metrics": [], "half_lfie": "90d"}`)); err == nil || !strings.Contains(err.Error(), "half_lfie") {
		t.Errorf("a misspelt field must be an error: %v", err)
	}
}

func TestWriteResults(t *testing.T) {
	cat := persona.B2B()
	m := scoring.DefaultModel(cat)
	m.Unheard = scoring.UnheardRenormalise // so that the one persona heard is the score
	s, err := scoring.Compile(m, cat)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{{ID: "dana", Persona: persona.LineOfBusiness}}}
	r, err := s.Score(acct, []scoring.Signal{
		{Contact: "dana", Metric: "nps", Value: 9, At: at},
		{Contact: "dana", Metric: "nps", Value: 12, At: at},
	}, at)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ingest.WriteResults(&buf, ingest.CSV, func(yield func(scoring.Result) bool) { yield(r) }); err != nil {
		t.Fatal(err)
	}
	// One promoter shrunk toward 50 with k = 2: (100 + 100)/3 = 66.67, SE
	// 25/sqrt(3) = 14.434, 90% interval ± 1.6449*14.434 = ± 23.741; only
	// the line-of-business executive heard (22.5% of the weight), below the
	// default minimum coverage of 35%.
	want := "account,scored,score,low,high,band,coverage,veto,used,dropped\n" +
		"acme,true,66.66666666666667,42.92524955921756,90.40808377411578,insufficient data,0.225,,1,1\n"
	if d := cmp.Diff(want, buf.String()); d != "" {
		t.Errorf("results CSV (-want +got):\n%s", d)
	}
}

func TestFromJSONLines(t *testing.T) {
	s, err := ingest.SignalFromJSON(`{"contact":"dana","metric":"nps","value":9,"at":"2026-05-01"}`)
	if err != nil || s.Contact != "dana" || s.Value != 9 {
		t.Errorf("SignalFromJSON = %+v, %v", s, err)
	}
	_, err = ingest.SignalFromJSON(`{"contact":"dana","metric":"nps","value":"x","at":"2026-05-01"}`)
	if err == nil || err.Error() != `ingest: value: not a finite number: "x"` {
		t.Errorf("bad value: %v", err)
	}
	if _, err := ingest.SignalFromJSON(`nope`); err == nil {
		t.Error("a line that is not JSON was accepted")
	}
	cat := persona.B2B()
	titles, _ := persona.NewTitleMapper(persona.B2BTitleRules(), cat)
	c, err := ingest.ContactFromJSON(`{"id":"gus","account":"acme","title":"CFO"}`, ingest.ContactOptions{Catalog: cat, Titles: titles})
	if err != nil || c.Persona != persona.FinanceExecutive {
		t.Errorf("ContactFromJSON = %+v, %v", c, err)
	}
	if _, err := ingest.ContactFromJSON(`{"id":"gus","account":"acme"}`, ingest.ContactOptions{Catalog: cat}); err == nil {
		t.Error("a contact with no persona and no title rules was accepted")
	}
	if _, err := ingest.ContactFromJSON(`{}`, ingest.ContactOptions{}); err == nil {
		t.Error("no catalog accepted")
	}
}

// GroupSignals keeps every signal: each with its account, in the order
// read, and the ones naming an unknown account, or none, apart. A grouped
// signal's Account is its account's own ID string.
func TestGroupSignals(t *testing.T) {
	accounts := []persona.Account{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	in := []scoring.Signal{ // account IDs as a reader's, copies
		{Account: strings.Clone("b"), Contact: "1", Value: 1}, {Account: strings.Clone("a"), Contact: "2", Value: 2},
		{Account: "ghost", Value: 3}, {Account: strings.Clone("b"), Contact: "3", Value: 4}, {Contact: "4", Value: 5},
	}
	byAccount, orphans := ingest.GroupSignals(accounts, slices.Values(in))
	want := [][]scoring.Signal{{in[1]}, {in[0], in[3]}, nil}
	if d := cmp.Diff(want, byAccount); d != "" {
		t.Errorf("grouped (-want +got):\n%s", d)
	}
	for i, group := range byAccount {
		for j := range group {
			if unsafe.StringData(group[j].Account) != unsafe.StringData(accounts[i].ID) {
				t.Errorf("account %q, signal %d: Account is a copy of the account's ID", accounts[i].ID, j)
			}
		}
	}
	if d := cmp.Diff([]scoring.Signal{in[2], in[4]}, orphans); d != "" {
		t.Errorf("orphans (-want +got):\n%s", d)
	}
	if byAccount, orphans := ingest.GroupSignals(nil, slices.Values(in)); len(byAccount) != 0 || len(orphans) != len(in) {
		t.Errorf("no accounts: %d groups, %d orphans", len(byAccount), len(orphans))
	}
	// An account listed twice: the first gets the signals, as in Attach.
	twice := []persona.Account{{ID: "b"}, {ID: "a"}, {ID: "b"}}
	byAccount, _ = ingest.GroupSignals(twice, slices.Values(in))
	if len(byAccount[0]) != 2 || len(byAccount[2]) != 0 {
		t.Errorf("account listed twice: %d and %d signals, want 2 and 0", len(byAccount[0]), len(byAccount[2]))
	}
	if orphans, _ := ingest.Attach(twice, []persona.Contact{{ID: "1", Account: "b"}}); len(orphans) != 0 || len(twice[0].Contacts) != 1 || len(twice[2].Contacts) != 0 {
		t.Errorf("account listed twice: %d and %d contacts, want 1 and 0", len(twice[0].Contacts), len(twice[2].Contacts))
	}
}
