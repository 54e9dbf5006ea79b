package bench

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// complete-75: PATCH /activity/complete of the 75 activities of a batch of
// transfer-75 (the same pool: one client per batch at a time).
//
// Completing cannot be undone through the API, and a complete needs its
// activities assigned to the caller. So before each request, outside the
// measured time, reopenBatch makes the batch open again and assigns it to
// the client's user: one UPDATE of its 75 rows (status assigned, no
// queue, unpinned, unlocked; lastModified untouched), as pull puts back
// what it pulled. The raw run does the same before each of its
// transactions, so both rates bear its cost on the database (it holds the
// writer for a moment on SQLite) and their ratio compares like with like.
// After the runs, restoreCompleted reopens any batch a run left completed,
// so the world stays what Discover expects.
//
// The 75 activities are 75 of the 80 open emails of a bulk case: the case
// keeps 5 open activities and stays open. What is measured is the
// completion of 75 activities with the check of their case's open
// activities, not the closing of a case.

// reopenBatch makes the batch's activities assigned to user, open, neither
// pinned nor locked. It is no part of the measured operation.
func reopenBatch(ctx context.Context, db *DB, b *batch, user int64) error {
	_, err := db.Write.ExecContext(context.WithoutCancel(ctx), db.sql(`UPDATE activities SET status = 'assigned',
		assigned_user_id = ?, queue_id = 0, pinned = FALSE, locked_by = 0, lock_expires = NULL
		WHERE id IN (`+idList(b.ids)+`)`), user)
	if err == nil {
		b.picker = user
	}
	return err
}

// restoreCompleted reopens, assigned to the first bench user, every
// activity of the complete-75 batches that a run left completed.
func (w *Workload) restoreCompleted(ctx context.Context, db *DB) error {
	p := w.pools["complete-75"]
	var ids []int64
	for range p.size {
		b := <-p.ch
		ids = append(ids, b.ids...)
		b.picker = 0
		defer p.put(b)
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := db.Write.ExecContext(context.WithoutCancel(ctx), db.sql(`UPDATE activities SET status = 'assigned',
		assigned_user_id = ?, queue_id = 0, pinned = FALSE, locked_by = 0, lock_expires = NULL
		WHERE status = 'completed' AND id IN (`+idList(ids)+`)`), BenchUserID(1))
	return err
}

// httpComplete completes the batch as the client's user, after reopening
// it for that user (unmeasured).
func httpComplete(name string) func(context.Context, *env, *client, *rand.Rand, recordFunc) {
	return func(ctx context.Context, e *env, c *client, rng *rand.Rand, rec recordFunc) {
		withBatch(ctx, e, name, func(b *batch) {
			if err := reopenBatch(ctx, e.db, b, c.user); err != nil {
				rec(name, time.Now(), 0, "", err)
				return
			}
			fetchAndPatch(ctx, c, name, "id,lastModified", b, rec, func([]fetchedActivity) string { return "/activity/complete" })
		})
	}
}

// rawComplete is complete-75's own SQL, after the same unmeasured reopening
// (for the first bench user): lock the activities and their case, check
// each lastModified, complete them (substatus done, unpinned, unlocked,
// lastModified moved), find which of their cases still has an open
// activity, close those that have none, and append the history entries.
func rawComplete(name string) func(context.Context, *env, *rand.Rand, recordFunc) {
	prepare := func(ctx context.Context, e *env, b *batch) error { return reopenBatch(ctx, e.db, b, BenchUserID(1)) }
	return rawFetched(name, prepare, func(ctx context.Context, e *env, b *batch, seen map[int64]int64) error {
		now := casemgr.Millis(time.Now())
		return e.raw.write(ctx, func(tx *sql.Tx) error {
			acts, err := e.raw.lockFresh(ctx, tx, b, seen)
			if err != nil {
				return err
			}
			cases := caseIDs(acts)
			if err := e.raw.lockCases(ctx, tx, cases); err != nil {
				return err
			}
			after := nextModified(acts, now, func(a *casemgr.Activity) {
				a.Status, a.Substatus, a.Pinned, a.LockedBy, a.LockExpires = casemgr.StatusCompleted, "", false, 0, nil
			})
			up, err := e.raw.txStmt(ctx, tx, `UPDATE activities SET status = 'completed', substatus = '', pinned = FALSE,
				locked_by = 0, lock_expires = NULL, last_modified = `+e.raw.greatest("last_modified + 1", "?")+`,
				last_modified_by = 1001 WHERE `+e.raw.in("id"))
			if err != nil {
				return err
			}
			if _, err := up.ExecContext(ctx, now.UnixMilli(), e.raw.ids(b.ids)); err != nil {
				return err
			}
			if err := e.raw.closeCasesWithoutOpenActivity(ctx, tx, cases, now); err != nil {
				return err
			}
			return e.raw.appendHistory(ctx, tx, "complete", now, acts, after)
		})
	})
}

// caseIDs are the distinct cases of activities, in ID order.
func caseIDs(acts []casemgr.Activity) []int64 {
	seen := map[int64]bool{}
	var ids []int64
	for _, a := range acts {
		if a.Case != 0 && !seen[a.Case] {
			seen[a.Case] = true
			ids = append(ids, a.Case)
		}
	}
	return ids
}

// lockCases reads and locks the cases (FOR UPDATE on PostgreSQL).
func (r *rawSQL) lockCases(ctx context.Context, tx *sql.Tx, ids []int64) error {
	st, err := r.txStmt(ctx, tx, `SELECT id, status FROM cases WHERE `+r.in("id")+` ORDER BY id`+r.lock())
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(ctx, r.ids(ids))
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var id int64
		var status string
		if err := rows.Scan(&id, &status); err != nil {
			return err
		}
	}
	return rows.Err()
}

// closeCasesWithoutOpenActivity closes those of the cases that have no
// open activity left, with a history entry each.
func (r *rawSQL) closeCasesWithoutOpenActivity(ctx context.Context, tx *sql.Tx, cases []int64, now time.Time) error {
	st, err := r.txStmt(ctx, tx, `SELECT DISTINCT case_id FROM activities WHERE `+r.in("case_id")+` AND status <> 'completed'`)
	if err != nil {
		return err
	}
	open := map[int64]bool{}
	rows, err := st.QueryContext(ctx, r.ids(cases))
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close()
			return err
		}
		open[id] = true
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range cases {
		if open[id] {
			continue
		}
		up, err := r.txStmt(ctx, tx, `UPDATE cases SET status = 'closed', last_closed = ?, last_modified = `+
			r.greatest("last_modified + 1", "?")+`, last_modified_by = 1001 WHERE id = ?`)
		if err != nil {
			return err
		}
		if _, err := up.ExecContext(ctx, now.UnixMilli(), now.UnixMilli(), id); err != nil {
			return err
		}
		h, err := r.txStmt(ctx, tx, `INSERT INTO history (entity, entity_id, action, actor, at, before_json, after_json)
			VALUES ('case', ?, 'complete', ?, ?, '{"status":"open"}', '{"status":"closed"}')`)
		if err != nil {
			return err
		}
		if _, err := h.ExecContext(ctx, id, rawActor, now.UnixMilli()); err != nil {
			return err
		}
	}
	return nil
}
