package journey

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"golang.org/x/exp/stats"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// Interaction is one meeting of a contact with a touchpoint: a kickoff
// call attended, a ticket closed, a training taken. Value, when set, is the
// score given there on the touchpoint's scale; Comment is whatever the person
// said, kept verbatim (it is data, never markup).
type Interaction struct {
	ID         string    `json:"id"`
	Account    string    `json:"account"`
	Contact    string    `json:"contact"`
	Touchpoint string    `json:"touchpoint"`
	At         time.Time `json:"at"`
	Value      *float64  `json:"value,omitempty"`
	Comment    string    `json:"comment,omitempty"`
}

// Rejection is an interaction that could not be placed on the map, and why.
type Rejection struct {
	Interaction Interaction
	Reason      string
}

// Cell is one persona x stage cell of the map.
type Cell struct {
	// Count is the number of interactions; Contacts the distinct people.
	Count, Contacts int
	// Scored counts the interactions with a value; Sentiment is their mean
	// normalised to 0..100 (0 when none was scored).
	Scored    int
	Sentiment float64
	Last      time.Time
	// Designed reports whether some touchpoint is designed for this persona
	// at this stage.
	Designed bool
}

// Visit is one step of a persona's path through the stages.
type Visit struct {
	Stage string
	From  time.Time // first interaction of the run of visits
	To    time.Time // last one
	Count int
}

// Map is the journey turned sideways: personas down, stages across, built
// from interactions up to a time. It is immutable once built.
type Map struct {
	j        *Journey
	at       time.Time
	cells    [][]Cell // persona x stage
	accepted []placed
	rejected []Rejection
}

type placed struct {
	Interaction
	persona int
	stage   int
	x       float64 // normalised value, NaN when none
}

// Build places interactions on the map as of time at. An interaction is
// rejected, with a reason, when its ID repeats an earlier one, its
// touchpoint is unknown, its account is not among accounts, its contact is
// not in the account (or has a persona the catalog does not know), it comes
// after at or before the contact joined, or its value is off the
// touchpoint's scale. Nothing is dropped silently: Rejections lists them.
func (j *Journey) Build(accounts []persona.Account, interactions []Interaction, at time.Time) *Map {
	m := &Map{j: j, at: at, cells: make([][]Cell, j.cat.Len())}
	for p := range m.cells {
		m.cells[p] = make([]Cell, len(j.cfg.Stages))
		for s := range m.cells[p] {
			m.cells[p][s].Designed = j.designed[p][s]
		}
	}
	byAccount := make(map[string]*persona.Account, len(accounts))
	for i := range accounts {
		byAccount[accounts[i].ID] = &accounts[i]
	}
	seen := map[string]bool{}
	contacts := map[[2]int]map[string]bool{}
	sums := make([][]float64, j.cat.Len())
	for p := range sums {
		sums[p] = make([]float64, len(j.cfg.Stages))
	}
	for _, in := range interactions {
		reject := func(format string, args ...any) {
			m.rejected = append(m.rejected, Rejection{Interaction: in, Reason: fmt.Sprintf(format, args...)})
		}
		if in.ID != "" && seen[in.ID] {
			reject("duplicate interaction ID %q", in.ID)
			continue
		}
		seen[in.ID] = true
		ti, ok := j.touchIdx[in.Touchpoint]
		if !ok {
			reject("unknown touchpoint %q", in.Touchpoint)
			continue
		}
		t := &j.cfg.Touchpoints[ti]
		acct, ok := byAccount[in.Account]
		if !ok {
			reject("unknown account %q", in.Account)
			continue
		}
		c := contactOf(acct, in.Contact)
		if c == nil {
			reject("contact %q is not in account %q", in.Contact, in.Account)
			continue
		}
		p, ok := j.cat.Index(c.Persona)
		if !ok {
			reject("contact %q has unknown persona %q", c.ID, c.Persona)
			continue
		}
		switch {
		case in.At.After(at):
			reject("dated %s, after the map's time %s", in.At.Format(time.RFC3339), at.Format(time.RFC3339))
			continue
		case !c.Joined.IsZero() && in.At.Before(c.Joined):
			reject("dated %s, before contact %q joined the account", in.At.Format(time.RFC3339), c.ID)
			continue
		}
		pl := placed{Interaction: in, persona: p, stage: j.stageIdx[t.Stage], x: math.NaN()}
		if in.Value != nil {
			v := *in.Value
			if t.Metric == "" || !(v >= t.Min && v <= t.Max) {
				reject("value %v is off touchpoint %q's scale %v..%v", v, t.ID, t.Min, t.Max)
				continue
			}
			pl.x = 100 * (v - t.Min) / (t.Max - t.Min)
		}
		m.accepted = append(m.accepted, pl)
		cell := &m.cells[p][pl.stage]
		cell.Count++
		if in.At.After(cell.Last) {
			cell.Last = in.At
		}
		key := [2]int{p, pl.stage}
		if contacts[key] == nil {
			contacts[key] = map[string]bool{}
		}
		if !contacts[key][c.ID] {
			contacts[key][c.ID] = true
			cell.Contacts++
		}
		if !math.IsNaN(pl.x) {
			cell.Scored++
			sums[p][pl.stage] += pl.x
		}
	}
	for p := range m.cells {
		for s := range m.cells[p] {
			if n := m.cells[p][s].Scored; n > 0 {
				m.cells[p][s].Sentiment = sums[p][s] / float64(n)
			}
		}
	}
	// A canonical order for everything derived from the accepted interactions.
	slices.SortStableFunc(m.accepted, func(a, b placed) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Account, b.Account), cmp.Compare(a.Contact, b.Contact), cmp.Compare(a.ID, b.ID))
	})
	return m
}

