package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/sampling"
	"github.com/villagecx/village/scoring"
)

// costs is the repeated --cost persona=units flag over a default table:
// an interview with someone of the decision group costs 6, of the
// technical group 3, anyone else 1.
type costs map[persona.ID]float64

func defaultCosts(cat *persona.Catalog) costs {
	c := costs{}
	for _, p := range cat.Personas() {
		switch p.Group {
		case persona.GroupDecision:
			c[p.ID] = 6
		case persona.GroupTechnical:
			c[p.ID] = 3
		default:
			c[p.ID] = 1
		}
	}
	return c
}

func (c costs) String() string { return "" }

func (c costs) Set(s string) error {
	p, v, ok := strings.Cut(s, "=")
	x, err := strconv.ParseFloat(v, 64)
	if !ok || err != nil || !(x > 0) || x > 1e9 {
		return fmt.Errorf("want persona=cost with a positive cost, e.g. cio=6")
	}
	c[persona.ID(p)] = x
	return nil
}

// canonical re-keys a per-persona flag's map by the catalog's IDs, as
// persona.Catalog.Lookup finds them ("finance_exec" is finance-exec); an
// unknown persona is a usage error listing the valid IDs.
func canonical[M ~map[persona.ID]float64](cat *persona.Catalog, flagName string, m M) error {
	for p, v := range m {
		id, ok := cat.Lookup(string(p))
		if !ok {
			return usageErr("%s: unknown persona %q (want one of %s)", flagName, p, cat.IDs())
		}
		if id != p {
			delete(m, p)
			m[id] = v
		}
	}
	return nil
}

