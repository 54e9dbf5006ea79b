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

// The batch operations that name their activities with the lastModified a
// client read first (transfer to a department or a queue, pick, complete)
// share the helpers of this file: a batch held by one client at a time, the
// client's read, the bulk body, and on the raw side the same read and the
// locked, checked rows. The routing operations (transfer of 75 activities
// to a queue, pick of 75) and complete-75 work on the batches of
// transfer-75 (the same pool), which every bench user may pick, move into
// any queue and complete.

// withBatch runs fn with a batch of the operation's pool, held by this
// client alone until fn returns.
func withBatch(ctx context.Context, e *env, name string, fn func(b *batch)) {
	p := e.w.pools[name]
	b, err := p.get(ctx)
	if err != nil {
		return
	}
	defer p.put(b)
	fn(b)
}

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

// fetchBatch reads the batch's attributes attrs (id and lastModified, and
// what the operation needs) as a client would, recording the read as
// "<name> (fetch)".
func fetchBatch(ctx context.Context, c *client, name, attrs string, b *batch, rec recordFunc) []fetchedActivity {
	t := time.Now()
	r, err := c.do(ctx, http.MethodGet, apiBase+"/activity/"+idCSV(b.ids)+"?$attribute="+attrs, nil, true)
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

// fetchAndPatch reads the batch (fetchBatch), then sends PATCH of the path
// that path chooses from what was read, with the bulk body of the fetched
// activities, recorded as name. It reports whether the PATCH succeeded.
func fetchAndPatch(ctx context.Context, c *client, name, attrs string, b *batch, rec recordFunc,
	path func(acts []fetchedActivity) string) bool {
	acts := fetchBatch(ctx, c, name, attrs, b, rec)
	if acts == nil {
		return false
	}
	t := time.Now()
	r, err := c.do(ctx, http.MethodPatch, apiBase+path(acts), bulkItems(acts), true)
	rec(name, t, r.status, r.code, err)
	return err == nil && r.status >= 200 && r.status <= 299
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
		withBatch(ctx, e, name, func(b *batch) {
			moved := fetchAndPatch(ctx, c, name, "id,lastModified,department,queue", b, rec, func(acts []fetchedActivity) string {
				dept, _ := strconv.ParseInt(acts[0].Department.ID, 10, 64)
				var queues []casemgr.ID
				for _, a := range acts {
					if a.Queue != nil {
						q, _ := strconv.ParseInt(a.Queue.ID, 10, 64)
						queues = append(queues, q)
					}
				}
				return "/activity/transfer/queue/" + casemgr.FormatID(otherQueue(dept, queues))
			})
			if moved {
				b.picker = 0 // waiting in a queue: nobody's
			}
		})
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
		if fetchAndPatch(ctx, c, name, "id,lastModified,department,queue", b, rec, func([]fetchedActivity) string { return "/activity/pick" }) {
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

// rawFetched is the raw side of a batch operation: take a batch, let
// prepare (nil: nothing) make it ready outside the measured time, read its
// lastModified as the client would (rawFetch), and time write, the
// operation's own transaction, as name.
func rawFetched(name string, prepare func(ctx context.Context, e *env, b *batch) error,
	write func(ctx context.Context, e *env, b *batch, seen map[int64]int64) error) func(context.Context, *env, *rand.Rand, recordFunc) {
	return func(ctx context.Context, e *env, rng *rand.Rand, rec recordFunc) {
		withBatch(ctx, e, name, func(b *batch) {
			if prepare != nil {
				if err := prepare(ctx, e, b); err != nil {
					recordRaw(rec, name, time.Now(), err)
					return
				}
			}
			seen, ok := rawFetch(ctx, e, name, b, rec)
			if !ok {
				return
			}
			t := time.Now()
			recordRaw(rec, name, t, write(ctx, e, b, seen))
		})
	}
}

// lockFresh reads and locks the batch's activities in tx and checks that
// each lastModified is the one the client read.
func (r *rawSQL) lockFresh(ctx context.Context, tx *sql.Tx, b *batch, seen map[int64]int64) ([]casemgr.Activity, error) {
	acts, err := r.lockBatch(ctx, tx, b.ids)
	if err != nil {
		return nil, err
	}
	for _, a := range acts {
		if seen[a.ID] != a.LastModified.UnixMilli() {
			return nil, fmt.Errorf("activity %d: lastModified is stale", a.ID)
		}
	}
	return acts, nil
}

// rawMove is the raw transaction of a move of the batch: lock its rows,
// compare each lastModified with the one read, write the new status,
// assignee and queue (set decides them from the locked rows), unpin and
// unlock, move lastModified, and append the history entries of action.
func rawMove(ctx context.Context, e *env, b *batch, seen map[int64]int64, action string,
	set func(acts []casemgr.Activity) (status string, user, queue int64)) error {
	now := casemgr.Millis(time.Now())
	return e.raw.write(ctx, func(tx *sql.Tx) error {
		acts, err := e.raw.lockFresh(ctx, tx, b, seen)
		if err != nil {
			return err
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
	return rawFetched(name, nil, func(ctx context.Context, e *env, b *batch, seen map[int64]int64) error {
		return rawMove(ctx, e, b, seen, "transfer", func(acts []casemgr.Activity) (string, int64, int64) {
			queues := make([]casemgr.ID, len(acts))
			for i, a := range acts {
				queues[i] = a.Queue
			}
			return casemgr.StatusAwaitingAssignment, 0, otherQueue(acts[0].Department, queues)
		})
	})
}

// rawPick is pick-75's own SQL: the batch is assigned to the first bench
// user.
func rawPick(name string) func(context.Context, *env, *rand.Rand, recordFunc) {
	return rawFetched(name, nil, func(ctx context.Context, e *env, b *batch, seen map[int64]int64) error {
		err := rawMove(ctx, e, b, seen, "pick", func([]casemgr.Activity) (string, int64, int64) {
			return casemgr.StatusAssigned, BenchUserID(1), 0
		})
		if err == nil {
			b.picker = BenchUserID(1)
		}
		return err
	})
}
