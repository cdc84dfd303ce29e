package persona

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The traits a FitRule can read besides Account.Traits.
const (
	TraitSegment = "segment" // Account.Segment
	TraitARR     = "arr"     // Account.ARR, a number (0 counts as unknown)
)

// FitRule is one characteristic of the ideal customer: when an account's
// Trait matches, the account's fit score gains Points (negative for a sign
// of bad fit). A rule matches on text (Is: the value is one of these, ignoring
// case and spaces around either) or on a number (the value parses as a number and is at
// least AtLeast and below Below, either bound left out as nil). Trait is a
// key of Account.Traits, or TraitSegment or TraitARR.
//
// DOMAIN.md: characteristics are not problems. A fit rule describes who the
// customer is (an industry, a size, a stack), never how they feel about the
// product: that is what the health score measures.
type FitRule struct {
	Trait   string   `json:"trait"`
	Is      []string `json:"is,omitempty"`
	AtLeast *float64 `json:"at_least,omitempty"`
	Below   *float64 `json:"below,omitempty"`
	Points  float64  `json:"points"`
	// Reason says in words what the match means ("regulated industry:
	// needs the audit trail we sell").
	Reason string `json:"reason"`
}

// FitProfile is an ideal customer profile: rules over account traits and
// firmographics whose points add up to a fit score, and the cut-offs that
// class a score as a good fit (success potential: the product suits them)
// or a poor one (a bad fit: a different case from an account served badly).
type FitProfile struct {
	Rules []FitRule `json:"rules"`
	// Good is the lowest score classed FitGood; Poor the highest classed
	// FitPoor. Poor < Good.
	Good float64 `json:"good"`
	Poor float64 `json:"poor"`
}

// FitClass is an account's class of fit.
type FitClass string

// The fit classes.
const (
	FitGood    FitClass = "good"    // score >= Good: success potential
	FitNeutral FitClass = "neutral" // between Poor and Good
	FitPoor    FitClass = "poor"    // score <= Poor: a bad fit
	FitUnknown FitClass = "unknown" // the account has none of the traits the rules read
)

// FitMatch is a rule that matched an account.
type FitMatch struct {
	Trait  string  `json:"trait"`
	Value  string  `json:"value"`
	Points float64 `json:"points"`
	Reason string  `json:"reason"`
}

// Fit is an account's fit to a profile: the score, its class, the rules
// that matched (the reasons), and the traits the rules read that the
// account does not have, so that "no points" and "not known" are told apart.
type Fit struct {
	Score   float64    `json:"score"`
	Class   FitClass   `json:"class"`
	Matched []FitMatch `json:"matched,omitempty"`
	Unknown []string   `json:"unknown,omitempty"`
}

// Validate checks the profile: each rule reads a trait, matches on text or
// on a number but not both (and on something), has bounds with AtLeast <
// Below and finite points; Poor < Good. Every problem is reported at once.
func (p *FitProfile) Validate() error {
	var errs []error
	for i, r := range p.Rules {
		path := fmt.Sprintf("fit.rules[%d]", i)
		numeric := r.AtLeast != nil || r.Below != nil
		switch {
		case r.Trait == "":
			errs = append(errs, fieldErr(path+".trait", r.Trait, ErrEmptyID))
		case len(r.Is) > 0 && numeric:
			errs = append(errs, fieldErr(path, r.Trait, fmt.Errorf("%w: a rule matches on text (is) or on a number (at_least, below), not both", ErrInvalidValue)))
		case len(r.Is) == 0 && !numeric:
			errs = append(errs, fieldErr(path, r.Trait, fmt.Errorf("%w: a rule needs is, at_least or below", ErrInvalidValue)))
		case r.Trait == TraitARR && len(r.Is) > 0:
			errs = append(errs, fieldErr(path, r.Trait, fmt.Errorf("%w: arr is a number", ErrInvalidValue)))
		}
		for _, b := range []*float64{r.AtLeast, r.Below} {
			if b != nil && math.IsNaN(*b) {
				errs = append(errs, fieldErr(path, r.Trait, fmt.Errorf("%w: a NaN bound", ErrInvalidValue)))
			}
		}
		if r.AtLeast != nil && r.Below != nil && !(*r.AtLeast < *r.Below) {
			errs = append(errs, fieldErr(path+".below", *r.Below, fmt.Errorf("%w: below must be above at_least (%v)", ErrInvalidValue, *r.AtLeast)))
		}
		if math.IsNaN(r.Points) || math.IsInf(r.Points, 0) {
			errs = append(errs, fieldErr(path+".points", r.Points, ErrInvalidValue))
		}
	}
	if !(p.Poor < p.Good) {
		errs = append(errs, fieldErr("fit.poor", p.Poor, fmt.Errorf("%w: poor must be below good (%v)", ErrInvalidValue, p.Good)))
	}
	return errors.Join(errs...)
}

