package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// Regression tests for the failures found under load, faults and hostile
// input (issue 14).

// A time whose UTC year is 10000 used to be stored and then made the account
// unreadable (500 on every GET). It is now a 400, at the request's time and
// at a signal's, and a row that cannot be read is skipped and counted.
func TestTimesThatCannotBeStoredAreRejected(t *testing.T) {
	srv, ts := newTestServer(t)
	ok := `{` + acme + `, "signals": [{"contact": "dana", "metric": "nps", "value": 9, "at": "2026-05-01T00:00:00Z"}]}`
	if code := call(t, ts, "POST", "/v1/accounts/acme/score", ok, nil); code != http.StatusOK {
		t.Fatalf("a good request: %d", code)
	}
	for name, body := range map[string]string{
		"a signal in year 10000 UTC":       `{"signals": [{"contact": "dana", "metric": "nps", "value": 9, "at": "9999-12-31T23:59:59-14:00"}]}`,
		"a scoring time in year 10000 UTC": `{"at": "9999-12-31T23:59:59-14:00", "signals": []}`,
		"a scoring time in year 0":         `{"at": "0000-01-01T00:00:00Z", "signals": []}`,
	} {
		var e errorBody
		if code := call(t, ts, "POST", "/v1/accounts/acme/score", body, &e); code != http.StatusBadRequest || !strings.Contains(strings.Join(e.Details, " "), "0001-9999") {
			t.Errorf("%s: %d %+v", name, code, e)
		}
	}
	var acct accountResponse
	if code := call(t, ts, "GET", "/v1/accounts/acme", "", &acct); code != http.StatusOK || len(acct.History) != 1 {
		t.Fatalf("GET after rejected times: %d, %d points", code, len(acct.History))
	}

	// A row already stored with such a time (by an older version) is skipped.
	if _, err := srv.store.write.Exec(`INSERT INTO scores (account, at, scored, score, low, high, band, coverage, model)
		VALUES ('acme', '10000-01-01T13:59:59Z', 1, 50, 40, 60, 'watch', 0.5, 1)`); err != nil {
		t.Fatal(err)
	}
	acct = accountResponse{}
	if code := call(t, ts, "GET", "/v1/accounts/acme", "", &acct); code != http.StatusOK || len(acct.History) != 1 || acct.Unreadable != 1 {
		t.Errorf("GET with an unreadable row: %d, %d points, %d unreadable", code, len(acct.History), acct.Unreadable)
	}
	if err := srv.store.SaveScores(context.Background(), []scoring.Result{{Account: "x", At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}, 1); err == nil {
		t.Error("the store saved a time it cannot read back")
	}
}

// Replies that net/http writes itself were plain text; a value sent as the
// string "NaN" was accepted while "Infinity" was rejected.
func TestEveryReplyIsJSON(t *testing.T) {
	_, ts := newTestServer(t)
	client := ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, tc := range []struct {
		method, path string
		code         int
		header       string // a header the reply must keep
	}{
		{"DELETE", "/v1/model", http.StatusMethodNotAllowed, "Allow"},
		{"GET", "/v1//model", http.StatusTemporaryRedirect, "Location"},
		{"POST", "/v1/../v1/model", http.StatusTemporaryRedirect, "Location"},
		{"GET", "/nowhere", http.StatusNotFound, ""},
	} {
		req, _ := http.NewRequest(tc.method, ts.URL+tc.path, nil)
		req.URL.Opaque = tc.path // keep the path as written
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code && !(tc.code == http.StatusTemporaryRedirect && resp.StatusCode/100 == 3) {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, resp.StatusCode, tc.code)
		}
		var v map[string]any
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || json.Unmarshal(body, &v) != nil {
			t.Errorf("%s %s: %d reply is %q, not JSON: %s", tc.method, tc.path, resp.StatusCode, ct, body)
		}
		if tc.header != "" && resp.Header.Get(tc.header) == "" {
			t.Errorf("%s %s: the reply lost its %s header", tc.method, tc.path, tc.header)
		}
	}
	for _, value := range []string{`"NaN"`, `"Infinity"`, `"+Inf"`, `"9"`} {
		body := `{` + acme + `, "signals": [{"contact": "dana", "metric": "nps", "value": ` + value + `, "at": "2026-05-01T00:00:00Z"}]}`
		var e errorBody
		if code := call(t, ts, "POST", "/v1/accounts/acme/score", body, &e); code != http.StatusBadRequest {
			t.Errorf("value %s: %d %+v, want 400", value, code, e)
		}
	}
}

