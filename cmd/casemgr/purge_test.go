package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestPurgeHistoryKeepsRecentHistory: the janitor's history purge (the
// --history-retention) deletes the entries recorded before the cut and
// keeps the later ones, on both engines.
func TestPurgeHistoryKeepsRecentHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		now := time.Now().UTC().Truncate(time.Millisecond)
		var entries []casemgr.HistoryEntry
		for _, age := range []time.Duration{72 * time.Hour, 49 * time.Hour, time.Hour, 0} {
			entries = append(entries, casemgr.HistoryEntry{Entity: "activity", EntityID: 3000, Action: "edit",
				Actor: "user:1001", At: now.Add(-age), Before: `{"Subject":"a"}`, After: `{"Subject":"b"}`})
		}
		ctx := context.Background()
		if err := db.Write(ctx, func(tx casemgr.Tx) error { return tx.AppendHistory(entries) }); err != nil {
			t.Fatal(err)
		}
		purgeHistory(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil)), now.Add(-48*time.Hour))
		var left []casemgr.HistoryEntry
		if err := db.Read(ctx, func(tx casemgr.Tx) (err error) { left, err = tx.History("activity", 3000); return err }); err != nil {
			t.Fatal(err)
		}
		if len(left) != 2 || left[0].Seq != entries[2].Seq || left[1].Seq != entries[3].Seq {
			t.Fatalf("left after the purge: %+v", left)
		}
	})
}
