package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casemgr/casemgr/fixtures"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// ---- HTTP helpers of the command's tests ----

// reply is one HTTP answer.
type reply struct {
	status int
	header http.Header
	body   string
}

var testClient = &http.Client{Timeout: 30 * time.Second}

// call sends a request with an optional bearer token and JSON body.
func call(method, u, token, body string, header map[string]string) (reply, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return reply{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := testClient.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b)}, err
}

// tokenFor returns an access token of a demo user (password demo-NAME) or,
// with a secret, of a client application.
func tokenFor(base, name, secret string) (string, int, error) {
	form := url.Values{"grant_type": {"password"}, "username": {name}, "password": {"demo-" + name}}
	if secret != "" {
		form = url.Values{"grant_type": {"client_credentials"}, "client_id": {name}, "client_secret": {secret}}
	}
	resp, err := testClient.PostForm(base+"/core/authmgr/v3/oauth2/token", form)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", resp.StatusCode, err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", resp.StatusCode, fmt.Errorf("%s", b)
	}
	err = json.Unmarshal(b, &tok)
	return tok.AccessToken, resp.StatusCode, err
}

func mustToken(t *testing.T, base, name, secret string) string {
	t.Helper()
	tok, status, err := tokenFor(base, name, secret)
	if err != nil || status != http.StatusOK {
		t.Fatalf("token of %s at %s: %d %v", name, base, status, err)
	}
	return tok
}

// engines runs fn on a fresh database URL of each engine.
// (newURL takes the test that owns the database).
func engines(t *testing.T, fn func(t *testing.T, newURL func(t *testing.T) string)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "casemgr.db") })
	})
	t.Run("postgres", func(t *testing.T) {
		storetest.PostgresSchema(t) // skips (or fails) here without PostgreSQL
		fn(t, func(t *testing.T) string { return storetest.PostgresSchema(t) })
	})
}

// ---- start-up races and restarts ----

// TestTwoProcesses starts two real server processes on one database: at
// once on an empty database (both come up: the second serves the world the
// first loaded), then with conflicting writes through both (one winner, no
// 5xx).
func TestTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	engines(t, func(t *testing.T, newURL func(t *testing.T) string) {
		// The start-up race: two rounds, each on a new empty database.
		var a, b *proc
		for round := range 2 {
			dbURL := newURL(t)
			a, b = startServe(t, "--db", dbURL, "--demo"), startServe(t, "--db", dbURL, "--demo")
			for _, p := range []*proc{a, b} {
				if err := p.ready(90 * time.Second); err != nil {
					t.Fatalf("start-up race, round %d: %v", round, err)
				}
				mustToken(t, p.url(), "jenny", "")
			}
			if round == 0 {
				a.kill()
				b.kill()
			}
		}
		// Conflicting writes through both processes.
		{
			procs := []*proc{a, b}
			const n = 8
			// One transfer of 3025 wins; the others read a stale
			// lastModified or find it moved.
			var wg sync.WaitGroup
			replies := make([]reply, n)
			errs := make([]error, n)
			tokens := []string{mustToken(t, a.url(), "crm-bridge", "bridge-secret"), mustToken(t, b.url(), "crm-bridge", "bridge-secret")}
			for i := range n {
				wg.Go(func() {
					replies[i], errs[i] = call("PATCH", procs[i%2].url()+"/core/casemgr/v3/activity/transfer/department/11", tokens[i%2],
						`{"activity": [{"id": "3025", "lastModified": "2026-01-08T22:30:09.000Z"}]}`, nil)
				})
			}
			wg.Wait()
			won := 0
			for i, r := range replies {
				switch {
				case errs[i] != nil:
					t.Fatalf("transfer %d: %v", i, errs[i])
				case r.status == http.StatusNoContent:
					won++
				case r.status >= 500 || r.status < 400:
					t.Errorf("transfer %d answered %d %s", i, r.status, r.body)
				}
			}
			if won != 1 {
				t.Errorf("%d of %d racing transfers of one activity won; want 1", won, n)
			}

			// One calltrack for one Idempotency-Key, whichever process
			// answers.
			jenny := []string{mustToken(t, a.url(), "jenny", ""), mustToken(t, b.url(), "jenny", "")}
			for i := range n {
				wg.Go(func() {
					replies[i], errs[i] = call("POST", procs[i%2].url()+"/core/casemgr/v3/activity/calltrack", jenny[i%2], calltrackBody("race"),
						map[string]string{"Idempotency-Key": "two-processes-race"})
				})
			}
			wg.Wait()
			locations := map[string]bool{}
			for i, r := range replies {
				switch {
				case errs[i] != nil:
					t.Fatalf("calltrack %d: %v", i, errs[i])
				case r.status == http.StatusCreated:
					locations[r.header.Get("Location")] = true
				case r.status != http.StatusConflict:
					t.Errorf("calltrack %d answered %d %s", i, r.status, r.body)
				}
			}
			if len(locations) != 1 {
				t.Errorf("racing creations with one Idempotency-Key made %d activities: %v", len(locations), locations)
			}

			// Pulls through both processes at once: jenny, mike and sam
			// share Service inbox (100); each pulls until nothing is left
			// for them. No activity is pulled twice, nothing answers 5xx.
			pullRaceTwoProcesses(t, procs)
			for _, p := range procs {
				if err := p.stop(); err != nil {
					t.Errorf("graceful stop: %v\n%s", err, p.out)
				}
			}
		}
	})
}

