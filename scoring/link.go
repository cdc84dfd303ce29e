package scoring

import "math"

// Link maps an account score to a probability of renewal, the logistic
// P = 1/(1 + exp(-(Intercept + Slope*(score-50)/50))), as package
// scoring/calibrate fits it to outcomes. A Model may carry its link
// (Model.Link) so that whoever reads the model can turn its scores into
// P(renew) and revenue at risk; the Scorer itself does not use it.
type Link struct {
	Intercept float64 `json:"intercept"`
	Slope     float64 `json:"slope"`
}

// Probability returns the renewal probability of an account scoring score,
// computed without overflow whatever the link's size.
func (l Link) Probability(score float64) float64 {
	eta := l.Intercept + l.Slope*(score-50)/50
	if eta >= 0 {
		return 1 / (1 + math.Exp(-eta))
	}
	e := math.Exp(eta)
	return e / (1 + e)
}
