package storetest

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
)

// feedRead reads every event after cursor as the feed does and returns
// them with the next cursor. On PostgreSQL the feed's bound may lag while
// transactions of other tests on the server run: it reads again until the
// cursor passes every event written.
func feedRead(t *testing.T, db store.DB, cursor int64, q casemgr.EventQuery) ([]casemgr.Event, int64) {
	t.Helper()
	last := get(t, db, func(tx casemgr.Tx) (int64, error) { _, l, err := tx.EventHorizon(); return l, err })
	var all []casemgr.Event
	for deadline := time.Now().Add(10 * time.Second); ; {
		q.After, q.Limit = cursor, 500
		events, next, err := casemgr.ReadEvents(t.Context(), db, q)
		if err != nil {
			t.Fatalf("ReadEvents: %v", err)
		}
		all, cursor = append(all, events...), next
		if cursor >= last || time.Now().After(deadline) {
			return all, cursor
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func eventKeys(events []casemgr.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Type+" "+e.Entity+" "+casemgr.FormatTime(e.At))
	}
	return out
}

// testEvents: every history entry appended is an event, written in the same
// transaction (a rolled-back write leaves none), read in ID order and
// filtered by type and department; purging keeps a prefix and moves the
// horizon.
func testEvents(t *testing.T, db store.DB) {
	first := []casemgr.HistoryEntry{
		{Entity: "activity", EntityID: 3000, Action: "transfer", Actor: "user:1001", At: at(0),
			EventType: casemgr.EventActivityTransferred, Department: 10, Changes: `{"queue":{"before":1,"after":2}}`},
		{Entity: "case", EntityID: 2000, Action: "changecase", Actor: "user:1001", At: at(time.Second),
			EventType: casemgr.EventCaseClosed, Department: 11, Changes: `{}`},
		{Entity: "customer", EntityID: 321, Action: "create", Actor: "client:crm", At: at(2 * time.Second)},
	}
	write(t, db, func(tx casemgr.Tx) error { return tx.AppendHistory(first) })
	boom := errors.New("refused")
	if err := db.Write(t.Context(), func(tx casemgr.Tx) error {
		if err := tx.AppendHistory([]casemgr.HistoryEntry{{Entity: "activity", EntityID: 3001, Action: "transfer", At: at(3 * time.Second)}}); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("rolled-back write: %v", err)
	}
	events, cursor := feedRead(t, db, 0, casemgr.EventQuery{})
	same(t, "events of the committed entries, in order", eventKeys(events), []string{
		"activity.transferred activity " + casemgr.FormatTime(at(0)),
		"case.closed case " + casemgr.FormatTime(at(time.Second)),
		"customer.changed customer " + casemgr.FormatTime(at(2*time.Second)),
	})
	if len(events) == 3 {
		e := events[0]
		same(t, "an event's fields", []any{e.EntityID, e.Department, e.Actor, e.Changes},
			[]any{casemgr.ID(3000), casemgr.ID(10), "user:1001", `{"queue":{"before":1,"after":2}}`})
		same(t, "cursor after a read: the last event's ID or beyond", cursor >= events[2].ID, true)
	}
	more, again := feedRead(t, db, cursor, casemgr.EventQuery{})
	same(t, "nothing after the cursor", len(more), 0)
	same(t, "the cursor stays", again, cursor)

	typed, _ := feedRead(t, db, 0, casemgr.EventQuery{Types: []string{casemgr.EventCaseClosed}})
	same(t, "type filter", eventKeys(typed), []string{"case.closed case " + casemgr.FormatTime(at(time.Second))})
	dept, _ := feedRead(t, db, 0, casemgr.EventQuery{Departments: ids(11)})
	same(t, "department filter keeps events of no department", eventKeys(dept), []string{
		"case.closed case " + casemgr.FormatTime(at(time.Second)),
		"customer.changed customer " + casemgr.FormatTime(at(2*time.Second)),
	})

	var purged int64
	write(t, db, func(tx casemgr.Tx) (err error) { purged, err = tx.PurgeEvents(at(time.Second)); return err })
	same(t, "purged the events before the cut", purged, int64(1))
	horizon := get(t, db, func(tx casemgr.Tx) ([2]int64, error) {
		p, l, err := tx.EventHorizon()
		return [2]int64{p, l}, err
	})
	if len(events) == 3 {
		same(t, "horizon: purged through the first event, last written beyond the third", []bool{horizon[0] == events[0].ID, horizon[1] >= events[2].ID}, []bool{true, true})
	}
	write(t, db, func(tx casemgr.Tx) (err error) { purged, err = tx.PurgeEvents(at(time.Hour)); return err })
	same(t, "purged the rest", purged, int64(2))
	rest, _ := feedRead(t, db, horizon[0], casemgr.EventQuery{})
	same(t, "nothing left", len(rest), 0)
}

// testEventsCommittedOutOfOrder: transaction A writes an event (the lower
// ID) and stays open; transaction B writes one (the higher ID) and commits
// first (PostgreSQL; on SQLite B waits for A's write lock). A reader between
// the two commits must not pass A's event: resuming from its cursor after A
// commits, it reads both, each once.
func testEventsCommittedOutOfOrder(t *testing.T, db store.DB) {
	ctx := t.Context()
	entry := func(id casemgr.ID) []casemgr.HistoryEntry {
		return []casemgr.HistoryEntry{{Entity: "activity", EntityID: id, Action: "transfer", At: at(0), EventType: casemgr.EventActivityTransferred}}
	}
	aWrote, aCommit, aDone, bDone := make(chan struct{}), make(chan struct{}), make(chan error, 1), make(chan error, 1)
	go func() {
		wrote := false
		aDone <- db.Write(ctx, func(tx casemgr.Tx) error {
			if err := tx.AppendHistory(entry(1)); err != nil {
				return err
			}
			if !wrote {
				wrote = true
				close(aWrote)
			}
			<-aCommit
			return nil
		})
	}()
	<-aWrote
	go func() { bDone <- db.Write(ctx, func(tx casemgr.Tx) error { return tx.AppendHistory(entry(2)) }) }()
	if db.Engine() == "postgres" {
		if err := <-bDone; err != nil {
			t.Fatalf("B: %v", err)
		}
	}
	// The reader between the commits: even waiting for an event, it gets
	// none, since B's event would pass A's.
	client := casemgr.Actor{Client: &casemgr.ClientApp{ClientID: "reader"}}
	page, err := casemgr.ReadFeed(ctx, db, client, casemgr.FeedRequest{After: "0", Limit: 500, Wait: 300 * time.Millisecond})
	if err != nil {
		t.Fatalf("ReadFeed between the commits: %v", err)
	}
	between := page.Events
	cursor, _ := strconv.ParseInt(page.Cursor, 10, 64)
	close(aCommit)
	if err := <-aDone; err != nil {
		t.Fatalf("A: %v", err)
	}
	if db.Engine() != "postgres" {
		if err := <-bDone; err != nil {
			t.Fatalf("B: %v", err)
		}
	}
	after, _ := feedRead(t, db, cursor, casemgr.EventQuery{})
	var got []casemgr.ID
	for _, e := range append(between, after...) {
		got = append(got, e.EntityID)
	}
	same(t, "events read between the commits", len(between), 0)
	same(t, "every event read once, in ID order (A's first)", got, ids(1, 2))
}
