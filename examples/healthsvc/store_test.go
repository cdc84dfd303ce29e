package main

import (
	"context"
	"path/filepath"
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
