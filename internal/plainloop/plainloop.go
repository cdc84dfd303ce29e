// Package plainloop is the baseline village's batch scoring is measured
// against: the nested job of scoring.DefaultModel's shape (person ->
// persona -> account, recency weights, shrinkage, personas not heard at the
// prior, the veto on the evidence) written as a plain Go loop over interned
// columns, with no explanations. internal/cmd/scoreallbench runs it beside
// ScoreAll and ScoreBatch, and internal/cmd/duckdbbench hands the same
// columns to DuckDB.
package plainloop

import (
	"math"
	"sync"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// Base is a base as the plain loop reads it: every ID interned to a
// small integer once, signals in columns grouped by account, each already
// checked (metric known, value in scale, not in the future, within the
// model's maximum age, from an active contact of a known persona) and
// normalised. Building it is not timed; it stands for a data set loaded
// into a column store.
type Base struct {
	Start    []int32   // account a's signals are [Start[a], Start[a+1])
	Contacts []int32   // account a has Contacts[a] contacts
	Contact  []int32   // within the account: the contact's index in it
	Persona  []int8    // the contact's persona
	Metric   []int8    // the metric's index in the model
	X        []float64 // value normalised to 0..100
	LR       []float64 // log2 of the recency weight, -age/half-life
	At       []int64   // time, for the canonical order of a unit's signals
}

// Build interns and checks the signals of accounts for m, the
// default model shape (no committees, no events, no soft veto, one prior).
func Build(accounts []persona.Account, signals [][]scoring.Signal, cat *persona.Catalog, m scoring.Model, at time.Time) *Base {
	metric := map[string]int{}
	for i, mt := range m.Metrics {
		metric[mt.Name] = i
	}
	b := &Base{}
	for ai, acct := range accounts {
		b.Start = append(b.Start, int32(len(b.X)))
		b.Contacts = append(b.Contacts, int32(len(acct.Contacts)))
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
			b.Contact = append(b.Contact, int32(ci))
			b.Persona = append(b.Persona, int8(p))
			b.Metric = append(b.Metric, int8(mi))
			b.X = append(b.X, x)
			b.LR = append(b.LR, -float64(age)/float64(m.HalfLife))
			b.At = append(b.At, s.At.UnixNano())
		}
	}
	b.Start = append(b.Start, int32(len(b.X)))
	return b
}

// Model is what the loop needs of the model, precomputed.
type Model struct {
	NP, NM                  int       // personas, metrics
	MetricWeight            []float64 // [persona*NM + metric]
	personaWeight           []float64
	EffW                    []float64 // each persona's share of the account score
	group                   []int
	groupWeight             []float64
	Veto                    []bool
	K, Prior, Spread, Below float64 // prior strength and mean, the model's spread, the veto's threshold
	ZVeto                   float64 // the normal quantile of the veto's level
}

// NewModel precomputes what the loop needs of m over cat.
func NewModel(cat *persona.Catalog, m scoring.Model) *Model {
	pm := &Model{NP: cat.Len(), NM: len(m.Metrics), K: m.PriorStrength, Prior: m.PriorMean, Spread: m.Spread, Below: m.VetoBelow}
	level := m.VetoLevel
	if level == 0 {
		level = scoring.DefaultVetoLevel
	}
	pm.ZVeto = distuv.UnitNormal.Quantile(level)
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
		pm.Veto = append(pm.Veto, p.Veto)
		groupTotal[gi] += w
		for _, mt := range m.Metrics {
			pm.MetricWeight = append(pm.MetricWeight, mt.Weight)
		}
	}
	for i, w := range pm.personaWeight {
		pm.EffW = append(pm.EffW, pm.groupWeight[pm.group[i]]*w/groupTotal[pm.group[i]])
	}
	return pm
}

