// Command journeymap draws the customer journey turned sideways for a
// synthetic base: for one account, the persona x stage grid (stages across,
// personas down, sentiment and interactions per cell, gaps marked); across
// the base, the gaps that matter most; and the inbox of informal comments
// routed to each team.
package main

import (
	"cmp"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/journey"
	"github.com/villagecx/village/persona"
)

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func touchpoints() []journey.Touchpoint {
	csat := func(id, stage, channel, team string, who ...persona.ID) journey.Touchpoint {
		return journey.Touchpoint{ID: id, Stage: stage, Channel: channel, Team: team, Personas: who, Metric: "csat", Min: 1, Max: 5}
	}
	execs := []persona.ID{persona.LineOfBusiness, persona.FinanceExecutive, persona.CIO}
	return []journey.Touchpoint{
		csat("demo", "evaluate", "meeting", "sales", append(execs, persona.DepartmentManager, persona.TechnicalExpert)...),
		csat("security-review", "evaluate", "questionnaire", "security-office", persona.Security),
		csat("proposal", "purchase", "email", "sales", persona.FinanceExecutive, persona.Procurement, persona.LineOfBusiness),
		csat("kickoff", "onboard", "meeting", "onboarding"),
		csat("training", "onboard", "webinar", "enablement", persona.EndUser, persona.TechnicalExpert, persona.Champion),
		csat("ticket", "adopt", "support portal", "support", persona.EndUser, persona.TechnicalExpert, persona.Champion, persona.DepartmentManager),
		csat("qbr", "adopt", "meeting", "customer-success", persona.LineOfBusiness, persona.DepartmentManager, persona.Champion),
		csat("renewal-review", "renew", "meeting", "", persona.LineOfBusiness, persona.FinanceExecutive, persona.Procurement),
	}
}

// What people say at each stage, when it goes well and when it does not.
var remarks = map[string][2][]string{
	"evaluate": {{"The demo answered our integration questions."}, {"The security questionnaire took three rounds."}},
	"purchase": {{"Clear pricing, easy to get approved."}, {"Invoices arrive with the wrong PO number.", "Contract redlines took six weeks."}},
	"onboard":  {{"Onboarding was smooth.", "The kickoff plan was clear."}, {"SSO setup docs are out of date.", "Training went too fast for new hires."}},
	"adopt":    {{"The new dashboard saves my team an hour a day.", "Support answered within minutes, thank you!"}, {"We still cannot export to our BI tool.", "Tickets bounce between teams."}},
	"renew":    {{"The value case for renewal is easy to make."}, {"Budget is frozen until Q3; we need a clear ROI story."}},
}

func run(w io.Writer) error {
	base, err := villagesim.Generate(villagesim.Config{Seed: 3, Accounts: 300})
	if err != nil {
		return err
	}
	cat := base.Catalog
	j, err := journey.New(journey.Config{
		Stages:      journey.DefaultStages(),
		Touchpoints: touchpoints(),
		Fallback:    map[persona.ID]map[string]string{"": {"renew": "account-management"}},
	}, cat)
	if err != nil {
		return err
	}
	interactions := simulate(base, j)
	m := j.Build(base.Accounts, interactions, base.End)

	// Show the first enterprise account: a village with most personas in it.
	acct := base.Accounts[0]
	for _, a := range base.Accounts {
		if a.Segment == "enterprise" {
			acct = a
			break
		}
	}
	one := j.Build([]persona.Account{acct}, forAccount(interactions, acct.ID), base.End)
	fmt.Fprintf(w, "Journey of %s (%s, %s), as of %s: sentiment 0-100 and interactions per cell\n",
		acct.ID, acct.Name, acct.Segment, base.End.Format(time.DateOnly))
	fmt.Fprintf(w, "(  -  no touchpoint designed, ..  designed but nobody met it, !  sentiment below 50)\n\n")
	grid(w, one, cat, j.Stages())

	// Across the base: in how many accounts each cell is a gap, the heaviest
	// personas first, leaving out the cells no touchpoint is designed for
	// (those are the same in every account; the grid above shows them).
	type key struct {
		p     persona.ID
		stage string
		kind  journey.GapKind
	}
	count := map[key]int{}
	weight := map[key]float64{}
	for _, a := range base.Accounts {
		am := j.Build([]persona.Account{a}, forAccount(interactions, a.ID), base.End)
		present := map[persona.ID]bool{}
		for _, c := range a.Contacts {
			present[c.Persona] = present[c.Persona] || c.ActiveAt(base.End)
		}
		for _, g := range am.Gaps() {
			if g.Kind != journey.GapNoTouchpoint && present[g.Persona] {
				k := key{g.Persona, g.Stage, g.Kind}
				count[k]++
				weight[k] = g.Weight
			}
		}
	}
	var top []key
	for k := range count {
		top = append(top, k)
	}
	slices.SortFunc(top, func(a, b key) int {
		return cmp.Or(cmp.Compare(weight[b]*float64(count[b]), weight[a]*float64(count[a])),
			cmp.Compare(a.p, b.p), cmp.Compare(a.stage, b.stage), cmp.Compare(a.kind, b.kind))
	})
	fmt.Fprintf(w, "\nTop gaps across %d accounts (%d interactions placed, %d rejected), where the persona is present\n",
		len(base.Accounts), m.Accepted(), len(m.Rejections()))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "persona\tstage\tweight\twhy\taccounts")
	for _, k := range top[:min(10, len(top))] {
		fmt.Fprintf(tw, "%s\t%s\t%.1f%%\t%s\t%d\n", k.p, k.stage, 100*weight[k], k.kind, count[k])
	}
	tw.Flush()

	inbox := m.Comments()
	total, open := inbox.Len()
	fmt.Fprintf(w, "\nInformal comments: %d captured, %d open, routed to the team that owns the touchpoint\n", total, open)
	for _, team := range inbox.Teams() {
		items := inbox.For(team)
		fmt.Fprintf(w, "\n  %s (%d)\n", team, len(items))
		for _, c := range items[max(0, len(items)-2):] {
			fmt.Fprintf(w, "    %s  %-12s %-14s at %-15s %q\n", c.At.Format(time.DateOnly), c.Account, c.Persona, c.Touchpoint, c.Text)
		}
	}
	return nil
}

