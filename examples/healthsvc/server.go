package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// Limits on requests.
const (
	maxBody        = 1 << 20 // bytes
	requestTimeout = 10 * time.Second
	historyPoints  = 20
)

// Server is the HTTP scoring service: accounts are registered in memory,
// scores are kept in the Store, and the model can be replaced while serving.
type Server struct {
	cat    *persona.Catalog
	store  *Store
	log    *slog.Logger
	now    func() time.Time
	scorer atomic.Pointer[modelVersion]
	ready  atomic.Bool
	// timeout limits each request; NewServer sets requestTimeout.
	timeout time.Duration

	mu       sync.RWMutex
	accounts map[string]persona.Account
}

type modelVersion struct {
	scorer  *scoring.Scorer
	version int
}

// NewServer returns a server scoring with model m (stored as a new version
// if the store has none) against cat.
func NewServer(ctx context.Context, cat *persona.Catalog, store *Store, m scoring.Model, log *slog.Logger, now func() time.Time) (*Server, error) {
	s := &Server{cat: cat, store: store, log: log, now: now, timeout: requestTimeout, accounts: map[string]persona.Account{}}
	if v, js, err := store.LatestModel(ctx); err == nil {
		var stored scoring.Model
		if err := json.Unmarshal(js, &stored); err != nil {
			return nil, fmt.Errorf("stored model %d: %w", v, err)
		}
		m = stored
		sc, err := scoring.Compile(m, cat)
		if err != nil {
			return nil, fmt.Errorf("stored model %d: %w", v, err)
		}
		s.scorer.Store(&modelVersion{sc, v})
		return s, nil
	} else if !errors.Is(err, ErrNoModel) {
		return nil, err
	}
	if _, err := s.setModel(ctx, m); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) setModel(ctx context.Context, m scoring.Model) (int, error) {
	sc, err := scoring.Compile(m, s.cat)
	if err != nil {
		return 0, err
	}
	js, err := json.Marshal(m)
	if err != nil {
		return 0, err
	}
	v, err := s.store.SaveModel(ctx, js, s.now())
	if err != nil {
		return 0, err
	}
	s.scorer.Store(&modelVersion{sc, v})
	return v, nil
}

// Register adds or replaces accounts after validating them against the
// catalog, and records their names and segments for the pages.
func (s *Server) Register(ctx context.Context, accounts ...persona.Account) error {
	for i := range accounts {
		if err := accounts[i].Validate(s.cat); err != nil {
			return err
		}
	}
	if err := s.store.SaveAccounts(ctx, accounts); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range accounts {
		s.accounts[a.ID] = a
	}
	return nil
}

// ScoreAndStore scores each account with its signals at time at, on all
// cores (a scoring.Batch), and stores the whole batch in one transaction;
// an account that cannot be scored stores nothing and is the error. It
// returns the version of the model that scored them, which is the version
// stored with them: the model may be replaced meanwhile, so callers must
// not read it again.
func (s *Server) ScoreAndStore(ctx context.Context, accounts []persona.Account, signals [][]scoring.Signal, at time.Time) ([]scoring.Result, int, error) {
	return s.scoreAndStore(ctx, accounts, signals, at, false)
}

// scoreAndStore is ScoreAndStore; with register, the accounts are also
// registered (Register), in the same transaction as their scores, and
// kept in memory only once both are stored: a request that fails leaves
// no account behind.
func (s *Server) scoreAndStore(ctx context.Context, accounts []persona.Account, signals [][]scoring.Signal, at time.Time, register bool) ([]scoring.Result, int, error) {
	mv := s.scorer.Load()
	batch, err := mv.scorer.NewBatch(accounts, signals)
	if err != nil {
		return nil, 0, err
	}
	results, err := mv.scorer.ScoreBatchAll(ctx, batch, at, nil)
	if err != nil {
		return nil, 0, err
	}
	var registered []persona.Account
	if register {
		registered = accounts
	}
	if err := s.store.RegisterAndSaveScores(ctx, registered, results, mv.version); err != nil {
		return nil, 0, err
	}
	if register {
		s.mu.Lock()
		for _, a := range accounts {
			s.accounts[a.ID] = a
		}
		s.mu.Unlock()
	}
	return results, mv.version, nil
}