// pullRaceTwoProcesses has jenny, mike and sam of the demo world pull at
// once, each through both processes in turn, until each gets a 204.
func pullRaceTwoProcesses(t *testing.T, procs []*proc) {
	t.Helper()
	pullers := []string{"jenny", "mike", "sam", "jenny", "mike", "sam"}
	pulled := make([][]string, len(pullers))
	errs := make([]error, len(pullers))
	var wg sync.WaitGroup
	for i, name := range pullers {
		p := procs[i%len(procs)]
		token := mustToken(t, p.url(), name, "")
		wg.Go(func() {
			for range 200 {
				r, err := call("PATCH", p.url()+"/core/casemgr/v3/activity/pull", token, "", nil)
				switch {
				case err != nil:
					errs[i] = err
					return
				case r.status == http.StatusNoContent:
					return
				case r.status != http.StatusOK:
					errs[i] = fmt.Errorf("a pull by %s answered %d %s", name, r.status, r.body)
					return
				}
				var body struct{ Activity []struct{ ID string } }
				if err := json.Unmarshal([]byte(r.body), &body); err != nil || len(body.Activity) == 0 {
					errs[i] = fmt.Errorf("a pull by %s answered 200 %s", name, r.body)
					return
				}
				for _, a := range body.Activity {
					pulled[i] = append(pulled[i], a.ID)
				}
			}
			errs[i] = fmt.Errorf("%s never got a 204", name)
		})
	}
	wg.Wait()
	by := map[string]string{}
	for i, ids := range pulled {
		if errs[i] != nil {
			t.Errorf("puller %d: %v", i, errs[i])
		}
		for _, id := range ids {
			if prev, twice := by[id]; twice {
				t.Errorf("activity %s was pulled by %s and by %s", id, prev, pullers[i])
			}
			by[id] = pullers[i]
		}
	}
	if len(by) == 0 {
		t.Error("the racing pulls pulled nothing")
	}
}

// calltrackBody is a calltrack of jenny's for John Tierney (demo world).
func calltrackBody(subject string) string {
	return `{"department": {"name": "Service"}, "type": {"value": "call_track", "subtype": {"value": "General"}},
		"mode": {"value": "Inbound"}, "contactPointData": "john.tierney@example.com",
		"subject": "` + subject + `", "payload": {"calltrack": {"content": {"text": "notes"}}}}`
}

