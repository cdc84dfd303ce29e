package scoring_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

func TestExplainUnscoredAndVetoWarning(t *testing.T) {
	cat := testCatalog(t)
	s := mustCompile(t, plainModel(), cat)
	r, _ := s.Score(persona.Account{ID: "acme"}, []scoring.Signal{sig("x", 50, 0)}, t0)
	text := r.String()
	for _, want := range []string{"acme: no score (insufficient data)", "not heard: a1, a2, b1", "dropped 1 signal(s): 1 contact not in the account"} {
		if !strings.Contains(text, want) {
			t.Errorf("explanation lacks %q:\n%s", want, text)
		}
	}

	// A veto holder below the threshold but above the account score is a
	// warning, not a cap.
	m := plainModel()
	m.VetoBelow = 35
	m.VetoOn = scoring.VetoOnScore
	m.Personas = []scoring.PersonaWeight{{Persona: "v", Weight: new(1.0)}}
	s = mustCompile(t, m, cat)
	acct := contacts("acme", map[string]persona.ID{"c1": "a1", "cv": "v"})
	r, _ = s.Score(acct, []scoring.Signal{sig("c1", 10, 0), sig("cv", 30, 0)}, t0)
	if r.Veto.Applied || r.Veto.Persona != "v" {
		t.Fatalf("veto = %+v; want a warning about v", r.Veto)
	}
	if !strings.Contains(r.String(), "warning: veto holder v (answers averaging 30.0) is below the veto threshold") {
		t.Errorf("no veto warning in:\n%s", r.String())
	}
	if err := r.Explain(failingWriter{}); err == nil {
		t.Error("Explain swallowed a write error")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestCloneSharesNothing(t *testing.T) {
	s := mustCompile(t, plainModel(), testCatalog(t))
	acct := contacts("acme", map[string]persona.ID{"c1": "a1", "c4": "b1"})
	var r scoring.Result
	if err := s.ScoreInto(&r, acct, []scoring.Signal{sig("c1", 80, 0), sig("c4", 20, 0), sig("c4", 200, 0)}, t0); err != nil {
		t.Fatal(err)
	}
	kept := r.Clone()
	if err := s.ScoreInto(&r, acct, []scoring.Signal{sig("c1", 10, 0), sig("c1", -1, 0)}, t0); err != nil {
		t.Fatal(err)
	}
	if kept.Personas[0].Score != 80 || kept.Dropped[0].Signal.Value != 200 || len(kept.Personas) != 2 {
		t.Errorf("the clone changed when the Result was reused: %+v", kept)
	}
}
