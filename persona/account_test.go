package persona_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/villagecx/village/persona"
)

var (
	jan1 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	feb1 = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
)

func TestTenureBoundaries(t *testing.T) {
	c := persona.Contact{ID: "ann", Joined: jan1, Left: feb1}
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"one nanosecond before joining she is not there", jan1.Add(-1), false},
		{"at exactly Joined she is active (inclusive)", jan1, true},
		{"between the two she is active", jan1.Add(24 * time.Hour), true},
		{"one nanosecond before leaving she is still active", feb1.Add(-1), true},
		{"at exactly Left she is gone (exclusive)", feb1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.ActiveAt(tc.at); got != tc.want {
				t.Errorf("ActiveAt(%v) = %v, want %v", tc.at, got, tc.want)
			}
		})
	}
	if !(persona.Contact{}).ActiveAt(jan1) {
		t.Error("a contact with no tenure dates must be active")
	}
	if !(persona.Contact{Joined: jan1}).ActiveAt(feb1.AddDate(10, 0, 0)) {
		t.Error("a contact who never left must stay active")
	}
}

func TestAccountActiveAt(t *testing.T) {
	a := persona.Account{ID: "acme", Contacts: []persona.Contact{
		{ID: "a", Joined: jan1, Left: feb1},
		{ID: "b", Joined: feb1},
		{ID: "c"},
	}}
	ids := func(at time.Time) []string {
		var out []string
		for c := range a.ActiveAt(at) {
			out = append(out, c.ID)
		}
		return out
	}
	if d := cmp.Diff([]string{"a", "c"}, ids(jan1)); d != "" {
		t.Errorf("at jan1 (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"b", "c"}, ids(feb1)); d != "" {
		t.Errorf("at feb1 (-want +got):\n%s", d)
	}
	for c := range a.ActiveAt(jan1) { // early break must not panic
		_ = c
		break
	}
}

func TestAccountValidate(t *testing.T) {
	cat := persona.B2B()
	good := persona.Account{ID: "acme", ARR: 1e5, Contacts: []persona.Contact{
		{ID: "a", Account: "acme", Persona: persona.CIO, Joined: jan1, Left: feb1},
		{ID: "b", Persona: persona.EndUser},
	}}
	if err := good.Validate(cat); err != nil {
		t.Fatalf("valid account: %v", err)
	}
	if err := (&persona.Account{ID: "empty"}).Validate(cat); err != nil {
		t.Errorf("an account with no contacts is valid, got %v", err)
	}
	bad := persona.Account{ID: "", ARR: math.NaN(), Contacts: []persona.Contact{
		{ID: "a", Account: "other", Persona: "wizard", Joined: feb1, Left: jan1},
		{ID: "a", Persona: persona.CIO},
		{ID: "", Persona: persona.CIO},
	}}
	err := bad.Validate(cat)
	for _, want := range []error{persona.ErrEmptyID, persona.ErrInvalidValue, persona.ErrWrongAccount,
		persona.ErrUnknownPersona, persona.ErrInvalidTenure, persona.ErrDuplicateID} {
		if !errors.Is(err, want) {
			t.Errorf("Validate error does not report %v: %v", want, err)
		}
	}
	for _, field := range []string{"account.contacts[0].persona \"wizard\"", "account.contacts[1].id \"a\"", "account.arr NaN"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error does not name %s:\n%v", field, err)
		}
	}
}

func TestCoverageAt(t *testing.T) {
	cat := persona.B2B()
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{
		{ID: "u1", Persona: persona.EndUser},
		{ID: "u2", Persona: persona.EndUser},
		{ID: "cio", Persona: persona.CIO},
		{ID: "cfo-old", Persona: persona.FinanceExecutive, Left: jan1},
		{ID: "cfo-new", Persona: persona.FinanceExecutive, Joined: feb1},
		{ID: "ghost", Persona: "wizard"},
	}}
	got := persona.CoverageAt(&acct, cat, jan1)
	want := persona.Coverage{
		Account: "acme", At: jan1,
		Present: []persona.PersonaPresence{
			{Persona: persona.EndUser, Contacts: []string{"u1", "u2"}},
			{Persona: persona.CIO, Contacts: []string{"cio"}},
		},
		Missing:        []persona.ID{"lob-exec", "finance-exec", "procurement", "dept-manager", "champion", "tech-expert", "security"},
		SingleThreaded: []persona.ID{"cio"},
		Unmapped:       []string{"ghost"},
		// end user 0.3*0.35 + CIO 0.2*0.45 = 0.105 + 0.09 of a total of 1.
		WeightShare: 0.195,
	}
	if d := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-12 })); d != "" {
		t.Errorf("coverage on jan 1 (-want +got):\n%s", d)
	}
	// On feb 1 the new finance executive has joined.
	feb := persona.CoverageAt(&acct, cat, feb1)
	if !slices.Contains(feb.SingleThreaded, persona.FinanceExecutive) {
		t.Errorf("finance executive should be single-threaded on feb 1: %v", feb.SingleThreaded)
	}
	s := got.String()
	for _, part := range []string{"account acme at 2026-01-01: 20%", "end-user (2)", "single-threaded: cio", "unknown persona: ghost"} {
		if !strings.Contains(s, part) {
			t.Errorf("String() lacks %q:\n%s", part, s)
		}
	}
}

func TestCoverageOfEmptyAccount(t *testing.T) {
	cat := persona.B2B()
	got := persona.CoverageAt(&persona.Account{ID: "new"}, cat, jan1)
	if got.WeightShare != 0 || len(got.Present) != 0 || len(got.Missing) != cat.Len() {
		t.Errorf("empty account coverage = %+v", got)
	}
	if !strings.Contains(got.String(), "present: none") {
		t.Errorf("String() = %q", got.String())
	}
}

// A departure or arrival counts within a window at its edges: at t itself
// and exactly window before t, not after t and not earlier.
func TestLeftAndJoinedWithin(t *testing.T) {
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	const window = 30 * 24 * time.Hour
	for _, tc := range []struct {
		name string
		when time.Time
		want bool
	}{
		{"never", time.Time{}, false},
		{"at the time itself", at, true},
		{"exactly the window before", at.Add(-window), true},
		{"just before the window", at.Add(-window - time.Second), false},
		{"after the time", at.Add(time.Second), false},
	} {
		left := persona.Contact{Left: tc.when}.LeftWithin(at, window)
		joined := persona.Contact{Joined: tc.when}.JoinedWithin(at, window)
		if left != tc.want || joined != tc.want {
			t.Errorf("%s: LeftWithin %v, JoinedWithin %v, want %v", tc.name, left, joined, tc.want)
		}
	}
}
