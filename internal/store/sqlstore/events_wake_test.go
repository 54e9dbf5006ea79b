package sqlstore_test

import (
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// A commit of events wakes the feed's readers of every store on the
// database (PostgreSQL, through its notification), but the committing
// store only once: it wakes its own readers when it commits, and takes its
// own notification for what it is instead of waking them again (each
// wake-up of the webhook deliveries costs reads).
func TestCommittedEventsWakeEveryStoreOnce(t *testing.T) {
	url := storetest.PostgresSchema(t)
	ctx := t.Context()
	open := func() store.DB {
		db, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return db
	}
	a, b := open(), open()
	stats := func(db store.DB) sqlstore.Stats { return db.(*sqlstore.Store).Stats() }
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after 10 s: %s", what)
			}
		}
	}
	// Both listen before the commit (a store that starts listening
	// wakes its readers once, for what it may have missed).
	waitFor("both stores listening", func() bool { return a.(*sqlstore.Store).Listening() && b.(*sqlstore.Store).Listening() })

	for i := 1; i <= 3; i++ {
		wakeA, wakeB := a.EventsCommitted(), b.EventsCommitted()
		own := stats(a).OwnEventNotices
		entry := []casemgr.HistoryEntry{{Entity: "activity", EntityID: casemgr.ID(i), Action: "transfer", At: time.Now(), EventType: casemgr.EventActivityTransferred}}
		if err := a.Write(ctx, func(tx casemgr.Tx) error { return tx.AppendHistory(entry) }); err != nil {
			t.Fatal(err)
		}
		// Its notification takes a round trip to the server and back:
		// a reader waiting from now on is waiting when it arrives.
		again := a.EventsCommitted()
		select {
		case <-wakeA:
		default:
			t.Fatalf("commit %d: the committing store's readers were not woken when it committed", i)
		}
		select {
		case <-wakeB:
		case <-time.After(10 * time.Second):
			t.Fatalf("commit %d: the other store's readers were not woken within 10 s", i)
		}
		// The committer hears its own notification and does not wake
		// its readers for it.
		waitFor("the committer heard its own notification", func() bool { return stats(a).OwnEventNotices > own })
		select {
		case <-again:
			t.Fatalf("commit %d: the committer's readers were woken again by its own notification", i)
		default:
		}
	}
	if n := stats(b).OwnEventNotices; n != 0 {
		t.Errorf("the store that committed nothing took %d notifications for its own", n)
	}
}
