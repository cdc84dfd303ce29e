package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

var now = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func newTestServer(t testing.TB) (*Server, *httptest.Server) {
	t.Helper()
	ctx := context.Background()
	store, err := OpenStore(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	cat := persona.B2B()
	srv, err := NewServer(ctx, cat, store, scoring.DefaultModel(cat), slog.New(slog.NewTextHandler(io.Discard, nil)), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	srv.SetReady()
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return srv, ts
}

func call(t *testing.T, ts *httptest.Server, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: response %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

const acme = `"account": {"id": "acme", "contacts": [
	{"id": "dana", "persona": "lob-exec"}, {"id": "gus", "persona": "finance-exec"}, {"id": "eli", "persona": "end-user"}]}`

func TestScoreTrendAndHistory(t *testing.T) {
	_, ts := newTestServer(t)
	var first scoreResponse
	code := call(t, ts, "POST", "/v1/accounts/acme/score", `{`+acme+`, "signals": [
		{"contact": "dana", "metric": "nps", "value": 3, "at": "2026-05-01T00:00:00Z"},
		{"contact": "gus", "metric": "nps", "value": 7, "at": "2026-05-01T00:00:00Z"},
		{"contact": "eli", "metric": "csat", "value": 2, "at": "2026-05-02T00:00:00Z"},
		{"contact": "eli", "metric": "csat", "value": 9, "at": "2026-05-03T00:00:00Z"},
		{"contact": "stranger", "metric": "nps", "value": 9, "at": "2026-05-03T00:00:00Z"}]}`, &first)
	if code != http.StatusOK {
		t.Fatalf("first scoring: status %d", code)
	}
	if !first.Result.Scored || len(first.Result.Dropped) != 2 || !strings.Contains(first.Explanation, "dropped 2 signal(s)") {
		t.Errorf("first result = %+v\n%s", first.Result, first.Explanation)
	}
	// A second scoring, much happier, of the now registered account.
	var second scoreResponse
	code = call(t, ts, "POST", "/v1/accounts/acme/score", `{"signals": [
		{"contact": "dana", "metric": "nps", "value": 10, "at": "2026-05-20T00:00:00Z"},
		{"contact": "gus", "metric": "nps", "value": 10, "at": "2026-05-21T00:00:00Z"},
		{"contact": "eli", "metric": "csat", "value": 5, "at": "2026-05-22T00:00:00Z"}]}`, &second)
	if code != http.StatusOK || !(second.Result.Score > first.Result.Score) {
		t.Fatalf("second scoring: status %d, score %v after %v", code, second.Result.Score, first.Result.Score)
	}
	var acct accountResponse
	if code := call(t, ts, "GET", "/v1/accounts/acme", "", &acct); code != http.StatusOK {
		t.Fatalf("GET account: %d", code)
	}
	if len(acct.History) != 2 || acct.Latest.Score != second.Result.Score || acct.Change != second.Result.Score-first.Result.Score {
		t.Errorf("account view = %+v", acct)
	}
	if acct.Trend != "up" {
		t.Errorf("trend %q after %.1f -> %.1f (interval %.1f..%.1f), want up", acct.Trend,
			first.Result.Score, second.Result.Score, second.Result.Low, second.Result.High)
	}
	var e errorBody
	if code := call(t, ts, "GET", "/v1/accounts/nobody", "", &e); code != http.StatusNotFound {
		t.Errorf("unknown account: %d %+v", code, e)
	}
}

func TestTrend(t *testing.T) {
	p := func(score, low, high float64, band string) Point {
		return Point{Score: score, Low: low, High: high, Band: band}
	}
	for _, tc := range []struct {
		now, before Point
		want        string
	}{
		{p(70, 60, 80, "healthy"), p(50, 40, 60, "watch"), "up"},
		{p(52, 42, 62, "watch"), p(50, 40, 60, "watch"), "flat"},
		{p(30, 20, 40, "at risk"), p(50, 40, 60, "watch"), "down"},
		{p(70, 60, 80, scoring.BandInsufficient), p(50, 40, 60, "watch"), "uncertain"},
	} {
		if got := trend(tc.now.Score-tc.before.Score, tc.now, tc.before); got != tc.want {
			t.Errorf("%v after %v: %q, want %q", tc.now, tc.before, got, tc.want)
		}
	}
}

func TestBadRequests(t *testing.T) {
	_, ts := newTestServer(t)
	tests := []struct {
		name, method, path, body string
		code                     int
		says                     string
	}{
		{"bad JSON", "POST", "/v1/accounts/acme/score", `{"signals": [`, http.StatusBadRequest, "bad JSON"},
		{"an unknown field", "POST", "/v1/accounts/acme/score", `{"signalz": []}`, http.StatusBadRequest, "signalz"},
		{"a misspelt signal value", "POST", "/v1/accounts/acme/score",
			`{"signals": [{"contact": "x", "metric": "nps", "valeu": 9, "at": "2026-01-01T00:00:00Z"}]}`, http.StatusBadRequest, "valeu"},
		{"a null signal value", "POST", "/v1/accounts/acme/score",
			`{"signals": [{"contact": "x", "metric": "nps", "value": null, "at": "2026-01-01T00:00:00Z"}]}`, http.StatusBadRequest, "missing or null"},
		{"a 100 kB account ID", "POST", "/v1/accounts/" + strings.Repeat("x", 100_000) + "/score", `{"signals": []}`, http.StatusBadRequest, "more than 256"},
		{"a NUL in a contact ID", "POST", "/v1/accounts/acme/score",
			`{"account": {"id": "acme", "contacts": [{"id": "x\u0000y", "persona": "cio"}]}, "signals": []}`, http.StatusBadRequest, "control or bidirectional"},
		{"a bidi override in a name", "POST", "/v1/accounts/acme/score",
			`{"account": {"id": "acme", "name": "Acme \u202egnp.exe", "contacts": []}, "signals": []}`, http.StatusBadRequest, "account.name"},
		{"two JSON values", "POST", "/v1/accounts/acme/score", `{"signals": []} {}`, http.StatusBadRequest, "more than one"},
		{"an unknown account", "POST", "/v1/accounts/ghost/score", `{"signals": []}`, http.StatusNotFound, "unknown account"},
		{"an account ID that does not match the path", "POST", "/v1/accounts/acme/score", `{"account": {"id": "other"}, "signals": []}`, http.StatusBadRequest, "does not match"},
		{"a contact with an unknown persona", "POST", "/v1/accounts/acme/score",
			`{"account": {"id": "acme", "contacts": [{"id": "x", "persona": "wizard"}]}, "signals": []}`, http.StatusUnprocessableEntity, "wizard"},
		{"an oversized body", "POST", "/v1/accounts/acme/score", `{"signals": [` + strings.Repeat(`{"contact": "x", "metric": "nps", "value": 1, "at": "2026-01-01T00:00:00Z"},`, 20000) + `{}]}`,
			http.StatusRequestEntityTooLarge, "larger than"},
		{"the wrong method", "DELETE", "/v1/model", "", http.StatusMethodNotAllowed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e errorBody
			var out any = &e
			if tc.says == "" {
				out = nil
			}
			if code := call(t, ts, tc.method, tc.path, tc.body, out); code != tc.code {
				t.Errorf("status %d, want %d (%+v)", code, tc.code, e)
			}
			if !strings.Contains(e.Error+strings.Join(e.Details, "\n"), tc.says) {
				t.Errorf("error %+v does not say %q", e, tc.says)
			}
		})
	}
}

func TestModelReplace(t *testing.T) {
	_, ts := newTestServer(t)
	var cur struct {
		Version int           `json:"version"`
		Model   scoring.Model `json:"model"`
	}
	call(t, ts, "GET", "/v1/model", "", &cur)
	if cur.Version != 1 {
		t.Fatalf("initial model version %d", cur.Version)
	}
	// An invalid model is refused with every problem listed, and the old one keeps serving.
	bad := cur.Model
	bad.Spread, bad.Confidence = -1, 7
	body, _ := json.Marshal(bad)
	var e errorBody
	if code := call(t, ts, "POST", "/v1/model", string(body), &e); code != http.StatusUnprocessableEntity || len(e.Details) != 2 {
		t.Errorf("invalid model: status %d, %+v", code, e)
	}
	call(t, ts, "GET", "/v1/model", "", &cur)
	if cur.Version != 1 {
		t.Errorf("version after a refused model = %d", cur.Version)
	}
	// A valid one replaces it: a veto threshold of 0 (no cap).
	good := cur.Model
	good.VetoBelow = 0
	body, _ = json.Marshal(good)
	var ok map[string]int
	if code := call(t, ts, "POST", "/v1/model", string(body), &ok); code != http.StatusOK || ok["version"] != 2 {
		t.Errorf("valid model: status %d, %v", code, ok)
	}
	var res scoreResponse
	call(t, ts, "POST", "/v1/accounts/acme/score", `{`+acme+`, "signals": [
		{"contact": "gus", "metric": "nps", "value": 0, "at": "2026-05-01T00:00:00Z"}]}`, &res)
	if res.Model != 2 {
		t.Errorf("scored with model %d, want 2", res.Model)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	srv, ts := newTestServer(t)
	if code := call(t, ts, "GET", "/healthz", "", nil); code != http.StatusOK {
		t.Errorf("healthz %d", code)
	}
	srv.ready.Store(false)
	if code := call(t, ts, "GET", "/readyz", "", nil); code != http.StatusServiceUnavailable {
		t.Errorf("readyz while starting: %d", code)
	}
	srv.SetReady()
	if code := call(t, ts, "GET", "/readyz", "", nil); code != http.StatusOK {
		t.Errorf("readyz when ready: %d", code)
	}
}

func TestConcurrentRequests(t *testing.T) {
	_, ts := newTestServer(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("acct-%d", i%4)
			body := fmt.Sprintf(`{"account": {"id": %q, "contacts": [{"id": "u", "persona": "end-user"}]},
				"signals": [{"contact": "u", "metric": "nps", "value": %d, "at": "2026-05-01T00:00:00Z"}]}`, id, i%11)
			resp, err := ts.Client().Post(ts.URL+"/v1/accounts/"+id+"/score", "application/json", strings.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs <- fmt.Errorf("status %d", resp.StatusCode)
			}
			if i%3 == 0 {
				if r, err := ts.Client().Get(ts.URL + "/v1/accounts/" + id); err == nil {
					r.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var acct accountResponse
	call(t, ts, "GET", "/v1/accounts/acct-0", "", &acct)
	if len(acct.History) != 8 {
		t.Errorf("acct-0 has %d scores, want 8", len(acct.History))
	}
}

// TestBinaryShutsDownOnSIGTERM builds the real binary, starts it on a free
// loopback port, waits until it is ready, calls it, sends SIGTERM and checks
// that it exits cleanly and says so.
func TestBinaryShutsDownOnSIGTERM(t *testing.T) {
	p := startBinary(t, filepath.Join(t.TempDir(), "h.db"))
	resp, err := http.Get(p.base + "/v1/accounts/acct-00001")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET a seeded account: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := p.stop(syscall.SIGTERM); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop in the log:\n%s", p.stderr.String())
	}
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds the service once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "healthsvc-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "healthsvc")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("building: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// process is the service running as a child process.
type process struct {
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:port
	stderr *lockedWriter
	exited chan error
}

// startBinary starts the service on a free loopback port with the database
// at db and waits until it is ready.
func startBinary(t *testing.T, db string) *process {
	t.Helper()
	cmd := exec.Command(binary(t), "-addr", "127.0.0.1:0", "-db", db, "-accounts", "5")
	stdout, _ := cmd.StdoutPipe()
	p := &process{cmd: cmd, stderr: new(lockedWriter), exited: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no address announced: %v\n%s", err, p.stderr.String())
	}
	p.base = strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(p.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready after 20s: %v\n%s", err, p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends sig and waits (at most 15 s) for the process to exit.
func (p *process) stop(sig syscall.Signal) error {
	if err := p.cmd.Process.Signal(sig); err != nil {
		return err
	}
	select {
	case err := <-p.exited:
		return err
	case <-time.After(15 * time.Second):
		return errors.New("still running 15s after the signal")
	}
}

// lockedWriter lets the child's stderr be read while it is written.
type lockedWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// An account's buying committee travels with it: the seats in force are
// applied and shown; a committee whose seats in force leave nobody with
// weight is refused with 422 (it validates, but cannot be scored then); a
// seat time that cannot be stored is a 400.
func TestCommittee(t *testing.T) {
	_, ts := newTestServer(t)
	worst := `"signals": [
		{"contact": "pat", "metric": "nps", "value": 0, "at": "2026-05-01T00:00:00Z"},
		{"contact": "pat", "metric": "csat", "value": 1, "at": "2026-05-02T00:00:00Z"},
		{"contact": "pat", "metric": "ces", "value": 7, "at": "2026-05-03T00:00:00Z"},
		{"contact": "dana", "metric": "nps", "value": 10, "at": "2026-05-03T00:00:00Z"}]`
	account := func(committee string) string {
		return `"account": {"id": "acme", "contacts": [{"id": "dana", "persona": "lob-exec"}, {"id": "pat", "persona": "procurement"}],
			"committee": [` + committee + `]}`
	}
	var res scoreResponse
	code := call(t, ts, "POST", "/v1/accounts/acme/score", `{`+account(`{"kind": "veto", "persona": "procurement", "note": "MSA"}`)+`, `+worst+`}`, &res)
	if code != http.StatusOK || !res.Result.Veto.Applied || res.Result.Veto.Persona != persona.Procurement ||
		len(res.Result.Committee) != 1 || !strings.Contains(res.Explanation, "committee: procurement holds a veto (MSA)") {
		t.Errorf("with the MSA's seat: %d %+v\n%s", code, res.Result.Veto, res.Explanation)
	}
	var e errorBody
	var none []string
	for _, p := range persona.B2B().Personas() {
		none = append(none, fmt.Sprintf(`{"kind": "weight", "persona": %q, "weight": 0, "from": "2026-05-15T00:00:00Z"}`, p.ID))
	}
	code = call(t, ts, "POST", "/v1/accounts/acme/score", `{`+account(strings.Join(none, ","))+`, `+worst+`}`, &e)
	if code != http.StatusUnprocessableEntity || !strings.Contains(e.Error, "committee") {
		t.Errorf("a committee leaving no weight: %d %+v", code, e)
	}
	code = call(t, ts, "POST", "/v1/accounts/acme/score", `{`+account(`{"kind": "veto", "persona": "procurement", "until": "9999-12-31T23:59:59-14:00"}`)+`, `+worst+`}`, &e)
	if code != http.StatusBadRequest || !strings.Contains(strings.Join(e.Details, " "), "committee[0].until") {
		t.Errorf("a seat time out of range: %d %+v", code, e)
	}
}
