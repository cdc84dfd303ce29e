package ingest_test

import (
	"bytes"
	"os"
	"slices"
	"testing"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/internal/villagesim"
)

// BenchmarkSignalsCSV reads a signals file in the shape `village generate`
// writes (villagesim, 3,000 accounts, about 200,000 rows), as CSV and as
// JSON lines; rows/s is the figure issue 13 sets its target on.
func BenchmarkSignalsCSV(b *testing.B) {
	base, err := villagesim.Generate(villagesim.Config{Seed: 1, Accounts: 3000})
	if err != nil {
		b.Fatal(err)
	}
	signals := slices.Concat(base.Signals(villagesim.SignalConfig{Seed: 1})...)
	for _, format := range []struct {
		name string
		f    ingest.Format
	}{{"csv", ingest.CSV}, {"jsonl", ingest.JSONL}} {
		var file bytes.Buffer
		if err := ingest.WriteSignals(&file, format.f, slices.Values(signals)); err != nil {
			b.Fatal(err)
		}
		b.Run(format.name, func(b *testing.B) {
			b.SetBytes(int64(file.Len()))
			b.ReportAllocs()
			for b.Loop() {
				r, err := ingest.Signals(bytes.NewReader(file.Bytes()), format.f, "signals", nil)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for range r.All() {
					n++
				}
				if n != len(signals) {
					b.Fatalf("%d rows of %d", n, len(signals))
				}
			}
			b.ReportMetric(float64(len(signals))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkSignalsFile reads the signals CSV file named by the environment
// variable VILLAGE_SIGNALS_CSV from disk, whole, as a user would: the Go
// half of the comparison with pandas' read_csv on the same file
// (testdata/pandas_read_csv.py). It is skipped when the variable is unset.
func BenchmarkSignalsFile(b *testing.B) {
	path := os.Getenv("VILLAGE_SIGNALS_CSV")
	if path == "" {
		b.Skip("VILLAGE_SIGNALS_CSV names no file")
	}
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r, err := ingest.Signals(f, ingest.CSV, path, nil)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for range r.All() {
			n++
		}
		f.Close()
		b.ReportMetric(float64(n), "rows")
	}
}
