package main

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/villagecx/village/scoring"
)

func TestStoreMigratesFromEmptyAndReopens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.Version(ctx); err != nil || v != len(migrations) {
		t.Fatalf("schema version %d, %v; want %d", v, err, len(migrations))
	}
	if err := s.SaveScores(ctx, []scoring.Result{result("a", 1, 50)}, 1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Reopening applies nothing twice and keeps the data.
	s, err = OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.Version(ctx); v != len(migrations) {
		t.Errorf("version after reopening = %d", v)
	}
	if h, _, _ := s.History(ctx, "a", 10); len(h) != 1 {
		t.Errorf("history after reopening = %+v", h)
	}
}

func result(account string, day int, score float64) scoring.Result {
	return scoring.Result{Account: account, At: time.Date(2026, 1, day, 0, 0, 0, 0, time.UTC), Scored: true,
		Score: score, Low: score - 5, High: score + 5, Band: "watch", Coverage: 0.5}
}

func TestHistoryIsInTimeOrder(t *testing.T) {
	ctx := context.Background()
	s, err := OpenStore(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Written out of order; read back oldest first, and only the last n.
	for _, d := range []int{3, 1, 2, 5, 4} {
		if err := s.SaveScores(ctx, []scoring.Result{result("a", d, float64(10*d))}, 1); err != nil {
			t.Fatal(err)
		}
	}
	h, _, err := s.History(ctx, "a", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 || h[0].Score != 30 || h[1].Score != 40 || h[2].Score != 50 {
		t.Errorf("history = %+v; want scores 30, 40, 50", h)
	}
}

func TestFailedBatchRollsBack(t *testing.T) {
	ctx := context.Background()
	s, err := OpenStore(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SaveScores(ctx, []scoring.Result{result("a", 1, 40)}, 1); err != nil {
		t.Fatal(err)
	}
	// The second row breaks the schema's CHECK (a score above 100): the whole
	// batch must be refused, including the valid first row.
	bad := result("b", 2, 150)
	err = s.SaveScores(ctx, []scoring.Result{result("a", 2, 60), bad}, 1)
	if err == nil {
		t.Fatal("a batch with an invalid row was saved")
	}
	if h, _, _ := s.History(ctx, "a", 10); len(h) != 1 || h[0].Score != 40 {
		t.Errorf("after the failed batch, history of a = %+v; want only the first score", h)
	}
	if h, _, _ := s.History(ctx, "b", 10); len(h) != 0 {
		t.Errorf("half a batch was written: %+v", h)
	}
}

func TestModelsAreVersioned(t *testing.T) {
	ctx := context.Background()
	s, _ := OpenStore(ctx, ":memory:")
	defer s.Close()
	if _, _, err := s.LatestModel(ctx); err != ErrNoModel {
		t.Errorf("empty store: %v", err)
	}
	for i, js := range []string{`{"a":1}`, `{"a":2}`} {
		v, err := s.SaveModel(ctx, []byte(js), time.Now())
		if err != nil || v != i+1 {
			t.Fatalf("SaveModel = %d, %v", v, err)
		}
	}
	if v, js, err := s.LatestModel(ctx); err != nil || v != 2 || string(js) != `{"a":2}` {
		t.Errorf("latest = %d %s %v", v, js, err)
	}
}

// History was ordered by the RFC 3339 text of the time, which puts
// "...:00.5Z" before "...:00Z". Scores written now, and scores of a version-3
// database upgraded by the migrations, come out in time order, and the
// upgrade fills each account's latest score with the one before it.
func TestHistoryInTimeOrderAndUpgradeFromVersion3(t *testing.T) {
	ctx := context.Background()
	whole := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	half := whole.Add(500 * time.Millisecond)

	s, err := OpenStore(ctx, filepath.Join(t.TempDir(), "new.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, at := range []time.Time{half, whole} { // written out of order
		if err := s.SaveScores(ctx, []scoring.Result{{Account: "a", At: at, Scored: true, Score: 40, Low: 30, High: 50, Band: "watch"}}, 1); err != nil {
			t.Fatal(err)
		}
	}
	if h, _, _ := s.History(ctx, "a", 10); len(h) != 2 || !h[0].At.Equal(whole) || !h[1].At.Equal(half) {
		t.Errorf("history out of time order: %+v", h)
	}
	if rows, _, err := s.Page(ctx, PageQuery{Limit: 10}); err != nil || len(rows) != 1 || !rows[0].At.Equal(half) {
		t.Errorf("latest = %+v, %v; want the score at %v", rows, err, half)
	}

	// A database as version 3 left it.
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range migrations[:3] {
		if _, err := db.Exec(m.sql); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (?)`, i+1); err != nil {
			t.Fatal(err)
		}
	}
	for _, row := range []struct {
		at    string
		score float64
	}{{"2026-01-01T00:00:00.5Z", 60}, {"2026-01-01T00:00:00Z", 50}, {"10000-01-01T00:00:00Z", 1}} {
		if _, err := db.Exec(`INSERT INTO scores (account, at, scored, score, low, high, band, coverage, model) VALUES ('a', ?, 1, ?, 40, 70, 'watch', 0.5, 1)`,
			row.at, row.score); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	old, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if v, _ := old.Version(ctx); v != len(migrations) {
		t.Errorf("upgraded to version %d, want %d", v, len(migrations))
	}
	h, skipped, err := old.History(ctx, "a", 10)
	if err != nil || len(h) != 2 || h[0].Score != 50 || h[1].Score != 60 || len(skipped) != 1 {
		t.Errorf("upgraded history %+v, %d skipped, %v", h, len(skipped), err)
	}
	rows, _, err := old.Page(ctx, PageQuery{Limit: 10})
	if err != nil || len(rows) != 1 || rows[0].Score != 60 || rows[0].Prev == nil || rows[0].Prev.Score != 50 {
		t.Errorf("upgraded latest %+v, %v", rows, err)
	}
}

// One server per database: a second store on the same file fails at once,
// naming the path, and the file is free again once the first is closed.
// A path with '?' in it is that file, not a URI parameter.
func TestOneStorePerDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "q?x=1.db")
	first, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the database is not at %q: %v", path, err)
	}
	_, err = OpenStore(ctx, path)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) {
		t.Fatalf("a second store: %v, want ErrLocked naming %s", err, path)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	again.Close()
}
