package sqlstore

import "time"

// Purge deletes expired and revoked sessions with their tokens, expired
// tokens of live sessions (old access tokens, used refresh tokens), old
// idempotency records, and failed-login windows that began before
// sessionsBefore (a window lasts minutes, far less than sessions are kept). Every statement is idempotent, so several processes
// may purge one database at once.
func (t *tx) Purge(sessionsBefore, idempotencyBefore time.Time) (int64, error) {
	const op = "purge"
	if err := t.writable(op); err != nil {
		return 0, err
	}
	cut, idem := millis(sessionsBefore), millis(idempotencyBefore)
	var n int64
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM tokens WHERE expires < ? OR session_id IN
			(SELECT id FROM sessions WHERE expires < ? OR revoked < ?)`, []any{cut, cut, cut}},
		{`DELETE FROM sessions WHERE expires < ? OR revoked < ?`, []any{cut, cut}},
		{`DELETE FROM idempotency_records WHERE created < ?`, []any{idem}},
		{`DELETE FROM login_failures WHERE window_start < ?`, []any{cut}},
	} {
		r, err := t.exec(op, q.sql, q.args...)
		if err != nil {
			return n, err
		}
		if c, err := r.RowsAffected(); err == nil {
			n += c
		}
	}
	return n, nil
}