func runPlan(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "plan")
	dir := fs.String("dir", "", "a folder holding accounts and contacts as .csv or .jsonl")
	accounts := fs.String("accounts", "", "accounts file")
	contactsFile := fs.String("contacts", "", "contacts file (the frame: every contact active at --at)")
	fs.StringVar(contactsFile, "frame", "", "the same as --contacts: the people who could be asked")
	asked := fs.String("asked", "", "optional signals file of past survey answers: a contact heard within --min-gap days is not asked again")
	titles := fs.String("titles", "", "job-title rules JSON tried before the built-in B2B rules ('village titles' prints those)")
	titlesReplace := fs.String("titles-replace", "", "job-title rules JSON used instead of the built-in ones")
	rejects := fs.String("rejects", "", "write every rejected row of every file here, as CSV: file, line, column, reason")
	budget := fs.Float64("budget", 0, "what the wave may spend, in interview cost units (required)")
	at := atFlag(fs)
	minGap := fs.Int("min-gap", 90, "do not ask anyone asked in the last this many days")
	perAccount := fs.Int("per-account", 3, "ask at most this many people per account")
	minPer := fs.Int("min", 8, "ask at least this many of each persona, where that many are eligible (renewal: only when given)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed and files give the same plan")
	out := fs.String("out", "", "write the plan here (.csv or .jsonl) instead of stdout")
	cat := persona.B2B()
	cost := defaultCosts(cat)
	fs.Var(cost, "cost", "cost of an interview by persona, persona=units (repeatable; default: decision group 6, technical 3, others 1)")
	objective := fs.String("objective", "estimate", "estimate: a Neyman-allocated survey for base-wide NPS (the default); renewal: whom to ask by what their answer would teach about each renewal")
	signalsFile := fs.String("signals", "", "renewal: the signals to score the accounts from (default: signals in --dir)")
	committee := fs.String("committee", "", "renewal: optional committee seats")
	model := fs.String("model", "", "renewal: scoring model JSON (default: the default model)")
	var link linkFlag
	fs.Var(&link, "link", "renewal: value answers by P(renew) = 1/(1+exp(-(a+b*(score-50)/50))), given as a,b; default: the --model's own link (a fitted model carries it), else by the score")
	respond := probs{}
	fs.Var(respond, "respond", "renewal: chance that a persona answers an invitation, persona=probability (repeatable; default: decision group 0.3, technical 0.45, others 0.55, or as --invitations shows)")
	invitations := fs.String("invitations", "", "renewal: invitations history (contact, sent_at, answered_at empty if unanswered): each persona's response rate, shrunk toward --respond's worth 20 invitations")
	metric := fs.String("metric", "", "renewal: the metric the survey asks (default: the model's heaviest, nps in the default model)")
	byARR := fs.Bool("by-arr", false, "renewal: weigh each account's answers by its ARR squared (revenue at stake) rather than equally")
	draw := fs.String("draw", "greedy", "renewal: greedy (the most valuable within the budget) or poisson (drawn with probability proportional to value per cost, for design-unbiased estimates)")
	minProb := fs.Float64("min-prob", 0, "renewal, poisson: every eligible contact's least chance of being drawn (0: contacts whose answer is worth nothing are never drawn; every other has a chance)")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if !(*budget > 0) || fs.NArg() > 0 || *minGap < 0 || *perAccount < 0 || *minPer < 0 {
		return usageErr("give a positive --budget, non-negative --min-gap, --per-account and --min, and no arguments")
	}
	if err := canonical(cat, "--cost", cost); err != nil {
		return err
	}
	if err := canonical(cat, "--respond", respond); err != nil {
		return err
	}
	renewal := false
	switch *objective {
	case "renewal":
		renewal = true
	case "estimate":
		if *signalsFile != "" || *committee != "" || *model != "" || link.set || len(respond) > 0 || *metric != "" || *byARR || *draw != "greedy" || *invitations != "" {
			return usageErr("--signals, --committee, --model, --link, --respond, --invitations, --metric, --by-arr and --draw are for --objective renewal")
		}
	default:
		return usageErr("--objective: want renewal or estimate, not %q", *objective)
	}
	if *draw != "greedy" && *draw != "poisson" {
		return usageErr("--draw: want greedy or poisson, not %q", *draw)
	}
	if !(*minProb >= 0 && *minProb < 1) {
		return usageErr("--min-prob: want 0 <= p < 1")
	}
	t, err := parseAt(e, *at)
	if err != nil {
		return err
	}
	in := inputs{dir: *dir, accounts: *accounts, contacts: *contactsFile, titles: *titles, titlesReplace: *titlesReplace, cols: columns{}, noSignals: !renewal,
		signals: *signalsFile, committee: *committee, model: *model, rejects: rejects}
	var b *base
	if renewal {
		if b, err = in.load(e); err != nil {
			return err
		}
	} else {
		b = &base{cat: cat}
		if err := in.loadVillage(e, b); err != nil {
			return err
		}
	}
	last := map[string]time.Time{}
	if *asked != "" {
		signals, _, err := readAll(e, *asked, func(r io.Reader, f ingest.Format, p string) (*ingest.Reader[scoring.Signal], error) {
			return ingest.Signals(r, f, p, nil)
		})
		if err != nil {
			return err
		}
		for _, sig := range signals {
			if sig.Contact != "" && !sig.At.After(t) && sig.At.After(last[sig.Contact]) {
				last[sig.Contact] = sig.At
			}
		}
	}
	fatigue := sampling.Fatigue{MinGap: time.Duration(*minGap) * 24 * time.Hour, MaxPerAccount: *perAccount}
	if renewal {
		var mins map[string]int
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "min" && *minPer > 0 {
				mins = map[string]int{}
				for _, p := range cat.Personas() {
					mins[string(p.ID)] = *minPer
				}
			}
		})
		rates, err := responseRates(e, b, respond, *invitations)
		if err != nil {
			return err
		}
		if ml := b.scorer.Model().Link; ml != nil && !link.set { // a fitted model's own link
			link = linkFlag{true, ml.Intercept, ml.Slope}
		}
		return planRenewal(ctx, e, b, &renewalPlan{at: t, budget: *budget, fatigue: fatigue, cost: cost, respond: rates, last: last,
			link: &link, metric: *metric, byARR: *byARR, draw: *draw, minProb: *minProb, seed: *seed, min: mins, out: *out})
	}
	unmapped := 0
	frame := sampling.FrameFromAccounts(b.accounts, t, nil, nil, last)
	frame = slices.DeleteFunc(frame, func(u sampling.FrameUnit) bool {
		if u.Stratum == string(persona.Unmapped) {
			unmapped++
			return true
		}
		return false
	})
	if unmapped > 0 {
		fmt.Fprintf(e.stderr, "%d contact(s) of unknown persona left out of the frame: a stratum needs a persona\n", unmapped)
	}
	if len(frame) == 0 {
		return inputErr(fmt.Errorf("nobody to ask: no contact of a known persona is active at %s", t.Format(time.DateOnly)))
	}
	for i := range frame {
		frame[i].Cost = cost[persona.ID(frame[i].Stratum)]
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	wave, err := sampling.PlanWave(frame, sampling.WaveOptions{Budget: *budget, Method: sampling.Neyman, MinPerStratum: *minPer, Fatigue: fatigue, At: t},
		func() rand.Source { return rand.NewPCG(*seed, *seed) })
	if err != nil {
		return inputErr(err)
	}
	s := wave.Sample
	population := map[string]float64{}
	for k, n := range s.Fatigue.Frame {
		population[k] = float64(n - s.Fatigue.RecentlyContacted[k])
	}
	units := make([]ingest.PlannedUnit, len(s.Units))
	for i, u := range s.Units {
		units[i] = ingest.PlannedUnit{Contact: u.ID, Account: u.Account, Stratum: u.Stratum, Prob: u.Prob, Population: population[u.Stratum]}
	}
	err = writeOutput(e, *out, func(w io.Writer) error { return ingest.WritePlan(w, formatOf(*out), slices.Values(units)) })
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stderr, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(e.stderr, "budget %g buys %d interviews (Neyman allocation; fatigue: not asked in %d days, at most %d per account)\n",
		*budget, wave.N, *minGap, *perAccount)
	fmt.Fprintln(tw, "persona\tin frame\tasked recently\tcapped\teligible\tcost\tasked\t")
	for _, a := range wave.Allocation {
		k := a.Key
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%g\t%d\t\n", k, s.Fatigue.Frame[k], s.Fatigue.RecentlyContacted[k],
			s.Fatigue.OverAccountCap[k], s.Fatigue.Eligible[k], cost[persona.ID(k)], a.N)
	}
	return tw.Flush()
}

