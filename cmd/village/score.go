package main

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// atFlag registers --at: the scoring time, RFC 3339 or a date; now when empty.
func atFlag(fs *flag.FlagSet) *string {
	return fs.String("at", "", "scoring time, RFC 3339, YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS] in UTC (default: now)")
}

func parseAt(e *env, s string) (time.Time, error) {
	if s == "" {
		at := time.Now().UTC().Truncate(time.Second)
		fmt.Fprintf(e.stderr, "scoring at %s (set --at to fix it)\n", at.Format(time.RFC3339))
		return at, nil
	}
	t, err := ingest.ParseTime(s)
	if err != nil {
		return time.Time{}, usageErr("--at: %v", err)
	}
	return t, nil
}

// row is one account's line of `village score`.
type row struct {
	Account  string   `json:"account"`
	Scored   bool     `json:"scored"`
	Score    float64  `json:"score"`
	Low      float64  `json:"low"`
	High     float64  `json:"high"`
	Band     string   `json:"band"`
	Coverage float64  `json:"coverage"`
	Veto     string   `json:"veto,omitempty"`
	Drivers  []string `json:"drivers,omitempty"`
	NotHeard []string `json:"not_heard,omitempty"`
	Used     int      `json:"used"`
	Dropped  int      `json:"dropped"`
	// With a model that carries its link (a fitted one): P(renew), its
	// interval, and ARR x (1 - P(renew)); empty for an account not scored.
	PRenew     *float64 `json:"p_renew,omitempty"`
	PRenewLow  *float64 `json:"p_renew_low,omitempty"`
	PRenewHigh *float64 `json:"p_renew_high,omitempty"`
	ARRAtRisk  *float64 `json:"arr_at_risk,omitempty"`
}

var rowColumns = []string{"account", "scored", "score", "low", "high", "band", "coverage", "veto", "drivers", "not_heard", "used", "dropped"}

// moneyColumns follow rowColumns when the model carries its link.
var moneyColumns = []string{"p_renew", "p_renew_low", "p_renew_high", "arr_at_risk"}

// withMoney adds P(renew), its interval and the ARR at risk to a scored
// row, through link.
func (r *row) withMoney(res *scoring.Result, link *scoring.Link, arr float64) {
	if !res.Scored {
		return
	}
	p, lo, hi := link.Probability(res.Score), link.Probability(res.Low), link.Probability(res.High)
	atRisk := round(arr * (1 - p))
	r.PRenew, r.PRenewLow, r.PRenewHigh, r.ARRAtRisk = new(round(p)), new(round(min(lo, hi))), new(round(max(lo, hi))), &atRisk
}

// rowOf summarises a result: the three contributions largest in size are
// the drivers ("finance-exec -4.2").
func rowOf(r *scoring.Result) row {
	out := row{Account: r.Account, Scored: r.Scored, Score: round(r.Score), Low: round(r.Low), High: round(r.High),
		Band: r.Band, Coverage: round(r.Coverage), Used: r.SignalsUsed, Dropped: len(r.Dropped)}
	if r.Veto.Applied {
		out.Veto = string(r.Veto.Persona)
	}
	ps := slices.Clone(r.Personas)
	slices.SortStableFunc(ps, func(a, b scoring.PersonaScore) int {
		return cmp.Compare(math.Abs(b.Contribution), math.Abs(a.Contribution))
	})
	for _, p := range ps[:min(3, len(ps))] {
		out.Drivers = append(out.Drivers, fmt.Sprintf("%s %+.1f", p.Persona, p.Contribution))
	}
	for _, p := range r.Missing {
		out.NotHeard = append(out.NotHeard, string(p))
	}
	return out
}

