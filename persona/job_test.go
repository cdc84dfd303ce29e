package persona_test

import (
	"errors"
	"math"
	"testing"

	"github.com/villagecx/village/persona"
)

// The worked example from outcome-driven innovation: 270 respondents, 200 of
// whom rate an outcome's importance in the top two boxes (4 or 5 of 5) and 75
// of whom are satisfied in the top two boxes. Published figures: importance
// 7.4, satisfaction 2.8, opportunity 7.4 + (7.4 - 2.8) = 12.0 (one decimal).
func TestOpportunityWorkedExample(t *testing.T) {
	imp, err := persona.TopBoxScore(200, 270)
	if err != nil {
		t.Fatal(err)
	}
	sat, err := persona.TopBoxScore(75, 270)
	if err != nil {
		t.Fatal(err)
	}
	opp, err := persona.Opportunity(imp, sat)
	if err != nil {
		t.Fatal(err)
	}
	round1 := func(x float64) float64 { return math.Round(10*x) / 10 }
	if round1(imp) != 7.4 || round1(sat) != 2.8 || round1(opp) != 12.0 {
		t.Errorf("importance %.3f satisfaction %.3f opportunity %.3f; want 7.4, 2.8, 12.0", imp, sat, opp)
	}
	// From the rounded published inputs the formula gives exactly 12.0.
	if got, _ := persona.Opportunity(7.4, 2.8); math.Abs(got-12.0) > 1e-12 {
		t.Errorf("Opportunity(7.4, 2.8) = %v, want 12", got)
	}
	// The same example from raw five-point ratings.
	ratings := make([]int, 0, 270)
	for i := range 270 {
		r := 3
		if i < 200 {
			r = 4 + i%2
		}
		ratings = append(ratings, r)
	}
	if got, err := persona.TopTwoBox(ratings, 5); err != nil || got != imp {
		t.Errorf("TopTwoBox = %v, %v; want %v", got, err, imp)
	}
}

func TestOpportunityIgnoresOverservedGap(t *testing.T) {
	// An over-served outcome (satisfaction above importance) scores its importance.
	j := persona.Job{ID: "j", Importance: 3, Satisfaction: 9}
	if got, err := j.Opportunity(); err != nil || got != 3 {
		t.Errorf("Opportunity = %v, %v; want 3", got, err)
	}
}

func TestOpportunityBadInput(t *testing.T) {
	tests := []struct {
		name      string
		imp, sat  float64
		wantError error
	}{
		{"NaN importance", math.NaN(), 1, persona.ErrInvalidValue},
		{"importance above 10", 10.5, 1, persona.ErrInvalidValue},
		{"negative satisfaction", 5, -0.1, persona.ErrInvalidValue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := persona.Opportunity(tc.imp, tc.sat); !errors.Is(err, tc.wantError) {
				t.Errorf("err = %v, want %v", err, tc.wantError)
			}
		})
	}
	if _, err := persona.TopBoxScore(1, 0); !errors.Is(err, persona.ErrNoRatings) {
		t.Errorf("TopBoxScore with n=0: %v", err)
	}
	if _, err := persona.TopBoxScore(5, 4); !errors.Is(err, persona.ErrInvalidValue) {
		t.Errorf("TopBoxScore with inTop>n: %v", err)
	}
	if _, err := persona.TopTwoBox([]int{5, 6}, 5); !errors.Is(err, persona.ErrInvalidValue) {
		t.Errorf("TopTwoBox with a 6 on a 5-point scale: %v", err)
	}
	if _, err := persona.TopTwoBox(nil, 5); !errors.Is(err, persona.ErrNoRatings) {
		t.Errorf("TopTwoBox with no ratings: %v", err)
	}
	if _, err := persona.TopTwoBox([]int{1}, 1); !errors.Is(err, persona.ErrInvalidValue) {
		t.Errorf("TopTwoBox with scale 1: %v", err)
	}
}
