package calibrate_test

import (
	"fmt"
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
	"github.com/villagecx/village/scoring/calibrate"
)

func ExampleAUC() {
	renewed := []bool{false, false, true, true}
	score := []float64{0.1, 0.4, 0.35, 0.8}
	auc, _ := calibrate.AUC(renewed, score)
	fmt.Println("AUC", auc) // 3 of the 4 renewed/churned pairs are ranked right
	// Output: AUC 0.75
}

func ExampleFitLogit() {
	// Renewal against a health score: low scores churn, high ones renew, with overlap.
	x := [][]float64{{-1}, {-0.8}, {-0.5}, {-0.2}, {0}, {0.1}, {0.3}, {0.5}, {0.8}, {1}}
	y := []bool{false, false, true, false, false, true, true, false, true, true}
	fit, err := calibrate.FitLogit(x, y, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("slope %.2f (SE %.2f); P(renew | 0.9) = %.2f\n", fit.Coef[1], fit.SE[1], fit.Predict([]float64{0.9}))
	// R's glm(y ~ x, family = binomial) on the same ten points prints the same.

	// Output: slope 2.02 (SE 1.40); P(renew | 0.9) = 0.85
}

func ExampleRevenueAtRisk() {
	cat := persona.B2B()
	scorer, err := scoring.Compile(scoring.DefaultModel(cat), cat)
	if err != nil {
		fmt.Println(err)
		return
	}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	// Three accounts; the link is what Calibrate fitted on past renewals.
	link := calibrate.Link{Intercept: 1.2, Slope: 2.5}
	accounts := []persona.Account{
		{ID: "acme", ARR: 120_000, Contacts: []persona.Contact{{ID: "cfo", Persona: persona.FinanceExecutive}, {ID: "u", Persona: persona.EndUser}}},
		{ID: "globex", ARR: 40_000, Contacts: []persona.Contact{{ID: "vp", Persona: persona.LineOfBusiness}, {ID: "u", Persona: persona.EndUser}}},
		{ID: "initech", ARR: 80_000, Contacts: []persona.Contact{{ID: "cfo", Persona: persona.FinanceExecutive}, {ID: "vp", Persona: persona.LineOfBusiness}}},
	}
	signals := [][]scoring.Signal{
		{{Contact: "cfo", Metric: "nps", Value: 5, At: at}, {Contact: "u", Metric: "nps", Value: 10, At: at}},
		{{Contact: "vp", Metric: "nps", Value: 9, At: at}, {Contact: "u", Metric: "nps", Value: 6, At: at}},
		{{Contact: "cfo", Metric: "nps", Value: 9, At: at}, {Contact: "vp", Metric: "nps", Value: 8, At: at}},
	}
	results := make([]scoring.Result, len(accounts))
	for i := range accounts {
		results[i], _ = scorer.Score(accounts[i], signals[i], at)
	}
	risks, _, err := calibrate.RevenueAtRisk(link, accounts, results)
	if err != nil {
		fmt.Println(err)
		return
	}
	// acme's lone CFO detractor (33.3) sits below the base's typical CFO
	// (the median of 33.3 and 66.7 is 50): moving them there is worth 0.175*16.7 =
	// 2.9 points and 3 points of renewal probability.
	for _, r := range risks {
		fmt.Printf("%-8s score %4.1f  P(renew) %.2f  at risk %6.0f (%.0f..%.0f)  first lever: %s %+.2f\n",
			r.Account, r.Score, r.Renew, r.AtRisk, r.AtRiskLow, r.AtRiskHigh, r.Levers[0].Persona, r.Levers[0].Change)
	}
	// Output:
	// acme     score 48.8  P(renew) 0.76  at risk  29042 (19321..41631)  first lever: finance-exec +0.03
	// initech  score 52.9  P(renew) 0.79  at risk  16524 (11090..23705)  first lever: finance-exec -0.02
	// globex   score 52.0  P(renew) 0.79  at risk   8567 (5698..12359)  first lever: lob-exec -0.02
}
