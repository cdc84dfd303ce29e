package scoring_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

func TestEveryBadSignalIsDroppedWithItsReason(t *testing.T) {
	cat := testCatalog(t)
	m := plainModel()
	m.MaxAge = scoring.Duration(365 * day)
	m.Personas = []scoring.PersonaWeight{{Persona: "b1", Weight: new(1.0), Metrics: map[string]float64{"score": 0}}}
	s := mustCompile(t, m, cat)
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{
		{ID: "c1", Persona: "a1"},
		{ID: "gone", Persona: "a1", Left: t0.Add(-day)},
		{ID: "odd", Persona: "wizard"},
		{ID: "c4", Persona: "b1"},
	}}
	good := sig("c1", 70, 0)
	tests := []struct {
		name   string
		sig    scoring.Signal
		reason scoring.Reason
	}{
		{"an unknown metric", scoring.Signal{Contact: "c1", Metric: "mood", Value: 1, At: t0}, scoring.ReasonUnknownMetric},
		{"a NaN value", sig("c1", math.NaN(), 0), scoring.ReasonNotFinite},
		{"an infinite value", sig("c1", math.Inf(-1), 0), scoring.ReasonNotFinite},
		{"a value above the scale", sig("c1", 100.5, 0), scoring.ReasonOutOfScale},
		{"a value below the scale", sig("c1", -1, 0), scoring.ReasonOutOfScale},
		{"a signal from the future", sig("c1", 50, -time.Second), scoring.ReasonFuture},
		{"a signal older than MaxAge", sig("c1", 50, 366*day), scoring.ReasonExpired},
		{"a signal with no contact and no persona", scoring.Signal{Metric: "score", Value: 1, At: t0}, scoring.ReasonNoIdentity},
		{"a contact not in the account", sig("stranger", 50, 0), scoring.ReasonUnknownContact},
		{"a contact who has left", sig("gone", 50, 2*day), scoring.ReasonInactiveContact},
		{"a contact with an unknown persona", sig("odd", 50, 0), scoring.ReasonUnknownPersona},
		{"a signal naming an unknown persona", scoring.Signal{Persona: "ghost", Metric: "score", Value: 1, At: t0}, scoring.ReasonUnknownPersona},
		{"a signal for another account", scoring.Signal{Account: "other", Contact: "c1", Metric: "score", Value: 1, At: t0}, scoring.ReasonWrongAccount},
		{"a metric the persona does not weigh", sig("c4", 50, 0), scoring.ReasonMetricNotWeighted},
		{"a duplicate (same contact, metric and time)", sig("c1", 10, 0), scoring.ReasonDuplicate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := s.Score(acct, []scoring.Signal{good, tc.sig}, t0)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Dropped) != 1 || r.Dropped[0].Reason != tc.reason {
				t.Fatalf("dropped = %+v, want one with %v", r.Dropped, tc.reason)
			}
			if r.SignalsUsed != 1 || math.IsNaN(r.Score) {
				t.Errorf("signals used %d, score %v", r.SignalsUsed, r.Score)
			}
		})
	}
}

func TestDuplicateKeepsTheSameSignalInAnyOrder(t *testing.T) {
	s := mustCompile(t, plainModel(), testCatalog(t))
	acct := contacts("acme", map[string]persona.ID{"c1": "a1"})
	a, b := sig("c1", 10, 0), sig("c1", 90, 0)
	r1, _ := s.Score(acct, []scoring.Signal{a, b}, t0)
	r2, _ := s.Score(acct, []scoring.Signal{b, a}, t0)
	if d := cmp.Diff(r1, r2, cmp.AllowUnexported(scoring.Result{})); d != "" {
		t.Errorf("order changed the result (-ab +ba):\n%s", d)
	}
	// The lower value is kept: duplicates resolve by value, never by position.
	near(t, "score", r1.Score, 10, 0)
}

func TestDuplicateContactIDIsAnError(t *testing.T) {
	s := mustCompile(t, plainModel(), testCatalog(t))
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{{ID: "x", Persona: "a1"}, {ID: "x", Persona: "a2"}}}
	_, err := s.Score(acct, nil, t0)
	if !errors.Is(err, scoring.ErrDuplicateContact) || !strings.Contains(err.Error(), `"x"`) {
		t.Errorf("err = %v, want ErrDuplicateContact naming x", err)
	}
}

