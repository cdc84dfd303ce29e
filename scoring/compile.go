package scoring

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/villagecx/village/persona"
)

// Scorer is a compiled Model: validated once, with everything the hot path
// needs precomputed. A *Scorer is immutable and safe for concurrent use.
type Scorer struct {
	model Model
	cat   *persona.Catalog

	metrics   []compiledMetric
	metricIdx map[string]int
	// metricNames are the metrics' names in model order, apart so that
	// looking a signal's metric up runs through a short array of strings.
	metricNames []string

	nMetrics     int
	metricWeight []float64 // [persona*nMetrics + metric]
	personaGroup []int     // persona -> group index
	personaIDs   []persona.ID
	groupWeight  []float64
	groupRule    []Rule
	groupIDs     []string
	// base is the model's village: the persona weights and veto holders of
	// an account without committee seats in force.
	base village

	// Per-metric shrinkage (Model.Priors): the prior mean and strength of
	// each [persona*nMetrics + metric], and each persona's prior as a whole
	// (its metric-weighted mean and variance), for a persona not heard.
	metricShrink   bool
	metricsAtPrior bool // with metricShrink and UnheardPrior: a persona's metrics not heard count at their priors
	priorMean      []float64
	priorK         []float64
	personaPrior   []float64
	personaPriorV  []float64

	halfLife time.Duration
	maxAge   time.Duration
	z        float64 // normal quantile for the interval
	zVeto    float64 // one-sided normal quantile of the veto level
	within   float64 // (PersonSpread/Spread)^2: a person's own share of an answer's variance; 0 for the one-level model

	// workspaces recycles scratch space between calls to Score, which returns
	// a fresh Result each time and so cannot keep it there.
	workspaces sync.Pool
	// seed hashes contact IDs for the per-account index (findContact,
	// hashString), drawn anew for each Scorer so that no set of IDs is slow
	// for every program; it changes where an ID lands in the index, never a
	// result.
	seed uint64
}

type compiledMetric struct {
	name     string
	nps      bool // mapped by category; an NPS metric read on its scale (Model.NPSAs) is not
	min      float64
	max      float64
	reversed bool
}

// normalise maps a raw value already known to be finite and in scale to
// 0..100. An NPS metric read on its scale (Model.NPSAs) is linear like the rest.
func (m *compiledMetric) normalise(v float64) float64 {
	if m.nps {
		switch {
		case v >= 9:
			return 100
		case v >= 7:
			return 50
		default:
			return 0
		}
	}
	x := 100 * (v - m.min) / (m.max - m.min)
	if m.reversed {
		x = 100 - x
	}
	return x
}

