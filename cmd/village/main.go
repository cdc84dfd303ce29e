package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"

	"github.com/villagecx/village/ingest"
)

// The exit codes (see the package documentation).
const (
	exitOK          = 0
	exitStrict      = 1
	exitUsage       = 2
	exitInput       = 3
	exitInterrupted = 130
)

// exitError carries an exit code and the message to print for it.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{exitUsage, fmt.Errorf(format, args...)}
}

func inputErr(err error) error { return &exitError{exitInput, err} }

// errStrict reports, under --strict, that the job finished with rejected
// rows or accounts that could not be scored.
var errStrict = &exitError{exitStrict, errors.New("--strict: some rows were rejected or accounts not scored (see above)")}

// command is one subcommand: its name and what it runs.
type command struct {
	name string
	run  func(ctx context.Context, env *env, args []string) error
}

// env is what a command reads and writes: the process's streams, so that
// tests can run commands in process too.
type env struct {
	stdout, stderr io.Writer
	// progress says whether to draw a progress line on stderr (a terminal).
	progress bool
	// rejected collects every row rejected from every file read, for
	// --rejects FILE (rejectsPath), written when the command ends.
	rejected    []ingest.RowError
	rejectsPath string
}

var commands = []command{
	{"generate", runGenerate},
	{"score", runScore},
	{"explain", runExplain},
	{"calibrate", runCalibrate},
	{"plan", runPlan},
	{"estimate", runEstimate},
	{"model", runModel},
	{"titles", runTitles},
}

// help is each command's line of help and its examples.
var help = map[string]struct{ summary, examples string }{
	"generate": {"write a synthetic customer base (villagesim) as CSV files",
		"village generate --dir demo --accounts 200 --seed 1"},
	"score": {"score every account: one row each with score, interval, band, coverage, veto, drivers",
		"village score --dir demo --at 2026-01-01\n  village score --accounts a.csv --contacts c.csv --signals s.jsonl --col at=timestamp --json --out scores.jsonl"},
	"explain": {"explain the scores of the accounts named",
		"village explain --dir demo --at 2026-01-01 acct-00002 acct-00017"},
	"calibrate": {"fit the model to renewal outcomes, print the report, write the fitted model",
		"village calibrate --dir demo --model-out fitted.json\n  village score --dir demo --model fitted.json"},
	"plan": {"plan whom to ask within a budget and the fatigue rules: by what each answer would teach about the renewal (--objective renewal), or a Neyman survey for base-wide NPS (--objective estimate, the default)",
		"village plan --objective renewal --dir demo --at 2026-01-01 --budget 300 --per-account 2 --asked demo/signals.csv --out plan.csv\n  village plan --objective renewal --dir demo --at 2026-01-01 --budget 300 --link 1.2,2.5 --respond finance-exec=0.3 --draw poisson\n  village plan --dir demo --budget 300 --at 2026-01-01 --asked demo/signals.csv --out plan.csv\n  village plan --accounts a.csv --frame contacts.csv --budget 300 --cost cio=8"},
	"estimate": {"estimate NPS from a fielded plan's answers: naive, weighted and persona-weighted, with SEs",
		"village estimate --plan plan.csv --answers answers.csv"},
	"model": {"print the default model as JSON, to start a model of your own from",
		"village model default > model.json"},
	"titles": {"print the built-in job-title rules as JSON: --titles adds rules before them, --titles-replace replaces them",
		"village titles > titles.json"},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	code := run(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, progress: isTerminal(os.Stderr)}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run runs the command line args and returns the exit code, having printed
// any error on stderr.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 2 && args[0] == "help" && slices.ContainsFunc(commands, func(c command) bool { return c.name == args[1] }) {
		args = []string{args[1], "--help"} // village help CMD is village CMD --help
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		if e.rejectsPath != "" && ctx.Err() == nil {
			if werr := writeRejects(e); werr != nil && err == nil {
				err = werr
			}
		}
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case ctx.Err() != nil:
			fmt.Fprintln(e.stderr, "village: interrupted; nothing was written")
			return exitInterrupted
		}
		fmt.Fprintf(e.stderr, "village %s: %v\n", c.name, err)
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.code == exitUsage {
				fmt.Fprintf(e.stderr, "Run 'village %s --help' for its flags.\n", c.name)
			}
			return ee.code
		}
		return exitInput
	}
	fmt.Fprintf(e.stderr, "village: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "village: persona-aware account health from CSV or JSON-lines files.\n\nUsage: village COMMAND [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, help[c.name].summary)
	}
	fmt.Fprintf(w, "\nTry it in two commands:\n  village generate --dir demo\n  village score --dir demo\n\n"+
		"'village COMMAND --help' lists a command's flags with examples.\n"+
		"Exit codes: 0 done, 1 nothing could be scored (score: no account heard; the reasons are printed) or --strict found\n"+
		"rejected rows or accounts not scored, 2 usage, 3 input, 130 interrupted.\n")
}

// flags returns a flag set for the command that returns errors rather
// than exiting and prints nothing itself: parse prints the help for
// --help, and run the one-line error otherwise.
func flags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("village "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args, printing the command's help with examples for
// --help and turning a bad flag into a usage error.
func parse(e *env, fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		name := strings.TrimPrefix(fs.Name(), "village ")
		h := help[name]
		fmt.Fprintf(e.stderr, "village %s: %s\n\nExamples:\n  %s\n\nFlags:\n", name, h.summary, h.examples)
		fs.SetOutput(e.stderr)
		fs.PrintDefaults()
		fmt.Fprintf(e.stderr, "\nExit codes: 0 done, 1 nothing could be scored or --strict found rejected rows or accounts not scored, 2 usage, 3 input, 130 interrupted.\n")
		return err
	case err != nil:
		return &exitError{exitUsage, err}
	}
	return nil
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// columns is the repeated --col logical=actual flag.
type columns map[string]string

func (c columns) String() string {
	var parts []string
	for k, v := range c {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

// inputFiles are the files a --col FILE.COLUMN=HEADER can name.
var inputFiles = []string{"accounts", "contacts", "signals", "committee", "outcomes"}

func (c columns) Set(s string) error {
	logical, actual, ok := strings.Cut(s, "=")
	if !ok || logical == "" || actual == "" {
		return fmt.Errorf("want logical=actual, e.g. at=timestamp, or file.logical=actual, e.g. accounts.id=account")
	}
	if file, col, ok := strings.Cut(logical, "."); ok && (col == "" || !slices.Contains(inputFiles, file)) {
		return fmt.Errorf("%q: want one of %s before the dot, and a column after it", logical, strings.Join(inputFiles, ", "))
	}
	c[logical] = actual
	return nil
}

// forFile returns the column mapping for one input file: the bare
// logical=actual pairs, which apply to every file, and the file's own
// file.logical=actual pairs, which win over them.
func (c columns) forFile(file string) ingest.Columns {
	out := ingest.Columns{}
	for k, v := range c {
		if !strings.Contains(k, ".") {
			out[k] = v
		}
	}
	for k, v := range c {
		if f, col, ok := strings.Cut(k, "."); ok && f == file {
			out[col] = v
		}
	}
	return out
}

// writeRejects writes every rejected row (file, line, column, reason) to
// --rejects, whole or not at all.
func writeRejects(e *env) error {
	return writeOutput(e, e.rejectsPath, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"file", "line", "column", "reason"})
		for _, r := range e.rejected {
			cw.Write([]string{r.File, strconv.Itoa(r.Line), r.Column, r.Reason})
		}
		cw.Flush()
		return cw.Error()
	})
}