// A server restarted with the --seed it was started with serves the world
// it built up; a different document on a database holding a world is
// refused, and the world is left as it was.
func TestServeRestartsWithTheSameSeed(t *testing.T) {
	engines(t, func(t *testing.T, newURL func(t *testing.T) string) {
		dbURL := newURL(t)
		dir := t.TempDir()
		seed := filepath.Join(dir, "world.json")
		other := filepath.Join(dir, "other.json")
		if err := os.WriteFile(seed, fixtures.Demo, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(other, append(bytes.Clone(fixtures.Demo), '\n'), 0o600); err != nil {
			t.Fatal(err)
		}

		addr, stop, _ := serveUntilReady(t, []string{"--db", dbURL, "--seed", seed}, nil)
		r, err := call("POST", "http://"+addr+"/core/casemgr/v3/activity/calltrack", mustToken(t, "http://"+addr, "jenny", ""), calltrackBody("before the restart"), nil)
		if err != nil || r.status != http.StatusCreated {
			t.Fatalf("calltrack: %d %v %s", r.status, err, r.body)
		}
		created := r.header.Get("Location")
		stop()

		addr, stop, logs := serveUntilReady(t, []string{"--db", dbURL, "--seed", seed, "--log-level", "info"}, nil)
		r, err = call("GET", "http://"+addr+created, mustToken(t, "http://"+addr, "jenny", ""), "", nil)
		if err != nil || r.status != http.StatusOK {
			t.Errorf("after the restart, %s: %d %v", created, r.status, err)
		}
		if !strings.Contains(logs.String(), "holds the world of this document already") {
			t.Errorf("the restart did not say it serves the world it found:\n%s", logs)
		}
		stop()

		var out bytes.Buffer
		err = run(context.Background(), []string{"serve", "--addr", freeAddr(t), "--db", dbURL, "--seed", other}, env(nil), &out, &out)
		if err == nil || !strings.Contains(err.Error(), "--seed: the database holds another world, not loaded from "+other) {
			t.Fatalf("serve --seed of another document: %v", err)
		}
		// Nothing changed: the first world is served as it was.
		addr, stop, _ = serveUntilReady(t, []string{"--db", dbURL, "--seed", seed}, nil)
		defer stop()
		if r, err := call("GET", "http://"+addr+created, mustToken(t, "http://"+addr, "jenny", ""), "", nil); err != nil || r.status != http.StatusOK {
			t.Errorf("after the refused start, %s: %d %v", created, r.status, err)
		}
	})
}

// The demo world (users with known passwords) loads only on the default
// database of README's first command, or when asked for with --demo or
// CASEMGR_DEMO; any other database without --seed or --demo starts empty and
// says how to load a world.
func TestDemoWorldLoadsOnlyWhereAsked(t *testing.T) {
	loginStatus := func(t *testing.T, addr string) int {
		t.Helper()
		_, status, err := tokenFor("http://"+addr, "jenny", "")
		if status == 0 {
			t.Fatal(err)
		}
		return status
	}
	t.Run("default_database_of_the_first_command", func(t *testing.T) {
		t.Chdir(t.TempDir())
		addr, stop, _ := serveUntilReady(t, nil, nil)
		defer stop()
		if s := loginStatus(t, addr); s != http.StatusOK {
			t.Errorf("jenny on the default database: %d", s)
		}
		if _, err := os.Stat("data/casemgr.db"); err != nil {
			t.Errorf("the default database: %v", err)
		}
	})
	engines(t, func(t *testing.T, newURL func(t *testing.T) string) {
		t.Run("without_flags_starts_empty", func(t *testing.T) {
			addr, stop, logs := serveUntilReady(t, []string{"--db", newURL(t), "--log-level", "info"}, nil)
			defer stop()
			if s := loginStatus(t, addr); s == http.StatusOK {
				t.Error("a demo user logs in on a database nobody asked to fill")
			}
			if !strings.Contains(logs.String(), "the database holds no world: load one with") {
				t.Errorf("no log line says how to load a world:\n%s", logs)
			}
		})
		t.Run("demo_flag", func(t *testing.T) {
			addr, stop, _ := serveUntilReady(t, []string{"--db", newURL(t), "--demo"}, nil)
			defer stop()
			if s := loginStatus(t, addr); s != http.StatusOK {
				t.Errorf("jenny with --demo: %d", s)
			}
		})
		t.Run("demo_environment", func(t *testing.T) {
			addr, stop, _ := serveUntilReady(t, nil, map[string]string{"CASEMGR_DB": newURL(t), "CASEMGR_DEMO": "1"})
			defer stop()
			if s := loginStatus(t, addr); s != http.StatusOK {
				t.Errorf("jenny with CASEMGR_DEMO=1: %d", s)
			}
		})
	})
	t.Run("seed_and_demo_exclude_each_other", func(t *testing.T) {
		var out bytes.Buffer
		err := run(context.Background(), []string{"serve", "--demo", "--seed", "x.json"}, env(nil), &out, &out)
		if err == nil || !strings.Contains(err.Error(), "--seed and --demo") {
			t.Errorf("serve --demo --seed: %v", err)
		}
	})
}

// Several `casemgr migrate` at once on one new database all succeed.
func TestMigrateConcurrentlyFromTheCommandLine(t *testing.T) {
	engines(t, func(t *testing.T, newURL func(t *testing.T) string) {
		dbURL := newURL(t)
		const n = 4
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				var out bytes.Buffer
				errs[i] = run(context.Background(), []string{"migrate", "--db", dbURL}, env(nil), &out, &out)
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("migrate %d: %v", i, err)
			}
		}
	})
}
