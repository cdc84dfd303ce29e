package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// inputs are the flags that name a customer base's files and how to read
// them, shared by score, explain and calibrate.
type inputs struct {
	dir                                             string
	accounts, contacts, signals, committee, outcome string
	model, titles, titlesReplace                    string
	cols                                            columns
	strict                                          bool
	// noSignals is set by commands that read no signals (plan).
	noSignals bool
	rejects   *string // --rejects, set on env when the files are read
}

func (in *inputs) register(fs *flag.FlagSet, outcomes bool) {
	in.cols = columns{}
	fs.StringVar(&in.dir, "dir", "", "a folder holding accounts, contacts, signals (and committee, outcomes) as .csv or .jsonl")
	fs.StringVar(&in.accounts, "accounts", "", "accounts file: id, name, segment, arr, renewal, and any trait columns")
	fs.StringVar(&in.contacts, "contacts", "", "contacts file: id, account, persona or title, joined, left")
	fs.StringVar(&in.signals, "signals", "", "signals file: account, contact, persona, metric, value, at, source")
	fs.StringVar(&in.committee, "committee", "", "optional committee seats: account, kind, persona, contact, role, weight, from, until, note")
	if outcomes {
		fs.StringVar(&in.outcome, "outcomes", "", "renewal outcomes: account, renewed, at")
	}
	fs.StringVar(&in.model, "model", "", "scoring model JSON (default: the default model; see 'village model default')")
	fs.StringVar(&in.titles, "titles", "", "job-title rules JSON (persona.TitleRules) tried before the built-in B2B rules ('village titles' prints those)")
	fs.StringVar(&in.titlesReplace, "titles-replace", "", "job-title rules JSON used instead of the built-in ones")
	fs.Var(in.cols, "col", "read a logical column from another column name: logical=actual for every file (at=timestamp), or file.logical=actual for one (accounts.id=account); repeatable")
	fs.BoolVar(&in.strict, "strict", false, "exit 1 if any row is rejected or any account cannot be scored")
	in.rejects = fs.String("rejects", "", "write every rejected row of every file here, as CSV: file, line, column, reason")
}

// base is a customer base read from files.
type base struct {
	cat      *persona.Catalog
	scorer   *scoring.Scorer
	accounts []persona.Account
	signals  [][]scoring.Signal // signals[i] are the signals of accounts[i]
	outcomes []ingest.Outcome
	// rejected counts the rows rejected in every file, and orphans the
	// rows naming an account that is not in the accounts file.
	rejected, orphans int
}

// find returns the path of a named input: the flag's value, or in dir the
// first of name.csv, name.jsonl, name.ndjson that exists. required inputs
// missing are a usage error.
func (in *inputs) find(flagValue, name string, required bool) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if in.dir != "" {
		for _, ext := range []string{".csv", ".jsonl", ".ndjson"} {
			p := filepath.Join(in.dir, name+ext)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	if required {
		return "", usageErr("no %s file: give --%s, or --dir with %s.csv or %s.jsonl in it", name, name, name, name)
	}
	return "", nil
}

func formatOf(path string) ingest.Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson":
		return ingest.JSONL
	}
	return ingest.CSV
}

// readAll opens path and reads every accepted row with open, reporting the
// file's row accounting on stderr.
func readAll[T any](e *env, path string, open func(io.Reader, ingest.Format, string) (*ingest.Reader[T], error)) ([]T, int, error) {
	r, closeFile, err := openStream(path, open)
	if err != nil {
		return nil, 0, err
	}
	defer closeFile()
	rows := r.Collect()
	s := r.Summary()
	fmt.Fprintln(e.stderr, s.String())
	e.rejected = append(e.rejected, s.Errors...)
	return rows, s.Rejected, nil
}

// load reads the model, the title rules and the files into a base.
func (in *inputs) load(e *env) (*base, error) {
	b, err := in.loadModel()
	if err != nil {
		return nil, err
	}
	if err := in.loadVillage(e, b); err != nil {
		return nil, err
	}
	paths, err := in.paths()
	if err != nil {
		return nil, err
	}
	signals, rejected, err := readAll(e, paths["signals"], func(r io.Reader, f ingest.Format, p string) (*ingest.Reader[scoring.Signal], error) {
		return ingest.Signals(r, f, p, in.cols.forFile("signals"))
	})
	if err != nil {
		return nil, err
	}
	b.rejected += rejected
	var orphans []scoring.Signal
	b.signals, orphans = ingest.GroupSignals(b.accounts, slices.Values(signals))
	if paths["outcomes"] != "" {
		if b.outcomes, rejected, err = readAll(e, paths["outcomes"], func(r io.Reader, f ingest.Format, p string) (*ingest.Reader[ingest.Outcome], error) {
			return ingest.Outcomes(r, f, p, in.cols.forFile("outcomes"))
		}); err != nil {
			return nil, err
		}
		b.rejected += rejected
	}
	if len(orphans) > 0 {
		fmt.Fprintf(e.stderr, "%d signal row(s) name an account that is not in the accounts file: not used\n", len(orphans))
	}
	b.orphans += len(orphans)
	return b, nil
}

// loadModel returns a base with the B2B catalog and the scorer of the
// model given (or the default model).
func (in *inputs) loadModel() (*base, error) {
	b := &base{cat: persona.B2B()}
	model := scoring.DefaultModel(b.cat)
	if in.model != "" {
		data, err := os.ReadFile(in.model)
		if err != nil {
			return nil, inputErr(err)
		}
		if model, err = ingest.ReadModel(bytes.NewReader(data)); err != nil {
			return nil, inputErr(fmt.Errorf("%s: %w", in.model, err))
		}
	}
	var err error
	if b.scorer, err = scoring.Compile(model, b.cat); err != nil {
		return nil, inputErr(fmt.Errorf("model %s: %w", in.model, err))
	}
	return b, nil
}

