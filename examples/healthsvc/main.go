// Command healthsvc runs village inside a real HTTP service: a JSON API
// that scores accounts from posted signals and explains the result, keeps
// every score in SQLite so it can answer how an account's health moved,
// and takes a new scoring model while serving (the old one keeps serving if
// the new one is invalid).
//
//	go run ./examples/healthsvc -addr 127.0.0.1:8080 -db health.db
//
// At start it scores a synthetic base, so the first request returns
// something real. It logs structured JSON (log/slog), limits request size
// and time, and shuts down cleanly on SIGTERM or SIGINT.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free one)")
	dbPath := flag.String("db", "healthsvc.db", `SQLite database file (":memory:" for none)`)
	accounts := flag.Int("accounts", 50, "synthetic accounts to score at start")
	flag.Parse()

	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, log, *addr, *dbPath, *accounts); err != nil {
		log.Error("exiting", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, addr, dbPath string, accounts int) error {
	store, err := OpenStore(ctx, dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	cat := persona.B2B()
	srv, err := NewServer(ctx, cat, store, scoring.DefaultModel(cat), log, time.Now)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// Announce the address on stdout (a port of 0 is chosen by the system),
	// for people and for the test that starts this binary.
	fmt.Printf("listening on http://%s\n", ln.Addr())

	httpSrv := httpServer(srv.Handler(), log)
	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()

	if err := seed(ctx, srv, accounts); err != nil {
		return err
	}
	srv.SetReady()
	log.Info("ready", "addr", ln.Addr().String(), "accounts", accounts)

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// httpServer returns the HTTP server for handler with the service's
// connection limits: a client has 5 s to send its headers and 15 s for the
// whole request, so slow or stalled clients cannot hold connections (the
// handler's own limit, requestTimeout, is shorter than the write timeout,
// so a reply always gets out).
func httpServer(handler http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// seed registers a synthetic base (with buying committees) and scores it
// at the end of each quarter of its simulated year, with the signals known
// then, so that the service answers, and its pages draw, history from the
// start.
func seed(ctx context.Context, srv *Server, n int) error {
	base, err := villagesim.Generate(villagesim.Config{Seed: 1, Accounts: n, Committees: true})
	if err != nil {
		return err
	}
	if err := srv.Register(ctx, base.Accounts...); err != nil {
		return err
	}
	signals := base.Signals(villagesim.SignalConfig{Seed: 1})
	for q := 3; q >= 0; q-- {
		at := base.End.AddDate(0, -3*q, 0)
		known := make([][]scoring.Signal, len(signals))
		for i, sigs := range signals {
			for _, s := range sigs {
				if !s.At.After(at) {
					known[i] = append(known[i], s)
				}
			}
		}
		if _, _, err := srv.ScoreAndStore(ctx, base.Accounts, known, at); err != nil {
			return err
		}
	}
	return nil
}
