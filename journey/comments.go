package journey

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/villagecx/village/persona"
)

// Status is where a routed comment stands.
type Status string

// The follow-up statuses of a comment.
const (
	Open         Status = "open"
	Acknowledged Status = "acknowledged"
	Resolved     Status = "resolved"
)

// Comment is an informal remark captured at a touchpoint, routed to the
// team that can act on it. Text is kept verbatim.
type Comment struct {
	ID         string
	Account    string
	Contact    string
	Persona    persona.ID
	Stage      string
	Touchpoint string
	Team       string
	At         time.Time
	Text       string
	Status     Status
	Note       string
}

// Inbox holds routed comments per team with their follow-up status. It is
// safe for concurrent use.
type Inbox struct {
	mu    sync.Mutex
	items []Comment
	byID  map[string]int
}

// Comments routes every comment on the map to a team: the touchpoint's
// owner, else the journey's fallback for the persona and stage, else for the
// stage, else its default team. All start Open. A comment's ID is its
// interaction's ID, or account/contact/time when the interaction had none.
func (m *Map) Comments() *Inbox {
	b := &Inbox{byID: map[string]int{}}
	for _, pl := range m.accepted {
		if pl.Comment == "" {
			continue
		}
		t := &m.j.cfg.Touchpoints[m.j.touchIdx[pl.Touchpoint]]
		per := m.j.cat.At(pl.persona)
		id := pl.ID
		if id == "" {
			id = fmt.Sprintf("%s/%s/%s", pl.Account, pl.Contact, pl.At.Format(time.RFC3339Nano))
		}
		if _, dup := b.byID[id]; dup {
			id = fmt.Sprintf("%s#%d", id, len(b.items))
		}
		b.byID[id] = len(b.items)
		b.items = append(b.items, Comment{
			ID: id, Account: pl.Account, Contact: pl.Contact, Persona: per.ID, Stage: t.Stage,
			Touchpoint: t.ID, Team: m.j.team(t, per.ID), At: pl.At, Text: pl.Comment, Status: Open,
		})
	}
	return b
}

// Teams returns the teams with comments, sorted.
func (b *Inbox) Teams() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var teams []string
	for _, c := range b.items {
		if !slices.Contains(teams, c.Team) {
			teams = append(teams, c.Team)
		}
	}
	slices.Sort(teams)
	return teams
}

// For returns a team's comments, oldest first.
func (b *Inbox) For(team string) []Comment {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Comment
	for _, c := range b.items {
		if c.Team == team {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(x, y Comment) int { return cmp.Compare(x.At.UnixNano(), y.At.UnixNano()) })
	return out
}

// Len returns the number of comments, and how many are still Open.
func (b *Inbox) Len() (total, open int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.items {
		if c.Status == Open {
			open++
		}
	}
	return len(b.items), open
}

// SetStatus records follow-up on a comment. An unknown ID or status is an
// error wrapping ErrNotFound or ErrInvalid.
func (b *Inbox) SetStatus(id string, s Status, note string) error {
	if s != Open && s != Acknowledged && s != Resolved {
		return fmt.Errorf("journey: status %q: %w", s, ErrInvalid)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	i, ok := b.byID[id]
	if !ok {
		return fmt.Errorf("journey: comment %q: %w", id, ErrNotFound)
	}
	b.items[i].Status, b.items[i].Note = s, note
	return nil
}
