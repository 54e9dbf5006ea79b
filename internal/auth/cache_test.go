package auth_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// twoStores opens two stores on one new database, as two server processes
// would; both are closed when the test ends.
func twoStores(t *testing.T, engine string) (a, b store.DB) {
	t.Helper()
	var url string
	if engine == "sqlite" {
		url = "sqlite://" + filepath.Join(t.TempDir(), "casemgr.db")
	} else {
		url = storetest.PostgresSchema(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	open := func() store.DB {
		db, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return db
	}
	return open(), open()
}

// TestVerifiedTokensAreKeptWithinTheBound pins the authentication cache
// (docs/security.md): a token verified once is served from memory; a
// revocation or a change of the configuration by the same process is seen
// at once, and one by another process on the same database at the latest
// once the bound has passed since it committed (on PostgreSQL usually far
// sooner, by notification), on both engines.
func TestVerifiedTokensAreKeptWithinTheBound(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the cache bound")
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dbA, dbB := twoStores(t, engine)
			e := newEnv(t, dbA)
			// The other process: its own store and Service.
			other := auth.New(dbB)
			other.Now = e.clk.Now
			otherAuth := func(token string) error {
				_, err := other.Authenticate(context.Background(), "Bearer "+token)
				return err
			}
			// refusedWithin logs how long the other process took to
			// refuse token, and fails when it still accepts it after
			// the bound has passed since committed.
			refusedWithin := func(what, token string, committed time.Time) {
				t.Helper()
				for {
					asked := time.Now()
					err := otherAuth(token)
					if casemgr.IsCode(err, casemgr.CodeInvalidToken) {
						t.Logf("%s: refused by the other process %v after the commit", what, time.Since(committed).Round(time.Millisecond))
						return
					}
					if err != nil {
						t.Fatalf("%s: %v", what, err)
					}
					if asked.Sub(committed) > auth.DefaultAuthCacheBound {
						t.Fatalf("%s: still accepted by the other process %v after the commit", what, asked.Sub(committed))
					}
					time.Sleep(10 * time.Millisecond)
				}
			}

			// Logout in this process: refused here at once, by the other
			// within the bound.
			tk := e.login("alice", alicePW)
			e.mustAuth(tk.access)
			e.mustAuth(tk.access) // from the cache
			if err := otherAuth(tk.access); err != nil {
				t.Fatal(err)
			}
			resp := e.do(req{method: "DELETE", path: logoutPath, header: bearer(tk.access)})
			committed := time.Now()
			if resp.Code != 204 {
				t.Fatalf("logout: %d %s", resp.Code, resp.Body)
			}
			e.mustNotAuth(tk.access)
			refusedWithin("logout", tk.access, committed)

			// A revocation by the other process.
			tk = e.login("bob", bobPW)
			e.mustAuth(tk.access)
			if err := otherAuth(tk.access); err != nil {
				t.Fatal(err)
			}
			otherH := routes(other)
			if resp := doOn(t, otherH, req{path: revokePath, form: form("token", tk.refresh)}); resp.Code != 200 {
				t.Fatalf("revoke: %d %s", resp.Code, resp.Body)
			}
			if err := otherAuth(tk.access); !casemgr.IsCode(err, casemgr.CodeInvalidToken) {
				t.Fatalf("the revoking process accepts the revoked token: %v", err)
			}
			committed = time.Now()
			deadline := committed.Add(auth.DefaultAuthCacheBound)
			for {
				asked := time.Now()
				_, err := e.authenticate(e.svc, tk.access)
				if casemgr.IsCode(err, casemgr.CodeInvalidToken) {
					break
				}
				if err != nil || asked.After(deadline) {
					t.Fatalf("revoked by the other process, still accepted after %v: %v", time.Since(committed), err)
				}
				time.Sleep(10 * time.Millisecond)
			}

			// Expiry: a kept token is refused once it expires.
			tk = e.login("alice", alicePW)
			e.mustAuth(tk.access)
			e.clk.Advance(time.Hour)
			e.mustNotAuth(tk.access)
			e.clk.Advance(-time.Hour)

			// A configuration change (the user removed and loaded again
			// with other rights, as a fixture reset does) by this process.
			tk = e.login("alice", alicePW)
			if a := e.mustAuth(tk.access); len(a.User.Licenses) != 0 {
				t.Fatalf("licenses %v", a.User.Licenses)
			}
			if err := otherAuth(tk.access); err != nil {
				t.Fatal(err)
			}
			err := dbA.Write(context.Background(), func(tx casemgr.Tx) error {
				if err := tx.DeleteWorld(); err != nil {
					return err
				}
				return tx.InsertUser(&casemgr.User{ID: alice, Name: "alice", Licenses: []string{"mail"}})
			})
			if err != nil {
				t.Fatal(err)
			}
			committed = time.Now()
			e.mustNotAuth(tk.access)
			refusedWithin("world reset", tk.access, committed)
		})
	}
}

// TestKeptActorsAreCopies pins that a caller changing the actor it got
// does not change what later requests of the same token get.
func TestKeptActorsAreCopies(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t))
	tk := e.login("alice", alicePW)
	a := e.mustAuth(tk.access)
	a.User.Licenses = append(a.User.Licenses, "forged")
	a.User.Name = "mallory"
	b := e.mustAuth(tk.access)
	if b.User.Name != "alice" || len(b.User.Licenses) != 0 {
		t.Fatalf("second actor %+v", b.User)
	}
}

// BenchmarkAuthenticate compares Authenticate with the cache of verified
// tokens and without it (AuthCacheBound < 0: a read transaction per call),
// on each engine, in one run.
func BenchmarkAuthenticate(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var db store.DB
			if engine == "sqlite" {
				db = storetest.OpenSQLite(b)
			} else {
				db = storetest.OpenPostgres(b)
			}
			e := newEnv(b, db)
			tk := e.login("alice", alicePW)
			for _, tc := range []struct {
				name  string
				bound time.Duration
			}{{"cached", 0}, {"uncached", -1}} {
				b.Run(tc.name, func(b *testing.B) {
					svc := auth.New(db)
					svc.AuthCacheBound = tc.bound
					svc.Now = e.clk.Now
					b.ReportAllocs()
					for b.Loop() {
						if _, err := svc.Authenticate(context.Background(), "Bearer "+tk.access); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
