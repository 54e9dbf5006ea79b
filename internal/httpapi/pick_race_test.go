package httpapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// A pick racing a transfer of the same activity (docs/operations/pick.md):
// both name the lastModified they read, exactly one of them moves the
// activity, the other answers 409 and changes nothing; never a 5xx. Through
// one server on each engine and through two server instances on one
// PostgreSQL schema.

// pickRaceWorld is the world of the race: picker, a user who may pick
// from queues 100 and 101 (so that only the stale lastModified can refuse
// the loser), and n tasks 3600, 3601, ... waiting in queue 101.
func pickRaceWorld(n int) string {
	var acts []string
	for i := range n {
		acts = append(acts, fmt.Sprintf(`{"id": "%d", "case": "2005", "department": "10", "type": "task",
			"status": "awaiting_assignment", "queue": "101", "created": "2026-02-01T11:%02d:00.000Z"}`, 3600+i, i%60))
	}
	return `{"users": [{"id": "1290", "name": "picker", "password": "pw-picker", "department": "10",
		"licenses": ["eGain Advisor Desktop"], "actions": ["Pick Activities"],
		"pullActivitiesFrom": {"queues": ["100", "101"]}}],
		"activities": [` + strings.Join(acts, ",") + `]}`
}

// pickRace sends, for each activity at the same moment, a pick by picker
// and a transfer to queue 100 by a client application, both with the
// activity's lastModified, and checks that exactly one answered 204, the
// other 409 (stale lastModified), and that the activity is where the
// winner put it.
func pickRace(t *testing.T, h *harness, handlers []http.Handler, n int) {
	t.Helper()
	picker, client := h.login("picker"), h.client()
	picks, transfers := 0, 0
	for i := range n {
		id := casemgr.ID(3600 + i)
		body := `{"activity": [{"id": "` + fmt.Sprint(id) + `", "lastModified": "` + h.stamp(id) + `"}]}`
		var codes [2]int
		var answers [2]string
		start := make(chan struct{})
		var wg sync.WaitGroup
		for j, c := range []struct{ path, token string }{
			{"/core/casemgr/v3/activity/pick", picker},
			{"/core/casemgr/v3/activity/transfer/queue/100", client},
		} {
			wg.Go(func() {
				req := httptest.NewRequest("PATCH", c.path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+c.token)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				<-start
				handlers[(i+j)%len(handlers)].ServeHTTP(rec, req)
				codes[j], answers[j] = rec.Code, rec.Body.String()
			})
		}
		close(start)
		wg.Wait()
		a := h.activity(id)
		switch {
		case codes[0] == http.StatusNoContent && codes[1] == http.StatusConflict:
			picks++
			if a.Status != casemgr.StatusAssigned || a.AssignedUser != 1290 || a.Queue != 0 {
				t.Errorf("activity %d: the pick won but it is %s, user %d, queue %d", id, a.Status, a.AssignedUser, a.Queue)
			}
		case codes[0] == http.StatusConflict && codes[1] == http.StatusNoContent:
			transfers++
			if a.Status != casemgr.StatusAwaitingAssignment || a.Queue != 100 || a.AssignedUser != 0 {
				t.Errorf("activity %d: the transfer won but it is %s, user %d, queue %d", id, a.Status, a.AssignedUser, a.Queue)
			}
		default:
			t.Errorf("activity %d: pick answered %d %s, transfer %d %s; want one 204 and one 409", id, codes[0], answers[0], codes[1], answers[1])
		}
		for j := range codes {
			if codes[j] == http.StatusConflict && !strings.Contains(answers[j], "409-") {
				t.Errorf("activity %d: the 409 carries no 409 code: %s", id, answers[j])
			}
		}
	}
	t.Logf("%d races through %d server(s): the pick won %d, the transfer %d", n, len(handlers), picks, transfers)
}

func TestPickRacingATransfer(t *testing.T) {
	const n = 20
	t.Run("both_engines_one_server_exactly_one_winner", func(t *testing.T) {
		t.Parallel()
		storetest.Each(t, func(t *testing.T, db store.DB) {
			h := newHarness(t, db, nil)
			h.add(pickRaceWorld(n))
			pickRace(t, h, []http.Handler{h.h}, n)
		})
	})
	t.Run("postgres_two_servers_exactly_one_winner", func(t *testing.T) {
		if testing.Short() {
			t.Skip("two server instances on one PostgreSQL schema")
		}
		t.Parallel()
		url := storetest.PostgresSchema(t)
		db1, db2 := transferOpen(t, url), transferOpen(t, url)
		h := newHarness(t, db1, nil)
		h.add(pickRaceWorld(n))
		pickRace(t, h, []http.Handler{h.h, transferSecondServer(db2)}, n)
	})
}
