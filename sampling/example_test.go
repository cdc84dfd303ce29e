package sampling_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/sampling"
)

func ExampleAllocate() {
	// 300 interviews across three personas. Neyman puts them where the
	// population is large and answers vary; the executives get at least 30 so
	// their own estimate is usable.
	alloc, err := sampling.Allocate([]sampling.Stratum{
		{Key: "end-user", Size: 9000, SD: 20},
		{Key: "manager", Size: 1500, SD: 25},
		{Key: "executive", Size: 400, SD: 30, Min: 30},
	}, 300, sampling.Neyman)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range alloc {
		fmt.Printf("%-9s %3d (target %.1f)\n", a.Key, a.N, a.Target)
	}
	// By hand: scores N*S are 180000, 37500 and 12000; in proportion the
	// executives would get 300*12000/229500 = 15.7, below their minimum, so
	// they get 30 and the other 270 are shared 180000:37500 -> 223.4 and 46.6.

	// Output:
	// end-user  223 (target 223.4)
	// manager    47 (target 46.6)
	// executive  30 (target 30.0)
}

func ExampleDesign_PostStratify() {
	// Eight answers from a sample that reached end users far more than
	// executives. Post-stratifying to the known head counts (900 end users,
	// 100 executives) gives each group its true share.
	units := make([]sampling.Unit, 8)
	cells := []string{"user", "user", "user", "user", "user", "user", "exec", "exec"}
	satisfied := []float64{1, 1, 1, 1, 0, 1, 0, 0}
	for i := range units {
		units[i] = sampling.Unit{Weight: 125} // 1000 people, 8 asked at random
	}
	d, err := sampling.NewDesign(units, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	naive, _ := d.Mean(satisfied)
	ps, err := d.PostStratify(cells, map[string]float64{"user": 900, "exec": 100})
	if err != nil {
		fmt.Println(err)
		return
	}
	adjusted, _ := ps.Mean(satisfied)
	fmt.Printf("satisfied, as sampled: %.3f\n", naive.Value)
	fmt.Printf("satisfied, post-stratified: %.3f (SE %.3f)\n", adjusted.Value, adjusted.SE)
	// Output:
	// satisfied, as sampled: 0.625
	// satisfied, post-stratified: 0.750 (SE 0.146)
}

func ExampleSelect() {
	var frame []sampling.FrameUnit
	for i := range 6 {
		frame = append(frame, sampling.FrameUnit{ID: fmt.Sprintf("user-%d", i), Account: "acme", Stratum: "end-user"})
	}
	frame = append(frame, sampling.FrameUnit{ID: "cfo", Account: "acme", Stratum: "finance-exec"})
	s, err := sampling.Select(frame, sampling.Plan{
		Sizes:   map[string]int{"end-user": 2, "finance-exec": 1},
		Fatigue: sampling.Fatigue{MaxPerAccount: 4}, // at most 4 of acme's 7 people this wave
	}, rand.NewPCG(2, 2))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("set aside by the account cap:", s.Fatigue.OverAccountCap)
	for _, u := range s.Units {
		fmt.Printf("%-8s π = %.3f\n", u.ID, u.Prob)
	}
	// Four of acme's seven people stay in the frame, each with chance 4/7.
	// The CFO was among them and is taken (π = 4/7 * 1); two of the three end
	// users left are drawn (π = 4/7 * 2/3).

	// Output:
	// set aside by the account cap: map[end-user:3]
	// user-1   π = 0.381
	// user-4   π = 0.381
	// cfo      π = 0.571
}

func ExampleNPSAdjustedWald() {
	// Five executives answered: 2 promoters, 2 passives, 1 detractor.
	e, _ := sampling.NPSAdjustedWald(2, 2, 1)
	lo, hi := e.CI(0.95)
	fmt.Printf("NPS %+.1f (95%% CI %+.1f to %+.1f)\n", 100*e.Value, 100*lo, 100*hi)
	// Output: NPS +12.5 (95% CI -38.7 to +63.7)
}

// A frame stratified by persona and by customer fit, so that the survey
// spends its effort on the decision makers of accounts that fit the ideal
// customer profile, and hears the poor fits apart.
func ExampleFrameFromAccounts_byFit() {
	icp := persona.FitProfile{Rules: []persona.FitRule{
		{Trait: "industry", Is: []string{"banking"}, Points: 1, Reason: "regulated industry"},
		{Trait: "industry", Is: []string{"retail"}, Points: -1, Reason: "buys on price"},
	}, Good: 1, Poor: -1}
	accounts := []persona.Account{
		{ID: "bank", Traits: map[string]string{"industry": "banking"}, Contacts: []persona.Contact{
			{ID: "b1", Persona: persona.FinanceExecutive}, {ID: "b2", Persona: persona.EndUser}, {ID: "b3", Persona: persona.EndUser}}},
		{ID: "shop", Traits: map[string]string{"industry": "retail"}, Contacts: []persona.Contact{
			{ID: "s1", Persona: persona.EndUser}}},
		{ID: "new", Contacts: []persona.Contact{{ID: "n1", Persona: persona.EndUser}}},
	}
	byFit := func(a *persona.Account, c *persona.Contact) string {
		return string(c.Persona) + "/" + string(icp.Class(a))
	}
	frame := sampling.FrameFromAccounts(accounts, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), byFit, nil, nil)
	for _, st := range sampling.Strata(frame) {
		fmt.Printf("%-20s %d\n", st.Key, st.Size)
	}
	// Output:
	// end-user/good        2
	// end-user/poor        1
	// end-user/unknown     1
	// finance-exec/good    1
}

