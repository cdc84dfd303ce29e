package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"

	"github.com/villagecx/village/scoring"
)

// Store keeps score history and models in SQLite. It is safe for
// concurrent use (database/sql pools connections; SQLite serialises writes).
type Store struct {
	db *sql.DB
}

// migrations are applied in order, each once, recorded in schema_version.
var migrations = []string{
	`CREATE TABLE scores (
		account     TEXT    NOT NULL,
		at          TEXT    NOT NULL,  -- the scoring time, RFC 3339 UTC
		scored      INTEGER NOT NULL,
		score       REAL    NOT NULL CHECK (score BETWEEN 0 AND 100),
		low         REAL    NOT NULL CHECK (low BETWEEN 0 AND 100),
		high        REAL    NOT NULL CHECK (high BETWEEN 0 AND 100),
		band        TEXT    NOT NULL,
		coverage    REAL    NOT NULL CHECK (coverage BETWEEN 0 AND 1),
		veto        TEXT    NOT NULL DEFAULT '',
		model       INTEGER NOT NULL,
		seq         INTEGER PRIMARY KEY AUTOINCREMENT
	)`,
	`CREATE INDEX scores_account_at ON scores (account, at)`,
	`CREATE TABLE models (
		version INTEGER PRIMARY KEY,
		json    TEXT NOT NULL,
		created TEXT NOT NULL
	)`,
}

// OpenStore opens (creating if needed) the database at path and brings its
// schema up to date. ":memory:" gives a private in-memory database.
func OpenStore(ctx context.Context, path string) (*Store, error) {
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)"
	if path == ":memory:" {
		dsn = "file::memory:?_pragma=busy_timeout(5000)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	if path == ":memory:" {
		db.SetMaxOpenConns(1) // every connection would be its own empty database
	}
	s := &Store{db: db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	var version int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&version); err != nil {
		return fmt.Errorf("store: reading schema version: %w", err)
	}
	for i := version; i < len(migrations); i++ {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, i+1); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// Version returns the schema version.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v)
	return v, err
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// SaveScores writes one history row per result in a single transaction: if
// any row fails, none is written and the previous state stands.
func (s *Store) SaveScores(ctx context.Context, results []scoring.Result, model int) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO scores (account, at, scored, score, low, high, band, coverage, veto, model)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		tx.Rollback()
		return err
	}
	defer stmt.Close()
	for _, r := range results {
		veto := ""
		if r.Veto.Applied {
			veto = string(r.Veto.Persona)
		}
		if _, err := stmt.ExecContext(ctx, r.Account, r.At.UTC().Format(time.RFC3339Nano), r.Scored, r.Score, r.Low, r.High,
			r.Band, r.Coverage, veto, model); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: saving the score of %q: %w", r.Account, err)
		}
	}
	return tx.Commit()
}

// Point is one stored score.
type Point struct {
	At       time.Time `json:"at"`
	Scored   bool      `json:"scored"`
	Score    float64   `json:"score"`
	Low      float64   `json:"low"`
	High     float64   `json:"high"`
	Band     string    `json:"band"`
	Coverage float64   `json:"coverage"`
	Veto     string    `json:"veto,omitempty"`
	Model    int       `json:"model"`
}

// History returns an account's last n scores, oldest first (scoring time,
// then order of writing).
func (s *Store) History(ctx context.Context, account string, n int) ([]Point, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, scored, score, low, high, band, coverage, veto, model FROM (
		SELECT * FROM scores WHERE account = ? ORDER BY at DESC, seq DESC LIMIT ?) ORDER BY at, seq`, account, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Point
	for rows.Next() {
		var p Point
		var at string
		if err := rows.Scan(&at, &p.Scored, &p.Score, &p.Low, &p.High, &p.Band, &p.Coverage, &p.Veto, &p.Model); err != nil {
			return nil, err
		}
		if p.At, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SaveModel records a model as the next version and returns its number.
func (s *Store) SaveModel(ctx context.Context, modelJSON []byte, now time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO models (version, json, created)
		VALUES ((SELECT COALESCE(MAX(version), 0) + 1 FROM models), ?, ?)`, string(modelJSON), now.UTC().Format(time.RFC3339))
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	return int(id), err
}

// LatestModel returns the newest stored model, or ErrNoModel.
func (s *Store) LatestModel(ctx context.Context) (int, []byte, error) {
	var v int
	var js string
	err := s.db.QueryRowContext(ctx, `SELECT version, json FROM models ORDER BY version DESC LIMIT 1`).Scan(&v, &js)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, ErrNoModel
	}
	return v, []byte(js), err
}

// ErrNoModel means no model has been stored yet.
var ErrNoModel = errors.New("store: no model stored")
