package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

var screenshots = flag.String("screenshots", "", "write a screenshot of each page into this folder (for the README)")

// browser starts a headless Chromium for the test, or skips the test when
// none is installed, unless VILLAGE_BROWSER_TESTS is set (as .ci/run sets
// it), when a missing browser fails it.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("VILLAGE_BROWSER_TESTS") != "" {
			t.Fatal("VILLAGE_BROWSER_TESTS is set and no Chromium is installed (apt-get install chromium)")
		}
		t.Skip("no Chromium installed; set VILLAGE_BROWSER_TESTS to make this a failure")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.WindowSize(1100, 1000))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// seeded starts the service with a scored synthetic base (four quarters of
// history) and returns its address.
func seeded(t *testing.T, accounts int) (*Server, string) {
	t.Helper()
	srv, ts := newTestServer(t)
	if err := seed(context.Background(), srv, accounts); err != nil {
		t.Fatal(err)
	}
	return srv, ts.URL
}

// texts returns the trimmed text of every element matching a CSS selector.
func texts(ctx context.Context, t *testing.T, selector string) []string {
	t.Helper()
	expr := fmt.Sprintf(`Array.from(document.querySelectorAll(%q), e => e.textContent.trim())`, selector)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](expr))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// count returns the number of elements matching a CSS selector.
func count(ctx context.Context, t *testing.T, selector string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, selector)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// do runs steps that return nothing, failing the test on an error.
func do(ctx context.Context, t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// follow clicks what sel selects and waits for the page it leads to.
func follow(ctx context.Context, t *testing.T, sel string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
		t.Fatal(err)
	}
}

func numbers(t *testing.T, cells []string) []float64 {
	t.Helper()
	var out []float64
	for _, c := range cells {
		x, err := strconv.ParseFloat(strings.TrimPrefix(c, "+"), 64)
		if err != nil {
			t.Fatalf("cell %q is not a number", c)
		}
		out = append(out, x)
	}
	return out
}

