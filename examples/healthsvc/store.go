package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"

	"github.com/villagecx/village/persona"
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
	lock    *os.File // held while the store is open (lockDatabase); nil in memory
	// refused is the last write's error while writes fail, nil once one
	// succeeds (WriteHealth).
	refused atomic.Pointer[error]

	writes chan *writeRequest
	stop   chan struct{}
	done   chan struct{} // closed when the writer has stopped
}

// writeRequest is one SaveScores call waiting for the writer.
type writeRequest struct {
	accounts []persona.Account // registered in the same savepoint as the results
	results  []scoring.Result
	model    int
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

// A migration brings the schema one version up: SQL, or Go for what SQL
// cannot do here (reformatting stored times).
type migration struct {
	sql string
	run func(ctx context.Context, tx *sql.Tx) error
}

// migrations are applied in order, each once, recorded in schema_version.
var migrations = []migration{
	{sql: `CREATE TABLE scores (
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
	)`},
	{sql: `CREATE INDEX scores_account_at ON scores (account, at)`},
	{sql: `CREATE TABLE models (
		version INTEGER PRIMARY KEY,
		json    TEXT NOT NULL,
		created TEXT NOT NULL
	)`},
	// History was ordered by the RFC 3339 text of the time, which sorts
	// "...:00.5Z" before "...:00Z": a fixed-width key sorts as time does.
	{run: addTimeKeys},
	// The latest score of each account, for the pages, with the one before
	// it (for the trend) and the explanation; the accounts' names and
	// segments.
	{sql: `CREATE TABLE latest (
		account   TEXT PRIMARY KEY,
		at_key    TEXT NOT NULL,
		seq       INTEGER NOT NULL,
		scored    INTEGER NOT NULL,
		score     REAL NOT NULL,
		low       REAL NOT NULL,
		high      REAL NOT NULL,
		band      TEXT NOT NULL,
		coverage  REAL NOT NULL,
		veto      TEXT NOT NULL DEFAULT '',
		model     INTEGER NOT NULL,
		prev_score REAL, prev_low REAL, prev_high REAL, prev_band TEXT,
		result    TEXT  -- the explanation (pageResult JSON); NULL for scores stored before it was kept
	);
	CREATE INDEX latest_score ON latest (score, account);
	CREATE INDEX latest_coverage ON latest (coverage, account);
	CREATE TABLE accounts (
		id      TEXT PRIMARY KEY,
		name    TEXT NOT NULL DEFAULT '',
		segment TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX accounts_segment ON accounts (segment)`},
	{run: fillLatest},
}

// keyLayout is the fixed-width UTC form of a time whose text sorts as the
// time does (years 0001-9999, which CheckTime ensures).
const keyLayout = "2006-01-02T15:04:05.000000000Z"

func timeKey(t time.Time) string { return t.UTC().Format(keyLayout) }

// addTimeKeys adds scores.at_key, fills it from the stored times (a row
// whose time does not parse keeps ” and is skipped by History, as
// before), and indexes history by it.
func addTimeKeys(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `ALTER TABLE scores ADD COLUMN at_key TEXT NOT NULL DEFAULT ''`); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, at FROM scores`)
	if err != nil {
		return err
	}
	keys := map[int64]string{}
	for rows.Next() {
		var seq int64
		var at string
		if err := rows.Scan(&seq, &at); err != nil {
			rows.Close()
			return err
		}
		if t, err := time.Parse(time.RFC3339Nano, at); err == nil {
			keys[seq] = timeKey(t)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for seq, key := range keys {
		if _, err := tx.ExecContext(ctx, `UPDATE scores SET at_key = ? WHERE seq = ?`, key, seq); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `CREATE INDEX scores_account_key ON scores (account, at_key, seq)`)
	return err
}

// fillLatest fills the latest table from the history already stored.
func fillLatest(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT seq, account, at_key, scored, score, low, high, band, coverage, veto, model
		FROM scores WHERE at_key != '' ORDER BY account, at_key, seq`)
	if err != nil {
		return err
	}
	var points []storedPoint
	for rows.Next() {
		var p storedPoint
		if err := rows.Scan(&p.seq, &p.account, &p.key, &p.Scored, &p.Score, &p.Low, &p.High, &p.Band, &p.Coverage, &p.Veto, &p.Model); err != nil {
			rows.Close()
			return err
		}
		points = append(points, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i, p := range points {
		if i+1 < len(points) && points[i+1].account == p.account {
			continue // not the account's latest
		}
		var prev *storedPoint
		if i > 0 && points[i-1].account == p.account {
			prev = &points[i-1]
		}
		if err := upsertLatest(ctx, tx, p, prev, nil); err != nil {
			return err
		}
	}
	return nil
}

// storedPoint is a Point with where it is stored.
type storedPoint struct {
	Point
	seq     int64
	account string
	key     string
}

// upsertLatest makes p the account's latest score, prev the one before it,
// with the explanation result (nil: none).
func upsertLatest(ctx context.Context, tx *sql.Tx, p storedPoint, prev *storedPoint, result []byte) error {
	var prevScore, prevLow, prevHigh, prevBand any
	if prev != nil {
		prevScore, prevLow, prevHigh, prevBand = prev.Score, prev.Low, prev.High, prev.Band
	}
	var res any
	if result != nil {
		res = string(result)
	}
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO latest (account, at_key, seq, scored, score, low, high, band, coverage, veto, model,
		prev_score, prev_low, prev_high, prev_band, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.account, p.key, p.seq, p.Scored, p.Score, p.Low, p.High, p.Band, p.Coverage, p.Veto, p.Model,
		prevScore, prevLow, prevHigh, prevBand, res)
	return err
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
		return newStore(ctx, db, db, nil)
	}
	lock, err := lockDatabase(path)
	if err != nil {
		return nil, err
	}
	// The path goes into a URI: its '%', '?' and '#' escaped, so that a
	// file named "q?x=1.db" is that file and not "q" with a parameter.
	dsn := "file:" + uriPath.Replace(path) + "?" + pragmas + "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	write, err := sql.Open("sqlite", dsn)
	if err != nil {
		lock.Close()
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		lock.Close()
		return nil, err
	}
	s, err := newStore(ctx, read, write, lock)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return s, nil
}