// trait returns the account's value of a trait, and whether it has one.
func trait(a *Account, name string) (string, bool) {
	switch name {
	case TraitSegment:
		return a.Segment, a.Segment != ""
	case TraitARR:
		if a.ARR == 0 {
			return "", false
		}
		return strconv.FormatFloat(a.ARR, 'g', -1, 64), true
	}
	v, ok := a.Traits[name]
	return v, ok && v != ""
}

// match reports whether the rule matches the account, and whether the
// account has the trait at all (a value that is not a number, for a
// numeric rule, counts as not known).
func (r *FitRule) match(a *Account) (matched, known bool) {
	if r.Trait == TraitARR {
		if a.ARR == 0 {
			return false, false
		}
		return r.inRange(a.ARR), true
	}
	v, ok := trait(a, r.Trait)
	if !ok {
		return false, false
	}
	if len(r.Is) > 0 {
		for _, want := range r.Is {
			if strings.EqualFold(strings.TrimSpace(v), strings.TrimSpace(want)) {
				return true, true
			}
		}
		return false, true
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(x) {
		return false, false
	}
	return r.inRange(x), true
}

func (r *FitRule) inRange(x float64) bool {
	return (r.AtLeast == nil || x >= *r.AtLeast) && (r.Below == nil || x < *r.Below)
}

// Score returns the account's fit score: the sum of the points of the
// rules that match. It allocates nothing, for use in a sampling frame's
// stratum function or a scorer's hot path. A profile that does not
// validate gives an undefined (but never panicking) score.
func (p *FitProfile) Score(a *Account) float64 {
	score, _ := p.score(a)
	return score
}

func (p *FitProfile) score(a *Account) (score float64, known int) {
	for i := range p.Rules {
		matched, ok := p.Rules[i].match(a)
		if matched {
			score += p.Rules[i].Points
		}
		if ok {
			known++
		}
	}
	return score, known
}

// Class returns the account's class of fit; FitUnknown when the profile
// has rules and the account has none of the traits they read. It allocates
// nothing.
func (p *FitProfile) Class(a *Account) FitClass {
	score, known := p.score(a)
	return p.class(score, known)
}

func (p *FitProfile) class(score float64, known int) FitClass {
	switch {
	case known == 0 && len(p.Rules) > 0:
		return FitUnknown
	case score >= p.Good:
		return FitGood
	case score <= p.Poor:
		return FitPoor
	}
	return FitNeutral
}

// Fit returns the account's fit with its reasons: the rules that matched,
// in profile order, and the traits the rules read that the account lacks.
func (p *FitProfile) Fit(a *Account) Fit {
	var f Fit
	known := 0
	for i := range p.Rules {
		r := &p.Rules[i]
		matched, ok := r.match(a)
		if !ok {
			if !slices.Contains(f.Unknown, r.Trait) {
				f.Unknown = append(f.Unknown, r.Trait)
			}
			continue
		}
		known++
		if matched {
			v, _ := trait(a, r.Trait)
			f.Score += r.Points
			f.Matched = append(f.Matched, FitMatch{Trait: r.Trait, Value: v, Points: r.Points, Reason: r.Reason})
		}
	}
	f.Class = p.class(f.Score, known)
	return f
}

// String describes the fit on one line, e.g. "fit good (+3.0): regulated
// industry (+2); 500+ employees (+1)".
func (f Fit) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fit %s (%+.1f)", f.Class, f.Score)
	for i, m := range f.Matched {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%s (%+g)", sep, m.Reason, m.Points)
	}
	if len(f.Unknown) > 0 {
		fmt.Fprintf(&b, "; not known: %s", strings.Join(f.Unknown, ", "))
	}
	return b.String()
}
