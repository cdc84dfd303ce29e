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

// DefaultVetoLevel is the VetoLevel of a model that leaves it 0.
const DefaultVetoLevel = 0.9

// VetoBasis says how the evidence about a veto persona is compared with
// Model.VetoBelow.
type VetoBasis string

// The veto bases.
const (
	// VetoOnEvidence (the default, also when empty) vetoes when what the
	// persona's people said puts it below the threshold with probability at
	// least VetoLevel: its unshrunk mean (PersonaScore.Raw) plus
	// z(VetoLevel)*Spread/sqrt(N) is below VetoBelow. One strongly negative
	// veto holder can veto on their own, as the power to kill a renewal
	// alone requires, while one lukewarm answer cannot (it is reported as a
	// warning, Veto.Conclusive false). The account is then capped at the
	// persona's shrunk score, the honest estimate of how bad it is.
	VetoOnEvidence VetoBasis = "evidence"
	// VetoOnScore compares the shrunk score (PersonaScore.Score), as
	// versions before 2026-11 did: with PriorStrength k, a lone person's
	// worst answer scores k*PriorMean/(1+k), which may never reach the
	// threshold, so a veto holder needs company to veto.
	VetoOnScore VetoBasis = "score"
)

// Unheard is what a persona with weight counts for when nobody of it was heard.
type Unheard string

// The rules for personas not heard.
const (
	// UnheardRenormalise (the default, also when empty) leaves them out:
	// the weights of the personas heard in the group, and of the groups
	// heard, are scaled up to fill their place. With few personas heard, a
	// light one can then carry more of the score than a heavy one would.
	UnheardRenormalise Unheard = "renormalise"
	// UnheardPrior counts each of them at the prior, PriorMean with the
	// prior's own variance Spread^2/PriorStrength, with its full weight, so
	// that every persona keeps its catalog share of the account whoever
	// answered. Its contribution is 0 (the baseline is the prior) and the
	// interval widens by what is not known. It applies to groups with the
	// mean rule; a min-rule group takes the lowest persona heard. It needs
	// PriorStrength > 0. With per-metric priors (Model.Priors), a persona's
	// priors are per metric (its prior is their metric-weighted mean), and a
	// persona heard on some metrics counts the others at their priors too,
	// rather than renormalising its metric weights over those heard, so that
	// the score is a fixed weighted sum of per-persona, per-metric parts.
	UnheardPrior Unheard = "prior"
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

	// VetoBelow: a veto persona heard below it caps the account at that
	// persona's score. 0 disables the cap. VetoOn says which of the
	// persona's figures is compared with it.
	VetoBelow float64   `json:"veto_below"`
	VetoOn    VetoBasis `json:"veto_on,omitempty"`
	// VetoLevel is, for VetoOnEvidence, the probability with which the
	// evidence must put the persona below VetoBelow, in [0.5, 1); 0 means
	// DefaultVetoLevel. 0.5 vetoes whenever the unshrunk mean is below.
	VetoLevel float64 `json:"veto_level,omitempty"`
	// Unheard says what a persona with weight counts for when nobody of it
	// was heard; empty means UnheardRenormalise.
	Unheard Unheard `json:"unheard,omitempty"`
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
	// PersonSpread, in [0, Spread], is the part of Spread that is a
	// person's own inconsistency from one answer to the next; the rest,
	// sqrt(Spread^2 - PersonSpread^2), is the differences between people of
	// a persona. Setting it makes the evidence two-level and the account a
	// finite population: a persona's score estimates the mean of its
	// members in the account (its active contacts), so hearing all of them
	// leaves no doubt about who thinks what, only about each one's own
	// noise, and a person's repeated answers shrink that. A sole finance
	// executive who answered NPS 0 six times in two weeks then vetoes
	// where one such answer is a warning (with PersonSpread = Spread; with
	// less, one answer of everyone in the persona can veto). 0 (the
	// default) keeps the one-level model: every person heard counts as one
	// independent answer of spread Spread, however often they answered and
	// however few members the persona has. See the package doc, step 4.
	PersonSpread float64 `json:"person_spread,omitempty"`
	// Confidence is the coverage of the interval, in (0, 1), e.g. 0.9.
	Confidence float64 `json:"confidence"`
	// Bands, in rising order of Min, the first at 0.
	Bands []Band `json:"bands"`
	// MinCoverage: a result whose coverage (share of the model's weight
	// heard) is below it has band BandInsufficient.
	MinCoverage float64 `json:"min_coverage"`

	// The terms below are optional; scoring/calibrate fits them to renewals.
	// Each is applied by the scorer and explained as an exact additive part
	// of the score (see Result.Sum).

	// NPSAs says how NPS answers become 0..100: by category (NPSCategory,
	// the default) or on their 0-10 scale (NPSScale, 10 points an answer
	// point), which keeps the information a category throws away.
	NPSAs NPSForm `json:"nps_as,omitempty"`
	// Priors sets the prior (mean and strength) per persona and metric.
	// When it is non-empty, shrinkage is per metric: each persona's metric
	// mean is shrunk toward its own prior before the metrics are combined
	// (see Prior). Empty keeps one prior, PriorMean with PriorStrength, at
	// the persona level.
	Priors []Prior `json:"priors,omitempty"`
	// SoftVeto, if set, takes points off the account for each veto persona
	// heard below a threshold, in proportion to how far below.
	SoftVeto *SoftVeto `json:"soft_veto,omitempty"`
	// Events are relationship events read from contact tenure, each worth a
	// fixed number of points when it happened within its window.
	Events []Event `json:"events,omitempty"`
	// Fit, if set, moves the score with the account's fit to an ideal
	// customer profile (persona.FitProfile over Account.Traits).
	Fit *FitTerm `json:"fit,omitempty"`
	// Link, when set, is the model's link from score to P(renew), as
	// calibration fits it (scoring/calibrate writes it into the model it
	// returns). Scoring does not use it; it travels with the model so that
	// a fitted model's scores can be read as P(renew) and ARR at risk.
	Link *Link `json:"link,omitempty"`
}