// Compile validates model against cat and returns a Scorer. Every problem
// is reported at once (errors.Join of *FieldError values naming the field
// and value). The model is copied: later changes to it do not affect the
// Scorer.
func Compile(model Model, cat *persona.Catalog) (*Scorer, error) {
	if cat == nil {
		return nil, fieldErr("catalog", nil, ErrInvalidValue)
	}
	var errs []error
	add := func(field string, value any, kind error) { errs = append(errs, fieldErr(field, value, kind)) }

	s := &Scorer{
		seed:      rand.Uint64(),
		model:     cloneModel(model),
		cat:       cat,
		metricIdx: make(map[string]int, len(model.Metrics)),
		nMetrics:  len(model.Metrics),
	}
	if len(model.Metrics) == 0 {
		add("metrics", 0, ErrNoMetrics)
	}
	for i, m := range model.Metrics {
		path := fmt.Sprintf("metrics[%d]", i)
		if m.Name == "" {
			add(path+".name", m.Name, ErrInvalidValue)
		} else if _, dup := s.metricIdx[m.Name]; dup {
			add(path+".name", m.Name, ErrDuplicate)
		} else {
			s.metricIdx[m.Name] = i
		}
		if !slices.Contains([]Kind{KindNPS, KindCSAT, KindCES, KindUsage, KindSentiment, KindCustom}, m.Kind) {
			add(path+".kind", string(m.Kind), ErrUnknownKind)
		}
		if !finite(m.Max-m.Min) || !(m.Min < m.Max) {
			add(path+".max", m.Max, fmt.Errorf("%w: scale must be finite with min < max (min %v)", ErrInvalidValue, m.Min))
		}
		if m.Kind == KindNPS && (m.Min != 0 || m.Max != 10 || m.LowerIsBetter) {
			add(path, m.Name, fmt.Errorf("%w: an NPS metric is on 0..10, higher is better", ErrInvalidValue))
		}
		if !validWeight(m.Weight) {
			add(path+".weight", m.Weight, ErrInvalidValue)
		}
		s.metrics = append(s.metrics, compiledMetric{name: m.Name, nps: m.Kind == KindNPS && model.NPSAs != NPSScale,
			min: m.Min, max: m.Max, reversed: m.LowerIsBetter})
		s.metricNames = append(s.metricNames, m.Name)
	}

	nP := cat.Len()
	s.metricWeight = make([]float64, nP*len(model.Metrics))
	s.personaGroup = make([]int, nP)
	s.personaIDs = make([]persona.ID, nP)
	s.base.personaWeight = make([]float64, nP)
	s.base.veto = make([]bool, nP)
	for i, p := range cat.Personas() {
		s.personaGroup[i], _ = cat.GroupIndex(p.Group)
		s.personaIDs[i] = p.ID
		s.base.personaWeight[i] = p.Weight
		s.base.veto[i] = p.Veto
		for m, metric := range model.Metrics {
			s.metricWeight[i*s.nMetrics+m] = metric.Weight
		}
	}
	seenP := make(map[persona.ID]bool)
	for i, pw := range model.Personas {
		path := fmt.Sprintf("personas[%d]", i)
		pi, ok := cat.Index(pw.Persona)
		switch {
		case !ok:
			add(path+".persona", string(pw.Persona), persona.ErrUnknownPersona)
			continue
		case seenP[pw.Persona]:
			add(path+".persona", string(pw.Persona), ErrDuplicate)
		}
		seenP[pw.Persona] = true
		if pw.Weight != nil {
			if !validWeight(*pw.Weight) {
				add(path+".weight", *pw.Weight, ErrInvalidValue)
			}
			s.base.personaWeight[pi] = *pw.Weight
		}
		for _, name := range slices.Sorted(maps.Keys(pw.Metrics)) {
			w := pw.Metrics[name]
			mi, ok := s.metricIdx[name]
			if !ok {
				add(path+".metrics", name, ErrUnknownMetric)
				continue
			}
			if !validWeight(w) {
				add(fmt.Sprintf("%s.metrics[%q]", path, name), w, ErrInvalidValue)
			}
			s.metricWeight[pi*s.nMetrics+mi] = w
		}
	}

	groups := cat.Groups()
	s.groupWeight = make([]float64, len(groups))
	s.groupRule = make([]Rule, len(groups))
	s.groupIDs = make([]string, len(groups))
	for i, g := range groups {
		s.groupWeight[i], s.groupRule[i], s.groupIDs[i] = g.Weight, RuleMean, g.ID
	}
	seenG := make(map[string]bool)
	for i, gw := range model.Groups {
		path := fmt.Sprintf("groups[%d]", i)
		gi, ok := cat.GroupIndex(gw.Group)
		switch {
		case !ok:
			add(path+".group", gw.Group, persona.ErrUnknownGroup)
			continue
		case seenG[gw.Group]:
			add(path+".group", gw.Group, ErrDuplicate)
		}
		seenG[gw.Group] = true
		if !validWeight(gw.Weight) {
			add(path+".weight", gw.Weight, ErrInvalidValue)
		}
		s.groupWeight[gi] = gw.Weight
		switch gw.Rule {
		case "", RuleMean:
		case RuleMin:
			s.groupRule[gi] = RuleMin
		default:
			add(path+".rule", string(gw.Rule), ErrUnknownRule)
		}
	}

	inRange := func(field string, v, lo, hi float64) {
		if !(v >= lo && v <= hi) {
			add(field, v, fmt.Errorf("%w: want %v..%v", ErrInvalidValue, lo, hi))
		}
	}
	inRange("veto_below", model.VetoBelow, 0, 100)
	switch model.VetoOn {
	case "", VetoOnEvidence, VetoOnScore:
	default:
		add("veto_on", string(model.VetoOn), fmt.Errorf("%w: want %q or %q", ErrInvalidValue, VetoOnEvidence, VetoOnScore))
	}
	if model.VetoLevel != 0 && !(model.VetoLevel >= 0.5 && model.VetoLevel < 1) {
		add("veto_level", model.VetoLevel, fmt.Errorf("%w: want 0 (the default) or 0.5 <= level < 1", ErrInvalidValue))
	}
	switch model.Unheard {
	case "", UnheardRenormalise, UnheardPrior:
	default:
		add("unheard", string(model.Unheard), fmt.Errorf("%w: want %q or %q", ErrInvalidValue, UnheardRenormalise, UnheardPrior))
	}
	inRange("prior_mean", model.PriorMean, 0, 100)
	inRange("min_coverage", model.MinCoverage, 0, 1)
	if !(model.PriorStrength >= 0) || math.IsInf(model.PriorStrength, 0) {
		add("prior_strength", model.PriorStrength, ErrInvalidValue)
	}
	if !(model.Spread > 0 && model.Spread <= 100) {
		add("spread", model.Spread, fmt.Errorf("%w: want 0 < spread <= 100", ErrInvalidValue))
	}
	if l := model.Link; l != nil && !(finite(l.Intercept) && finite(l.Slope)) {
		add("link", *l, fmt.Errorf("%w: want a finite intercept and slope", ErrInvalidValue))
	}
	if model.PersonSpread != 0 && !(model.PersonSpread > 0 && model.PersonSpread <= model.Spread) {
		add("person_spread", model.PersonSpread, fmt.Errorf("%w: want 0 (one level) or 0 < person_spread <= spread", ErrInvalidValue))
	}
	if !(model.Confidence > 0 && model.Confidence < 1) {
		add("confidence", model.Confidence, fmt.Errorf("%w: want strictly between 0 and 1", ErrInvalidValue))
	}
	if model.HalfLife < 0 {
		add("half_life", model.HalfLife.String(), ErrInvalidValue)
	}
	if model.MaxAge < 0 {
		add("max_age", model.MaxAge.String(), ErrInvalidValue)
	}
	switch model.NPSAs {
	case "", NPSCategory, NPSScale:
	default:
		add("nps_as", string(model.NPSAs), fmt.Errorf("%w: want %q or %q", ErrInvalidValue, NPSCategory, NPSScale))
	}
	seenPrior := map[[2]string]bool{}
	for i, pr := range model.Priors {
		path := fmt.Sprintf("priors[%d]", i)
		if _, ok := cat.Index(pr.Persona); pr.Persona != "" && !ok {
			add(path+".persona", string(pr.Persona), persona.ErrUnknownPersona)
		}
		if _, ok := s.metricIdx[pr.Metric]; !ok {
			add(path+".metric", pr.Metric, ErrUnknownMetric)
		}
		if key := [2]string{string(pr.Persona), pr.Metric}; seenPrior[key] {
			add(path, fmt.Sprintf("%s/%s", pr.Persona, pr.Metric), ErrDuplicate)
		} else {
			seenPrior[key] = true
		}
		inRange(path+".mean", pr.Mean, 0, 100)
		if !(pr.Strength >= 0) || math.IsInf(pr.Strength, 0) {
			add(path+".strength", pr.Strength, ErrInvalidValue)
		}
	}
	if sv := model.SoftVeto; sv != nil {
		inRange("soft_veto.below", sv.Below, 0, 100)
		if !(sv.Points >= 0) || math.IsInf(sv.Points, 0) {
			add("soft_veto.points", sv.Points, fmt.Errorf("%w: points lost per point under, >= 0", ErrInvalidValue))
		}
	}
	for i, ev := range model.Events {
		path := fmt.Sprintf("events[%d]", i)
		if ev.Kind != EventLeft && ev.Kind != EventJoinedUnheard {
			add(path+".kind", string(ev.Kind), fmt.Errorf("%w: want %q or %q", ErrInvalidValue, EventLeft, EventJoinedUnheard))
		}
		switch _, ok := cat.Index(ev.Persona); {
		case ev.Role != persona.RoleUnspecified && ev.Persona != "":
			add(path, string(ev.Persona), fmt.Errorf("%w: an event names a persona or a role, not both", ErrInvalidValue))
		case ev.Role != persona.RoleUnspecified:
			if _, err := ev.Role.MarshalText(); err != nil {
				add(path+".role", ev.Role.String(), err)
			}
		case !ok:
			add(path+".persona", string(ev.Persona), persona.ErrUnknownPersona)
		}
		if !(ev.Within > 0) {
			add(path+".within", ev.Within.String(), fmt.Errorf("%w: want a positive window", ErrInvalidValue))
		}
		if !finite(ev.Points) || math.Abs(ev.Points) > 100 {
			add(path+".points", ev.Points, fmt.Errorf("%w: want -100..100", ErrInvalidValue))
		}
	}
	if ft := model.Fit; ft != nil {
		if err := ft.Profile.Validate(); err != nil {
			add("fit.profile", len(ft.Profile.Rules), fmt.Errorf("%w: %w", ErrInvalidValue, err))
		}
		if !finite(ft.Points) || math.Abs(ft.Points) > 100 {
			add("fit.points", ft.Points, fmt.Errorf("%w: want -100..100", ErrInvalidValue))
		}
	}
	if len(model.Bands) == 0 || model.Bands[0].Min != 0 {
		add("bands", len(model.Bands), ErrBandOrder)
	}
	for i, b := range model.Bands {
		if b.Name == "" {
			add(fmt.Sprintf("bands[%d].name", i), b.Name, ErrInvalidValue)
		}
		if !(b.Min >= 0 && b.Min <= 100) || (i > 0 && !(b.Min > model.Bands[i-1].Min)) {
			add(fmt.Sprintf("bands[%d].min", i), b.Min, ErrBandOrder)
		}
	}

	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	for p := range nP {
		var sum float64
		for _, w := range s.metricWeight[p*s.nMetrics : (p+1)*s.nMetrics] {
			sum += w
		}
		if math.IsInf(sum, 0) {
			errs = append(errs, fieldErr("personas", string(cat.At(p).ID), fmt.Errorf("%w: its metric weights add up to infinity", ErrInvalidValue)))
		}
	}
	if err := s.base.weigh(s); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := s.compilePriors(); err != nil {
		return nil, err
	}
	s.halfLife = time.Duration(model.HalfLife)
	s.maxAge = time.Duration(model.MaxAge)
	s.z = distuv.UnitNormal.Quantile(0.5 + model.Confidence/2)
	level := model.VetoLevel
	if level == 0 {
		level = DefaultVetoLevel
	}
	s.zVeto = distuv.UnitNormal.Quantile(level)
	s.within = (model.PersonSpread / model.Spread) * (model.PersonSpread / model.Spread)
	return s, nil
}

