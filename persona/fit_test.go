package persona_test

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/villagecx/village/persona"
)

func icp() persona.FitProfile {
	return persona.FitProfile{
		Rules: []persona.FitRule{
			{Trait: "industry", Is: []string{"banking", "insurance"}, Points: 2, Reason: "regulated industry"},
			{Trait: "employees", AtLeast: new(500.0), Points: 1, Reason: "500+ employees"},
			{Trait: "employees", Below: new(50.0), Points: -2, Reason: "under 50 employees"},
			{Trait: persona.TraitSegment, Is: []string{"smb"}, Points: -1, Reason: "self-serve segment"},
			{Trait: persona.TraitARR, AtLeast: new(100_000.0), Points: 1, Reason: "ARR of 100k+"},
		},
		Good: 2,
		Poor: -1,
	}
}

func TestFitScoresAndExplains(t *testing.T) {
	p := icp()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		acct persona.Account
		want persona.Fit
	}{
		{"an ideal customer", persona.Account{ID: "a", Segment: "enterprise", ARR: 250_000, Traits: map[string]string{"industry": " Banking", "employees": "1200"}},
			persona.Fit{Score: 4, Class: persona.FitGood, Matched: []persona.FitMatch{
				{Trait: "industry", Value: " Banking", Points: 2, Reason: "regulated industry"},
				{Trait: "employees", Value: "1200", Points: 1, Reason: "500+ employees"},
				{Trait: "arr", Value: "250000", Points: 1, Reason: "ARR of 100k+"},
			}}},
		{"a bad fit", persona.Account{ID: "b", Segment: "smb", ARR: 9_000, Traits: map[string]string{"industry": "retail", "employees": "12"}},
			persona.Fit{Score: -3, Class: persona.FitPoor, Matched: []persona.FitMatch{
				{Trait: "employees", Value: "12", Points: -2, Reason: "under 50 employees"},
				{Trait: "segment", Value: "smb", Points: -1, Reason: "self-serve segment"},
			}}},
		{"neutral, with traits not known", persona.Account{ID: "c", Segment: "mid-market", Traits: map[string]string{"employees": "a few"}},
			persona.Fit{Score: 0, Class: persona.FitNeutral, Unknown: []string{"industry", "employees", "arr"}}},
		{"nothing known", persona.Account{ID: "d"},
			persona.Fit{Score: 0, Class: persona.FitUnknown, Unknown: []string{"industry", "employees", "segment", "arr"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := p.Fit(&tc.acct)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("Fit (-want +got):\n%s", d)
			}
			if s := p.Score(&tc.acct); s != tc.want.Score {
				t.Errorf("Score = %v, want %v", s, tc.want.Score)
			}
			if c := p.Class(&tc.acct); c != tc.want.Class {
				t.Errorf("Class = %v, want %v", c, tc.want.Class)
			}
		})
	}
	a := tests[0].acct
	if got, want := p.Fit(&a).String(), "fit good (+4.0): regulated industry (+2); 500+ employees (+1); ARR of 100k+ (+1)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if allocs := testing.AllocsPerRun(100, func() { p.Score(&a); p.Class(&a) }); allocs != 0 {
		t.Errorf("Score and Class allocate %v times", allocs)
	}
}

func TestFitProfileValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*persona.FitProfile)
	}{
		{"a rule without a trait", func(p *persona.FitProfile) { p.Rules[0].Trait = "" }},
		{"text and number at once", func(p *persona.FitProfile) { p.Rules[0].AtLeast = new(1.0) }},
		{"nothing to match", func(p *persona.FitProfile) { p.Rules[1].AtLeast = nil }},
		{"bounds the wrong way", func(p *persona.FitProfile) { p.Rules[1].Below = new(100.0) }},
		{"a NaN bound", func(p *persona.FitProfile) { p.Rules[2].Below = new(math.NaN()) }},
		{"infinite points", func(p *persona.FitProfile) { p.Rules[0].Points = math.Inf(1) }},
		{"arr matched as text", func(p *persona.FitProfile) { p.Rules[4] = persona.FitRule{Trait: "arr", Is: []string{"big"}} }},
		{"poor not below good", func(p *persona.FitProfile) { p.Poor = p.Good }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := icp()
			p.Rules = append([]persona.FitRule(nil), p.Rules...)
			tc.edit(&p)
			err := p.Validate()
			var fe *persona.FieldError
			if !errors.Is(err, persona.ErrInvalidValue) && !errors.Is(err, persona.ErrEmptyID) || !errors.As(err, &fe) {
				t.Errorf("Validate = %v", err)
			}
		})
	}
}

// A rule's own values are trimmed like the account's: " saas" matches
// "SaaS " (a spreadsheet's stray space on either side).
func TestFitRuleTrimsBothSides(t *testing.T) {
	p := persona.FitProfile{Rules: []persona.FitRule{{Trait: "model", Is: []string{" saas"}, Points: 1}}, Good: 1, Poor: -1}
	a := persona.Account{ID: "a", Traits: map[string]string{"model": "SaaS "}}
	if got := p.Score(&a); got != 1 {
		t.Errorf("score %v, want 1", got)
	}
}
