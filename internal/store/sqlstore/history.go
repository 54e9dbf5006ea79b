package sqlstore

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// AppendHistory appends entries, and the event of each (events.go); the
// database numbers them, and each entry's Seq is set to its number.
func (t *tx) AppendHistory(entries []casemgr.HistoryEntry) error {
	const op = "append history"
	if err := t.writable(op); err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	if t.d.batchWrites && (len(entries) > 1 || t.canDefer()) {
		if err := t.appendHistorySet(op, entries); err != nil {
			return err
		}
		return t.appendEvents(op, entries)
	}
	for chunk := range slices.Chunk(entries, rowsPerInsert) {
		if err := t.appendHistoryRows(op, chunk); err != nil {
			return err
		}
	}
	return t.appendEvents(op, entries)
}

// rowsPerInsert is the most rows one INSERT of history or events writes on
// SQLite: a request's entries take one statement per rowsPerInsert of them
// (each statement on the one writer costs its own step), and the
// statements of 1 to rowsPerInsert rows are few enough to stay prepared.
const rowsPerInsert = 16

// valueRows is the VALUES list of n rows of cols placeholders each.
func valueRows(n, cols int) string {
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	return strings.Repeat(row+", ", n-1) + row
}

// appendHistoryRows appends entries with one INSERT (SQLite). The rows
// are numbered in the order of the VALUES; RETURNING answers in no
// promised order, so the numbers are sorted, as appendHistorySet's.
func (t *tx) appendHistoryRows(op string, entries []casemgr.HistoryEntry) error {
	args := make([]any, 0, 7*len(entries))
	for _, e := range entries {
		args = append(args, e.Entity, e.EntityID, e.Action, e.Actor, millis(e.At), e.Before, e.After)
	}
	if len(entries) == 1 {
		if err := t.queryRow(`INSERT INTO history (entity, entity_id, action, actor, at, before_json, after_json)
			VALUES `+valueRows(1, 7)+` RETURNING seq`, args, &entries[0].Seq); err != nil {
			return t.wrap(op, err)
		}
		return nil
	}
	seqs, err := queryList(t, op, func(r scanner) (int64, error) {
		var seq int64
		err := r.Scan(&seq)
		return seq, err
	}, `INSERT INTO history (entity, entity_id, action, actor, at, before_json, after_json)
		VALUES `+valueRows(len(entries), 7)+` RETURNING seq`, args...)
	if err != nil {
		return err
	}
	if len(seqs) != len(entries) {
		return t.wrap(op, fmt.Errorf("%d history entries inserted of %d", len(seqs), len(entries)))
	}
	slices.Sort(seqs)
	for i := range entries {
		entries[i].Seq = seqs[i]
	}
	return nil
}

// appendHistorySet appends entries with one statement on PostgreSQL. The
// rows are inserted in the order of the entries (ORDER BY the ordinality),
// so their numbers, drawn from the sequence one row after the other, rise in
// that order: sorted, the returned numbers are the entries' in turn. In a
// write transaction under way the statement is deferred (pipeline.go): the
// entries' numbers are set when it has run, by the end of the Write.
func (t *tx) appendHistorySet(op string, entries []casemgr.HistoryEntry) error {
	n := len(entries)
	entity, action, actor, before, after := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ids, at := make([]int64, n), make([]int64, n)
	for i, e := range entries {
		entity[i], ids[i], action[i], actor[i], at[i], before[i], after[i] = e.Entity, e.EntityID, e.Action, e.Actor, millis(e.At), e.Before, e.After
	}
	seqs := make([]int64, 0, n)
	row := func(r scanner) error {
		var seq int64
		err := r.Scan(&seq)
		seqs = append(seqs, seq)
		return err
	}
	done := func() error {
		if len(seqs) != n {
			return t.wrap(op, fmt.Errorf("%d history entries inserted of %d", len(seqs), n))
		}
		slices.Sort(seqs)
		for i := range entries {
			entries[i].Seq = seqs[i]
		}
		return nil
	}
	args := []any{entity, ids, action, actor, at, before, after}
	if t.canDefer() {
		t.deferQuery(op, historySetInsert, row, done, args...)
		return nil
	}
	if err := t.each(historySetInsert, args, row); err != nil {
		return t.wrap(op, err)
	}
	return done()
}

// historySetInsert appends history entries from arrays of their fields.
const historySetInsert = `INSERT INTO history (entity, entity_id, action, actor, at, before_json, after_json)
		SELECT u.entity, u.entity_id, u.action, u.actor, u.at, u.before_json, u.after_json
		FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[])
			WITH ORDINALITY AS u(entity, entity_id, action, actor, at, before_json, after_json, n)
		ORDER BY u.n RETURNING seq`

// History returns the history of one entity, oldest first.
func (t *tx) History(entity string, id casemgr.ID) ([]casemgr.HistoryEntry, error) {
	return queryList(t, "history", func(r scanner) (casemgr.HistoryEntry, error) {
		var e casemgr.HistoryEntry
		var at int64
		err := r.Scan(&e.Seq, &e.Entity, &e.EntityID, &e.Action, &e.Actor, &at, &e.Before, &e.After)
		e.At = fromMillis(at)
		return e, err
	}, historySQL, entity, id)
}

// historySQL is the history of one entity.
const historySQL = `SELECT seq, entity, entity_id, action, actor, at, before_json, after_json
	FROM history WHERE entity = ? AND entity_id = ? ORDER BY seq`

// PurgeHistory deletes at most limit of the oldest history entries, up to
// the first one recorded at or after before: entries go as a prefix by
// number, so none recorded at or after before is deleted, and the scan for
// the first kept entry walks only the entries it deletes. limit bounds the
// transaction, so that a first purge of a large history does not hold the
// writer for long: the janitor calls again while limit entries went.
func (t *tx) PurgeHistory(before time.Time, limit int) (int64, error) {
	const op = "purge history"
	if err := t.writable(op); err != nil {
		return 0, err
	}
	var first, through int64
	err := t.queryRow(`SELECT seq - 1 FROM history WHERE at >= ? ORDER BY seq LIMIT 1`, []any{millis(before)}, &through)
	if err == sql.ErrNoRows {
		err = t.queryRow(`SELECT coalesce(max(seq), 0) FROM history`, nil, &through)
	}
	if err == nil {
		err = t.queryRow(`SELECT coalesce(min(seq), 0) FROM history`, nil, &first)
	}
	if err != nil {
		return 0, t.wrap(op, err)
	}
	r, err := t.exec(op, `DELETE FROM history WHERE seq <= ?`, min(through, first+int64(max(limit, 1))-1))
	if err != nil {
		return 0, err
	}
	n, _ := r.RowsAffected()
	return n, nil
}
