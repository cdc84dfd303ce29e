package journey

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/villagecx/village/internal/words"
	"github.com/villagecx/village/persona"
)

// ActionStatus is where an action to close the loop stands.
type ActionStatus string

// The statuses of an action. An action starts ActionOpen; ActionDone and
// ActionDropped close it; a closed action can be reopened (the fix did not
// hold).
const (
	ActionOpen       ActionStatus = "open"
	ActionInProgress ActionStatus = "in-progress"
	// ActionShared: the fix or the answer was shared with the customer,
	// who has not yet confirmed it closes their point. DOMAIN.md: follow
	// through, and tell the people who spoke what was done.
	ActionShared  ActionStatus = "shared"
	ActionDone    ActionStatus = "done"
	ActionDropped ActionStatus = "dropped" // will not be done; the note says why
)

// moves lists the statuses each status may move to.
var moves = map[ActionStatus][]ActionStatus{
	ActionOpen:       {ActionInProgress, ActionShared, ActionDone, ActionDropped},
	ActionInProgress: {ActionOpen, ActionShared, ActionDone, ActionDropped},
	ActionShared:     {ActionInProgress, ActionDone, ActionDropped},
	ActionDone:       {ActionOpen},
	ActionDropped:    {ActionOpen},
}

// Closed reports whether the status ends the action (done or dropped).
func (s ActionStatus) Closed() bool { return s == ActionDone || s == ActionDropped }

// ActionEvent is one step in an action's history.
type ActionEvent struct {
	At     time.Time    `json:"at"`
	Status ActionStatus `json:"status"`
	By     string       `json:"by,omitempty"`
	Note   string       `json:"note,omitempty"`
}

// Action is something the vendor does about what a persona in an account
// said or lacks: tied to a comment, a gap in the journey, or raised by
// hand, owned by a team or a person, due by a date, and followed until it
// is done (or dropped) and shared with the customer.
type Action struct {
	ID      string     `json:"id"`
	Account string     `json:"account"`
	Persona persona.ID `json:"persona,omitempty"`
	Stage   string     `json:"stage,omitempty"`
	// Topic is what the action is about ("performance", "billing"): the
	// key under which a complaint coming back after the action closed is a
	// recurrence.
	Topic string `json:"topic,omitempty"`
	Title string `json:"title"`
	Owner string `json:"owner"`
	// Comment and Gap say where the action came from: a comment's ID, or a
	// gap's persona x stage and kind ("finance-exec/renew: no interaction").
	Comment string        `json:"comment,omitempty"`
	Gap     string        `json:"gap,omitempty"`
	Opened  time.Time     `json:"opened"`
	Due     time.Time     `json:"due,omitzero"`
	Status  ActionStatus  `json:"status"`
	History []ActionEvent `json:"history"`
}

// Closed returns when the action was last closed, or the zero time if it is
// not closed.
func (a *Action) Closed() time.Time {
	if !a.Status.Closed() || len(a.History) == 0 {
		return time.Time{}
	}
	return a.History[len(a.History)-1].At
}

// Age returns how long the action has been open at t: to t while it is
// open, to its closing once closed.
func (a *Action) Age(t time.Time) time.Duration {
	end := t
	if c := a.Closed(); !c.IsZero() && c.Before(t) {
		end = c
	}
	return max(end.Sub(a.Opened), 0)
}

// Overdue reports whether the action is open past its due date at t.
func (a *Action) Overdue(t time.Time) bool {
	return !a.Status.Closed() && !a.Due.IsZero() && t.After(a.Due)
}

// TopicRule names a topic by the phrases that mark it in a comment.
type TopicRule struct {
	Topic   string   `json:"topic"`
	Phrases []string `json:"phrases"`
}

// Topics finds what a comment is about: the first rule with a phrase that
// occurs in the text as whole words, ignoring case and punctuation ("too
// slow" matches "Way too slow!", not "too slowly"). It is immutable and
// safe for concurrent use.
type Topics struct {
	topics  []string
	phrases [][][]string
}

// NewTopics validates the rules: every topic named, and every phrase with
// a word in it.
func NewTopics(rules []TopicRule) (*Topics, error) {
	t := &Topics{}
	for i, r := range rules {
		if r.Topic == "" {
			return nil, fmt.Errorf("journey: topics[%d]: no topic: %w", i, ErrInvalid)
		}
		var ps [][]string
		for j, p := range r.Phrases {
			ws := words.Split(p)
			if len(ws) == 0 {
				return nil, fmt.Errorf("journey: topics[%d].phrases[%d] %q has no word: %w", i, j, p, ErrInvalid)
			}
			ps = append(ps, ws)
		}
		t.topics = append(t.topics, r.Topic)
		t.phrases = append(t.phrases, ps)
	}
	return t, nil
}

// Of returns the topic of text, or "" when no rule matches.
func (t *Topics) Of(text string) string {
	ws := words.Split(text)
	for i, ps := range t.phrases {
		for _, p := range ps {
			if words.ContainsRun(ws, p) {
				return t.topics[i]
			}
		}
	}
	return ""
}

