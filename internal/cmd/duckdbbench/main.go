// Command duckdbbench runs the job of scoreallbench's plain loop in DuckDB,
// on the same columns, for BENCHMARKS.md: the person -> persona -> account
// nesting of scoring.DefaultModel (recency weights, each person counted
// once with their freshest signal's weight, Kish's effective number of
// answers, shrinkage to the prior, personas not heard at the prior, the
// veto on the evidence) as one SQL query, timed with 1 and 2 threads, beside
// the plain loop and ScoreBatchAll (every account's full Result, kept) in the
// same run. Loading the columns into DuckDB is not timed, as building the
// plain loop's columns and preparing the batch are not.
//
//	cd internal/cmd/duckdbbench && go run . -accounts 100000
//
// It is a module of its own because DuckDB (cgo, a large static library)
// has no place among the library's dependencies.
package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"flag"
	"fmt"
	"log"
	"math"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/villagecx/village/internal/plainloop"
	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/scoring"
)

// query scores every account: the plain loop's job, step by step, as a
// data scientist would write it. The weights are 2^lr themselves, not
// relative to each unit's freshest signal as in village (which keeps them
// from underflowing whatever the ages): with ages of at most a year and a
// 90-day half-life nothing underflows here, and the ratios are the same.
const query = `
WITH units AS (    -- a person's recency-weighted mean on a metric, weighted by its freshest signal
  SELECT a, p, m, max(lr) AS top, sum(pow(2, lr) * x) / sum(pow(2, lr)) AS mean
  FROM sig GROUP BY a, c, p, m
), pm AS (          -- a persona's units on a metric
  SELECT a, p, m, sum(pow(2, top)) AS sw, sum(pow(2, top) * mean) AS swx, sum(pow(2, 2 * top)) AS sw2
  FROM units GROUP BY a, p, m
), pp AS (          -- a persona: metric-weighted raw mean and Kish's n
  SELECT a, p, least(greatest(sum(w * swx / sw) / sum(w), 0), 100) AS raw,
         sum(w) * sum(w) / sum(w * w * sw2 / (sw * sw)) AS n
  FROM pm JOIN metrics USING (p, m) GROUP BY a, p
), th AS (          -- shrunk to the prior
  SELECT a, p, raw, n, least(greatest((n * raw + k * prior) / (n + k), 0), 100) AS theta FROM pp, params
), acct AS (        -- every persona counts: heard at its score, not heard at the prior
  SELECT acc.a, sum(pe.effw * coalesce(th.theta, params.prior)) / sum(pe.effw) AS score
  FROM acc CROSS JOIN personas pe LEFT JOIN th ON th.a = acc.a AND th.p = pe.p, params
  GROUP BY acc.a
), veto AS (        -- veto holders surely below the threshold
  SELECT a, min(theta) AS vtheta FROM th JOIN personas USING (p), params
  WHERE veto AND raw < below AND raw + zveto * spread / sqrt(n) < below GROUP BY a
)
SELECT acct.a, least(greatest(CASE WHEN vtheta < score THEN vtheta ELSE score END, 0), 100) AS score
FROM acct LEFT JOIN veto USING (a) ORDER BY acct.a`

