package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestExportSeedExportGivesTheSameDocument pins `casemgr export`: the
// document it writes, seeded back with --replace, exports again to the same
// document, on SQLite and PostgreSQL; the file is its owner's only and
// shows no secret in clear.
func TestExportSeedExportGivesTheSameDocument(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			dbURL := "sqlite://" + filepath.Join(dir, "export.db")
			if engine == "postgres" {
				dbURL = storetest.PostgresSchema(t)
			}
			ctx := context.Background()
			var out bytes.Buffer
			if err := run(ctx, []string{"seed", "--db", dbURL, "../../fixtures/demo.json"}, env(nil), &out, &out); err != nil {
				t.Fatalf("seed: %v\n%s", err, out.String())
			}
			file := filepath.Join(dir, "world.json")
			if err := run(ctx, []string{"export", "--db", dbURL, "--out", file}, env(nil), &out, &out); err != nil {
				t.Fatalf("export: %v\n%s", err, out.String())
			}
			first, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
				t.Errorf("the export is mode %v, want 0600", fi.Mode().Perm())
			}
			if bytes.Contains(first, []byte("demo-jenny")) || !bytes.Contains(first, []byte(`"passwordHash": "$2`)) {
				t.Error("the export does not carry passwords as hashes only")
			}
			if err := run(ctx, []string{"seed", "--db", dbURL, "--replace", file}, env(nil), &out, &out); err != nil {
				t.Fatalf("seed --replace of the export: %v\n%s", err, out.String())
			}
			var second bytes.Buffer
			if err := run(ctx, []string{"export", "--db", dbURL}, env(nil), &second, &out); err != nil {
				t.Fatalf("export to stdout: %v", err)
			}
			if !bytes.Equal(first, second.Bytes()) {
				t.Error("export → seed --replace → export changed the document")
			}
			if !strings.Contains(second.String(), `"name": "jenny"`) {
				t.Error("the export lacks the demo users")
			}
		})
	}
}
