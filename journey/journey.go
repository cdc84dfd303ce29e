package journey

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// Sentinel errors; the errors returned wrap them.
var (
	ErrInvalid        = errors.New("invalid journey design")
	ErrUnknownStage   = errors.New("unknown stage")
	ErrUnknownPersona = errors.New("unknown persona")
	ErrDuplicate      = errors.New("duplicate ID")
	ErrNotFound       = errors.New("not found")
)

// Stage is a step of the customer journey. Stages are ordered by their
// position in the slice given to New.
type Stage struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// DefaultStages returns the B2B journey: evaluate, purchase, onboard, adopt,
// renew, expand.
func DefaultStages() []Stage {
	return []Stage{
		{ID: "evaluate", Name: "Evaluate"}, {ID: "purchase", Name: "Purchase"}, {ID: "onboard", Name: "Onboard"},
		{ID: "adopt", Name: "Adopt"}, {ID: "renew", Name: "Renew"}, {ID: "expand", Name: "Expand"},
	}
}

// LAERStages returns the land, adopt, expand, renew lens on the same journey.
func LAERStages() []Stage {
	return []Stage{{ID: "land", Name: "Land"}, {ID: "adopt", Name: "Adopt"}, {ID: "expand", Name: "Expand"}, {ID: "renew", Name: "Renew"}}
}

// Touchpoint is a designed moment where the vendor meets the customer: a
// kickoff call, a training, a QBR, a support ticket, a renewal review.
type Touchpoint struct {
	ID      string `json:"id"`
	Stage   string `json:"stage"`
	Channel string `json:"channel,omitempty"`
	// Team owns the touchpoint: comments captured there are routed to it.
	Team string `json:"team"`
	// Personas lists whom the touchpoint is designed for; empty means everyone.
	Personas []persona.ID `json:"personas,omitempty"`
	// Metric names the scoring metric its scores feed (for example "csat"),
	// and Min and Max the scale the scores are on; see Map.Signals.
	Metric string  `json:"metric,omitempty"`
	Min    float64 `json:"min,omitempty"`
	Max    float64 `json:"max,omitempty"`
}

// serves reports whether the touchpoint is designed for persona id.
func (t *Touchpoint) serves(id persona.ID) bool {
	return len(t.Personas) == 0 || slices.Contains(t.Personas, id)
}

// Config describes a journey: its stages, its touchpoints, and who handles
// comments that arrive outside any touchpoint's team.
type Config struct {
	Stages      []Stage
	Touchpoints []Touchpoint
	// Fallback routes a comment whose touchpoint names no team: by persona
	// and stage first, then by stage (persona ""), then to DefaultTeam.
	Fallback    map[persona.ID]map[string]string
	DefaultTeam string
	// GoodAt is the normalised sentiment (0..100) at or above which an
	// interaction counts as a good experience; 0 means 60.
	GoodAt float64
	// GapBelow is the mean sentiment below which a persona x stage cell is a
	// gap; 0 means 50.
	GapBelow float64
	// Window, when set, makes a designed cell with no interaction within
	// Window before the map's time a gap (a relationship gone quiet); 0 means
	// only a cell nobody ever met is one. Set it for maps of the recent past:
	// on a map of a whole lifecycle, the early stages are rightly quiet now.
	Window scoring.Duration
}

// Journey is a validated Config bound to a catalog. It is immutable and
// safe for concurrent use.
type Journey struct {
	cfg         Config
	cat         *persona.Catalog
	stageIdx    map[string]int
	touchIdx    map[string]int
	designed    [][]bool // persona x stage: some touchpoint serves it
	goodAt      float64
	gapBelow    float64
	defaultTeam string
}

