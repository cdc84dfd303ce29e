package sampling_test

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/villagecx/village/sampling"
)

func TestDecayNormal(t *testing.T) {
	for _, tc := range []struct {
		e    float64
		j    int
		want float64
	}{
		{2, 0, 1},
		{2, 1, 2.0 * 3 / (3 * 4)},         // Spread^2(1/3 - 1/4) over Spread^2(1/2 - 1/3)
		{2, 3, 2.0 * 3 / (5 * 6)},         // (1/5 - 1/6) over (1/2 - 1/3)
		{0.5, 1, 0.5 * 1.5 / (1.5 * 2.5)}, // a weak prior
		{0, 4, 1},                         // not known: no decay
	} {
		if got := sampling.DecayNormal(tc.e, tc.j); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("DecayNormal(%v, %d) = %v, want %v", tc.e, tc.j, got, tc.want)
		}
	}
}

// objective is the plan's value by its definition, from scratch: over each
// group, its candidates' values in falling order times the decay at their
// rank; a candidate without a group counts its value.
func objective(cands []sampling.Candidate, chosen []int) float64 {
	byGroup := map[string][]sampling.Candidate{}
	var sum float64
	for _, i := range chosen {
		if cands[i].Group == "" {
			sum += cands[i].Value
			continue
		}
		byGroup[cands[i].Group] = append(byGroup[cands[i].Group], cands[i])
	}
	for _, members := range byGroup {
		slices.SortFunc(members, func(a, b sampling.Candidate) int { return cmp.Compare(b.Value, a.Value) })
		for j, c := range members {
			sum += c.Value * sampling.DecayNormal(c.Evidence, j)
		}
	}
	return sum
}

// optimum enumerates every subset of cands within the budget and the
// per-account cap.
func optimum(cands []sampling.Candidate, budget float64, cap int) float64 {
	best := 0.0
	for mask := 0; mask < 1<<len(cands); mask++ {
		var chosen []int
		var cost float64
		per := map[string]int{}
		for i, c := range cands {
			if mask&(1<<i) != 0 {
				chosen = append(chosen, i)
				cost += max(c.Cost, 1) // 0 is 1; the costs here are whole
				per[c.Account]++
			}
		}
		over := false
		for _, n := range per {
			over = over || (cap > 0 && n > cap)
		}
		if !over && cost <= budget {
			best = max(best, objective(cands, chosen))
		}
	}
	return best
}

// randomCandidates makes n candidates in three accounts, two personas each,
// with values, evidence and (if costly) costs from rng; with sameInGroup
// the candidates of a group share one value.
func randomCandidates(rng *rand.Rand, n int, costly, sameInGroup bool) []sampling.Candidate {
	groupValue, evidence := map[string]float64{}, map[string]float64{}
	var out []sampling.Candidate
	for i := range n {
		acct := fmt.Sprint("acct-", rng.IntN(3))
		p := []string{"finance", "user"}[rng.IntN(2)]
		g := acct + "/" + p
		v := rng.ExpFloat64()
		if sameInGroup {
			if gv, ok := groupValue[g]; ok {
				v = gv
			}
			groupValue[g] = v
		}
		if _, ok := evidence[g]; !ok { // one estimate, one evidence
			evidence[g] = 0.5 + 3*rng.Float64()
		}
		c := sampling.Candidate{ID: fmt.Sprint("c", i), Account: acct, Stratum: p, Group: g, Value: v, Evidence: evidence[g]}
		if costly {
			c.Cost = float64(1 + rng.IntN(6))
		}
		out = append(out, c)
	}
	return out
}