// Loop holds the actions that close the loop with accounts. The zero value
// is an empty loop ready to use; it is safe for concurrent use. Every
// change is dated by the caller (time is a parameter), and dates in one
// action's history never go backwards.
type Loop struct {
	mu      sync.Mutex
	actions []Action
	byID    map[string]int
}

// Open adds an action. It needs an ID not used before, an account, a title,
// an owner and an opening time, and a due date not before it; a is taken as
// ActionOpen whatever its Status, with its opening as the first event.
func (l *Loop) Open(a Action, by string) (Action, error) {
	switch {
	case a.ID == "":
		return Action{}, fmt.Errorf("journey: action without an ID: %w", ErrInvalid)
	case a.Account == "" || a.Title == "" || a.Owner == "":
		return Action{}, fmt.Errorf("journey: action %q needs an account, a title and an owner: %w", a.ID, ErrInvalid)
	case a.Opened.IsZero():
		return Action{}, fmt.Errorf("journey: action %q has no opening time: %w", a.ID, ErrInvalid)
	case !a.Due.IsZero() && a.Due.Before(a.Opened):
		return Action{}, fmt.Errorf("journey: action %q is due before it opens: %w", a.ID, ErrInvalid)
	}
	a.Status = ActionOpen
	a.History = []ActionEvent{{At: a.Opened, Status: ActionOpen, By: by}}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byID == nil {
		l.byID = map[string]int{}
	}
	if _, dup := l.byID[a.ID]; dup {
		return Action{}, fmt.Errorf("journey: action %q: %w", a.ID, ErrDuplicate)
	}
	l.byID[a.ID] = len(l.actions)
	l.actions = append(l.actions, a)
	return clone(a), nil
}

// FromComment opens an action on a routed comment: owned by the comment's
// team, for its account, persona and stage, on the topic topics finds in
// its text (none if topics is nil), titled with the text, due within due of
// at (no due date if due is 0). Its ID is "comment:" and the comment's ID.
func (l *Loop) FromComment(c Comment, topics *Topics, at time.Time, due time.Duration) (Action, error) {
	a := Action{ID: "comment:" + c.ID, Account: c.Account, Persona: c.Persona, Stage: c.Stage,
		Title: c.Text, Owner: c.Team, Comment: c.ID, Opened: at}
	if topics != nil {
		a.Topic = topics.Of(c.Text)
	}
	if due > 0 {
		a.Due = at.Add(due)
	}
	return l.Open(a, "")
}

// FromGap opens an action on a gap of the journey for one account, owned
// by owner, due within due of at. Its ID is
// "gap:account/persona/stage", its topic the gap's kind.
func (l *Loop) FromGap(g Gap, account, owner string, at time.Time, due time.Duration) (Action, error) {
	ref := fmt.Sprintf("%s/%s: %s", g.Persona, g.Stage, g.Kind)
	a := Action{ID: fmt.Sprintf("gap:%s/%s/%s", account, g.Persona, g.Stage), Account: account, Persona: g.Persona,
		Stage: g.Stage, Topic: string(g.Kind), Title: "close the gap " + ref, Owner: owner, Gap: ref, Opened: at}
	if due > 0 {
		a.Due = at.Add(due)
	}
	return l.Open(a, "")
}

// Move records that the action moved to status at time at: open and
// in-progress actions may move anywhere; a shared one back to in-progress
// (the customer pushed back) or to done or dropped; a closed one only back
// to open. An unknown ID is ErrNotFound; a move not allowed, or dated
// before the action's last event, is ErrInvalid.
func (l *Loop) Move(id string, to ActionStatus, at time.Time, by, note string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	i, ok := l.byID[id]
	if !ok {
		return fmt.Errorf("journey: action %q: %w", id, ErrNotFound)
	}
	a := &l.actions[i]
	if !slices.Contains(moves[a.Status], to) {
		return fmt.Errorf("journey: action %q: %s to %q: %w", id, a.Status, to, ErrInvalid)
	}
	if last := a.History[len(a.History)-1].At; at.Before(last) {
		return fmt.Errorf("journey: action %q: moved at %s, before its last event at %s: %w",
			id, at.Format(time.RFC3339), last.Format(time.RFC3339), ErrInvalid)
	}
	a.Status = to
	a.History = append(a.History, ActionEvent{At: at, Status: to, By: by, Note: note})
	return nil
}

// Action returns the action with the given ID.
func (l *Loop) Action(id string) (Action, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i, ok := l.byID[id]
	if !ok {
		return Action{}, false
	}
	return clone(l.actions[i]), true
}

// Actions returns the account's actions (every account's for ""), oldest
// first, then by ID.
func (l *Loop) Actions(account string) []Action {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Action
	for _, a := range l.actions {
		if account == "" || a.Account == account {
			out = append(out, clone(a))
		}
	}
	slices.SortFunc(out, func(x, y Action) int { return cmp.Or(x.Opened.Compare(y.Opened), cmp.Compare(x.ID, y.ID)) })
	return out
}

