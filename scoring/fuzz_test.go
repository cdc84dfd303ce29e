package scoring_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// FuzzModelCompileScore decodes a model from JSON, compiles it and scores an
// account with a fuzzed signal: no step may panic, a compiled model never
// returns a NaN score or loses a signal, and a prepared batch scores the
// account as Score does.
func FuzzModelCompileScore(f *testing.F) {
	cat := persona.B2B()
	good, _ := json.Marshal(scoring.DefaultModel(cat))
	f.Add(good, "c1", "nps", 9.0, int64(3600), "")
	f.Add(good, "", "csat", 4.0, int64(-5), "cio")
	f.Add([]byte(`{"metrics":[{"name":"x","kind":"custom","min":0,"max":1,"weight":1}],"spread":1,"confidence":0.5,"bands":[{"name":"a","min":0}]}`), "c2", "x", 0.5, int64(0), "")
	f.Add([]byte(`{"metrics":[{"name":"x","kind":"nps","min":0,"max":10,"weight":0}],"groups":[{"group":"use","weight":1e308,"rule":"min"}],"spread":1e300,"confidence":0.99,"bands":[{"name":"a","min":0}],"prior_strength":1e300,"half_life":"1ns"}`), "c1", "x", 10.0, int64(1), "")
	f.Add([]byte(`{"metrics":[{"name":"x","kind":"usage","min":0,"max":1,"weight":1e308},{"name":"y","kind":"usage","min":0,"max":1,"weight":1e308}],"spread":1,"confidence":0.5,"bands":[{"name":"a","min":0}]}`), "c1", "x", 1.0, int64(0), "")
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	acct := persona.Account{ID: "a", Contacts: []persona.Contact{
		{ID: "c1", Persona: persona.EndUser}, {ID: "c2", Persona: persona.FinanceExecutive}, {ID: "c3", Persona: "ghost"},
	}}
	f.Fuzz(func(t *testing.T, data []byte, contact, metric string, value float64, ageSeconds int64, who string) {
		var m scoring.Model
		if err := json.Unmarshal(data, &m); err != nil {
			return
		}
		s, err := scoring.Compile(m, cat)
		if err != nil {
			return
		}
		sigs := []scoring.Signal{
			{Contact: contact, Persona: persona.ID(who), Metric: metric, Value: value, At: at.Add(-time.Duration(ageSeconds) * time.Second)},
			{Contact: "c1", Metric: metric, Value: value, At: at},
			{Contact: "c2", Metric: metric, Value: value, At: at.Add(-time.Hour)},
		}
		r, err := s.Score(acct, sigs, at)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range []float64{r.Score, r.Low, r.High, r.Coverage, r.StdErr} {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("non-finite figure in %+v", r)
			}
		}
		if r.Scored && !(r.Low <= r.Score && r.Score <= r.High) {
			t.Fatalf("interval %v..%v misses %v", r.Low, r.High, r.Score)
		}
		if r.SignalsUsed+len(r.Dropped) != len(sigs) {
			t.Fatalf("%d signals, %d used, %d dropped", len(sigs), r.SignalsUsed, len(r.Dropped))
		}
		// A prepared batch gives the same Result.
		b, err := s.NewBatch([]persona.Account{acct}, [][]scoring.Signal{sigs})
		if err != nil {
			t.Fatal(err)
		}
		var fromBatch scoring.Result
		if err := s.ScoreBatchInto(&fromBatch, b, 0, at); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(r, fromBatch.Clone(), cmp.AllowUnexported(scoring.Result{}), cmpopts.EquateNaNs()); d != "" {
			t.Fatalf("the batch's Result differs from Score's:\n%s", d)
		}
		_ = r.String()
	})
}