// Internal errors used to reach the client with the driver's text
// ("database is locked (SQLITE_BUSY)"). They are logged and answered with a
// plain message.
func TestInternalErrorsAreNotEchoed(t *testing.T) {
	srv, ts := newTestServer(t)
	srv.store.Close()
	var e errorBody
	code := call(t, ts, "POST", "/v1/accounts/acme/score", `{`+acme+`, "signals": []}`, &e)
	if code != http.StatusInternalServerError || e.Error != "internal error; nothing was stored" {
		t.Errorf("with the database closed: %d %+v", code, e)
	}
	e = errorBody{}
	if code := call(t, ts, "GET", "/readyz", "", &e); code != http.StatusServiceUnavailable || strings.Contains(e.Error, "sql") {
		t.Errorf("readyz with the database closed: %d %+v", code, e)
	}
}

// A request that runs out of time while waiting for the database answers
// 503 and stores nothing, then or later: 200 means stored, anything else
// means not.
func TestTimedOutWriteStoresNothing(t *testing.T) {
	srv, ts := newTestServer(t)
	srv.timeout = 200 * time.Millisecond
	hold, err := srv.store.write.Begin() // the only write connection, held
	if err != nil {
		t.Fatal(err)
	}
	var e errorBody
	code := call(t, ts, "POST", "/v1/accounts/acme/score", `{`+acme+`, "signals": []}`, &e)
	if code != http.StatusServiceUnavailable {
		t.Errorf("write while the database is held: %d %+v, want 503", code, e)
	}
	hold.Rollback()
	time.Sleep(100 * time.Millisecond)
	if code := call(t, ts, "GET", "/v1/accounts/acme", "", nil); code != http.StatusNotFound {
		t.Errorf("after a 503 the account has a stored score (GET %d)", code)
	}
}

// A client that sends its headers too slowly is cut off by the server's
// header timeout instead of holding a connection.
func TestSlowClientIsCutOff(t *testing.T) {
	srv, _ := newTestServer(t)
	hs := httpServer(srv.Handler(), srv.log)
	hs.ReadHeaderTimeout = 300 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	defer hs.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprint(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n") // and never the blank line
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.ReadAll(conn)
	if took := time.Since(start); err != nil || took > 3*time.Second {
		t.Errorf("slow client: connection closed after %v (%v), want within about 300ms", took, err)
	}
	// Meanwhile a normal client is served.
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("a normal client beside the slow one: %v %v", resp, err)
	}
	resp.Body.Close()
}