// round keeps four decimals: enough for a table, stable across platforms.
func round(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func (r row) fields() []string {
	return []string{r.Account, strconv.FormatBool(r.Scored), strconv.FormatFloat(r.Score, 'f', -1, 64),
		strconv.FormatFloat(r.Low, 'f', -1, 64), strconv.FormatFloat(r.High, 'f', -1, 64), r.Band,
		strconv.FormatFloat(r.Coverage, 'f', -1, 64), r.Veto, strings.Join(r.Drivers, "; "), strings.Join(r.NotHeard, " "),
		strconv.Itoa(r.Used), strconv.Itoa(r.Dropped)}
}

// moneyFields are the money columns of a row, empty where unknown.
func (r row) moneyFields() []string {
	var out []string
	for _, v := range []*float64{r.PRenew, r.PRenewLow, r.PRenewHigh, r.ARRAtRisk} {
		if v == nil {
			out = append(out, "")
		} else {
			out = append(out, strconv.FormatFloat(*v, 'f', -1, 64))
		}
	}
	return out
}

// shownErrors is how many accounts that cannot be scored are named one by
// one on stderr; the rest are counted.
const shownErrors = 10

// scoreEach scores the accounts in yields, which are b's accounts in
// order (with their contacts and signals), yielding each result, and
// reports on stderr the first accounts that cannot be scored. It draws a
// progress line on a terminal.

func scoreEach(ctx context.Context, e *env, b *base, in iter.Seq2[persona.Account, []scoring.Signal], at time.Time) (iter.Seq[*scoring.Result], *int) {
	unscored := new(int)
	return func(yield func(*scoring.Result) bool) {
		done := 0
		progress := func(n int) {
			done = n
			if e.progress && (n%500 == 0 || n == len(b.accounts)) {
				fmt.Fprint(e.stderr, "\r"+progressBar(n, len(b.accounts)))
			}
		}
		defer func() {
			if e.progress && done > 0 {
				fmt.Fprintln(e.stderr)
			}
		}()
		i := 0
		for r, err := range b.scorer.ScoreEach(ctx, in, at, &scoring.BatchOptions{Progress: progress}) {
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				*unscored++
				if *unscored <= shownErrors {
					fmt.Fprintf(e.stderr, "account %s not scored: %v\n", b.accounts[i].ID, err)
				}
				i++
				continue
			}
			i++
			if !yield(r) {
				return
			}
		}
	}, unscored
}

