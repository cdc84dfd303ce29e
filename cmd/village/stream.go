package main

import (
	"fmt"
	"io"
	"iter"
	"os"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// grouped pulls the rows of one file, grouped by account in the accounts
// file's order, one account at a time.
type grouped[T any] struct {
	name    string
	next    func() (T, bool)
	stop    func()
	peek    T
	ok      bool
	account func(T) string
	orphans int
}

func newGrouped[T any](name string, rows iter.Seq[T], account func(T) string) *grouped[T] {
	g := &grouped[T]{name: name, account: account}
	g.next, g.stop = iter.Pull(rows)
	g.peek, g.ok = g.next()
	return g
}

// take returns the rows of the account at index cur of the accounts file
// (whose indices are in index): the rows up to the first of a later
// account. A row of an unknown account is counted and skipped; a row of an
// earlier account means the file is not sorted, an error.
func (g *grouped[T]) take(index map[string]int, cur int, dst []T) ([]T, error) {
	for g.ok {
		a := g.account(g.peek)
		i, known := index[a]
		switch {
		case !known:
			g.orphans++
		case i < cur:
			return dst, inputErr(fmt.Errorf("%s is not grouped by account in the accounts file's order (--sorted): a row of %q comes after the rows of a later account", g.name, a))
		case i > cur:
			return dst, nil
		default:
			dst = append(dst, g.peek)
		}
		g.peek, g.ok = g.next()
	}
	return dst, nil
}

// openStream opens path and returns its reader, and a function closing it.
func openStream[T any](path string, open func(io.Reader, ingest.Format, string) (*ingest.Reader[T], error)) (*ingest.Reader[T], func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, inputErr(err)
	}
	r, err := open(f, formatOf(path), path)
	if err != nil {
		f.Close()
		return nil, nil, inputErr(err)
	}
	return r, func() { f.Close() }, nil
}

// stream is a customer base read as it is scored: the accounts are read
// whole (they are small), then contacts, committee seats and signals are
// pulled one account at a time from files grouped by account in the
// accounts file's order, so that memory holds one account's village and
// signals at a time, not the base's.
type stream struct {
	base     *base
	contacts *grouped[persona.Contact]
	seats    *grouped[ingest.Seat]
	signals  *grouped[scoring.Signal]
	closers  []func()
	// summaries are the readers' row accounting, printed once the stream ends.
	summaries []func() ingest.Summary
	err       error
}

// openSorted reads the model and the accounts, and opens the other files
// for streaming.
func (in *inputs) openSorted(e *env) (*stream, error) {
	if in.rejects != nil {
		e.rejectsPath = *in.rejects
	}
	b, err := in.loadModel()
	if err != nil {
		return nil, err
	}
	titles, err := in.titleMapper(b.cat)
	if err != nil {
		return nil, err
	}
	paths, err := in.paths()
	if err != nil {
		return nil, err
	}
	if err := in.loadAccounts(e, b, paths["accounts"]); err != nil {
		return nil, err
	}
	s := &stream{base: b}
	contacts, closeContacts, err := openStream(paths["contacts"], func(r io.Reader, f ingest.Format, p string) (*ingest.Reader[persona.Contact], error) {
		return ingest.Contacts(r, f, p, ingest.ContactOptions{Columns: in.cols.forFile("contacts"), Catalog: b.cat, Titles: titles})
	})
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, closeContacts)
	s.summaries = append(s.summaries, contacts.Summary)
	s.contacts = newGrouped(paths["contacts"], contacts.All(), func(c persona.Contact) string { return c.Account })
	if paths["committee"] != "" {
		seats, closeSeats, err := openStream(paths["committee"], func(r io.Reader, f ingest.Format, p string) (*ingest.Reader[ingest.Seat], error) {
			return ingest.Committee(r, f, p, ingest.CommitteeOptions{Columns: in.cols.forFile("committee"), Catalog: b.cat})
		})
		if err != nil {
			s.close()
			return nil, err
		}
		s.closers = append(s.closers, closeSeats)
		s.summaries = append(s.summaries, seats.Summary)
		s.seats = newGrouped(paths["committee"], seats.All(), func(s ingest.Seat) string { return s.Account })
	}
	signals, closeSignals, err := openStream(paths["signals"], func(r io.Reader, f ingest.Format, p string) (*ingest.Reader[scoring.Signal], error) {
		return ingest.Signals(r, f, p, in.cols.forFile("signals"))
	})
	if err != nil {
		s.close()
		return nil, err
	}
	s.closers = append(s.closers, closeSignals)
	s.summaries = append(s.summaries, signals.Summary)
	s.signals = newGrouped(paths["signals"], signals.All(), func(s scoring.Signal) string { return s.Account })
	return s, nil
}

// All yields each account with its contacts, committee and signals, in the
// accounts file's order, reusing its buffers: ScoreEach copies what it
// keeps. A file out of order stops the stream with s.err set.
func (s *stream) All() iter.Seq2[persona.Account, []scoring.Signal] {
	return func(yield func(persona.Account, []scoring.Signal) bool) {
		index := make(map[string]int, len(s.base.accounts))
		for i, a := range s.base.accounts {
			index[a.ID] = i
		}
		var contacts []persona.Contact
		var seats []ingest.Seat
		var signals []scoring.Signal
		for i, a := range s.base.accounts {
			var err error
			if contacts, err = s.contacts.take(index, i, contacts[:0]); err != nil {
				s.err = err
				return
			}
			a.Contacts = contacts
			if s.seats != nil {
				if seats, err = s.seats.take(index, i, seats[:0]); err != nil {
					s.err = err
					return
				}
				a.Committee = a.Committee[:0]
				for _, seat := range seats {
					a.Committee = append(a.Committee, seat.Seat)
				}
			}
			if signals, err = s.signals.take(index, i, signals[:0]); err != nil {
				s.err = err
				return
			}
			if !yield(a, signals) {
				return
			}
		}
		// What is left is of no account in the file, or out of order.
		end := len(s.base.accounts)
		for _, take := range []func() error{
			func() error { _, err := s.contacts.take(index, end, nil); return err },
			func() error {
				if s.seats == nil {
					return nil
				}
				_, err := s.seats.take(index, end, nil)
				return err
			},
			func() error { _, err := s.signals.take(index, end, nil); return err },
		} {
			if err := take(); err != nil {
				s.err = err
				return
			}
		}
	}
}

// finish reports every file's row accounting and the orphan rows, and
// closes the files; it returns the rows rejected and orphaned.
func (s *stream) finish(e *env) (rejected, orphans int) {
	for _, sum := range s.summaries {
		st := sum()
		fmt.Fprintln(e.stderr, st.String())
		rejected += st.Rejected
		e.rejected = append(e.rejected, st.Errors...)
	}
	orphans = s.contacts.orphans + s.signals.orphans
	if s.seats != nil {
		orphans += s.seats.orphans
	}
	if orphans > 0 {
		fmt.Fprintf(e.stderr, "%d contact, seat or signal row(s) name an account that is not in the accounts file: not used\n", orphans)
	}
	s.close()
	return rejected + s.base.rejected, orphans
}

func (s *stream) close() {
	for _, g := range []interface{ stopPull() }{s.contacts, s.seats, s.signals} {
		if g != nil {
			g.stopPull()
		}
	}
	for _, c := range s.closers {
		c()
	}
	s.closers = nil
}

func (g *grouped[T]) stopPull() {
	if g != nil && g.stop != nil {
		g.stop()
		g.stop = nil
	}
}
