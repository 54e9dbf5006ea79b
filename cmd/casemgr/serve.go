package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/casemgr/casemgr/fixtures"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/fixture"
	"github.com/casemgr/casemgr/internal/httpapi"
	"github.com/casemgr/casemgr/internal/store"
)

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
}

func hasher(cost int) func(string) (string, error) {
	return func(s string) (string, error) { return auth.HashSecret(s, cost) }
}

func openDB(ctx context.Context, url string) (store.DB, error) {
	db, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrating %s: %w", redact(url), err)
	}
	return db, nil
}

// redact hides a password in a database URL for logs.
func redact(url string) string {
	at := strings.LastIndex(url, "@")
	scheme := strings.Index(url, "://")
	if at < 0 || scheme < 0 {
		return url
	}
	userinfo := url[scheme+3 : at]
	if i := strings.IndexByte(userinfo, ':'); i >= 0 {
		return url[:scheme+3] + userinfo[:i] + ":***" + url[at:]
	}
	return url
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("serve", getenv, stderr)
	addr := f.String("addr", "127.0.0.1:8080", "address to listen on")
	dbURL := f.String("db", defaultDB, "database URL: sqlite://PATH or postgres://...")
	seed := f.String("seed", "", "fixture document to load into an empty database at start")
	adminToken := f.String("admin-token", "", "bearer token of the /admin endpoints (off when empty)")
	metricsAddr := f.String("metrics-addr", "", "address to serve Prometheus metrics on, at /metrics (off when empty)")
	logLevel := f.String("log-level", "info", "log level: debug, info, warn or error")
	logFormat := f.String("log-format", "text", "log format: text or json")
	tokenTTL, err := f.Duration("token-ttl", time.Hour, "lifetime of access tokens")
	if err != nil {
		return err
	}
	refreshTTL, err := f.Duration("refresh-ttl", 24*time.Hour, "lifetime of refresh tokens and login sessions")
	if err != nil {
		return err
	}
	idempotencyTTL, err := f.Duration("idempotency-ttl", 24*time.Hour, "how long a retried creation with the same Idempotency-Key returns the first answer")
	if err != nil {
		return err
	}
	purgeEvery, err := f.Duration("purge-interval", 10*time.Minute, "how often expired sessions, tokens and idempotency records are deleted (0: never)")
	if err != nil {
		return err
	}
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	if f.fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", f.fs.Args())
	}
	logger, err := newLogger(stderr, *logLevel, *logFormat)
	if err != nil {
		return err
	}

	db, err := openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	hash := hasher(auth.DefaultCost)
	switch {
	case *seed != "":
		doc, err := os.ReadFile(*seed)
		if err != nil {
			return fmt.Errorf("--seed: %w", err)
		}
		if err := fixture.Load(ctx, db, doc, fixture.LoadOptions{Mode: fixture.LoadIntoEmpty, Hash: hash}); err != nil {
			return fmt.Errorf("--seed %s: %w", *seed, err)
		}
		logger.Info("fixture document loaded", "file", *seed)
	default:
		err := fixture.Load(ctx, db, fixtures.Demo, fixture.LoadOptions{Mode: fixture.LoadIntoEmpty, Hash: hash})
		switch {
		case err == nil:
			logger.Info("demo world loaded into the empty database")
		case casemgr.IsCode(err, casemgr.CodeFixtureDataPresent):
			// The database holds a world already; serve it.
		default:
			return fmt.Errorf("loading the demo world: %w", err)
		}
	}

	authSvc := auth.New(db)
	authSvc.AccessTTL, authSvc.RefreshTTL = *tokenTTL, *refreshTTL
	authSvc.Logger = logger
	srv := &httpapi.Server{
		Service:    &casemgr.Service{Store: db},
		Auth:       authSvc,
		AdminToken: *adminToken,
		HashSecret: hash,
		Logger:     logger,
	}
	if *metricsAddr != "" {
		// The metrics server ends with this function, whichever way it
		// returns.
		metricsCtx, stopMetrics := context.WithCancel(ctx)
		defer stopMetrics()
		if srv.Metrics, _, err = startMetrics(metricsCtx, *metricsAddr, db, logger); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("casemgr serving", "addr", ln.Addr().String(), "db", redact(*dbURL), "engine", db.Engine(), "version", version)
	fmt.Fprintf(stdout, "casemgr listening on http://%s (%s)\n", ln.Addr(), db.Engine())

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if *purgeEvery > 0 {
		go purge(ctx, db, logger, *purgeEvery, *idempotencyTTL)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("migrate", getenv, stderr)
	dbURL := f.String("db", defaultDB, "database URL: sqlite://PATH or postgres://...")
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "schema of %s is up to date\n", redact(*dbURL))
	return nil
}

func runSeed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("seed", getenv, stderr)
	dbURL := f.String("db", defaultDB, "database URL: sqlite://PATH or postgres://...")
	replace := f.Bool("replace", false, "replace the world in the database instead of requiring it to be empty")
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	if f.fs.NArg() != 1 {
		return errors.New("usage: casemgr seed [--db URL] [--replace] FILE")
	}
	file := f.fs.Arg(0)
	doc, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	mode := fixture.LoadIntoEmpty
	if *replace {
		mode = fixture.LoadReplace
	}
	if err := fixture.Load(ctx, db, doc, fixture.LoadOptions{Mode: mode, Hash: hasher(auth.DefaultCost)}); err != nil {
		var e *casemgr.Error
		if errors.As(err, &e) && e.Status() < 500 {
			return fmt.Errorf("%s: %s", file, e.DeveloperMessage())
		}
		return fmt.Errorf("%s: %w", file, err)
	}
	fmt.Fprintf(stdout, "loaded %s into %s\n", file, redact(*dbURL))
	return nil
}

// purge deletes expired sessions and tokens and old idempotency records
// every interval until ctx ends. Several processes on one database may
// purge at once: the deletes are idempotent.
func purge(ctx context.Context, db casemgr.Store, logger *slog.Logger, interval, idempotencyTTL time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		var n int64
		err := db.Write(ctx, func(tx casemgr.Tx) (err error) {
			n, err = tx.Purge(now, now.Add(-idempotencyTTL))
			return err
		})
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Warn("purge failed", "err", err)
		case n > 0:
			logger.Info("purged expired sessions, tokens and idempotency records", "rows", n)
		}
	}
}
