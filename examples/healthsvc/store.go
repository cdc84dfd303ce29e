package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"

	"github.com/villagecx/village/scoring"
)

// Store keeps score history and models in SQLite. It is safe for
// concurrent use: reads share a pool of connections, which in WAL mode run
// beside a write; every write goes through one connection, so writers queue
// in Go instead of meeting SQLITE_BUSY, and each write transaction takes the
// write lock when it begins (BEGIN IMMEDIATE), never halfway through.
//
// Commits are durable against the process dying at any point (kill -9):
// SQLite's WAL with synchronous=NORMAL has written the commit to the
// operating system before it returns. A power failure can lose the last
// commits, never corrupt the database.
//
// Writes of scores are grouped: concurrent SaveScores calls that arrive while
// a commit is under way are written together in the next transaction, each
// in a savepoint of its own (so one caller's bad row does not undo another's),
// which is what keeps latency flat when hundreds of clients write at once.
type Store struct {
	db      *sql.DB // reads
	write   *sql.DB // writes: one connection
	history *sql.Stmt

	writes chan *writeRequest
	stop   chan struct{}
	done   chan struct{} // closed when the writer has stopped
}

// writeRequest is one SaveScores call waiting for the writer.
type writeRequest struct {
	results []scoring.Result
	model   int
	// state moves once from pending to claimed (the writer is writing it)
	// or to abandoned (the caller's context ended first, nothing written).
	state atomic.Int32
	err   chan error // the outcome, once claimed
}

const (
	pending int32 = iota
	claimed
	abandoned
)

// maxGroup caps how many SaveScores calls share one transaction.
const maxGroup = 256

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
	const pragmas = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_txlock=immediate"
	if path == ":memory:" {
		// Every connection would be its own empty database: one for all.
		db, err := sql.Open("sqlite", "file::memory:?"+pragmas)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(1)
		return newStore(ctx, db, db)
	}
	dsn := "file:" + path + "?" + pragmas + "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	write, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, err
	}
	return newStore(ctx, read, write)
}

func newStore(ctx context.Context, read, write *sql.DB) (*Store, error) {
	s := &Store{db: read, write: write, writes: make(chan *writeRequest), stop: make(chan struct{}), done: make(chan struct{})}
	err := s.migrate(ctx)
	if err == nil {
		s.history, err = s.db.PrepareContext(ctx, `SELECT seq, at, scored, score, low, high, band, coverage, veto, model FROM (
			SELECT * FROM scores WHERE account = ? ORDER BY at DESC, seq DESC LIMIT ?) ORDER BY at, seq`)
	}
	if err != nil {
		close(s.done)
		s.closeDBs()
		return nil, err
	}
	go s.writer()
	return s, nil
}

// ErrTimeRange means a time that the store cannot write and read back: its
// year in UTC is outside 1..9999, the range of RFC 3339.
var ErrTimeRange = errors.New("time outside years 0001-9999 UTC")

