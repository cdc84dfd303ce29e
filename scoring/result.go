package scoring

import (
	"time"

	"github.com/villagecx/village/persona"
)

// PersonaScore is one persona's part in an account's score.
type PersonaScore struct {
	Persona persona.ID `json:"persona"`
	Group   string     `json:"group"`
	// Raw is the metric-weighted mean over the persona's contacts, before shrinkage.
	Raw float64 `json:"raw"`
	// Score is Raw shrunk toward the prior: (N*Raw + k*PriorMean)/(N + k).
	Score float64 `json:"score"`
	// StdErr is the standard error of Score: Spread/sqrt(N + k).
	StdErr float64 `json:"std_err"`
	// N is the effective number of independent answers: 1/sum(W_m^2/n_m)
	// over the metrics heard, with W_m the metric weights renormalised over
	// them and n_m Kish's effective number of contacts on metric m. One
	// person answering two equally weighted metrics counts 2. With
	// Model.PersonSpread, n_m also counts each person's repeated answers and
	// the share of the persona's members heard (see the package doc).
	N float64 `json:"n"`
	// Contacts is the number of distinct people heard; Signals the number of
	// signals used.
	Contacts int `json:"contacts"`
	Signals  int `json:"signals"`
	// Weight is the persona's share of the account score (0 for a persona in a
	// min-rule group that is not the group's minimum).
	Weight float64 `json:"weight"`
	// Contribution is Weight*(Score - Baseline): what the persona moved the
	// account score away from the baseline.
	Contribution float64 `json:"contribution"`
	Veto         bool    `json:"veto,omitempty"`
}

// GroupScore is one group's score, over the personas heard in it.
type GroupScore struct {
	Group  string  `json:"group"`
	Rule   Rule    `json:"rule"`
	Score  float64 `json:"score"`
	StdErr float64 `json:"std_err"`
	// Weight is the group's share of the account score.
	Weight float64 `json:"weight"`
}

// Veto reports a veto persona heard below the model's VetoBelow. The zero
// Veto (empty Persona) means no veto persona was below it. Conclusive says
// whether the evidence was strong enough to veto (Model.VetoLevel); a veto
// persona below the threshold on too little evidence is reported as a
// warning and caps nothing.
type Veto struct {
	Persona persona.ID `json:"persona"`
	// Score is the persona's score, at which it caps the account; Raw its
	// unshrunk mean (what its people said).
	Score      float64 `json:"score"`
	Raw        float64 `json:"raw"`
	Conclusive bool    `json:"conclusive"`
	// Applied is true when the persona's score was below the account score
	// and so capped it.
	Applied bool `json:"applied"`
}

// TermKind names a model term's part in a score.
type TermKind string

// The kinds of term.
const (
	TermSoftVeto      TermKind = "soft-veto"                  // Model.SoftVeto, for one veto persona
	TermLeft          TermKind = TermKind(EventLeft)          // Model.Events: a contact of the persona left
	TermJoinedUnheard TermKind = TermKind(EventJoinedUnheard) // Model.Events: a contact joined and is not heard yet
	TermFit           TermKind = "fit"                        // Model.Fit: the account's fit to the ideal customer profile
	TermClamp         TermKind = "clamp"                      // what kept the score within 0..100
)

// Term is one of the model's terms applied to an account: what it added to
// the score (usually negative) and why.
type Term struct {
	Kind    TermKind   `json:"kind"`
	Persona persona.ID `json:"persona,omitempty"`
	// Role is, for an event about a committee role, the role the contact held.
	Role persona.Role `json:"role,omitempty"`
	// Age is, for an event, how long before the scoring time it happened.
	Age Duration `json:"age,omitempty"`
	// Under is, for the soft veto, how far the persona's raw mean is below
	// the threshold.
	Under float64 `json:"under,omitempty"`
	// FitScore is, for the fit term, the account's fit score.
	FitScore float64 `json:"fit_score,omitempty"`
	Points   float64 `json:"points"`
}