func shoot(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	if *screenshots == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*screenshots, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The base page lists the accounts worst first, re-sorts and filters as
// asked, pages, and each account's page draws one chart point per stored
// score and a waterfall whose parts add up to the score it shows.
func TestPagesInABrowser(t *testing.T) {
	srv, base := seeded(t, 120)
	ctx := browser(t)

	do(ctx, t, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("accounts")))
	shoot(ctx, t, "accounts.png")
	scores := numbers(t, texts(ctx, t, "#accounts tbody td.score"))
	if len(scores) != pageSize || !slices.IsSorted(scores) {
		t.Fatalf("first page: %d scores, sorted worst first: %v\n%v", len(scores), slices.IsSorted(scores), scores)
	}
	if got := texts(ctx, t, "#page"); len(got) != 1 || got[0] != "1" {
		t.Errorf("page number %v", got)
	}

	// Sorted by score the other way: best first.
	follow(ctx, t, "#sort-score")
	desc := numbers(t, texts(ctx, t, "#accounts tbody td.score"))
	if !slices.IsSortedFunc(desc, func(a, b float64) int { return -cmpFloat(a, b) }) || desc[0] <= scores[0] {
		t.Errorf("sorted best first: %v", desc)
	}

	// The next page, then the band filter through the form.
	do(ctx, t, chromedp.Navigate(base+"/"))
	follow(ctx, t, "#next")
	if got := texts(ctx, t, "#page"); len(got) != 1 || got[0] != "2" {
		t.Errorf("after next: page %v", got)
	}
	do(ctx, t, chromedp.Navigate(base+"/"), chromedp.SetValue(chromedp.CSS(`select[name="band"]`), "at risk"))
	follow(ctx, t, "form.filters button")
	bands := texts(ctx, t, "#accounts tbody td.band")
	if len(bands) == 0 {
		t.Fatal("no account at risk on the filtered page")
	}
	for _, b := range bands {
		if b != "at risk" {
			t.Errorf("the at-risk filter shows a row of band %q", b)
		}
	}

	// An account's page.
	id := texts(ctx, t, "#accounts tbody td.account a")[0]
	do(ctx, t, chromedp.Navigate(base+"/accounts/"+url.PathEscape(id)), chromedp.WaitVisible(chromedp.ID("history")))
	shoot(ctx, t, "account.png")
	history, _, err := srv.store.History(context.Background(), id, historyPoints)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(ctx, t, "#history circle.point"); n != len(history) || len(history) != 4 {
		t.Errorf("%d chart points for %d stored scores (4 quarters seeded)", n, len(history))
	}
	if models := texts(ctx, t, "#points td.model"); len(models) != len(history) {
		t.Errorf("%d model versions listed for %d points", len(models), len(history))
	}
	shown := numbers(t, texts(ctx, t, "#score"))[0]
	parts := numbers(t, texts(ctx, t, "#waterfall tbody td.points"))
	// baseline, the parts, the score: each shown to 0.1, so the sum may
	// stray by half a tenth a part.
	var sum float64
	for _, p := range parts[:len(parts)-1] {
		sum += p
	}
	if tol := 0.05*float64(len(parts)) + 1e-9; math.Abs(sum-shown) > tol || parts[len(parts)-1] != shown {
		t.Errorf("the waterfall adds up to %.2f, the page shows %.1f (parts %v)", sum, shown, parts)
	}

	do(ctx, t, chromedp.Navigate(base+"/model"), chromedp.WaitVisible(chromedp.ID("model")))
	shoot(ctx, t, "model.png")
	if v := texts(ctx, t, "#versions tbody td"); len(v) == 0 || v[0] != "1" {
		t.Errorf("model versions %v", v)
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// An account whose ID, name and contacts hold markup renders it as text:
// no dialog opens, no element is injected, no script runs.
func TestHostileAccountDoesNotExecute(t *testing.T) {
	_, base := seeded(t, 5)
	hostileID := `x"><script>alert(1)</script><img src=q onerror=alert(2)>`
	body := fmt.Sprintf(`{"account": {"id": %q, "name": "<b id=injected>bold</b><script>alert(3)</script>", "segment": "<i>seg</i>",
		"contacts": [{"id": "<svg onload=alert(4)>", "persona": "lob-exec"}]},
		"signals": [{"contact": "<svg onload=alert(4)>", "metric": "nps", "value": 2, "at": "2025-12-01T00:00:00Z"}],
		"at": "2026-01-01T00:00:00Z"}`, hostileID)
	resp, err := http.Post(base+"/v1/accounts/"+url.PathEscape(hostileID)+"/score", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scoring the hostile account: %d", resp.StatusCode)
	}

	ctx := browser(t)
	var dialogs atomic.Int32
	opened := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range opened {
			if err != nil {
				return
			}
			dialogs.Add(1)
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	for _, path := range []string{"/?segment=" + url.QueryEscape("<i>seg</i>"), "/accounts/" + url.PathEscape(hostileID)} {
		do(ctx, t, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("main")))
		do(ctx, t, chromedp.Sleep(300*time.Millisecond)) // time for an onerror or onload to fire, were there one
		injected, scripts, imgs := count(ctx, t, "#injected"), count(ctx, t, "script"), count(ctx, t, "main img, main svg[onload], main b, main i")
		if injected+scripts+imgs > 0 {
			t.Errorf("%s: injected nodes: %d #injected, %d script, %d img/svg/b/i", path, injected, scripts, imgs)
		}
		text := texts(ctx, t, "main")
		if len(text) != 1 || !strings.Contains(text[0], "<script>alert(1)</script>") {
			t.Errorf("%s: the hostile ID is not shown as text:\n%.500v", path, text)
		}
	}
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d dialog(s) opened", n)
	}
}

// The pages answer in HTML with a strict Content-Security-Policy; an
// unknown account is an HTML 404; the API beside them keeps its JSON
// errors.
func TestPagesHeadersAndErrors(t *testing.T) {
	_, base := seeded(t, 5)
	for path, want := range map[string]int{"/": 200, "/accounts/acct-00001": 200, "/model": 200, "/accounts/nobody": 404} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("%s: %d %q csp %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Security-Policy"))
		}
	}
	resp, err := http.Get(base + "/v1/accounts/nobody")
	if err != nil {
		t.Fatal(err)
	}
	var e errorBody
	json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || e.Error == "" {
		t.Errorf("the API's 404: %d %q %+v", resp.StatusCode, resp.Header.Get("Content-Type"), e)
	}
}

// BenchmarkFirstPage100k renders the base page's first page over 100,000
// scored accounts (the target: under a second).
func BenchmarkFirstPage100k(b *testing.B) {
	srv, ts := newTestServer(b)
	tx, err := srv.store.write.Begin()
	if err != nil {
		b.Fatal(err)
	}
	at := timeKey(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	for i := range 100_000 {
		id := fmt.Sprintf("acct-%06d", i)
		score := float64((i*7919)%1000) / 10
		if _, err := tx.Exec(`INSERT INTO latest (account, at_key, seq, scored, score, low, high, band, coverage, veto, model, prev_score, prev_low, prev_high, prev_band)
			VALUES (?, ?, ?, 1, ?, ?, ?, 'watch', 0.5, '', 1, ?, ?, ?, 'watch')`, id, at, i, score, math.Max(score-8, 0), math.Min(score+8, 100), score, score-8, score+8); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO accounts (id, name, segment) VALUES (?, ?, ?)`, id, "Account "+id, []string{"smb", "mid-market", "enterprise"}[i%3]); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, path string }{{"first", "/"}, {"enterprise-by-coverage", "/?segment=enterprise&sort=coverage&dir=desc"}} {
		path := bc.path
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				resp, err := http.Get(ts.URL + path)
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || n < 10_000 {
					b.Fatalf("%d, %d bytes", resp.StatusCode, n)
				}
			}
		})
	}
}