// scratch is one worker's scratch space.
type scratch struct {
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
func (pm *Model) score(b *Base, a int, s *scratch) float64 {
	s.top, s.sr, s.srx, s.unitP, s.unitM = s.top[:0], s.sr[:0], s.srx[:0], s.unitP[:0], s.unitM[:0]
	lo, hi := b.Start[a], b.Start[a+1]
	s.slot = resize(s.slot, int(b.Contacts[a])*pm.NM)
	for i := lo; i < hi; i++ {
		j := int(b.Contact[i])*pm.NM + int(b.Metric[i])
		u := int(s.slot[j]) - 1
		if u < 0 {
			u = len(s.top)
			s.slot[j] = int32(u + 1)
			s.top = append(s.top, math.Inf(-1))
			s.sr, s.srx = append(s.sr, 0), append(s.srx, 0)
			s.unitP, s.unitM = append(s.unitP, int32(b.Persona[i])), append(s.unitM, int32(b.Metric[i]))
		}
		s.top[u] = max(s.top[u], b.LR[i])
	}
	for i := lo; i < hi; i++ {
		u := s.slot[int(b.Contact[i])*pm.NM+int(b.Metric[i])] - 1
		r := math.Exp2(b.LR[i] - s.top[u])
		s.sr[u] += r
		s.srx[u] += r * b.X[i]
	}
	nPM := pm.NP * pm.NM
	for _, sl := range []*[]float64{&s.sw, &s.swx, &s.sw2, &s.mtp} {
		*sl = resize(*sl, nPM)
	}
	for j := range s.mtp {
		s.mtp[j] = math.Inf(-1)
	}
	for u := range s.top {
		j := int(s.unitP[u])*pm.NM + int(s.unitM[u])
		s.mtp[j] = max(s.mtp[j], s.top[u])
	}
	for u := range s.top {
		j := int(s.unitP[u])*pm.NM + int(s.unitM[u])
		w := math.Exp2(s.top[u] - s.mtp[j])
		s.sw[j] += w
		s.swx[j] += w * s.srx[u] / s.sr[u]
		s.sw2[j] += w * w
	}
	s.heard = resize(s.heard, pm.NP)
	s.raw, s.theta, s.n = resize(s.raw, pm.NP), resize(s.theta, pm.NP), resize(s.n, pm.NP)
	for p := range pm.NP {
		var wsum float64
		for m := range pm.NM {
			if s.sw[p*pm.NM+m] > 0 {
				wsum += pm.MetricWeight[p*pm.NM+m]
			}
		}
		if wsum == 0 {
			continue
		}
		var raw, invN float64
		for m := range pm.NM {
			j := p*pm.NM + m
			if s.sw[j] == 0 {
				continue
			}
			wm := pm.MetricWeight[j] / wsum
			raw += wm * s.swx[j] / s.sw[j]
			invN += wm * wm * s.sw2[j] / (s.sw[j] * s.sw[j])
		}
		raw = math.Min(math.Max(raw, 0), 100)
		n := 1 / invN
		s.heard[p], s.raw[p], s.n[p] = true, raw, n
		s.theta[p] = math.Min(math.Max((n*raw+pm.K*pm.Prior)/(n+pm.K), 0), 100)
	}
	// Every persona with weight counts: heard at its score, not heard at the prior.
	var score, total float64
	for p := range pm.NP {
		theta := pm.Prior
		if s.heard[p] {
			theta = s.theta[p]
		}
		score += pm.EffW[p] * theta
		total += pm.EffW[p]
	}
	score /= total
	veto, sure := -1, false
	for p := range pm.NP {
		if !s.heard[p] || !pm.Veto[p] || !(s.raw[p] < pm.Below) {
			continue
		}
		conclusive := s.raw[p]+pm.ZVeto*pm.Spread/math.Sqrt(s.n[p]) < pm.Below
		if veto < 0 || (conclusive && !sure) || (conclusive == sure && s.theta[p] < s.theta[veto]) {
			veto, sure = p, conclusive
		}
	}
	if veto >= 0 && sure && s.theta[veto] < score {
		score = s.theta[veto]
	}
	return math.Min(math.Max(score, 0), 100)
}

// Run scores every account of b with the plain loop on the given
// number of goroutines, each a contiguous share of the accounts, and
// returns the scores and the time it took.
func Run(pm *Model, b *Base, workers int) ([]float64, time.Duration) {
	n := len(b.Start) - 1
	scores := make([]float64, n)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &scratch{}
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
