package persona_test

import (
	"fmt"
	"time"

	"github.com/villagecx/village/persona"
)

func ExampleNewCatalog() {
	cat, err := persona.NewCatalog(
		[]persona.Group{
			{ID: "decision", Weight: 2},
			{ID: "use", Weight: 1},
		},
		[]persona.Persona{
			{ID: "clinic-director", Group: "decision", Weight: 1, Role: persona.RoleDecider, Veto: true},
			{ID: "nurse", Group: "use", Weight: 3, Role: persona.RoleUser},
			{ID: "receptionist", Group: "use", Weight: 1, Role: persona.RoleUser},
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, p := range cat.Personas() {
		fmt.Printf("%-16s %-8s weight in account %.3f\n", p.ID, p.Group, cat.EffectiveWeight(i)/cat.TotalWeight())
	}

	// Every problem is reported at once.
	_, err = persona.NewCatalog([]persona.Group{{ID: "use", Weight: 1}},
		[]persona.Persona{{ID: "nurse", Group: "use"}, {ID: "nurse", Group: "ward"}})
	fmt.Println(err)
	// Output:
	// clinic-director  decision weight in account 0.667
	// nurse            use      weight in account 0.250
	// receptionist     use      weight in account 0.083
	// persona: personas[1].id "nurse": duplicate ID
	// persona: personas[1].group "ward": unknown group
}

func ExampleCoverageAt() {
	cat := persona.B2B()
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{
		{ID: "dana", Persona: persona.LineOfBusiness},
		{ID: "eli", Persona: persona.EndUser},
		{ID: "fay", Persona: persona.EndUser},
		{ID: "gus", Persona: persona.FinanceExecutive, Left: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
	}}
	fmt.Print(persona.CoverageAt(&acct, cat, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)))
	// Output:
	// account acme at 2026-06-01: 33% of the village's weight reachable
	//   present: lob-exec (1), end-user (2)
	//   missing: finance-exec, procurement, dept-manager, champion, cio, tech-expert, security
	//   single-threaded: lob-exec
}

func ExampleOpportunity() {
	// 270 respondents: 200 rate the outcome important (4 or 5 of 5), 75 are satisfied.
	importance, _ := persona.TopBoxScore(200, 270)
	satisfaction, _ := persona.TopBoxScore(75, 270)
	opp, _ := persona.Opportunity(importance, satisfaction)
	fmt.Printf("importance %.1f, satisfaction %.1f, opportunity %.1f\n", importance, satisfaction, opp)
	// Output: importance 7.4, satisfaction 2.8, opportunity 12.0
}

func ExampleTitleMapper_Map() {
	m, err := persona.NewTitleMapper(persona.B2BTitleRules(), persona.B2B())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, title := range []string{"VP Finance", "Senior DevOps Engineer", "Receptionist"} {
		id, matched := m.Map(title)
		if id == persona.Unmapped {
			id = "(unmapped)"
		}
		fmt.Printf("%-22s -> %-12s matched by a rule: %v\n", title, id, matched)
	}
	// Output:
	// VP Finance             -> finance-exec matched by a rule: true
	// Senior DevOps Engineer -> tech-expert  matched by a rule: true
	// Receptionist           -> (unmapped)   matched by a rule: false
}

func ExampleFitProfile_Fit() {
	icp := persona.FitProfile{
		Rules: []persona.FitRule{
			{Trait: "industry", Is: []string{"banking", "insurance"}, Points: 2, Reason: "regulated industry"},
			{Trait: "employees", AtLeast: new(500.0), Points: 1, Reason: "500+ employees"},
			{Trait: persona.TraitSegment, Is: []string{"smb"}, Points: -2, Reason: "self-serve segment"},
		},
		Good: 2,
		Poor: -1,
	}
	for _, a := range []persona.Account{
		{ID: "bank", Segment: "enterprise", Traits: map[string]string{"industry": "Banking", "employees": "4200"}},
		{ID: "shop", Segment: "smb", Traits: map[string]string{"industry": "retail"}},
	} {
		fmt.Printf("%s: %s\n", a.ID, icp.Fit(&a))
	}
	// Output:
	// bank: fit good (+3.0): regulated industry (+2); 500+ employees (+1)
	// shop: fit poor (-2.0): self-serve segment (-2); not known: employees
}

func ExampleAccount_VetoAt() {
	cat := persona.B2B()
	acct := persona.Account{ID: "acme", Committee: []persona.Seat{
		{Kind: persona.SeatVeto, Persona: persona.Procurement, Note: "MSA requires procurement sign-off"},
		{Kind: persona.SeatNoVeto, Persona: persona.FinanceExecutive, Note: "budget pre-approved"},
	}}
	if err := acct.Validate(cat); err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range []persona.ID{persona.FinanceExecutive, persona.Procurement, persona.Security} {
		veto, _ := acct.VetoAt(cat, p, now)
		fmt.Printf("%-13s veto %v\n", p, veto)
	}
	for s := range acct.SeatsAt(now) {
		fmt.Println(s)
	}
	// Output:
	// finance-exec  veto false
	// procurement   veto true
	// security      veto true
	// procurement holds a veto (MSA requires procurement sign-off)
	// finance-exec holds no veto (budget pre-approved)
}
