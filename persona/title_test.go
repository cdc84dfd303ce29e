package persona_test

import (
	"errors"
	"testing"

	"github.com/villagecx/village/persona"
)

func TestB2BTitleRules(t *testing.T) {
	m, err := persona.NewTitleMapper(persona.B2BTitleRules(), persona.B2B())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		title   string
		want    persona.ID
		matched bool
	}{
		{"CIO", persona.CIO, true},
		{"Chief Information Officer", persona.CIO, true},
		{"VP, IT", persona.CIO, true},
		{"Chief Information Security Officer", persona.Security, true}, // security rule comes first
		{"CFO", persona.FinanceExecutive, true},
		{"VP Finance", persona.FinanceExecutive, true}, // finance before the generic "vp"
		{"Senior Procurement Specialist", persona.Procurement, true},
		{"VP Sales", persona.LineOfBusiness, true},
		{"Head of Customer Operations", persona.LineOfBusiness, true},
		{"Staff Software Engineer", persona.TechnicalExpert, true},
		{"Warehouse Manager", persona.DepartmentManager, true},
		{"Sociologist", persona.Unmapped, false}, // contains "cio" only as letters, not as a word
		{"Associate", persona.EndUser, true},
		{"Sales Representative", persona.EndUser, true},
		{"Professor", persona.Unmapped, false},
		{"", persona.Unmapped, false},
	}
	for _, tc := range tests {
		t.Run(tc.title, func(t *testing.T) {
			got, matched := m.Map(tc.title)
			if got != tc.want || matched != tc.matched {
				t.Errorf("Map(%q) = %q, %v; want %q, %v", tc.title, got, matched, tc.want, tc.matched)
			}
		})
	}
}

func TestTitleRulesFirstMatchWinsAndNoFallback(t *testing.T) {
	rules := persona.TitleRules{Rules: []persona.TitleRule{
		{Persona: persona.DepartmentManager, Keywords: []string{"manager"}},
		{Persona: persona.CIO, Keywords: []string{"IT Manager"}},
	}}
	m, err := persona.NewTitleMapper(rules, persona.B2B())
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := m.Map("it manager"); got != persona.DepartmentManager || !ok {
		t.Errorf("first matching rule must win, got %q %v", got, ok)
	}
	if got, ok := m.Map("Nurse"); got != "" || ok {
		t.Errorf("without a fallback an unmatched title maps to \"\", got %q %v", got, ok)
	}
}

func TestNewTitleMapperErrors(t *testing.T) {
	rules := persona.TitleRules{
		Rules: []persona.TitleRule{
			{Persona: "wizard", Keywords: []string{"mage"}},
			{Persona: persona.CIO, Keywords: []string{" / "}},
		},
		Fallback: "ghost",
	}
	_, err := persona.NewTitleMapper(rules, persona.B2B())
	if !errors.Is(err, persona.ErrUnknownPersona) || !errors.Is(err, persona.ErrEmptyID) {
		t.Fatalf("err = %v; want unknown persona and empty keyword", err)
	}
	var fe *persona.FieldError
	if !errors.As(err, &fe) || fe.Field != "rules[0].persona" {
		t.Errorf("first FieldError = %+v", fe)
	}
}

// The built-in rules map every B2B persona's own name (what village
// generate writes as a title) to that persona, and common CRM titles too.
func TestB2BTitleRulesCoverTheCatalogAndCommonTitles(t *testing.T) {
	cat := persona.B2B()
	m, err := persona.NewTitleMapper(persona.B2BTitleRules(), cat)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range cat.Personas() {
		if id, ok := m.Map(p.Name); !ok || id != p.ID {
			t.Errorf("%q maps to %q (%v), want %q", p.Name, id, ok, p.ID)
		}
	}
	for title, want := range map[string]persona.ID{
		"Customer Support Agent":             persona.EndUser,
		"Operations Associate":               persona.EndUser,
		"Sales Representative":               persona.EndUser,
		"Senior Software Engineer":           persona.TechnicalExpert,
		"Managing Director, EMEA":            persona.LineOfBusiness,
		"Business Owner - Payments":          persona.LineOfBusiness,
		"Team Leader, Claims":                persona.DepartmentManager,
		"Chief Information Security Officer": persona.Security,
		"Procurement Specialist":             persona.Procurement,
		"Financial Controller":               persona.FinanceExecutive,
	} {
		if id, _ := m.Map(title); id != want {
			t.Errorf("%q maps to %q, want %q", title, id, want)
		}
	}
}
