package scoring

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/villagecx/village/persona"
)

// Kind says what a metric measures and how its values become 0..100.
type Kind string

// The metric kinds. NPS values are 0..10 answers mapped by category
// (promoter, passive, detractor); every other kind is mapped linearly on its
// scale, reversed when LowerIsBetter.
const (
	KindNPS       Kind = "nps"       // likelihood to recommend, 0..10
	KindCSAT      Kind = "csat"      // satisfaction, e.g. 1..5
	KindCES       Kind = "ces"       // customer effort, e.g. 1..7
	KindUsage     Kind = "usage"     // product usage, e.g. share of seats active
	KindSentiment Kind = "sentiment" // text or call sentiment, e.g. -1..1
	KindCustom    Kind = "custom"    // anything else on a linear scale
)

// Metric is one kind of signal the model understands.
type Metric struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Min and Max bound the raw scale. A value outside them is dropped, never clamped.
	Min float64 `json:"min"`
	Max float64 `json:"max"`
	// LowerIsBetter reverses the scale (customer effort, ticket counts).
	LowerIsBetter bool `json:"lower_is_better,omitempty"`
	// Weight is the metric's weight for every persona that does not say
	// otherwise in PersonaWeight.Metrics.
	Weight float64 `json:"weight"`
}

// PersonaWeight overrides, for one persona, the weight the catalog gives it
// within its group, the metric weights, or both.
type PersonaWeight struct {
	Persona persona.ID `json:"persona"`
	// Weight replaces the catalog's weight for the persona within its group;
	// nil (absent in JSON) keeps the catalog's, so that an entry can override
	// only metric weights. Write new(0.5) for a literal.
	Weight *float64 `json:"weight,omitempty"`
	// Metrics maps a metric name to this persona's weight for it; a metric it
	// does not name keeps Metric.Weight. A weight of 0 makes the persona's
	// signals on that metric dropped with ReasonMetricNotWeighted.
	Metrics map[string]float64 `json:"metrics,omitempty"`
}

// Rule is how a group combines the scores of its personas.
type Rule string

// The group rules.
//
// RuleMin's interval is an approximation: the group takes the lowest
// persona's score and standard error as if that persona had not been chosen
// for being lowest. Where one persona is clearly lowest this is exact. Where
// personas are tied, the minimum is biased low and less spread than any one
// of them: measured by simulation (TestMinRuleIntervalCoverage), a 90%
// interval covers the true group score about 90% of the time with two tied
// personas and about 81% with four.
const (
	RuleMean Rule = "mean" // weighted mean over the personas heard
	RuleMin  Rule = "min"  // the lowest persona heard: the group is as healthy as its unhappiest member
)

// GroupWeight overrides the catalog's weight for a group and sets its rule.
type GroupWeight struct {
	Group  string  `json:"group"`
	Weight float64 `json:"weight"`
	Rule   Rule    `json:"rule,omitempty"` // empty means RuleMean
}

// Band names a range of scores: a score is in the band with the highest Min
// not above it.
type Band struct {
	Name string  `json:"name"`
	Min  float64 `json:"min"`
}

// BandInsufficient is the band of a result whose coverage is below the
// model's MinCoverage, or that heard nobody.
const BandInsufficient = "insufficient data"

