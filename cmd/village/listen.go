package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/sampling"
	"github.com/villagecx/village/scoring"
)

// renewalPlan is what plan --objective renewal needs beyond the files.
type renewalPlan struct {
	at      time.Time
	budget  float64
	fatigue sampling.Fatigue
	cost    costs
	respond map[persona.ID]sampling.ResponseRate
	last    map[string]time.Time // when each contact was last asked (--asked)
	link    *linkFlag
	metric  string
	byARR   bool
	draw    string
	minProb float64
	seed    uint64
	min     map[string]int
	out     string
}

// probs is the repeated --respond persona=probability flag.
type probs map[persona.ID]float64

func (p probs) String() string { return "" }

func (p probs) Set(s string) error {
	id, v, ok := strings.Cut(s, "=")
	x, err := strconv.ParseFloat(v, 64)
	if !ok || err != nil || !(x > 0 && x <= 1) {
		return fmt.Errorf("want persona=probability with a probability in (0, 1], e.g. finance-exec=0.3")
	}
	p[persona.ID(id)] = x
	return nil
}

// linkFlag is --link intercept,slope: P(renew) = 1/(1+exp(-(a + b*(score-50)/50))),
// as calibrate reports it.
type linkFlag struct {
	set              bool
	intercept, slope float64
}

func (l *linkFlag) String() string { return "" }

func (l *linkFlag) Set(s string) error {
	a, b, ok := strings.Cut(s, ",")
	x, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	y, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if !ok || err1 != nil || err2 != nil || math.IsInf(x, 0) || math.IsNaN(x) || math.IsInf(y, 0) || math.IsNaN(y) {
		return fmt.Errorf("want intercept,slope (finite numbers), e.g. 1.2,2.5")
	}
	*l = linkFlag{true, x, y}
	return nil
}

func (l *linkFlag) probability(score float64) float64 {
	return 1 / (1 + math.Exp(-(l.intercept + l.slope*(score-50)/50)))
}

// responseRates returns each persona's chance of answering an invitation:
// the default by group (decision 0.3, technical 0.45, others 0.55) or
// --respond's, as a prior worth 20 invitations that the history in the
// invitations file (if any) updates. Invitations of contacts that are not in
// the contacts file are counted and left out.
func responseRates(e *env, b *base, respond probs, path string) (map[persona.ID]sampling.ResponseRate, error) {
	prior := map[string]float64{}
	for _, p := range b.cat.Personas() {
		switch p.Group {
		case persona.GroupDecision:
			prior[string(p.ID)] = 0.3
		case persona.GroupTechnical:
			prior[string(p.ID)] = 0.45
		default:
			prior[string(p.ID)] = 0.55
		}
		if r, ok := respond[p.ID]; ok {
			prior[string(p.ID)] = r
		}
	}
	var history []sampling.InvitationOutcome
	if path != "" {
		rows, _, err := readAll(e, path, func(r io.Reader, f ingest.Format, p string) (*ingest.Reader[ingest.Invited], error) {
			return ingest.Invitations(r, f, p, nil)
		})
		if err != nil {
			return nil, err
		}
		personaOf := map[string]persona.ID{}
		for i := range b.accounts {
			for _, c := range b.accounts[i].Contacts {
				personaOf[c.ID] = c.Persona
			}
		}
		strangers, unmapped := 0, 0
		for _, v := range rows {
			p, ok := personaOf[v.Contact]
			switch {
			case !ok:
				strangers++
			case p == persona.Unmapped:
				unmapped++
			default:
				history = append(history, sampling.InvitationOutcome{Stratum: string(p), Answered: v.Answered()})
			}
		}
		if strangers+unmapped > 0 {
			fmt.Fprintf(e.stderr, "%s: %d invitation(s) of contacts not in the contacts file and %d of unknown persona: not used\n", path, strangers, unmapped)
		}
		if len(history) == 0 {
			return nil, inputErr(fmt.Errorf("%s: no invitation of a known contact: nothing to learn response rates from", path))
		}
	}
	rates, err := sampling.ResponseRates(history, prior, 0.5, 20)
	if err != nil {
		return nil, inputErr(err)
	}
	out := map[persona.ID]sampling.ResponseRate{}
	for _, r := range rates {
		out[persona.ID(r.Stratum)] = r
	}
	return out, nil
}

