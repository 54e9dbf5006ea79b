// Command casemgr is the casemgr server: a self-hosted case-management
// backend speaking the eGain Case Management API v3, on SQLite (embedded
// default) or PostgreSQL.
//
// Usage:
//
//	casemgr serve   [--addr ADDR] [--db URL] [--seed FILE] [--admin-token TOKEN]
//	casemgr migrate [--db URL]
//	casemgr seed    [--db URL] [--replace] FILE
//	casemgr export  [--db URL] [--out FILE]
//	casemgr bench   world|run|raw [flags]
//	casemgr version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "casemgr:", err)
		}
		os.Exit(1)
	}
}

const usage = `casemgr — a case-management server speaking the eGain Case Management API v3.

Commands:
  serve     run the server (migrates the schema; loads the demo world into an empty database)
  migrate   apply the schema migrations
  seed      load a fixture document into a database
  export    write the world in a database as a fixture document
  bench     load tests: generate a world, drive a server, measure raw SQL (docs/performance.md)
  version   print the version

Run 'casemgr COMMAND -h' for a command's flags. Every flag has a CASEMGR_*
environment equivalent (--db → CASEMGR_DB, --admin-token → CASEMGR_ADMIN_TOKEN).
`

// run is the whole program, testable in-process: args without the program
// name, the environment through getenv, and the output streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("a command is required")
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], getenv, stdout, stderr)
	case "seed":
		return runSeed(ctx, args[1:], getenv, stdout, stderr)
	case "export":
		return runExport(ctx, args[1:], getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "casemgr", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
