package scoring_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
	"github.com/villagecx/village/scoring/scoringtest"
)

func TestAccumulatorMatchesScore(t *testing.T) {
	cat := persona.B2B()
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	for _, c := range scoringtest.VillageCases(20, 5) {
		want, err := s.Score(c.Account, c.Signals, c.At)
		if err != nil {
			t.Fatal(err)
		}
		acc := s.NewAccumulator(c.Account.ID, c.At)
		for _, sig := range c.Signals {
			acc.Add(sig)
		}
		if acc.Len() != len(c.Signals) {
			t.Errorf("Len = %d, want %d", acc.Len(), len(c.Signals))
		}
		got, err := acc.Result(c.Account)
		if err != nil {
			t.Fatal(err)
		}
		// Bit for bit, not only within a tolerance: both paths run the same code
		// on the same canonical order.
		if d := cmp.Diff(want, got, cmp.AllowUnexported(scoring.Result{})); d != "" {
			t.Errorf("%s: accumulator differs from Score (-score +acc):\n%s", c.Name, d)
		}
		// Result does not consume the accumulator.
		again, _ := acc.Result(c.Account)
		if d := cmp.Diff(got, again, cmp.AllowUnexported(scoring.Result{})); d != "" {
			t.Errorf("%s: a second Result differs:\n%s", c.Name, d)
		}
	}
}

func TestAccumulatorRefusesAnotherAccount(t *testing.T) {
	s := mustCompile(t, plainModel(), testCatalog(t))
	a := s.NewAccumulator("acme", t0)
	if err := a.Merge(s.NewAccumulator("other", t0)); !errors.Is(err, scoring.ErrWrongAccount) {
		t.Errorf("merging another account: %v", err)
	}
	if err := a.Merge(s.NewAccumulator("acme", t0.Add(time.Hour))); !errors.Is(err, scoring.ErrWrongAccount) {
		t.Errorf("merging another time: %v", err)
	}
	other := mustCompile(t, plainModel(), testCatalog(t))
	if err := a.Merge(other.NewAccumulator("acme", t0)); !errors.Is(err, scoring.ErrWrongAccount) {
		t.Errorf("merging another scorer's accumulator: %v", err)
	}
	if _, err := a.Result(persona.Account{ID: "other"}); !errors.Is(err, scoring.ErrWrongAccount) {
		t.Errorf("Result for another account: %v", err)
	}
	if a.Account() != "acme" || !a.At().Equal(t0) {
		t.Errorf("Account, At = %q, %v", a.Account(), a.At())
	}
}

func TestAccumulatorEncodingRoundTrip(t *testing.T) {
	s := mustCompile(t, plainModel(), testCatalog(t))
	acct := contacts("acme", map[string]persona.ID{"c1": "a1", "c2": "b1"})
	a := s.NewAccumulator("acme", t0)
	for _, sig := range []scoring.Signal{
		sig("c1", 80, 0), sig("c2", 30, day), sig("c1", 101, 0), // the last is out of scale
		{Persona: "a2", Metric: "score", Value: 55.5, At: t0.Add(-time.Nanosecond), Source: "survey"},
	} {
		a.Add(sig)
	}
	data, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	b := s.NewAccumulator("", time.Time{})
	if err := b.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	want, _ := a.Result(acct)
	got, err := b.Result(acct)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got, scoringtest.CompareOptions(0)); d != "" {
		t.Errorf("decoded accumulator scores differently (-before +after):\n%s", d)
	}
	if len(got.Dropped) != 1 || got.Dropped[0].Reason != scoring.ReasonOutOfScale {
		t.Errorf("dropped = %+v", got.Dropped)
	}
	if b.Account() != "acme" || !b.At().Equal(t0) {
		t.Errorf("decoded account %q at %v", b.Account(), b.At())
	}

	// Every truncation of a valid encoding is rejected as corrupt, and leaves
	// the accumulator unchanged.
	for n := range len(data) {
		c := s.NewAccumulator("keep", t0)
		if err := c.UnmarshalBinary(data[:n]); !errors.Is(err, scoring.ErrCorrupt) {
			t.Fatalf("truncated to %d bytes: err = %v", n, err)
		}
		if c.Account() != "keep" {
			t.Fatalf("a failed decode changed the accumulator")
		}
	}
	if err := b.UnmarshalBinary(append(data, 0)); !errors.Is(err, scoring.ErrCorrupt) {
		t.Errorf("trailing byte: %v", err)
	}
	var bare scoring.Accumulator
	if err := bare.UnmarshalBinary(data); err == nil {
		t.Error("an Accumulator without a Scorer decoded")
	}
}

func FuzzAccumulatorUnmarshal(f *testing.F) {
	s := mustCompile(f, plainModel(), testCatalog(f))
	a := s.NewAccumulator("acme", t0)
	a.Add(sig("c1", 80, 0))
	a.Add(sig("c1", -3, 0))
	good, _ := a.MarshalBinary()
	f.Add(good)
	f.Add([]byte("VLA1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b := s.NewAccumulator("", time.Time{})
		if err := b.UnmarshalBinary(data); err != nil {
			return
		}
		r, err := b.Result(persona.Account{ID: b.Account(), Contacts: []persona.Contact{{ID: "c1", Persona: "a1"}}})
		if err != nil {
			t.Fatal(err)
		}
		if r.SignalsUsed+len(r.Dropped) != b.Len() {
			t.Fatalf("%d signals decoded, %d used + %d dropped", b.Len(), r.SignalsUsed, len(r.Dropped))
		}
		again, err := b.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		c := s.NewAccumulator("", time.Time{})
		if err := c.UnmarshalBinary(again); err != nil {
			t.Fatalf("re-encoded state does not decode: %v", err)
		}
	})
}