// planRenewal plans a listening wave by what each answer would teach about
// the renewal: every active contact of a known persona valued by
// scoring.AnswerValues, the wave chosen by sampling.PlanListening (or drawn
// by PlanListeningPoisson).
func planRenewal(ctx context.Context, e *env, b *base, o *renewalPlan) error {
	opts := &scoring.AnswerOptions{Metric: o.metric}
	if o.link.set {
		opts.Outcome = o.link.probability
	}
	opts.Respond = func(_ *persona.Account, c *persona.Contact) float64 {
		if r, ok := o.respond[c.Persona]; ok {
			return r.Rate
		}
		return 1 // an unmapped contact, whose answer would not be used
	}
	type valued struct {
		values []scoring.AnswerValue
		result scoring.Result
		err    error
	}
	// The accounts are valued on every core, each in its own place: the
	// plan is the same whatever the number of workers.
	all := make([]valued, len(b.accounts))
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), max(1, len(b.accounts)))
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(b.accounts); i += workers {
				if ctx.Err() != nil {
					return
				}
				v := &all[i]
				v.values, v.result, v.err = b.scorer.AnswerValues(b.accounts[i], b.signals[i], o.at, opts)
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var cands []sampling.Candidate
	type source struct{ account, value int }
	var from []source
	unvalued, unmapped := 0, 0
	for i := range all {
		v := &all[i]
		acct := &b.accounts[i]
		if v.err != nil {
			unvalued++
			fmt.Fprintf(e.stderr, "account %s not valued: %v\n", acct.ID, v.err)
			continue
		}
		for k, av := range v.values {
			if av.Persona == persona.Unmapped {
				unmapped++
				continue
			}
			value := av.Value
			if o.byARR {
				value *= acct.ARR * acct.ARR
			}
			cands = append(cands, sampling.Candidate{ID: av.Contact, Account: acct.ID, Stratum: string(av.Persona),
				Group: string(av.Persona), Value: value, Evidence: av.Evidence,
				Cost: o.cost[av.Persona], LastContacted: o.last[av.Contact]})
			from = append(from, source{i, k})
		}
	}
	if unmapped > 0 {
		fmt.Fprintf(e.stderr, "%d contact(s) of unknown persona not valued: their answers would not be used\n", unmapped)
	}
	if len(cands) == 0 {
		return inputErr(fmt.Errorf("nobody to ask: no contact of a known persona is active at %s", o.at.Format(time.DateOnly)))
	}
	// A minimum asks for that many of a persona where that many are
	// eligible, as the estimate objective's does.
	var mins map[string]int
	if len(o.min) > 0 {
		eligible := map[string]int{}
		for _, c := range cands {
			if !o.fatigue.Recent(c.LastContacted, o.at) {
				eligible[c.Stratum]++
			}
		}
		mins = map[string]int{}
		for p, n := range o.min {
			if m := min(n, eligible[p]); m > 0 {
				mins[p] = m
			}
		}
	}
	lo := sampling.ListeningOptions{Budget: o.budget, At: o.at, Fatigue: o.fatigue, Min: mins}
	var plan *sampling.ListeningPlan
	var err error
	if o.draw == "poisson" {
		plan, err = sampling.PlanListeningPoisson(cands, lo, o.minProb, rand.NewPCG(o.seed, o.seed))
	} else {
		plan, err = sampling.PlanListening(cands, lo)
	}
	if err != nil {
		return inputErr(err)
	}
	if len(plan.Invitations) == 0 {
		cheapest := math.Inf(1)
		for _, c := range cands {
			cheapest = min(cheapest, max(c.Cost, 1))
		}
		return inputErr(fmt.Errorf("the plan invites nobody: budget %g, cheapest invitation %g, %d of %d candidates asked in the last %d days",
			o.budget, cheapest, plan.RecentlyContacted, len(cands), int(o.fatigue.MinGap.Hours()/24)))
	}
	rows := make([]ingest.Invitation, len(plan.Invitations))
	for k, inv := range plan.Invitations {
		src := from[inv.Index]
		v := &all[src.account]
		av := v.values[src.value]
		rows[k] = ingest.Invitation{Contact: inv.ID, Account: inv.Account, Persona: av.Persona, Prob: inv.Prob, Value: inv.Value,
			Why: why(&av, &b.accounts[src.account], &v.result, o)}
	}
	if err := writeOutput(e, o.out, func(w io.Writer) error {
		return ingest.WriteInvitations(w, formatOf(o.out), slices.Values(rows))
	}); err != nil {
		return err
	}
	return summarise(e, plan, cands, o, unvalued)
}

