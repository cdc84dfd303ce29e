package scoring_test

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

func Example() {
	cat := persona.B2B()
	scorer, err := scoring.Compile(scoring.DefaultModel(cat), cat)
	if err != nil {
		fmt.Println(err)
		return
	}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{
		{ID: "dana", Persona: persona.LineOfBusiness},
		{ID: "gus", Persona: persona.FinanceExecutive},
		{ID: "hal", Persona: persona.FinanceExecutive},
		{ID: "eli", Persona: persona.EndUser},
		{ID: "fay", Persona: persona.EndUser},
		{ID: "ian", Persona: persona.TechnicalExpert},
	}}
	signals := []scoring.Signal{
		{Contact: "dana", Metric: "nps", Value: 9, At: at.AddDate(0, -1, 0)},
		{Contact: "gus", Metric: "nps", Value: 3, At: at.AddDate(0, -2, 0)},
		{Contact: "hal", Metric: "nps", Value: 5, At: at.AddDate(0, -1, 0)},
		{Contact: "eli", Metric: "nps", Value: 10, At: at.AddDate(0, 0, -10)},
		{Contact: "fay", Metric: "csat", Value: 5, At: at.AddDate(0, 0, -3)},
		{Contact: "ian", Metric: "usage", Value: 0.8, At: at.AddDate(0, 0, -7)},
		{Contact: "ian", Metric: "nps", Value: 12, At: at}, // off the scale: dropped
	}
	r, err := scorer.Score(acct, signals, at)
	if err != nil {
		fmt.Println(err)
		return
	}
	r.Explain(os.Stdout)
	// By hand: each persona is shrunk toward 50 with k = 2, so dana's
	// promoter answer (100) scores (100 + 2*50)/3 = 66.7. The finance
	// executives' two detractor answers (0 and 0) are one and two months old,
	// recency weights 0.625 and 0.788, so Kish's n is 1.974 and the persona
	// scores 2*50/3.974 = 25.2. The end users gave two answers of 100 on
	// metrics weighted 2/3 and 1/3 (NPS weighs double), an effective size of
	// 1/((2/3)^2 + (1/3)^2) = 1.8 independent answers, so they score
	// (1.8*100 + 2*50)/3.8 = 73.7. The five personas not heard count at the
	// prior with their catalog weights, so each persona heard keeps its own
	// (lob-exec 0.225, finance 0.175, end users 0.105, tech 0.06) and the
	// uncapped account is 50 + 3.75 - 4.35 + 2.49 + 0.60 = 52.5. Finance
	// holds a veto and its answers (raw 0 from N = 1.97, 0 + 0.84*25/1.40 =
	// 15 < 30) put it below 30, so the account is capped at 25.2.

	// Output:
	// acme: 25.2 (4.5..45.8), at risk; coverage 56%, effective n 4.2 from 6 signals
	//   baseline 50.0
	//     +3.8  lob-exec       score  66.7 ± 14.4  weight 22.5%  1 contact(s), 1 signal(s)
	//     -4.3  finance-exec   score  25.2 ± 12.5  weight 17.5%  2 contact(s), 2 signal(s)  (veto holder)
	//     +2.5  end-user       score  73.7 ± 12.8  weight 10.5%  2 contact(s), 2 signal(s)
	//     +0.6  tech-expert    score  60.0 ± 14.4  weight  6.0%  1 contact(s), 1 signal(s)
	//    -27.3  veto: finance-exec (answers averaging 0.0) caps the account at its score 25.2
	//   not heard, counted at the prior: procurement, dept-manager, champion, cio, security
	//   heard from one person only: lob-exec, tech-expert
	//   dropped 1 signal(s): 1 value outside the metric's scale
}