// FuzzCommitteeScore scores an account whose committee (and contacts) come
// from fuzzed JSON with the default model: it never panics, an error is
// only a seat that cannot be applied or a duplicate contact, a result is
// finite and adds up, and a prepared batch gives the same result or error.
func FuzzCommitteeScore(f *testing.F) {
	f.Add([]byte(`{"id":"a","contacts":[{"id":"c1","persona":"procurement"}],"committee":[{"kind":"veto","persona":"procurement"}]}`))
	f.Add([]byte(`{"id":"a","contacts":[{"id":"c1","persona":"end-user"}],"committee":[{"kind":"weight","persona":"end-user","weight":1e308},{"kind":"weight","persona":"cio","weight":1e308}]}`))
	f.Add([]byte(`{"id":"a","contacts":[{"id":"c1","persona":"cio"}],"committee":[{"kind":"role","contact":"c1","role":"sponsor","until":"2025-01-01T00:00:00Z"},{"kind":"no-veto","persona":"security"}]}`))
	cat := persona.B2B()
	m := scoring.DefaultModel(cat)
	m.Events = []scoring.Event{{Kind: scoring.EventLeft, Role: persona.RoleSponsor, Within: scoring.Duration(400 * 24 * time.Hour), Points: -5}}
	s, err := scoring.Compile(m, cat)
	if err != nil {
		f.Fatal(err)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		var acct persona.Account
		if json.Unmarshal(data, &acct) != nil {
			return
		}
		var sigs []scoring.Signal
		for _, c := range acct.Contacts {
			sigs = append(sigs, scoring.Signal{Contact: c.ID, Metric: "nps", Value: 2, At: at.Add(-time.Hour)},
				scoring.Signal{Contact: c.ID, Metric: "csat", Value: 1, At: at.Add(-2 * time.Hour)})
		}
		r, err := s.Score(acct, sigs, at)
		b, berr := s.NewBatch([]persona.Account{acct}, [][]scoring.Signal{sigs})
		if berr != nil {
			t.Fatal(berr)
		}
		var fromBatch scoring.Result
		if berr = s.ScoreBatchInto(&fromBatch, b, 0, at); (berr == nil) != (err == nil) || err != nil && berr.Error() != err.Error() {
			t.Fatalf("the batch's error %v, Score's %v", berr, err)
		}
		if err != nil {
			if !errors.Is(err, persona.ErrInvalidSeat) && !errors.Is(err, scoring.ErrDuplicateContact) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		if d := cmp.Diff(r, fromBatch.Clone(), cmp.AllowUnexported(scoring.Result{}), cmpopts.EquateNaNs()); d != "" {
			t.Fatalf("the batch's Result differs from Score's:\n%s", d)
		}
		for _, x := range []float64{r.Score, r.Low, r.High, r.Coverage, r.StdErr} {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("non-finite figure in %+v", r)
			}
		}
		if r.Scored && math.Abs(r.Sum()-r.Score) > 1e-9 {
			t.Fatalf("parts add up to %v, score %v", r.Sum(), r.Score)
		}
		_ = r.String()
	})
}

// FuzzSignalJSON: a signal decoded from JSON had its metric, value and at
// (none of them null) and only Signal's fields, and encodes and decodes
// back to itself; anything else is an error, never a panic.
func FuzzSignalJSON(f *testing.F) {
	f.Add([]byte(`{"contact":"c","metric":"nps","value":9,"at":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"metric":"nps","valeu":9,"at":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"metric":"nps","value":"NaN","at":"2026-01-01T00:00:00Z","Source":"x"}`))
	f.Add([]byte(`{"metric":null,"value":1,"at":"2026-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s scoring.Signal
		if err := json.Unmarshal(data, &s); err != nil {
			return
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(data, &fields); err != nil {
			t.Fatalf("accepted %q, which is not an object: %v", data, err)
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("%+v does not encode: %v", s, err)
		}
		var back scoring.Signal
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%s does not decode: %v", out, err)
		}
		if !back.At.Equal(s.At) || back.Metric != s.Metric || back.Contact != s.Contact || math.Float64bits(back.Value) != math.Float64bits(s.Value) && !(math.IsNaN(back.Value) && math.IsNaN(s.Value)) {
			t.Fatalf("round trip %+v -> %s -> %+v", s, out, back)
		}
	})
}
