package storetest

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
)

// testHistoryShapes: an entry as the operations record it now holds only
// the changed fields before and after (a few hundred bytes where the whole
// activity took kilobytes); it reads back byte for byte next to an entry of
// the old shape (whole rows), its event still names the changed fields,
// and the whole activity before and after each entry is rebuilt from
// either shape.
func testHistoryShapes(t *testing.T, db store.DB) {
	actor := casemgr.Actor{User: &casemgr.User{ID: 1001}}
	v0 := casemgr.Activity{ID: 3000, Case: 2000, Department: 10, Queue: 100, Type: "email", Mode: "inbound",
		Status: casemgr.StatusAssigned, AssignedUser: 1001, Customer: 500, Contact: 600, ContactPoint: 700,
		Subject: "Where is my parcel?", ContentText: strings.Repeat("The parcel has not arrived. ", 30),
		CustomAttributes: map[string][]string{"channel": {"web"}}, Created: ms(at(0)), CreatedBy: 1001, LastModified: ms(at(0))}
	v1 := v0
	v1.Subject, v1.LastModified = "Where is my parcel, please?", ms(at(time.Second))
	v2 := v1
	v2.Department, v2.Queue, v2.AssignedUser, v2.Status, v2.LastModified = 11, 110, 0, casemgr.StatusAwaitingAssignment, ms(at(2*time.Second))
	b, _ := json.Marshal(v0)
	a, _ := json.Marshal(v1)
	whole := casemgr.HistoryEntry{Entity: "activity", EntityID: 3000, Action: "edit", Actor: "user:1001", At: at(time.Second), Before: string(b), After: string(a)}
	diff := casemgr.NewHistoryEntry("activity", 3000, "transfer", actor, at(2*time.Second), v1, v2)
	write(t, db, func(tx casemgr.Tx) error { return tx.AppendHistory([]casemgr.HistoryEntry{whole}) })
	write(t, db, func(tx casemgr.Tx) error { return tx.AppendHistory([]casemgr.HistoryEntry{diff}) })
	got := get(t, db, func(tx casemgr.Tx) ([]casemgr.HistoryEntry, error) { return tx.History("activity", 3000) })
	if len(got) != 2 {
		t.Fatalf("%d entries read back, want 2", len(got))
	}
	same(t, "old-shape entry read back", []string{got[0].Before, got[0].After}, []string{whole.Before, whole.After})
	same(t, "changed-fields entry read back", []string{got[1].Before, got[1].After}, []string{diff.Before, diff.After})
	lm, _ := json.Marshal(v2.LastModified)
	same(t, "changed fields recorded after", got[1].After,
		`{"AssignedUser":0,"Department":11,"LastModified":`+string(lm)+`,"Queue":110,"Status":"awaiting_assignment"}`)
	for _, f := range []string{"Subject", "ContentText", "Customer", "CustomAttributes"} {
		if strings.Contains(got[1].Before+got[1].After, `"`+f+`"`) {
			t.Errorf("the transfer recorded the unchanged field %s: %s / %s", f, got[1].Before, got[1].After)
		}
	}
	if n, old := len(got[1].Before)+len(got[1].After), len(whole.Before)+len(whole.After); n > 300 || n*4 > old {
		t.Errorf("changed-fields entry holds %d bytes of record, the whole-row entry %d", n, old)
	}
	states := casemgr.HistoryStates(got, v2)
	for i, w := range [][2]casemgr.Activity{{v0, v1}, {v1, v2}} {
		same(t, "state before entry "+[]string{"0", "1"}[i], asJSON(states[i].Before), asJSON(w[0]))
		same(t, "state after entry "+[]string{"0", "1"}[i], asJSON(states[i].After), asJSON(w[1]))
	}
	events := allEvents(t, db)
	if len(events) != 2 || events[1].Type != casemgr.EventActivityTransferred || !strings.Contains(events[1].Changes, `"queue":{"before":100,"after":110}`) {
		t.Errorf("events: %+v", events)
	}
}

// allEvents reads every event written, committed or not yet safe to
// read in the feed (the storage suite checks what was written).
func allEvents(t *testing.T, db store.DB) []casemgr.Event {
	return get(t, db, func(tx casemgr.Tx) ([]casemgr.Event, error) {
		return tx.Events(casemgr.EventQuery{Through: math.MaxInt64, Limit: 1000})
	})
}

// asJSON is v as JSON, to compare entities whatever their times' locations.
func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// testPurgeHistory: the history retention deletes the entries recorded
// before the cut, at most limit at a time, and keeps the later entries,
// their events and everything else.
func testPurgeHistory(t *testing.T, db store.DB) {
	var entries []casemgr.HistoryEntry
	for i, entity := range []string{"activity", "case", "activity", "customer", "activity"} {
		entries = append(entries, casemgr.HistoryEntry{Entity: entity, EntityID: casemgr.ID(3000 + i%2), Action: "edit",
			Actor: "user:1001", At: at(time.Duration(i) * time.Minute), Before: `{"Subject":"a"}`, After: `{"Subject":"b"}`})
	}
	write(t, db, func(tx casemgr.Tx) error { return tx.AppendHistory(entries) })
	eventsBefore := allEvents(t, db)
	purge := func(cut time.Time, limit int) int64 {
		var n int64
		write(t, db, func(tx casemgr.Tx) (err error) { n, err = tx.PurgeHistory(cut, limit); return err })
		return n
	}
	same(t, "nothing older than the first entry", purge(at(-time.Minute), 10), int64(0))
	cut := at(3 * time.Minute) // entries 0, 1 and 2 are older
	same(t, "first batch", purge(cut, 2), int64(2))
	same(t, "second batch", purge(cut, 2), int64(1))
	same(t, "then nothing", purge(cut, 2), int64(0))
	left := func(entity string, id casemgr.ID) []int64 {
		var seqs []int64
		for _, e := range get(t, db, func(tx casemgr.Tx) ([]casemgr.HistoryEntry, error) { return tx.History(entity, id) }) {
			seqs = append(seqs, e.Seq)
		}
		return seqs
	}
	same(t, "activity 3000 keeps its entry of minute 4", left("activity", 3000), []int64{entries[4].Seq})
	same(t, "customer 3001 keeps its entry of minute 3", left("customer", 3001), []int64{entries[3].Seq})
	same(t, "case 3001 lost its entry of minute 1", len(left("case", 3001)), 0)
	eventsAfter := allEvents(t, db)
	same(t, "events untouched", len(eventsAfter), len(eventsBefore))
	same(t, "a cut after every entry purges the rest", purge(at(time.Hour), 10), int64(2))
}
