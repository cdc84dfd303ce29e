// Command quickstart is village's main job in one screen: it generates a
// synthetic customer base in which end users answer surveys far more often
// than executives, scores every account with the default persona-aware model,
// and prints what a customer-success lead needs: the accounts at risk and
// why, the revenue at risk and whose view would move it, the accounts where
// a flat average of every answer would mislead, and one account's own
// village (a lone veto holder, a committee seat, the loop of actions).
package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
	"github.com/villagecx/village/scoring/calibrate"
)

const accounts = 200

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// scored is one account's result next to the flat average it replaces.
type scored struct {
	acct    *persona.Account
	signals []scoring.Signal
	result  scoring.Result
	flat    float64
}

func run(w io.Writer) error {
	start := time.Now()
	base, err := villagesim.Generate(villagesim.Config{Seed: 1, Accounts: accounts})
	if err != nil {
		return err
	}
	signals := base.Signals(villagesim.SignalConfig{Seed: 1, BadRate: 0.01})
	cat := base.Catalog
	scorer, err := scoring.Compile(scoring.DefaultModel(cat), cat)
	if err != nil {
		return err
	}
	at := base.End

	in := func(yield func(persona.Account, []scoring.Signal) bool) {
		for i := range base.Accounts {
			if !yield(base.Accounts[i], signals[i]) {
				return
			}
		}
	}
	var all []scored
	i := 0
	for r, err := range scorer.ScoreAll(context.Background(), in, at, nil) {
		if err != nil {
			return err
		}
		flat, _ := scorer.FlatAverage(signals[i], at)
		all = append(all, scored{acct: &base.Accounts[i], signals: signals[i], result: r, flat: flat})
		i++
	}

	summary(w, all, at)
	atRisk(w, all)
	if err := revenueAtRisk(w, scorer, all); err != nil {
		return err
	}
	misleading(w, all)
	if err := oneVillage(w, scorer, at); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nScored %d accounts in %v. Every number above comes with `Result.Explain`; try it on one account.\n",
		len(all), time.Since(start).Round(time.Millisecond))
	return nil
}

func summary(w io.Writer, all []scored, at time.Time) {
	total, dropped := 0, 0
	byPersona := map[persona.ID]int{}
	for _, s := range all {
		total += len(s.signals)
		dropped += len(s.result.Dropped)
		for _, p := range s.result.Personas {
			byPersona[p.Persona] += p.Signals
		}
	}
	used := total - dropped
	share := func(ids ...persona.ID) float64 {
		n := 0
		for _, id := range ids {
			n += byPersona[id]
		}
		return 100 * float64(n) / float64(used)
	}
	fmt.Fprintf(w, "village quickstart: %d synthetic accounts scored on %s with the default B2B model\n",
		len(all), at.Format(time.DateOnly))
	fmt.Fprintf(w, "%d signals, %d used and %d dropped with a reason. End users and technical experts gave %.0f%% of\n",
		total, used, dropped, share(persona.EndUser, persona.TechnicalExpert))
	fmt.Fprintf(w, "the answers used; the line-of-business and finance executives, who decide renewals, gave %.0f%%.\n",
		share(persona.LineOfBusiness, persona.FinanceExecutive))
}

func atRisk(w io.Writer, all []scored) {
	var risky []scored
	for _, s := range all {
		if s.result.Scored && s.result.Band == "at risk" {
			risky = append(risky, s)
		}
	}
	slices.SortFunc(risky, func(a, b scored) int { return cmp.Compare(a.result.Score, b.result.Score) })
	fmt.Fprintf(w, "\nAt risk: %d accounts, worst first (score with its 90%% interval; coverage is the share of the\nvillage's weight heard)\n\n", len(risky))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "account\tcompany\tARR\tscore\tinterval\tcoverage\tdragging it down\tveto\tnot heard")
	for _, s := range risky[:min(len(risky), 12)] {
		r := &s.result
		veto := "-"
		if r.Veto.Applied {
			veto = fmt.Sprintf("%s at %.0f", r.Veto.Persona, r.Veto.Score)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%.0f-%.0f\t%.0f%%\t%s\t%s\t%s\n",
			r.Account, s.acct.Name, money(s.acct.ARR), r.Score, r.Low, r.High, 100*r.Coverage,
			draggers(r), veto, ids(r.Missing, 3))
	}
	tw.Flush()
	if len(risky) > 12 {
		fmt.Fprintf(w, "... and %d more\n", len(risky)-12)
	}
}