func TestCompileReportsEveryProblem(t *testing.T) {
	cat := testCatalog(t)
	tests := []struct {
		name   string
		edit   func(m *scoring.Model)
		want   error
		detail string
	}{
		{"no metrics", func(m *scoring.Model) { m.Metrics = nil }, scoring.ErrNoMetrics, "metrics"},
		{"a duplicate metric", func(m *scoring.Model) { m.Metrics = append(m.Metrics, m.Metrics[0]) }, scoring.ErrDuplicate, `metrics[1].name "score"`},
		{"an empty metric name", func(m *scoring.Model) { m.Metrics[0].Name = "" }, scoring.ErrInvalidValue, "metrics[0].name"},
		{"an unknown kind", func(m *scoring.Model) { m.Metrics[0].Kind = "vibes" }, scoring.ErrUnknownKind, `"vibes"`},
		{"an empty scale", func(m *scoring.Model) { m.Metrics[0].Max = 0 }, scoring.ErrInvalidValue, "metrics[0].max"},
		{"an NPS metric not on 0..10", func(m *scoring.Model) { m.Metrics[0].Kind = scoring.KindNPS }, scoring.ErrInvalidValue, "NPS"},
		{"a negative metric weight", func(m *scoring.Model) { m.Metrics[0].Weight = -1 }, scoring.ErrInvalidValue, "metrics[0].weight -1"},
		{"a negative persona weight", func(m *scoring.Model) {
			m.Personas = []scoring.PersonaWeight{{Persona: "a1", Weight: new(-2.0)}}
		}, scoring.ErrInvalidValue, "personas[0].weight -2"},
		{"an unknown persona", func(m *scoring.Model) {
			m.Personas = []scoring.PersonaWeight{{Persona: "wizard", Weight: new(1.0)}}
		}, persona.ErrUnknownPersona, `"wizard"`},
		{"a duplicate persona", func(m *scoring.Model) {
			m.Personas = []scoring.PersonaWeight{{Persona: "a1", Weight: new(1.0)}, {Persona: "a1", Weight: new(1.0)}}
		}, scoring.ErrDuplicate, "personas[1].persona"},
		{"a persona weighing an unknown metric", func(m *scoring.Model) {
			m.Personas = []scoring.PersonaWeight{{Persona: "a1", Weight: new(1.0), Metrics: map[string]float64{"mood": 1}}}
		}, scoring.ErrUnknownMetric, `"mood"`},
		{"a NaN persona metric weight", func(m *scoring.Model) {
			m.Personas = []scoring.PersonaWeight{{Persona: "a1", Weight: new(1.0), Metrics: map[string]float64{"score": math.NaN()}}}
		}, scoring.ErrInvalidValue, `metrics["score"]`},
		{"an unknown group", func(m *scoring.Model) { m.Groups = []scoring.GroupWeight{{Group: "Z", Weight: 1}} }, persona.ErrUnknownGroup, `"Z"`},
		{"a duplicate group", func(m *scoring.Model) {
			m.Groups = []scoring.GroupWeight{{Group: "A", Weight: 1}, {Group: "A", Weight: 1}}
		}, scoring.ErrDuplicate, "groups[1].group"},
		{"a negative group weight", func(m *scoring.Model) { m.Groups = []scoring.GroupWeight{{Group: "A", Weight: -1}} }, scoring.ErrInvalidValue, "groups[0].weight"},
		{"an unknown rule", func(m *scoring.Model) { m.Groups = []scoring.GroupWeight{{Group: "A", Weight: 1, Rule: "median"}} }, scoring.ErrUnknownRule, `"median"`},
		{"a negative half-life", func(m *scoring.Model) { m.HalfLife = -1 }, scoring.ErrInvalidValue, "half_life"},
		{"a negative max age", func(m *scoring.Model) { m.MaxAge = -1 }, scoring.ErrInvalidValue, "max_age"},
		{"a veto threshold above 100", func(m *scoring.Model) { m.VetoBelow = 101 }, scoring.ErrInvalidValue, "veto_below 101"},
		{"a NaN prior strength", func(m *scoring.Model) { m.PriorStrength = math.NaN() }, scoring.ErrInvalidValue, "prior_strength"},
		{"a prior mean out of 0..100", func(m *scoring.Model) { m.PriorMean = -5 }, scoring.ErrInvalidValue, "prior_mean"},
		{"a zero spread", func(m *scoring.Model) { m.Spread = 0 }, scoring.ErrInvalidValue, "spread"},
		{"a spread wider than the scale", func(m *scoring.Model) { m.Spread = 1e300 }, scoring.ErrInvalidValue, "spread"},
		{"a scale too wide to hold", func(m *scoring.Model) { m.Metrics[0].Min, m.Metrics[0].Max = -1e308, 1e308 }, scoring.ErrInvalidValue, "metrics[0].max"},
		{"a confidence of 1", func(m *scoring.Model) { m.Confidence = 1 }, scoring.ErrInvalidValue, "confidence"},
		{"a min coverage above 1", func(m *scoring.Model) { m.MinCoverage = 2 }, scoring.ErrInvalidValue, "min_coverage"},
		{"no bands", func(m *scoring.Model) { m.Bands = nil }, scoring.ErrBandOrder, "bands"},
		{"bands out of order", func(m *scoring.Model) {
			m.Bands = []scoring.Band{{Name: "a", Min: 0}, {Name: "b", Min: 60}, {Name: "c", Min: 40}}
		}, scoring.ErrBandOrder, "bands[2].min 40"},
		{"an unnamed band", func(m *scoring.Model) { m.Bands[1].Name = "" }, scoring.ErrInvalidValue, "bands[1].name"},
		{"persona weights that overflow", func(m *scoring.Model) {
			m.Personas = []scoring.PersonaWeight{{Persona: "a1", Weight: new(math.MaxFloat64)}, {Persona: "a2", Weight: new(math.MaxFloat64)}}
		}, scoring.ErrInvalidValue, "add up to infinity"},
		{"metric weights that overflow", func(m *scoring.Model) {
			m.Metrics[0].Weight = math.MaxFloat64
			m.Metrics = append(m.Metrics, scoring.Metric{Name: "other", Kind: scoring.KindUsage, Min: 0, Max: 1, Weight: math.MaxFloat64})
		}, scoring.ErrInvalidValue, "metric weights add up to infinity"},
		{"no persona with weight", func(m *scoring.Model) {
			m.Groups = []scoring.GroupWeight{{Group: "A", Weight: 0}, {Group: "B", Weight: 0}}
		}, scoring.ErrNoWeight, "personas"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := plainModel()
			tc.edit(&m)
			_, err := scoring.Compile(m, cat)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("err = %v, want it to mention %s", err, tc.detail)
			}
		})
	}
	t.Run("several problems are all listed", func(t *testing.T) {
		m := plainModel()
		m.Spread, m.Confidence, m.HalfLife = -1, 2, -1
		err := func() error { _, err := scoring.Compile(m, cat); return err }()
		for _, f := range []string{"spread", "confidence", "half_life"} {
			if !strings.Contains(err.Error(), f) {
				t.Errorf("err does not list %s: %v", f, err)
			}
		}
		var fe *scoring.FieldError
		if !errors.As(err, &fe) {
			t.Errorf("no *FieldError in %v", err)
		}
	})
	if _, err := scoring.Compile(plainModel(), nil); err == nil {
		t.Error("Compile with a nil catalog succeeded")
	}
}

