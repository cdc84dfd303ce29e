package journey_test

import (
	"errors"
	"testing"
	"time"

	"github.com/villagecx/village/journey"
	"github.com/villagecx/village/persona"
)

var (
	apr1 = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	days = func(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
)

func topics(t *testing.T) *journey.Topics {
	t.Helper()
	tp, err := journey.NewTopics([]journey.TopicRule{
		{Topic: "performance", Phrases: []string{"too slow", "timeout", "lag"}},
		{Topic: "billing", Phrases: []string{"invoice", "overcharged"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func TestTopics(t *testing.T) {
	tp := topics(t)
	for text, want := range map[string]string{
		"Export is WAY too slow!":        "performance",
		"we were overcharged, again":     "billing",
		"the invoice shows a time-out":   "billing", // "time-out" is two words, not the phrase "timeout"
		"it loads too slowly":            "",
		"great product, flagging a typo": "",
	} {
		if got := tp.Of(text); got != want {
			t.Errorf("Of(%q) = %q, want %q", text, got, want)
		}
	}
	if _, err := journey.NewTopics([]journey.TopicRule{{Topic: "x", Phrases: []string{"!!"}}}); !errors.Is(err, journey.ErrInvalid) {
		t.Errorf("a phrase with no word: %v", err)
	}
	if _, err := journey.NewTopics([]journey.TopicRule{{Phrases: []string{"slow"}}}); !errors.Is(err, journey.ErrInvalid) {
		t.Errorf("a rule without a topic: %v", err)
	}
}

func TestLoopMovesAndRejects(t *testing.T) {
	var l journey.Loop
	a, err := l.Open(journey.Action{ID: "a1", Account: "acme", Title: "call the CFO", Owner: "csm", Opened: apr1, Due: apr1.Add(days(14))}, "ana")
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != journey.ActionOpen || len(a.History) != 1 {
		t.Fatalf("opened: %+v", a)
	}
	steps := []struct {
		to   journey.ActionStatus
		at   time.Time
		want error
	}{
		{journey.ActionInProgress, apr1.Add(days(1)), nil},
		{journey.ActionShared, apr1.Add(days(5)), nil},
		{journey.ActionOpen, apr1.Add(days(6)), journey.ErrInvalid}, // shared goes back to in-progress, not open
		{journey.ActionInProgress, apr1.Add(days(6)), nil},          // the customer pushed back
		{journey.ActionDone, apr1.Add(days(3)), journey.ErrInvalid}, // before the last event
		{journey.ActionDone, apr1.Add(days(9)), nil},
		{journey.ActionShared, apr1.Add(days(10)), journey.ErrInvalid}, // closed: only reopening
		{"lost", apr1.Add(days(10)), journey.ErrInvalid},
	}
	for i, s := range steps {
		if err := l.Move("a1", s.to, s.at, "ana", ""); !errors.Is(err, s.want) || (s.want == nil) != (err == nil) {
			t.Errorf("step %d to %s: %v, want %v", i, s.to, err, s.want)
		}
	}
	if err := l.Move("nope", journey.ActionDone, apr1, "", ""); !errors.Is(err, journey.ErrNotFound) {
		t.Errorf("unknown action: %v", err)
	}
	got, _ := l.Action("a1")
	if got.Status != journey.ActionDone || len(got.History) != 5 || !got.Closed().Equal(apr1.Add(days(9))) {
		t.Errorf("after the moves: %+v", got)
	}
	if age := got.Age(apr1.Add(days(30))); age != days(9) {
		t.Errorf("age of a closed action = %v, want 9 days (open to closed)", age)
	}
	got.History[0].Note = "changed by the caller"
	if again, _ := l.Action("a1"); again.History[0].Note != "" {
		t.Error("Action returned history shared with the loop")
	}

	for _, bad := range []journey.Action{
		{Account: "acme", Title: "x", Owner: "o", Opened: apr1},
		{ID: "b", Title: "x", Owner: "o", Opened: apr1},
		{ID: "b", Account: "acme", Title: "x", Owner: "o"},
		{ID: "b", Account: "acme", Title: "x", Owner: "o", Opened: apr1, Due: apr1.Add(-time.Hour)},
	} {
		if _, err := l.Open(bad, ""); !errors.Is(err, journey.ErrInvalid) {
			t.Errorf("Open(%+v) = %v", bad, err)
		}
	}
	if _, err := l.Open(journey.Action{ID: "a1", Account: "acme", Title: "x", Owner: "o", Opened: apr1}, ""); !errors.Is(err, journey.ErrDuplicate) {
		t.Errorf("a second a1: %v", err)
	}
}

// The account's summary before renewal, computed by hand: three actions
// open on May 20 (one shared with the customer, one 6 days overdue since
// its due date of May 14), one done, one dropped; the oldest open one is
// 49 days old (April 1); the performance complaint closed on April 20 came
// back on May 10.
func TestLoopSummary(t *testing.T) {
	tp := topics(t)
	var l journey.Loop
	slow := journey.Comment{ID: "c1", Account: "acme", Persona: persona.EndUser, Stage: "adopt", Team: "support", At: apr1, Text: "Export is too slow"}
	if _, err := l.FromComment(slow, tp, apr1, days(14)); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(l.Move("comment:c1", journey.ActionDone, apr1.Add(days(19)), "sam", "index added"))
	gap := journey.Gap{Persona: persona.FinanceExecutive, Stage: "renew", Kind: journey.GapNoInteraction}
	a, err := l.FromGap(gap, "acme", "csm", apr1, 0)
	must(err)
	if a.ID != "gap:acme/finance-exec/renew" || a.Topic != string(journey.GapNoInteraction) || a.Persona != persona.FinanceExecutive {
		t.Errorf("gap action %+v", a)
	}
	bill := journey.Comment{ID: "c2", Account: "acme", Team: "finance", At: apr1.Add(days(30)), Text: "overcharged on the last invoice"}
	_, err = l.FromComment(bill, tp, bill.At, days(13)) // due May 14
	must(err)
	_, err = l.Open(journey.Action{ID: "share", Account: "acme", Title: "roadmap review", Owner: "pm", Opened: apr1.Add(days(10))}, "")
	must(err)
	must(l.Move("share", journey.ActionShared, apr1.Add(days(20)), "pm", "sent to the sponsor"))
	_, err = l.Open(journey.Action{ID: "drop", Account: "acme", Title: "SSO for contractors", Owner: "pm", Opened: apr1}, "")
	must(err)
	must(l.Move("drop", journey.ActionDropped, apr1.Add(days(2)), "pm", "not on the roadmap"))
	_, err = l.Open(journey.Action{ID: "other", Account: "beta", Title: "x", Owner: "csm", Opened: apr1}, "")
	must(err)

	again := journey.Comment{ID: "c3", Account: "acme", Team: "support", At: apr1.Add(days(39)), Text: "timeout on export again"}
	elsewhere := journey.Comment{ID: "c4", Account: "beta", Team: "support", At: apr1.Add(days(39)), Text: "too slow"}
	may20 := apr1.Add(days(49))
	s := l.Summary("acme", may20, []journey.Comment{slow, bill, again, elsewhere}, tp)
	if s.Open != 3 || s.Shared != 1 || s.Overdue != 1 || s.Done != 1 || s.Dropped != 1 || s.OldestOpen != days(49) {
		t.Errorf("summary counts: %+v", s)
	}
	if len(s.Recurrences) != 1 || s.Recurrences[0].Comment != "c3" || s.Recurrences[0].Action != "comment:c1" || s.Recurrences[0].Topic != "performance" {
		t.Errorf("recurrences: %+v", s.Recurrences)
	}
	if len(s.Pending) != 3 || s.Pending[0].ID != "comment:c2" {
		t.Errorf("pending, most overdue first: %+v", s.Pending)
	}
	want := `acme at 2026-05-20: 3 open (1 shared with the customer, 1 overdue), 1 done, 1 dropped; oldest open 49 days
  overdue 6 days   comment:c2  finance  "overcharged on the last invoice"
  open             gap:acme/finance-exec/renew  csm  "close the gap finance-exec/renew: no interaction"
  shared           share  pm  "roadmap review"
  recurring: performance (done 2026-04-20, raised again 2026-05-10)
`
	if got := s.String(); got != want {
		t.Errorf("String():\n%s\nwant:\n%s", got, want)
	}
	if od := l.Overdue(may20); len(od) != 1 || od[0].ID != "comment:c2" {
		t.Errorf("Overdue = %+v", od)
	}
	if n := len(l.Actions("")); n != 6 {
		t.Errorf("%d actions in all, want 6", n)
	}
}

// A Loop is safe for concurrent use (run with -race).
func TestLoopConcurrent(t *testing.T) {
	var l journey.Loop
	done := make(chan bool)
	for g := range 4 {
		go func() {
			for i := range 50 {
				id := string(rune('a'+g)) + "-" + time.Duration(i).String()
				if _, err := l.Open(journey.Action{ID: id, Account: "acme", Title: "x", Owner: "o", Opened: apr1}, ""); err != nil {
					t.Error(err)
				}
				if err := l.Move(id, journey.ActionDone, apr1, "", ""); err != nil {
					t.Error(err)
				}
				l.Summary("acme", apr1, nil, nil)
			}
			done <- true
		}()
	}
	for range 4 {
		<-done
	}
	if s := l.Summary("acme", apr1, nil, nil); s.Done != 200 {
		t.Errorf("%d done, want 200", s.Done)
	}
}
