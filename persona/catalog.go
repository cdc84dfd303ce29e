package persona

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"unicode"
)

// ID identifies a persona within a Catalog, e.g. "cio" or "end-user".
type ID string

// Group is a set of personas that are scored together before the account
// is: the buying committee, the people who use the product, the technical
// gatekeepers. Weight is the group's relative importance in the account.
type Group struct {
	ID          string  `json:"id"`
	Name        string  `json:"name,omitempty"`
	Weight      float64 `json:"weight"`
	Description string  `json:"description,omitempty"`
}

// Persona is a kind of person in a B2B account.
//
// Weight is the persona's relative importance within its group; Veto marks a
// persona who can kill a renewal alone. Traits are characteristics of the
// persona ("impatient", "not technical"), not problems to fix. Jobs lists the
// IDs of the persona's jobs to be done.
type Persona struct {
	ID          ID       `json:"id"`
	Name        string   `json:"name,omitempty"`
	Group       string   `json:"group"`
	Weight      float64  `json:"weight"`
	Role        Role     `json:"role,omitempty"`
	Veto        bool     `json:"veto,omitempty"`
	Traits      []string `json:"traits,omitempty"`
	Jobs        []string `json:"jobs,omitempty"`
	Description string   `json:"description,omitempty"`
}

// Catalog is an immutable, validated set of groups and personas. Build one
// with NewCatalog and share it: a *Catalog is safe for concurrent use.
//
// Personas and groups keep the order in which they were given to NewCatalog;
// that order is also the order of Index, so callers may keep per-persona
// data in a slice indexed by it.
//
// Personas returned by the Catalog share their Traits and Jobs slices with
// it; callers must not modify them.
type Catalog struct {
	groups     []Group
	personas   []Persona
	byID       map[ID]int
	groupByID  map[string]int
	groupOf    []int // persona index -> group index
	weightSum  float64
	groupTotal []float64 // group index -> sum of its persona weights
}

