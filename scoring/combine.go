package scoring

import "math"

// combine turns the persona scores in ws into group and account scores in
// village v, applies the veto cap, and fills the explanation in dst.
func (s *Scorer) combine(dst *Result, ws *workspace, v *village) {
	// Group level: which personas with weight were heard, each group's
	// minimum, and, when the model counts them at the prior, the personas
	// with weight not heard in mean-rule groups.
	atPrior := s.model.Unheard == UnheardPrior
	dst.MissingAtPrior = atPrior
	heardAny := false
	for p := range ws.persona {
		pa := &ws.persona[p]
		gi := s.personaGroup[p]
		g := &ws.group[gi]
		switch {
		case !pa.heard && v.effWeight[p] > 0:
			dst.Missing = append(dst.Missing, s.personaIDs[p])
			if atPrior && s.groupRule[gi] == RuleMean {
				pa.atPrior = true
				pa.theta = s.personaPrior[p]
				pa.variance = s.personaPriorV[p]
				g.heardWeight += v.personaWeight[p]
			}
		case pa.heard && v.personaWeight[p] > 0:
			heardAny = heardAny || v.effWeight[p] > 0
			dst.Coverage += v.effWeight[p]
			if !g.minSet || pa.theta < ws.persona[g.argmin].theta {
				g.argmin, g.minSet = p, true
			}
			g.heardWeight += v.personaWeight[p]
		}
	}
	dst.Coverage /= v.totalWeight

	var groupTotal float64
	for gi, g := range ws.group {
		if g.heardWeight > 0 {
			groupTotal += s.groupWeight[gi]
		}
	}

	// Each persona's share of its group (the group's score is the
	// share-weighted sum) and of the account.
	for p := range ws.persona {
		pa := &ws.persona[p]
		if !(pa.heard || pa.atPrior) || v.personaWeight[p] == 0 {
			continue
		}
		gi := s.personaGroup[p]
		g := &ws.group[gi]
		var share float64
		switch {
		case s.groupRule[gi] == RuleMean:
			share = v.personaWeight[p] / g.heardWeight
		case p == g.argmin:
			share = 1
		}
		g.score += share * pa.theta
		g.variance += share * share * pa.variance
		if groupTotal > 0 {
			pa.weight = share * s.groupWeight[gi] / groupTotal
		}
	}

	for p := range ws.persona {
		if pa := &ws.persona[p]; pa.heard {
			dst.Personas = append(dst.Personas, s.personaScore(p, pa, dst.Baseline, v.veto[p]))
			if pa.contacts == 1 {
				dst.SingleThreaded = append(dst.SingleThreaded, s.personaIDs[p])
			}
		}
	}
	for gi, g := range ws.group {
		if g.heardWeight > 0 {
			gs := GroupScore{Group: s.groupIDs[gi], Rule: s.groupRule[gi], Score: g.score, StdErr: math.Sqrt(g.variance)}
			if groupTotal > 0 {
				gs.Weight = s.groupWeight[gi] / groupTotal
			}
			dst.Groups = append(dst.Groups, gs)
		}
	}
	if !heardAny || groupTotal == 0 { // nobody with any weight was heard
		dst.Low, dst.High = 0, 100
		dst.Band = BandInsufficient
		return
	}

	// Account level. The score is the baseline plus the contributions, summed
	// in catalog order, then the model's terms, so the explanation adds up to
	// what is reported.
	score, variance, sumW, sumW2 := dst.Baseline, 0.0, 0.0, 0.0
	for i := range dst.Personas {
		score += dst.Personas[i].Contribution
	}
	for p := range ws.persona {
		pa := &ws.persona[p]
		if pa.heard || pa.atPrior {
			variance += pa.weight * pa.weight * pa.variance
		}
		if pa.atPrior {
			dst.PriorContribution += pa.weight * (pa.theta - dst.Baseline)
		}
		if pa.heard {
			sumW += pa.weight
			sumW2 += pa.weight * pa.weight * pa.people
		}
	}
	score += dst.PriorContribution
	if sv := s.model.SoftVeto; sv != nil {
		for p := range ws.persona {
			if pa := &ws.persona[p]; pa.heard && v.veto[p] && pa.raw < sv.Below && sv.Points > 0 {
				under := sv.Below - pa.raw
				dst.Terms = append(dst.Terms, Term{Kind: TermSoftVeto, Persona: s.personaIDs[p], Under: under, Points: -sv.Points * under})
			}
		}
	}
	for i := range dst.Terms {
		score += dst.Terms[i].Points
	}
	// The terms may push the sum out of [0, 100], and rounding may stray
	// past it; the score never leaves it, and a real push is explained.
	if c := clamp100(score); c != score {
		if math.Abs(c-score) > 1e-9 {
			dst.Terms = append(dst.Terms, Term{Kind: TermClamp, Points: c - score})
		}
		score = c
	}
	dst.Scored = true
	dst.Score = score
	dst.EffectiveN = sumW * sumW / sumW2
	dst.StdErr = math.Sqrt(variance)
	half := s.z * dst.StdErr
	dst.Low, dst.High = clamp100(score-half), clamp100(score+half)

	// The veto cap. The veto holders below the threshold (by what their
	// people said, or by their score, as the model says) are candidates; a
	// candidate is conclusive when the evidence is strong enough to veto.
	// The weakest conclusive candidate caps the account; with none, the
	// weakest candidate is reported as a warning.
	veto, conclusive := -1, false
	for p := range ws.persona {
		pa := &ws.persona[p]
		if !pa.heard || !v.veto[p] {
			continue
		}
		below, sure := pa.raw < s.model.VetoBelow, pa.raw+s.zVeto*s.model.Spread/math.Sqrt(pa.n) < s.model.VetoBelow
		if s.model.VetoOn == VetoOnScore {
			below = pa.theta < s.model.VetoBelow
			sure = below
		}
		if below && (veto < 0 || (sure && !conclusive) || (sure == conclusive && pa.theta < ws.persona[veto].theta)) {
			veto, conclusive = p, sure
		}
	}
	if veto >= 0 {
		v := &ws.persona[veto]
		dst.Veto = Veto{Persona: s.personaIDs[veto], Score: v.theta, Raw: v.raw, Conclusive: conclusive}
		if conclusive && v.theta < dst.Score {
			dst.Veto.Applied = true
			dst.VetoAdjustment = v.theta - dst.Score
			dst.Score = v.theta
			vhalf := s.z * math.Sqrt(v.variance)
			dst.Low = clamp100(min(dst.Low, v.theta-vhalf))
			dst.High = clamp100(min(dst.High, v.theta+vhalf))
		}
	}
	dst.Band = s.band(dst.Score, dst.Coverage)
}

func (s *Scorer) personaScore(p int, pa *personaAcc, baseline float64, veto bool) PersonaScore {
	return PersonaScore{
		Persona: s.personaIDs[p], Group: s.groupIDs[s.personaGroup[p]],
		Raw: pa.raw, Score: pa.theta, StdErr: math.Sqrt(pa.variance), N: pa.n,
		Contacts: pa.contacts, Signals: pa.signals,
		Weight: pa.weight, Contribution: pa.weight * (pa.theta - baseline), Veto: veto,
	}
}

func (s *Scorer) band(score, coverage float64) string {
	if coverage < s.model.MinCoverage {
		return BandInsufficient
	}
	bands := s.model.Bands
	for i := len(bands) - 1; i > 0; i-- {
		if score >= bands[i].Min {
			return bands[i].Name
		}
	}
	return bands[0].Name
}

// clamp100 is math.Min(math.Max(x, 0), 100) with the built-in min and max,
// which treat NaN and negative zero the same way and are inlined.
func clamp100(x float64) float64 { return min(max(x, 0), 100) }