// SetReady marks the service ready to serve traffic.
func (s *Server) SetReady() { s.ready.Store(true) }

// Handler returns the service's routes, with body-size and time limits.
// Every reply is JSON, the mux's own 404, 405 and redirects included. A
// request that runs out of time gets 503 and has stored nothing: the time
// limit is on the request's context, which the store's transaction obeys up
// to its commit, so a 200 means stored and anything else means not.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("POST /v1/accounts/{id}/score", s.score)
	mux.HandleFunc("GET /v1/accounts/{id}", s.account)
	mux.HandleFunc("GET /v1/model", s.getModel)
	mux.HandleFunc("POST /v1/model", s.postModel)
	mux.HandleFunc("GET /{$}", s.basePage)
	mux.HandleFunc("GET /accounts/{id}", s.accountPage)
	mux.HandleFunc("GET /model", s.modelPage)
	mux.HandleFunc("GET /static/style.css", styleSheet)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
		defer cancel()
		r = r.WithContext(ctx)
		rw := &jsonWriter{ResponseWriter: w, status: http.StatusOK}
		r.Body = http.MaxBytesReader(rw, r.Body, maxBody)
		mux.ServeHTTP(rw, r)
		s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rw.status, "duration", time.Since(start))
	})
}

// jsonWriter records the status and turns the plain-text replies that
// net/http writes itself (the mux's 404 and 405, its redirects to a cleaned
// path) into the service's JSON error form, keeping their headers (Allow,
// Location). The pages' own HTML errors pass through.
type jsonWriter struct {
	http.ResponseWriter
	status  int
	replace bool // the handler's body is discarded: a JSON body was written instead
	page    bool // a page is answering in HTML (render): its errors are HTML too
}

