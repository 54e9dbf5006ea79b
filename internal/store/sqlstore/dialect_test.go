package sqlstore

import (
	"encoding/json"
	"math"
	"testing"
)

// TestIDListsAreWhatJSONWrites checks that SQLite's list parameter (ids)
// is byte for byte what json.Marshal writes for the []int64.
func TestIDListsAreWhatJSONWrites(t *testing.T) {
	for _, ids := range [][]int64{nil, {}, {0}, {7}, {-3, 12, 4321}, {math.MinInt64, math.MaxInt64, 1 << 40}} {
		want, err := json.Marshal(ids)
		if err != nil {
			t.Fatal(err)
		}
		if got := sqliteDialect.ids(ids); got != string(want) {
			t.Errorf("ids(%#v) = %v, json.Marshal %s", ids, got, want)
		}
	}
}
