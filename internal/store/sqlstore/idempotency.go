package sqlstore

import (
	"github.com/casemgr/casemgr/internal/casemgr"
)

// IdempotencyRecord returns the record of an actor's key.
func (t *tx) IdempotencyRecord(actor, key string) (*casemgr.IdempotencyRecord, error) {
	return queryOne(t, "idempotency record", func(r scanner) (casemgr.IdempotencyRecord, error) {
		var rec casemgr.IdempotencyRecord
		var created int64
		err := r.Scan(&rec.Actor, &rec.Key, &rec.BodyHash, &rec.Activity, &created)
		rec.Created = fromMillis(created)
		return rec, err
	}, `SELECT actor, key, body_hash, activity_id, created FROM idempotency_records WHERE actor = ? AND key = ?`,
		actor, key)
}

// InsertIdempotencyRecord stores a record, or fails with
// CodeIdempotencyInFlight when the actor's key has one. The conflict is
// detected with ON CONFLICT DO NOTHING rather than by a failed INSERT,
// which would abort a PostgreSQL transaction.
func (t *tx) InsertIdempotencyRecord(rec *casemgr.IdempotencyRecord) error {
	const op = "insert idempotency record"
	if err := t.writable(op); err != nil {
		return err
	}
	r, err := t.exec(op, `INSERT INTO idempotency_records (actor, key, body_hash, activity_id, created)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (actor, key) DO NOTHING`,
		rec.Actor, rec.Key, rec.BodyHash, rec.Activity, millis(rec.Created))
	if err != nil {
		return err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return t.wrap(op, err)
	}
	if n == 0 {
		return casemgr.E(casemgr.CodeIdempotencyInFlight, "value", rec.Key)
	}
	return nil
}