func (w *jsonWriter) WriteHeader(code int) {
	w.status = code
	h := w.Header()
	if ct := h.Get("Content-Type"); code >= 300 && !strings.HasPrefix(ct, "application/json") && !w.page {
		w.replace = true
		body := errorBody{Error: strings.ToLower(http.StatusText(code))}
		if loc := h.Get("Location"); loc != "" {
			body.Location = loc
		}
		if allow := h.Get("Allow"); allow != "" {
			body.Error += "; allowed: " + allow
		}
		h.Del("X-Content-Type-Options")
		writeJSON(w.ResponseWriter, code, body)
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *jsonWriter) Write(p []byte) (int, error) {
	if w.replace {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		writeError(w, http.StatusServiceUnavailable, "starting", nil)
		return
	}
	if err := s.store.Ping(r.Context()); err != nil {
		s.log.Error("readiness: database", "error", err)
		writeError(w, http.StatusServiceUnavailable, "database unavailable", nil)
		return
	}
	if err := s.store.WriteHealth(r.Context()); err != nil {
		s.log.Error("readiness: database refuses writes", "error", err)
		writeError(w, http.StatusServiceUnavailable, "database refuses writes (a full disk?); reads still work", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// scoreRequest is the body of POST /v1/accounts/{id}/score: the signals,
// optionally the account itself (registered or replaced), and optionally the
// scoring time (default: now).
type scoreRequest struct {
	Account *persona.Account `json:"account,omitempty"`
	Signals []scoring.Signal `json:"signals"`
	At      *time.Time       `json:"at,omitempty"`

	stringValues []int // indices of signals whose value was a JSON string
}

type scoreResponse struct {
	Result      scoring.Result `json:"result"`
	Explanation string         `json:"explanation"`
	Model       int            `json:"model"`
}

func (s *Server) score(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req scoreRequest
	if !decode(w, r, &req) {
		return
	}
	if problems := req.check(); len(problems) > 0 {
		writeError(w, http.StatusBadRequest, "invalid signals or time", problems)
		return
	}
	if problems := checkIDs(id, req.Account); len(problems) > 0 {
		writeError(w, http.StatusBadRequest, "invalid IDs or names", problems)
		return
	}
	if req.Account != nil {
		if req.Account.ID != id {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("account ID %q in the body does not match %q in the path", req.Account.ID, id), nil)
			return
		}
		if err := req.Account.Validate(s.cat); err != nil {
			writeError(w, http.StatusUnprocessableEntity, "invalid account", splitErrors(err))
			return
		}
	}
	// An account in the body is registered with its score, in one
	// transaction: if the score cannot be stored, neither is it.
	acct, ok := persona.Account{}, req.Account != nil
	if ok {
		acct = *req.Account
	} else {
		s.mu.RLock()
		acct, ok = s.accounts[id]
		s.mu.RUnlock()
	}
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("unknown account %q: include it in the request body", id), nil)
		return
	}
	at := s.now()
	if req.At != nil {
		at = *req.At
	}
	results, version, err := s.scoreAndStore(r.Context(), []persona.Account{acct}, [][]scoring.Signal{req.Signals}, at, req.Account != nil)
	if errors.Is(err, persona.ErrInvalidSeat) { // a valid committee whose seats in force leave no village to score
		writeError(w, http.StatusUnprocessableEntity, "the account's committee cannot be applied at this time", splitErrors(err))
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	res := results[0]
	writeJSON(w, http.StatusOK, scoreResponse{Result: res, Explanation: res.String(), Model: version})
}

// check lists what the scorer must not be given: times that cannot be
// stored or encoded (CheckTime), and values sent as strings. The library
// reads "NaN" and "±Inf" strings so that a Result listing a dropped NaN
// round-trips; a client of the API sends numbers.
func (req *scoreRequest) check() []string {
	var problems []string
	if req.At != nil {
		if err := CheckTime(*req.At); err != nil {
			problems = append(problems, "at: "+err.Error())
		}
	}
	for i, sig := range req.Signals {
		if err := CheckTime(sig.At); err != nil {
			problems = append(problems, fmt.Sprintf("signals[%d].at: %v", i, err))
		}
	}
	if a := req.Account; a != nil {
		optional := func(field string, t time.Time) {
			if err := CheckTime(t); !t.IsZero() && err != nil {
				problems = append(problems, fmt.Sprintf("account.%s: %v", field, err))
			}
		}
		optional("renewal", a.Renewal)
		for i, c := range a.Contacts {
			optional(fmt.Sprintf("contacts[%d].joined", i), c.Joined)
			optional(fmt.Sprintf("contacts[%d].left", i), c.Left)
		}
		for i, seat := range a.Committee {
			optional(fmt.Sprintf("committee[%d].from", i), seat.From)
			optional(fmt.Sprintf("committee[%d].until", i), seat.Until)
		}
	}
	for _, i := range req.stringValues {
		problems = append(problems, fmt.Sprintf("signals[%d].value: a string, not a number", i))
	}
	return problems
}

// UnmarshalJSON decodes a score request, noting signals whose value is a
// JSON string.
func (req *scoreRequest) UnmarshalJSON(data []byte) error {
	type plain scoreRequest
	var raw struct {
		plain
		Signals []json.RawMessage `json:"signals"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	*req = scoreRequest(raw.plain)
	req.Signals = make([]scoring.Signal, len(raw.Signals))
	for i, js := range raw.Signals {
		var v struct {
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(js, &v); err != nil {
			return fmt.Errorf("signals[%d]: %w", i, err)
		}
		if len(v.Value) > 0 && v.Value[0] == '"' {
			req.stringValues = append(req.stringValues, i)
		}
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req.Signals[i]); err != nil {
			return fmt.Errorf("signals[%d]: %w", i, err)
		}
	}
	return nil
}

// internalError logs err and answers 500 without its text, which may name
// the database or its driver; a request that ran out of time answers 503.
// Either way nothing was stored.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		s.log.Warn("request timed out", "method", r.Method, "path", r.URL.Path, "error", err)
		writeError(w, http.StatusServiceUnavailable, "request timed out; nothing was stored", nil)
		return
	}
	s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "error", err)
	writeError(w, http.StatusInternalServerError, "internal error; nothing was stored", nil)
}

type accountResponse struct {
	Account string  `json:"account"`
	Latest  *Point  `json:"latest,omitempty"`
	Trend   string  `json:"trend"`
	Change  float64 `json:"change"`
	History []Point `json:"history"`
	// Unreadable counts stored scores that could not be read and are left out.
	Unreadable int `json:"unreadable,omitempty"`
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	hist, skipped, err := s.store.History(r.Context(), id, historyPoints)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	for _, problem := range skipped {
		s.log.Warn("unreadable score row skipped", "account", id, "error", problem)
	}
	if len(hist) == 0 && len(skipped) == 0 {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no score for account %q", id), nil)
		return
	}
	resp := accountResponse{Account: id, Trend: "new", History: hist, Unreadable: len(skipped)}
	if len(hist) > 0 {
		resp.Latest = &hist[len(hist)-1]
	}
	if n := len(hist); n > 1 {
		resp.Change = hist[n-1].Score - hist[n-2].Score
		resp.Trend = trend(resp.Change, hist[n-1], hist[n-2])
	}
	writeJSON(w, http.StatusOK, resp)
}

// trend calls a change up or down only when it is larger than a point and
// the new interval lies beyond the old score; otherwise the move is within
// noise ("flat"). When either score heard too little of the village (band
// "insufficient data"), the comparison is "uncertain".
func trend(change float64, now, before Point) string {
	switch {
	case now.Band == scoring.BandInsufficient || before.Band == scoring.BandInsufficient:
		return "uncertain"
	case change > 1 && now.Low > before.Score:
		return "up"
	case change < -1 && now.High < before.Score:
		return "down"
	default:
		return "flat"
	}
}

func (s *Server) getModel(w http.ResponseWriter, r *http.Request) {
	mv := s.scorer.Load()
	writeJSON(w, http.StatusOK, map[string]any{"version": mv.version, "model": mv.scorer.Model()})
}

func (s *Server) postModel(w http.ResponseWriter, r *http.Request) {
	var m scoring.Model
	if !decode(w, r, &m) {
		return
	}
	v, err := s.setModel(r.Context(), m)
	if err != nil {
		var fe *scoring.FieldError
		if errors.As(err, &fe) {
			writeError(w, http.StatusUnprocessableEntity, "invalid model; the previous model keeps serving", splitErrors(err))
			return
		}
		s.internalError(w, r, err)
		return
	}
	s.log.Info("model replaced", "version", v)
	writeJSON(w, http.StatusOK, map[string]int{"version": v})
}

// decode reads a JSON body, rejecting unknown fields, trailing data and
// bodies over the size limit, and answers the error itself.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value in the body")
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", tooBig.Limit), nil)
		return false
	case err != nil:
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error(), nil)
		return false
	}
	return true
}

// splitErrors lists the problems in an errors.Join.
func splitErrors(err error) []string {
	return strings.Split(err.Error(), "\n")
}

type errorBody struct {
	Error    string   `json:"error"`
	Details  []string `json:"details,omitempty"`
	Location string   `json:"location,omitempty"` // where a redirect points
}

func writeError(w http.ResponseWriter, code int, msg string, details []string) {
	writeJSON(w, code, errorBody{Error: msg, Details: details})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":"encoding the response"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// maxIDBytes bounds an account's or a contact's ID, and a name: enough
// for any CRM's keys, and a page that stays small.
const maxIDBytes = 256

// checkIDs lists what is wrong with the account ID in the path and the IDs
// names and titles of an account sent: longer than maxIDBytes, not UTF-8, or
// holding control characters (NUL among them) or the bidirectional
// overrides and isolates (U+202A-U+202E, U+2066-U+2069) that make text
// read in another order than it is stored.
func checkIDs(id string, acct *persona.Account) []string {
	var problems []string
	check := func(what, v string) {
		switch {
		case len(v) > maxIDBytes:
			problems = append(problems, fmt.Sprintf("%s: %d bytes, more than %d", what, len(v), maxIDBytes))
		case !utf8.ValidString(v):
			problems = append(problems, what+": not UTF-8")
		case strings.ContainsFunc(v, func(r rune) bool {
			return unicode.IsControl(r) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
		}):
			problems = append(problems, what+": a control or bidirectional-override character")
		}
	}
	check("account ID", id)
	if acct != nil {
		check("account.name", acct.Name)
		for i, c := range acct.Contacts {
			check(fmt.Sprintf("account.contacts[%d].id", i), c.ID)
			check(fmt.Sprintf("account.contacts[%d].title", i), c.Title)
		}
	}
	return problems
}
