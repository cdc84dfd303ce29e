package scoring

import (
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/villagecx/village/persona"
)

// AnswerOptions says what an answer is worth to AnswerValues. The zero
// value (or nil) values an answer on the model's heaviest metric by how far
// it is expected to move the account score, as if everyone answered.
type AnswerOptions struct {
	// Metric is the metric the answer would be given on (a relationship
	// survey's "nps", say); empty means the model's metric of the largest
	// weight, the first of them on a tie.
	Metric string
	// Outcome maps an account score to what hinges on it, such as a fitted
	// model's probability of renewal (its Model.Link's Probability), so that
	// an answer is worth more where the outcome is steep in the score; nil
	// means the score itself. It must be finite on 0..100.
	Outcome func(score float64) float64
	// Respond is the probability that the contact answers an invitation,
	// in [0, 1]; nil means 1.
	Respond func(acct *persona.Account, c *persona.Contact) float64
}

// AnswerValue is what one more answer from one contact is expected to tell
// about an account, for planning whom to ask (sampling.PlanListening takes
// Value, Evidence and the persona as a candidate's).
type AnswerValue struct {
	Contact string     `json:"contact"`
	Persona persona.ID `json:"persona"`
	// VetoHolder says whether the persona can veto in this account (the
	// model's veto holders and the account's committee seats in force).
	VetoHolder bool `json:"veto_holder,omitempty"`
	// LastHeard is the time of the contact's latest signal among those
	// given (used or not); zero if none.
	LastHeard time.Time `json:"last_heard,omitzero"`
	// Move is the expected squared change of the outcome (the account
	// score, or Outcome of it) if the contact answers: the mean of
	// (outcome after - outcome now)^2 over what they might answer. Where
	// the model is linear in the answer it is the reduction in the
	// outcome's variance that the answer brings; it also counts an answer
	// that would make or clear a veto, and the clipping of scores to 0..100.
	Move float64 `json:"move"`
	// Respond is the probability that the contact answers.
	Respond float64 `json:"respond"`
	// Value is Respond * Move: the expected squared change per invitation.
	Value float64 `json:"value"`
	// Evidence is the effective number of answers behind the persona's
	// score before this one: its N plus the model's PriorStrength (the
	// prior alone for a persona not heard). Under the one-level model
	// (Var = Spread^2/(N+k)) a second new answer from the persona is worth
	// Evidence/(Evidence+2) of the first: sampling.DecayNormal.
	Evidence float64 `json:"evidence"`
}

// AnswerValues returns, for each contact of acct active at time at, in the
// account's order, what one more answer from them is expected to tell about
// the account (AnswerValue), and the account's Result from the signals as
// they are. An answer's value is computed by scoring the account again with
// it, so it is the model's own update, vetoes, committees and terms
// included, averaged over what the contact might answer:
//
//   - the answer is taken as given now (at), on opts.Metric;
//   - on the 0..100 scale it is drawn around the persona's score (its prior
//     when not heard) with variance the score's variance plus Spread^2, the
//     spread of one new answer: for a person already heard, whose own
//     level is better known, this overstates the spread a little;
//   - the average is a three-point Gauss-Hermite rule (points at the mean
//     and sqrt(3) standard deviations either side, weights 2/3 and 1/6),
//     exact for a score that is linear or quadratic in the answer; the
//     points are clipped to the scale, which puts the mass beyond it at the
//     ends. An NPS metric read by category takes its three categories
//     instead, with the probabilities of the normal answer falling nearest
//     0, 50 or 100.
//
// A contact whose answer the model would not use (an unmapped persona, a
// metric their persona does not weigh) has Move 0. Contacts of one persona
// who gave no signal have the same value when the model has no
// relationship events, and are computed once. The error is Score's, or an
// unknown metric.
//
// The cost is three scorings per distinct value; AnswerValues is safe for
// concurrent use.
func (s *Scorer) AnswerValues(acct persona.Account, signals []Signal, at time.Time, opts *AnswerOptions) ([]AnswerValue, Result, error) {
	var o AnswerOptions
	if opts != nil {
		o = *opts
	}
	mi, err := s.answerMetric(o.Metric)
	if err != nil {
		return nil, Result{}, err
	}
	outcome := o.Outcome
	if outcome == nil {
		outcome = func(score float64) float64 { return score }
	}
	base, err := s.Score(acct, signals, at)
	if err != nil {
		return nil, base, err
	}
	before := outcome(outlook(&base))
	vetoHolder := s.vetoHolders(&acct, at)

	heard := map[string]bool{}          // contacts named by a signal
	lastHeard := map[string]time.Time{} // their latest signal not after at
	for i := range signals {
		c := signals[i].Contact
		if c == "" {
			continue
		}
		heard[c] = true
		if t := signals[i].At; !t.After(at) && t.After(lastHeard[c]) {
			lastHeard[c] = t
		}
	}

	// One more signal at the end of a copy of the signals, and one Result
	// reused for every scoring.
	with := make([]Signal, len(signals)+1)
	copy(with, signals)
	var r Result
	same := map[persona.ID]float64{} // the Move of a persona's contacts never heard, when they all share it
	share := len(s.model.Events) == 0
	var out []AnswerValue
	for ci := range acct.Contacts {
		c := &acct.Contacts[ci]
		if !c.ActiveAt(at) {
			continue
		}
		av := AnswerValue{Contact: c.ID, Persona: c.Persona, LastHeard: lastHeard[c.ID], Respond: 1}
		p, known := s.cat.Index(c.Persona)
		theta, variance := s.model.PriorMean, math.Inf(1)
		if known {
			av.VetoHolder = vetoHolder[p]
			theta, variance = s.personaPrior[p], s.personaPriorV[p]
			av.Evidence = s.model.PriorStrength
			for i := range base.Personas {
				if ps := &base.Personas[i]; ps.Persona == c.Persona {
					theta, variance = ps.Score, ps.StdErr*ps.StdErr
					av.Evidence = ps.N + s.model.PriorStrength
				}
			}
		}
		if o.Respond != nil {
			av.Respond = o.Respond(&acct, c)
			if !(av.Respond >= 0 && av.Respond <= 1) {
				return nil, base, fmt.Errorf("scoring: account %q: contact %q: probability of answering %v: %w", acct.ID, c.ID, av.Respond, ErrInvalidValue)
			}
		}
		if m, ok := same[c.Persona]; ok && share && !heard[c.ID] {
			av.Move = m
		} else {
			sd := math.Sqrt(variance + s.model.Spread*s.model.Spread)
			for _, a := range s.answers(mi, theta, sd) {
				with[len(signals)] = Signal{Account: acct.ID, Contact: c.ID, Metric: s.metrics[mi].name, Value: a.value, At: at, Source: "hypothetical"}
				if err := s.ScoreInto(&r, acct, with, at); err != nil {
					return nil, base, err
				}
				d := outcome(outlook(&r)) - before
				av.Move += a.prob * d * d
			}
			if !(av.Move >= 0 && av.Move < math.Inf(1)) {
				return nil, base, fmt.Errorf("scoring: account %q: contact %q: the outcome is not finite: %w", acct.ID, c.ID, ErrInvalidValue)
			}
			if share && !heard[c.ID] {
				same[c.Persona] = av.Move
			}
		}
		av.Value = av.Respond * av.Move
		out = append(out, av)
	}
	return out, base, nil
}