// CheckTime returns an error wrapping ErrTimeRange when t cannot be stored.
func CheckTime(t time.Time) error {
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("%s: %w", t.Format(time.RFC3339Nano), ErrTimeRange)
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	var version int
	if err := s.write.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&version); err != nil {
		return fmt.Errorf("store: reading schema version: %w", err)
	}
	for i := version; i < len(migrations); i++ {
		tx, err := s.write.BeginTx(ctx, nil)
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

// ErrClosed is the error of a write to a closed Store.
var ErrClosed = errors.New("store: closed")

// Close stops the writer, failing writes not yet begun with ErrClosed, and
// closes the database. It is safe to call more than once.
func (s *Store) Close() error {
	select {
	case <-s.stop:
		return nil
	default:
		close(s.stop)
	}
	<-s.done
	return s.closeDBs()
}

func (s *Store) closeDBs() error {
	var err error
	if s.history != nil {
		err = s.history.Close()
	}
	err = errors.Join(err, s.db.Close())
	if s.write != s.db {
		err = errors.Join(err, s.write.Close())
	}
	return err
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// SaveScores writes one history row per result in a single transaction: if
// any row fails, none is written and the previous state stands. A scoring
// time that cannot be stored (CheckTime) is an error before anything is
// written.
func (s *Store) SaveScores(ctx context.Context, results []scoring.Result, model int) error {
	for _, r := range results {
		if err := CheckTime(r.At); err != nil {
			return fmt.Errorf("store: the scoring time of %q: %w", r.Account, err)
		}
	}
	req := &writeRequest{results: results, model: model, err: make(chan error, 1)}
	select {
	case s.writes <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.stop:
		return ErrClosed
	}
	select {
	case err := <-req.err:
		return err
	case <-ctx.Done():
		if req.state.CompareAndSwap(pending, abandoned) {
			return ctx.Err() // the writer will skip it: nothing written
		}
		// The writer has begun writing it: its outcome follows within one
		// commit, and is the truth to report.
		return <-req.err
	}
}

// writer takes write requests, groups those waiting, and commits each group
// in one transaction.
func (s *Store) writer() {
	defer close(s.done)
	group := make([]*writeRequest, 0, maxGroup)
	for {
		select {
		case req := <-s.writes:
			group = append(group[:0], req)
		case <-s.stop:
			return
		}
	gather:
		for len(group) < maxGroup {
			select {
			case req := <-s.writes:
				group = append(group, req)
			default:
				break gather
			}
		}
		s.commit(group)
	}
}

// commit writes a group of requests in one transaction, each in a savepoint
// of its own, and answers each it claimed. A request abandoned by its caller
// before the writer claims it writes nothing.
func (s *Store) commit(group []*writeRequest) {
	outcome := make([]error, len(group))
	tx, err := s.write.BeginTx(context.Background(), nil)
	if err != nil {
		for _, req := range group {
			if req.state.CompareAndSwap(pending, claimed) {
				req.err <- err
			}
		}
		return
	}
	insert, err := tx.Prepare(`INSERT INTO scores (account, at, scored, score, low, high, band, coverage, veto, model)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	for i, req := range group {
		switch {
		case !req.state.CompareAndSwap(pending, claimed):
			group[i] = nil // abandoned: nobody waits for it
		case err != nil:
			outcome[i] = err
		default:
			outcome[i] = saveInSavepoint(tx, insert, req)
		}
	}
	if err == nil {
		insert.Close()
	}
	if err := tx.Commit(); err != nil {
		for i := range outcome {
			if outcome[i] == nil {
				outcome[i] = fmt.Errorf("store: commit: %w", err)
			}
		}
	}
	for i, req := range group {
		if req != nil {
			req.err <- outcome[i]
		}
	}
}

// saveInSavepoint writes one request's rows, all or none.
func saveInSavepoint(tx *sql.Tx, insert *sql.Stmt, req *writeRequest) error {
	if _, err := tx.Exec(`SAVEPOINT request`); err != nil {
		return err
	}
	for _, r := range req.results {
		veto := ""
		if r.Veto.Applied {
			veto = string(r.Veto.Persona)
		}
		if _, err := insert.Exec(r.Account, r.At.UTC().Format(time.RFC3339Nano), r.Scored, r.Score, r.Low, r.High,
			r.Band, r.Coverage, veto, req.model); err != nil {
			if _, rbErr := tx.Exec(`ROLLBACK TO request; RELEASE request`); rbErr != nil {
				return errors.Join(err, rbErr)
			}
			return fmt.Errorf("store: saving the score of %q: %w", r.Account, err)
		}
	}
	_, err := tx.Exec(`RELEASE request`)
	return err
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
// then order of writing). A stored row that cannot be read (a time written
// by an older version that does not parse, say) is skipped and its problem
// listed in skipped, so that one bad row never makes the account unreadable.
func (s *Store) History(ctx context.Context, account string, n int) (points []Point, skipped []error, err error) {
	rows, err := s.history.QueryContext(ctx, account, n)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p Point
		var at string
		var seq int64
		if err := rows.Scan(&seq, &at, &p.Scored, &p.Score, &p.Low, &p.High, &p.Band, &p.Coverage, &p.Veto, &p.Model); err != nil {
			return nil, nil, err
		}
		if p.At, err = time.Parse(time.RFC3339Nano, at); err != nil {
			skipped = append(skipped, fmt.Errorf("store: score row %d of %q: %w", seq, account, err))
			continue
		}
		points = append(points, p)
	}
	return points, skipped, rows.Err()
}

// SaveModel records a model as the next version and returns its number.
func (s *Store) SaveModel(ctx context.Context, modelJSON []byte, now time.Time) (int, error) {
	res, err := s.write.ExecContext(ctx, `INSERT INTO models (version, json, created)
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
