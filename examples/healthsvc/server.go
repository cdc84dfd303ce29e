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
	s := &Server{cat: cat, store: store, log: log, now: now, accounts: map[string]persona.Account{}}
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

// Register adds or replaces accounts after validating them against the catalog.
func (s *Server) Register(accounts ...persona.Account) error {
	for i := range accounts {
		if err := accounts[i].Validate(s.cat); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range accounts {
		s.accounts[a.ID] = a
	}
	return nil
}

// ScoreAndStore scores each account with its signals at time at and stores
// the whole batch in one transaction.
func (s *Server) ScoreAndStore(ctx context.Context, accounts []persona.Account, signals [][]scoring.Signal, at time.Time) ([]scoring.Result, error) {
	mv := s.scorer.Load()
	results := make([]scoring.Result, len(accounts))
	for i, a := range accounts {
		r, err := mv.scorer.Score(a, signals[i], at)
		if err != nil {
			return nil, err
		}
		results[i] = r
	}
	if err := s.store.SaveScores(ctx, results, mv.version); err != nil {
		return nil, err
	}
	return results, nil
}

// SetReady marks the service ready to serve traffic.
func (s *Server) SetReady() { s.ready.Store(true) }

// Handler returns the service's routes, with body-size and time limits.
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
	logged := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		r.Body = http.MaxBytesReader(rw, r.Body, maxBody)
		mux.ServeHTTP(rw, r)
		s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rw.status, "duration", time.Since(start))
	})
	return http.TimeoutHandler(logged, requestTimeout, `{"error":"request timed out"}`)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		writeError(w, http.StatusServiceUnavailable, "starting", nil)
		return
	}
	if err := s.store.Ping(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, "database: "+err.Error(), nil)
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
	if req.Account != nil {
		if req.Account.ID != id {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("account ID %q in the body does not match %q in the path", req.Account.ID, id), nil)
			return
		}
		if err := s.Register(*req.Account); err != nil {
			writeError(w, http.StatusUnprocessableEntity, "invalid account", splitErrors(err))
			return
		}
	}
	s.mu.RLock()
	acct, ok := s.accounts[id]
	s.mu.RUnlock()
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("unknown account %q: include it in the request body", id), nil)
		return
	}
	at := s.now()
	if req.At != nil {
		at = *req.At
	}
	results, err := s.ScoreAndStore(r.Context(), []persona.Account{acct}, [][]scoring.Signal{req.Signals}, at)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error(), nil)
		return
	}
	res := results[0]
	writeJSON(w, http.StatusOK, scoreResponse{Result: res, Explanation: res.String(), Model: s.scorer.Load().version})
}

type accountResponse struct {
	Account string  `json:"account"`
	Latest  *Point  `json:"latest,omitempty"`
	Trend   string  `json:"trend"`
	Change  float64 `json:"change"`
	History []Point `json:"history"`
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	hist, err := s.store.History(r.Context(), id, historyPoints)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error(), nil)
		return
	}
	if len(hist) == 0 {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no score for account %q", id), nil)
		return
	}
	resp := accountResponse{Account: id, Latest: &hist[len(hist)-1], Trend: "new", History: hist}
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
		writeError(w, http.StatusInternalServerError, err.Error(), nil)
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
	Error   string   `json:"error"`
	Details []string `json:"details,omitempty"`
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