// The greedy plan against the exhaustive optimum on small bases: exact
// where a group's candidates share a value and costs are equal, and within
// the guarantees PlanListening states elsewhere.
func TestPlanListeningAgainstTheOptimum(t *testing.T) {
	for _, tc := range []struct {
		name          string
		costly, same  bool
		cap           int
		bound         float64
		wantExact     bool
		budgetPerCand float64
	}{
		{"equal costs, equal values in a group: exact", false, true, 0, 1, true, 0.4},
		{"equal costs, equal values in a group, two an account: exact", false, true, 2, 1, true, 0.4},
		{"equal costs: at least 1-1/e", false, false, 0, 1 - 1/math.E, false, 0.4},
		{"equal costs, two an account: at least 1/2", false, false, 2, 0.5, false, 0.4},
		{"unequal costs: at least (1-1/e)/2", true, false, 0, (1 - 1/math.E) / 2, false, 1.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 9))
			worst, mean := 1.0, 0.0
			const trials = 150
			for trial := range trials {
				cands := randomCandidates(rng, 10, tc.costly, tc.same)
				budget := math.Round(tc.budgetPerCand * 10)
				plan, err := sampling.PlanListening(cands, sampling.ListeningOptions{Budget: budget, Fatigue: sampling.Fatigue{MaxPerAccount: tc.cap}})
				if err != nil {
					t.Fatal(err)
				}
				var chosen []int
				for _, inv := range plan.Invitations {
					chosen = append(chosen, inv.Index)
				}
				got := objective(cands, chosen)
				if math.Abs(got-plan.Value) > 1e-9 {
					t.Fatalf("trial %d: plan says value %v, its invitations are worth %v", trial, plan.Value, got)
				}
				if plan.Cost > budget {
					t.Fatalf("trial %d: cost %v over the budget %v", trial, plan.Cost, budget)
				}
				opt := optimum(cands, budget, tc.cap)
				ratio := got / opt
				if tc.wantExact && ratio < 1-1e-12 {
					t.Fatalf("trial %d: greedy %v, optimum %v", trial, plan.Value, opt)
				}
				if ratio < tc.bound-1e-12 {
					t.Fatalf("trial %d: greedy %v is %.3f of the optimum %v, under the bound %.3f", trial, plan.Value, ratio, opt, tc.bound)
				}
				worst, mean = min(worst, ratio), mean+ratio/trials
			}
			t.Logf("greedy / optimum over %d bases: worst %.4f, mean %.4f", trials, worst, mean)
		})
	}
}

