// Command calibrate ties account health to money on a synthetic base: the
// hidden true health of each account (in which executives weigh most, more
// than the catalog guesses) drives its renewal, executives rarely answer
// surveys, usage follows the value the account gets, and the example fits
// a model's weights and terms to the renewals and compares how well four
// scores predict them: a flat average of every answer, the default
// persona-aware model, a plain logistic regression on raw features (the
// yardstick), and the calibrated model; then what moves renewal most.
package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/scoring"
	"github.com/villagecx/village/scoring/calibrate"
)

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(w io.Writer) error {
	const accounts = 3000
	base, err := villagesim.Generate(villagesim.Config{Seed: 11, Accounts: accounts})
	if err != nil {
		return err
	}
	signals := base.Signals(villagesim.SignalConfig{Seed: 11})
	renewed := base.Renewals(11)
	cat := base.Catalog
	model := scoring.DefaultModel(cat)
	scorer, err := scoring.Compile(model, cat)
	if err != nil {
		return err
	}

	// Renewals are decided a month after the signal year ends; features are
	// taken 90 days before that. Accounts with nothing heard by then cannot
	// be scored, and are left out (and counted).
	decided := base.End.Add(30 * 24 * time.Hour)
	lead := 90 * 24 * time.Hour
	var data []calibrate.Outcome
	for i, a := range base.Accounts {
		if r, _ := scorer.Score(a, signals[i], decided.Add(-lead)); !r.Scored {
			continue
		}
		data = append(data, calibrate.Outcome{Account: a, Signals: signals[i], Renewed: renewed[i], At: decided})
	}
	fmt.Fprintf(w, "%d synthetic accounts; %d had someone heard before the cut-off.\n\n", accounts, len(data))

	rep, err := calibrate.Calibrate(model, cat, data, &calibrate.Options{Lead: lead})
	if err != nil {
		return err
	}
	fmt.Fprint(w, rep)

	fmt.Fprintf(w, "\nReliability of the calibrated model (cross-validated):\n")
	fmt.Fprintf(w, "  %-12s %6s %10s %9s\n", "predicted", "n", "mean pred", "observed")
	for _, b := range rep.Evaluations[len(rep.Evaluations)-1].Reliability {
		if b.N > 0 {
			fmt.Fprintf(w, "  %4.1f - %-5.1f %6d %10.3f %9.3f\n", b.Lo, b.Hi, b.N, b.Predicted, b.Observed)
		}
	}
	return nil
}
