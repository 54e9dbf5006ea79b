package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/casemgr/casemgr/fixtures"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/fixture"
	"github.com/casemgr/casemgr/internal/httpapi"
	"github.com/casemgr/casemgr/internal/httpapi/httpstatus"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/webhook"
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
		return nil, scrub(err, url)
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, scrub(fmt.Errorf("migrating %s: %w", redact(url), err), url)
	}
	return db, nil
}

// setGroupCommit turns group commit on when on (the default) on SQLite, the
// one engine that has it; asked tells whether --group-commit was given (on
// the command line or in the environment): asking for it on PostgreSQL is
// an error, the default there is no group commit.
func setGroupCommit(db store.DB, on, asked bool) error {
	if !on {
		return nil
	}
	if db.Engine() != "sqlite" {
		if asked {
			return errors.New("serve: --group-commit: only SQLite has group commit (PostgreSQL commits each transaction on its own)")
		}
		return nil
	}
	g, ok := db.(interface{ SetGroupCommit(bool) error })
	if !ok {
		return errors.New("serve: --group-commit: the store has no group commit")
	}
	if err := g.SetGroupCommit(true); err != nil {
		return fmt.Errorf("serve: --group-commit: %w", err)
	}
	return nil
}

// defaultGCPercent is the garbage collector's target of casemgr serve:
// a request allocates its representation and rows anew, and with Go's
// default (100) collections took a fifth to a quarter of the server's CPU
// under load (docs/performance.md, "The garbage collector's target").
const defaultGCPercent = 400

// setGCPercent sets the garbage collector's target: percent when given
// (--gc-percent on the command line or in the environment), else the
// runtime's own reading of GOGC when that is set, else percent.
func setGCPercent(percent int, given bool, gogc string) error {
	if percent < -1 || percent == 0 {
		return fmt.Errorf("serve: --gc-percent must be positive, or -1 (no collections), not %d", percent)
	}
	if !given && gogc != "" {
		return nil
	}
	debug.SetGCPercent(percent)
	return nil
}