// compilePriors fills the per-metric priors (when the model has any) and
// each persona's prior as a whole, and checks that a model counting the
// personas not heard at the prior has priors with strength to count at.
func (s *Scorer) compilePriors() error {
	m := &s.model
	nP := s.cat.Len()
	s.metricShrink = len(m.Priors) > 0
	s.metricsAtPrior = s.metricShrink && m.Unheard == UnheardPrior
	s.priorMean = make([]float64, nP*s.nMetrics)
	s.priorK = make([]float64, nP*s.nMetrics)
	for i := range s.priorMean {
		s.priorMean[i], s.priorK[i] = m.PriorMean, m.PriorStrength
	}
	for pass := range 2 { // every persona's ("") first, then the personas' own
		for _, pr := range m.Priors {
			if (pr.Persona == "") != (pass == 0) {
				continue
			}
			mi := s.metricIdx[pr.Metric]
			for p := range nP {
				if pr.Persona == "" || s.cat.At(p).ID == pr.Persona {
					s.priorMean[p*s.nMetrics+mi], s.priorK[p*s.nMetrics+mi] = pr.Mean, pr.Strength
				}
			}
		}
	}
	s.personaPrior = make([]float64, nP)
	s.personaPriorV = make([]float64, nP)
	spread2 := m.Spread * m.Spread
	var errs []error
	for p := range nP {
		if !s.metricShrink {
			s.personaPrior[p] = m.PriorMean
			s.personaPriorV[p] = spread2 / m.PriorStrength
		} else {
			s.personaPrior[p], s.personaPriorV[p] = s.metricWeighted(p, nil, 0, true)
		}
		if m.Unheard == UnheardPrior && !(s.personaPriorV[p] < math.Inf(1)) {
			errs = append(errs, fieldErr("unheard", string(m.Unheard), fmt.Errorf(
				"%w: counting personas not heard at the prior needs prior strength > 0 (persona %s)", ErrInvalidValue, s.cat.At(p).ID)))
		}
	}
	return errors.Join(errs...)
}

