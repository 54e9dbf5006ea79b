// Command casemgr is the casemgr server: a self-hosted case-management
// backend speaking the eGain Case Management API v3, on SQLite (embedded
// default) or PostgreSQL.
//
// Usage:
//
//	casemgr serve   [--addr ADDR] [--db URL] [--seed FILE | --demo] [--admin-token TOKEN]
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
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=..."; without
// it, versionString reads the module version from the build information.
var version = "dev"

// versionString is the version of this binary: the one set at build time,
// else the module version that `go install ...@v1.2.3` records, else the
// VCS revision of a build in a checkout.
func versionString() string {
	if version != "dev" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	return buildVersion(bi)
}

// buildVersion reads a version from build information.
func buildVersion(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "+modified"
	}
	return "dev-" + rev
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "casemgr:", err)
		os.Exit(1)
	}
}

const usage = `casemgr — a case-management server speaking the eGain Case Management API v3.

Commands:
  serve     run the server (migrates the schema; loads --seed FILE or --demo into an empty database)
  migrate   apply the schema migrations
  seed      load a fixture document into a database
  export    write the world in a database as a fixture document
  webhook   'webhook listen': receive webhook deliveries, verify and print them (docs/webhooks.md)
  bench     load tests: generate a world, drive a server, measure raw SQL (docs/performance.md)
  version   print the version

Run 'casemgr COMMAND -h' for a command's flags. Every flag has a CASEMGR_*
environment equivalent (--db → CASEMGR_DB, --admin-token → CASEMGR_ADMIN_TOKEN).
`

// run is the whole program, testable in-process: args without the program
// name, the environment through getenv, and the output streams. A command's
// -h or --help prints its help to stdout and succeeds.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	err := runCommand(ctx, args, getenv, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func runCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
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
	case "webhook":
		return runWebhook(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "casemgr", versionString())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
