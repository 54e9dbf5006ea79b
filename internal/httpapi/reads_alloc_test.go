package httpapi

import (
	"maps"
	"testing"

	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestReadsLeaveTheDefaultFieldsAsTheyAre pins that the reads of
// activities use the default field set (activitySummarySet) without
// changing it: they are given the set itself, not a copy.
func TestReadsLeaveTheDefaultFieldsAsTheyAre(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		jenny := h.login("jenny")
		before := maps.Clone(activitySummarySet)
		for _, path := range []string{
			"/core/casemgr/v3/activity/3101",
			"/core/casemgr/v3/activity/3000,3101",
			"/core/casemgr/v3/activity/3101?$attribute=all",
			"/core/casemgr/v3/activity/3101?$attribute=id,payload",
			"/core/casemgr/v3/activity?department=10",
			"/core/casemgr/v3/activity/3101/history",
		} {
			h.do("GET", path, jenny, "")
			if !maps.Equal(before, activitySummarySet) {
				t.Fatalf("after GET %s the default fields are %v, were %v", path, activitySummarySet, before)
			}
		}
	})
}
