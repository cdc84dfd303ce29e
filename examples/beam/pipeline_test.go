package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/google/go-cmp/cmp"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
	"github.com/villagecx/village/scoring/scoringtest"
)

func TestMain(m *testing.M) {
	beam.Init()
	os.Exit(m.Run())
}

// resultLine is one line of the pipeline's output (ingest.WriteResults).
type resultLine struct {
	Account  string  `json:"account"`
	Scored   string  `json:"scored"`
	Score    float64 `json:"score"`
	Low      float64 `json:"low"`
	High     float64 `json:"high"`
	Band     string  `json:"band"`
	Coverage float64 `json:"coverage"`
	Veto     string  `json:"veto"`
	Used     float64 `json:"used"`
	Dropped  float64 `json:"dropped"`
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func appendLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		f.WriteString(l + "\n")
	}
}

// The pipeline on prism must give, account by account, what ScoreAll gives
// on the same data, with the signals shuffled and split across files so that
// Beam combines them in pieces and merges the pieces, and the accounts'
// committees joined in; and every input line must be scored or
// dead-lettered with a reason.
func TestPipelineMatchesScoreAll(t *testing.T) {
	dir := t.TempDir()
	sigPath, conPath, seatPath := filepath.Join(dir, "signals.jsonl"), filepath.Join(dir, "contacts.jsonl"), filepath.Join(dir, "committee.jsonl")
	if _, err := Generate(3000, 7, sigPath, conPath, seatPath, 3); err != nil {
		t.Fatal(err)
	}
	part := filepath.Join(dir, "signals-1.jsonl")
	appendLines(t, part, `not json`, `{"account":"acct-00001","contact":"x","metric":"nps","at":"2025-12-01"}`,
		`{"contact":"x","metric":"nps","value":3,"at":"2025-12-01"}`)
	appendLines(t, conPath, `{"id":"ghost","account":"acct-00001","persona":"wizard"}`)
	appendLines(t, seatPath, `{"account":"acct-00002","kind":"veto","persona":"wizard"}`, `{"account":"acct-00002","kind":"boss"}`,
		// Valid lines that leave acct-00003 unscorable: two weights for one persona in force at once.
		`{"account":"acct-00003","kind":"weight","persona":"cio","weight":1}`, `{"account":"acct-00003","kind":"weight","persona":"cio","weight":2}`)

	cat := persona.B2B()
	model := scoring.DefaultModel(cat)
	modelJSON, _ := json.Marshal(model)
	catJSON, _ := json.Marshal(cat)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := Config{
		Signals:    []string{filepath.Join(dir, "signals-0.jsonl"), part, filepath.Join(dir, "signals-2.jsonl")},
		Contacts:   conPath,
		Committee:  seatPath,
		Output:     filepath.Join(dir, "results.jsonl"),
		DeadLetter: filepath.Join(dir, "dead.txt"),
		ModelJSON:  string(modelJSON), Catalog: string(catJSON), At: at,
	}
	p, s := beam.NewPipelineWithRoot()
	if err := Build(s, cfg); err != nil {
		t.Fatal(err)
	}
	res, err := beam.Run(context.Background(), "prism", p)
	if err != nil {
		t.Fatal(err)
	}
	counters := Counters(res)

	// Every line is accounted for.
	in := 0
	for _, f := range cfg.Signals {
		in += len(readLines(t, f))
	}
	dead := readLines(t, cfg.DeadLetter)
	if counters["signal_lines"] != int64(in) || counters["signal_lines_rejected"] != 3 || counters["contact_lines_rejected"] != 1 ||
		counters["committee_lines"] != int64(len(readLines(t, seatPath))) || counters["committee_lines_rejected"] != 2 ||
		counters["accounts_rejected"] != 1 || len(dead) != 7 {
		t.Errorf("lines: %d in, counters %v, %d dead letters", in, counters, len(dead))
	}
	for _, want := range []string{"not a JSON object", "value: missing value", "no account", `unknown persona "wizard"`,
		`unknown seat kind "boss"`, "accounts\tscoring: account \"acct-00003\""} {
		if !strings.Contains(strings.Join(dead, "\n"), want) {
			t.Errorf("no dead letter says %q:\n%s", want, strings.Join(dead, "\n"))
		}
	}
	if counters["accumulator_merges"] == 0 {
		t.Error("MergeAccumulators never ran: the test did not exercise merging")
	}

	// The same data through ScoreAll.
	local, err := LoadLocal(cat, cfg.Signals, cfg.Contacts, cfg.Committee)
	if err != nil {
		t.Fatal(err)
	}
	scorer, _ := scoring.Compile(model, cat)
	scoreAll := func(accounts iter.Seq2[persona.Account, []scoring.Signal]) map[string]resultLine {
		out := map[string]resultLine{}
		for r, err := range scorer.ScoreAll(context.Background(), accounts, at, nil) {
			if errors.Is(err, persona.ErrInvalidSeat) {
				continue // dead-lettered by the pipeline
			}
			if err != nil {
				t.Fatal(err)
			}
			var buf strings.Builder
			ingest.WriteResults(&buf, ingest.JSONL, func(yield func(scoring.Result) bool) { yield(r) })
			var line resultLine
			json.Unmarshal([]byte(buf.String()), &line)
			out[r.Account] = line
		}
		return out
	}
	want := scoreAll(local.All())
	withoutCommittees := scoreAll(func(yield func(persona.Account, []scoring.Signal) bool) {
		for a, sigs := range local.All() {
			a.Committee = nil
			if !yield(a, sigs) {
				return
			}
		}
	})
	if cmp.Equal(want, withoutCommittees, scoringtest.CompareOptions(1e-9)) {
		t.Error("no account's result depends on its committee: the test would pass if the pipeline dropped them")
	}

	got := map[string]resultLine{}
	for _, l := range readLines(t, cfg.Output) {
		var line resultLine
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatalf("result line %q: %v", l, err)
		}
		got[line.Account] = line
	}
	if d := cmp.Diff(want, got, scoringtest.CompareOptions(1e-9)); d != "" {
		t.Errorf("pipeline results differ from ScoreAll (-ScoreAll +pipeline):\n%.4000s", d)
	}
	if len(got) < 2900 {
		t.Errorf("only %d accounts scored", len(got))
	}
}