// Prior returns the prior mean and strength that persona p's mean on the
// named metric is shrunk toward: the model's Priors where they name it,
// else PriorMean and PriorStrength. ok is false for an unknown persona or
// metric.
func (s *Scorer) Prior(p persona.ID, metric string) (mean, strength float64, ok bool) {
	pi, okP := s.cat.Index(p)
	mi := s.metricIndex(metric)
	if !okP || mi < 0 {
		return 0, 0, false
	}
	return s.priorMean[pi*s.nMetrics+mi], s.priorK[pi*s.nMetrics+mi], true
}

// metricIndex returns the index of the named metric, or -1. Models have a
// handful of metrics, for which a scan beats hashing the name.
func (s *Scorer) metricIndex(name string) int {
	if len(s.metrics) > 16 {
		if i, ok := s.metricIdx[name]; ok {
			return i
		}
		return -1
	}
	for i, n := range s.metricNames {
		if n == name {
			return i
		}
	}
	return -1
}

// Model returns a copy of the model the Scorer was compiled from.
func (s *Scorer) Model() Model { return cloneModel(s.model) }

// Catalog returns the catalog the Scorer was compiled against.
func (s *Scorer) Catalog() *persona.Catalog { return s.cat }

func cloneModel(m Model) Model {
	m.Metrics = slices.Clone(m.Metrics)
	m.Groups = slices.Clone(m.Groups)
	m.Bands = slices.Clone(m.Bands)
	m.Personas = slices.Clone(m.Personas)
	for i := range m.Personas {
		m.Personas[i].Metrics = maps.Clone(m.Personas[i].Metrics)
		if w := m.Personas[i].Weight; w != nil {
			m.Personas[i].Weight = new(*w)
		}
	}
	m.Priors = slices.Clone(m.Priors)
	m.Events = slices.Clone(m.Events)
	if m.SoftVeto != nil {
		m.SoftVeto = new(*m.SoftVeto)
	}
	if m.Link != nil {
		m.Link = new(*m.Link)
	}
	if m.Fit != nil {
		ft := *m.Fit
		ft.Profile.Rules = slices.Clone(ft.Profile.Rules)
		for i := range ft.Profile.Rules {
			r := &ft.Profile.Rules[i]
			r.Is = slices.Clone(r.Is)
			if r.AtLeast != nil {
				r.AtLeast = new(*r.AtLeast)
			}
			if r.Below != nil {
				r.Below = new(*r.Below)
			}
		}
		m.Fit = &ft
	}
	return m
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func validWeight(w float64) bool { return w >= 0 && !math.IsInf(w, 1) }
