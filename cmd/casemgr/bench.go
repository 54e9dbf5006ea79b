package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/bench"
)

const benchUsage = `casemgr bench — load tests of casemgr (docs/performance.md).

  casemgr bench world --db URL [--customers N --cases N --activities N] [--replace]
        generate a world straight into a database (PostgreSQL COPY, SQLite batched inserts)
  casemgr bench run --url http://127.0.0.1:8080 --db URL [--ops LIST | --mix WEIGHTS] [--clients 32] [--duration 20s] [--webhooks]
        drive a running server over HTTP; also measures GET /healthz and each operation's raw SQL transaction;
        --webhooks subscribes a loopback receiver to every event for the run
  casemgr bench raw --db URL [--ops LIST] [--clients 32] [--duration 10s]
        run only the raw SQL transactions of the operations against the database

Run 'casemgr bench COMMAND -h' for the flags.
`

// runBench runs the bench subcommands.
func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, benchUsage)
		return errors.New("bench: a subcommand is required: world, run or raw")
	}
	switch args[0] {
	case "world":
		return runBenchWorld(ctx, args[1:], getenv, stdout, stderr)
	case "run":
		return runBenchRun(ctx, args[1:], getenv, stdout, stderr, false)
	case "raw":
		return runBenchRun(ctx, args[1:], getenv, stdout, stderr, true)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, benchUsage)
		return nil
	}
	fmt.Fprint(stderr, benchUsage)
	return fmt.Errorf("bench: unknown subcommand %q", args[0])
}

func runBenchWorld(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("bench world", "[flags]", "Generate a large world straight into a database (docs/performance.md).", getenv, stdout)
	dbURL := f.String("db", defaultDB, "database URL: sqlite://PATH or postgres://...")
	customers := f.Int("customers", 100_000, "number of customers")
	cases := f.Int("cases", 300_000, "number of cases")
	activities := f.Int("activities", 1_000_000, "number of activities")
	benchUsers := f.Int("bench-users", bench.DefaultBenchUsers, "number of load-driving users bench-001... (password \"bench\")")
	bulkCases := f.Int("bulk-cases", bench.DefaultBulkCases, "cases of 80 changeable emails: the batches of the 75-activity operations (a third each)")
	seed := f.fs.Uint64("seed", 1, "seed of the generator: one seed, one world")
	f.envAs("seed", "CASEMGR_WORLD_SEED") // CASEMGR_SEED is serve's fixture document
	// Command line only: an environment variable must not delete a world.
	replace := f.fs.Bool("replace", false, "replace the world of a database that holds one")
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.fs.NArg() > 0 {
		return fmt.Errorf("bench world takes no arguments, got %q", f.fs.Args())
	}
	cfg := bench.WorldConfig{Customers: *customers, Cases: *cases, Activities: *activities,
		BenchUsers: *benchUsers, BulkCases: *bulkCases, Seed: *seed}
	p := bench.NewProgress(stderr)
	stats, err := bench.LoadWorld(ctx, *dbURL, cfg, bench.LoadOptions{Replace: *replace, Progress: p})
	if err != nil {
		return scrub(fmt.Errorf("bench world: %w", err), *dbURL)
	}
	fmt.Fprintf(stdout, "world loaded into %s (%s): %d customers, %d contacts, %d contact points, %d cases, %d activities\n",
		redact(*dbURL), stats.Engine, stats.Customers, stats.Contacts, stats.Points, stats.Cases, stats.Activities)
	fmt.Fprintf(stdout, "time: %s total (configuration %s, rows %s, indexes %s, analyze %s); %.0f activities/s\n",
		stats.Total.Round(1e8), stats.Config.Round(1e7), stats.Bulk.Round(1e8), stats.Indexes.Round(1e8),
		stats.Analyze.Round(1e8), stats.ActivitiesPerSecond)
	fmt.Fprintf(stdout, "log in as %s ... %s with password %q\n", bench.BenchUserName(1), bench.BenchUserName(stats.BenchUsers), bench.BenchPassword)
	return nil
}

func runBenchRun(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, rawOnly bool) error {
	name := "bench run"
	if rawOnly {
		name = "bench raw"
	}
	about := "Drive a running server over HTTP and measure each operation's raw SQL transaction (docs/performance.md)."
	if rawOnly {
		about = "Run only the raw SQL transactions of the operations against the database (docs/performance.md)."
	}
	f := newFlags(name, "[flags]", about, getenv, stdout)
	dbURL := f.String("db", defaultDB, "database URL of the server's world: sqlite://PATH or postgres://...")
	var serverURL *string
	var pid *int
	var raw *bool
	if !rawOnly {
		serverURL = f.String("url", "http://127.0.0.1:8080", "base URL of the running server")
		pid = f.Int("server-pid", 0, "process ID of the server, whose memory (VmRSS, VmHWM) is sampled")
		raw = f.Bool("raw", true, "also measure each operation's raw SQL transaction, for the ratio")
	}
	clients := f.Int("clients", 32, "concurrent clients")
	duration := f.Duration("duration", 20*time.Second, "measured length of each phase")
	warmup := f.Duration("warmup", 2*time.Second, "unmeasured start of each phase")
	ops := f.String("ops", strings.Join(bench.DefaultOps, ","), "operations, each measured on its own: "+strings.Join(bench.Operations, ", "))
	mix := f.String("mix", "", "measure a weighted mix instead of --ops, e.g. create=4,get-1=10,transfer-75=1")
	runs := f.Int("runs", 1, "repeat every phase; figures are medians over the runs")
	var rates *string
	var hooks *bool
	if !rawOnly {
		hooks = f.Bool("webhooks", false, "subscribe a loopback receiver to every event type on the server for the run (the server needs --webhook-allow 127.0.0.0/8), to compare with a run without")
		rates = f.String("rate", "", "also measure each operation open-loop at these rates, after its closed-loop runs: requests per second (500) or percentages of its measured maximum (25%,50%,75%); latency counts from each request's due time")
	}
	asJSON := f.Bool("json", false, "write the report as JSON")
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.fs.NArg() > 0 {
		return fmt.Errorf("%s takes no arguments, got %q", name, f.fs.Args())
	}
	cfg := bench.RunConfig{DB: *dbURL, Clients: *clients, Duration: *duration, Warmup: *warmup,
		Runs: *runs, HTTP: !rawOnly, Raw: rawOnly || *raw, Log: stderr}
	if !rawOnly {
		cfg.URL, cfg.ServerPID = *serverURL, *pid
	}
	if rates != nil && *rates != "" {
		r, err := bench.ParseRates(*rates)
		if err != nil {
			return err
		}
		cfg.Rates = r
	}
	if *mix != "" {
		m, err := bench.ParseMix(*mix)
		if err != nil {
			return err
		}
		cfg.Mix = m
	} else {
		for _, op := range strings.Split(*ops, ",") {
			if op = strings.TrimSpace(op); op != "" {
				cfg.Ops = append(cfg.Ops, op)
			}
		}
	}
	if hooks != nil && *hooks {
		load, err := bench.SubscribeWebhooks(ctx, cfg.URL)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		defer func() {
			fmt.Fprintf(stderr, "webhook deliveries during the run: %d verified, %d refused\n", load.Delivered.Load(), load.Refused.Load())
			if err := load.Close(context.WithoutCancel(ctx)); err != nil {
				fmt.Fprintf(stderr, "%s: %v\n", name, err)
			}
		}()
	}
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return scrub(fmt.Errorf("%s: %w", name, err), *dbURL)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteText(stdout)
}
