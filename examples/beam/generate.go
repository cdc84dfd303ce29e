package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/persona"
)

// Generate writes a synthetic base of n accounts (villagesim, seeded, with
// buying committees) as ingest JSON lines: contacts to contactsPath, the
// committees' seats to committeePath (nothing if it is empty), and signals
// to signalsPath, shuffled and spread over parts files (name-0.jsonl,
// name-1.jsonl, ... when parts > 1) so that a runner combines them in
// pieces. It returns the number of signals written.
func Generate(n int, seed uint64, signalsPath, contactsPath, committeePath string, parts int) (int, error) {
	base, err := villagesim.Generate(villagesim.Config{Seed: seed, Accounts: n, Committees: true})
	if err != nil {
		return 0, err
	}
	all := slices.Concat(base.Signals(villagesim.SignalConfig{Seed: seed, BadRate: 0.01})...)
	rng := rand.New(rand.NewPCG(seed, 99))
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })

	var contacts []persona.Contact
	for _, a := range base.Accounts {
		contacts = append(contacts, a.Contacts...)
	}
	if err := writeFile(contactsPath, func(w *bufio.Writer) error {
		return ingest.WriteContacts(w, ingest.JSONL, slices.Values(contacts))
	}); err != nil {
		return 0, err
	}
	if committeePath != "" {
		if err := writeFile(committeePath, func(w *bufio.Writer) error {
			return ingest.WriteCommittee(w, ingest.JSONL, slices.Values(base.Accounts))
		}); err != nil {
			return 0, err
		}
	}
	parts = max(parts, 1)
	for p := range parts {
		path := signalsPath
		if parts > 1 {
			ext := filepath.Ext(signalsPath)
			path = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(signalsPath, ext), p, ext)
		}
		lo, hi := p*len(all)/parts, (p+1)*len(all)/parts
		if err := writeFile(path, func(w *bufio.Writer) error {
			return ingest.WriteSignals(w, ingest.JSONL, slices.Values(all[lo:hi]))
		}); err != nil {
			return 0, err
		}
	}
	return len(all), nil
}

func writeFile(path string, write func(*bufio.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := write(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