func TestPlanListeningRules(t *testing.T) {
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	cands := []sampling.Candidate{
		{ID: "cfo", Account: "a", Stratum: "finance", Group: "a/finance", Value: 10, Evidence: 2},
		{ID: "lob", Account: "a", Stratum: "lob", Group: "a/lob", Value: 8, Evidence: 2},
		{ID: "eu1", Account: "a", Stratum: "user", Group: "a/user", Value: 1, Evidence: 2},
		{ID: "eu2", Account: "a", Stratum: "user", Group: "a/user", Value: 1, Evidence: 2},
		{ID: "cfo-b", Account: "b", Stratum: "finance", Group: "b/finance", Value: 6, Evidence: 2, LastContacted: at.Add(-10 * 24 * time.Hour)},
		{ID: "eu-b", Account: "b", Stratum: "user", Group: "b/user", Value: 0.5, Evidence: 2},
		{ID: "nothing", Account: "b", Stratum: "user", Value: 0},
	}
	ids := func(p *sampling.ListeningPlan) []string {
		var out []string
		for _, inv := range p.Invitations {
			out = append(out, inv.ID)
		}
		return out
	}
	plan, err := sampling.PlanListening(cands, sampling.ListeningOptions{Budget: 10, At: at,
		Fatigue: sampling.Fatigue{MinGap: 30 * 24 * time.Hour, MaxPerAccount: 3}})
	if err != nil {
		t.Fatal(err)
	}
	// cfo-b was asked 10 days ago and is left out; account a takes three
	// (cfo, lob, eu1), so its second end user, worth half the first
	// (evidence 2: 2*3/(3*4)), gives way to eu-b; a value of 0 is never
	// invited.
	if got, want := ids(plan), []string{"cfo", "lob", "eu1", "eu-b"}; !slices.Equal(got, want) {
		t.Errorf("invited %v, want %v", got, want)
	}
	if plan.RecentlyContacted != 1 || plan.Cost != 4 || math.Abs(plan.Value-19.5) > 1e-12 {
		t.Errorf("recently contacted %d, cost %v, value %v; want 1, 4, 19.5", plan.RecentlyContacted, plan.Cost, plan.Value)
	}

	// A minimum of two end users is met first, from the most valuable.
	plan, err = sampling.PlanListening(cands, sampling.ListeningOptions{Budget: 3, Min: map[string]int{"user": 2}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(plan), []string{"eu1", "eu2", "cfo"}; !slices.Equal(got, want) {
		t.Errorf("with a minimum of 2 users, invited %v, want %v", got, want)
	}
	if _, err := sampling.PlanListening(cands, sampling.ListeningOptions{Budget: 3, Min: map[string]int{"finance": 3}}); !errors.Is(err, sampling.ErrInfeasible) {
		t.Errorf("a minimum that cannot be met: %v", err)
	}

	// Costs: the CFO's interview costs 6, the whole budget. By value per
	// cost the end users come first (2 a unit against 10/6) and leave
	// 2 + 1 = 3; by value the CFO alone brings 10, and that plan is kept.
	costly := []sampling.Candidate{
		{ID: "cfo", Account: "a", Group: "a/finance", Value: 10, Evidence: 2, Cost: 6},
		{ID: "eu1", Account: "a", Group: "a/user", Value: 2, Evidence: 2},
		{ID: "eu2", Account: "a", Group: "a/user", Value: 2, Evidence: 2},
	}
	plan, err = sampling.PlanListening(costly, sampling.ListeningOptions{Budget: 6})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(plan); !slices.Equal(got, []string{"cfo"}) {
		t.Errorf("with costs, invited %v, want [cfo]", got)
	}
}

func TestPlanListeningBadInput(t *testing.T) {
	good := sampling.Candidate{ID: "x", Account: "a", Value: 1}
	for _, tc := range []struct {
		name  string
		cands []sampling.Candidate
		opts  sampling.ListeningOptions
		want  error
	}{
		{"no budget", []sampling.Candidate{good}, sampling.ListeningOptions{}, sampling.ErrInvalidValue},
		{"NaN budget", []sampling.Candidate{good}, sampling.ListeningOptions{Budget: math.NaN()}, sampling.ErrInvalidValue},
		{"negative value", []sampling.Candidate{{ID: "x", Value: -1}}, sampling.ListeningOptions{Budget: 1}, sampling.ErrInvalidValue},
		{"NaN value", []sampling.Candidate{{ID: "x", Value: math.NaN()}}, sampling.ListeningOptions{Budget: 1}, sampling.ErrInvalidValue},
		{"infinite cost", []sampling.Candidate{{ID: "x", Value: 1, Cost: math.Inf(1)}}, sampling.ListeningOptions{Budget: 1}, sampling.ErrInvalidValue},
		{"negative evidence", []sampling.Candidate{{ID: "x", Value: 1, Evidence: -1}}, sampling.ListeningOptions{Budget: 1}, sampling.ErrInvalidValue},
		{"an ID twice", []sampling.Candidate{good, good}, sampling.ListeningOptions{Budget: 1}, sampling.ErrInvalidValue},
		{"negative minimum", []sampling.Candidate{good}, sampling.ListeningOptions{Budget: 1, Min: map[string]int{"": -1}}, sampling.ErrInvalidValue},
		{"a decay above 1", []sampling.Candidate{good, {ID: "y", Value: 1, Group: "g"}, {ID: "z", Value: 1, Group: "g"}},
			sampling.ListeningOptions{Budget: 3, Decay: func(float64, int) float64 { return 2 }}, sampling.ErrInvalidValue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := sampling.PlanListening(tc.cands, tc.opts); !errors.Is(err, tc.want) {
				t.Errorf("PlanListening: %v, want %v", err, tc.want)
			}
		})
	}
	// A budget that buys nothing is not an error: an empty plan.
	plan, err := sampling.PlanListening([]sampling.Candidate{{ID: "x", Value: 1, Cost: 5}}, sampling.ListeningOptions{Budget: 1})
	if err != nil || len(plan.Invitations) != 0 {
		t.Errorf("a budget that buys nothing: %+v, %v", plan, err)
	}
}

// The same candidates in another order give the same invitations (values
// without ties), and a plan is the same on every run.
func TestPlanListeningOrderFree(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	cands := randomCandidates(rng, 60, true, false)
	opts := sampling.ListeningOptions{Budget: 40, Fatigue: sampling.Fatigue{MaxPerAccount: 5}}
	set := func(cs []sampling.Candidate) []string {
		plan, err := sampling.PlanListening(cs, opts)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, inv := range plan.Invitations {
			out = append(out, inv.ID)
		}
		slices.Sort(out)
		return out
	}
	want := set(cands)
	for range 5 {
		shuffled := slices.Clone(cands)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if got := set(shuffled); !slices.Equal(got, want) {
			t.Fatalf("shuffled candidates invite %v, want %v", got, want)
		}
	}
}

// The probability form: inclusion probabilities proportional to value per
// cost (capped at 1, floored at minProb), expected cost equal to the
// budget, each candidate drawn as often as its probability says, and the
// Horvitz-Thompson total of a variable over the candidates unbiased over
// 200 waves (|bias| under 0.5 of a wave's standard error, from this
// package's Design).
func TestPlanListeningPoisson(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 4))
	cands := randomCandidates(rng, 300, false, false)
	y := make([]float64, len(cands))
	var total float64
	for i := range cands {
		y[i] = 10 + 5*rng.NormFloat64()
		total += y[i]
	}
	const budget, minProb = 60.0, 0.05
	opts := sampling.ListeningOptions{Budget: budget}
	first, err := sampling.PlanListeningPoisson(cands, opts, minProb, rand.NewPCG(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(first.ExpectedCost-budget) > 1e-6 {
		t.Errorf("expected cost %v, want the budget %v", first.ExpectedCost, budget)
	}
	pi := map[int]float64{}
	counts := make([]int, len(cands))
	var estimates, ses []float64
	const waves = 200
	for w := range waves {
		plan, err := sampling.PlanListeningPoisson(cands, opts, minProb, rand.NewPCG(uint64(w), 7))
		if err != nil {
			t.Fatal(err)
		}
		units := make([]sampling.Unit, len(plan.Invitations))
		ys := make([]float64, len(plan.Invitations))
		for k, inv := range plan.Invitations {
			if old, ok := pi[inv.Index]; ok && old != inv.Prob {
				t.Fatalf("candidate %d: probability %v in one wave, %v in another", inv.Index, old, inv.Prob)
			}
			pi[inv.Index] = inv.Prob
			if inv.Prob < minProb || inv.Prob > 1 {
				t.Fatalf("probability %v outside [%v, 1]", inv.Prob, minProb)
			}
			counts[inv.Index]++
			units[k] = sampling.Unit{Weight: 1 / inv.Prob}
			ys[k] = y[inv.Index]
		}
		d, err := sampling.NewDesign(units, &sampling.DesignOptions{Lonely: sampling.LonelyCertainty})
		if err != nil {
			t.Fatal(err)
		}
		est, err := d.Total(ys)
		if err != nil {
			t.Fatal(err)
		}
		estimates = append(estimates, est.Value)
		ses = append(ses, est.SE)
	}
	var mean, se float64
	for w := range waves {
		mean += estimates[w] / waves
		se += ses[w] / waves
	}
	if bias := mean - total; math.Abs(bias) > 0.5*se {
		t.Errorf("Horvitz-Thompson total: mean %.1f over %d waves, truth %.1f: bias %.1f, over half the SE %.1f", mean, waves, total, bias, se)
	}
	t.Logf("HT total over %d waves: mean %.1f, truth %.1f, mean SE %.1f", waves, mean, total, se)
	// Higher value per cost, higher probability; drawn as often as said.
	for i := range cands {
		p, ok := pi[i]
		if !ok {
			continue
		}
		if sd := math.Sqrt(waves * p * (1 - p)); math.Abs(float64(counts[i])-waves*p) > 4.5*sd+1 {
			t.Errorf("candidate %d: drawn %d times in %d waves at probability %.3f", i, counts[i], waves, p)
		}
	}

	if _, err := sampling.PlanListeningPoisson(cands, sampling.ListeningOptions{Budget: 1}, 0.5, rand.NewPCG(1, 1)); !errors.Is(err, sampling.ErrInfeasible) {
		t.Errorf("a budget below the floor's cost: %v", err)
	}
	if _, err := sampling.PlanListeningPoisson(cands, sampling.ListeningOptions{Budget: 10, Min: map[string]int{"user": 1}}, 0, rand.NewPCG(1, 1)); !errors.Is(err, sampling.ErrInvalidValue) {
		t.Errorf("minimums in a Poisson plan: %v", err)
	}
	again, _ := sampling.PlanListeningPoisson(cands, opts, minProb, rand.NewPCG(1, 1))
	if !slices.Equal(first.Invitations, again.Invitations) {
		t.Error("the same source gives another plan")
	}
}

// ResponseRates is the beta posterior mean, by hand: prior 0.3 worth 10
// invitations; 2 of 20 answered gives (2 + 3)/(20 + 10) = 1/6; no history
// leaves the prior; a stratum without a prior starts from the fallback:
// 5 of 5 at fallback 0.2 gives (5 + 2)/(5 + 10) = 7/15.
func TestResponseRates(t *testing.T) {
	var history []sampling.InvitationOutcome
	for i := range 20 {
		history = append(history, sampling.InvitationOutcome{Stratum: "finance-exec", Answered: i < 2})
	}
	for range 5 {
		history = append(history, sampling.InvitationOutcome{Stratum: "wizard", Answered: true})
	}
	rates, err := sampling.ResponseRates(history, map[string]float64{"finance-exec": 0.3, "end-user": 0.6}, 0.2, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []sampling.ResponseRate{
		{Stratum: "end-user", Rate: 0.6, Prior: 0.6, Strength: 10},
		{Stratum: "finance-exec", Rate: 5.0 / 30, Sent: 20, Answered: 2, Prior: 0.3, Strength: 10},
		{Stratum: "wizard", Rate: 7.0 / 15, Sent: 5, Answered: 5, Prior: 0.2, Strength: 10},
	}
	if len(rates) != len(want) {
		t.Fatalf("rates %+v", rates)
	}
	for i := range want {
		got := rates[i]
		if got.Stratum != want[i].Stratum || got.Sent != want[i].Sent || got.Answered != want[i].Answered ||
			got.Prior != want[i].Prior || math.Abs(got.Rate-want[i].Rate) > 1e-15 {
			t.Errorf("rate %d: %+v, want %+v", i, got, want[i])
		}
	}
	for _, bad := range []struct {
		prior              map[string]float64
		fallback, strength float64
	}{{nil, 0.2, 0}, {nil, 0.2, math.Inf(1)}, {nil, 1.5, 1}, {map[string]float64{"x": -0.1}, 0.2, 1}, {map[string]float64{"x": math.NaN()}, 0.2, 1}} {
		if _, err := sampling.ResponseRates(history, bad.prior, bad.fallback, bad.strength); !errors.Is(err, sampling.ErrInvalidValue) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
