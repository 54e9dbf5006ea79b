package sqlstore

import (
	"database/sql"
	"errors"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// ---- Session limits and the failed-login limiter ----

// UserSessions returns the live login sessions of a user, oldest first;
// sessions obtained on behalf of the user are no login and are left out.
// With lock it first locks the user's row (PostgreSQL: SELECT ... FOR
// UPDATE), so that concurrent logins of one user in any process take
// turns between counting the sessions and inserting one; on SQLite the
// write transaction is the only one anyway.
func (t *tx) UserSessions(user casemgr.ID, now time.Time, lock bool) ([]casemgr.Session, error) {
	if lock {
		if err := t.writable("lock user sessions"); err != nil {
			return nil, err
		}
		if t.d.lockRows {
			var id int64
			if err := t.queryRow(`SELECT id FROM users WHERE id = ? FOR UPDATE`, []any{user}, &id); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, t.wrap("lock user sessions", err)
			}
		}
	}
	return queryList(t, "user sessions", scanSession, `SELECT `+sessionColumns+` FROM sessions
		WHERE user_id = ? AND revoked IS NULL AND expires > ? AND NOT on_behalf ORDER BY created, id`, user, millis(now))
}

// LoginFailures returns the failure counts of those keys that have one.
func (t *tx) LoginFailures(keys []string) ([]casemgr.LoginFailure, error) {
	return queryList(t, "login failures", func(r scanner) (casemgr.LoginFailure, error) {
		var f casemgr.LoginFailure
		var start int64
		err := r.Scan(&f.Key, &start, &f.Failures)
		f.Start = fromMillis(start)
		return f, err
	}, `SELECT key, window_start, failures FROM login_failures WHERE `+t.d.in("key")+` ORDER BY key`, t.d.strs(keys))
}

// AddLoginFailure counts a failure against each key in one statement per
// key: the upsert increments atomically, so concurrent failures in several
// processes are all counted.
func (t *tx) AddLoginFailure(keys []string, now time.Time, window time.Duration) error {
	const op = "add login failure"
	if err := t.writable(op); err != nil {
		return err
	}
	at, w := millis(now), window.Milliseconds()
	for _, k := range keys {
		if _, err := t.exec(op, `INSERT INTO login_failures (key, window_start, failures) VALUES (?, ?, 1)
			ON CONFLICT (key) DO UPDATE SET
				failures = CASE WHEN login_failures.window_start + ? <= ? THEN 1 ELSE login_failures.failures + 1 END,
				window_start = CASE WHEN login_failures.window_start + ? <= ? THEN ? ELSE login_failures.window_start END`,
			k, at, w, at, w, at, at); err != nil {
			return err
		}
	}
	return nil
}

// ClearLoginFailures forgets the failures of a key.
func (t *tx) ClearLoginFailures(key string) error {
	const op = "clear login failures"
	if err := t.writable(op); err != nil {
		return err
	}
	_, err := t.exec(op, `DELETE FROM login_failures WHERE key = ?`, key)
	return err
}