const serveAbout = `Run the server: migrate the schema, load the world asked for, and serve
until SIGINT or SIGTERM (graceful shutdown).

The world: --seed FILE loads a fixture document, --demo the demo world
(docs/demo-world.md), each into an empty database; a database holding the
world of that same document is served as it is (a restart), one holding
another world is refused. Without either, the default database
(sqlite://data/casemgr.db) gets the demo world when empty, and any other
database starts as it is, empty or not.`

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("serve", "[flags]", serveAbout, getenv, stdout)
	addr := f.String("addr", "127.0.0.1:8080", "address to listen on")
	dbURL := f.String("db", defaultDB, "database URL: sqlite://PATH or postgres://...")
	seed := f.String("seed", "", "fixture document to load into an empty database at start")
	demo := f.Bool("demo", false, "load the demo world into an empty database at start")
	adminToken := f.String("admin-token", "", "bearer token of the /admin endpoints and /debug/pprof (off when empty)")
	metricsAddr := f.String("metrics-addr", "", "address to serve Prometheus metrics on, at /metrics (off when empty)")
	publicURL := f.String("public-url", "", "base URL clients reach the server at, for the authentication metadata (default: http:// and --addr)")
	logLevel := f.String("log-level", "info", "log level: debug, info, warn or error")
	logFormat := f.String("log-format", "text", "log format: text or json")
	tlsCert := f.String("tls-cert", "", "PEM certificate (chain) file: serve HTTPS, with --tls-key")
	tlsKey := f.String("tls-key", "", "PEM private key file of --tls-cert")
	corsOrigins := f.String("cors-origins", "", "comma-separated origins whose browser pages may call the API (CORS), e.g. https://app.example.com")
	tokenTTL := f.Duration("token-ttl", time.Hour, "lifetime of access tokens")
	refreshTTL := f.Duration("refresh-ttl", 24*time.Hour, "lifetime of refresh tokens and login sessions")
	idempotencyTTL := f.Duration("idempotency-ttl", 24*time.Hour, "how long a retried creation with the same Idempotency-Key returns the first answer")
	webhookAllow := f.String("webhook-allow", "", "comma-separated CIDR ranges webhooks may reach although internal (loopback, private, link-local), e.g. 127.0.0.0/8")
	webhookTimeout := f.Duration("webhook-timeout", 10*time.Second, "how long a webhook delivery may take before it counts as failed")
	webhookRetry := f.Duration("webhook-retry-period", webhook.DefaultBackoff.GiveUp, "how long an event's delivery is retried before its webhook is marked failing (it is still tried, every --webhook-backoff-max)")
	webhookBackoff := f.Duration("webhook-backoff", webhook.DefaultBackoff.Initial, "the first wait before retrying a failed delivery; each retry waits twice as long, with jitter")
	webhookBackoffMax := f.Duration("webhook-backoff-max", webhook.DefaultBackoff.Max, "the longest wait between retries of a delivery")
	webhookLease := f.Duration("webhook-lease", 30*time.Second, "how long a process holds a webhook's deliveries without renewing its claim; another process takes them over after a crash (more than twice --webhook-timeout)")
	webhookLogTTL := f.Duration("webhook-log-retention", 7*24*time.Hour, "how long webhook delivery log entries are kept")
	purgeEvery := f.Duration("purge-interval", 10*time.Minute, "how often expired sessions, tokens and idempotency records are deleted (0: never)")
	groupCommit := f.Bool("group-commit", true, "SQLite: commit the writes that arrive while the writer is busy together, each in a savepoint of its own (docs/performance.md); PostgreSQL has none")
	eventRetention := f.Duration("event-retention", 7*24*time.Hour, "how long events of the change feed are kept before the purge deletes them (0: for ever)")
	historyRetention := f.Duration("history-retention", 0, "how long the change history of activities, cases and customers is kept before the purge deletes it (0: for ever)")
	gcPercent := f.Int("gc-percent", defaultGCPercent, "the garbage collector's target: how much the heap grows, in percent of what is live, before the next collection (-1: never); GOGC in the environment, when set, is the default (docs/performance.md)")
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", f.fs.Args())
	}
	if *seed != "" && *demo {
		return errors.New("serve: --seed and --demo both name the world to load; give one")
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return errors.New("serve: --tls-cert and --tls-key go together")
	}
	origins, err := parseOrigins(*corsOrigins)
	if err != nil {
		return err
	}
	allow, err := webhook.ParseAllow(*webhookAllow)
	if err != nil {
		return err
	}
	if *webhookTimeout <= 0 || *webhookLease <= 2**webhookTimeout || *webhookBackoff <= 0 || *webhookBackoffMax < *webhookBackoff {
		return errors.New("serve: --webhook-timeout must be positive and --webhook-lease more than twice as long; --webhook-backoff positive and at most --webhook-backoff-max")
	}
	if err := setGCPercent(*gcPercent, f.given("gc-percent"), getenv("GOGC")); err != nil {
		return err
	}
	logger, err := newLogger(stderr, *logLevel, *logFormat)
	if err != nil {
		return err
	}
	// Read the document before touching the database: a typo in the file
	// name leaves the database alone.
	var world *startWorld
	switch {
	case *seed != "":
		doc, err := os.ReadFile(*seed)
		if err != nil {
			return fmt.Errorf("--seed: %w", err)
		}
		world = &startWorld{doc: doc, name: *seed, flag: "--seed", strict: true}
	case *demo:
		world = &startWorld{doc: fixtures.Demo, name: "the demo world", flag: "--demo", strict: true}
	case *dbURL == defaultDB:
		world = &startWorld{doc: fixtures.Demo, name: "the demo world"}
	}

	db, err := openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := setGroupCommit(db, *groupCommit, f.given("group-commit")); err != nil {
		return err
	}
	hash := hasher(auth.DefaultCost)
	if err := loadStartWorld(ctx, db, world, hash, logger); err != nil {
		return err
	}

	authSvc := auth.New(db)
	authSvc.AccessTTL, authSvc.RefreshTTL = *tokenTTL, *refreshTTL
	authSvc.Logger = logger
	if authSvc.PublicURL, err = publicBase(*publicURL, *addr); err != nil {
		return err
	}
	srv := &httpapi.Server{
		Service:     &casemgr.Service{Store: db, WebhookTargets: webhook.Targets(allow)},
		Auth:        authSvc,
		AdminToken:  *adminToken,
		HashSecret:  hash,
		Logger:      logger,
		CORSOrigins: origins,
	}
	deliveries := &webhook.Worker{
		Store: db, Source: webhook.Feed{Store: db, Render: httpapi.EventJSON}, Client: webhook.NewClient(allow, *webhookTimeout),
		Lease: *webhookLease, Logger: logger, UserAgent: "casemgr-webhooks/" + versionString(),
		Backoff: webhook.Backoff{Initial: *webhookBackoff, Max: *webhookBackoffMax, GiveUp: *webhookRetry},
	}
	if *metricsAddr != "" {
		// The metrics server ends with this function, whichever way it
		// returns.
		metricsCtx, stopMetrics := context.WithCancel(ctx)
		defer stopMetrics()
		if srv.Metrics, _, err = startMetrics(metricsCtx, *metricsAddr, db, logger); err != nil {
			return err
		}
		srv.Metrics.WatchWebhooks(deliveries)
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
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
		// Load the pair now, so a bad file is an error at start, not at the
		// first handshake.
		cert, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, hs.TLSConfig)
	}
	logger.Info("casemgr listening", "url", scheme+"://"+ln.Addr().String(), "db", redact(*dbURL), "engine", db.Engine(), "version", versionString())

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if *purgeEvery > 0 {
		go purge(ctx, db, logger, *purgeEvery, *idempotencyTTL, *webhookLogTTL, retention{events: *eventRetention, history: *historyRetention})
	}
	// Webhook deliveries run until ctx ends; one killed mid-delivery
	// leaves its claims to expire and other processes deliver again.
	deliverCtx, stopDeliveries := context.WithCancel(ctx)
	defer stopDeliveries()
	go deliveries.Run(deliverCtx)
	go deliveries.Report(deliverCtx, time.Minute)
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

