package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// renewalLag is how long after the end of the simulated year the renewals
// of `village generate` are decided.
const renewalLag = villagesim.DecisionLag

func runGenerate(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "generate")
	dir := fs.String("dir", "", "folder to write accounts.csv, contacts.csv, committee.csv, signals.csv and outcomes.csv to (required)")
	n := fs.Int("accounts", 200, "number of accounts")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same files")
	titlesOnly := fs.Bool("titles-only", false, "write contacts with job titles and no persona, as a CRM export has them")
	answersFor := fs.String("answers-for", "", "instead, field this plan ('village plan --out') on the base of the same --seed and --accounts: write who answered and their NPS to answers.csv in --dir")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	switch {
	case *dir == "":
		return usageErr("--dir is required")
	case *n < 1:
		return usageErr("--accounts %d: want at least 1", *n)
	case fs.NArg() > 0:
		return usageErr("unexpected arguments %q", fs.Args())
	}
	base, err := villagesim.Generate(villagesim.Config{Seed: *seed, Accounts: *n, Committees: true, Traits: true, FitEffect: 0.5})
	if err != nil {
		return usageErr("%v", err)
	}
	if *answersFor != "" {
		return fieldPlan(e, base, *seed, *answersFor, filepath.Join(*dir, "answers.csv"))
	}
	signals := base.Signals(villagesim.SignalConfig{Seed: *seed, BadRate: 0.01})
	renewed := base.Renewals(*seed)
	var contacts []persona.Contact
	var outcomes []ingest.Outcome
	for i, a := range base.Accounts {
		for _, c := range a.Contacts {
			if *titlesOnly {
				c.Persona = persona.Unmapped
			}
			contacts = append(contacts, c)
		}
		outcomes = append(outcomes, ingest.Outcome{Account: a.ID, Renewed: renewed[i], At: base.End.Add(renewalLag)})
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return inputErr(err)
	}
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"accounts.csv", func(w io.Writer) error { return writeAccounts(w, base.Accounts) }},
		{"contacts.csv", func(w io.Writer) error { return ingest.WriteContacts(w, ingest.CSV, slices.Values(contacts)) }},
		{"committee.csv", func(w io.Writer) error { return ingest.WriteCommittee(w, ingest.CSV, slices.Values(base.Accounts)) }},
		{"signals.csv", func(w io.Writer) error {
			return ingest.WriteSignals(w, ingest.CSV, func(yield func(scoring.Signal) bool) {
				for _, sigs := range signals {
					for _, s := range sigs {
						if !yield(s) {
							return
						}
					}
				}
			})
		}},
		{"outcomes.csv", func(w io.Writer) error { return ingest.WriteOutcomes(w, ingest.CSV, slices.Values(outcomes)) }},
	}
	for _, f := range files {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := writeOutput(e, filepath.Join(*dir, f.name), f.write); err != nil {
			return err
		}
	}
	total := 0
	for _, s := range signals {
		total += len(s)
	}
	fmt.Fprintf(e.stderr, "wrote %d accounts, %d contacts, %d signals and their renewals (decided %s) to %s\n",
		len(base.Accounts), len(contacts), total, base.End.Add(renewalLag).Format("2006-01-02"), *dir)
	fmt.Fprintf(e.stderr, "next: village score --dir %s --at %s\n", *dir, base.End.Format("2006-01-02"))
	return nil
}

// writeAccounts writes accounts with their traits as extra columns (which
// ingest.Accounts reads back as traits).
func writeAccounts(w io.Writer, accounts []persona.Account) error {
	var traits []string
	for _, a := range accounts {
		for k := range a.Traits {
			if !slices.Contains(traits, k) {
				traits = append(traits, k)
			}
		}
	}
	slices.Sort(traits)
	return ingest.WriteAccounts(w, ingest.CSV, slices.Values(accounts), traits...)
}

// fieldPlan simulates a survey of the plan's contacts in base: asked
// directly, people answer about twice as often as in the broadcast surveys
// villagesim models (executives still rarely do), and answer their
// persona's true feeling in the account, give or take 10 points, on 0..10.
func fieldPlan(e *env, base *villagesim.Base, seed uint64, planPath, out string) error {
	plan, rejected, err := readAll(e, planPath, func(r io.Reader, f ingest.Format, p string) (*ingest.Reader[ingest.PlannedUnit], error) {
		return ingest.Plan(r, f, p, nil)
	})
	if err != nil {
		return err
	}
	if rejected > 0 {
		return inputErr(fmt.Errorf("%s: %d row(s) rejected", planPath, rejected))
	}
	feeling := map[string]float64{}
	for i, a := range base.Accounts {
		for _, c := range a.Contacts {
			p, _ := base.Catalog.Index(c.Persona)
			feeling[c.ID] = base.Truth[i].Persona[p]
		}
	}
	rates := villagesim.DefaultResponseRates()
	rng := rand.New(rand.NewPCG(seed, 0x616e73))
	var answers []ingest.Answer
	unknown := 0
	for _, u := range plan {
		feel, ok := feeling[u.Contact]
		if !ok {
			unknown++
			continue
		}
		if rng.Float64() < math.Min(1, 2*rates[persona.ID(u.Stratum)]) {
			answers = append(answers, ingest.Answer{Contact: u.Contact, Value: math.Round(math.Max(0, math.Min(100, feel+10*rng.NormFloat64())) / 10)})
		}
	}
	if unknown > 0 {
		return inputErr(fmt.Errorf("%s: %d planned contact(s) are not in this base: give the --seed and --accounts it was generated with", planPath, unknown))
	}
	if err := writeOutput(e, out, func(w io.Writer) error { return ingest.WriteAnswers(w, ingest.CSV, slices.Values(answers)) }); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d of the %d asked answered; wrote %s\nnext: village estimate --plan %s --answers %s\n", len(answers), len(plan), out, planPath, out)
	return nil
}
