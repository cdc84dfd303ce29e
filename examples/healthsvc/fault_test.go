package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestCrashAndRestartKeepsEveryAcknowledgedWrite runs the real binary as a
// child process under concurrent writers and stops it mid-load three times on
// the same database: SIGKILL, SIGTERM, SIGKILL. Each restart must open the
// database; afterwards SQLite's integrity check must pass, every write that
// was answered 200 must be stored, and nothing must be stored that was not
// sent. After SIGTERM the process must exit cleanly.
func TestCrashAndRestartKeepsEveryAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary several times")
	}
	db := filepath.Join(t.TempDir(), "h.db")
	var mu sync.Mutex
	attempted, acked := map[string]bool{}, map[string]bool{}
	for round, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM, syscall.SIGKILL} {
		p := startBinary(t, db)
		client := &http.Client{Timeout: 10 * time.Second}
		var wg sync.WaitGroup
		var ackedThisRound sync.WaitGroup
		ackedThisRound.Add(100)
		countdown := 100
		for w := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					id := fmt.Sprintf("r%d-w%d-%d", round, w, i)
					body := fmt.Sprintf(`{"account": {"id": %q, "contacts": [{"id": "u", "persona": "end-user"}]},
						"signals": [{"contact": "u", "metric": "nps", "value": %d, "at": "2026-05-01T00:00:00Z"}],
						"at": "2026-06-01T00:00:00Z"}`, id, i%11)
					mu.Lock()
					attempted[id] = true
					mu.Unlock()
					resp, err := client.Post(p.base+"/v1/accounts/"+id+"/score", "application/json", strings.NewReader(body))
					if err != nil {
						return // the server went away
					}
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						mu.Lock()
						acked[id] = true
						if countdown > 0 {
							countdown--
							ackedThisRound.Done()
						}
						mu.Unlock()
					} else if resp.StatusCode != http.StatusServiceUnavailable {
						t.Errorf("round %d: %s answered %d", round, id, resp.StatusCode)
						return
					}
				}
			}()
		}
		ackedThisRound.Wait() // the signal lands mid-load
		stopErr := p.stop(sig)
		wg.Wait()
		if sig == syscall.SIGTERM {
			if stopErr != nil || !strings.Contains(p.stderr.String(), `"msg":"stopped"`) {
				t.Errorf("round %d: SIGTERM: %v\n%s", round, stopErr, p.stderr.String())
			}
		}
	}

	conn, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var check string
	if err := conn.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	rows, err := conn.Query(`SELECT account, COUNT(*) FROM scores WHERE account LIKE 'r%' GROUP BY account`)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		stored[id] = true
		if n != 1 {
			t.Errorf("%s stored %d times", id, n)
		}
		if !attempted[id] {
			t.Errorf("%s is stored but was never sent", id)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	lost := 0
	for id := range acked {
		if !stored[id] {
			lost++
		}
	}
	t.Logf("%d writes sent, %d acknowledged, %d stored, %d acknowledged but lost", len(attempted), len(acked), len(stored), lost)
	if lost > 0 {
		t.Errorf("%d acknowledged writes are not stored", lost)
	}
}
