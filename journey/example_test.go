package journey_test

import (
	"fmt"
	"time"

	"github.com/villagecx/village/journey"
	"github.com/villagecx/village/persona"
)

func ExampleJourney_Build() {
	j, err := newTestJourney()
	if err != nil {
		fmt.Println(err)
		return
	}
	m := j.Build(testAccounts(), testInteractions(), at)
	c, _ := m.Cell(persona.EndUser, "onboard")
	fmt.Printf("end users at onboarding: %d interactions from %d people, sentiment %.0f\n", c.Count, c.Contacts, c.Sentiment)
	for _, vis := range m.Path("acme", persona.LineOfBusiness) {
		fmt.Printf("dana: %s (%d)\n", vis.Stage, vis.Count)
	}
	g := m.Gaps()[0]
	fmt.Printf("first gap: %s at %s, %s\n", g.Persona, g.Stage, g.Kind)
	for _, team := range m.Comments().Teams() {
		fmt.Println("inbox:", team)
	}
	fmt.Println("rejected:", len(m.Rejections()))
	// Output:
	// end users at onboarding: 3 interactions from 2 people, sentiment 75
	// dana: evaluate (1)
	// dana: adopt (1)
	// dana: evaluate (1)
	// first gap: lob-exec at purchase, no touchpoint designed
	// inbox: account-exec
	// inbox: enablement
	// inbox: onboarding
	// rejected: 7
}

func ExampleCompoundConsistency() {
	fmt.Printf("%.3f\n", journey.CompoundConsistency(0.95, 6))
	// Output: 0.735
}

// Closing the loop: a complaint becomes an action owned by the team that
// can act, the fix is shared with the customer, and before the renewal the
// account's summary shows what is still open and what came back.
func ExampleLoop_Summary() {
	topics, _ := journey.NewTopics([]journey.TopicRule{{Topic: "performance", Phrases: []string{"too slow", "timeout"}}})
	day := 24 * time.Hour
	start := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	slow := journey.Comment{ID: "c1", Account: "acme", Persona: persona.EndUser, Team: "support", At: start, Text: "Exports are too slow"}

	var loop journey.Loop
	loop.FromComment(slow, topics, start, 14*day)
	loop.Move("comment:c1", journey.ActionShared, start.Add(9*day), "sam", "new index; told the user")
	loop.Move("comment:c1", journey.ActionDone, start.Add(12*day), "sam", "user confirmed")
	loop.Open(journey.Action{ID: "qbr", Account: "acme", Persona: persona.FinanceExecutive, Title: "ROI review with the CFO",
		Owner: "csm", Opened: start, Due: start.Add(30 * day)}, "ana")

	again := journey.Comment{ID: "c2", Account: "acme", Team: "support", At: start.Add(40 * day), Text: "timeout on big exports"}
	fmt.Print(loop.Summary("acme", start.Add(45*day), []journey.Comment{slow, again}, topics))
	// Output:
	// acme at 2026-05-16: 1 open (0 shared with the customer, 1 overdue), 1 done, 0 dropped; oldest open 45 days
	//   overdue 15 days  qbr  csm  "ROI review with the CFO"
	//   recurring: performance (done 2026-04-13, raised again 2026-05-11)
}