// Two means with their covariance, so that their difference has a
// standard error: a stratified sample of six units in two strata. By hand:
// before (30*7 + 90*5)/120 = 5.5, after (30*23/3 + 90*19/3)/120 = 6.67.
func ExampleDesign_Means() {
	d, err := sampling.NewDesign([]sampling.Unit{
		{Stratum: "a", Weight: 10}, {Stratum: "a", Weight: 10}, {Stratum: "a", Weight: 10},
		{Stratum: "b", Weight: 30}, {Stratum: "b", Weight: 30}, {Stratum: "b", Weight: 30},
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	before := []float64{6, 7, 8, 5, 6, 4}
	after := []float64{7, 7, 9, 6, 8, 5}
	est, cov, err := d.Means(before, after)
	if err != nil {
		fmt.Println(err)
		return
	}
	diff := est[1].Value - est[0].Value
	se := math.Sqrt(cov.At(0, 0) + cov.At(1, 1) - 2*cov.At(0, 1))
	fmt.Printf("before %.2f, after %.2f, change %+.2f (SE %.2f)\n", est[0].Value, est[1].Value, diff, se)
	// Output: before 5.50, after 6.67, change +1.17 (SE 0.26)
}

// A stratified sample described as R's svydesign(id = ~1, strata = ~stype,
// fpc = ~N, data = d) would describe it, then svymean(~score, design). The
// weights come from the fpc: 40/4 = 10 in stratum a, 60/2 = 30 in b. By
// hand: (40*7.5 + 60*4.5)/100 = 5.7, with variance 0.4^2*0.9*(5/3)/4 +
// 0.6^2*(58/60)*0.5/2 = 0.147, SE 0.383.
func ExampleNewSurvey() {
	d := sampling.Data{
		Numbers: map[string][]float64{"score": {7, 8, 6, 9, 4, 5}, "N": {40, 40, 40, 40, 60, 60}},
		Labels:  map[string][]string{"stype": {"a", "a", "a", "a", "b", "b"}},
	}
	s, err := sampling.NewSurvey(d, sampling.Spec{Strata: "stype", FPC: "N"})
	if err != nil {
		fmt.Println(err)
		return
	}
	mean, _ := s.Mean("score")
	fmt.Printf("mean %.2f (SE %.3f)\n", mean.Value, mean.SE)
	// Output: mean 5.70 (SE 0.383)
}

// A listening wave of four invitations for two accounts, at most three an
// account: the finance executive near a veto comes first, then the
// line-of-business executive not heard for months, then an end user. A
// second end user of acme would still be worth 12*13/(13*14) of the first
// (0.00086: their persona's evidence is 12 answers), but acme is full.
func ExamplePlanListening() {
	candidates := []sampling.Candidate{
		{ID: "gus", Account: "acme", Stratum: "finance-exec", Group: "acme/finance-exec", Value: 0.015, Evidence: 3},
		{ID: "dana", Account: "acme", Stratum: "lob-exec", Group: "acme/lob-exec", Value: 0.004, Evidence: 2},
		{ID: "eli", Account: "acme", Stratum: "end-user", Group: "acme/end-user", Value: 0.001, Evidence: 12},
		{ID: "fay", Account: "acme", Stratum: "end-user", Group: "acme/end-user", Value: 0.001, Evidence: 12},
		{ID: "hal", Account: "globex", Stratum: "end-user", Group: "globex/end-user", Value: 0.0008, Evidence: 2},
		{ID: "ian", Account: "globex", Stratum: "cio", Group: "globex/cio", Value: 0.0002, Evidence: 2},
	}
	plan, err := sampling.PlanListening(candidates, sampling.ListeningOptions{Budget: 4, Fatigue: sampling.Fatigue{MaxPerAccount: 3}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, inv := range plan.Invitations {
		fmt.Printf("%-5s %-7s %-13s %.5f\n", inv.ID, inv.Account, inv.Stratum, inv.Value)
	}
	fmt.Printf("total %.5f\n", plan.Value)
	// Output:
	// gus   acme    finance-exec  0.01500
	// dana  acme    lob-exec      0.00400
	// eli   acme    end-user      0.00100
	// hal   globex  end-user      0.00080
	// total 0.02080
}
