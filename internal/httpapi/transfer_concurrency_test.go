package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// transferRaceTimeout bounds one round of concurrent requests: a round that
// takes longer is a deadlock (or a lock never released).
const transferRaceTimeout = 30 * time.Second

// transferOpen opens and migrates one more store on a database URL, closed
// when the test ends; two of them on one PostgreSQL schema are two server
// instances sharing a database.
func transferOpen(t *testing.T, url string) store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// transferSecondServer is another server instance over db, with a state of
// its own (no shared Service, Auth or handler).
func transferSecondServer(db store.DB) http.Handler {
	srv := &Server{Service: &casemgr.Service{Store: db}, Auth: auth.New(db), AdminToken: adminToken, HashSecret: testHash}
	return srv.Handler()
}

// transferRaceResult is one answer of a race.
type transferRaceResult struct {
	status int
	code   string
	body   string
}

// transferRace sends the requests at once, each to its handler, from its
// own goroutine, and returns the answers in order. It fails the test when
// the round does not finish within transferRaceTimeout.
func transferRace(t *testing.T, handlers []http.Handler, path string, tokens, bodies []string) []transferRaceResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), transferRaceTimeout)
	defer cancel()
	out := make([]transferRaceResult, len(bodies))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range bodies {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req := httptest.NewRequestWithContext(ctx, "PATCH", path, strings.NewReader(bodies[i]))
			req.Header.Set("Authorization", "Bearer "+tokens[i])
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			<-start
			handlers[i%len(handlers)].ServeHTTP(rec, req)
			res := &response{Status: rec.Code, Body: rec.Body.Bytes()}
			out[i] = transferRaceResult{status: rec.Code, code: res.Code(), body: rec.Body.String()}
		}(i)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	close(start)
	select {
	case <-done:
	case <-time.After(transferRaceTimeout + 5*time.Second):
		t.Fatalf("concurrent transfers did not finish within %v: deadlock?", transferRaceTimeout)
	}
	return out
}

// transferExactlyOneWins checks that one answer is 204 and that every
// other is refused for its stale lastModified: a 409-101, or, when the
// winner's transfer makes the loser break a business rule (the activity
// is now already in the target department), that rule's 400 with the
// stale lastModified among its details, since a stale lastModified is
// answered after every other rule. It returns the index of the winner.
func transferExactlyOneWins(t *testing.T, results []transferRaceResult) int {
	t.Helper()
	winner := -1
	var statuses []string
	for i, r := range results {
		statuses = append(statuses, fmt.Sprintf("%d %s", r.status, r.code))
		switch {
		case r.status == http.StatusNoContent && winner < 0:
			winner = i
		case r.status == http.StatusConflict && r.code == string(casemgr.CodeStaleLastModified):
		case r.status == http.StatusBadRequest && r.code == string(casemgr.CodeAlreadyInDepartment) &&
			strings.Contains(r.body, `"409-101 `):
		default:
			t.Fatalf("answers %v: want exactly one 204 and otherwise refusals for the stale lastModified; unexpected: %s", statuses, r.body)
		}
	}
	if winner < 0 {
		t.Fatalf("answers %v: no transfer succeeded", statuses)
	}
	return winner
}

// transferRaceRounds transfers activity 3002 back and forth between Service
// and Billing: each round sends n identical transfers (same lastModified)
// at once, spread over the handlers, as jenny and the client application
// alternately. Exactly one must succeed per round, the others get 409, and
// the history shows exactly one transfer per round (no lost update, no
// double application).
func transferRaceRounds(t *testing.T, h *harness, handlers []http.Handler, rounds, n int) {
	t.Helper()
	tokens := make([]string, n)
	for i := range tokens {
		if i%2 == 0 {
			tokens[i] = h.login("jenny")
		} else {
			tokens[i] = h.client()
		}
	}
	started := time.Now()
	for round := 0; round < rounds; round++ {
		before := h.activity(3002)
		target := casemgr.ID(11)
		if before.Department == 11 {
			target = 10
		}
		bodies := make([]string, n)
		for i := range bodies {
			bodies[i] = h.transferBody(3002)
		}
		results := transferRace(t, handlers, transferPath(casemgr.FormatID(target), ""), tokens, bodies)
		transferExactlyOneWins(t, results)
		after := h.activity(3002)
		if after.Department != target || after.LastDepartment != before.Department || !after.LastModified.After(before.LastModified) {
			t.Fatalf("round %d: after the race the activity is %+v (before %+v)", round, after, before)
		}
		if got := len(h.history("activity", 3002)); got != round+1 {
			t.Fatalf("round %d: %d history entries, want %d (one transfer per round)", round, got, round+1)
		}
	}
	t.Logf("%d rounds of %d concurrent transfers in %v", rounds, n, transferSince(started))
}

func transferSince(start time.Time) time.Duration { return time.Since(start).Round(time.Millisecond) }

func TestTransferConcurrency(t *testing.T) {
	t.Run("postgres_two_servers_same_lastModified_exactly_one_succeeds", func(t *testing.T) {
		t.Parallel()
		url := storetest.PostgresSchema(t)
		db1, db2 := transferOpen(t, url), transferOpen(t, url)
		h := newHarness(t, db1, nil)
		handlers := []http.Handler{h.h, transferSecondServer(db2)}
		transferRaceRounds(t, h, handlers, 20, 2)
	})

	t.Run("postgres_two_servers_eight_transfers_at_once", func(t *testing.T) {
		t.Parallel()
		url := storetest.PostgresSchema(t)
		db1, db2 := transferOpen(t, url), transferOpen(t, url)
		h := newHarness(t, db1, nil)
		handlers := []http.Handler{h.h, transferSecondServer(db2)}
		transferRaceRounds(t, h, handlers, 5, 8)
	})

	t.Run("postgres_overlapping_requests_in_opposite_orders_do_not_deadlock", func(t *testing.T) {
		t.Parallel()
		url := storetest.PostgresSchema(t)
		db1, db2 := transferOpen(t, url), transferOpen(t, url)
		h := newHarness(t, db1, nil)
		h.add(transferWorld)
		handlers := []http.Handler{h.h, transferSecondServer(db2)}
		tok := h.login("jenny")
		// 3114 has the draft reply 3115, which moves with it and is
		// locked too; the two requests name the activities in opposite
		// orders.
		for round := 0; round < 10; round++ {
			target := "11"
			if h.activity(3002).Department == 11 {
				target = "10"
			}
			bodies := []string{h.transferBody(3002, 3114, 3100), h.transferBody(3100, 3114, 3002)}
			results := transferRace(t, handlers, transferPath(target, ""), []string{tok, tok}, bodies)
			transferExactlyOneWins(t, results)
			d := h.activity(3002).Department
			for _, id := range []casemgr.ID{3100, 3114, 3115} {
				if got := h.activity(id).Department; got != d {
					t.Fatalf("round %d: activity %d in %d, 3002 in %d: a partial transfer", round, id, got, d)
				}
			}
		}
	})

	t.Run("both_engines_one_server_same_lastModified_exactly_one_succeeds", func(t *testing.T) {
		t.Parallel()
		storetest.Each(t, func(t *testing.T, db store.DB) {
			h := newHarness(t, db, nil)
			transferRaceRounds(t, h, []http.Handler{h.h}, 10, 2)
		})
	})
}
