package main

import (
	"io"
	"iter"
	"os"
	"path/filepath"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// Local is the pipeline's input read into this process with package
// ingest, to be scored with ScoreAll: the baseline the pipeline is measured
// and tested against. Lines the pipeline would dead-letter are left out here
// too, signals with no account included.
type Local struct {
	Accounts []persona.Account
	Signals  map[string][]scoring.Signal
	// Count is the number of signals read.
	Count int
}

// LoadLocal reads contacts matching contactGlob, committee seats matching
// committeeGlob (none if it is empty) and signals matching signalGlobs.
// Every account named by a contact or a signal is scored; seats of other
// accounts are left out, as the pipeline's join leaves them.
func LoadLocal(cat *persona.Catalog, signalGlobs []string, contactGlob, committeeGlob string) (*Local, error) {
	l := &Local{Signals: map[string][]scoring.Signal{}}
	seen := map[string]bool{}
	account := func(id string) {
		if !seen[id] {
			seen[id] = true
			l.Accounts = append(l.Accounts, persona.Account{ID: id})
		}
	}
	var contacts []persona.Contact
	err := eachRow([]string{contactGlob}, func(r io.Reader, path string) (*ingest.Reader[persona.Contact], error) {
		return ingest.Contacts(r, ingest.JSONL, path, ingest.ContactOptions{Catalog: cat})
	}, func(c persona.Contact) {
		account(c.Account)
		contacts = append(contacts, c)
	})
	if err != nil {
		return nil, err
	}
	ingest.Attach(l.Accounts, contacts)
	if committeeGlob != "" {
		var seats []ingest.Seat
		if err := eachRow([]string{committeeGlob}, func(r io.Reader, path string) (*ingest.Reader[ingest.Seat], error) {
			return ingest.Committee(r, ingest.JSONL, path, ingest.CommitteeOptions{Catalog: cat})
		}, func(s ingest.Seat) { seats = append(seats, s) }); err != nil {
			return nil, err
		}
		ingest.AttachCommittee(l.Accounts, seats)
	}
	err = eachRow(signalGlobs, func(r io.Reader, path string) (*ingest.Reader[scoring.Signal], error) {
		return ingest.Signals(r, ingest.JSONL, path, nil)
	}, func(s scoring.Signal) {
		if s.Account == "" {
			return // the pipeline cannot route it either
		}
		account(s.Account)
		l.Signals[s.Account] = append(l.Signals[s.Account], s)
		l.Count++
	})
	return l, err
}

// All yields each account with its signals, for Scorer.ScoreAll.
func (l *Local) All() iter.Seq2[persona.Account, []scoring.Signal] {
	return func(yield func(persona.Account, []scoring.Signal) bool) {
		for _, a := range l.Accounts {
			if !yield(a, l.Signals[a.ID]) {
				return
			}
		}
	}
}

// eachRow opens every file matching globs, reads it with open and passes
// each accepted row to each.
func eachRow[T any](globs []string, open func(io.Reader, string) (*ingest.Reader[T], error), each func(T)) error {
	for _, glob := range globs {
		files, err := filepath.Glob(glob)
		if err != nil {
			return err
		}
		for _, path := range files {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			r, err := open(f, path)
			if err == nil {
				for v := range r.All() {
					each(v)
				}
			}
			f.Close()
			if err != nil {
				return err
			}
		}
	}
	return nil
}
