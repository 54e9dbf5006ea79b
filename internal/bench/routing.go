package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// The routing operations: transfer of 75 activities to a queue, and pick of
// 75 activities. They work on the batches of transfer-75 (the same pool:
// one client per batch at a time), which every bench user may pick and
// move into any queue.

// fetchedActivity is what a client reads of an activity before moving it.
type fetchedActivity struct {
	ID           string `json:"id"`
	LastModified string `json:"lastModified"`
	Department   struct {
		ID string `json:"id"`
	} `json:"department"`
	Queue *struct {
		ID string `json:"id"`
	} `json:"queue"`
}

// fetchBatch reads the batch's lastModified (and department and queue) as
// a client would, recording the read as "<name> (fetch)".
func fetchBatch(ctx context.Context, c *client, name string, b *batch, rec recordFunc) []fetchedActivity {
	t := time.Now()
	r, err := c.do(ctx, http.MethodGet, apiBase+"/activity/"+idCSV(b.ids)+"?$attribute=id,lastModified,department,queue", nil, true)
	rec(name+" (fetch)", t, r.status, r.code, err)
	if err != nil || r.status != http.StatusOK {
		return nil
	}
	var got struct {
		Activity []fetchedActivity `json:"activity"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil || len(got.Activity) == 0 {
		rec(name+" (fetch)", t, 0, "", fmt.Errorf("unreadable activities: %v", err))
		return nil
	}
	return got.Activity
}

// bulkItems is the bulk body naming the fetched activities.
func bulkItems(acts []fetchedActivity) []byte {
	var sb strings.Builder
	sb.WriteString(`{"activity": [`)
	for i, a := range acts {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, `{"id": %q, "lastModified": %q}`, a.ID, a.LastModified)
	}
	sb.WriteString("]}")
	return []byte(sb.String())
}

// otherQueue is the queue a transfer-to-queue batch moves to: the
// escalations of its department when one of its activities waits in the
// inbox, the inbox otherwise (a batch moves as a whole, so none then waits
// there).
func otherQueue(dept casemgr.ID, queues []casemgr.ID) casemgr.ID {
	for _, q := range queues {
		if q == inboxQueue(dept) {
			return escalationQueue(dept)
		}
	}
	return inboxQueue(dept)
}

// httpTransferQueue moves the batch into the other queue of its department.
func httpTransferQueue(name string) func(context.Context, *env, *client, *rand.Rand, recordFunc) {
	return func(ctx context.Context, e *env, c *client, rng *rand.Rand, rec recordFunc) {
		b, err := e.w.pools[name].get(ctx)
		if err != nil {
			return
		}
		defer e.w.pools[name].put(b)
		acts := fetchBatch(ctx, c, name, b, rec)
		if acts == nil {
			return
		}
		dept, _ := strconv.ParseInt(acts[0].Department.ID, 10, 64)
		var queues []casemgr.ID
		for _, a := range acts {
			if a.Queue != nil {
				q, _ := strconv.ParseInt(a.Queue.ID, 10, 64)
				queues = append(queues, q)
			}
		}
		t := time.Now()
		r, err := c.do(ctx, http.MethodPatch, apiBase+"/activity/transfer/queue/"+casemgr.FormatID(otherQueue(dept, queues)), bulkItems(acts), true)
		rec(name, t, r.status, r.code, err)
	}
}

// httpPick picks the batch for the client's user. A batch the user holds
// already (picked by it last) is handed back for another one.
func httpPick(name string) func(context.Context, *env, *client, *rand.Rand, recordFunc) {
	return func(ctx context.Context, e *env, c *client, rng *rand.Rand, rec recordFunc) {
		p := e.w.pools[name]
		b, err := p.get(ctx)
		for tries := 0; err == nil && b.picker == c.user && c.user != 0; tries++ {
			p.put(b)
			if tries == e.w.BatchCounts[name] {
				return // every batch is this user's: let another client pick
			}
			b, err = p.get(ctx)
		}
		if err != nil {
			return
		}
		defer p.put(b)
		acts := fetchBatch(ctx, c, name, b, rec)
		if acts == nil {
			return
		}
		t := time.Now()
		r, err := c.do(ctx, http.MethodPatch, apiBase+"/activity/pick", bulkItems(acts), true)
		rec(name, t, r.status, r.code, err)
		if err == nil && r.status == http.StatusNoContent {
			b.picker = c.user
		}
	}
}

// rawFetch reads the batch's lastModified values, as a client's read,
// recording it as "<name> (fetch)".
func rawFetch(ctx context.Context, e *env, name string, b *batch, rec recordFunc) (map[int64]int64, bool) {
	t := time.Now()
	seen := map[int64]int64{}
	st, err := e.raw.stmt(ctx, e.db.Read, `SELECT id, last_modified FROM activities WHERE `+e.raw.in("id"))
	if err == nil {
		err = scanPairs(ctx, st, e.raw.ids(b.ids), seen)
	}
	recordRaw(rec, name+" (fetch)", t, err)
	return seen, err == nil
}

// scanPairs reads (id, last_modified) rows into seen.
func scanPairs(ctx context.Context, st stmt, arg any, seen map[int64]int64) error {
	rows, err := st.QueryContext(ctx, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, lm int64
		if err := rows.Scan(&id, &lm); err != nil {
			return err
		}
		seen[id] = lm
	}
	return rows.Err()
}

// rawMove is the raw transaction of a move of the batch: lock its rows,
// compare each lastModified with the one read, write the new status,
// assignee and queue (set decides them from the locked rows), unpin and
// unlock, move lastModified, and append the history entries of action.
func rawMove(ctx context.Context, e *env, b *batch, seen map[int64]int64, action string,
	set func(acts []casemgr.Activity) (status string, user, queue int64)) error {
	now := casemgr.Millis(time.Now())
	return e.raw.write(ctx, func(tx *sql.Tx) error {
		acts, err := e.raw.lockBatch(ctx, tx, b.ids)
		if err != nil {
			return err
		}
		for _, a := range acts {
			if seen[a.ID] != a.LastModified.UnixMilli() {
				return fmt.Errorf("activity %d: lastModified is stale", a.ID)
			}
		}
		status, user, queue := set(acts)
		after := nextModified(acts, now, func(a *casemgr.Activity) {
			a.Status, a.AssignedUser, a.Queue = status, user, queue
			a.Pinned, a.LockedBy, a.LockExpires = false, 0, nil
		})
		st, err := e.raw.txStmt(ctx, tx, `UPDATE activities SET status = ?, assigned_user_id = ?, queue_id = ?,
			pinned = FALSE, locked_by = 0, lock_expires = NULL,
			last_modified = `+e.raw.greatest("last_modified + 1", "?")+`, last_modified_by = 1001
			WHERE `+e.raw.in("id"))
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, status, user, queue, now.UnixMilli(), e.raw.ids(b.ids)); err != nil {
			return err
		}
		return e.raw.appendHistory(ctx, tx, action, now, acts, after)
	})
}

// rawTransferQueue is transfer-queue-75's own SQL.
func rawTransferQueue(name string) func(context.Context, *env, *rand.Rand, recordFunc) {
	return func(ctx context.Context, e *env, rng *rand.Rand, rec recordFunc) {
		b, err := e.w.pools[name].get(ctx)
		if err != nil {
			return
		}
		defer e.w.pools[name].put(b)
		seen, ok := rawFetch(ctx, e, name, b, rec)
		if !ok {
			return
		}
		t := time.Now()
		err = rawMove(ctx, e, b, seen, "transfer", func(acts []casemgr.Activity) (string, int64, int64) {
			queues := make([]casemgr.ID, len(acts))
			for i, a := range acts {
				queues[i] = a.Queue
			}
			return casemgr.StatusAwaitingAssignment, 0, otherQueue(acts[0].Department, queues)
		})
		recordRaw(rec, name, t, err)
	}
}

// rawPick is pick-75's own SQL: the batch is assigned to the first bench
// user.
func rawPick(name string) func(context.Context, *env, *rand.Rand, recordFunc) {
	return func(ctx context.Context, e *env, rng *rand.Rand, rec recordFunc) {
		b, err := e.w.pools[name].get(ctx)
		if err != nil {
			return
		}
		defer e.w.pools[name].put(b)
		seen, ok := rawFetch(ctx, e, name, b, rec)
		if !ok {
			return
		}
		t := time.Now()
		err = rawMove(ctx, e, b, seen, "pick", func([]casemgr.Activity) (string, int64, int64) {
			return casemgr.StatusAssigned, BenchUserID(1), 0
		})
		if err == nil {
			b.picker = BenchUserID(1)
		}
		recordRaw(rec, name, t, err)
	}
}
