package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env(nil), &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "casemgr ") {
		t.Fatalf("version printed %q", out.String())
	}
}

func TestUnknownCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"frobnicate"}, env(nil), &out, &out); err == nil {
		t.Fatal("an unknown command succeeded")
	}
}

// dangling is a fixture document whose activity names a case that does not
// exist.
const dangling = `{
  "departments": [{"id": "10", "name": "Service"}],
  "activities": [{"id": "3000", "case": "2999", "department": "10", "type": "task", "status": "in_workflow"}]
}`

func TestSeedRefusesDanglingReferenceAndLeavesDatabaseEmpty(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(file, []byte(dangling), 0o600); err != nil {
		t.Fatal(err)
	}
	dbURL := "sqlite://" + filepath.Join(dir, "seed.db")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"seed", "--db", dbURL, file}, env(nil), &out, &errOut)
	if err == nil {
		t.Fatal("seeding a dangling reference succeeded")
	}
	if !strings.Contains(err.Error(), `activities[0].case: case "2999" does not exist`) {
		t.Fatalf("error does not name the JSON path: %v", err)
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
}

func TestSeedLoadsIntoEmptyDatabaseOnly(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "ok.json")
	doc := `{"departments": [{"id": "10", "name": "Service"}]}`
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	dbURL := "sqlite://" + filepath.Join(dir, "seed.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"seed", "--db", dbURL, file}, env(nil), &out, &out); err != nil {
		t.Fatalf("first seed: %v", err)
	}
	err := run(context.Background(), []string{"seed", "--db", dbURL, file}, env(nil), &out, &out)
	if err == nil || !strings.Contains(err.Error(), "already holds data") {
		t.Fatalf("second seed into a full database: %v", err)
	}
	if err := run(context.Background(), []string{"seed", "--db", dbURL, "--replace", file}, env(nil), &out, &out); err != nil {
		t.Fatalf("seed --replace: %v", err)
	}
}

// serveUntilReady starts serve in-process and waits for /readyz.
// Its log (at level warn unless args say otherwise) is in logs.
func serveUntilReady(t *testing.T, args []string, environ map[string]string) (addr string, stop func(), logs *lockedBuffer) {
	t.Helper()
	addr = freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	out := &lockedBuffer{}
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", addr, "--log-level", "warn"}, args...), env(environ), out, out)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve ended early: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not become ready: %s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return addr, func() {
		cancel()
		if done == nil {
			return
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve ended with %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not shut down")
		}
		done = nil
	}, out
}

func TestServeLoadsDemoWorldAndAnswersReady(t *testing.T) {
	dbURL := "sqlite://" + filepath.Join(t.TempDir(), "demo.db")
	addr, stop, _ := serveUntilReady(t, []string{"--demo"}, map[string]string{"CASEMGR_DB": dbURL})
	defer stop()
	resp, err := http.PostForm("http://"+addr+"/core/authmgr/v3/oauth2/token",
		map[string][]string{"grant_type": {"password"}, "username": {"jenny"}, "password": {"demo-jenny"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("demo user jenny cannot log in: %d", resp.StatusCode)
	}
}

func TestServeOnPostgres(t *testing.T) {
	// A schema of its own, so the demo world loads into an empty database.
	url := storetest.PostgresSchema(t)
	addr, stop, _ := serveUntilReady(t, []string{"--db", url, "--demo"}, nil)
	defer stop()
	resp, err := http.PostForm("http://"+addr+"/core/authmgr/v3/oauth2/token",
		map[string][]string{"grant_type": {"client_credentials"}, "client_id": {"crm-bridge"}, "client_secret": {"bridge-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("demo client cannot get a token on PostgreSQL: %d", resp.StatusCode)
	}
}