// revenueAtRisk turns scores into money: a link from score to renewal
// probability, fitted on last year's renewals (another synthetic base),
// ranks the accounts by ARR times the probability of not renewing, and
// names the persona whose view would move each one most.
func revenueAtRisk(w io.Writer, scorer *scoring.Scorer, all []scored) error {
	link, err := lastYearsLink(scorer)
	if err != nil {
		return err
	}
	accounts := make([]persona.Account, len(all))
	results := make([]scoring.Result, len(all))
	for i, s := range all {
		accounts[i], results[i] = *s.acct, s.result
	}
	risks, _, err := calibrate.RevenueAtRisk(link, accounts, results)
	if err != nil {
		return err
	}
	var total float64
	for _, r := range risks {
		total += r.AtRisk
	}
	fmt.Fprintf(w, "\nRevenue at risk: %s of ARR in all, the largest first (ARR x P(not renewing), with the range\nthe score's interval gives; the lever is the persona whose move to the base's typical score\nwould change P(renew) most)\n\n", money(total))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "account	ARR	score	P(renew)	at risk	range	lever")
	for _, r := range risks[:min(len(risks), 5)] {
		lever := "-"
		if len(r.Levers) > 0 && r.Levers[0].Change > 0.005 {
			l := r.Levers[0]
			lever = fmt.Sprintf("%s %.0f -> %.0f: %+.0f points of P", l.Persona, l.Score, l.Typical, 100*l.Change)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.2f\t%s\t%s-%s\t%s\n", r.Account, money(r.ARR), r.Score, r.Renew,
			money(r.AtRisk), money(r.AtRiskLow), money(r.AtRiskHigh), lever)
	}
	return tw.Flush()
}

// lastYearsLink fits renewal on the model's score over a base like this one
// a year earlier: 1,000 synthetic accounts and their renewals.
func lastYearsLink(scorer *scoring.Scorer) (calibrate.Link, error) {
	past, err := villagesim.Generate(villagesim.Config{Seed: 2, Accounts: 1000})
	if err != nil {
		return calibrate.Link{}, err
	}
	signals := past.Signals(villagesim.SignalConfig{Seed: 2})
	renewed := past.Renewals(2)
	var x [][]float64
	var y []bool
	for i, a := range past.Accounts {
		if r, _ := scorer.Score(a, signals[i], past.End); r.Scored {
			x = append(x, []float64{(r.Score - 50) / 50})
			y = append(y, renewed[i])
		}
	}
	fit, err := calibrate.FitLogit(x, y, 1)
	if err != nil {
		return calibrate.Link{}, err
	}
	return calibrate.Link{Intercept: fit.Coef[0], Slope: fit.Coef[1]}, nil
}

func misleading(w io.Writer, all []scored) {
	var scoredOnly []scored
	for _, s := range all {
		if s.result.Scored {
			scoredOnly = append(scoredOnly, s)
		}
	}
	slices.SortFunc(scoredOnly, func(a, b scored) int {
		return cmp.Or(
			cmp.Compare(math.Abs(b.flat-b.result.Score), math.Abs(a.flat-a.result.Score)),
			cmp.Compare(a.result.Account, b.result.Account))
	})
	fmt.Fprintf(w, "\nWhere a flat average of every answer misleads most\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "account\tflat average\tpersona-aware\twhy they differ")
	for _, s := range scoredOnly[:min(len(scoredOnly), 10)] {
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f (%s)\t%s\n", s.result.Account, s.flat, s.result.Score, s.result.Band, why(&s))
	}
	tw.Flush()
}

// draggers lists the personas with the most negative contributions.
func draggers(r *scoring.Result) string {
	ps := slices.Clone(r.Personas)
	slices.SortFunc(ps, func(a, b scoring.PersonaScore) int { return cmp.Compare(a.Contribution, b.Contribution) })
	var parts []string
	for _, p := range ps {
		if p.Contribution >= -0.5 || len(parts) == 2 {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %+.0f", p.Persona, p.Contribution))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// why explains the gap between the flat average and the persona-aware score
// in one line: the veto, then the persona most over-represented in the answers.
func why(s *scored) string {
	r := &s.result
	var reasons []string
	if r.Veto.Applied {
		reasons = append(reasons, fmt.Sprintf("veto holder %s at %.0f caps it", r.Veto.Persona, r.Veto.Score))
	}
	used := float64(r.SignalsUsed)
	var loud *scoring.PersonaScore
	for i := range r.Personas {
		p := &r.Personas[i]
		if loud == nil || float64(p.Signals)/used-p.Weight > float64(loud.Signals)/used-loud.Weight {
			loud = p
		}
	}
	if loud != nil {
		reasons = append(reasons, fmt.Sprintf("%s gave %.0f%% of the answers but carries %.0f%% of the weight (scores %.0f)",
			loud.Persona, 100*float64(loud.Signals)/used, 100*loud.Weight, loud.Score))
	}
	var quiet *scoring.PersonaScore
	for i := range r.Personas {
		p := &r.Personas[i]
		if p != loud && (quiet == nil || p.Weight > quiet.Weight) {
			quiet = p
		}
	}
	if quiet != nil && !r.Veto.Applied {
		reasons = append(reasons, fmt.Sprintf("%s (%.0f%% of the weight) scores %.0f", quiet.Persona, 100*quiet.Weight, quiet.Score))
	}
	return strings.Join(reasons, "; ")
}

func ids(list []persona.ID, most int) string {
	if len(list) == 0 {
		return "-"
	}
	parts := make([]string, 0, most+1)
	for i, id := range list {
		if i == most {
			parts = append(parts, fmt.Sprintf("+%d", len(list)-most))
			break
		}
		parts = append(parts, string(id))
	}
	return strings.Join(parts, ", ")
}

func money(x float64) string {
	if x >= 1e6 {
		return fmt.Sprintf("$%.1fM", x/1e6)
	}
	return fmt.Sprintf("$%.0fk", x/1e3)
}
