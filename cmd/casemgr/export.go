package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/casemgr/casemgr/internal/fixture"
)

// runExport writes the world in a database as a fixture document: to
// --out, or to stdout. `casemgr seed --replace` (or PUT /admin/v1/fixtures)
// loads it back to an equal world.
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("export", "[flags]",
		"Write the world of a database as a fixture document (password hashes included), which 'casemgr seed --replace' loads back.", getenv, stdout)
	dbURL := f.String("db", defaultDB, "database URL: sqlite://PATH or postgres://...")
	out := f.fs.String("out", "", "file to write the document to (default: standard output)")
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.fs.NArg() > 0 {
		return errors.New("usage: casemgr export [--db URL] [--out FILE]")
	}
	db, err := openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	doc, err := fixture.Export(ctx, db)
	if err != nil {
		return scrub(fmt.Errorf("export: %w", err), *dbURL)
	}
	body, err := fixture.Marshal(doc)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(body)
		return err
	}
	// The document holds password hashes: readable by its owner only.
	if err := os.WriteFile(*out, body, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "exported %s to %s\n", redact(*dbURL), *out)
	return nil
}
