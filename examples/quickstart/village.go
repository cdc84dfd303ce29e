package main

import (
	"fmt"
	"io"
	"time"

	"github.com/villagecx/village/journey"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// oneVillage shows one account's own village: a CFO whose worst answers
// veto the renewal on their own, procurement that can veto only because
// this account's MSA needs its signature (a committee seat), and the loop
// of actions closed and still open before the renewal.
func oneVillage(w io.Writer, scorer *scoring.Scorer, at time.Time) error {
	day := 24 * time.Hour
	acct := persona.Account{ID: "acme", Name: "Acme Foods", Segment: "enterprise", ARR: 400_000,
		Contacts: []persona.Contact{
			{ID: "carla", Persona: persona.FinanceExecutive, Title: "CFO"},
			{ID: "pat", Persona: persona.Procurement, Title: "Head of Purchasing"},
			{ID: "vic", Persona: persona.LineOfBusiness, Title: "VP Operations"},
			{ID: "eli", Persona: persona.EndUser}, {ID: "fay", Persona: persona.EndUser}, {ID: "gus", Persona: persona.EndUser},
		},
		Committee: []persona.Seat{
			{Kind: persona.SeatVeto, Persona: persona.Procurement, From: at.AddDate(-1, 0, 0), Note: "MSA requires procurement sign-off"},
			{Kind: persona.SeatRole, Contact: "vic", Role: persona.RoleSponsor},
		},
	}
	if err := acct.Validate(scorer.Catalog()); err != nil {
		return err
	}
	happyUsers := []scoring.Signal{
		{Contact: "eli", Metric: "nps", Value: 10, At: at.Add(-3 * day)},
		{Contact: "fay", Metric: "nps", Value: 9, At: at.Add(-8 * day)},
		{Contact: "gus", Metric: "csat", Value: 5, At: at.Add(-2 * day)},
		{Contact: "vic", Metric: "nps", Value: 10, At: at.Add(-20 * day)},
	}
	worst := func(contact string) []scoring.Signal {
		return []scoring.Signal{
			{Contact: contact, Metric: "nps", Value: 0, At: at.Add(-5 * day)},
			{Contact: contact, Metric: "csat", Value: 1, At: at.Add(-6 * day)},
			{Contact: contact, Metric: "ces", Value: 7, At: at.Add(-7 * day)},
		}
	}
	fmt.Fprintf(w, "\nOne account's village: the end users and the sponsor are happy; then one person answers\nthree surveys with the worst score.\n\n")
	for _, who := range []struct{ contact, what string }{
		{"carla", "The CFO, a veto holder by the catalog, vetoes alone:"},
		{"pat", "Procurement vetoes here only because this account's MSA gives it a seat:"},
	} {
		r, err := scorer.Score(acct, append(worst(who.contact), happyUsers...), at)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n", who.what)
		if err := r.Explain(w); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	plain := acct
	plain.Committee = nil
	r, err := scorer.Score(plain, append(worst("pat"), happyUsers...), at)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Without the seat, the same answers from procurement leave the account at %.1f (%s).\n", r.Score, r.Band)

	topics, err := journey.NewTopics([]journey.TopicRule{{Topic: "billing", Phrases: []string{"invoice", "overcharged"}}})
	if err != nil {
		return err
	}
	complaint := journey.Comment{ID: "c17", Account: "acme", Contact: "pat", Persona: persona.Procurement, Team: "finance",
		At: at.Add(-60 * day), Text: "Overcharged on the renewal invoice"}
	var loop journey.Loop
	if _, err := loop.FromComment(complaint, topics, complaint.At, 14*day); err != nil {
		return err
	}
	if err := loop.Move("comment:c17", journey.ActionShared, at.Add(-50*day), "finance", "credit note sent"); err != nil {
		return err
	}
	if _, err := loop.Open(journey.Action{ID: "exec-review", Account: "acme", Persona: persona.FinanceExecutive,
		Title: "ROI review with the CFO", Owner: "csm", Opened: at.Add(-30 * day), Due: at.Add(-10 * day)}, "csm"); err != nil {
		return err
	}
	again := journey.Comment{ID: "c18", Account: "acme", Contact: "pat", Team: "finance", At: at.Add(-4 * day), Text: "the invoice is wrong again"}
	if err := loop.Move("comment:c17", journey.ActionDone, at.Add(-45*day), "finance", "procurement confirmed"); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nClosing the loop before the renewal (actions from comments and gaps, shared with the customer,\nfollowed up; a complaint that came back after its fix):\n")
	fmt.Fprint(w, loop.Summary("acme", at, []journey.Comment{complaint, again}, topics))
	return nil
}
