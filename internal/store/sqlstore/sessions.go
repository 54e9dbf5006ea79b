package sqlstore

import (
	"database/sql"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// InsertSession stores a new login session.
func (t *tx) InsertSession(s *casemgr.Session) error {
	const op = "insert session"
	if err := t.writable(op); err != nil {
		return err
	}
	_, err := t.exec(op, `INSERT INTO sessions (id, user_id, client_id, created, expires, revoked, scopes, on_behalf) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.User, s.ClientID, millis(s.Created), millis(s.Expires), millisPtr(s.Revoked), strings.Join(s.Scopes, " "), s.OnBehalf)
	return err
}

// sessionColumns are the columns scanSession reads.
const sessionColumns = `id, user_id, client_id, created, expires, revoked, scopes, on_behalf`

// scopeList reads the space-separated scopes of a session; none is nil,
// as every empty list reads back.
func scopeList(s string) []string {
	if f := strings.Fields(s); len(f) > 0 {
		return f
	}
	return nil
}

func scanSession(r scanner) (casemgr.Session, error) {
	var s casemgr.Session
	var created, expires int64
	var revoked sql.NullInt64
	var scopes string
	err := r.Scan(&s.ID, &s.User, &s.ClientID, &created, &expires, &revoked, &scopes, &s.OnBehalf)
	s.Created, s.Expires, s.Revoked = fromMillis(created), fromMillis(expires), fromNullMillis(revoked)
	s.Scopes = scopeList(scopes)
	return s, err
}

// Session returns a session by ID. In a read transaction, the session of
// a token just read by Token comes with it, without a query.
func (t *tx) Session(id string) (*casemgr.Session, error) {
	if s, ok := t.sessions[id]; ok && !t.write {
		if s == nil {
			return nil, nil
		}
		c := *s
		return &c, nil
	}
	return queryOne(t, "session", scanSession,
		`SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id)
}

// ExtendSession moves a session's expiry; an unknown session is no error.
func (t *tx) ExtendSession(id string, expires time.Time) error {
	const op = "extend session"
	if err := t.writable(op); err != nil {
		return err
	}
	_, err := t.exec(op, `UPDATE sessions SET expires = ? WHERE id = ?`, millis(expires), id)
	return err
}

// RevokeSession ends a session at a time. Revoking a revoked session keeps
// the first revocation; an unknown session is no error.
func (t *tx) RevokeSession(id string, at time.Time) error {
	const op = "revoke session"
	if err := t.writable(op); err != nil {
		return err
	}
	t.authDirty = true
	_, err := t.exec(op, `UPDATE sessions SET revoked = ? WHERE id = ? AND revoked IS NULL`, millis(at), id)
	return err
}

// InsertToken stores a new token by the hash of its secret.
func (t *tx) InsertToken(k *casemgr.Token) error {
	const op = "insert token"
	if err := t.writable(op); err != nil {
		return err
	}
	_, err := t.exec(op, `INSERT INTO tokens (hash, session_id, kind, expires) VALUES (?, ?, ?, ?)`,
		k.Hash, k.Session, k.Kind, millis(k.Expires))
	return err
}

// Token returns a token by the hash of its secret. In a read transaction
// its session is read by the same query (a token is always checked with its
// session) and kept for Session: one round trip instead of two.
func (t *tx) Token(hash string) (*casemgr.Token, error) {
	if t.write {
		return queryOne(t, "token", scanToken, `SELECT hash, session_id, kind, expires FROM tokens WHERE hash = ?`, hash)
	}
	type tokenSession struct {
		k casemgr.Token
		s *casemgr.Session
	}
	ts, err := queryOne(t, "token", func(r scanner) (tokenSession, error) {
		var x tokenSession
		var expires int64
		var sid, client, scopes sql.NullString
		var user, created, sexpires, revoked sql.NullInt64
		var onBehalf sql.NullBool
		if err := r.Scan(&x.k.Hash, &x.k.Session, &x.k.Kind, &expires,
			&sid, &user, &client, &created, &sexpires, &revoked, &scopes, &onBehalf); err != nil {
			return x, err
		}
		x.k.Expires = fromMillis(expires)
		if sid.Valid {
			x.s = &casemgr.Session{ID: sid.String, User: user.Int64, ClientID: client.String,
				Created: fromMillis(created.Int64), Expires: fromMillis(sexpires.Int64), Revoked: fromNullMillis(revoked),
				Scopes: scopeList(scopes.String), OnBehalf: onBehalf.Bool}
		}
		return x, nil
	}, tokenWithSessionSQL, hash)
	if err != nil || ts == nil {
		return nil, err
	}
	if t.sessions == nil {
		t.sessions = map[string]*casemgr.Session{}
	}
	t.sessions[ts.k.Session] = ts.s
	return &ts.k, nil
}

// tokenWithSessionSQL reads a token with its session.
const tokenWithSessionSQL = `SELECT t.hash, t.session_id, t.kind, t.expires, s.id, s.user_id, s.client_id, s.created, s.expires, s.revoked,
	s.scopes, s.on_behalf FROM tokens t LEFT JOIN sessions s ON s.id = t.session_id WHERE t.hash = ?`

// userLoggedInSQL counts (0 or 1) the live login sessions of a user;
// sessions obtained on behalf of the user are no login.
const userLoggedInSQL = `SELECT COUNT(*) FROM (SELECT 1 FROM sessions
	WHERE user_id = ? AND revoked IS NULL AND expires > ? AND NOT on_behalf LIMIT 1) live`

func scanToken(r scanner) (casemgr.Token, error) {
	var k casemgr.Token
	var expires int64
	err := r.Scan(&k.Hash, &k.Session, &k.Kind, &expires)
	k.Expires = fromMillis(expires)
	return k, err
}

// UserLoggedIn reports whether the user has a session, not revoked, that
// expires after now. Sessions of client applications (user 0) never count.
func (t *tx) UserLoggedIn(user casemgr.ID, now time.Time) (bool, error) {
	if user == 0 {
		return false, nil
	}
	var n int
	err := t.queryRow(userLoggedInSQL, []any{user, millis(now)}, &n)
	if err != nil {
		return false, t.wrap("user logged in", err)
	}
	return n > 0, nil
}
