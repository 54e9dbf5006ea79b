package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestEventsResumeAfterRestart: a reader that stored its cursor resumes,
// after the server process restarts (the store closed and opened again),
// with exactly the events written since, none lost and none repeated.
func TestEventsResumeAfterRestart(t *testing.T) {
	t.Parallel()
	urls := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "casemgr.db") },
		"postgres": func(t *testing.T) string { return storetest.PostgresSchema(t) },
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			url := urls[engine](t)
			client := casemgr.Actor{Client: &casemgr.ClientApp{ClientID: "mirror"}}
			open := func() store.DB {
				db, err := store.Open(context.Background(), url)
				if err != nil {
					t.Fatal(err)
				}
				if err := db.Migrate(context.Background()); err != nil {
					t.Fatal(err)
				}
				return db
			}
			write := func(db store.DB, ids ...casemgr.ID) {
				var entries []casemgr.HistoryEntry
				for _, id := range ids {
					entries = append(entries, casemgr.HistoryEntry{Entity: "activity", EntityID: id, Action: "transfer", At: time.Now(),
						EventType: casemgr.EventActivityTransferred})
				}
				if err := db.Write(context.Background(), func(tx casemgr.Tx) error { return tx.AppendHistory(entries) }); err != nil {
					t.Fatal(err)
				}
			}
			read := func(db store.DB, after string) ([]casemgr.ID, string) {
				page, err := casemgr.ReadFeed(context.Background(), db, client, casemgr.FeedRequest{After: after, Limit: 500, Wait: 20 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				var ids []casemgr.ID
				for _, e := range page.Events {
					ids = append(ids, e.EntityID)
				}
				return ids, page.Cursor
			}
			db := open()
			write(db, 1, 2)
			first, cursor := read(db, "")
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db = open()
			defer func() { _ = db.Close() }()
			write(db, 3)
			second, _ := read(db, cursor)
			if len(first) != 2 || first[0] != 1 || first[1] != 2 || len(second) != 1 || second[0] != 3 {
				t.Errorf("before the restart %v, after it %v; want [1 2] and [3]", first, second)
			}
		})
	}
}