// Result is an account's health score with its explanation.
//
// The score is additive: Sum() == Score within floating-point rounding, that
// is Baseline + the sum of Personas[i].Contribution (in order) +
// PriorContribution + the sum of Terms[i].Points + VetoAdjustment.
//
// A Result filled by ScoreInto reuses its slices and scratch space on the
// next call; keep a copy made with Clone if it must outlive that.
type Result struct {
	Account string    `json:"account"`
	At      time.Time `json:"at"`
	// Scored is false when no usable signal was heard: Score is then 0 and
	// the band is BandInsufficient. An empty account is a defined result,
	// never a NaN.
	Scored bool    `json:"scored"`
	Score  float64 `json:"score"`
	// Low and High bound the score's interval at the model's Confidence.
	Low    float64 `json:"low"`
	High   float64 `json:"high"`
	StdErr float64 `json:"std_err"`
	Band   string  `json:"band"`
	// Coverage is the share of the model's total persona weight heard, in [0, 1].
	Coverage float64 `json:"coverage"`
	// Baseline is the model's PriorMean, from which contributions are measured.
	Baseline       float64 `json:"baseline"`
	VetoAdjustment float64 `json:"veto_adjustment"`
	// PriorContribution is what the personas not heard, counted at their
	// priors (UnheardPrior), moved the score from the baseline: 0 unless
	// their priors differ from PriorMean (Model.Priors).
	PriorContribution float64 `json:"prior_contribution,omitempty"`
	// Terms are the model's terms that applied (soft veto, relationship
	// events), and a clamp when they would have pushed the score out of 0..100.
	Terms []Term `json:"terms,omitempty"`
	// Veto names the veto persona heard below VetoBelow that caps the
	// account, or, when none is conclusive, the one warned about; its
	// Persona is empty when there is none.
	Veto Veto `json:"veto,omitzero"`
	// Personas holds the personas heard, in catalog order; Groups the groups heard.
	Personas []PersonaScore `json:"personas"`
	Groups   []GroupScore   `json:"groups"`
	// Missing lists the personas with weight in the model that were not
	// heard. MissingAtPrior is true when the model counts them at the prior
	// with their full weight (UnheardPrior) rather than renormalising the
	// weights of those heard.
	Missing        []persona.ID `json:"missing"`
	MissingAtPrior bool         `json:"missing_at_prior,omitempty"`
	// SingleThreaded lists the personas heard from exactly one person.
	SingleThreaded []persona.ID `json:"single_threaded"`
	// Dropped lists every signal not used, with the reason, in a canonical order.
	Dropped []Dropped `json:"dropped"`
	// EffectiveN is Kish's effective sample size of the people heard, given
	// the weight each carries in the score (a person's weights on every
	// metric they answered added up), so one person answering two metrics
	// counts once.
	EffectiveN float64 `json:"effective_n"`
	// SignalsUsed counts the signals that went into the score.
	SignalsUsed int `json:"signals_used"`
	// Committee lists the account's committee seats in force at the scoring
	// time (persona.Account.Committee), in the account's order: the weights
	// and vetoes they set are the ones the score used.
	Committee []persona.Seat `json:"committee,omitempty"`

	scratch *workspace // reused by ScoreInto
}

// Clone returns a deep copy of r that shares nothing with it.
func (r *Result) Clone() Result {
	var own resultBlocks // each slice copied into a block of its own size
	return own.keep(r)
}

// Sum returns the score rebuilt from its parts: Baseline, each persona's
// Contribution in order, PriorContribution, each term's Points, and
// VetoAdjustment. For a scored result it equals Score within rounding; the
// AccountScorer contract requires it.
func (r *Result) Sum() float64 {
	sum := r.Baseline
	for i := range r.Personas {
		sum += r.Personas[i].Contribution
	}
	sum += r.PriorContribution
	for i := range r.Terms {
		sum += r.Terms[i].Points
	}
	return sum + r.VetoAdjustment
}