// titleMapper returns the built-in B2B title rules, with the rules of
// --titles before them (so that they win; their fallback, if any, replaces
// the built-in none), or only those of --titles-replace.
func (in *inputs) titleMapper(cat *persona.Catalog) (*persona.TitleMapper, error) {
	rules := persona.B2BTitleRules()
	path := in.titles
	if in.titlesReplace != "" {
		if in.titles != "" {
			return nil, usageErr("give --titles (rules added before the built-in ones) or --titles-replace, not both")
		}
		path = in.titlesReplace
	}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, inputErr(err)
		}
		var own persona.TitleRules
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&own); err != nil {
			return nil, inputErr(fmt.Errorf("title rules %s: %w", path, err))
		}
		if in.titlesReplace != "" {
			rules = own
		} else {
			rules.Rules = append(own.Rules, rules.Rules...)
			if own.Fallback != "" {
				rules.Fallback = own.Fallback
			}
		}
	}
	titles, err := persona.NewTitleMapper(rules, cat)
	if err != nil {
		return nil, inputErr(fmt.Errorf("title rules %s: %w", path, err))
	}
	return titles, nil
}

// paths finds every input file: accounts, contacts and signals required
// (signals only when the command takes them), committee and outcomes when
// present.
func (in *inputs) paths() (map[string]string, error) {
	paths := map[string]string{}
	for _, f := range []struct {
		name, value string
		required    bool
	}{
		{"accounts", in.accounts, true}, {"contacts", in.contacts, true}, {"signals", in.signals, !in.noSignals},
		{"committee", in.committee, false}, {"outcomes", in.outcome, false},
	} {
		var err error
		if paths[f.name], err = in.find(f.value, f.name, f.required); err != nil {
			return nil, err
		}
	}
	return paths, nil
}

// loadAccounts reads the accounts file into b, rejecting an account listed
// twice.
func (in *inputs) loadAccounts(e *env, b *base, path string) error {
	var rejected int
	var err error
	if b.accounts, rejected, err = readAll(e, path, func(r io.Reader, f ingest.Format, p string) (*ingest.Reader[persona.Account], error) {
		return ingest.Accounts(r, f, p, in.cols.forFile("accounts"))
	}); err != nil {
		return err
	}
	b.rejected += rejected
	seen := make(map[string]bool, len(b.accounts))
	for _, a := range b.accounts {
		if seen[a.ID] {
			return inputErr(fmt.Errorf("%s: account %q listed twice", path, a.ID))
		}
		seen[a.ID] = true
	}
	return nil
}

// loadVillage reads the title rules, the accounts, their contacts and
// their committees into b.
func (in *inputs) loadVillage(e *env, b *base) error {
	if in.rejects != nil {
		e.rejectsPath = *in.rejects
	}
	titles, err := in.titleMapper(b.cat)
	if err != nil {
		return err
	}
	paths, err := in.paths()
	if err != nil {
		return err
	}
	if err := in.loadAccounts(e, b, paths["accounts"]); err != nil {
		return err
	}
	known := map[string]bool{}
	for _, a := range b.accounts {
		known[a.ID] = true
	}
	contacts, rejected, err := readAll(e, paths["contacts"], func(r io.Reader, f ingest.Format, p string) (*ingest.Reader[persona.Contact], error) {
		return ingest.Contacts(r, f, p, ingest.ContactOptions{Columns: in.cols.forFile("contacts"), Catalog: b.cat, Titles: titles, Accounts: known})
	})
	if err != nil {
		return err
	}
	b.rejected += rejected
	if n := countFunc(contacts, func(c persona.Contact) bool { return c.Persona == persona.Unmapped }); n > 0 {
		fmt.Fprintf(e.stderr, "%d contact(s) have job titles no rule maps to a persona (above): their signals are not used; "+
			"add rules with --titles rules.json ('village titles' prints the built-in ones)\n", n)
	}
	ingest.Attach(b.accounts, contacts) // no orphans (the reader knows the accounts); duplicates: the scorer reports the account
	if paths["committee"] != "" {
		seats, rejected, err := readAll(e, paths["committee"], func(r io.Reader, f ingest.Format, p string) (*ingest.Reader[ingest.Seat], error) {
			return ingest.Committee(r, f, p, ingest.CommitteeOptions{Columns: in.cols.forFile("committee"), Catalog: b.cat})
		})
		if err != nil {
			return err
		}
		b.rejected += rejected
		if orphans := ingest.AttachCommittee(b.accounts, seats); len(orphans) > 0 {
			fmt.Fprintf(e.stderr, "%d committee row(s) name an account that is not in the accounts file: not used\n", len(orphans))
			b.orphans += len(orphans)
		}
	}
	return nil
}

// account returns the index in b.accounts of the account with the given ID.
func (b *base) account(id string) (int, bool) {
	i := slices.IndexFunc(b.accounts, func(a persona.Account) bool { return a.ID == id })
	return i, i >= 0
}

// writeOutput writes what write produces to path atomically (a temporary
// file in the same folder, renamed over path once complete), or to stdout
// when path is empty. On error nothing is left at path.
func writeOutput(e *env, path string, write func(io.Writer) error) error {
	if path == "" {
		return write(e.stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return inputErr(err)
	}
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp's 0600 is for secrets, not reports
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// countFunc counts the elements of s for which f is true.
func countFunc[T any](s []T, f func(T) bool) int {
	n := 0
	for _, x := range s {
		if f(x) {
			n++
		}
	}
	return n
}