// outlook is the score an account is read at: its Score, or for an
// account that heard nobody (Scored false, Score 0) the baseline, the
// prior's view.
func outlook(r *Result) float64 {
	if !r.Scored {
		return r.Baseline
	}
	return r.Score
}

// answerMetric returns the index of the named metric, or of the model's
// heaviest when name is empty.
func (s *Scorer) answerMetric(name string) (int, error) {
	if name != "" {
		mi := s.metricIndex(name)
		if mi < 0 {
			return 0, fmt.Errorf("scoring: answer metric %q: %w", name, ErrUnknownMetric)
		}
		return mi, nil
	}
	best := 0
	for i, m := range s.model.Metrics {
		if m.Weight > s.model.Metrics[best].Weight {
			best = i
		}
	}
	return best, nil
}

// possibleAnswer is one point of the quadrature over what a contact might
// answer: a value on the metric's own scale and its probability.
type possibleAnswer struct{ value, prob float64 }

// answers returns the quadrature points over an answer on metric mi whose
// 0..100 value is normal with mean theta and standard deviation sd (see
// AnswerValues).
func (s *Scorer) answers(mi int, theta, sd float64) [3]possibleAnswer {
	m := &s.metrics[mi]
	if m.nps { // detractor, passive, promoter: nearest 0, 50 or 100
		n := distuv.Normal{Mu: theta, Sigma: sd}
		low, high := n.CDF(25), n.CDF(75)
		return [3]possibleAnswer{{0, low}, {7, high - low}, {10, 1 - high}}
	}
	value := func(x float64) float64 {
		f := clamp100(x) / 100
		if m.reversed {
			return m.max - f*(m.max-m.min)
		}
		return m.min + f*(m.max-m.min)
	}
	h := math.Sqrt(3) * sd
	return [3]possibleAnswer{{value(theta - h), 1.0 / 6}, {value(theta), 2.0 / 3}, {value(theta + h), 1.0 / 6}}
}

// vetoHolders reports, by catalog index, which personas can veto in acct
// at time at: the model's, as the account's committee seats in force
// change them. acct is one Score accepted at at.
func (s *Scorer) vetoHolders(acct *persona.Account, at time.Time) []bool {
	var r Result
	ws := s.reset(&r, acct, at)
	now := instantOf(at)
	if s.sortContacts(ws, acct, &now) != nil {
		return s.base.veto
	}
	v, err := s.villageFor(&r, ws, acct, at)
	if err != nil {
		return s.base.veto
	}
	return v.veto
}
