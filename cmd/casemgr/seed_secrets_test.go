package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestSeedRefusesSecretOver72BytesNamingItsPath pins that casemgr seed
// refuses a password or client secret longer than bcrypt hashes (72 bytes)
// as an invalid fixture document (400-301) naming its JSON path, on both engines,
// and leaves the database empty.
func TestSeedRefusesSecretOver72BytesNamingItsPath(t *testing.T) {
	long := strings.Repeat("s", 100)
	doc := `{
  "departments": [{"id": "10", "name": "Service"}],
  "users": [{"id": "1001", "name": "jenny", "password": "short", "department": "10"},
            {"id": "1002", "name": "frank", "password": "` + long + `", "department": "10"}],
  "clientApplications": [{"clientId": "bridge", "clientSecret": "` + long + `", "name": "Bridge"}]
}`
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			dbURL := "sqlite://" + filepath.Join(dir, "seed.db")
			if engine == "postgres" {
				dbURL = storetest.PostgresSchema(t)
			}
			file := filepath.Join(dir, "long.json")
			if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			err := run(context.Background(), []string{"seed", "--db", dbURL, file}, env(nil), &out, &out)
			if err == nil {
				t.Fatal("seeding a 100-byte password succeeded")
			}
			for _, want := range []string{"The fixture document is invalid", "users[1].password", "clientApplications[0].clientSecret"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the error does not say %q: %v", want, err)
				}
			}
			if strings.Contains(err.Error()+out.String(), long) {
				t.Errorf("the secret was printed: %v\n%s", err, out.String())
			}
			db, err := store.Open(context.Background(), dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var empty bool
			if err := db.Read(context.Background(), func(tx casemgr.Tx) (err error) { empty, err = tx.Empty(); return err }); err != nil {
				t.Fatal(err)
			}
			if !empty {
				t.Fatal("the refused document left data in the database")
			}
		})
	}
}