// New validates cfg against cat. Every problem is reported at once.
func New(cfg Config, cat *persona.Catalog) (*Journey, error) {
	var errs []error
	bad := func(kind error, format string, args ...any) {
		errs = append(errs, fmt.Errorf("journey: "+format+": %w", append(args, kind)...))
	}
	j := &Journey{cfg: cfg, cat: cat, stageIdx: map[string]int{}, touchIdx: map[string]int{}}
	if len(cfg.Stages) == 0 {
		bad(ErrInvalid, "no stages")
	}
	for i, s := range cfg.Stages {
		if s.ID == "" {
			bad(ErrInvalid, "stages[%d] has no ID", i)
		} else if _, dup := j.stageIdx[s.ID]; dup {
			bad(ErrDuplicate, "stages[%d] %q", i, s.ID)
		}
		j.stageIdx[s.ID] = i
	}
	j.designed = make([][]bool, cat.Len())
	for p := range j.designed {
		j.designed[p] = make([]bool, len(cfg.Stages))
	}
	for i, t := range cfg.Touchpoints {
		if t.ID == "" {
			bad(ErrInvalid, "touchpoints[%d] has no ID", i)
		} else if _, dup := j.touchIdx[t.ID]; dup {
			bad(ErrDuplicate, "touchpoints[%d] %q", i, t.ID)
		}
		j.touchIdx[t.ID] = i
		s, ok := j.stageIdx[t.Stage]
		if !ok {
			bad(ErrUnknownStage, "touchpoint %q stage %q", t.ID, t.Stage)
			continue
		}
		for _, id := range t.Personas {
			if _, ok := cat.Index(id); !ok {
				bad(ErrUnknownPersona, "touchpoint %q persona %q", t.ID, id)
			}
		}
		if t.Metric != "" && !(t.Min < t.Max && !math.IsInf(t.Max-t.Min, 0)) {
			bad(ErrInvalid, "touchpoint %q scale %v..%v", t.ID, t.Min, t.Max)
		}
		for p, per := range cat.Personas() {
			if t.serves(per.ID) {
				j.designed[p][s] = true
			}
		}
	}
	for id, byStage := range cfg.Fallback {
		if _, ok := cat.Index(id); !ok && id != "" {
			bad(ErrUnknownPersona, "fallback persona %q", id)
		}
		for s := range byStage {
			if _, ok := j.stageIdx[s]; !ok {
				bad(ErrUnknownStage, "fallback stage %q", s)
			}
		}
	}
	j.goodAt, j.gapBelow = cfg.GoodAt, cfg.GapBelow
	if j.goodAt == 0 {
		j.goodAt = 60
	}
	if j.gapBelow == 0 {
		j.gapBelow = 50
	}
	if !(j.goodAt > 0 && j.goodAt <= 100) || !(j.gapBelow > 0 && j.gapBelow <= 100) {
		bad(ErrInvalid, "thresholds GoodAt %v, GapBelow %v (want 0..100)", cfg.GoodAt, cfg.GapBelow)
	}
	if cfg.Window < 0 {
		bad(ErrInvalid, "window %v", cfg.Window)
	}
	if cfg.DefaultTeam == "" {
		j.defaultTeam = "customer-success"
	} else {
		j.defaultTeam = cfg.DefaultTeam
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return j, nil
}

// Stages returns the journey's stages in order.
func (j *Journey) Stages() []Stage { return slices.Clone(j.cfg.Stages) }

// Touchpoint returns the touchpoint with the given ID.
func (j *Journey) Touchpoint(id string) (Touchpoint, bool) {
	i, ok := j.touchIdx[id]
	if !ok {
		return Touchpoint{}, false
	}
	return j.cfg.Touchpoints[i], true
}

// team routes a comment made at touchpoint t by persona p.
func (j *Journey) team(t *Touchpoint, p persona.ID) string {
	if t.Team != "" {
		return t.Team
	}
	if team := j.cfg.Fallback[p][t.Stage]; team != "" {
		return team
	}
	if team := j.cfg.Fallback[""][t.Stage]; team != "" {
		return team
	}
	return j.defaultTeam
}
