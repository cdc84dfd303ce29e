package persona_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/villagecx/village/persona"
)

func TestNewCatalogReportsEveryProblem(t *testing.T) {
	okGroups := []persona.Group{{ID: "decision", Weight: 1}}
	tests := []struct {
		name     string
		groups   []persona.Group
		personas []persona.Persona
		want     []error  // sentinels that must all be present
		fields   []string // substrings the message must contain
	}{
		{
			name:     "a duplicate persona ID is named",
			groups:   okGroups,
			personas: []persona.Persona{{ID: "cio", Group: "decision"}, {ID: "cio", Group: "decision"}},
			want:     []error{persona.ErrDuplicateID},
			fields:   []string{`personas[1].id "cio"`},
		},
		{
			name:     "a persona naming an unknown group is named with the group",
			groups:   okGroups,
			personas: []persona.Persona{{ID: "x", Group: "y"}},
			want:     []error{persona.ErrUnknownGroup},
			fields:   []string{`personas[0].group "y"`},
		},
		{
			name:     "a NaN weight is rejected",
			groups:   okGroups,
			personas: []persona.Persona{{ID: "x", Group: "decision", Weight: math.NaN()}},
			want:     []error{persona.ErrInvalidWeight},
			fields:   []string{"personas[0].weight NaN"},
		},
		{
			name:     "a negative or infinite weight is rejected",
			groups:   []persona.Group{{ID: "g", Weight: math.Inf(1)}},
			personas: []persona.Persona{{ID: "x", Group: "g", Weight: -1}},
			want:     []error{persona.ErrInvalidWeight},
			fields:   []string{"groups[0].weight", "personas[0].weight -1"},
		},
		{
			name:     "weights whose total overflows are rejected",
			groups:   []persona.Group{{ID: "a", Weight: math.MaxFloat64}, {ID: "b", Weight: math.MaxFloat64}},
			personas: []persona.Persona{{ID: "x", Group: "a", Weight: 1}, {ID: "y", Group: "b", Weight: 1}},
			want:     []error{persona.ErrInvalidWeight},
			fields:   []string{"total weight"},
		},
		{
			name:     "an empty catalog is rejected",
			groups:   okGroups,
			personas: nil,
			want:     []error{persona.ErrEmptyCatalog},
		},
		{
			name:     "empty and duplicate group IDs are rejected",
			groups:   []persona.Group{{ID: ""}, {ID: "a"}, {ID: "a"}},
			personas: []persona.Persona{{ID: "x", Group: "a"}},
			want:     []error{persona.ErrEmptyID, persona.ErrDuplicateID},
			fields:   []string{"groups[0].id", `groups[2].id "a"`},
		},
		{
			name:     "an empty persona ID is rejected",
			groups:   okGroups,
			personas: []persona.Persona{{ID: "", Group: "decision"}},
			want:     []error{persona.ErrEmptyID},
		},
		{
			name:     "an undeclared role is rejected",
			groups:   okGroups,
			personas: []persona.Persona{{ID: "x", Group: "decision", Role: 99}},
			want:     []error{persona.ErrInvalidRole},
		},
		{
			name:   "all problems are reported together, not only the first",
			groups: okGroups,
			personas: []persona.Persona{
				{ID: "cio", Group: "decision"}, {ID: "cio", Group: "nope", Weight: math.NaN()},
			},
			want: []error{persona.ErrDuplicateID, persona.ErrUnknownGroup, persona.ErrInvalidWeight},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := persona.NewCatalog(tc.groups, tc.personas)
			if err == nil {
				t.Fatalf("NewCatalog succeeded with %d personas, want an error", c.Len())
			}
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("error %q does not wrap %v", err, w)
				}
			}
			for _, f := range tc.fields {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("error %q does not mention %s", err, f)
				}
			}
			var fe *persona.FieldError
			if !errors.As(err, &fe) || fe.Field == "" {
				t.Errorf("error %q has no *FieldError with a field", err)
			}
		})
	}
}

func TestCatalogLookupOrderAndWeights(t *testing.T) {
	c := persona.B2B()
	if c.Len() != 9 {
		t.Fatalf("B2B has %d personas, want 9", c.Len())
	}
	var ids []persona.ID
	for i, p := range c.Personas() {
		ids = append(ids, p.ID)
		if j, ok := c.Index(p.ID); !ok || j != i {
			t.Errorf("Index(%q) = %d, %v; want %d", p.ID, j, ok, i)
		}
		if c.At(i).ID != p.ID {
			t.Errorf("At(%d) = %q, want %q", i, c.At(i).ID, p.ID)
		}
	}
	want := []persona.ID{"lob-exec", "finance-exec", "procurement", "dept-manager", "end-user", "champion", "cio", "tech-expert", "security"}
	if d := cmp.Diff(want, ids); d != "" {
		t.Errorf("iteration order (-want +got):\n%s", d)
	}
	if _, ok := c.Persona("nobody"); ok {
		t.Error("Persona found an ID that does not exist")
	}
	// Group weights 0.5, 0.3, 0.2 sum to 1 and persona weights within each
	// group sum to 1, so effective weights are group*persona and total 1.
	if got := c.TotalWeight(); math.Abs(got-1) > 1e-12 {
		t.Errorf("TotalWeight = %v, want 1", got)
	}
	lob, _ := c.Index(persona.LineOfBusiness)
	if got := c.EffectiveWeight(lob); math.Abs(got-0.5*0.45) > 1e-12 {
		t.Errorf("EffectiveWeight(lob-exec) = %v, want 0.225", got)
	}
	fin, _ := c.Persona(persona.FinanceExecutive)
	sec, _ := c.Persona(persona.Security)
	if !fin.Veto || !sec.Veto {
		t.Error("finance executive and security must hold a veto")
	}
}