func main() {
	accounts := flag.Int("accounts", 100_000, "accounts to generate and score")
	runs := flag.Int("runs", 5, "time each engine this many times and keep the fastest")
	flag.Parse()

	base, err := villagesim.Generate(villagesim.Config{Seed: 1, Accounts: *accounts})
	if err != nil {
		log.Fatal(err)
	}
	signals := base.Signals(villagesim.SignalConfig{Seed: 1})
	m := scoring.DefaultModel(base.Catalog)
	scorer, err := scoring.Compile(m, base.Catalog)
	if err != nil {
		log.Fatal(err)
	}
	pm, pb := plainloop.NewModel(base.Catalog, m), plainloop.Build(base.Accounts, signals, base.Catalog, m, base.End)
	batch, err := scorer.NewBatch(base.Accounts, signals)
	if err != nil {
		log.Fatal(err)
	}

	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	if err := load(connector, db, pb, pm); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d accounts, %d signals (checked and normalised, as the plain loop reads them)\n", *accounts, len(pb.X))

	for _, threads := range []int{1, 2} {
		if _, err := db.Exec(fmt.Sprintf("SET threads = %d", threads)); err != nil {
			log.Fatal(err)
		}
		var bestSQL, bestPlain, bestBatch time.Duration
		var sqlScores, plainScores []float64
		for range *runs {
			start := time.Now()
			scores, err := run(db, *accounts)
			if err != nil {
				log.Fatal(err)
			}
			if d := time.Since(start); bestSQL == 0 || d < bestSQL {
				bestSQL, sqlScores = d, scores
			}
			s, d := plainloop.Run(pm, pb, threads)
			if bestPlain == 0 || d < bestPlain {
				bestPlain, plainScores = d, s
			}
			start = time.Now()
			if _, err := scorer.ScoreBatchAll(context.Background(), batch, base.End, &scoring.BatchOptions{Workers: threads}); err != nil {
				log.Fatal(err)
			}
			if d := time.Since(start); bestBatch == 0 || d < bestBatch {
				bestBatch = d
			}
		}
		worst := 0.0
		for i := range sqlScores {
			if !math.IsNaN(sqlScores[i]) {
				worst = max(worst, math.Abs(sqlScores[i]-plainScores[i]))
			}
		}
		fmt.Printf("%d thread(s): DuckDB %v, plain loop %v, ScoreBatchAll %v (DuckDB / ScoreBatchAll %.2fx); largest difference DuckDB - plain loop %.2g points\n",
			threads, bestSQL.Round(time.Millisecond), bestPlain.Round(time.Millisecond), bestBatch.Round(time.Millisecond),
			bestSQL.Seconds()/bestBatch.Seconds(), worst)
	}
}

// load puts the plain loop's columns and the model's constants into tables.
func load(connector *duckdb.Connector, db *sql.DB, pb *plainloop.Base, pm *plainloop.Model) error {
	for _, ddl := range []string{
		"CREATE TABLE sig (a INTEGER, c INTEGER, p INTEGER, m INTEGER, x DOUBLE, lr DOUBLE)",
		"CREATE TABLE acc (a INTEGER)",
		"CREATE TABLE personas (p INTEGER, effw DOUBLE, veto BOOLEAN)",
		"CREATE TABLE metrics (p INTEGER, m INTEGER, w DOUBLE)",
		"CREATE TABLE params (k DOUBLE, prior DOUBLE, spread DOUBLE, below DOUBLE, zveto DOUBLE)",
	} {
		if _, err := db.Exec(ddl); err != nil {
			return err
		}
	}
	conn, err := connector.Connect(context.Background())
	if err != nil {
		return err
	}
	defer conn.Close()
	appendRows := func(table string, rows func(add func(...driver.Value) error) error) error {
		app, err := duckdb.NewAppenderFromConn(conn, "", table)
		if err != nil {
			return err
		}
		if err := rows(app.AppendRow); err != nil {
			return err
		}
		return app.Close()
	}
	if err := appendRows("sig", func(add func(...driver.Value) error) error {
		for a := range len(pb.Start) - 1 {
			for i := pb.Start[a]; i < pb.Start[a+1]; i++ {
				if err := add(int32(a), pb.Contact[i], int32(pb.Persona[i]), int32(pb.Metric[i]), pb.X[i], pb.LR[i]); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := appendRows("acc", func(add func(...driver.Value) error) error {
		for a := range len(pb.Start) - 1 {
			if pb.Start[a+1] > pb.Start[a] { // accounts with nothing to score have no score, as in the loop
				if err := add(int32(a)); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := appendRows("personas", func(add func(...driver.Value) error) error {
		for p := range pm.NP {
			if err := add(int32(p), pm.EffW[p], pm.Veto[p]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := appendRows("metrics", func(add func(...driver.Value) error) error {
		for p := range pm.NP {
			for m := range pm.NM {
				if err := add(int32(p), int32(m), pm.MetricWeight[p*pm.NM+m]); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		return err
	}
	_, err = db.Exec("INSERT INTO params VALUES (?, ?, ?, ?, ?)", pm.K, pm.Prior, pm.Spread, pm.Below, pm.ZVeto)
	return err
}

// run runs the query and returns each account's score, NaN where it has none.
func run(db *sql.DB, accounts int) ([]float64, error) {
	rows, err := db.Query(query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	scores := make([]float64, accounts)
	for i := range scores {
		scores[i] = math.NaN()
	}
	for rows.Next() {
		var a int32
		var score float64
		if err := rows.Scan(&a, &score); err != nil {
			return nil, err
		}
		scores[a] = score
	}
	return scores, rows.Err()
}
