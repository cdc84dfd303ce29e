package journey_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/villagecx/village/journey"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

func day(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }

var at = day(6, 1)

func v(x float64) *float64 { return &x }

func testJourney(t testing.TB) *journey.Journey {
	t.Helper()
	j, err := newTestJourney()
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// newTestJourney is a small B2B journey: a demo, a contract, a kickoff, a
// training, support tickets, QBRs and a renewal review, nothing to expand.
func newTestJourney() (*journey.Journey, error) {
	csat := func(id, stage, team string, personas ...persona.ID) journey.Touchpoint {
		return journey.Touchpoint{ID: id, Stage: stage, Team: team, Personas: personas, Metric: "csat", Min: 1, Max: 5}
	}
	j, err := journey.New(journey.Config{
		Stages: journey.DefaultStages(),
		Touchpoints: []journey.Touchpoint{
			csat("demo", "evaluate", "sales", persona.LineOfBusiness, persona.CIO),
			{ID: "contract", Stage: "purchase", Team: "legal", Personas: []persona.ID{persona.FinanceExecutive, persona.Procurement}},
			csat("kickoff", "onboard", "onboarding"),
			csat("training", "onboard", "enablement", persona.EndUser, persona.TechnicalExpert),
			csat("ticket", "adopt", "support"),
			{ID: "qbr", Stage: "adopt", Team: "cs", Personas: []persona.ID{persona.LineOfBusiness, persona.DepartmentManager}, Metric: "nps", Min: 0, Max: 10},
			{ID: "renewal-review", Stage: "renew", Personas: []persona.ID{persona.LineOfBusiness, persona.FinanceExecutive}, Metric: "nps", Min: 0, Max: 10},
		},
		Fallback: map[persona.ID]map[string]string{persona.FinanceExecutive: {"renew": "account-exec"}},
	}, persona.B2B())
	return j, err
}

func testAccounts() []persona.Account {
	return []persona.Account{
		{ID: "acme", Renewal: day(7, 15), Contacts: []persona.Contact{
			{ID: "dana", Persona: persona.LineOfBusiness}, {ID: "gus", Persona: persona.FinanceExecutive},
			{ID: "eli", Persona: persona.EndUser}, {ID: "fay", Persona: persona.EndUser},
			{ID: "ian", Persona: persona.TechnicalExpert}, {ID: "new", Persona: persona.EndUser, Joined: day(5, 1)},
			{ID: "nora", Persona: persona.LineOfBusiness, Joined: day(5, 10)},
		}},
		{ID: "beta", Contacts: []persona.Contact{{ID: "bo", Persona: persona.EndUser}}},
	}
}

func testInteractions() []journey.Interaction {
	return []journey.Interaction{
		{ID: "i1", Account: "acme", Contact: "dana", Touchpoint: "demo", At: day(1, 10), Value: v(4)},
		{ID: "i2", Account: "acme", Contact: "gus", Touchpoint: "contract", At: day(2, 1)},
		{ID: "i3", Account: "acme", Contact: "eli", Touchpoint: "kickoff", At: day(3, 1), Value: v(5), Comment: "Great kickoff, but the SSO docs are outdated"},
		{ID: "i4", Account: "acme", Contact: "fay", Touchpoint: "kickoff", At: day(3, 1), Value: v(3)},
		{ID: "i5", Account: "acme", Contact: "eli", Touchpoint: "training", At: day(3, 10), Value: v(4), Comment: "<b>trainer</b> rushed & skipped the API"},
		{ID: "i6", Account: "acme", Contact: "eli", Touchpoint: "ticket", At: day(4, 1), Value: v(4)},
		{ID: "i7", Account: "acme", Contact: "eli", Touchpoint: "ticket", At: day(4, 15), Value: v(5)},
		{ID: "i8", Account: "acme", Contact: "dana", Touchpoint: "qbr", At: day(5, 1), Value: v(6)},
		{ID: "i9", Account: "acme", Contact: "dana", Touchpoint: "demo", At: day(5, 20), Value: v(3)},
		{ID: "i15", Account: "acme", Contact: "gus", Touchpoint: "renewal-review", At: day(5, 25), Comment: "Budget is frozen until Q3"},
		{ID: "i16", Account: "acme", Contact: "ian", Touchpoint: "ticket", At: day(5, 2), Value: v(1)},
		{ID: "b1", Account: "beta", Contact: "bo", Touchpoint: "ticket", At: day(3, 25), Value: v(5)},
		// Rejected, each for its own reason:
		{ID: "i10", Account: "acme", Contact: "eli", Touchpoint: "webinar", At: day(3, 1)},
		{ID: "i11", Account: "acme", Contact: "zed", Touchpoint: "ticket", At: day(3, 1)},
		{ID: "i12", Account: "acme", Contact: "eli", Touchpoint: "ticket", At: day(6, 2)},
		{ID: "i3", Account: "acme", Contact: "eli", Touchpoint: "ticket", At: day(3, 2)},
		{ID: "i13", Account: "acme", Contact: "eli", Touchpoint: "kickoff", At: day(3, 3), Value: v(7)},
		{ID: "i14", Account: "acme", Contact: "new", Touchpoint: "ticket", At: day(4, 1)},
		{ID: "i17", Account: "nowhere", Contact: "eli", Touchpoint: "ticket", At: day(4, 1)},
	}
}

func TestMapCellsPathsAndRejections(t *testing.T) {
	m := testJourney(t).Build(testAccounts(), testInteractions(), at)
	// End users at onboarding: eli kickoff 5 -> 100, fay kickoff 3 -> 50,
	// eli training 4 -> 75 on 1..5: three interactions, two people, mean 75.
	c, err := m.Cell(persona.EndUser, "onboard")
	if err != nil {
		t.Fatal(err)
	}
	want := journey.Cell{Count: 3, Contacts: 2, Scored: 3, Sentiment: 75, Last: day(3, 10), Designed: true}
	if d := cmp.Diff(want, c); d != "" {
		t.Errorf("end-user x onboard (-want +got):\n%s", d)
	}
	if m.Accepted() != 12 {
		t.Errorf("accepted %d, want 12", m.Accepted())
	}
	var reasons []string
	for _, r := range m.Rejections() {
		reasons = append(reasons, r.Interaction.ID+": "+r.Reason)
	}
	for _, want := range []string{
		`i10: unknown touchpoint "webinar"`,
		`i11: contact "zed" is not in account "acme"`,
		"i12: dated 2026-06-02",
		`i3: duplicate interaction ID "i3"`,
		"i13: value 7 is off touchpoint",
		`i14: dated 2026-04-01T00:00:00Z, before contact "new" joined`,
		`i17: unknown account "nowhere"`,
	} {
		if !slicesContainsPrefix(reasons, want) {
			t.Errorf("no rejection %q in %q", want, reasons)
		}
	}
	if len(reasons) != 7 {
		t.Errorf("%d rejections, want 7: %q", len(reasons), reasons)
	}
	// dana evaluates, adopts, then evaluates again: the snake.
	var stages []string
	for _, vis := range m.Path("acme", persona.LineOfBusiness) {
		stages = append(stages, vis.Stage)
	}
	if d := cmp.Diff([]string{"evaluate", "adopt", "evaluate"}, stages); d != "" {
		t.Errorf("dana's path (-want +got):\n%s", d)
	}
	if p := m.Path("acme", persona.EndUser); len(p) != 2 || p[0].Count != 3 || p[1].Count != 2 {
		t.Errorf("end users' path = %+v", p)
	}
	if _, err := m.Cell("wizard", "onboard"); !errors.Is(err, journey.ErrUnknownPersona) {
		t.Errorf("unknown persona: %v", err)
	}
	if _, err := m.Cell(persona.EndUser, "party"); !errors.Is(err, journey.ErrUnknownStage) {
		t.Errorf("unknown stage: %v", err)
	}
}

func slicesContainsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func TestGapsRankedByPersonaWeight(t *testing.T) {
	m := testJourney(t).Build(testAccounts(), testInteractions(), at)
	gaps := m.Gaps()
	// The line-of-business executive weighs most (0.225): their gaps come
	// first, in stage order. purchase and expand have no touchpoint for them;
	// onboard (kickoff) and renew (renewal review) are designed but unused.
	var first []string
	for _, g := range gaps[:4] {
		first = append(first, string(g.Persona)+"/"+g.Stage+"/"+string(g.Kind))
	}
	want := []string{
		"lob-exec/purchase/no touchpoint designed",
		"lob-exec/onboard/no interaction",
		"lob-exec/renew/no interaction",
		"lob-exec/expand/no touchpoint designed",
	}
	if d := cmp.Diff(want, first); d != "" {
		t.Errorf("first gaps (-want +got):\n%s", d)
	}
	// ian's ticket scored 1 of 1..5 -> 0: a low-sentiment gap.
	found := false
	for _, g := range gaps {
		if g.Persona == persona.TechnicalExpert && g.Stage == "adopt" {
			found = g.Kind == journey.GapLowSentiment && g.Cell.Sentiment == 0
		}
		if g.Persona == persona.EndUser && g.Stage == "adopt" {
			t.Errorf("end users at adopt (87.5) are no gap: %+v", g)
		}
	}
	if !found {
		t.Error("no low-sentiment gap for tech-expert x adopt")
	}
}

// End users at onboarding met two touchpoints: kickoff (eli 100 good, fay 50
// not, at GoodAt 60: 1/2) and training (75: 1/1). The chance of a good
// experience at both is 1/2 * 1 = 0.5. Compounding: 0.95^6 = 0.7351.
// With a window of 30 days, dana's demo (May 20) is recent but the end
// users' onboarding (March) has gone quiet.
func TestGapsWithAWindow(t *testing.T) {
	j, err := journey.New(journey.Config{Stages: journey.DefaultStages(), Touchpoints: []journey.Touchpoint{
		{ID: "demo", Stage: "evaluate", Team: "sales"}, {ID: "kickoff", Stage: "onboard", Team: "onboarding"},
	}, Window: scoring.Duration(30 * 24 * time.Hour)}, persona.B2B())
	if err != nil {
		t.Fatal(err)
	}
	m := j.Build(testAccounts(), []journey.Interaction{
		{ID: "a", Account: "acme", Contact: "dana", Touchpoint: "demo", At: day(5, 20)},
		{ID: "b", Account: "acme", Contact: "eli", Touchpoint: "kickoff", At: day(3, 1)},
	}, at)
	quiet := map[string]bool{}
	for _, g := range m.Gaps() {
		if g.Kind == journey.GapNoInteraction {
			quiet[string(g.Persona)+"/"+g.Stage] = true
		}
	}
	if quiet["lob-exec/evaluate"] || !quiet["end-user/onboard"] {
		t.Errorf("quiet cells = %v; want end-user/onboard and not lob-exec/evaluate", quiet)
	}
}

func TestConsistency(t *testing.T) {
	m := testJourney(t).Build(testAccounts(), testInteractions(), at)
	if c, ok := m.Consistency(persona.EndUser, "onboard"); !ok || c != 0.5 {
		t.Errorf("consistency = %v, %v; want 0.5", c, ok)
	}
	if _, ok := m.Consistency(persona.Security, "onboard"); ok {
		t.Error("consistency of a cell with nothing scored")
	}
	if c := journey.CompoundConsistency(0.95, 6); math.Abs(c-0.735) > 5e-4 {
		t.Errorf("0.95^6 = %v, want 0.735", c)
	}
}

// acme started on March 1 and first used support on April 1: 31 days. beta
// started on March 15 and used it on March 25: 10 days. gamma has not yet.
// The median of 10 and 31 is 20.5.
func TestTimeToValue(t *testing.T) {
	m := testJourney(t).Build(testAccounts(), testInteractions(), at)
	ttv, err := m.TimeToValue(map[string]time.Time{"acme": day(3, 1), "beta": day(3, 15), "gamma": day(4, 1)}, "ticket")
	if err != nil {
		t.Fatal(err)
	}
	if ttv.PerAccount["acme"] != 31*24*time.Hour || ttv.PerAccount["beta"] != 10*24*time.Hour || ttv.MedianDays != 20.5 {
		t.Errorf("time to value = %+v", ttv)
	}
	if d := cmp.Diff([]string{"gamma"}, ttv.Waiting); d != "" {
		t.Errorf("waiting (-want +got):\n%s", d)
	}
	if _, err := m.TimeToValue(nil, "nope"); !errors.Is(err, journey.ErrNotFound) {
		t.Errorf("unknown milestone: %v", err)
	}
}

func TestCommentsAreRoutedVerbatim(t *testing.T) {
	m := testJourney(t).Build(testAccounts(), testInteractions(), at)
	inbox := m.Comments()
	if d := cmp.Diff([]string{"account-exec", "enablement", "onboarding"}, inbox.Teams()); d != "" {
		t.Errorf("teams (-want +got):\n%s", d)
	}
	en := inbox.For("enablement")
	if len(en) != 1 || en[0].Text != "<b>trainer</b> rushed & skipped the API" || en[0].Persona != persona.EndUser {
		t.Errorf("enablement inbox = %+v", en)
	}
	// No team on the renewal review: the finance executive's fallback at renew.
	if ae := inbox.For("account-exec"); len(ae) != 1 || ae[0].Text != "Budget is frozen until Q3" {
		t.Errorf("account-exec inbox = %+v", ae)
	}
	if err := inbox.SetStatus("i5", journey.Acknowledged, "booked a follow-up session"); err != nil {
		t.Fatal(err)
	}
	if total, open := inbox.Len(); total != 3 || open != 2 {
		t.Errorf("total %d, open %d; want 3 and 2", total, open)
	}
	if err := inbox.SetStatus("nope", journey.Resolved, ""); !errors.Is(err, journey.ErrNotFound) {
		t.Errorf("unknown comment: %v", err)
	}
	if err := inbox.SetStatus("i5", "lost", ""); !errors.Is(err, journey.ErrInvalid) {
		t.Errorf("unknown status: %v", err)
	}
}

func TestSignalsFeedScoring(t *testing.T) {
	m := testJourney(t).Build(testAccounts(), testInteractions(), at)
	sigs := m.Signals()
	// Ten scored interactions were accepted: i1, i3-i9, i16, b1.
	if len(sigs) != 10 {
		t.Fatalf("%d signals, want 10", len(sigs))
	}
	cat := persona.B2B()
	s, err := scoring.Compile(scoring.DefaultModel(cat), cat)
	if err != nil {
		t.Fatal(err)
	}
	var acme []scoring.Signal
	for _, sg := range sigs {
		if sg.Account == "acme" {
			acme = append(acme, sg)
		}
		if !strings.HasPrefix(sg.Source, "journey/") {
			t.Errorf("source %q", sg.Source)
		}
	}
	r, err := s.Score(testAccounts()[0], acme, at)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Scored || len(r.Dropped) != 0 || r.SignalsUsed != len(acme) {
		t.Errorf("journey signals did not score cleanly: %v", r)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cfg := journey.Config{
		Stages: []journey.Stage{{ID: "a"}, {ID: "a"}, {ID: ""}},
		Touchpoints: []journey.Touchpoint{
			{ID: "t", Stage: "zz"},
			{ID: "t", Stage: "a", Personas: []persona.ID{"wizard"}},
			{ID: "u", Stage: "a", Metric: "csat", Min: 5, Max: 1},
		},
		Fallback: map[persona.ID]map[string]string{"ghost": {"qq": "team"}},
		GoodAt:   200,
	}
	_, err := journey.New(cfg, persona.B2B())
	for _, want := range []error{journey.ErrDuplicate, journey.ErrInvalid, journey.ErrUnknownStage, journey.ErrUnknownPersona} {
		if !errors.Is(err, want) {
			t.Errorf("error does not report %v:\n%v", want, err)
		}
	}
	if _, err := journey.New(journey.Config{}, persona.B2B()); !errors.Is(err, journey.ErrInvalid) {
		t.Errorf("no stages: %v", err)
	}
	if j, err := journey.New(journey.Config{Stages: journey.LAERStages()}, persona.B2B()); err != nil || len(j.Stages()) != 4 {
		t.Errorf("LAER journey: %v", err)
	}
}

func TestExpectationsAndTriggers(t *testing.T) {
	accounts := testAccounts()
	// nora, a line-of-business executive, joined acme on May 10; acme renews
	// on July 15, within 60 days of June 1.
	triggers := journey.DetectTriggers(accounts, persona.B2B(), day(5, 1), at, 60*24*time.Hour,
		map[journey.TriggerKind]string{journey.NewExecutive: "re-sell", journey.RenewalWindow: "renewal"})
	if len(triggers) != 2 || triggers[0].Kind != journey.NewExecutive || triggers[1].Kind != journey.RenewalWindow {
		t.Fatalf("triggers = %+v", triggers)
	}
	sets := []journey.ExpectationSet{
		{ID: "growth", Jobs: []persona.Job{{ID: "j1", Persona: persona.LineOfBusiness, Statement: "grow pipeline", Importance: 9, Satisfaction: 4}}},
		{ID: "re-sell"}, {ID: "renewal"},
	}
	e, err := journey.NewExpectations(sets, map[string]string{"acme": "growth", "beta": "growth"}, triggers)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		want string
	}{{day(5, 9), "growth"}, {day(5, 10), "re-sell"}, {at, "renewal"}} {
		if s, ok := e.Active("acme", c.at); !ok || s.ID != c.want {
			t.Errorf("active on %v = %q, want %q", c.at, s.ID, c.want)
		}
	}
	changes := e.Changed(day(5, 1), at)
	if len(changes) != 1 || changes[0].Account != "acme" || changes[0].From != "growth" || changes[0].To != "renewal" {
		t.Errorf("changes = %+v", changes)
	}
	if _, err := journey.NewExpectations(sets, map[string]string{"acme": "nope"}, nil); !errors.Is(err, journey.ErrNotFound) {
		t.Errorf("unknown initial set: %v", err)
	}
	if _, err := journey.NewExpectations(append(sets, sets[0]), nil, nil); !errors.Is(err, journey.ErrDuplicate) {
		t.Errorf("duplicate set: %v", err)
	}
}