// Overdue returns the actions open past their due date at t, most overdue
// first.
func (l *Loop) Overdue(t time.Time) []Action {
	var out []Action
	for _, a := range l.Actions("") {
		if a.Overdue(t) {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(x, y Action) int { return x.Due.Compare(y.Due) })
	return out
}

// Recurrence is a complaint that came back: a comment of the account on a
// topic after an action on that topic was done.
type Recurrence struct {
	Account string    `json:"account"`
	Topic   string    `json:"topic"`
	Action  string    `json:"action"`  // the action done before it
	Comment string    `json:"comment"` // the comment that came back
	Done    time.Time `json:"done"`
	At      time.Time `json:"at"`
}

// Recurrences finds the comments that raise again, in the same account, a
// topic (by topics) that an action had closed as done before the comment:
// the fix did not hold, or was not the one wanted. They come in comment
// time order; a comment recurs at most once, against the latest such
// action.
func (l *Loop) Recurrences(comments []Comment, topics *Topics) []Recurrence {
	actions := l.Actions("")
	var out []Recurrence
	for _, c := range comments {
		topic := topics.Of(c.Text)
		if topic == "" {
			continue
		}
		var latest *Action
		for i := range actions {
			a := &actions[i]
			if a.Account == c.Account && a.Topic == topic && a.Status == ActionDone && a.Closed().Before(c.At) &&
				a.Comment != c.ID && (latest == nil || a.Closed().After(latest.Closed())) {
				latest = a
			}
		}
		if latest != nil {
			out = append(out, Recurrence{Account: c.Account, Topic: topic, Action: latest.ID, Comment: c.ID, Done: latest.Closed(), At: c.At})
		}
	}
	slices.SortStableFunc(out, func(x, y Recurrence) int { return x.At.Compare(y.At) })
	return out
}

// LoopSummary is where an account's loop stands at a time, for the
// meeting before its renewal.
type LoopSummary struct {
	Account string    `json:"account"`
	At      time.Time `json:"at"`
	// Open counts the actions not closed (open, in progress or shared), of
	// which Shared were shared with the customer and Overdue are past due.
	Open, Shared, Overdue int
	Done, Dropped         int
	// OldestOpen is the age of the oldest action not closed.
	OldestOpen time.Duration
	// Recurrences are the account's complaints that came back.
	Recurrences []Recurrence
	// Pending lists the actions not closed, most overdue first.
	Pending []Action
}

// Summary returns where the account's loop stands at t, with the
// recurrences among comments (found with topics; none if topics is nil).
func (l *Loop) Summary(account string, t time.Time, comments []Comment, topics *Topics) LoopSummary {
	s := LoopSummary{Account: account, At: t}
	for _, a := range l.Actions(account) {
		switch a.Status {
		case ActionDone:
			s.Done++
			continue
		case ActionDropped:
			s.Dropped++
			continue
		case ActionShared:
			s.Shared++
		}
		s.Open++
		s.OldestOpen = max(s.OldestOpen, a.Age(t))
		if a.Overdue(t) {
			s.Overdue++
		}
		s.Pending = append(s.Pending, a)
	}
	slices.SortStableFunc(s.Pending, func(x, y Action) int {
		return cmp.Or(cmp.Compare(dueOrNever(y, t), dueOrNever(x, t)), x.Opened.Compare(y.Opened))
	})
	if topics != nil {
		for _, r := range l.Recurrences(comments, topics) {
			if r.Account == account {
				s.Recurrences = append(s.Recurrences, r)
			}
		}
	}
	return s
}

// dueOrNever is how far past due a is at t, negative before it, and the
// lowest value for no due date.
func dueOrNever(a Action, t time.Time) time.Duration {
	if a.Due.IsZero() {
		return time.Duration(-1 << 63)
	}
	return t.Sub(a.Due)
}

// String writes the summary as a few lines, e.g.
//
//	acme at 2026-06-01: 3 open (1 shared with the customer, 1 overdue), 4 done, 0 dropped; oldest open 41 days
//	  overdue 12 days  comment:c9  support  "export is too slow"
//	  recurring: performance (done 2026-04-02, raised again 2026-05-10)
func (s LoopSummary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s at %s: %d open (%d shared with the customer, %d overdue), %d done, %d dropped",
		s.Account, s.At.Format(time.DateOnly), s.Open, s.Shared, s.Overdue, s.Done, s.Dropped)
	if s.Open > 0 {
		fmt.Fprintf(&b, "; oldest open %.0f days", s.OldestOpen.Hours()/24)
	}
	b.WriteByte('\n')
	for _, a := range s.Pending {
		state := string(a.Status)
		if a.Overdue(s.At) {
			state = fmt.Sprintf("overdue %.0f days", s.At.Sub(a.Due).Hours()/24)
		}
		fmt.Fprintf(&b, "  %-16s %s  %s  %q\n", state, a.ID, a.Owner, a.Title)
	}
	for _, r := range s.Recurrences {
		fmt.Fprintf(&b, "  recurring: %s (done %s, raised again %s)\n", r.Topic, r.Done.Format(time.DateOnly), r.At.Format(time.DateOnly))
	}
	return b.String()
}

func clone(a Action) Action {
	a.History = slices.Clone(a.History)
	return a
}