func TestModelJSONRoundTrip(t *testing.T) {
	m := scoring.DefaultModel(persona.B2B())
	m.Personas[0].Metrics = map[string]float64{"usage": 0}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"half_life":"90d"`) {
		t.Errorf("durations are not written as days: %s", data)
	}
	var back scoring.Model
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(m, back); d != "" {
		t.Errorf("model changed in a JSON round trip (-want +got):\n%s", d)
	}
	if _, err := scoring.Compile(back, persona.B2B()); err != nil {
		t.Errorf("the default model does not compile: %v", err)
	}
}

func TestDurationText(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * day, "36h": 36 * time.Hour, "1h30m": 90 * time.Minute, "0d": 0, "0s": 0} {
		var d scoring.Duration
		if err := d.UnmarshalText([]byte(in)); err != nil || time.Duration(d) != want {
			t.Errorf("%q -> %v, %v; want %v", in, time.Duration(d), err, want)
		}
	}
	for _, bad := range []string{"", "ninety days", "1.5d", "999999999d"} {
		var d scoring.Duration
		if err := d.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q accepted as %v", bad, time.Duration(d))
		}
	}
	if s := scoring.Duration(36 * time.Hour).String(); s != "36h0m0s" {
		t.Errorf("String(36h) = %q", s)
	}
	if s := scoring.Duration(2 * day).String(); s != "2d" {
		t.Errorf("String(48h) = %q", s)
	}
}

func TestReasonText(t *testing.T) {
	for r := scoring.ReasonUnknownMetric; r <= scoring.ReasonDuplicate; r++ {
		text, _ := r.MarshalText()
		var back scoring.Reason
		if err := back.UnmarshalText(text); err != nil || back != r {
			t.Errorf("%d -> %q -> %d, %v", r, text, back, err)
		}
	}
	var r scoring.Reason
	if err := r.UnmarshalText([]byte("bad vibes")); err == nil {
		t.Error("unknown reason text accepted")
	}
	if s := scoring.Reason(200).String(); s != "Reason(200)" {
		t.Errorf("String(200) = %q", s)
	}
}

// A Result that lists a dropped NaN signal must still encode as JSON (which
// has no NaN), and decode back to the same signals.
func TestResultWithNaNSignalEncodes(t *testing.T) {
	s := mustCompile(t, plainModel(), testCatalog(t))
	acct := contacts("acme", map[string]persona.ID{"c1": "a1"})
	r, _ := s.Score(acct, []scoring.Signal{sig("c1", math.NaN(), 0), sig("c1", math.Inf(-1), 0), sig("c1", 50, 0)}, t0)
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("a Result with NaN in Dropped does not encode: %v", err)
	}
	if !strings.Contains(string(data), `"value":"NaN"`) || !strings.Contains(string(data), `"value":"-Inf"`) {
		t.Errorf("encoding: %s", data)
	}
	var back scoring.Result
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Dropped) != 2 || !math.IsNaN(back.Dropped[0].Signal.Value) || !math.IsInf(back.Dropped[1].Signal.Value, -1) {
		t.Errorf("decoded dropped signals: %+v", back.Dropped)
	}
	var bad scoring.Signal
	if err := json.Unmarshal([]byte(`{"metric":"x","value":"lots"}`), &bad); err == nil {
		t.Error("a value of \"lots\" was accepted")
	}
	if err := json.Unmarshal([]byte(`{"metric":"x","value":"lots","at":"2026-01-01T00:00:00Z"}`), &bad); err == nil {
		t.Error("a value of \"lots\" was accepted")
	}
}

// A signal read from JSON is strict, so that a typo never scores as 0:
// each unknown field, and each missing or null metric, value or at, is a
// FieldError naming it (ErrUnknownField, ErrMissingField).
func TestSignalJSONIsStrict(t *testing.T) {
	type want struct {
		field string
		kind  error
	}
	for _, tc := range []struct {
		name string
		json string
		want []want
	}{
		{"a misspelt value", `{"metric":"nps","valeu":9,"at":"2026-01-01T00:00:00Z"}`, []want{{"valeu", scoring.ErrUnknownField}, {"value", scoring.ErrMissingField}}},
		{"no value", `{"metric":"nps","at":"2026-01-01T00:00:00Z"}`, []want{{"value", scoring.ErrMissingField}}},
		{"a null value", `{"metric":"nps","value":null,"at":"2026-01-01T00:00:00Z"}`, []want{{"value", scoring.ErrMissingField}}},
		{"no time", `{"metric":"nps","value":9}`, []want{{"at", scoring.ErrMissingField}}},
		{"no metric", `{"value":9,"at":"2026-01-01T00:00:00Z"}`, []want{{"metric", scoring.ErrMissingField}}},
		{"two unknown fields, in order", `{"metric":"nps","value":9,"at":"2026-01-01T00:00:00Z","zz":1,"aa":2}`, []want{{"aa", scoring.ErrUnknownField}, {"zz", scoring.ErrUnknownField}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s scoring.Signal
			err := json.Unmarshal([]byte(tc.json), &s)
			if err == nil {
				t.Fatalf("accepted as %+v", s)
			}
			var got []want
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var fe *scoring.FieldError
				if !errors.As(e, &fe) {
					t.Fatalf("%v is not a FieldError", e)
				}
				got = append(got, want{fe.Field, fe.Err})
			}
			if len(got) != len(tc.want) {
				t.Fatalf("errors %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i].field != tc.want[i].field || !errors.Is(got[i].kind, tc.want[i].kind) {
					t.Errorf("error %d: %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
	var s scoring.Signal
	if err := json.Unmarshal([]byte(`{"Metric":"nps","VALUE":0,"at":"2026-01-01T00:00:00Z","contact":"c"}`), &s); err != nil || s.Metric != "nps" || s.Value != 0 || s.Contact != "c" {
		t.Errorf("names in another case, as encoding/json reads them: %+v, %v", s, err)
	}
}