// parseOrigins reads --cors-origins: scheme://host[:port] each, no path.
func parseOrigins(list string) ([]string, error) {
	var origins []string
	for _, o := range strings.Split(list, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return nil, fmt.Errorf("--cors-origins: %q is not an origin (scheme://host[:port])", o)
		}
		origins = append(origins, u.Scheme+"://"+u.Host)
	}
	return origins, nil
}

// startWorld is the world serve loads at start.
type startWorld struct {
	doc  []byte
	name string // for logs: a file name or "the demo world"
	flag string // the flag that asked for it, for errors
	// strict refuses a database holding another world; the implicit demo
	// world of the default database serves whatever that database holds.
	strict bool
}

// loadStartWorld loads the world asked for into an empty database. Servers
// starting at once take turns (LoadFixture locks the world), so the second
// finds the first one's world, recognises its document and serves it; a
// restart does the same.
func loadStartWorld(ctx context.Context, db store.DB, w *startWorld, hash func(string) (string, error), logger *slog.Logger) error {
	if w == nil {
		var empty bool
		if err := db.Read(ctx, func(tx casemgr.Tx) (err error) { empty, err = tx.Empty(); return err }); err != nil {
			return err
		}
		if empty {
			logger.Info("the database holds no world: load one with 'casemgr seed --db URL FILE', " +
				"'casemgr serve --seed FILE', 'casemgr serve --demo' (the demo world) or PUT /admin/v1/fixtures")
		}
		return nil
	}
	err := fixture.Load(ctx, db, w.doc, fixture.LoadOptions{Mode: fixture.LoadIntoEmpty, Hash: hash})
	switch {
	case err == nil:
		logger.Info("world loaded into the empty database", "from", w.name)
		return nil
	case casemgr.IsCode(err, casemgr.CodeFixtureDataPresent):
	default:
		var e *casemgr.Error
		if errors.As(err, &e) && httpstatus.Of(e.Code) < 500 {
			return fmt.Errorf("%s %s: %s", w.flag, w.name, e.DeveloperMessage())
		}
		return fmt.Errorf("loading %s: %w", w.name, err)
	}
	same, err := fixture.HoldsWorldOf(ctx, db, w.doc)
	switch {
	case err != nil:
		return err
	case same:
		logger.Info("the database holds the world of this document already: serving it", "from", w.name)
		return nil
	case !w.strict:
		logger.Info("the database holds a world already: serving it")
		return nil
	}
	return fmt.Errorf("%s: the database holds another world, not loaded from %s; "+
		"serve it without %s, or replace it with 'casemgr seed --replace --db URL FILE'", w.flag, w.name, w.flag)
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("migrate", "[flags]",
		"Apply the schema migrations (idempotent; several processes may migrate one database at once).", getenv, stdout)
	dbURL := f.String("db", defaultDB, "database URL: sqlite://PATH or postgres://...")
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.fs.NArg() > 0 {
		return fmt.Errorf("migrate takes no arguments, got %q", f.fs.Args())
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
	f := newFlags("seed", "[flags] FILE",
		"Load a fixture document (docs/fixtures.md) into an empty database, or in place of its world with --replace.", getenv, stdout)
	dbURL := f.String("db", defaultDB, "database URL: sqlite://PATH or postgres://...")
	// Command line only: an environment variable must not turn a load into
	// the deletion of a world.
	replace := f.fs.Bool("replace", false, "replace the world in the database instead of requiring it to be empty")
	if err := f.Parse(args); err != nil {
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
		if errors.As(err, &e) && httpstatus.Of(e.Code) < 500 {
			return fmt.Errorf("%s: %s", file, e.DeveloperMessage())
		}
		return scrub(fmt.Errorf("%s: %w", file, err), *dbURL)
	}
	fmt.Fprintf(stdout, "loaded %s into %s\n", file, redact(*dbURL))
	return nil
}

// purgeEvents deletes the events of the change feed made before cut, in
// a transaction of its own.
func purgeEvents(ctx context.Context, db casemgr.Store, logger *slog.Logger, cut time.Time) {
	var n int64
	err := db.Write(ctx, func(tx casemgr.Tx) (err error) {
		n, err = tx.PurgeEvents(cut)
		return err
	})
	switch {
	case err != nil && ctx.Err() == nil:
		logger.Warn("purging events failed", "err", err)
	case n > 0:
		logger.Info("purged events of the change feed", "rows", n, "before", cut.UTC().Format(time.RFC3339))
	}
}

// historyBatch is the most history entries one purge transaction deletes.
const historyBatch = 10000

// purgeHistory deletes the history entries recorded before cut, in
// transactions of at most historyBatch entries, so that a first purge of a
// long history does not hold the writer for long.
func purgeHistory(ctx context.Context, db casemgr.Store, logger *slog.Logger, cut time.Time) {
	var total int64
	for ctx.Err() == nil {
		var n int64
		err := db.Write(ctx, func(tx casemgr.Tx) (err error) {
			n, err = tx.PurgeHistory(cut, historyBatch)
			return err
		})
		if err != nil {
			if ctx.Err() == nil {
				logger.Warn("purging history failed", "err", err)
			}
			return
		}
		if total += n; n < historyBatch {
			break
		}
	}
	if total > 0 {
		logger.Info("purged change history", "rows", total, "before", cut.UTC().Format(time.RFC3339))
	}
}

// retention is how long events and history are kept (0: for ever).
type retention struct{ events, history time.Duration }

// purge deletes expired sessions and tokens, old idempotency records,
// webhook delivery logs older than deliveryTTL, and events and history
// older than their retention (0: none) every interval until ctx ends.
// Several processes on one database may purge at once: the deletes are
// idempotent.
func purge(ctx context.Context, db casemgr.Store, logger *slog.Logger, interval, idempotencyTTL, deliveryTTL time.Duration, keep retention) {
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
			if n, err = tx.Purge(now, now.Add(-idempotencyTTL)); err != nil {
				return err
			}
			d, err := tx.PurgeDeliveries(now.Add(-deliveryTTL))
			n += d
			return err
		})
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Warn("purge failed", "err", err)
		case n > 0:
			logger.Info("purged expired sessions, tokens, idempotency records and webhook delivery logs", "rows", n)
		}
		if keep.events > 0 {
			purgeEvents(ctx, db, logger, now.Add(-keep.events))
		}
		if keep.history > 0 {
			purgeHistory(ctx, db, logger, now.Add(-keep.history))
		}
	}
}