func runScore(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "score")
	var in inputs
	in.register(fs, false)
	at := atFlag(fs)
	asJSON := fs.Bool("json", false, "write JSON lines instead of CSV")
	out := fs.String("out", "", "write to this file (whole or not at all) instead of stdout")
	order := fs.String("sort", "input", "row order: input (the accounts file's), account (by ID), score (lowest first, unscored last) or risk (largest ARR at risk first; needs a model with a link, such as a fitted one)")
	sorted := fs.Bool("sorted", false, "stream: the contacts, committee and signals files are grouped by account in the accounts file's order, so that memory holds one account at a time (a base of any size)")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected arguments %q", fs.Args())
	}
	t, err := parseAt(e, *at)
	if err != nil {
		return err
	}
	var b *base
	var accounts iter.Seq2[persona.Account, []scoring.Signal]
	var st *stream
	if *sorted {
		if st, err = in.openSorted(e); err != nil {
			return err
		}
		defer st.close()
		b, accounts = st.base, st.All()
	} else {
		if b, err = in.load(e); err != nil {
			return err
		}
		accounts = func(yield func(persona.Account, []scoring.Signal) bool) {
			for i := range b.accounts {
				if !yield(b.accounts[i], b.signals[i]) {
					return
				}
			}
		}
	}
	link := b.scorer.Model().Link
	switch {
	case !slices.Contains([]string{"input", "account", "score", "risk"}, *order):
		return usageErr("--sort %q: want input, account, score or risk", *order)
	case *order == "risk" && link == nil:
		return usageErr("--sort risk needs a model that carries its link (village calibrate --model-out writes one)")
	case *order != "input" && *sorted:
		return usageErr("--sort %s needs the whole base in memory: not with --sorted", *order)
	}
	results, unscored := scoreEach(ctx, e, b, accounts, t)
	arr := map[string]float64{}
	if link != nil {
		for _, a := range b.accounts {
			arr[a.ID] = a.ARR
		}
	}
	n := 0
	var tally dropTally
	err = writeOutput(e, *out, func(w io.Writer) error {
		var enc *json.Encoder
		var cw *csv.Writer
		if *asJSON {
			enc = json.NewEncoder(w)
		} else {
			cw = csv.NewWriter(w)
			if link != nil {
				cw.Write(append(slices.Clone(rowColumns), moneyColumns...))
			} else {
				cw.Write(rowColumns)
			}
		}
		rows := func(yield func(row) bool) {
			for r := range results {
				tally.add(r)
				rw := rowOf(r)
				if link != nil {
					rw.withMoney(r, link, arr[r.Account])
				}
				if !yield(rw) {
					return
				}
			}
		}
		if *order != "input" {
			all := slices.Collect(iter.Seq[row](rows))
			slices.SortStableFunc(all, rowOrder(*order))
			rows = slices.Values(all)
		}
		for rw := range rows {
			var err error
			switch {
			case enc != nil:
				err = enc.Encode(rw)
			case link != nil:
				err = cw.Write(append(rw.fields(), rw.moneyFields()...))
			default:
				err = cw.Write(rw.fields())
			}
			if err != nil {
				return err
			}
			n++
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if st != nil && st.err != nil {
			return st.err
		}
		if cw != nil {
			cw.Flush()
			return cw.Error()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if st != nil {
		b.rejected, b.orphans = st.finish(e)
	}
	if *unscored > shownErrors {
		fmt.Fprintf(e.stderr, "and %d more accounts not scored (the first %d are named above)\n", *unscored-shownErrors, shownErrors)
	}
	if tally.silent == 0 {
		fmt.Fprintf(e.stderr, "%d accounts scored, %d could not be\n", n, *unscored)
	} else {
		fmt.Fprintf(e.stderr, "%d accounts scored, %d heard nobody (no usable signal), %d could not be\n", n-tally.silent, tally.silent, *unscored)
	}
	if n+*unscored > 0 && n-tally.silent == 0 {
		return &exitError{exitStrict, fmt.Errorf("no account could be scored: %s", tally.why())}
	}
	if in.strict && (b.rejected > 0 || *unscored > 0 || b.orphans > 0 || tally.silent > 0) {
		return errStrict
	}
	return nil
}

// rowOrder compares rows for --sort: by account ID; by score, lowest
// first and the accounts not scored last; or by ARR at risk, largest first,
// those without last. Ties go by account ID.
func rowOrder(order string) func(a, b row) int {
	return func(a, b row) int {
		var c int
		switch order {
		case "score":
			c = cmp.Or(cmp.Compare(boolRank(!a.Scored), boolRank(!b.Scored)), cmp.Compare(a.Score, b.Score))
		case "risk":
			c = cmp.Compare(boolRank(a.ARRAtRisk == nil), boolRank(b.ARRAtRisk == nil))
			if c == 0 && a.ARRAtRisk != nil {
				c = cmp.Compare(*b.ARRAtRisk, *a.ARRAtRisk)
			}
		}
		return cmp.Or(c, strings.Compare(a.Account, b.Account))
	}
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// dropTally counts, over the results written, the accounts that heard
// nobody and why signals were dropped, to say why nothing could be scored.
type dropTally struct {
	silent  int // results with no usable signal (Scored false)
	signals int // signals dropped
	reasons map[scoring.Reason]int
}

func (d *dropTally) add(r *scoring.Result) {
	if !r.Scored {
		d.silent++
	}
	if d.reasons == nil {
		d.reasons = map[scoring.Reason]int{}
	}
	for i := range r.Dropped {
		d.reasons[r.Dropped[i].Reason]++
		d.signals++
	}
}

// why names the three commonest reasons with their counts, and what to
// look at for the commonest.
func (d *dropTally) why() string {
	if d.signals == 0 {
		return "no signal was read for any account: is the signals file empty, or its account column mapped to the wrong header?"
	}
	reasons := make([]scoring.Reason, 0, len(d.reasons))
	for r := range d.reasons {
		reasons = append(reasons, r)
	}
	slices.SortFunc(reasons, func(a, b scoring.Reason) int {
		return cmp.Or(cmp.Compare(d.reasons[b], d.reasons[a]), cmp.Compare(a, b))
	})
	var parts []string
	for _, r := range reasons[:min(3, len(reasons))] {
		parts = append(parts, fmt.Sprintf("%s %s", thousands(d.reasons[r]), r))
	}
	msg := fmt.Sprintf("%s signals dropped: %s", thousands(d.signals), strings.Join(parts, ", "))
	switch reasons[0] {
	case scoring.ReasonUnknownContact:
		msg += "; do the signals' contact IDs match the contacts file's (did a --col map the wrong file)?"
	case scoring.ReasonUnmappedContact:
		msg += "; their job titles map to no persona: give --titles rules that map them"
	case scoring.ReasonFuture:
		msg += "; is --at before the signals?"
	case scoring.ReasonExpired:
		msg += "; is --at long after the signals, or the model's max_age short?"
	case scoring.ReasonUnknownMetric:
		msg += "; the model has no metric of those names: see 'village model default'"
	}
	return msg
}

// thousands writes n with commas between thousands: 635,201.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func runExplain(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "explain")
	var in inputs
	in.register(fs, false)
	at := atFlag(fs)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErr("name one account or more: village explain [flags] ACCOUNT...")
	}
	t, err := parseAt(e, *at)
	if err != nil {
		return err
	}
	b, err := in.load(e)
	if err != nil {
		return err
	}
	// The accounts found are explained and the others reported, so that
	// one typo among several IDs does not hide the rest.
	var missing []string
	explained, failed := 0, 0
	for _, id := range fs.Args() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		i, ok := b.account(id)
		if !ok {
			missing = append(missing, strconv.Quote(id))
			continue
		}
		r, err := b.scorer.Score(b.accounts[i], b.signals[i], t)
		if err != nil {
			fmt.Fprintf(e.stderr, "account %s not scored: %v\n", id, err)
			failed++
			continue
		}
		if explained > 0 {
			fmt.Fprintln(e.stdout)
		}
		if err := r.Explain(e.stdout); err != nil {
			return err
		}
		explained++
	}
	switch {
	case len(missing) > 0:
		return &exitError{exitStrict, fmt.Errorf("not in the accounts file: %s (%d explained)", strings.Join(missing, ", "), explained)}
	case failed > 0:
		return &exitError{exitStrict, fmt.Errorf("%d account(s) could not be scored (see above; %d explained)", failed, explained)}
	}
	return nil
}

func runTitles(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "titles")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected arguments %q", fs.Args())
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(persona.B2BTitleRules())
}

func runModel(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "model")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) != "default" {
		return usageErr("village model default")
	}
	return ingest.WriteModel(e.stdout, scoring.DefaultModel(persona.B2B()))
}

// progressBar draws n of total as a bar 30 characters wide with the
// percentage and the counts, e.g. "[#########.....................]  30%  3000/10000 accounts".
func progressBar(n, total int) string {
	const width = 30
	filled := 0
	if total > 0 {
		filled = min(width*n/total, width)
	}
	pct := 0
	if total > 0 {
		pct = 100 * n / total
	}
	return fmt.Sprintf("[%s%s] %3d%%  %d/%d accounts", strings.Repeat("#", filled), strings.Repeat(".", width-filled), pct, n, total)
}
