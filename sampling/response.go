package sampling

import (
	"maps"
	"math"
	"slices"
)

// InvitationOutcome is one invitation, for ResponseRates: the stratum of someone invited
// (their persona, or persona and segment) and whether they answered.
type InvitationOutcome struct {
	Stratum  string
	Answered bool
}

// ResponseRate is a stratum's estimated chance of answering an invitation.
type ResponseRate struct {
	Stratum string
	// Rate is the estimate: (Answered + Strength*Prior)/(Sent + Strength),
	// the mean of the beta posterior whose prior is worth Strength
	// invitations answered at Prior, so that a thin history moves it little
	// and a long one decides it.
	Rate            float64
	Sent, Answered  int
	Prior, Strength float64
}

// ResponseRates estimates each stratum's response rate from an
// invitations history, shrunk toward prior[stratum] (or fallback, for a
// stratum prior does not list) with the weight of strength invitations.
// Strata with a prior but no history get their prior. The result is in
// stratum order. For rates by persona and segment, estimate by persona
// first and give those rates as the prior of the persona-and-segment
// strata. Priors must be in [0, 1], strength > 0.
func ResponseRates(history []InvitationOutcome, prior map[string]float64, fallback, strength float64) ([]ResponseRate, error) {
	if !(strength > 0) || math.IsInf(strength, 1) {
		return nil, errf(ErrInvalidValue, strength, "prior strength")
	}
	if !(fallback >= 0 && fallback <= 1) {
		return nil, errf(ErrInvalidValue, fallback, "fallback response rate")
	}
	for k, p := range prior {
		if !(p >= 0 && p <= 1) {
			return nil, errf(ErrInvalidValue, p, "prior response rate of stratum %q", k)
		}
	}
	type tally struct{ sent, answered int }
	by := map[string]*tally{}
	for k := range prior {
		by[k] = &tally{}
	}
	for _, h := range history {
		t := by[h.Stratum]
		if t == nil {
			t = &tally{}
			by[h.Stratum] = t
		}
		t.sent++
		if h.Answered {
			t.answered++
		}
	}
	out := make([]ResponseRate, 0, len(by))
	for _, k := range slices.Sorted(maps.Keys(by)) {
		t := by[k]
		p, ok := prior[k]
		if !ok {
			p = fallback
		}
		out = append(out, ResponseRate{Stratum: k, Sent: t.sent, Answered: t.answered, Prior: p, Strength: strength,
			Rate: (float64(t.answered) + strength*p) / (float64(t.sent) + strength)})
	}
	return out, nil
}
