package journey_test

import (
	"fmt"

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