var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

func newStore(ctx context.Context, read, write *sql.DB, lock *os.File) (*Store, error) {
	s := &Store{db: read, write: write, lock: lock, writes: make(chan *writeRequest), stop: make(chan struct{}), done: make(chan struct{})}
	err := s.migrate(ctx)
	if err == nil {
		s.history, err = s.db.PrepareContext(ctx, `SELECT seq, at, scored, score, low, high, band, coverage, veto, model FROM (
			SELECT * FROM scores WHERE account = ? ORDER BY at_key DESC, seq DESC LIMIT ?) ORDER BY at_key, seq`)
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
		m := migrations[i]
		switch {
		case m.sql != "":
			_, err = tx.ExecContext(ctx, m.sql)
		case m.run != nil:
			err = m.run(ctx, tx)
		default:
			err = errors.New("a migration with neither SQL nor Go")
		}
		if err != nil {
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
	if s.lock != nil {
		err = errors.Join(err, s.lock.Close()) // releases the lock
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
	return s.RegisterAndSaveScores(ctx, nil, results, model)
}

// RegisterAndSaveScores records the accounts (as SaveAccounts does) and the
// results in one savepoint of one transaction: all of it is stored, or,
// whatever fails (a full disk, say), none of it.
func (s *Store) RegisterAndSaveScores(ctx context.Context, accounts []persona.Account, results []scoring.Result, model int) error {
	for _, r := range results {
		if err := CheckTime(r.At); err != nil {
			return fmt.Errorf("store: the scoring time of %q: %w", r.Account, err)
		}
	}
	req := &writeRequest{accounts: accounts, results: results, model: model, err: make(chan error, 1)}
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
	insert, err := tx.Prepare(`INSERT INTO scores (account, at, at_key, scored, score, low, high, band, coverage, veto, model)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
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
	s.noteWrites(outcome)
	for i, req := range group {
		if req != nil {
			req.err <- outcome[i]
		}
	}
}

// noteWrites records whether the store is refusing writes, from a group's
// outcomes: refusing after any failure, no longer after a group that all
// went in.
func (s *Store) noteWrites(outcome []error) {
	for _, err := range outcome {
		if err != nil {
			s.refused.Store(&err)
			return
		}
	}
	s.refused.Store(nil)
}

// WriteHealth reports whether the store takes writes: nil unless the last
// write failed; then it tries a write of its own (a row in a table kept
// for it, inserted and deleted), and reports its error, or nil, marking the
// store healthy again, when it went in. A full disk that frees up is seen
// at the next call, without waiting for traffic.
func (s *Store) WriteHealth(ctx context.Context) error {
	if s.refused.Load() == nil {
		return nil
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err == nil {
		_, err = tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS write_probe (at TEXT)`)
		if err == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO write_probe VALUES (?)`, time.Now().UTC().Format(time.RFC3339Nano))
		}
		if err == nil {
			_, err = tx.ExecContext(ctx, `DELETE FROM write_probe`)
		}
		if err == nil {
			err = tx.Commit()
		} else {
			tx.Rollback()
		}
	}
	if err != nil {
		return fmt.Errorf("store: writes fail: %w", err)
	}
	s.refused.Store(nil)
	return nil
}

// saveInSavepoint writes one request's rows, all or none, and makes each
// the latest of its account unless a later score is stored already.
func saveInSavepoint(tx *sql.Tx, insert *sql.Stmt, req *writeRequest) error {
	if _, err := tx.Exec(`SAVEPOINT request`); err != nil {
		return err
	}
	for _, a := range req.accounts {
		if _, err := tx.Exec(`INSERT OR REPLACE INTO accounts (id, name, segment) VALUES (?, ?, ?)`, a.ID, a.Name, a.Segment); err != nil {
			if _, rbErr := tx.Exec(`ROLLBACK TO request; RELEASE request`); rbErr != nil {
				return errors.Join(err, rbErr)
			}
			return fmt.Errorf("store: registering %q: %w", a.ID, err)
		}
	}
	for i := range req.results {
		if err := saveOne(tx, insert, &req.results[i], req.model); err != nil {
			if _, rbErr := tx.Exec(`ROLLBACK TO request; RELEASE request`); rbErr != nil {
				return errors.Join(err, rbErr)
			}
			return fmt.Errorf("store: saving the score of %q: %w", req.results[i].Account, err)
		}
	}
	_, err := tx.Exec(`RELEASE request`)
	return err
}

func saveOne(tx *sql.Tx, insert *sql.Stmt, r *scoring.Result, model int) error {
	ctx := context.Background()
	p := storedPoint{Point: Point{At: r.At, Scored: r.Scored, Score: r.Score, Low: r.Low, High: r.High, Band: r.Band,
		Coverage: r.Coverage, Model: model}, account: r.Account, key: timeKey(r.At)}
	if r.Veto.Applied {
		p.Veto = string(r.Veto.Persona)
	}
	res, err := insert.Exec(p.account, r.At.UTC().Format(time.RFC3339Nano), p.key, p.Scored, p.Score, p.Low, p.High,
		p.Band, p.Coverage, p.Veto, model)
	if err != nil {
		return err
	}
	if p.seq, err = res.LastInsertId(); err != nil {
		return err
	}
	var cur, curPrev storedPoint
	var prevScore, prevLow, prevHigh sql.NullFloat64
	var prevBand sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT at_key, score, low, high, band, prev_score, prev_low, prev_high, prev_band FROM latest WHERE account = ?`, p.account).
		Scan(&cur.key, &cur.Score, &cur.Low, &cur.High, &cur.Band, &prevScore, &prevLow, &prevHigh, &prevBand)
	var prev *storedPoint
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return err
	case p.key < cur.key:
		return nil // a score back in time: the latest stands
	case p.key > cur.key:
		prev = &cur
	case prevScore.Valid: // rescored at the same time: the one before stays
		curPrev.Score, curPrev.Low, curPrev.High, curPrev.Band = prevScore.Float64, prevLow.Float64, prevHigh.Float64, prevBand.String
		prev = &curPrev
	}
	explained, err := json.Marshal(pageResultOf(r))
	if err != nil {
		return err
	}
	return upsertLatest(ctx, tx, p, prev, explained)
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

// SaveAccounts records the accounts' names and segments, for the pages.
func (s *Store) SaveAccounts(ctx context.Context, accounts []persona.Account) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO accounts (id, name, segment) VALUES (?, ?, ?)`)
	if err != nil {
		tx.Rollback()
		return err
	}
	defer stmt.Close()
	for _, a := range accounts {
		if _, err := stmt.ExecContext(ctx, a.ID, a.Name, a.Segment); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// PageQuery selects and orders a page of the base's latest scores.
type PageQuery struct {
	Band, Segment string // "" for any
	// Sort is "score" (the default), "coverage" or "account"; Desc
	// reverses it. Accounts nobody was heard in come last either way.
	Sort          string
	Desc          bool
	Offset, Limit int
}

// Row is one account's line on the base page.
type Row struct {
	Account, Name, Segment string
	Point
	Prev *Point // the score before, if any
}

// Page returns the rows of q and how many rows match in all.
func (s *Store) Page(ctx context.Context, q PageQuery) ([]Row, int, error) {
	order := map[string]string{"score": "l.score", "coverage": "l.coverage", "account": "l.account"}[q.Sort]
	if order == "" {
		order = "l.score"
	}
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	where := `FROM latest l LEFT JOIN accounts a ON a.id = l.account WHERE (?1 = '' OR l.band = ?1) AND (?2 = '' OR a.segment = ?2)`
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) `+where, q.Band, q.Segment).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT l.account, COALESCE(a.name, ''), COALESCE(a.segment, ''), l.at_key, l.scored, l.score, l.low, l.high,
		l.band, l.coverage, l.veto, l.model, l.prev_score, l.prev_low, l.prev_high, l.prev_band `+where+
		` ORDER BY l.scored DESC, `+order+` `+dir+`, l.account `+dir+` LIMIT ?3 OFFSET ?4`, q.Band, q.Segment, q.Limit, q.Offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		var key string
		var ps, pl, ph sql.NullFloat64
		var pb sql.NullString
		if err := rows.Scan(&r.Account, &r.Name, &r.Segment, &key, &r.Scored, &r.Score, &r.Low, &r.High, &r.Band, &r.Coverage,
			&r.Veto, &r.Model, &ps, &pl, &ph, &pb); err != nil {
			return nil, 0, err
		}
		r.At, _ = time.Parse(keyLayout, key)
		if ps.Valid {
			r.Prev = &Point{Score: ps.Float64, Low: pl.Float64, High: ph.Float64, Band: pb.String}
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// Segments lists the accounts' segments, sorted.
func (s *Store) Segments(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT segment FROM accounts WHERE segment != '' ORDER BY segment`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var seg string
		if err := rows.Scan(&seg); err != nil {
			return nil, err
		}
		out = append(out, seg)
	}
	return out, rows.Err()
}

// Explanation returns the explanation stored with the account's latest
// score (pageResult JSON), and its name and segment; ok is false for an
// account with no score.
func (s *Store) Explanation(ctx context.Context, account string) (result []byte, name, segment string, ok bool, err error) {
	var res sql.NullString
	err = s.db.QueryRowContext(ctx, `SELECT l.result, COALESCE(a.name, ''), COALESCE(a.segment, '') FROM latest l
		LEFT JOIN accounts a ON a.id = l.account WHERE l.account = ?`, account).Scan(&res, &name, &segment)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", "", false, nil
	}
	if err != nil {
		return nil, "", "", false, err
	}
	if res.Valid {
		result = []byte(res.String)
	}
	return result, name, segment, true, nil
}

// ModelVersion is one stored model's number and when it was stored.
type ModelVersion struct {
	Version int
	Created string
}

// Models lists the stored models, newest first.
func (s *Store) Models(ctx context.Context) ([]ModelVersion, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT version, created FROM models ORDER BY version DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ModelVersion
	for rows.Next() {
		var m ModelVersion
		if err := rows.Scan(&m.Version, &m.Created); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