func grid(w io.Writer, m *journey.Map, cat *persona.Catalog, stages []journey.Stage) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := []string{"persona"}
	for _, s := range stages {
		header = append(header, s.ID)
	}
	fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
	for _, p := range cat.Personas() {
		row := []string{string(p.ID)}
		for _, s := range stages {
			c, _ := m.Cell(p.ID, s.ID)
			var cell string
			switch {
			case !c.Designed:
				cell = "-"
			case c.Count == 0:
				cell = ".."
			case c.Scored == 0:
				cell = fmt.Sprintf("(%d)", c.Count)
			default:
				mark := ""
				if c.Sentiment < 50 {
					mark = "!"
				}
				cell = fmt.Sprintf("%s%.0f (%d)", mark, c.Sentiment, c.Count)
			}
			row = append(row, cell)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	tw.Flush()
}

func forAccount(all []journey.Interaction, id string) []journey.Interaction {
	var out []journey.Interaction
	for _, in := range all {
		if in.Account == id {
			out = append(out, in)
		}
	}
	return out
}

// simulate generates each contact's interactions with the touchpoints
// designed for their persona over the last two years: evaluation and
// purchase early, onboarding after, tickets and QBRs since, a renewal review
// near the end. Scores follow the persona's true feeling; a few interactions
// carry a comment.
func simulate(base *villagesim.Base, j *journey.Journey) []journey.Interaction {
	var out []journey.Interaction
	span := base.End.Sub(base.Start)
	phase := map[string][2]float64{"evaluate": {0, 0.1}, "purchase": {0.1, 0.15}, "onboard": {0.15, 0.3}, "adopt": {0.3, 1}, "renew": {0.9, 1}}
	for ai, a := range base.Accounts {
		rng := rand.New(rand.NewPCG(99, uint64(ai)))
		for _, c := range a.Contacts {
			pi, _ := base.Catalog.Index(c.Persona)
			feel := base.Truth[ai].Persona[pi]
			for _, t := range touchpoints() {
				if !serves(t, c.Persona) || rng.Float64() < 0.35 {
					continue
				}
				n := 1
				if t.ID == "ticket" {
					n = 1 + rng.IntN(3)
				}
				for k := range n {
					ph := phase[t.Stage]
					when := base.Start.Add(time.Duration((ph[0] + (ph[1]-ph[0])*rng.Float64()) * float64(span))).Truncate(time.Hour)
					if !c.ActiveAt(when) {
						continue
					}
					score := math.Round(math.Max(1, math.Min(5, 1+4*(feel+12*rng.NormFloat64())/100)))
					in := journey.Interaction{ID: fmt.Sprintf("%s/%s/%s/%d", a.ID, c.ID, t.ID, k), Account: a.ID, Contact: c.ID, Touchpoint: t.ID, At: when, Value: &score}
					if rng.Float64() < 0.08 {
						pool := remarks[t.Stage][1]
						if score >= 4 {
							pool = remarks[t.Stage][0]
						}
						in.Comment = pool[rng.IntN(len(pool))]
					}
					out = append(out, in)
				}
			}
		}
	}
	return out
}

func serves(t journey.Touchpoint, id persona.ID) bool {
	if len(t.Personas) == 0 {
		return true
	}
	for _, p := range t.Personas {
		if p == id {
			return true
		}
	}
	return false
}
