package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring/calibrate"
)

func runCalibrate(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "calibrate")
	var in inputs
	in.register(fs, true)
	lead := fs.Int("lead", 90, "days before each renewal the features are taken (nothing later is used)")
	fit := fs.String("fit", "", "optional ideal customer profile JSON (persona.FitProfile over the accounts' trait columns)")
	modelOut := fs.String("model-out", "", "write the fitted model as JSON here, for 'village score --model'")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected arguments %q", fs.Args())
	}
	if *lead < 0 {
		return usageErr("--lead %d: want 0 or more days", *lead)
	}
	opts := &calibrate.Options{Lead: time.Duration(*lead) * 24 * time.Hour}
	if *fit != "" {
		data, err := os.ReadFile(*fit)
		if err != nil {
			return inputErr(err)
		}
		var p persona.FitProfile
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return inputErr(fmt.Errorf("fit profile %s: %w", *fit, err))
		}
		if err := p.Validate(); err != nil {
			return inputErr(fmt.Errorf("fit profile %s: %w", *fit, err))
		}
		opts.Fit = &p
	}
	b, err := in.load(e)
	if err != nil {
		return err
	}
	if b.outcomes == nil {
		return usageErr("no outcomes file: give --outcomes, or --dir with outcomes.csv in it")
	}
	var data []calibrate.Outcome
	skipped, unknown := 0, 0
	for _, o := range b.outcomes {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		i, ok := b.account(o.Account)
		if !ok {
			unknown++
			continue
		}
		a, sigs := &b.accounts[i], b.signals[i]
		if r, err := b.scorer.Score(*a, sigs, o.At.Add(-opts.Lead)); err != nil || !r.Scored {
			skipped++ // nothing usable before the cut-off, or an account the scorer refuses
			continue
		}
		data = append(data, calibrate.Outcome{Account: *a, Signals: sigs, Renewed: o.Renewed, At: o.At})
	}
	if unknown > 0 {
		fmt.Fprintf(e.stderr, "%d outcome(s) name an account that is not in the accounts file: not used\n", unknown)
	}
	if skipped > 0 {
		fmt.Fprintf(e.stderr, "%d account(s) with an outcome had no usable signal %d days before it (or could not be scored): not used\n", skipped, *lead)
	}
	rep, err := calibrate.Calibrate(b.scorer.Model(), b.cat, data, opts)
	if err != nil {
		return inputErr(err)
	}
	// The calibrated model must earn its place: a loud warning when a
	// simpler score cross-validates better, and under --strict no model.
	loses := losesTo(rep)
	for _, l := range loses {
		fmt.Fprintf(e.stderr, "WARNING: the %s predicts renewal better than the calibrated model out of fold (AUC %.3f against %.3f)\n",
			l.Name, l.AUC, rep.Evaluations[len(rep.Evaluations)-1].AUC)
	}
	if len(loses) > 0 && in.strict {
		fmt.Fprint(e.stdout, rep)
		return &exitError{exitStrict, fmt.Errorf("--strict: the calibrated model loses to a simpler score; no model written")}
	}
	if *modelOut != "" {
		if err := writeOutput(e, *modelOut, func(w io.Writer) error { return ingest.WriteModel(w, rep.Model) }); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "wrote the fitted model to %s\n", *modelOut)
	}
	fmt.Fprint(e.stdout, rep)
	if in.strict && (b.rejected > 0 || b.orphans > 0 || unknown > 0 || skipped > 0) {
		return errStrict
	}
	return nil
}

// losesTo returns the evaluations of the flat average and the base model
// that cross-validate better (by AUC) than the calibrated model, the last.
func losesTo(rep *calibrate.Report) []calibrate.Evaluation {
	evals := rep.Evaluations
	cal := evals[len(evals)-1]
	var out []calibrate.Evaluation
	for _, e := range evals[:min(2, len(evals)-1)] { // the flat average and the base model
		if e.AUC > cal.AUC {
			out = append(out, e)
		}
	}
	return out
}