func contactOf(a *persona.Account, id string) *persona.Contact {
	for i := range a.Contacts {
		if a.Contacts[i].ID == id {
			return &a.Contacts[i]
		}
	}
	return nil
}

// At returns the map's time.
func (m *Map) At() time.Time { return m.at }

// Cell returns the cell of persona id at stage.
func (m *Map) Cell(id persona.ID, stage string) (Cell, error) {
	p, ok := m.j.cat.Index(id)
	if !ok {
		return Cell{}, fmt.Errorf("journey: persona %q: %w", id, ErrUnknownPersona)
	}
	s, ok := m.j.stageIdx[stage]
	if !ok {
		return Cell{}, fmt.Errorf("journey: stage %q: %w", stage, ErrUnknownStage)
	}
	return m.cells[p][s], nil
}

// Rejections returns the interactions that could not be placed, with why.
func (m *Map) Rejections() []Rejection { return slices.Clone(m.rejected) }

// Accepted returns the number of interactions placed on the map.
func (m *Map) Accepted() int { return len(m.accepted) }

// Path returns the persona's path through the stages for one account (or
// all accounts when account is ""): consecutive interactions at the same
// stage merge into one Visit. Real B2B paths double back: this is the snake.
func (m *Map) Path(account string, id persona.ID) []Visit {
	p, ok := m.j.cat.Index(id)
	if !ok {
		return nil
	}
	var path []Visit
	for _, pl := range m.accepted {
		if pl.persona != p || (account != "" && pl.Account != account) {
			continue
		}
		stage := m.j.cfg.Stages[pl.stage].ID
		if n := len(path); n > 0 && path[n-1].Stage == stage {
			path[n-1].To = pl.At
			path[n-1].Count++
			continue
		}
		path = append(path, Visit{Stage: stage, From: pl.At, To: pl.At, Count: 1})
	}
	return path
}

// GapKind is why a persona x stage cell is a gap.
type GapKind string

// The kinds of gap.
const (
	GapNoTouchpoint  GapKind = "no touchpoint designed"
	GapNoInteraction GapKind = "no interaction" // (within Config.Window, when set)
	GapLowSentiment  GapKind = "sentiment below threshold"
)

// Gap is a persona x stage cell that needs attention.
type Gap struct {
	Persona persona.ID
	Stage   string
	Kind    GapKind
	// Weight is the persona's effective weight in the catalog: the gap that
	// matters most comes first.
	Weight float64
	Cell   Cell
}

