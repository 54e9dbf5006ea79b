package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
)

func testAuthSettings(t *testing.T, db store.DB) {
	want := casemgr.Settings{CustomerDepartmentalization: true, TenantID: "acme", MaxSessionsPerUser: 5}
	write(t, db, func(tx casemgr.Tx) error { return tx.SetSettings(want) })
	same(t, "settings", get(t, db, casemgr.Tx.Settings), want)
	if got := (casemgr.Settings{}).Tenant(); got != casemgr.DefaultTenantID {
		t.Errorf("default tenant %q", got)
	}
	app := &casemgr.ClientApp{ClientID: "obo", Name: "On behalf", SecretHash: "hash", OnBehalfOf: true}
	write(t, db, func(tx casemgr.Tx) error { return tx.InsertClientApp(app) })
	same(t, "ClientApp", get(t, db, func(tx casemgr.Tx) (*casemgr.ClientApp, error) { return tx.ClientApp("obo") }), app)
}

func testUserSessions(t *testing.T, db store.DB) {
	write(t, db, func(tx casemgr.Tx) error { return tx.InsertUser(fullUser(1001, "alice")) })
	now := ms(at(0))
	second := &casemgr.Session{ID: "b", User: 1001, Created: now.Add(-time.Minute), Expires: now.Add(time.Hour),
		Scopes: []string{"core.casemgr.read", "core.customermgr.read"}}
	first := &casemgr.Session{ID: "a", User: 1001, ClientID: "web", Created: now.Add(-2 * time.Minute), Expires: now.Add(time.Hour)}
	obo := &casemgr.Session{ID: "c", User: 1001, ClientID: "obo", Created: now.Add(-3 * time.Minute), Expires: now.Add(time.Hour), OnBehalf: true}
	dead := &casemgr.Session{ID: "d", User: 1001, Created: now.Add(-4 * time.Minute), Expires: now}
	other := &casemgr.Session{ID: "e", User: 1002, Created: now, Expires: now.Add(time.Hour)}
	write(t, db, func(tx casemgr.Tx) error {
		for _, s := range []*casemgr.Session{second, first, obo, dead, other} {
			if err := tx.InsertSession(s); err != nil {
				return err
			}
		}
		return nil
	})
	same(t, "on-behalf session", get(t, db, func(tx casemgr.Tx) (*casemgr.Session, error) { return tx.Session("c") }), obo)
	same(t, "session with scopes", get(t, db, func(tx casemgr.Tx) (*casemgr.Session, error) { return tx.Session("b") }), second)
	same(t, "UserSessions", get(t, db, func(tx casemgr.Tx) ([]casemgr.Session, error) {
		return tx.UserSessions(1001, now, false)
	}), []casemgr.Session{*first, *second})
	// An on-behalf session alone does not log the user in.
	write(t, db, func(tx casemgr.Tx) error {
		if err := tx.RevokeSession("a", now); err != nil {
			return err
		}
		return tx.RevokeSession("b", now)
	})
	if get(t, db, func(tx casemgr.Tx) (bool, error) { return tx.UserLoggedIn(1001, now) }) {
		t.Error("an on-behalf session made the user logged in")
	}
	// Locking refuses a read transaction.
	err := db.Read(t.Context(), func(tx casemgr.Tx) error { _, err := tx.UserSessions(1001, now, true); return err })
	if err == nil {
		t.Error("UserSessions with lock in a read transaction")
	}
	// With lock, concurrent "count then insert" never exceeds a limit.
	const limit, tries = 2, 8
	var wg sync.WaitGroup
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.Write(t.Context(), func(tx casemgr.Tx) error {
				live, err := tx.UserSessions(1001, now, true)
				if err != nil || len(live) >= limit {
					return err
				}
				return tx.InsertSession(&casemgr.Session{ID: "n" + string(rune('0'+i)), User: 1001, Created: now, Expires: now.Add(time.Hour)})
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(get(t, db, func(tx casemgr.Tx) ([]casemgr.Session, error) { return tx.UserSessions(1001, now, false) })); n != limit {
		t.Errorf("%d live sessions after concurrent locked inserts, want %d", n, limit)
	}
}

func testLoginFailures(t *testing.T, db store.DB) {
	now := ms(at(0))
	failures := func(keys ...string) []casemgr.LoginFailure {
		return get(t, db, func(tx casemgr.Tx) ([]casemgr.LoginFailure, error) { return tx.LoginFailures(keys) })
	}
	same(t, "no failures", failures("u", "a"), []casemgr.LoginFailure(nil))
	add := func(at time.Time, keys ...string) {
		write(t, db, func(tx casemgr.Tx) error { return tx.AddLoginFailure(keys, at, time.Minute) })
	}
	add(now, "u", "a")
	add(now.Add(10*time.Second), "u", "a")
	add(now.Add(59*time.Second), "a")
	same(t, "counted", failures("a", "u", "x"), []casemgr.LoginFailure{
		{Key: "a", Start: now, Failures: 3}, {Key: "u", Start: now, Failures: 2}})
	// A failure at the end of the window opens a new one.
	add(now.Add(time.Minute), "u")
	same(t, "new window", failures("u"), []casemgr.LoginFailure{{Key: "u", Start: now.Add(time.Minute), Failures: 1}})
	write(t, db, func(tx casemgr.Tx) error { return tx.ClearLoginFailures("u") })
	same(t, "cleared", failures("u", "a"), []casemgr.LoginFailure{{Key: "a", Start: now, Failures: 3}})
	// Concurrent failures are all counted.
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := db.Write(t.Context(), func(tx casemgr.Tx) error {
				return tx.AddLoginFailure([]string{"c"}, now, time.Minute)
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	same(t, "concurrent", failures("c"), []casemgr.LoginFailure{{Key: "c", Start: now, Failures: 10}})
	// Purge drops windows that began before its cut.
	write(t, db, func(tx casemgr.Tx) error { _, err := tx.Purge(now.Add(time.Second), now); return err })
	same(t, "purged", failures("a", "c"), []casemgr.LoginFailure(nil))
}
