// Command listenloop measures, in one closed loop on villagesim, what a
// listening wave sent before the renewals is worth: a base whose people
// carry hidden sentiments (villagesim.Config.People), a wave of invitations
// chosen by each policy, the answers the simulated people give
// (villagesim.Base.Respond), and the calibrated model's out-of-fold AUC and
// ARR-weighted AUC on the renewals, with the wave's answers added to what
// the CS team already had. For BENCHMARKS.md.
//
//	go run ./internal/cmd/listenloop -accounts 4000 -seeds 1,2,3 -per 0.5,1,2
//	go run ./internal/cmd/listenloop -accounts 4000 -seeds 1,2,3 -per 0.5,1,2 -costs default
//
// The policies, each spending the same budget (-per invitations an account
// on average, in cost units with -costs default: decision group 6,
// technical 3, others 1), at most max(1, ceil(per)) an account:
//
//	none      no wave
//	random    contacts at random
//	weight    at random with probability proportional to the persona's catalog weight
//	deciders  finance and line-of-business executives first, then at random
//	neyman    today's plan: sampling.PlanWave by persona, Neyman allocation
//	value     sampling.PlanListening on scoring.AnswerValues, by the model and link
//	          calibrated on the signals before the wave
//	poisson   sampling.PlanListeningPoisson on the same values
//
// The value policies are told each persona's true chance of answering an
// invitation (villagesim.InvitedResponseRates); estimating it from an
// invitations history is not part of this loop.
package main

import (
	"cmp"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/sampling"
	"github.com/villagecx/village/scoring"
	"github.com/villagecx/village/scoring/calibrate"
)

var policies = []string{"none", "random", "weight", "deciders", "neyman", "value", "poisson"}

