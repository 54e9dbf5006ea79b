package sqlstore

import (
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// TestActivitiesToShowComeOnceInIDOrderWhateverTheRowOrder checks that the
// activities read with activitiesToShowSQL, whose rows on PostgreSQL come
// in no particular order (no ORDER BY), are kept once each and returned in
// ID order, as Activities returns them: rows of one activity apart from
// each other, and activities out of order.
func TestActivitiesToShowComeOnceInIDOrderWhateverTheRowOrder(t *testing.T) {
	var acts []casemgr.Activity
	for _, id := range []casemgr.ID{30, 10, 30, 20, 10, 40, 30} {
		acts = addShown(acts, &casemgr.Activity{ID: id})
	}
	sortShown(acts)
	var got []casemgr.ID
	for _, a := range acts {
		got = append(got, a.ID)
	}
	if want := []casemgr.ID{10, 20, 30, 40}; len(got) != len(want) || got[0] != 10 || got[1] != 20 || got[2] != 30 || got[3] != 40 {
		t.Errorf("activities %v, want %v", got, want)
	}
}