// Gaps lists the cells that are gaps, most important first (by persona
// weight, then stage order): cells no touchpoint is designed for, designed
// cells nobody met (or, with Config.Window, nobody met within the window
// before the map's time), and cells whose mean sentiment is below the
// journey's threshold.
func (m *Map) Gaps() []Gap {
	window := time.Duration(m.j.cfg.Window)
	var gaps []Gap
	for p := range m.cells {
		per := m.j.cat.At(p)
		for s, c := range m.cells[p] {
			g := Gap{Persona: per.ID, Stage: m.j.cfg.Stages[s].ID, Weight: m.j.cat.EffectiveWeight(p), Cell: c}
			switch {
			case !c.Designed:
				g.Kind = GapNoTouchpoint
			case c.Count == 0 || (window > 0 && m.at.Sub(c.Last) > window):
				g.Kind = GapNoInteraction
			case c.Scored > 0 && c.Sentiment < m.j.gapBelow:
				g.Kind = GapLowSentiment
			default:
				continue
			}
			gaps = append(gaps, g)
		}
	}
	slices.SortStableFunc(gaps, func(a, b Gap) int { return cmp.Compare(b.Weight, a.Weight) })
	return gaps
}

// Consistency returns, for the persona at a stage, the chance of a good
// experience at every touchpoint met there: the product over those
// touchpoints of the share of scored interactions at or above the journey's
// GoodAt. Touchpoints compound: 0.95 at each of six gives 0.95^6 = 0.735.
// With no scored interaction it returns 0 and false.
func (m *Map) Consistency(id persona.ID, stage string) (float64, bool) {
	p, ok := m.j.cat.Index(id)
	s, ok2 := m.j.stageIdx[stage]
	if !ok || !ok2 {
		return 0, false
	}
	good := map[string]int{}
	scored := map[string]int{}
	for _, pl := range m.accepted {
		if pl.persona == p && pl.stage == s && !math.IsNaN(pl.x) {
			scored[pl.Touchpoint]++
			if pl.x >= m.j.goodAt {
				good[pl.Touchpoint]++
			}
		}
	}
	if len(scored) == 0 {
		return 0, false
	}
	c := 1.0
	for _, t := range slices.Sorted(maps.Keys(scored)) {
		c *= float64(good[t]) / float64(scored[t])
	}
	return c, true
}

// CompoundConsistency is the consistency of a journey through n touchpoints
// each good with probability p: p^n.
func CompoundConsistency(p float64, n int) float64 { return math.Pow(p, float64(n)) }

// TimeToValue measures, per account, the time from its contract start to
// its first interaction at the milestone touchpoint at or after the start,
// and the cohort median (R's type-7 median, golang.org/x/exp/stats).
// Accounts that have not reached the milestone by the map's time are listed
// in Waiting. An unknown milestone is an error.
func (m *Map) TimeToValue(start map[string]time.Time, milestone string) (TimeToValue, error) {
	if _, ok := m.j.touchIdx[milestone]; !ok {
		return TimeToValue{}, fmt.Errorf("journey: milestone touchpoint %q: %w", milestone, ErrNotFound)
	}
	ttv := TimeToValue{PerAccount: map[string]time.Duration{}}
	for _, pl := range m.accepted {
		s, ok := start[pl.Account]
		if !ok || pl.Touchpoint != milestone || pl.At.Before(s) {
			continue
		}
		if _, done := ttv.PerAccount[pl.Account]; !done {
			ttv.PerAccount[pl.Account] = pl.At.Sub(s)
		}
	}
	var days []float64
	for _, a := range slices.Sorted(maps.Keys(start)) {
		if d, ok := ttv.PerAccount[a]; ok {
			days = append(days, d.Hours()/24)
		} else {
			ttv.Waiting = append(ttv.Waiting, a)
		}
	}
	if len(days) > 0 {
		ttv.MedianDays = stats.Median(days)
	}
	return ttv, nil
}

// TimeToValue is the result of Map.TimeToValue.
type TimeToValue struct {
	PerAccount map[string]time.Duration
	// MedianDays is the cohort median in days; 0 when no account got there.
	MedianDays float64
	// Waiting lists the accounts that have not reached the milestone, sorted.
	Waiting []string
}

// Signals turns the scored interactions into scoring signals, so journey
// data feeds account health: metric from the touchpoint, value as given,
// source "journey/<touchpoint>". Interactions at touchpoints with no metric
// carry no score and give no signal.
func (m *Map) Signals() []scoring.Signal {
	var out []scoring.Signal
	for _, pl := range m.accepted {
		t := &m.j.cfg.Touchpoints[m.j.touchIdx[pl.Touchpoint]]
		if pl.Value == nil || t.Metric == "" {
			continue
		}
		out = append(out, scoring.Signal{
			Account: pl.Account, Contact: pl.Contact, Metric: t.Metric, Value: *pl.Value, At: pl.At,
			Source: "journey/" + t.ID,
		})
	}
	return out
}