// Model is a declarative scoring model: plain data that round-trips through
// JSON, so it can live in a file or a database. Compile validates it against
// a catalog and turns it into a Scorer.
//
// Personas and groups not listed in Personas and Groups keep the catalog's
// weights (and RuleMean), so a model only has to say what it changes.
type Model struct {
	Metrics  []Metric        `json:"metrics"`
	Personas []PersonaWeight `json:"personas,omitempty"`
	Groups   []GroupWeight   `json:"groups,omitempty"`

	// VetoBelow: a veto persona heard with a score below it caps the account
	// at that persona's score. 0 disables the cap.
	VetoBelow float64 `json:"veto_below"`
	// HalfLife is the age at which a signal counts half; 0 means no decay.
	HalfLife Duration `json:"half_life"`
	// MaxAge drops signals older than it; 0 means no limit.
	MaxAge Duration `json:"max_age"`
	// PriorStrength (k) and PriorMean: a persona heard from n effective
	// contacts scores (n*x + k*PriorMean)/(n + k).
	PriorStrength float64 `json:"prior_strength"`
	PriorMean     float64 `json:"prior_mean"`
	// Spread is the standard deviation, on 0..100, of one person's score
	// around the true score of their persona; it sets the intervals.
	Spread float64 `json:"spread"`
	// Confidence is the coverage of the interval, in (0, 1), e.g. 0.9.
	Confidence float64 `json:"confidence"`
	// Bands, in rising order of Min, the first at 0.
	Bands []Band `json:"bands"`
	// MinCoverage: a result whose coverage (share of the model's weight
	// heard) is below it has band BandInsufficient.
	MinCoverage float64 `json:"min_coverage"`
}

// DefaultModel returns a sensible starting model for cat: five common
// metrics (NPS weighing double, as the relationship question), the catalog's
// persona and group weights, a 90-day half-life, a one-year maximum age, a
// prior of 50 worth two contacts, a veto cap below 30, and four bands.
// Replace its weights by calibrating on renewals.
//
// The veto threshold and the prior work together: one detractor answer from
// a veto holder scores (0 + 2*50)/3 = 33.3, not enough on its own to cap the
// account; two detractors score 25 and do. A single answer is a warning, two
// are a pattern.
func DefaultModel(cat *persona.Catalog) Model {
	m := Model{
		Metrics: []Metric{
			{Name: "nps", Kind: KindNPS, Min: 0, Max: 10, Weight: 2},
			{Name: "csat", Kind: KindCSAT, Min: 1, Max: 5, Weight: 1},
			{Name: "ces", Kind: KindCES, Min: 1, Max: 7, LowerIsBetter: true, Weight: 1},
			{Name: "usage", Kind: KindUsage, Min: 0, Max: 1, Weight: 1},
			{Name: "sentiment", Kind: KindSentiment, Min: -1, Max: 1, Weight: 0.5},
		},
		VetoBelow:     30,
		HalfLife:      Duration(90 * 24 * time.Hour),
		MaxAge:        Duration(365 * 24 * time.Hour),
		PriorStrength: 2,
		PriorMean:     50,
		Spread:        25,
		Confidence:    0.9,
		Bands: []Band{
			{Name: "at risk", Min: 0},
			{Name: "watch", Min: 45},
			{Name: "healthy", Min: 65},
			{Name: "strong", Min: 80},
		},
		MinCoverage: 0.35,
	}
	for _, p := range cat.Personas() {
		m.Personas = append(m.Personas, PersonaWeight{Persona: p.ID, Weight: new(p.Weight)})
	}
	for _, g := range cat.Groups() {
		m.Groups = append(m.Groups, GroupWeight{Group: g.ID, Weight: g.Weight, Rule: RuleMean})
	}
	return m
}

// Duration is a time.Duration that reads and writes as text: Go's duration
// syntax ("36h", "90m") or a whole number of days ("90d").
type Duration time.Duration

// String returns the duration as whole days ("90d") when it is a whole
// number of days, else in Go's syntax.
func (d Duration) String() string {
	const day = 24 * time.Hour
	if td := time.Duration(d); td != 0 && td%day == 0 {
		return strconv.FormatInt(int64(td/day), 10) + "d"
	}
	return time.Duration(d).String()
}

// MarshalText encodes the duration as String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText decodes "90d" or anything time.ParseDuration accepts.
func (d *Duration) UnmarshalText(text []byte) error {
	s := string(text)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n < -106_751 || n > 106_751 { // time.Duration holds about 292 years
			return fmt.Errorf("scoring: invalid duration %q", s)
		}
		*d = Duration(time.Duration(n) * 24 * time.Hour)
		return nil
	}
	td, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("scoring: invalid duration %q: %w", s, err)
	}
	*d = Duration(td)
	return nil
}
