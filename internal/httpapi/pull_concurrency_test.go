package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// Pulls racing each other (docs/operations/pull.md, Two agents at once):
// agents pulling from one queue at the same moment never get the same
// activity, and nothing answers 5xx, through one server on each engine and
// through two server instances on one PostgreSQL schema.

// pullRaceWorld is the world of a pull race: agents users (agent01, ...)
// who may pull from queue 101 (Service escalations), which holds n waiting
// tasks 3500, 3501, ... (the base world has none there).
func pullRaceWorld(agents, n int) string {
	var users, acts []string
	for i := range agents {
		users = append(users, fmt.Sprintf(`{"id": "%d", "name": "agent%02d", "password": "pw-agent%02d", "department": "10",
			"licenses": ["eGain Advisor Desktop"], "actions": ["Pull Activities"],
			"pullActivitiesFrom": {"queues": ["101"]}, "pullQueues": ["101"]}`, 1200+i, i, i))
	}
	for i := range n {
		acts = append(acts, fmt.Sprintf(`{"id": "%d", "case": "2005", "department": "10", "type": "task",
			"status": "awaiting_assignment", "queue": "101", "priority": "%d", "created": "2026-02-01T10:%02d:00.000Z"}`,
			3500+i, 1+i%7, i%60))
	}
	return `{"users": [` + strings.Join(users, ",") + `], "activities": [` + strings.Join(acts, ",") + `]}`
}

// pullRace lets every agent pull, all at once, until it gets a 204 (each
// agent through handlers[agent % len]), and checks that no activity was
// pulled twice, none answered other than 200 or 204, every waiting activity
// was pulled, and each is assigned to the agent whose answer listed it.
func pullRace(t *testing.T, h *harness, handlers []http.Handler, agents, n int) {
	t.Helper()
	tokens := make([]string, agents)
	for i := range tokens {
		tokens[i] = h.login(fmt.Sprintf("agent%02d", i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), transferRaceTimeout)
	defer cancel()
	got := make([][]casemgr.ID, agents)
	bad := make([]string, agents)
	start := make(chan struct{})
	var wg sync.WaitGroup
	started := time.Now()
	for i := range agents {
		wg.Go(func() {
			<-start
			for ctx.Err() == nil {
				req := httptest.NewRequestWithContext(ctx, "PATCH", pullPath, nil)
				req.Header.Set("Authorization", "Bearer "+tokens[i])
				rec := httptest.NewRecorder()
				handlers[i%len(handlers)].ServeHTTP(rec, req)
				if rec.Code == http.StatusNoContent {
					return
				}
				var body struct{ Activity []struct{ ID string } }
				if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil || len(body.Activity) == 0 {
					bad[i] = fmt.Sprintf("%d %s", rec.Code, rec.Body)
					return
				}
				for _, a := range body.Activity {
					id, _ := casemgr.ParseID(a.ID)
					got[i] = append(got[i], id)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("the pulls did not end within %v: deadlock?", transferRaceTimeout)
	}
	by := map[casemgr.ID]int{}
	for i := range agents {
		if bad[i] != "" {
			t.Errorf("agent%02d: a pull answered %s", i, bad[i])
		}
		for _, id := range got[i] {
			if prev, twice := by[id]; twice {
				t.Errorf("activity %d was pulled by agent%02d and agent%02d", id, prev, i)
			}
			by[id] = i
		}
	}
	if len(by) != n {
		t.Errorf("%d of the %d waiting activities were pulled", len(by), n)
	}
	for id, i := range by {
		if a := h.activity(id); a.AssignedUser != casemgr.ID(1200+i) || a.Status != casemgr.StatusAssigned || a.Queue != 0 {
			t.Errorf("activity %d: assigned to %d (%s, queue %d), but agent%02d's answer listed it", id, a.AssignedUser, a.Status, a.Queue, i)
		}
	}
	t.Logf("%d agents pulled %d activities through %d server(s) in %v", agents, len(by), len(handlers), transferSince(started))
}

func TestPullConcurrency(t *testing.T) {
	const agents, n = 8, 60
	t.Run("both_engines_one_server_concurrent_pulls_never_share_an_activity", func(t *testing.T) {
		t.Parallel()
		storetest.Each(t, func(t *testing.T, db store.DB) {
			h := newHarness(t, db, nil)
			h.add(pullRaceWorld(agents, n))
			pullRace(t, h, []http.Handler{h.h}, agents, n)
		})
	})
	t.Run("postgres_two_servers_concurrent_pulls_never_share_an_activity", func(t *testing.T) {
		if testing.Short() {
			t.Skip("two server instances on one PostgreSQL schema")
		}
		t.Parallel()
		url := storetest.PostgresSchema(t)
		db1, db2 := transferOpen(t, url), transferOpen(t, url)
		h := newHarness(t, db1, nil)
		h.add(pullRaceWorld(agents, n))
		pullRace(t, h, []http.Handler{h.h, transferSecondServer(db2)}, agents, n)
	})
}
