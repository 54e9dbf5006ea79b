package metrics

import (
	"database/sql"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/store/sqlstore"
)

// fakeStore has fixed counters and no pools.
type fakeStore struct{ stats sqlstore.Stats }

func (f fakeStore) Stats() sqlstore.Stats     { return f.stats }
func (f fakeStore) Pools() map[string]*sql.DB { return nil }

// TestCheckpointMetricsAreTheStoresCounters: the SQLite checkpoint metrics
// are the store's counters, the writer's time in seconds.
func TestCheckpointMetricsAreTheStoresCounters(t *testing.T) {
	m := New()
	m.WatchStore(fakeStore{sqlstore.Stats{Checkpoints: 7, WriterCheckpoints: 2, WriterCheckpointTime: 1500 * time.Millisecond}})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		"casemgr_sqlite_checkpoints_total 7\n",
		"casemgr_sqlite_writer_checkpoints_total 2\n",
		"casemgr_sqlite_writer_checkpoint_seconds_total 1.5\n",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", strings.TrimSpace(want))
		}
	}
}
