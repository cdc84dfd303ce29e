# The pandas half of BENCHMARKS.md's comparison of ingest.Signals with
# pandas' read_csv on the same signals file (the Go half is
# BenchmarkSignalsFile in ingest/bench_test.go):
#
#   go run ./cmd/village generate --dir /tmp/gen --accounts 10000 --seed 1
#   VILLAGE_SIGNALS_CSV=/tmp/gen/signals.csv go test -run XXX -bench SignalsFile -count 5 ./ingest
#   /usr/bin/python3 ingest/testdata/pandas_read_csv.py /tmp/gen/signals.csv
#
# pandas from Debian (apt-get install python3-pandas). Each reading is
# timed five times and the fastest kept: strings as read_csv leaves them,
# and with the times parsed, as ingest.Signals does.
import sys
import time

import pandas as pd


def fastest(read):
    best, rows = None, 0
    for _ in range(5):
        start = time.perf_counter()
        rows = len(read())
        took = time.perf_counter() - start
        best = took if best is None or took < best else best
    return best, rows


for name, read in [
    ("read_csv", lambda: pd.read_csv(sys.argv[1])),
    ("read_csv, times parsed", lambda: pd.read_csv(sys.argv[1], parse_dates=["at"])),
]:
    took, rows = fastest(read)
    print(f"pandas {pd.__version__} {name}: {rows} rows, fastest of 5 {took * 1000:.0f} ms, {rows / took / 1e6:.2f} M rows/s")
