package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/scoring"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata from the current output")

// bin is the command built once for the tests, run as a user would.
var bin string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "village-cmd")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "village")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		panic("building the command: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// village runs the built command and returns its stdout, stderr and exit code.
func village(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// demo writes a small synthetic base and returns its folder.
func demo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, stderr, code := village(t, "generate", "--dir", dir, "--accounts", "25", "--seed", "3"); code != 0 {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	return dir
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s differs from its golden file (-want +got):\n%s", name, d)
	}
}

// The golden files were written with -update and read over by hand; they
// guard the output format. That the figures are the library's is checked
// by TestScoreRowsEqualTheLibrary.
func TestScoreExplainAndModelGolden(t *testing.T) {
	dir := demo(t)
	out, stderr, code := village(t, "score", "--dir", dir, "--at", "2026-01-01")
	if code != 0 {
		t.Fatalf("score: exit %d\n%s", code, stderr)
	}
	golden(t, "score.csv", out)
	for _, want := range []string{"accounts.csv: 25 rows read, 25 accepted, 0 rejected", "signals.csv:", "committee.csv:", "25 accounts scored, 0 could not be"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	out, _, code = village(t, "score", "--dir", dir, "--at", "2026-01-01", "--json")
	if code != 0 || strings.Count(out, "\n") != 25 || !strings.HasPrefix(out, `{"account":"acct-00000","scored":true`) {
		t.Errorf("--json: exit %d\n%.300s", code, out)
	}
	out, stderr, code = village(t, "explain", "--dir", dir, "--at", "2026-01-01", "acct-00002", "acct-00007")
	if code != 0 {
		t.Fatalf("explain: exit %d\n%s", code, stderr)
	}
	golden(t, "explain.txt", out)
	// A known and an unknown account: the known one explained, the other
	// reported, exit 1.
	out, stderr, code = village(t, "explain", "--dir", dir, "--at", "2026-01-01", "acct-00002", "acct-99999")
	if code != exitStrict || !strings.HasPrefix(out, "acct-00002: ") || !strings.Contains(stderr, `not in the accounts file: "acct-99999" (1 explained)`) {
		t.Errorf("explain a known and an unknown account: exit %d\n%s\n%s", code, out, stderr)
	}
	// village help CMD is CMD --help.
	if _, stderr, code := village(t, "help", "score"); code != 0 || !strings.HasPrefix(stderr, "village score: ") || !strings.Contains(stderr, "-strict") {
		t.Errorf("help score: exit %d\n%.300s", code, stderr)
	}
	out, _, code = village(t, "model", "default")
	if code != 0 || !strings.Contains(out, `"veto_on": "evidence"`) {
		t.Errorf("model default: exit %d\n%.300s", code, out)
	}
}

// calibrate prints its report and writes a model that score reads.
func TestCalibrateWritesAModelScoreReads(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := village(t, "generate", "--dir", dir, "--accounts", "400", "--seed", "2"); code != 0 {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	fitted := filepath.Join(dir, "fitted.json")
	out, stderr, code := village(t, "calibrate", "--dir", dir, "--model-out", fitted)
	if code != 0 {
		t.Fatalf("calibrate: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"How well each score predicts renewal", "calibrated", "What moves renewal"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	out, stderr, code = village(t, "score", "--dir", dir, "--at", "2026-01-01", "--model", fitted)
	if code != 0 || strings.Count(out, "\n") != 401 {
		t.Errorf("score with the fitted model: exit %d, %d lines\n%s", code, strings.Count(out, "\n"), stderr)
	}
	// The fitted model carries its link, so its scores come with money:
	// P(renew) in its interval and ARR x (1 - P(renew)).
	data, _ := os.ReadFile(fitted)
	var m struct {
		Link *struct{ Intercept, Slope float64 } `json:"link"`
	}
	if err := json.Unmarshal(data, &m); err != nil || m.Link == nil {
		t.Fatalf("the fitted model has no link: %v\n%.300s", err, data)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasSuffix(lines[0], ",p_renew,p_renew_low,p_renew_high,arr_at_risk") {
		t.Errorf("header %q has no money columns", lines[0])
	}
	accounts, _ := os.ReadFile(filepath.Join(dir, "accounts.csv"))
	arr := map[string]float64{}
	for _, l := range strings.Split(strings.TrimSpace(string(accounts)), "\n")[1:] {
		f := strings.Split(l, ",")
		arr[f[0]], _ = strconv.ParseFloat(f[3], 64)
	}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		n := len(f)
		if f[1] != "true" {
			continue
		}
		score, _ := strconv.ParseFloat(f[2], 64)
		p, _ := strconv.ParseFloat(f[n-4], 64)
		lo, _ := strconv.ParseFloat(f[n-3], 64)
		hi, _ := strconv.ParseFloat(f[n-2], 64)
		atRisk, _ := strconv.ParseFloat(f[n-1], 64)
		want := 1 / (1 + math.Exp(-(m.Link.Intercept + m.Link.Slope*(score-50)/50)))
		if math.Abs(p-want) > 1e-3 || !(lo <= p && p <= hi) || math.Abs(atRisk-arr[f[0]]*(1-p)) > 1e-3*arr[f[0]]+1e-3 {
			t.Fatalf("row %q: p_renew %v (want %v), interval %v..%v, at risk %v of ARR %v", l, p, want, lo, hi, atRisk, arr[f[0]])
		}
	}
	// --sort risk: the largest ARR at risk first; --sort score: the lowest.
	for _, tc := range []struct {
		order string
		col   func(n int) int
		desc  bool
	}{{"risk", func(n int) int { return n - 1 }, true}, {"score", func(int) int { return 2 }, false}} {
		out, stderr, code := village(t, "score", "--dir", dir, "--at", "2026-01-01", "--model", fitted, "--sort", tc.order)
		lines := strings.Split(strings.TrimSpace(out), "\n")[1:]
		if code != 0 || len(lines) != 400 {
			t.Fatalf("--sort %s: exit %d, %d rows\n%s", tc.order, code, len(lines), stderr)
		}
		prev := math.Inf(1)
		if !tc.desc {
			prev = math.Inf(-1)
		}
		for _, l := range lines {
			f := strings.Split(l, ",")
			if f[1] != "true" {
				continue
			}
			v, _ := strconv.ParseFloat(f[tc.col(len(f))], 64)
			if (tc.desc && v > prev) || (!tc.desc && v < prev) {
				t.Fatalf("--sort %s: %v after %v", tc.order, v, prev)
			}
			prev = v
		}
	}
	if _, stderr, code := village(t, "score", "--dir", dir, "--at", "2026-01-01", "--sort", "risk"); code != exitUsage || !strings.Contains(stderr, "needs a model that carries its link") {
		t.Errorf("--sort risk without a link: exit %d\n%s", code, stderr)
	}
	if _, stderr, code := village(t, "score", "--dir", dir, "--at", "2026-01-01", "--sort", "score", "--sorted"); code != exitUsage {
		t.Errorf("--sort score --sorted: exit %d\n%s", code, stderr)
	}
	// plan --objective renewal values answers by the fitted model's own link.
	_, stderr, code = village(t, "plan", "--objective", "renewal", "--dir", dir, "--at", "2026-01-01", "--model", fitted, "--budget", "20", "--out", filepath.Join(dir, "plan.csv"))
	plan, _ := os.ReadFile(filepath.Join(dir, "plan.csv"))
	if code != 0 || !strings.Contains(string(plan), "P(renew)") {
		t.Errorf("plan with the fitted model: exit %d\n%s\n%.400s", code, stderr, plan)
	}
}

// Bad input gives the documented exit code and one clear message, and
// nothing is left half-written.
func TestBadInput(t *testing.T) {
	dir := demo(t)
	badModel := filepath.Join(t.TempDir(), "model.json")
	os.WriteFile(badModel, []byte(`{"metrics": [], "spread": 0}`), 0o644)
	badTitles := filepath.Join(t.TempDir(), "titles.json")
	os.WriteFile(badTitles, []byte(`{"rules": [{"persona": "wizard", "keywords": ["magic"]}]}`), 0o644)
	twice := filepath.Join(t.TempDir(), "accounts.csv")
	os.WriteFile(twice, []byte("id,name\nacme,A\nacme,B\n"), 0o644)
	noHeader := filepath.Join(t.TempDir(), "signals.csv")
	os.WriteFile(noHeader, []byte("account,contact\nacme,dana\n"), 0o644)
	out := filepath.Join(t.TempDir(), "scores.csv")
	tests := []struct {
		name string
		args []string
		code int
		says string
	}{
		{"no command", nil, exitUsage, "Usage: village COMMAND"},
		{"an unknown command", []string{"scroe"}, exitUsage, `unknown command "scroe"`},
		{"an unknown flag", []string{"score", "--dri", dir}, exitUsage, "flag provided but not defined: -dri"},
		{"no input files", []string{"score", "--at", "2026-01-01"}, exitUsage, "no accounts file"},
		{"a bad time", []string{"score", "--dir", dir, "--at", "soon"}, exitUsage, `--at: not a time`},
		{"a missing file", []string{"score", "--dir", dir, "--signals", "/nonexistent.csv", "--out", out}, exitInput, "/nonexistent.csv"},
		{"a file without the columns", []string{"score", "--dir", dir, "--signals", noHeader, "--out", out}, exitInput, `missing column "metric"`},
		{"an invalid model", []string{"score", "--dir", dir, "--model", badModel, "--out", out}, exitInput, "model has no metrics"},
		{"an unknown account", []string{"explain", "--dir", dir, "nobody"}, exitStrict, `not in the accounts file: "nobody"`},
		{"explain with no account", []string{"explain", "--dir", dir}, exitUsage, "name one account"},
		{"title rules naming an unknown persona", []string{"score", "--dir", dir, "--titles", badTitles, "--out", out}, exitInput, `unknown persona`},
		{"an account listed twice", []string{"score", "--dir", dir, "--accounts", twice, "--out", out}, exitInput, `account "acme" listed twice`},
		{"calibrate without outcomes", []string{"calibrate", "--accounts", filepath.Join(dir, "accounts.csv"), "--contacts", filepath.Join(dir, "contacts.csv"),
			"--signals", filepath.Join(dir, "signals.csv")}, exitUsage, "no outcomes file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := village(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.says) {
				t.Errorf("exit %d, want %d; stderr:\n%s\nwant it to say %q", code, tc.code, stderr, tc.says)
			}
			if strings.Count(stderr, tc.says) > 1 {
				t.Errorf("the message is repeated:\n%s", stderr)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s was written", out)
			}
			entries, _ := os.ReadDir(filepath.Dir(out))
			if len(entries) != 0 {
				t.Errorf("left behind: %v", entries)
			}
		})
	}
	_, stderr, code := village(t, "score", "--help")
	if code != 0 || !strings.Contains(stderr, "Examples:") || !strings.Contains(stderr, "-col value") {
		t.Errorf("--help: exit %d\n%s", code, stderr)
	}
}

// With --strict, a rejected row, a row of an account not in the accounts
// file or an account that cannot be scored exits 1 after writing the rest;
// without it, 0. An account whose committee cannot be applied is reported
// by name.
func TestStrictAndUnscorableAccounts(t *testing.T) {
	dir := demo(t)
	f, err := os.OpenFile(filepath.Join(dir, "signals.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("acct-00001,x,,nps,not-a-number,2025-12-01T00:00:00Z,\n")
	f.WriteString("nobody,x,,nps,9,2025-12-01T00:00:00Z,\n") // an account not in the accounts file
	f.Close()
	f, _ = os.OpenFile(filepath.Join(dir, "committee.csv"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("acct-00004,weight,cio,,,1,,,\nacct-00004,weight,cio,,,2,,,\n") // two weights in force at once
	f.Close()

	out := filepath.Join(t.TempDir(), "scores.csv")
	_, stderr, code := village(t, "score", "--dir", dir, "--at", "2026-01-01", "--out", out)
	if code != 0 || !strings.Contains(stderr, "1 rejected") || !strings.Contains(stderr, "account acct-00004 not scored") ||
		!strings.Contains(stderr, "24 accounts scored, 1 could not be") ||
		!strings.Contains(stderr, "1 signal row(s) name an account that is not in the accounts file") {
		t.Errorf("without --strict: exit %d\n%s", code, stderr)
	}
	data, _ := os.ReadFile(out)
	if n := strings.Count(string(data), "\n"); n != 25 {
		t.Errorf("%d lines written, want a header and 24 accounts", n)
	}
	_, stderr, code = village(t, "score", "--dir", dir, "--at", "2026-01-01", "--out", out, "--strict")
	if code != exitStrict || !strings.Contains(stderr, "--strict") {
		t.Errorf("with --strict: exit %d\n%s", code, stderr)
	}
	// Every rejected row with its place, on stderr and in --rejects.
	if !strings.Contains(stderr, `1 × not a finite number: "not-a-number" (line `) {
		t.Errorf("the rejected row's place is not on stderr:\n%s", stderr)
	}
	rejects := filepath.Join(t.TempDir(), "rejects.csv")
	village(t, "score", "--dir", dir, "--at", "2026-01-01", "--out", out, "--rejects", rejects)
	data, err = os.ReadFile(rejects)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if err != nil || len(lines) != 2 || lines[0] != "file,line,column,reason" ||
		!strings.HasSuffix(lines[1], `,value,"not a finite number: ""not-a-number"""`) || !strings.Contains(lines[1], "signals.csv,") {
		t.Errorf("--rejects: %v\n%s", err, data)
	}
}

// Nothing scored is not success: a header-only signals file, or a --col
// that reads the contacts' IDs from their account column, exits 1 naming
// the commonest reasons; under --strict so does an account that heard
// nobody.
func TestNothingScoredIsNotSuccess(t *testing.T) {
	dir := demo(t)
	empty := filepath.Join(t.TempDir(), "signals.csv")
	os.WriteFile(empty, []byte("account,contact,persona,metric,value,at,source\n"), 0o644)
	out := filepath.Join(t.TempDir(), "scores.csv")
	for _, tc := range []struct {
		name string
		args []string
		says []string
	}{
		{"a header-only signals file", []string{"--signals", empty}, []string{"0 accounts scored, 25 heard nobody", "no account could be scored", "no signal was read"}},
		{"contact IDs read from the account column", []string{"--col", "id=account"}, []string{"no account could be scored", "contact not in the account", "--col"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := village(t, append([]string{"score", "--dir", dir, "--at", "2026-01-01", "--out", out}, tc.args...)...)
			if code != exitStrict {
				t.Errorf("exit %d, want %d\n%s", code, exitStrict, stderr)
			}
			for _, want := range tc.says {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr does not say %q:\n%s", want, stderr)
				}
			}
			if n := strings.Count(stderr, " not scored: "); n > 10 {
				t.Errorf("%d accounts named one by one, want at most 10", n)
			}
		})
	}
	// One account that heard nobody: done, but not under --strict.
	some := filepath.Join(t.TempDir(), "signals.csv")
	data, _ := os.ReadFile(filepath.Join(dir, "signals.csv"))
	var kept []string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if !strings.HasPrefix(l, "acct-00003,") {
			kept = append(kept, l)
		}
	}
	os.WriteFile(some, []byte(strings.Join(kept, "\n")+"\n"), 0o644)
	if _, stderr, code := village(t, "score", "--dir", dir, "--at", "2026-01-01", "--signals", some, "--out", out); code != 0 || !strings.Contains(stderr, "1 heard nobody") {
		t.Errorf("one account heard nobody: exit %d\n%s", code, stderr)
	}
	if _, stderr, code := village(t, "score", "--dir", dir, "--at", "2026-01-01", "--signals", some, "--out", out, "--strict"); code != exitStrict {
		t.Errorf("one account heard nobody, --strict: exit %d\n%s", code, stderr)
	}
}

// Interrupted (the context cancelled, as Ctrl-C does), a command exits 130
// and leaves no output file behind.
func TestInterruptLeavesNothing(t *testing.T) {
	dir := demo(t)
	out := filepath.Join(t.TempDir(), "scores.csv")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, &env{stdout: &stdout, stderr: &stderr}, []string{"score", "--dir", dir, "--at", "2026-01-01", "--out", out})
	if code != exitInterrupted || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("exit %d\n%s", code, stderr.String())
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

// The rows of `village score` are the library's own results for the same
// base, generated in process: reading the files loses nothing.
func TestScoreRowsEqualTheLibrary(t *testing.T) {
	dir := demo(t)
	out, _, code := village(t, "score", "--dir", dir, "--at", "2026-01-01", "--json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	base, err := villagesim.Generate(villagesim.Config{Seed: 3, Accounts: 25, Committees: true, Traits: true, FitEffect: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	signals := base.Signals(villagesim.SignalConfig{Seed: 3, BadRate: 0.01})
	s, err := scoring.Compile(scoring.DefaultModel(base.Catalog), base.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	for i, a := range base.Accounts {
		var got row
		if err := dec.Decode(&got); err != nil {
			t.Fatal(err)
		}
		r, err := s.Score(a, signals[i], time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(rowOf(&r), got); d != "" {
			t.Errorf("%s (-library +command):\n%s", a.ID, d)
		}
	}
}

// plan, fielded by generate --answers-for, then estimate: the survey
// commands end to end, and their bad input.
func TestPlanAndEstimate(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := village(t, "generate", "--dir", dir, "--accounts", "200", "--seed", "4"); code != 0 {
		t.Fatalf("generate: %d\n%s", code, stderr)
	}
	plan := filepath.Join(dir, "plan.csv")
	_, stderr, code := village(t, "plan", "--dir", dir, "--budget", "250", "--at", "2026-01-01", "--asked", filepath.Join(dir, "signals.csv"), "--out", plan)
	if code != 0 || !strings.Contains(stderr, "budget 250 buys") || !strings.Contains(stderr, "finance-exec") {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	data, _ := os.ReadFile(plan)
	if !strings.HasPrefix(string(data), "contact,account,stratum,prob,population\n") || strings.Count(string(data), "\n") < 50 {
		t.Errorf("plan file:\n%.500s", data)
	}
	// The same seed and files give the same plan.
	again := filepath.Join(dir, "again.csv")
	village(t, "plan", "--dir", dir, "--budget", "250", "--at", "2026-01-01", "--asked", filepath.Join(dir, "signals.csv"), "--out", again)
	if data2, _ := os.ReadFile(again); string(data2) != string(data) {
		t.Error("the same plan twice gave two files")
	}
	if _, stderr, code := village(t, "generate", "--dir", dir, "--accounts", "200", "--seed", "4", "--answers-for", plan); code != 0 {
		t.Fatalf("fielding: %d\n%s", code, stderr)
	}
	answers := filepath.Join(dir, "answers.csv")
	out, stderr, code := village(t, "estimate", "--plan", plan, "--answers", answers)
	if code != 0 || strings.Count(out, "SE") != 3 || !strings.Contains(out, "persona-weighted") {
		t.Fatalf("estimate: exit %d\n%s\n%s", code, out, stderr)
	}

	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("contact,account,stratum,prob,population\nc1,a,cio,0,5\n"), 0o644)
	emptyAnswers := filepath.Join(dir, "no-answers.csv")
	os.WriteFile(emptyAnswers, []byte("contact,value\n"), 0o644)
	strangerAnswers := filepath.Join(dir, "stranger-answers.csv")
	os.WriteFile(strangerAnswers, []byte("contact,value\nghost,9\n"), 0o644)
	elevens := filepath.Join(dir, "elevens.csv")
	first := strings.SplitN(string(data), "\n", 3)[1]
	os.WriteFile(elevens, []byte("contact,value\n"+strings.SplitN(first, ",", 2)[0]+",11\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"a plan with a rejected row", []string{"estimate", "--plan", bad, "--answers", answers}, exitInput, "must be whole"},
		{"an empty answers file", []string{"estimate", "--plan", plan, "--answers", emptyAnswers}, exitInput, "no answer in the file"},
		{"answers from nobody in the plan", []string{"estimate", "--plan", plan, "--answers", strangerAnswers}, exitInput, "none of its 1 answers"},
		{"an answer off the NPS scale", []string{"estimate", "--plan", plan, "--answers", elevens}, exitInput, "whole number 0..10"},
		{"no budget", []string{"plan", "--dir", dir}, exitUsage, "--budget"},
		{"an unknown persona's cost", []string{"plan", "--dir", dir, "--budget", "9", "--cost", "king=3"}, exitUsage, `unknown persona "king"`},
		{"fielding on another base", []string{"generate", "--dir", dir, "--accounts", "20", "--answers-for", plan}, exitInput, "not in this base"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := village(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.says) {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, stderr)
			}
		})
	}
}

// --sorted streams the files one account at a time and writes what reading
// them whole writes; a file out of order is an input error, nothing written.
func TestSortedStreams(t *testing.T) {
	dir := demo(t)
	whole, _, code := village(t, "score", "--dir", dir, "--at", "2026-01-01")
	if code != 0 {
		t.Fatal(code)
	}
	streamed, stderr, code := village(t, "score", "--dir", dir, "--at", "2026-01-01", "--sorted")
	if code != 0 || streamed != whole {
		t.Fatalf("--sorted: exit %d, output differs: %v\n%s", code, streamed != whole, stderr)
	}
	if !strings.Contains(stderr, "signals.csv:") || !strings.Contains(stderr, "25 accounts scored") {
		t.Errorf("stderr:\n%s", stderr)
	}
	// Move the first signal row to the end: acct-00000 then comes after acct-00024.
	path := filepath.Join(dir, "signals.csv")
	data, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(data), "\n")
	lines = append(append([]string{lines[0]}, lines[2:]...), lines[1], "acct-99999,x,,nps,9,2025-12-01T00:00:00Z,\n")
	os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644)
	out := filepath.Join(t.TempDir(), "scores.csv")
	_, stderr, code = village(t, "score", "--dir", dir, "--at", "2026-01-01", "--sorted", "--out", out)
	if code != exitInput || !strings.Contains(stderr, "not grouped by account") {
		t.Errorf("out of order: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Error("an output was written")
	}
}

func TestProgressBar(t *testing.T) {
	for _, tc := range []struct {
		n, total int
		want     string
	}{
		{0, 10, "[..............................]   0%  0/10 accounts"},
		{3000, 10000, "[#########.....................]  30%  3000/10000 accounts"},
		{10, 10, "[##############################] 100%  10/10 accounts"},
		{0, 0, "[..............................]   0%  0/0 accounts"},
	} {
		if got := progressBar(tc.n, tc.total); got != tc.want {
			t.Errorf("progressBar(%d, %d) = %q, want %q", tc.n, tc.total, got, tc.want)
		}
	}
}

// plan --objective renewal: whom to ask by what their answer would teach
// about each renewal, greedy and drawn; the drawn plan fielded and
// estimated like a survey plan; bad input.
func TestPlanRenewal(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := village(t, "generate", "--dir", dir, "--accounts", "150", "--seed", "6"); code != 0 {
		t.Fatalf("generate: %d\n%s", code, stderr)
	}
	plan := filepath.Join(dir, "plan.csv")
	args := []string{"plan", "--objective", "renewal", "--dir", dir, "--budget", "120", "--at", "2026-01-01", "--per-account", "2",
		"--asked", filepath.Join(dir, "signals.csv"), "--link", "1,2", "--respond", "finance-exec=0.3", "--out", plan}
	_, stderr, code := village(t, args...)
	if code != 0 || !strings.Contains(stderr, "budget 120:") || !strings.Contains(stderr, "share of value") {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	data, _ := os.ReadFile(plan)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if lines[0] != "contact,account,persona,stratum,prob,population,value,why" || len(lines) < 20 {
		t.Fatalf("plan file:\n%.800s", data)
	}
	perAccount := map[string]int{}
	for _, l := range lines[1:] {
		f := strings.SplitN(l, ",", 8)
		perAccount[f[1]]++
		if f[4] != "1" || !strings.Contains(f[7], "P(renew)") || !strings.HasPrefix(strings.Trim(f[7], `"`), f[2]) {
			t.Errorf("row %q: want prob 1 and a why naming the persona and P(renew)", l)
		}
	}
	for a, n := range perAccount {
		if n > 2 {
			t.Errorf("account %s has %d invitations, over --per-account 2", a, n)
		}
	}
	again := filepath.Join(dir, "again.csv")
	village(t, append(args[:len(args)-1:len(args)-1], again)...)
	if data2, _ := os.ReadFile(again); string(data2) != string(data) {
		t.Error("the same plan twice gave two files")
	}

	// Drawn: a plan a survey can be estimated from.
	drawn := filepath.Join(dir, "drawn.csv")
	if _, stderr, code := village(t, "plan", "--objective", "renewal", "--draw", "poisson", "--dir", dir, "--budget", "120",
		"--at", "2026-01-01", "--out", drawn); code != 0 || !strings.Contains(stderr, "Poisson draw") {
		t.Fatalf("drawn plan: exit %d\n%s", code, stderr)
	}
	if _, stderr, code := village(t, "generate", "--dir", dir, "--accounts", "150", "--seed", "6", "--answers-for", drawn); code != 0 {
		t.Fatalf("fielding: %d\n%s", code, stderr)
	}
	if out, stderr, code := village(t, "estimate", "--plan", drawn, "--answers", filepath.Join(dir, "answers.csv")); code != 0 || !strings.Contains(out, "SE") {
		t.Fatalf("estimate: exit %d\n%s\n%s", code, out, stderr)
	}

	headerOnly := filepath.Join(dir, "empty-signals.csv")
	os.WriteFile(headerOnly, []byte("account,contact,persona,metric,value,at,source\n"), 0o644)
	strangers := filepath.Join(dir, "strangers.csv")
	os.WriteFile(strangers, []byte("contact,sent_at,answered_at\nghost,2025-10-01,\n"), 0o644)
	history := filepath.Join(dir, "invitations.csv")
	contacts, _ := os.ReadFile(filepath.Join(dir, "contacts.csv"))
	var inv strings.Builder
	inv.WriteString("contact,sent_at,answered_at\nghost,2025-10-01,\n")
	for k, l := range strings.Split(strings.TrimSpace(string(contacts)), "\n")[1:] {
		answered := ""
		if k%4 == 0 {
			answered = "2025-10-09"
		}
		inv.WriteString(strings.SplitN(l, ",", 2)[0] + ",2025-10-01," + answered + "\n")
	}
	os.WriteFile(history, []byte(inv.String()), 0o644)
	_, stderr, code = village(t, "plan", "--objective", "renewal", "--dir", dir, "--budget", "60", "--at", "2026-01-01", "--invitations", history, "--out", again)
	if code != 0 || !strings.Contains(stderr, "1 invitation(s) of contacts not in the contacts file") || !strings.Contains(stderr, "(history)") {
		t.Errorf("with an invitations history: exit %d\n%s", code, stderr)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"an unknown objective", []string{"plan", "--objective", "nps", "--dir", dir, "--budget", "9"}, exitUsage, "--objective"},
		{"renewal flags with the estimate objective", []string{"plan", "--dir", dir, "--budget", "9", "--link", "1,2"}, exitUsage, "for --objective renewal"},
		{"a bad link", []string{"plan", "--objective", "renewal", "--dir", dir, "--budget", "9", "--link", "1"}, exitUsage, "intercept,slope"},
		{"an unknown persona's response rate", []string{"plan", "--objective", "renewal", "--dir", dir, "--budget", "9", "--respond", "king=0.5"}, exitUsage, `unknown persona "king"`},
		{"a response rate off 0..1", []string{"plan", "--objective", "renewal", "--dir", dir, "--budget", "9", "--respond", "cio=2"}, exitUsage, "probability"},
		{"an unknown draw", []string{"plan", "--objective", "renewal", "--dir", dir, "--budget", "9", "--draw", "lottery"}, exitUsage, "--draw"},
		{"an unknown metric", []string{"plan", "--objective", "renewal", "--dir", dir, "--budget", "9", "--metric", "mood", "--at", "2026-01-01"}, exitInput, "mood"},
		{"a budget that buys nothing", []string{"plan", "--objective", "renewal", "--dir", dir, "--budget", "0.5", "--at", "2026-01-01"}, exitInput, "invites nobody"},
		{"an invitations history of strangers only", []string{"plan", "--objective", "renewal", "--dir", dir, "--budget", "9", "--at", "2026-01-01", "--invitations", strangers}, exitInput, "nothing to learn"},
		{"a minimum that cannot be met", []string{"plan", "--objective", "renewal", "--dir", dir, "--budget", "3", "--min", "5", "--at", "2026-01-01"}, exitInput, "minimum of stratum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := village(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.says) {
				t.Errorf("exit %d, want %d saying %q\n%s", code, tc.code, tc.says, stderr)
			}
		})
	}
	// Personas as other tools spell them.
	if _, stderr, code := village(t, "plan", "--objective", "renewal", "--dir", dir, "--budget", "30", "--at", "2026-01-01",
		"--cost", "Finance_Exec=2", "--respond", "end user=0.5", "--out", again); code != 0 || !strings.Contains(stderr, "finance-exec") {
		t.Errorf("loose persona spellings: exit %d\n%s", code, stderr)
	}
	// No signals at all: every contact is valued from the priors, and the
	// veto holders come first.
	_, stderr, code = village(t, "plan", "--objective", "renewal", "--dir", dir, "--signals", headerOnly, "--budget", "30", "--at", "2026-01-01", "--out", plan)
	if code != 0 {
		t.Fatalf("no signals: exit %d\n%s", code, stderr)
	}
	data, _ = os.ReadFile(plan)
	if !strings.Contains(string(data), "persona not heard") {
		t.Errorf("no signals: plan\n%.600s", data)
	}
}

// The generator's own titles map with the built-in rules; village titles
// prints them; --titles adds rules that win over them, --titles-replace
// replaces them, and an unmapped title says which flag to use.
func TestTitleRules(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := village(t, "generate", "--dir", dir, "--accounts", "30", "--seed", "2", "--titles-only"); code != 0 {
		t.Fatalf("generate: %d\n%s", code, stderr)
	}
	_, stderr, code := village(t, "score", "--dir", dir, "--at", "2026-01-01", "--out", filepath.Join(dir, "s.csv"))
	if code != 0 || strings.Contains(stderr, "matched no rule") {
		t.Errorf("the generator's titles: exit %d\n%s", code, stderr)
	}
	out, _, code := village(t, "titles")
	var rules struct {
		Rules []struct{ Persona string } `json:"rules"`
	}
	if err := json.Unmarshal([]byte(out), &rules); code != 0 || err != nil || len(rules.Rules) < 9 {
		t.Fatalf("village titles: exit %d, %v\n%.300s", code, err, out)
	}
	// A rule of one's own: every "end user" is a champion now.
	own := filepath.Join(dir, "own.json")
	os.WriteFile(own, []byte(`{"rules": [{"persona": "champion", "keywords": ["end user"]}]}`), 0o644)
	explain := func(flag string) string {
		out, stderr, code := village(t, "explain", "--dir", dir, "--at", "2026-01-01", flag, own, "acct-00001")
		if code != 0 && !strings.Contains(stderr, "heard nobody") {
			t.Fatalf("%s: exit %d\n%s", flag, code, stderr)
		}
		return out + stderr
	}
	if got := explain("--titles"); strings.Contains(got, "end-user ") || strings.Contains(got, "matched no rule") {
		t.Errorf("--titles: end users should be champions, and every other title mapped:\n%s", got)
	}
	if got := explain("--titles-replace"); !strings.Contains(got, "matched no rule") || !strings.Contains(got, "--titles rules.json") {
		t.Errorf("--titles-replace: the other titles should be unmapped, with the hint:\n%s", got)
	}
	if _, stderr, code := village(t, "score", "--dir", dir, "--titles", own, "--titles-replace", own); code != exitUsage {
		t.Errorf("both --titles and --titles-replace: exit %d\n%s", code, stderr)
	}
}

// Calibrate tells the truth about itself: on a small base where a simpler
// score cross-validates better, a warning, and under --strict exit 1 with
// no model written.
func TestCalibrateWarnsWhenItLoses(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := village(t, "generate", "--dir", dir, "--accounts", "120", "--seed", "1"); code != 0 {
		t.Fatalf("generate: %d\n%s", code, stderr)
	}
	fitted := filepath.Join(dir, "fitted.json")
	_, stderr, code := village(t, "calibrate", "--dir", dir, "--model-out", fitted)
	if code != 0 || !strings.Contains(stderr, "WARNING: the ") || !strings.Contains(stderr, "better than the calibrated model") {
		t.Fatalf("calibrate: exit %d\n%s", code, stderr)
	}
	os.Remove(fitted)
	out, stderr, code := village(t, "calibrate", "--dir", dir, "--model-out", fitted, "--strict")
	if code != exitStrict || !strings.Contains(stderr, "no model written") || !strings.Contains(out, "calibrated") {
		t.Errorf("calibrate --strict: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(fitted); err == nil {
		t.Error("--strict wrote the model of a calibration that loses")
	}
}

// --col FILE.COLUMN=HEADER maps one file's column; a bare --col maps it in
// every file; an unknown file before the dot is a usage error.
func TestColumnsPerFile(t *testing.T) {
	dir := demo(t)
	data, _ := os.ReadFile(filepath.Join(dir, "accounts.csv"))
	header, rest, _ := strings.Cut(string(data), "\n")
	os.WriteFile(filepath.Join(dir, "accounts.csv"), []byte(strings.Replace(header, "id", "account_key", 1)+"\n"+rest), 0o644)
	out := filepath.Join(t.TempDir(), "scores.csv")
	if _, stderr, code := village(t, "score", "--dir", dir, "--at", "2026-01-01", "--out", out, "--col", "accounts.id=account_key"); code != 0 || !strings.Contains(stderr, "25 accounts scored") {
		t.Errorf("--col accounts.id=account_key: exit %d\n%s", code, stderr)
	}
	if _, stderr, code := village(t, "score", "--dir", dir, "--at", "2026-01-01", "--out", out, "--col", "id=account_key"); code == 0 {
		t.Errorf("a bare --col id=account_key maps the contacts' id too and must not succeed: exit 0\n%s", stderr)
	}
	if _, stderr, code := village(t, "score", "--dir", dir, "--col", "acounts.id=x"); code != exitUsage || !strings.Contains(stderr, "want one of accounts, contacts") {
		t.Errorf("an unknown file: exit %d\n%s", code, stderr)
	}
}
