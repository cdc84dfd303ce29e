package sampling

import "math"

// NPSCategory returns +1 for a promoter (an answer of 9 or 10 to "how
// likely are you to recommend us", 0..10), 0 for a passive (7 or 8) and -1
// for a detractor (0 to 6): the mean of these over respondents is the Net
// Promoter Score as a fraction. A value outside 0..10 or NaN is an error.
func NPSCategory(score float64) (float64, error) {
	switch {
	case !(score >= 0 && score <= 10):
		return 0, errf(ErrInvalidValue, score, "NPS answer (want 0..10)")
	case score >= 9:
		return 1, nil
	case score >= 7:
		return 0, nil
	default:
		return -1, nil
	}
}

// NPS estimates the Net Promoter Score (as a fraction in [-1, 1]) of a
// simple random sample from counts: the share of promoters minus the share
// of detractors, with standard error sqrt((p + d - (p - d)^2)/n), the
// variance of the mean of +1/0/-1 answers.
func NPS(promoters, passives, detractors int) (Estimate, error) {
	if err := checkCounts(promoters, passives, detractors); err != nil {
		return Estimate{}, err
	}
	n := promoters + passives + detractors
	if n == 0 {
		return Estimate{}, errf(ErrEmpty, nil, "NPS counts")
	}
	return npsFrom(float64(promoters), float64(detractors), float64(n), n), nil
}

// NPSAdjustedWald is NPS with the small-sample adjustment of Rocks (2016):
// 0.75 pseudo-promoters, 1.5 pseudo-passives and 0.75 pseudo-detractors are
// added before the Wald formula, which keeps the interval honest (and
// inside [-1, 1] in practice) when few people answered.
func NPSAdjustedWald(promoters, passives, detractors int) (Estimate, error) {
	if err := checkCounts(promoters, passives, detractors); err != nil {
		return Estimate{}, err
	}
	n := promoters + passives + detractors
	return npsFrom(float64(promoters)+0.75, float64(detractors)+0.75, float64(n)+3, n), nil
}

func checkCounts(promoters, passives, detractors int) error {
	if promoters < 0 || passives < 0 || detractors < 0 {
		return errf(ErrInvalidValue, [3]int{promoters, passives, detractors}, "NPS counts")
	}
	return nil
}

func npsFrom(p, d, n float64, units int) Estimate {
	p, d = p/n, d/n
	return Estimate{Value: p - d, SE: math.Sqrt((p + d - (p-d)*(p-d)) / n), N: units}
}

// NPS estimates the Net Promoter Score of the population (a fraction in
// [-1, 1]) from each sampled unit's 0..10 answer, as the design-weighted mean
// of the +1/0/-1 categories, with its linearisation standard error.
func (d *Design) NPS(scores []float64) (Estimate, error) {
	if len(scores) != len(d.w) {
		return Estimate{}, errf(ErrLength, len(scores), "len(scores) for %d units", len(d.w))
	}
	y := make([]float64, len(scores))
	for i, s := range scores {
		c, err := NPSCategory(s)
		if err != nil {
			return Estimate{}, errf(ErrInvalidValue, s, "scores[%d] (want 0..10)", i)
		}
		y[i] = c
	}
	return d.Mean(y)
}