// why says in words why a contact is invited: their persona and power, when
// they were last heard, what is at stake and how sure the outlook is.
func why(av *scoring.AnswerValue, acct *persona.Account, r *scoring.Result, o *renewalPlan) string {
	var parts []string
	who := string(av.Persona)
	if av.VetoHolder {
		who += ", veto holder"
	}
	switch heard := personaHeard(r, av.Persona); {
	case av.LastHeard.IsZero() && !heard:
		who += ", persona not heard"
	case av.LastHeard.IsZero():
		who += ", never heard"
	default:
		who += fmt.Sprintf(", last heard %d days ago", int(o.at.Sub(av.LastHeard).Hours()/24))
	}
	parts = append(parts, who)
	if acct.ARR > 0 {
		parts = append(parts, money(acct.ARR)+" ARR")
	}
	if r.Veto.Persona != "" {
		if r.Veto.Conclusive {
			parts = append(parts, string(r.Veto.Persona)+" vetoes")
		} else {
			parts = append(parts, string(r.Veto.Persona)+" near a veto")
		}
	}
	move := math.Sqrt(av.Move)
	if o.link.set && r.Scored {
		parts = append(parts, fmt.Sprintf("P(renew) %.2f (%.2f..%.2f); an answer moves it by about %.2f",
			o.link.probability(r.Score), o.link.probability(r.Low), o.link.probability(r.High), move))
	} else if r.Scored {
		parts = append(parts, fmt.Sprintf("score %.0f (%.0f..%.0f); an answer moves it by about %.1f", r.Score, r.Low, r.High, move))
	} else {
		parts = append(parts, fmt.Sprintf("account not heard; an answer moves its outlook by about %.2g", move))
	}
	return strings.Join(parts, "; ")
}

func personaHeard(r *scoring.Result, p persona.ID) bool {
	return slices.ContainsFunc(r.Personas, func(ps scoring.PersonaScore) bool { return ps.Persona == p })
}

// money writes an amount as $310k or $1.2M.
func money(x float64) string {
	switch {
	case x >= 1e6:
		return fmt.Sprintf("$%.1fM", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("$%.0fk", x/1e3)
	}
	return fmt.Sprintf("$%.0f", x)
}

// summarise prints what the plan spends and on whom.
func summarise(e *env, plan *sampling.ListeningPlan, cands []sampling.Candidate, o *renewalPlan, unvalued int) error {
	type tally struct {
		candidates, recent, invited int
		value                       float64
	}
	by := map[string]*tally{}
	for _, c := range cands {
		t := by[c.Stratum]
		if t == nil {
			t = &tally{}
			by[c.Stratum] = t
		}
		t.candidates++
		if o.fatigue.Recent(c.LastContacted, o.at) {
			t.recent++
		}
	}
	for _, inv := range plan.Invitations {
		by[inv.Stratum].invited++
		by[inv.Stratum].value += inv.Value
	}
	form := "greedy by value per cost"
	if o.draw == "poisson" {
		form = fmt.Sprintf("Poisson draw, probabilities proportional to value per cost (expected cost %.4g)", plan.ExpectedCost)
	}
	fmt.Fprintf(e.stderr, "budget %g: %d invitations costing %g (%s; not asked in %d days, at most %d per account)\n",
		o.budget, len(plan.Invitations), plan.Cost, form, int(o.fatigue.MinGap.Hours()/24), o.fatigue.MaxPerAccount)
	if unvalued > 0 {
		fmt.Fprintf(e.stderr, "%d account(s) could not be valued (see above)\n", unvalued)
	}
	tw := tabwriter.NewWriter(e.stderr, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "persona\tcandidates\tasked recently\tcost\tanswers\t(history)\tinvited\tshare of value\t")
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t := by[k]
		share := 0.0
		if plan.Value > 0 {
			share = t.value / plan.Value
		}
		r := o.respond[persona.ID(k)]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%g\t%.0f%%\t%d of %d\t%d\t%.0f%%\t\n", k, t.candidates, t.recent, o.cost[persona.ID(k)],
			100*r.Rate, r.Answered, r.Sent, t.invited, 100*share)
	}
	return tw.Flush()
}