// NewCatalog validates groups and personas and returns a Catalog. Every
// problem is reported at once, joined with errors.Join; each is a
// *FieldError wrapping one of the sentinel errors. The inputs are copied.
//
// Rules: group and persona IDs are non-empty and unique; every persona names
// a group that exists; weights are finite and >= 0; roles are declared
// values; there is at least one persona; the total weight is finite.
func NewCatalog(groups []Group, personas []Persona) (*Catalog, error) {
	var errs []error
	c := &Catalog{
		groups:    slices.Clone(groups),
		personas:  make([]Persona, len(personas)),
		byID:      make(map[ID]int, len(personas)),
		groupByID: make(map[string]int, len(groups)),
		groupOf:   make([]int, len(personas)),
	}
	for i, g := range c.groups {
		path := fmt.Sprintf("groups[%d]", i)
		switch _, dup := c.groupByID[g.ID]; {
		case g.ID == "":
			errs = append(errs, fieldErr(path+".id", g.ID, ErrEmptyID))
		case dup:
			errs = append(errs, fieldErr(path+".id", g.ID, ErrDuplicateID))
		default:
			c.groupByID[g.ID] = i
		}
		if !validWeight(g.Weight) {
			errs = append(errs, fieldErr(path+".weight", g.Weight, ErrInvalidWeight))
		}
	}
	if len(personas) == 0 {
		errs = append(errs, fieldErr("personas", len(personas), ErrEmptyCatalog))
	}
	c.groupTotal = make([]float64, len(c.groups))
	for i, p := range personas {
		p.Traits = slices.Clone(p.Traits)
		p.Jobs = slices.Clone(p.Jobs)
		c.personas[i] = p
		path := fmt.Sprintf("personas[%d]", i)
		switch _, dup := c.byID[p.ID]; {
		case p.ID == "":
			errs = append(errs, fieldErr(path+".id", p.ID, ErrEmptyID))
		case dup:
			errs = append(errs, fieldErr(path+".id", p.ID, ErrDuplicateID))
		default:
			c.byID[p.ID] = i
		}
		g, ok := c.groupByID[p.Group]
		if !ok {
			errs = append(errs, fieldErr(path+".group", p.Group, ErrUnknownGroup))
		}
		c.groupOf[i] = g
		if !validWeight(p.Weight) {
			errs = append(errs, fieldErr(path+".weight", p.Weight, ErrInvalidWeight))
		} else if ok {
			c.groupTotal[g] += p.Weight
		}
		if int(p.Role) >= len(roleNames) {
			errs = append(errs, fieldErr(path+".role", uint8(p.Role), ErrInvalidRole))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for i := range c.personas {
		c.weightSum += c.EffectiveWeight(i)
	}
	if math.IsInf(c.weightSum, 0) || math.IsNaN(c.weightSum) {
		return nil, fieldErr("total weight", c.weightSum, ErrInvalidWeight)
	}
	return c, nil
}

func validWeight(w float64) bool { return w >= 0 && !math.IsInf(w, 1) } // NaN fails w >= 0

// Len returns the number of personas.
func (c *Catalog) Len() int { return len(c.personas) }

// Persona returns the persona with the given ID.
func (c *Catalog) Persona(id ID) (Persona, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Persona{}, false
	}
	return c.personas[i], true
}

// Lookup finds a persona by an ID as people and other tools spell it:
// exactly, or else ignoring case, '-', '_' and spaces ("Finance_Exec" and
// "finance exec" find finance-exec). It reports false for no match, and
// for a spelling that two of the catalog's IDs share.
func (c *Catalog) Lookup(s string) (ID, bool) {
	if _, ok := c.byID[ID(s)]; ok {
		return ID(s), true
	}
	key := looseID(s)
	var found ID
	n := 0
	for _, p := range c.personas {
		if looseID(string(p.ID)) == key {
			found = p.ID
			n++
		}
	}
	return found, n == 1
}

// looseID is an ID in lower case without '-', '_' and spaces.
func looseID(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', ' ':
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// IDs returns the personas' IDs in the catalog's order, joined by ", ",
// for messages that list the valid ones.
func (c *Catalog) IDs() string {
	ids := make([]string, len(c.personas))
	for i, p := range c.personas {
		ids[i] = string(p.ID)
	}
	return strings.Join(ids, ", ")
}

// Index returns the position of the persona with the given ID in the
// catalog's order, for callers that keep per-persona data in slices.
func (c *Catalog) Index(id ID) (int, bool) {
	i, ok := c.byID[id]
	return i, ok
}

// At returns the persona at position i (0 <= i < Len) in the catalog's order.
func (c *Catalog) At(i int) Persona { return c.personas[i] }

// Personas iterates over the personas in the catalog's order.
func (c *Catalog) Personas() iter.Seq2[int, Persona] {
	return func(yield func(int, Persona) bool) {
		for i, p := range c.personas {
			if !yield(i, p) {
				return
			}
		}
	}
}

// Groups returns a copy of the groups in the catalog's order.
func (c *Catalog) Groups() []Group { return slices.Clone(c.groups) }

// Group returns the group with the given ID.
func (c *Catalog) Group(id string) (Group, bool) {
	i, ok := c.groupByID[id]
	if !ok {
		return Group{}, false
	}
	return c.groups[i], true
}

// GroupIndex returns the position of the group with the given ID.
func (c *Catalog) GroupIndex(id string) (int, bool) {
	i, ok := c.groupByID[id]
	return i, ok
}

// EffectiveWeight returns the weight persona i carries in the whole account:
// its group's weight times its share of the group's persona weight. It is 0
// when the group's personas all weigh 0.
func (c *Catalog) EffectiveWeight(i int) float64 {
	g := c.groupOf[i]
	if c.groupTotal[g] == 0 {
		return 0
	}
	return c.groups[g].Weight * c.personas[i].Weight / c.groupTotal[g]
}

// TotalWeight returns the sum of all personas' effective weights.
func (c *Catalog) TotalWeight() float64 { return c.weightSum }

type catalogJSON struct {
	Groups   []Group   `json:"groups"`
	Personas []Persona `json:"personas"`
}

// MarshalJSON encodes the catalog as {"groups": [...], "personas": [...]}.
func (c *Catalog) MarshalJSON() ([]byte, error) {
	return json.Marshal(catalogJSON{Groups: c.groups, Personas: c.personas})
}

// UnmarshalJSON decodes a catalog and validates it as NewCatalog does.
// Decode into a new Catalog only: a Catalog shared with other goroutines
// must not be overwritten.
func (c *Catalog) UnmarshalJSON(data []byte) error {
	var raw catalogJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	nc, err := NewCatalog(raw.Groups, raw.Personas)
	if err != nil {
		return err
	}
	*c = *nc
	return nil
}
