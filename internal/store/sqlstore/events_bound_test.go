package sqlstore_test

import (
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// The feed's bound waits only for the transactions writing this store's
// events: a transaction running elsewhere on the server (another table,
// schema or database; a report, a bulk load), however long, never holds
// back an event committed meanwhile (PostgreSQL).
func TestEventFeedIsNotHeldBackByTransactionsThatWriteNoEvents(t *testing.T) {
	db := storetest.OpenPostgres(t)
	ctx := t.Context()
	other, err := sql.Open("pgx", os.Getenv(storetest.EnvPostgres))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	long, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer long.Rollback()
	// A transaction ID of its own, older than the event's: it holds back
	// the oldest running transaction ID of every later snapshot.
	var xid string
	if err := long.QueryRowContext(ctx, `SELECT pg_current_xact_id()::text`).Scan(&xid); err != nil {
		t.Fatal(err)
	}

	entry := []casemgr.HistoryEntry{{Entity: "activity", EntityID: 1, Action: "transfer", At: time.Now(), EventType: casemgr.EventActivityTransferred}}
	if err := db.Write(ctx, func(tx casemgr.Tx) error { return tx.AppendHistory(entry) }); err != nil {
		t.Fatal(err)
	}
	client := casemgr.Actor{Client: &casemgr.ClientApp{ClientID: "reader"}}
	page, err := casemgr.ReadFeed(ctx, db, client, casemgr.FeedRequest{After: "0", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 1 || page.Events[0].EntityID != 1 {
		t.Fatalf("feed with transaction %s still running elsewhere: %d events, want the one committed", xid, len(page.Events))
	}
}