func main() {
	accounts := flag.Int("accounts", 4000, "accounts in each simulated base")
	seedsFlag := flag.String("seeds", "1,2,3", "comma-separated seeds, one base each")
	perFlag := flag.String("per", "0.5,1,2", "comma-separated budgets, in invitations (cost units) an account")
	costsFlag := flag.String("costs", "equal", "equal (every invitation costs 1) or default (decision group 6, technical 3, others 1)")
	only := flag.String("policies", strings.Join(policies, ","), "comma-separated policies to run")
	flag.Parse()
	seeds, err := parseList(*seedsFlag, func(s string) (uint64, error) { return strconv.ParseUint(s, 10, 64) })
	if err != nil {
		log.Fatalf("-seeds: %v", err)
	}
	pers, err := parseList(*perFlag, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
	if err != nil {
		log.Fatalf("-per: %v", err)
	}
	run := strings.Split(*only, ",")
	for _, p := range run {
		if !slices.Contains(policies, p) {
			log.Fatalf("-policies: unknown policy %q", p)
		}
	}
	if *costsFlag != "equal" && *costsFlag != "default" {
		log.Fatalf("-costs: want equal or default")
	}

	type key struct {
		policy string
		per    float64
	}
	auc, wauc := map[key][]float64{}, map[key][]float64{}
	invited := map[key][]float64{}
	start := time.Now()
	for _, seed := range seeds {
		l, err := newLoop(*accounts, seed, *costsFlag == "default")
		if err != nil {
			log.Fatal(err)
		}
		for _, per := range pers {
			for _, policy := range run {
				if policy == "none" && per != pers[0] {
					continue
				}
				wave, err := l.plan(policy, per)
				if err != nil {
					log.Fatalf("seed %d, %s at %g: %v", seed, policy, per, err)
				}
				a, w, err := l.evaluate(wave)
				if err != nil {
					log.Fatalf("seed %d, %s at %g: %v", seed, policy, per, err)
				}
				k := key{policy, per}
				if policy == "none" {
					k.per = 0
				}
				auc[k], wauc[k] = append(auc[k], a), append(wauc[k], w)
				invited[k] = append(invited[k], float64(wave.invitations))
				fmt.Fprintf(os.Stderr, "seed %d  %-8s %4g an account: %5d invited, %5d answered, AUC %.4f, ARR-weighted %.4f  (%s)\n",
					seed, policy, per, wave.invitations, wave.answers, a, w, time.Since(start).Round(time.Second))
			}
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "policy\tper account\tinvited\tAUC\tmin..max\tARR-weighted AUC\tmin..max\t\n")
	for _, per := range append([]float64{0}, pers...) {
		for _, policy := range run {
			k := key{policy, per}
			if len(auc[k]) == 0 {
				continue
			}
			lo, hi := slices.Min(auc[k]), slices.Max(auc[k])
			wlo, whi := slices.Min(wauc[k]), slices.Max(wauc[k])
			fmt.Fprintf(tw, "%s\t%g\t%.0f\t%.4f\t%.4f..%.4f\t%.4f\t%.4f..%.4f\t\n", policy, per, mean(invited[k]), mean(auc[k]), lo, hi, mean(wauc[k]), wlo, whi)
		}
	}
	tw.Flush()
	fmt.Printf("%d accounts, seeds %s, costs %s; mean over seeds\n", *accounts, *seedsFlag, *costsFlag)
}

// loop is one simulated base before the wave.
type loop struct {
	base    *villagesim.Base
	signals [][]scoring.Signal
	data    []calibrate.Outcome // the accounts scored before the wave, with their signals
	index   []int               // data[k] is base account index[k]
	cost    map[persona.ID]float64
	waveAt  time.Time
	seed    uint64
	rates   map[persona.ID]float64
	// The model and link calibrated on the signals before the wave, for
	// the value policies.
	model scoring.Model
	link  calibrate.Link
}

func newLoop(accounts int, seed uint64, costly bool) (*loop, error) {
	base, err := villagesim.Generate(villagesim.Config{Seed: seed, Accounts: accounts, People: true})
	if err != nil {
		return nil, err
	}
	l := &loop{base: base, signals: base.Signals(villagesim.SignalConfig{Seed: seed}), seed: seed,
		rates: villagesim.InvitedResponseRates(), cost: map[persona.ID]float64{}}
	renewed := base.Renewals(seed)
	decision := base.End.Add(villagesim.DecisionLag)
	cutoff := decision.Add(-90 * 24 * time.Hour) // calibrate's default lead
	l.waveAt = cutoff.Add(-24 * time.Hour)
	for _, p := range base.Catalog.Personas() {
		l.cost[p.ID] = 1
		if costly {
			switch p.Group {
			case persona.GroupDecision:
				l.cost[p.ID] = 6
			case persona.GroupTechnical:
				l.cost[p.ID] = 3
			}
		}
	}
	s, err := scoring.Compile(scoring.DefaultModel(base.Catalog), base.Catalog)
	if err != nil {
		return nil, err
	}
	for i, a := range base.Accounts {
		if r, _ := s.Score(a, l.signals[i], cutoff); r.Scored {
			l.data = append(l.data, calibrate.Outcome{Account: a, Signals: l.signals[i], Renewed: renewed[i], At: decision})
			l.index = append(l.index, i)
		}
	}
	rep, err := calibrate.Calibrate(scoring.DefaultModel(base.Catalog), base.Catalog, l.data, nil)
	if err != nil {
		return nil, err
	}
	l.model, l.link = rep.Model, rep.Link
	return l, nil
}

// wave is a policy's invitations and the answers they brought, by base
// account index.
type wave struct {
	answers     int
	invitations int
	added       map[int][]scoring.Signal
}

// candidate is a contact who could be invited: active at the wave, of a
// known persona, in an account of the evaluation.
type candidate struct {
	account int // base index
	contact *persona.Contact
}

func (l *loop) candidates() []candidate {
	var out []candidate
	for _, i := range l.index {
		acct := &l.base.Accounts[i]
		for ci := range acct.Contacts {
			if c := &acct.Contacts[ci]; c.ActiveAt(l.waveAt) {
				out = append(out, candidate{i, c})
			}
		}
	}
	return out
}

// plan chooses a policy's invitations and has the simulated people answer.
func (l *loop) plan(policy string, per float64) (*wave, error) {
	budget := per * float64(len(l.index))
	maxPer := max(1, int(math.Ceil(per)))
	rng := rand.New(rand.NewPCG(l.seed, uint64(len(policy))<<32|uint64(per*1000)))
	cands := l.candidates()
	var chosen []candidate
	switch policy {
	case "none":
	case "random", "weight", "deciders":
		// An order, then the budget and the cap taken in it.
		key := make([]float64, len(cands))
		for k, c := range cands {
			u := rng.Float64()
			switch policy {
			case "random":
				key[k] = u
			case "weight": // Efraimidis-Spirakis: u^(1/w), largest first
				p, _ := l.base.Catalog.Persona(c.contact.Persona)
				key[k] = math.Pow(u, 1/max(p.Weight, 1e-9))
			case "deciders":
				key[k] = u
				if c.contact.Persona == persona.FinanceExecutive || c.contact.Persona == persona.LineOfBusiness {
					key[k] += 1
				}
			}
		}
		order := make([]int, len(cands))
		for k := range order {
			order[k] = k
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(key[b], key[a]) })
		perAccount := map[int]int{}
		left := budget
		for _, k := range order {
			c := cands[k]
			cost := l.cost[c.contact.Persona]
			if perAccount[c.account] >= maxPer || cost > left {
				continue
			}
			perAccount[c.account]++
			left -= cost
			chosen = append(chosen, c)
		}
	case "neyman":
		frame := make([]sampling.FrameUnit, len(cands))
		for k, c := range cands {
			frame[k] = sampling.FrameUnit{ID: c.contact.ID, Account: l.base.Accounts[c.account].ID, Stratum: string(c.contact.Persona), Cost: l.cost[c.contact.Persona]}
		}
		w, err := sampling.PlanWave(frame, sampling.WaveOptions{Budget: budget, Method: sampling.Neyman, MinPerStratum: 8,
			Fatigue: sampling.Fatigue{MaxPerAccount: maxPer}, At: l.waveAt}, func() rand.Source { return rand.NewPCG(l.seed, 77) })
		if err != nil {
			return nil, err
		}
		byID := map[string]candidate{}
		for _, c := range cands {
			byID[c.contact.ID] = c
		}
		for _, u := range w.Sample.Units {
			chosen = append(chosen, byID[u.ID])
		}
	case "value", "poisson":
		var err error
		if chosen, err = l.valuePlan(cands, budget, maxPer, policy == "poisson"); err != nil {
			return nil, err
		}
	}
	byAccount := map[int][]string{}
	for _, c := range chosen {
		byAccount[c.account] = append(byAccount[c.account], c.contact.ID)
	}
	wv := &wave{invitations: len(chosen), added: map[int][]scoring.Signal{}}
	for i, ids := range byAccount {
		answers, err := l.base.Respond(i, ids, l.waveAt, l.rates, l.seed)
		if err != nil {
			return nil, err
		}
		wv.added[i] = answers
		wv.answers += len(answers)
	}
	return wv, nil
}

// valuePlan values every candidate's answer with the model and link
// calibrated before the wave and plans the wave on those values.
func (l *loop) valuePlan(cands []candidate, budget float64, maxPer int, poisson bool) ([]candidate, error) {
	s, err := scoring.Compile(l.model, l.base.Catalog)
	if err != nil {
		return nil, err
	}
	opts := &scoring.AnswerOptions{Metric: "nps", Outcome: l.link.Probability,
		Respond: func(_ *persona.Account, c *persona.Contact) float64 { return l.rates[c.Persona] }}
	byID := map[string]candidate{}
	for _, c := range cands {
		byID[c.contact.ID] = c
	}
	var sc []sampling.Candidate
	for _, i := range l.index {
		values, _, err := s.AnswerValues(l.base.Accounts[i], l.signals[i], l.waveAt, opts)
		if err != nil {
			return nil, err
		}
		for _, v := range values {
			sc = append(sc, sampling.Candidate{ID: v.Contact, Account: l.base.Accounts[i].ID, Stratum: string(v.Persona),
				Group: string(v.Persona), Value: v.Value, Evidence: v.Evidence, Cost: l.cost[v.Persona]})
		}
	}
	lo := sampling.ListeningOptions{Budget: budget, At: l.waveAt, Fatigue: sampling.Fatigue{MaxPerAccount: maxPer}}
	var plan *sampling.ListeningPlan
	if poisson {
		plan, err = sampling.PlanListeningPoisson(sc, lo, 0, rand.NewPCG(l.seed, 99))
	} else {
		plan, err = sampling.PlanListening(sc, lo)
	}
	if err != nil {
		return nil, err
	}
	var chosen []candidate
	for _, inv := range plan.Invitations {
		chosen = append(chosen, byID[inv.ID])
	}
	return chosen, nil
}

// evaluate calibrates on the signals with the wave's answers added and
// returns the calibrated model's out-of-fold AUC and ARR-weighted AUC.
func (l *loop) evaluate(w *wave) (auc, weighted float64, err error) {
	data := slices.Clone(l.data)
	y := make([]bool, len(data))
	arr := make([]float64, len(data))
	for k := range data {
		if added := w.added[l.index[k]]; len(added) > 0 {
			data[k].Signals = append(slices.Clip(data[k].Signals), added...)
		}
		y[k], arr[k] = data[k].Renewed, data[k].Account.ARR
	}
	rep, err := calibrate.Calibrate(scoring.DefaultModel(l.base.Catalog), l.base.Catalog, data, nil)
	if err != nil {
		return 0, 0, err
	}
	cal := rep.Evaluations[len(rep.Evaluations)-1]
	weighted, err = calibrate.WeightedAUC(y, cal.Predicted, arr)
	return cal.AUC, weighted, err
}

func parseList[T any](s string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for _, f := range strings.Split(s, ",") {
		v, err := parse(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