func runEstimate(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "estimate")
	planFile := fs.String("plan", "", "the plan 'village plan' wrote (required)")
	answersFile := fs.String("answers", "", "the answers: contact, value (NPS, 0..10) (required)")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if *planFile == "" || *answersFile == "" || fs.NArg() > 0 {
		return usageErr("give --plan and --answers, and no arguments")
	}
	plan, planRejected, err := readAll(e, *planFile, func(r io.Reader, f ingest.Format, p string) (*ingest.Reader[ingest.PlannedUnit], error) {
		return ingest.Plan(r, f, p, nil)
	})
	if err != nil {
		return err
	}
	answers, _, err := readAll(e, *answersFile, func(r io.Reader, f ingest.Format, p string) (*ingest.Reader[ingest.Answer], error) {
		return ingest.Answers(r, f, p, nil)
	})
	if err != nil {
		return err
	}
	if planRejected > 0 {
		return inputErr(fmt.Errorf("%s: %d row(s) rejected: a plan must be whole to weight from", *planFile, planRejected))
	}
	if len(plan) == 0 {
		return inputErr(fmt.Errorf("%s: no planned unit", *planFile))
	}
	index := map[string]int{}
	units := make([]sampling.Unit, len(plan))
	var population map[string]float64 // nil when the plan gives none (a listening plan): no fpc
	strata := make([]string, len(plan))
	for i, u := range plan {
		if _, dup := index[u.Contact]; dup {
			return inputErr(fmt.Errorf("%s: contact %q planned twice", *planFile, u.Contact))
		}
		index[u.Contact] = i
		units[i] = sampling.Unit{Stratum: u.Stratum, Weight: 1 / u.Prob}
		strata[i] = u.Stratum
		if u.Population > 0 {
			if population == nil {
				population = map[string]float64{}
			}
			population[u.Stratum] = u.Population
		}
	}
	responded := make([]bool, len(plan))
	scores := make([]float64, len(plan))
	unplanned, again := 0, 0
	for _, a := range answers {
		i, ok := index[a.Contact]
		switch {
		case !ok:
			unplanned++
			continue
		case responded[i]:
			again++
			continue
		}
		if _, err := sampling.NPSCategory(a.Value); err != nil {
			return inputErr(fmt.Errorf("%s: contact %q answered %v: an NPS answer is a whole number 0..10", *answersFile, a.Contact, a.Value))
		}
		responded[i], scores[i] = true, a.Value
	}
	if unplanned > 0 || again > 0 {
		fmt.Fprintf(e.stderr, "%d answer(s) from contacts not in the plan and %d repeated answer(s): not used\n", unplanned, again)
	}
	switch {
	case len(answers) == 0:
		return inputErr(fmt.Errorf("%s: no answer in the file: nothing to estimate from", *answersFile))
	case !slices.Contains(responded, true):
		return inputErr(fmt.Errorf("%s: none of its %d answers is from a contact in the plan %s", *answersFile, len(answers), *planFile))
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	d, err := sampling.NewDesign(units, &sampling.DesignOptions{PopulationPSUs: population, Lonely: sampling.LonelyCertainty})
	if err != nil {
		return inputErr(err)
	}
	cat := persona.B2B()
	pool, importance := map[string]string{}, map[string]float64{}
	for i, p := range cat.Personas() {
		pool[string(p.ID)] = p.Group
		importance[string(p.ID)] = cat.EffectiveWeight(i)
	}
	est, err := d.NPSWave(strata, responded, scores, pool, importance)
	if err != nil {
		return inputErr(err)
	}
	n := 0
	for _, k := range est.Answered {
		n += k
	}
	fmt.Fprintf(e.stdout, "NPS from %d answers of %d asked (95%% confidence intervals)\n", n, len(plan))
	for _, l := range []struct {
		label string
		e     sampling.Estimate
	}{
		{"naive: everyone who answered, counted once", est.Naive},
		{"weighted: every contact in the base once", est.Everyone},
		{"persona-weighted: as decisions are made", est.Weighted},
	} {
		lo, hi := l.e.CI(0.95)
		fmt.Fprintf(e.stdout, "  %-44s %+6.1f  SE %4.1f  (%+6.1f .. %+6.1f)\n", l.label, 100*l.e.Value, 100*l.e.SE, 100*lo, 100*hi)
	}
	if len(est.Pooled) > 0 {
		fmt.Fprintf(e.stdout, "nobody answered among %s: their weight is carried by their group's respondents\n", strings.Join(est.Pooled, ", "))
	}
	return nil
}