// Models that really differ are swapped while accounts are scored; every
// response must name the model that produced its score (it used to name
// whichever model was current after scoring: 17% wrong under load).
func TestModelSwapUnderLoadNamesTheScoringModel(t *testing.T) {
	srv, ts := newTestServer(t)
	cat := persona.B2B()
	a := scoring.DefaultModel(cat)
	b := scoring.DefaultModel(cat)
	b.PriorMean, b.PriorStrength, b.VetoBelow = 20, 5, 60
	var mu sync.Mutex // guards scorers: model version -> its scorer
	scorers := map[int]*scoring.Scorer{1: mustScorer(t, a, cat)}
	models := []scoring.Model{a, b}
	signals := `[{"contact": "dana", "metric": "nps", "value": 9, "at": "2026-05-01T00:00:00Z"},
		{"contact": "gus", "metric": "nps", "value": 4, "at": "2026-05-02T00:00:00Z"}]`
	if code := call(t, ts, "POST", "/v1/accounts/acme/score", `{`+acme+`, "signals": `+signals+`}`, nil); code != http.StatusOK {
		t.Fatal(code)
	}
	var sigs []scoring.Signal
	json.Unmarshal([]byte(signals), &sigs)
	acct := srv.accounts["acme"]

	stop := make(chan struct{})
	swapped := make(chan error, 1)
	go func() {
		defer close(swapped)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			js, _ := json.Marshal(models[(i+1)%2])
			var v map[string]int
			if code := call(t, ts, "POST", "/v1/model", string(js), &v); code != http.StatusOK {
				swapped <- fmt.Errorf("model post: %d", code)
				return
			}
			mu.Lock()
			scorers[v["version"]] = mustScorer(t, models[(i+1)%2], cat)
			mu.Unlock()
		}
	}()
	type reply struct {
		score float64
		model int
	}
	replies := make(chan reply, 400)
	errs := make(chan error, 400)
	done := make(chan struct{})
	for w := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 50 {
				var resp scoreResponse
				code := call(t, ts, "POST", "/v1/accounts/acme/score", `{"signals": `+signals+`}`, &resp)
				if code != http.StatusOK {
					errs <- fmt.Errorf("worker %d: %d", w, code)
					return
				}
				replies <- reply{resp.Result.Score, resp.Model}
			}
		}()
	}
	for range 8 {
		<-done
	}
	close(stop)
	if err := <-swapped; err != nil {
		t.Fatal(err)
	}
	close(replies)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	versions := map[int]int{}
	for r := range replies {
		mu.Lock()
		sc := scorers[r.model]
		mu.Unlock()
		if sc == nil {
			t.Fatalf("a response names model %d, never posted", r.model)
		}
		want, _ := sc.Score(acct, sigs, now)
		if want.Score != r.score {
			t.Errorf("response names model %d, whose score is %v, but reports %v", r.model, want.Score, r.score)
		}
		versions[r.model]++
	}
	if len(versions) < 3 {
		t.Errorf("scores came from only %d model versions: the swap did not overlap the load", len(versions))
	}
}

func mustScorer(t *testing.T, m scoring.Model, cat *persona.Catalog) *scoring.Scorer {
	t.Helper()
	s, err := scoring.Compile(m, cat)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Writes that fail (a full disk, here a trigger that refuses them) store
// nothing, the account sent with the request included, and /readyz says
// not ready until writes go in again, by itself.
func TestRefusedWritesStoreNothingAndReadinessRecovers(t *testing.T) {
	srv, ts := newTestServer(t)
	ctx := context.Background()
	refuse := func(on bool) {
		for _, table := range []string{"scores", "write_probe"} {
			q := `DROP TRIGGER IF EXISTS refuse_` + table
			if on {
				if _, err := srv.store.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS write_probe (at TEXT)`); err != nil {
					t.Fatal(err)
				}
				q = `CREATE TRIGGER refuse_` + table + ` BEFORE INSERT ON ` + table + ` BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`
			}
			if _, err := srv.store.write.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}
	body := `{"account": {"id": "newco", "name": "New Co", "contacts": [{"id": "c1", "persona": "finance-exec"}]},
		"signals": [{"contact": "c1", "metric": "nps", "value": 9, "at": "2026-01-01T00:00:00Z"}], "at": "2026-01-02T00:00:00Z"}`
	refuse(true)
	var e errorBody
	if code := call(t, ts, "POST", "/v1/accounts/newco/score", body, &e); code != http.StatusInternalServerError || !strings.Contains(e.Error, "nothing was stored") {
		t.Fatalf("a refused write: %d %+v", code, e)
	}
	if code := call(t, ts, "POST", "/v1/accounts/newco/score", `{"signals": []}`, nil); code != http.StatusNotFound {
		t.Errorf("the account of a request that stored nothing is known: %d", code)
	}
	var n int
	if err := srv.store.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts WHERE id = 'newco'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the account was stored: %d rows, %v", n, err)
	}
	if code := call(t, ts, "GET", "/readyz", "", nil); code != http.StatusServiceUnavailable {
		t.Errorf("readyz while writes fail: %d", code)
	}
	refuse(false)
	if code := call(t, ts, "GET", "/readyz", "", nil); code != http.StatusOK {
		t.Errorf("readyz once writes go in again: %d", code)
	}
	if code := call(t, ts, "POST", "/v1/accounts/newco/score", body, nil); code != http.StatusOK {
		t.Errorf("scoring once writes go in again: %d", code)
	}
}
