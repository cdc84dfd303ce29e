// Command beam scores a customer base on Apache Beam, for when one machine
// is not enough: signals are keyed by account and combined with village's
// mergeable scoring accumulator (a Beam CombineFn whose state crosses
// workers as the accumulator's binary encoding), joined with each account's
// contacts and buying-committee seats, and written as one result line per account. Input lines that
// cannot be read go to a dead-letter file with their reason.
//
// It runs locally on Beam's in-process prism runner:
//
//	go run . -generate 2000 -signals /tmp/v/signals.jsonl -contacts /tmp/v/contacts.jsonl -committee /tmp/v/committee.jsonl
//	go run . -signals '/tmp/v/signals*.jsonl' -contacts /tmp/v/contacts.jsonl -committee /tmp/v/committee.jsonl \
//	    -at 2026-01-01T00:00:00Z -output /tmp/v/results.jsonl -dead_letter /tmp/v/dead.txt
//
// and on a cluster with Beam's own flags, no code change; see README.md.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

var (
	signalsFlag  = flag.String("signals", "signals.jsonl", "signal JSON-lines file(s): globs, comma-separated, each read as a source of its own")
	contactsFlag = flag.String("contacts", "contacts.jsonl", "contact JSON-lines file(s), a glob")
	committee    = flag.String("committee", "", "committee-seat JSON-lines file(s), a glob (with -generate: where to write them)")
	output       = flag.String("output", "results.jsonl", "result file: one JSON line per account")
	deadLetter   = flag.String("dead_letter", "dead_letter.txt", "rejected input lines with their reasons")
	modelFile    = flag.String("model", "", "scoring model JSON (default: scoring.DefaultModel of the catalog)")
	catFile      = flag.String("catalog", "", "persona catalog JSON (default: persona.B2B())")
	atFlag       = flag.String("at", "2026-01-01T00:00:00Z", "scoring time, RFC 3339")
	generate     = flag.Int("generate", 0, "write a synthetic base of this many accounts to -signals and -contacts, then exit")
	split        = flag.Int("split", 1, "with -generate: spread the signals over this many files, shuffled")
	local        = flag.Bool("scoreall", false, "score in this process with scoring.ScoreAll instead of Beam, for comparison")
)

func main() {
	flag.Parse()
	beam.Init()
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	cat := persona.B2B()
	if *catFile != "" {
		data, err := os.ReadFile(*catFile)
		if err != nil {
			return err
		}
		var c persona.Catalog
		if err := json.Unmarshal(data, &c); err != nil {
			return fmt.Errorf("catalog %s: %w", *catFile, err)
		}
		cat = &c
	}
	if *generate > 0 {
		n, err := Generate(*generate, 1, *signalsFlag, *contactsFlag, *committee, *split)
		if err != nil {
			return err
		}
		fmt.Printf("wrote %d accounts, %d signals\n", *generate, n)
		return nil
	}
	modelJSON, err := json.Marshal(scoring.DefaultModel(cat))
	if err != nil {
		return err
	}
	if *modelFile != "" {
		if modelJSON, err = os.ReadFile(*modelFile); err != nil {
			return err
		}
	}
	catJSON, err := json.Marshal(cat)
	if err != nil {
		return err
	}
	at, err := time.Parse(time.RFC3339Nano, *atFlag)
	if err != nil {
		return fmt.Errorf("-at: %w", err)
	}
	if *local {
		return scoreLocally(ctx, cat, modelJSON, at)
	}
	p, s := beam.NewPipelineWithRoot()
	if err := Build(s, Config{Signals: strings.Split(*signalsFlag, ","), Contacts: *contactsFlag, Committee: *committee, Output: *output, DeadLetter: *deadLetter,
		ModelJSON: string(modelJSON), Catalog: string(catJSON), At: at}); err != nil {
		return err
	}
	start := time.Now()
	res, err := beamx.RunWithMetrics(ctx, p)
	if err != nil {
		return err
	}
	c := Counters(res)
	fmt.Printf("signal lines %d (rejected %d), contact lines %d (rejected %d), committee lines %d (rejected %d), accounts scored %d (rejected %d), accumulator merges %d, in %v\n",
		c["signal_lines"], c["signal_lines_rejected"], c["contact_lines"], c["contact_lines_rejected"],
		c["committee_lines"], c["committee_lines_rejected"], c["accounts_scored"], c["accounts_rejected"],
		c["accumulator_merges"], time.Since(start).Round(time.Millisecond))
	return nil
}

// Counters returns the pipeline's village counters by name (committed
// values where the runner reports them, else attempted).
func Counters(res beam.PipelineResult) map[string]int64 {
	out := map[string]int64{}
	if res == nil {
		return out
	}
	for _, c := range res.Metrics().AllMetrics().Counters() {
		if c.Key.Namespace != "village" {
			continue
		}
		v := c.Committed
		if v == 0 {
			v = c.Attempted
		}
		out[c.Key.Name] += v
	}
	return out
}

// scoreLocally scores the same inputs with ScoreAll in this process and
// writes the same output format: the baseline of BENCHMARKS.md.
func scoreLocally(ctx context.Context, cat *persona.Catalog, modelJSON []byte, at time.Time) error {
	start := time.Now()
	m, err := ingest.ReadModel(bytes.NewReader(modelJSON))
	if err != nil {
		return err
	}
	scorer, err := scoring.Compile(m, cat)
	if err != nil {
		return err
	}
	local, err := LoadLocal(cat, strings.Split(*signalsFlag, ","), *contactsFlag, *committee)
	if err != nil {
		return err
	}
	read := time.Since(start)
	scoreStart := time.Now()
	var results []scoring.Result
	for r, err := range scorer.ScoreAll(ctx, local.All(), at, nil) {
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	scored := time.Since(scoreStart)
	out, err := os.Create(*output)
	if err != nil {
		return err
	}
	defer out.Close()
	w := bufio.NewWriter(out)
	if err := ingest.WriteResults(w, ingest.JSONL, slices.Values(results)); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Printf("ScoreAll: %d signals, %d accounts; reading %v, scoring %v, in all %v\n",
		local.Count, len(results), read.Round(time.Millisecond), scored.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	return nil
}
