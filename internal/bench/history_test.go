package bench

import (
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// TestHistoryWrittenCountsTheRowsAfterTheMark pins the history figure of
// bench run: the bytes of the history rows numbered above the mark (text in
// bytes, not characters, and 8 per number) and the activity entries among
// them, on both engines.
func TestHistoryWrittenCountsTheRowsAfterTheMark(t *testing.T) {
	for engine, url := range worldURLs(t) {
		t.Run(engine, func(t *testing.T) {
			st := openStore(t, url)
			at := time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)
			entry := func(entity string, before, after string) casemgr.HistoryEntry {
				return casemgr.HistoryEntry{Entity: entity, EntityID: 3000, Action: "transfer", Actor: "user:1001", At: at, Before: before, After: after}
			}
			appendAll := func(entries ...casemgr.HistoryEntry) {
				if err := st.Write(t.Context(), func(tx casemgr.Tx) error { return tx.AppendHistory(entries) }); err != nil {
					t.Fatal(err)
				}
			}
			appendAll(entry("activity", `{"Queue":1}`, `{"Queue":2}`)) // before the mark: not counted
			db, err := OpenDB(t.Context(), url, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			mark, err := db.historyMark(t.Context())
			if err != nil || mark == 0 {
				t.Fatalf("mark %d, %v", mark, err)
			}
			later := []casemgr.HistoryEntry{
				entry("activity", `{"Subject":"café"}`, `{"Subject":"tea"}`),
				entry("activity", `{"Queue":2}`, `{"Queue":3}`),
				entry("case", `{"Status":"open"}`, `{"Status":"closed"}`),
			}
			appendAll(later...)
			var want int64
			for _, e := range later {
				want += int64(len(e.Entity) + len(e.Action) + len(e.Actor) + len(e.Before) + len(e.After) + 24)
			}
			bytes, acts, err := db.historyWritten(t.Context(), mark)
			if err != nil || bytes != want || acts != 2 {
				t.Fatalf("historyWritten = %d bytes, %d activities, %v; want %d bytes, 2 activities", bytes, acts, err, want)
			}
		})
	}
}