func TestEffectiveWeightOfAllZeroGroupIsZero(t *testing.T) {
	c, err := persona.NewCatalog(
		[]persona.Group{{ID: "a", Weight: 1}, {ID: "b", Weight: 3}},
		[]persona.Persona{{ID: "x", Group: "a", Weight: 0}, {ID: "y", Group: "b", Weight: 2}, {ID: "z", Group: "b", Weight: 6}})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[persona.ID]float64{"x": 0, "y": 0.75, "z": 2.25} {
		i, _ := c.Index(id)
		if got := c.EffectiveWeight(i); got != want {
			t.Errorf("EffectiveWeight(%s) = %v, want %v", id, got, want)
		}
	}
}

func TestCatalogJSONRoundTrip(t *testing.T) {
	c := persona.B2B()
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back persona.Catalog
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(c.Groups(), back.Groups()); d != "" {
		t.Errorf("groups differ after round trip (-want +got):\n%s", d)
	}
	for i, p := range c.Personas() {
		if d := cmp.Diff(p, back.At(i)); d != "" {
			t.Errorf("persona %d differs after round trip (-want +got):\n%s", i, d)
		}
	}
	if !strings.Contains(string(data), `"role":"economic-buyer"`) {
		t.Errorf("roles are not encoded as text: %s", data)
	}
	bad := `{"groups":[{"id":"g","weight":1}],"personas":[{"id":"a","group":"h","weight":1}]}`
	if err := json.Unmarshal([]byte(bad), &back); !errors.Is(err, persona.ErrUnknownGroup) {
		t.Errorf("decoding an invalid catalog: err = %v, want ErrUnknownGroup", err)
	}
	if err := json.Unmarshal([]byte(`{"groups":[],"personas":[{"id":"a","role":"king"}]}`), &back); !errors.Is(err, persona.ErrInvalidRole) {
		t.Errorf("decoding an unknown role: err = %v, want ErrInvalidRole", err)
	}
}

func TestCatalogCopiesItsInput(t *testing.T) {
	ps := []persona.Persona{{ID: "x", Group: "g", Weight: 1, Traits: []string{"calm"}}}
	c, err := persona.NewCatalog([]persona.Group{{ID: "g", Weight: 1}}, ps)
	if err != nil {
		t.Fatal(err)
	}
	ps[0].ID = "changed"
	ps[0].Traits[0] = "changed"
	if p := c.At(0); p.ID != "x" || p.Traits[0] != "calm" {
		t.Errorf("catalog aliases its input: %+v", p)
	}
}

func TestRoleText(t *testing.T) {
	for r := persona.RoleUnspecified; r <= persona.RoleSponsor; r++ {
		text, err := r.MarshalText()
		if err != nil {
			t.Fatalf("MarshalText(%d): %v", r, err)
		}
		var back persona.Role
		if err := back.UnmarshalText(text); err != nil || back != r {
			t.Errorf("role %d -> %q -> %d, %v", r, text, back, err)
		}
	}
	if persona.RoleEconomicBuyer.String() != "economic-buyer" {
		t.Errorf("String = %q", persona.RoleEconomicBuyer)
	}
	if _, err := persona.Role(42).MarshalText(); !errors.Is(err, persona.ErrInvalidRole) {
		t.Errorf("MarshalText(42) err = %v", err)
	}
	if s := persona.Role(42).String(); s != "Role(42)" {
		t.Errorf("String(42) = %q", s)
	}
}

func TestLookupAsPeopleSpellIt(t *testing.T) {
	cat := persona.B2B()
	for _, tc := range []struct {
		in   string
		want persona.ID
		ok   bool
	}{
		{"finance-exec", persona.FinanceExecutive, true},
		{"finance_exec", persona.FinanceExecutive, true},
		{"Finance Exec", persona.FinanceExecutive, true},
		{"FINANCEEXEC", persona.FinanceExecutive, true},
		{"cio", persona.CIO, true},
		{"finance", "", false},
		{"", "", false},
	} {
		got, ok := cat.Lookup(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	// Two IDs that the loose spelling cannot tell apart: only exact matches.
	twins, err := persona.NewCatalog([]persona.Group{{ID: "g", Weight: 1}},
		[]persona.Persona{{ID: "a-b", Group: "g", Weight: 1}, {ID: "a_b", Group: "g", Weight: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := twins.Lookup("a-b"); !ok || id != "a-b" {
		t.Errorf("exact a-b: %q, %v", id, ok)
	}
	if id, ok := twins.Lookup("A B"); ok {
		t.Errorf("ambiguous A B found %q", id)
	}
	if got := cat.IDs(); !strings.HasPrefix(got, "lob-exec, finance-exec, ") || strings.Count(got, ", ") != cat.Len()-1 {
		t.Errorf("IDs() = %q", got)
	}
}
