package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// The pull workload: every client (a bench user) pulls from one queue,
// Legal escalations, the pull option of every bench user. Before a run
// that measures pull, preparePull fills the queue with pullPoolSize
// activities no other operation uses (social, task and user-defined
// activities of odd cases, not replies), waiting to be assigned. After
// each pull the client puts what it pulled back in the queue (putBack, not
// measured), so the queue stays full: each pull is a pull of the default
// limit (5) from a queue where many wait, with the other clients pulling
// from it at the same moment.

// pullQueue is the queue every bench user pulls from.
var pullQueue = escalationQueue(DeptLegal)

// pullPoolSize is how many activities the pull queue holds at most.
const pullPoolSize = 2000

// preparePull puts the activities of the pull workload, waiting, in the
// pull queue, and moves every other activity waiting there to the inbox of
// Legal, so a pull takes only activities of the pull workload.
func (w *Workload) preparePull(ctx context.Context, db *DB) error {
	var ids []int64
	if err := scanAll(ctx, db, `SELECT a.id FROM activities a WHERE a.type NOT IN ('email', 'call_track', 'chat', 'web')
		AND a.status IN ('assigned', 'awaiting_assignment') AND a.response_to = 0 AND a.case_id % 2 = 1
		ORDER BY a.id LIMIT ?`, []any{pullPoolSize}, func(r *sql.Rows) error {
		var id int64
		err := r.Scan(&id)
		ids = append(ids, id)
		return err
	}); err != nil {
		return fmt.Errorf("pull workload: %w", err)
	}
	if len(ids) == 0 {
		return errors.New("pull: the world has no social, task or user-defined activity of an odd case to pull")
	}
	w.BatchCounts["pull"] = len(ids)
	if _, err := db.Write.ExecContext(ctx, db.sql(`UPDATE activities SET queue_id = ? WHERE queue_id = ? AND status = 'awaiting_assignment'`),
		inboxQueue(DeptLegal), pullQueue); err != nil {
		return fmt.Errorf("pull workload: %w", err)
	}
	return putBack(ctx, db, ids)
}

// putBack returns pulled activities to the pull queue, waiting to be
// assigned, unpinned and unlocked.
func putBack(ctx context.Context, db *DB, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := db.Write.ExecContext(ctx, db.sql(`UPDATE activities SET status = 'awaiting_assignment', queue_id = ?,
		assigned_user_id = 0, pinned = FALSE, locked_by = 0, lock_expires = NULL WHERE id IN (`+idList(ids)+`)`), pullQueue)
	return err
}

// httpPull pulls as the client's bench user, then puts back what it got.
func httpPull(ctx context.Context, e *env, c *client, rng *rand.Rand, rec recordFunc) {
	t := time.Now()
	r, err := c.do(ctx, http.MethodPatch, apiBase+"/activity/pull", nil, true)
	rec("pull", t, r.status, r.code, err)
	if err != nil || r.status != http.StatusOK {
		return
	}
	var got struct {
		Activity []struct {
			ID string `json:"id"`
		} `json:"activity"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		rec("pull", t, 0, "", fmt.Errorf("unreadable pull answer: %v", err))
		return
	}
	ids := make([]int64, 0, len(got.Activity))
	for _, a := range got.Activity {
		id, _ := strconv.ParseInt(a.ID, 10, 64)
		ids = append(ids, id)
	}
	if err := putBack(ctx, e.db, ids); err != nil && ctx.Err() == nil {
		rec("pull", t, 0, "", fmt.Errorf("put back: %w", err))
	}
}

// rawPull is the pull's own transaction: the first five waiting
// activities of the queue in pull order that no other transaction holds
// (FOR UPDATE SKIP LOCKED on PostgreSQL), assigned to user 1001 with
// their history, then put back as over HTTP.
func rawPull(ctx context.Context, e *env, rng *rand.Rand, rec recordFunc) {
	t := time.Now()
	now := casemgr.Millis(t)
	var ids []int64
	err := e.raw.write(ctx, func(tx *sql.Tx) error {
		skipLocked := ""
		if e.db.pg() {
			skipLocked = " FOR UPDATE SKIP LOCKED"
		}
		st, err := e.raw.txStmt(ctx, tx, `SELECT `+activityCols+` FROM activities WHERE status = 'awaiting_assignment'
			AND response_to = 0 AND queue_id = ? AND type NOT IN ('call_track', 'chat', 'web')
			ORDER BY (priority = ''), priority, created, id LIMIT 5`+skipLocked)
		if err != nil {
			return err
		}
		acts, err := e.raw.queryActivities(ctx, st, pullQueue)
		if err != nil || len(acts) == 0 {
			return err
		}
		ids = ids[:0]
		for _, a := range acts {
			ids = append(ids, a.ID)
		}
		after := nextModified(acts, now, func(a *casemgr.Activity) {
			a.Status, a.AssignedUser, a.Queue = casemgr.StatusAssigned, 1001, 0
			a.Pinned, a.LockedBy, a.LockExpires = false, 0, nil
		})
		up, err := e.raw.txStmt(ctx, tx, `UPDATE activities SET status = 'assigned', assigned_user_id = 1001, queue_id = 0,
			pinned = FALSE, locked_by = 0, lock_expires = NULL,
			last_modified = `+e.raw.greatest("last_modified + 1", "?")+`, last_modified_by = 1001 WHERE `+e.raw.in("id"))
		if err != nil {
			return err
		}
		if _, err := up.ExecContext(ctx, now.UnixMilli(), e.raw.ids(ids)); err != nil {
			return err
		}
		return e.raw.appendHistory(ctx, tx, "pull", now, acts, after)
	})
	recordRaw(rec, "pull", t, err)
	if err == nil {
		if err := putBack(ctx, e.db, ids); err != nil && ctx.Err() == nil {
			recordRaw(rec, "pull", t, fmt.Errorf("put back: %w", err))
		}
	}
}