func ExampleScorer_ScoreAll() {
	cat := persona.B2B()
	scorer, err := scoring.Compile(scoring.DefaultModel(cat), cat)
	if err != nil {
		fmt.Println(err)
		return
	}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	accounts := func(yield func(persona.Account, []scoring.Signal) bool) {
		for i, nps := range []float64{10, 6, 8} {
			acct := persona.Account{ID: fmt.Sprintf("acct-%d", i), Contacts: []persona.Contact{{ID: "u", Persona: persona.LineOfBusiness}}}
			if !yield(acct, []scoring.Signal{{Contact: "u", Metric: "nps", Value: nps, At: at}}) {
				return
			}
		}
	}
	for r, err := range scorer.ScoreAll(context.Background(), accounts, at, &scoring.BatchOptions{Workers: 2}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s %.1f %s\n", r.Account, r.Score, r.Band)
	}
	// Output:
	// acct-0 53.8 insufficient data
	// acct-1 46.2 insufficient data
	// acct-2 50.0 insufficient data
}

// A base held in memory is prepared once and scored at two times: thirteen
// months later, every answer is older than the default model's maximum age
// of a year, and nothing is left to score.
func ExampleScorer_ScoreBatch() {
	cat := persona.B2B()
	scorer, err := scoring.Compile(scoring.DefaultModel(cat), cat)
	if err != nil {
		fmt.Println(err)
		return
	}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var accounts []persona.Account
	var signals [][]scoring.Signal
	for i, nps := range []float64{10, 3} {
		accounts = append(accounts, persona.Account{ID: fmt.Sprintf("acct-%d", i), Contacts: []persona.Contact{{ID: "u", Persona: persona.LineOfBusiness}}})
		signals = append(signals, []scoring.Signal{{Contact: "u", Metric: "nps", Value: nps, At: at}})
	}
	batch, err := scorer.NewBatch(accounts, signals)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, when := range []time.Time{at, at.AddDate(0, 13, 0)} {
		for r, err := range scorer.ScoreBatch(context.Background(), batch, when, nil) {
			if err != nil {
				fmt.Println(err)
				return
			}
			if !r.Scored {
				fmt.Printf("%s %s not scored: %s\n", when.Format(time.DateOnly), r.Account, r.Dropped[0].Reason)
				continue
			}
			fmt.Printf("%s %s %.1f\n", when.Format(time.DateOnly), r.Account, r.Score)
		}
	}
	// Output:
	// 2026-06-01 acct-0 53.8
	// 2026-06-01 acct-1 46.2
	// 2027-07-01 acct-0 not scored: older than the model's max age
	// 2027-07-01 acct-1 not scored: older than the model's max age
}