// FitTerm gives an account Points for each point of its fit score under
// Profile: how much who the customer is (not how they feel) says about the
// renewal. calibrate sizes it (Options.Fit).
type FitTerm struct {
	Profile persona.FitProfile `json:"profile"`
	Points  float64            `json:"points"`
}

// NPSForm is how NPS answers are mapped to 0..100.
type NPSForm string

// The NPS forms.
const (
	// NPSCategory maps promoters (9-10) to 100, passives (7-8) to 50 and
	// detractors (0-6) to 0, so that a mean is 50 + NPS/2. The default.
	NPSCategory NPSForm = "category"
	// NPSScale maps the 0-10 answer linearly: 10*answer.
	NPSScale NPSForm = "scale"
)

// Prior is the prior of one persona on one metric: the mean (on 0..100)
// that a persona heard from nobody is taken to have, and its strength, the
// number of answers it is worth. An empty Persona sets the prior of every
// persona on the metric; an entry naming the persona overrides it. With
// priors, persona p's metric m mean x_pm from n_pm effective people is
// shrunk to (n_pm*x_pm + k_pm*mean_pm)/(n_pm + k_pm), with variance
// Spread^2/(n_pm + k_pm); the persona's score is the metric-weighted sum,
// and its variance the sum with squared weights. A metric without an entry
// uses PriorMean and PriorStrength. calibrate.EstimatePriors estimates them
// from a customer base (empirical Bayes).
type Prior struct {
	Persona  persona.ID `json:"persona,omitempty"`
	Metric   string     `json:"metric"`
	Mean     float64    `json:"mean"`
	Strength float64    `json:"strength"`
}

// SoftVeto takes Points points off the account for every point that a veto
// persona's unshrunk mean (PersonaScore.Raw) sits below Below: a graded
// penalty beside the hard cap of VetoBelow, which calibration can size.
type SoftVeto struct {
	Below  float64 `json:"below"`
	Points float64 `json:"points"`
}

// EventKind is a kind of relationship event read from contact tenure.
type EventKind string

// The relationship events.
const (
	// EventLeft: a contact of the persona left the account within the
	// window before the scoring time (a champion or an executive gone).
	EventLeft EventKind = "left"
	// EventJoinedUnheard: a contact of the persona joined within the window
	// and has not been heard since (a new decision maker nobody knows yet).
	// Heard means any signal of theirs up to the scoring time that was not
	// dropped, or dropped only because the model gives its metric no weight
	// for the persona: they spoke, whatever the model weighs.
	EventJoinedUnheard EventKind = "joined-unheard"
)

// Event is a relationship term: when a contact of Persona had the event
// within Within before the scoring time, the account gets Points (usually
// negative), once per Event however many contacts had it. The explanation
// names the most recent ("champion left 41 days ago: -6.0").
//
// An event may name a committee Role instead of a persona: it is then about
// the contacts holding that role by a persona.SeatRole seat of the account
// ("the economic buyer left"), whatever their persona. For EventLeft the
// seat must have been in force when they left; for EventJoinedUnheard, at
// the scoring time.
type Event struct {
	Kind    EventKind    `json:"kind"`
	Persona persona.ID   `json:"persona,omitempty"`
	Role    persona.Role `json:"role,omitempty"`
	Within  Duration     `json:"within"`
	Points  float64      `json:"points"`
}

// DefaultModel returns a sensible starting model for cat: five common
// metrics (NPS weighing double, as the relationship question), the catalog's
// persona and group weights, a 90-day half-life, a one-year maximum age, a
// prior of 50 worth two contacts, a veto below 30 decided on the evidence,
// personas not heard counted at the prior, and four bands. Replace its
// weights by calibrating on renewals.
//
// The veto: a veto holder whose answers put them below 30 with probability
// 0.9 (DefaultVetoLevel) caps the account at their shrunk score. A sole
// finance executive with the worst answers on NPS, CSAT and CES (raw 0 from
// N = 8/3 independent answers: 0 + 1.28*25/1.63 = 19.6 < 30) vetoes on
// their own and caps the account at 2*50/(8/3 + 2) = 21.4; a single NPS of
// 0 (0 + 1.28*25 = 32) is reported as a warning, not yet a veto.
//
// How the defaults were chosen, on villagesim renewals (3,000 accounts,
// seeds 1-4, AUC of the score 90 days before renewal, where a veto holder
// feeling below 20 kills the renewal nine times in ten;
// TestUnheardAndVetoTradeOffOnRenewals): counting personas not heard at the
// prior beat renormalising on all four seeds, by 0.004 to 0.008, with the
// veto on the shrunk score or on the evidence at level 0.9. The veto level
// trades AUC: 0.9 ties with the shrunk-score veto (within 0.003), 0.99
// moves it by -0.001 to +0.003, 0.8 loses 0.011 to 0.021 and 0.5 (any raw
// mean below 30) 0.018 to 0.035: one answer is too noisy to tell a killer
// from a grumbler. 0.9 is the lowest level that costs nothing there and
// still lets one strongly negative veto holder veto. Calibration is where
// data should set it. (Those figures are from villagesim before its
// renewals followed executives' influence and usage followed the account's
// value; there, at 2,000 accounts, counting the unheard at the prior beats
// renormalising by 0.008 and 0.014 on seeds 1 and 2.)
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
		VetoOn:        VetoOnEvidence,
		Unheard:       UnheardPrior,
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
