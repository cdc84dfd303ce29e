package main

import (
	"math"
	"sync"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// plainBase is a base as the plain loop reads it: every ID interned to a
// small integer once, signals in columns grouped by account, each already
// checked (metric known, value in scale, not in the future, within the
// model's maximum age, from an active contact of a known persona) and
// normalised. Building it is not timed; it stands for a data set loaded
// into a column store.
type plainBase struct {
	start    []int32   // account a's signals are [start[a], start[a+1])
	contacts []int32   // account a has contacts[a] contacts
	contact  []int32   // within the account: the contact's index in it
	persona  []int8    // the contact's persona
	metric   []int8    // the metric's index in the model
	x        []float64 // value normalised to 0..100
	lr       []float64 // log2 of the recency weight, -age/half-life
	at       []int64   // time, for the canonical order of a unit's signals
}

// buildPlain interns and checks the signals of accounts for m, the
// default model shape (no committees, no events, no soft veto, one prior).
func buildPlain(accounts []persona.Account, signals [][]scoring.Signal, cat *persona.Catalog, m scoring.Model, at time.Time) *plainBase {
	metric := map[string]int{}
	for i, mt := range m.Metrics {
		metric[mt.Name] = i
	}
	b := &plainBase{}
	for ai, acct := range accounts {
		b.start = append(b.start, int32(len(b.x)))
		b.contacts = append(b.contacts, int32(len(acct.Contacts)))
		contact := map[string]int{}
		for ci, c := range acct.Contacts {
			if c.ActiveAt(at) {
				contact[c.ID] = ci
			}
		}
		for _, s := range signals[ai] {
			mi, ok := metric[s.Metric]
			ci, known := contact[s.Contact]
			if !ok || !known || s.Persona != "" {
				continue
			}
			mt := m.Metrics[mi]
			age := at.Sub(s.At)
			if math.IsNaN(s.Value) || s.Value < mt.Min || s.Value > mt.Max || age < 0 || (m.MaxAge > 0 && age > time.Duration(m.MaxAge)) {
				continue
			}
			p, ok := cat.Index(acct.Contacts[ci].Persona)
			if !ok {
				continue
			}
			x := 100 * (s.Value - mt.Min) / (mt.Max - mt.Min)
			if mt.Kind == scoring.KindNPS && m.NPSAs != scoring.NPSScale {
				x = map[bool]float64{true: 100, false: 0}[s.Value >= 9]
				if s.Value >= 7 && s.Value < 9 {
					x = 50
				}
			} else if mt.LowerIsBetter {
				x = 100 - x
			}
			b.contact = append(b.contact, int32(ci))
			b.persona = append(b.persona, int8(p))
			b.metric = append(b.metric, int8(mi))
			b.x = append(b.x, x)
			b.lr = append(b.lr, -float64(age)/float64(m.HalfLife))
			b.at = append(b.at, s.At.UnixNano())
		}
	}
	b.start = append(b.start, int32(len(b.x)))
	return b
}

// plainModel is what the loop needs of the model, precomputed.
type plainModel struct {
	nP, nM                  int
	metricWeight            []float64 // [persona*nM + metric]
	personaWeight, effW     []float64
	group                   []int
	groupWeight             []float64
	veto                    []bool
	k, prior, spread, below float64
	zVeto                   float64
}

func newPlainModel(cat *persona.Catalog, m scoring.Model) *plainModel {
	pm := &plainModel{nP: cat.Len(), nM: len(m.Metrics), k: m.PriorStrength, prior: m.PriorMean, spread: m.Spread, below: m.VetoBelow}
	level := m.VetoLevel
	if level == 0 {
		level = scoring.DefaultVetoLevel
	}
	pm.zVeto = distuv.UnitNormal.Quantile(level)
	pm.groupWeight = make([]float64, len(cat.Groups()))
	for gi, g := range cat.Groups() {
		pm.groupWeight[gi] = g.Weight
		for _, gw := range m.Groups {
			if gw.Group == g.ID {
				pm.groupWeight[gi] = gw.Weight
			}
		}
	}
	groupTotal := make([]float64, len(pm.groupWeight))
	for _, p := range cat.Personas() {
		w := p.Weight
		for _, pw := range m.Personas {
			if pw.Persona == p.ID && pw.Weight != nil {
				w = *pw.Weight
			}
		}
		gi, _ := cat.GroupIndex(p.Group)
		pm.group = append(pm.group, gi)
		pm.personaWeight = append(pm.personaWeight, w)
		pm.veto = append(pm.veto, p.Veto)
		groupTotal[gi] += w
		for _, mt := range m.Metrics {
			pm.metricWeight = append(pm.metricWeight, mt.Weight)
		}
	}
	for i, w := range pm.personaWeight {
		pm.effW = append(pm.effW, pm.groupWeight[pm.group[i]]*w/groupTotal[pm.group[i]])
	}
	return pm
}

// plainScratch is one worker's scratch space.
type plainScratch struct {
	slot              []int32 // contact*nM + metric -> unit + 1, 0 for none
	top, sr, srx      []float64
	unitP, unitM      []int32
	sw, swx, sw2, mtp []float64 // per persona x metric, weights relative to mtp (log2)
	heard             []bool
	raw, theta, n     []float64
}

// score computes account a's score as Score does for the model's shape:
// person (a contact's recency-weighted mean on a metric, counted once with
// its freshest signal's weight), persona (the metric-weighted mean, shrunk
// to the prior with Kish's effective number of answers), group and account
// (catalog weights, personas not heard at the prior), the veto on the
// evidence. No explanation, no interval, no dropped list.
func (pm *plainModel) score(b *plainBase, a int, s *plainScratch) float64 {
	s.top, s.sr, s.srx, s.unitP, s.unitM = s.top[:0], s.sr[:0], s.srx[:0], s.unitP[:0], s.unitM[:0]
	lo, hi := b.start[a], b.start[a+1]
	s.slot = resize(s.slot, int(b.contacts[a])*pm.nM)
	for i := lo; i < hi; i++ {
		j := int(b.contact[i])*pm.nM + int(b.metric[i])
		u := int(s.slot[j]) - 1
		if u < 0 {
			u = len(s.top)
			s.slot[j] = int32(u + 1)
			s.top = append(s.top, math.Inf(-1))
			s.sr, s.srx = append(s.sr, 0), append(s.srx, 0)
			s.unitP, s.unitM = append(s.unitP, int32(b.persona[i])), append(s.unitM, int32(b.metric[i]))
		}
		s.top[u] = max(s.top[u], b.lr[i])
	}
	for i := lo; i < hi; i++ {
		u := s.slot[int(b.contact[i])*pm.nM+int(b.metric[i])] - 1
		r := math.Exp2(b.lr[i] - s.top[u])
		s.sr[u] += r
		s.srx[u] += r * b.x[i]
	}
	nPM := pm.nP * pm.nM
	for _, sl := range []*[]float64{&s.sw, &s.swx, &s.sw2, &s.mtp} {
		*sl = resize(*sl, nPM)
	}
	for j := range s.mtp {
		s.mtp[j] = math.Inf(-1)
	}
	for u := range s.top {
		j := int(s.unitP[u])*pm.nM + int(s.unitM[u])
		s.mtp[j] = max(s.mtp[j], s.top[u])
	}
	for u := range s.top {
		j := int(s.unitP[u])*pm.nM + int(s.unitM[u])
		w := math.Exp2(s.top[u] - s.mtp[j])
		s.sw[j] += w
		s.swx[j] += w * s.srx[u] / s.sr[u]
		s.sw2[j] += w * w
	}
	s.heard = resize(s.heard, pm.nP)
	s.raw, s.theta, s.n = resize(s.raw, pm.nP), resize(s.theta, pm.nP), resize(s.n, pm.nP)
	for p := range pm.nP {
		var wsum float64
		for m := range pm.nM {
			if s.sw[p*pm.nM+m] > 0 {
				wsum += pm.metricWeight[p*pm.nM+m]
			}
		}
		if wsum == 0 {
			continue
		}
		var raw, invN float64
		for m := range pm.nM {
			j := p*pm.nM + m
			if s.sw[j] == 0 {
				continue
			}
			wm := pm.metricWeight[j] / wsum
			raw += wm * s.swx[j] / s.sw[j]
			invN += wm * wm * s.sw2[j] / (s.sw[j] * s.sw[j])
		}
		raw = math.Min(math.Max(raw, 0), 100)
		n := 1 / invN
		s.heard[p], s.raw[p], s.n[p] = true, raw, n
		s.theta[p] = math.Min(math.Max((n*raw+pm.k*pm.prior)/(n+pm.k), 0), 100)
	}
	// Every persona with weight counts: heard at its score, not heard at the prior.
	var score, total float64
	for p := range pm.nP {
		theta := pm.prior
		if s.heard[p] {
			theta = s.theta[p]
		}
		score += pm.effW[p] * theta
		total += pm.effW[p]
	}
	score /= total
	veto, sure := -1, false
	for p := range pm.nP {
		if !s.heard[p] || !pm.veto[p] || !(s.raw[p] < pm.below) {
			continue
		}
		conclusive := s.raw[p]+pm.zVeto*pm.spread/math.Sqrt(s.n[p]) < pm.below
		if veto < 0 || (conclusive && !sure) || (conclusive == sure && s.theta[p] < s.theta[veto]) {
			veto, sure = p, conclusive
		}
	}
	if veto >= 0 && sure && s.theta[veto] < score {
		score = s.theta[veto]
	}
	return math.Min(math.Max(score, 0), 100)
}

// runPlain scores every account of b with the plain loop on the given
// number of goroutines, each a contiguous share of the accounts, and
// returns the scores and the time it took.
func runPlain(pm *plainModel, b *plainBase, workers int) ([]float64, time.Duration) {
	n := len(b.start) - 1
	scores := make([]float64, n)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &plainScratch{}
			for a := w * n / workers; a < (w+1)*n/workers; a++ {
				scores[a] = pm.score(b, a, s)
			}
		}()
	}
	wg.Wait()
	return scores, time.Since(start)
}

// resize returns s with length n and every element zero, reusing its array.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}