// Every Result of a prepared base, kept: here to list the accounts worst
// first.
func ExampleScorer_ScoreBatchAll() {
	cat := persona.B2B()
	scorer, err := scoring.Compile(scoring.DefaultModel(cat), cat)
	if err != nil {
		fmt.Println(err)
		return
	}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var accounts []persona.Account
	var signals [][]scoring.Signal
	for i, nps := range []float64{9, 3, 7} {
		accounts = append(accounts, persona.Account{ID: fmt.Sprintf("acct-%d", i), Contacts: []persona.Contact{{ID: "u", Persona: persona.LineOfBusiness}}})
		signals = append(signals, []scoring.Signal{{Contact: "u", Metric: "nps", Value: nps, At: at.AddDate(0, -1, 0)}})
	}
	batch, err := scorer.NewBatch(accounts, signals)
	if err != nil {
		fmt.Println(err)
		return
	}
	results, err := scorer.ScoreBatchAll(context.Background(), batch, at, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	slices.SortFunc(results, func(a, b scoring.Result) int { return cmp.Compare(a.Score, b.Score) })
	for _, r := range results {
		fmt.Printf("%s %.1f\n", r.Account, r.Score)
	}
	// Output:
	// acct-1 46.2
	// acct-2 50.0
	// acct-0 53.8
}

func ExampleScorer_NewAccumulator() {
	cat := persona.B2B()
	scorer, err := scoring.Compile(scoring.DefaultModel(cat), cat)
	if err != nil {
		fmt.Println(err)
		return
	}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{
		{ID: "dana", Persona: persona.LineOfBusiness}, {ID: "eli", Persona: persona.EndUser},
	}}
	// Two workers each see part of the signals...
	left := scorer.NewAccumulator("acme", at)
	left.Add(scoring.Signal{Contact: "dana", Metric: "nps", Value: 9, At: at})
	right := scorer.NewAccumulator("acme", at)
	right.Add(scoring.Signal{Contact: "eli", Metric: "csat", Value: 2, At: at})

	// ...one ships its state to the other as bytes...
	data, _ := right.MarshalBinary()
	shipped := scorer.NewAccumulator("", time.Time{})
	if err := shipped.UnmarshalBinary(data); err != nil {
		fmt.Println(err)
		return
	}
	if err := left.Merge(shipped); err != nil {
		fmt.Println(err)
		return
	}
	// ...and the merged state scores exactly as Score on everything would.
	merged, _ := left.Result(acct)
	whole, _ := scorer.Score(acct, []scoring.Signal{
		{Contact: "dana", Metric: "nps", Value: 9, At: at},
		{Contact: "eli", Metric: "csat", Value: 2, At: at},
	}, at)
	// By hand: dana 100 -> (100 + 2*50)/3 = 66.667; eli's CSAT 2 of 1..5 is 25
	// -> (25 + 100)/3 = 41.667. The personas not heard count at the prior 50
	// with their catalog weights, so dana's line-of-business executive keeps
	// 0.225 of the account and eli's end users 0.105:
	// 50 + 0.225*(66.667 - 50) + 0.105*(41.667 - 50) = 52.875.
	fmt.Printf("merged %.4f, whole %.4f\n", merged.Score, whole.Score)
	// Output: merged 52.8750, whole 52.8750
}

// Whom to ask next: the value of one more answer from each contact, here
// as the expected squared move of the probability of renewal through a
// fitted link, for a finance executive (a veto holder) who answered NPS 2
// once and end users heard often. The square root of a Value is the typical
// move of P(renew) an invitation brings.
func ExampleScorer_AnswerValues() {
	cat := persona.B2B()
	model := scoring.DefaultModel(cat)
	model.PersonSpread = model.Spread // a person's repeated answers count
	scorer, err := scoring.Compile(model, cat)
	if err != nil {
		fmt.Println(err)
		return
	}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{
		{ID: "gus", Persona: persona.FinanceExecutive},
		{ID: "dana", Persona: persona.LineOfBusiness},
		{ID: "eli", Persona: persona.EndUser},
		{ID: "fay", Persona: persona.EndUser},
	}}
	signals := []scoring.Signal{
		{Contact: "gus", Metric: "nps", Value: 2, At: at.AddDate(0, -4, 0)},
		{Contact: "eli", Metric: "nps", Value: 9, At: at.AddDate(0, 0, -10)},
		{Contact: "fay", Metric: "nps", Value: 8, At: at.AddDate(0, 0, -3)},
		{Contact: "fay", Metric: "csat", Value: 4, At: at.AddDate(0, 0, -3)},
	}
	link := func(score float64) float64 { return 1 / (1 + math.Exp(-(1 + 2*(score-50)/50))) }
	values, base, err := scorer.AnswerValues(acct, signals, at, &scoring.AnswerOptions{Metric: "nps", Outcome: link})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("P(renew) %.2f\n", link(base.Score))
	slices.SortStableFunc(values, func(a, b scoring.AnswerValue) int { return cmp.Compare(b.Value, a.Value) })
	for _, v := range values {
		fmt.Printf("%-5s %-14s veto %-5v ±%.3f\n", v.Contact, v.Persona, v.VetoHolder, math.Sqrt(v.Value))
	}
	// Output:
	// P(renew) 0.72
	// gus   finance-exec   veto true  ±0.124
	// dana  lob-exec       veto false ±0.019
	// eli   end-user       veto false ±0.004
	// fay   end-user       veto false ±0.004
}
