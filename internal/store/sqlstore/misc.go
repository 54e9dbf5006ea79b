package sqlstore

import (
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// ---- History ----

// AppendHistory appends entries; the database numbers them, and each
// entry's Seq is set to its number.
func (t *tx) AppendHistory(entries []casemgr.HistoryEntry) error {
	const op = "append history"
	if err := t.writable(op); err != nil {
		return err
	}
	if t.d.dollar && len(entries) > 1 {
		return t.appendHistorySet(op, entries)
	}
	for i := range entries {
		e := &entries[i]
		if err := t.queryRow(`INSERT INTO history
			(entity, entity_id, action, actor, at, before_json, after_json)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			[]any{e.Entity, e.EntityID, e.Action, e.Actor, millis(e.At), e.Before, e.After}, &e.Seq); err != nil {
			return t.wrap(op, err)
		}
	}
	return nil
}

// appendHistorySet appends entries with one statement on PostgreSQL. The
// rows are inserted in the order of the entries (ORDER BY the ordinality),
// so their numbers, drawn from the sequence one row after the other, rise in
// that order: sorted, the returned numbers are the entries' in turn.
func (t *tx) appendHistorySet(op string, entries []casemgr.HistoryEntry) error {
	n := len(entries)
	entity, action, actor, before, after := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ids, at := make([]int64, n), make([]int64, n)
	for i, e := range entries {
		entity[i], ids[i], action[i], actor[i], at[i], before[i], after[i] = e.Entity, e.EntityID, e.Action, e.Actor, millis(e.At), e.Before, e.After
	}
	seqs, err := queryList(t, op, func(r scanner) (int64, error) {
		var seq int64
		err := r.Scan(&seq)
		return seq, err
	}, `INSERT INTO history (entity, entity_id, action, actor, at, before_json, after_json)
		SELECT u.entity, u.entity_id, u.action, u.actor, u.at, u.before_json, u.after_json
		FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[])
			WITH ORDINALITY AS u(entity, entity_id, action, actor, at, before_json, after_json, n)
		ORDER BY u.n RETURNING seq`, entity, ids, action, actor, at, before, after)
	if err != nil {
		return err
	}
	if len(seqs) != n {
		return t.wrap(op, fmt.Errorf("%d history entries inserted of %d", len(seqs), n))
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	for i := range entries {
		entries[i].Seq = seqs[i]
	}
	return nil
}

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

// ---- Attachments ----

// attachmentCols are the columns of an attachment but its data.
const attachmentCols = `id, activity_id, name, content_type, size, created, uploaded_by`

func scanAttachment(r scanner) (casemgr.Attachment, error) {
	var a casemgr.Attachment
	var created int64
	err := r.Scan(&a.ID, &a.Activity, &a.Name, &a.ContentType, &a.Size, &created, &a.UploadedBy)
	a.Created = fromMillis(created)
	return a, err
}

// InsertAttachment stores a new attachment with its bytes.
func (t *tx) InsertAttachment(a *casemgr.Attachment) error {
	const op = "insert attachment"
	if err := t.writable(op); err != nil {
		return err
	}
	data := a.Data
	if data == nil {
		data = []byte{} // the column is NOT NULL: no data is empty data
	}
	_, err := t.exec(op, `INSERT INTO attachments (`+attachmentCols+`, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Activity, a.Name, a.ContentType, a.Size, millis(a.Created), a.UploadedBy, data)
	return err
}

// Attachments returns the attachments with the given altIds, without their
// data, in ID order.
func (t *tx) Attachments(ids []string, forUpdate bool) ([]casemgr.Attachment, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return queryList(t, "attachments", scanAttachment,
		`SELECT `+attachmentCols+` FROM attachments WHERE `+t.d.in("id")+` ORDER BY id`+t.d.forUpdate(forUpdate && t.write),
		t.d.strs(ids))
}

// ActivityAttachments lists the attachments of an activity, without data,
// in the order they were uploaded.
func (t *tx) ActivityAttachments(activity casemgr.ID) ([]casemgr.Attachment, error) {
	return queryList(t, "activity attachments", scanAttachment,
		`SELECT `+attachmentCols+` FROM attachments WHERE activity_id = ? ORDER BY created, id`, activity)
}

// AttachmentData returns one attachment with its bytes (nil when it has
// none).
func (t *tx) AttachmentData(id string) (*casemgr.Attachment, error) {
	return queryOne(t, "attachment data", func(r scanner) (casemgr.Attachment, error) {
		var a casemgr.Attachment
		var created int64
		err := r.Scan(&a.ID, &a.Activity, &a.Name, &a.ContentType, &a.Size, &created, &a.UploadedBy, &a.Data)
		a.Created = fromMillis(created)
		if len(a.Data) == 0 {
			a.Data = nil
		}
		return a, err
	}, `SELECT `+attachmentCols+`, data FROM attachments WHERE id = ?`, id)
}

// AttachAttachments marks the attachments as used by an activity; every one
// of them must exist.
func (t *tx) AttachAttachments(ids []string, activity casemgr.ID) error {
	const op = "attach attachments"
	if err := t.writable(op); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	unique := map[string]bool{}
	for _, id := range ids {
		unique[id] = true
	}
	r, err := t.exec(op, `UPDATE attachments SET activity_id = ? WHERE `+t.d.in("id"), activity, t.d.strs(ids))
	if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err != nil {
		return t.wrap(op, err)
	} else if n != int64(len(unique)) {
		return t.wrap(op, fmt.Errorf("%d of %d attachments do not exist", int64(len(unique))-n, len(unique)))
	}
	return nil
}

// ---- Sessions and tokens ----

// InsertSession stores a new login session.
func (t *tx) InsertSession(s *casemgr.Session) error {
	const op = "insert session"
	if err := t.writable(op); err != nil {
		return err
	}
	_, err := t.exec(op, `INSERT INTO sessions (id, user_id, client_id, created, expires, revoked) VALUES (?, ?, ?, ?, ?, ?)`,
		s.ID, s.User, s.ClientID, millis(s.Created), millis(s.Expires), millisPtr(s.Revoked))
	return err
}

func scanSession(r scanner) (casemgr.Session, error) {
	var s casemgr.Session
	var created, expires int64
	var revoked sql.NullInt64
	err := r.Scan(&s.ID, &s.User, &s.ClientID, &created, &expires, &revoked)
	s.Created, s.Expires, s.Revoked = fromMillis(created), fromMillis(expires), fromNullMillis(revoked)
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
		`SELECT id, user_id, client_id, created, expires, revoked FROM sessions WHERE id = ?`, id)
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
		var sid, client sql.NullString
		var user, created, sexpires, revoked sql.NullInt64
		if err := r.Scan(&x.k.Hash, &x.k.Session, &x.k.Kind, &expires,
			&sid, &user, &client, &created, &sexpires, &revoked); err != nil {
			return x, err
		}
		x.k.Expires = fromMillis(expires)
		if sid.Valid {
			x.s = &casemgr.Session{ID: sid.String, User: user.Int64, ClientID: client.String,
				Created: fromMillis(created.Int64), Expires: fromMillis(sexpires.Int64), Revoked: fromNullMillis(revoked)}
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
const tokenWithSessionSQL = `SELECT t.hash, t.session_id, t.kind, t.expires, s.id, s.user_id, s.client_id, s.created, s.expires, s.revoked
	FROM tokens t LEFT JOIN sessions s ON s.id = t.session_id WHERE t.hash = ?`

// userLoggedInSQL counts (0 or 1) the live sessions of a user.
const userLoggedInSQL = `SELECT COUNT(*) FROM (SELECT 1 FROM sessions
	WHERE user_id = ? AND revoked IS NULL AND expires > ? LIMIT 1) live`

// historySQL is the history of one entity.
const historySQL = `SELECT seq, entity, entity_id, action, actor, at, before_json, after_json
	FROM history WHERE entity = ? AND entity_id = ? ORDER BY seq`

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

// ---- Idempotency ----

// IdempotencyRecord returns the record of an actor's key.
func (t *tx) IdempotencyRecord(actor, key string) (*casemgr.IdempotencyRecord, error) {
	return queryOne(t, "idempotency record", func(r scanner) (casemgr.IdempotencyRecord, error) {
		var rec casemgr.IdempotencyRecord
		var created int64
		err := r.Scan(&rec.Actor, &rec.Key, &rec.BodyHash, &rec.Status, &rec.Location, &created)
		rec.Created = fromMillis(created)
		return rec, err
	}, `SELECT actor, key, body_hash, status, location, created FROM idempotency_records WHERE actor = ? AND key = ?`,
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
	r, err := t.exec(op, `INSERT INTO idempotency_records (actor, key, body_hash, status, location, created)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (actor, key) DO NOTHING`,
		rec.Actor, rec.Key, rec.BodyHash, rec.Status, rec.Location, millis(rec.Created))
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

// ---- Fixtures and administration ----

// Empty reports whether the database holds no departments, users,
// customers, cases or activities.
func (t *tx) Empty() (bool, error) {
	var n int
	err := t.queryRow(`SELECT
		(SELECT COUNT(*) FROM (SELECT 1 FROM departments LIMIT 1) a) +
		(SELECT COUNT(*) FROM (SELECT 1 FROM users LIMIT 1) b) +
		(SELECT COUNT(*) FROM (SELECT 1 FROM customers LIMIT 1) c) +
		(SELECT COUNT(*) FROM (SELECT 1 FROM cases LIMIT 1) d) +
		(SELECT COUNT(*) FROM (SELECT 1 FROM activities LIMIT 1) e)`, nil, &n)
	if err != nil {
		return false, t.wrap("empty", err)
	}
	return n == 0, nil
}

// worldTables lists every table of the world, each after the tables that
// refer to it, so deleting in this order satisfies the foreign keys.
var worldTables = []string{
	"tokens", "sessions", "idempotency_records", "history", "attachments",
	"case_relations", "activities", "cases",
	"contact_points", "contacts", "customers",
	"users", "client_apps", "queues", "departments",
	"calltrack_subtypes", "attribute_defs", "settings",
}

// DeleteWorld removes every entity of the world, with sessions, tokens,
// attachments, history, idempotency records, settings, calltrack subtypes
// and attribute definitions. The schema and its migrations stay.
func (t *tx) DeleteWorld() error {
	const op = "delete world"
	if err := t.writable(op); err != nil {
		return err
	}
	t.configChanged()
	for _, table := range worldTables {
		if _, err := t.exec(op, `DELETE FROM `+table); err != nil {
			return err
		}
	}
	return nil
}

// idTables are the tables whose IDs the database assigns, by the entity
// names of Exists.
var idTables = map[string]string{
	"department":   "departments",
	"queue":        "queues",
	"user":         "users",
	"customer":     "customers",
	"contact":      "contacts",
	"contactpoint": "contact_points",
	"case":         "cases",
	"activity":     "activities",
}

// SyncIDs makes IDs assigned from now on greater than every stored ID: the
// next ID of each table is its largest ID plus one, on both engines (so a
// world reloaded after DeleteWorld numbers new entities as SQLite does).
// SQLite always assigns the largest plus one and needs nothing. On
// PostgreSQL each table is locked against writers first (SHARE), so an
// insert in flight elsewhere is counted rather than handed a duplicate ID,
// and the sequence is moved with ALTER SEQUENCE, which, unlike setval,
// rolls back with the transaction.
func (t *tx) SyncIDs() error {
	const op = "sync ids"
	if err := t.writable(op); err != nil {
		return err
	}
	if !t.d.lockRows {
		return nil
	}
	for _, table := range []string{"departments", "queues", "users", "customers", "contacts",
		"contact_points", "cases", "activities"} {
		if _, err := t.exec(op, `LOCK TABLE `+table+` IN SHARE MODE`); err != nil {
			return err
		}
		var seq string
		var next int64
		if err := t.queryRow(`SELECT pg_get_serial_sequence('`+table+`', 'id'), COALESCE(MAX(id), 0) + 1 FROM `+table,
			nil, &seq, &next); err != nil {
			return t.wrap(op, err)
		}
		// seq comes quoted from pg_get_serial_sequence and next is an
		// integer: ALTER SEQUENCE takes no parameters.
		if _, err := t.exec(op, `ALTER SEQUENCE `+seq+` RESTART WITH `+strconv.FormatInt(next, 10)); err != nil {
			return err
		}
	}
	return nil
}

// Exists reports, for each of the IDs, whether the entity exists; table is
// one of "department", "queue", "user", "customer", "contact",
// "contactpoint", "case", "activity". Every ID asked for is a key of the
// answer.
func (t *tx) Exists(table string, ids []casemgr.ID) (map[casemgr.ID]bool, error) {
	name, ok := idTables[table]
	if !ok {
		return nil, t.wrap("exists", fmt.Errorf("unknown entity table %q", table))
	}
	out := make(map[casemgr.ID]bool, len(ids))
	for _, id := range ids {
		out[id] = false
	}
	if len(ids) == 0 {
		return out, nil
	}
	found, err := queryList(t, "exists", func(r scanner) (casemgr.ID, error) {
		var id casemgr.ID
		err := r.Scan(&id)
		return id, err
	}, `SELECT id FROM `+name+` WHERE `+t.d.in("id"), t.d.ids(ids))
	if err != nil {
		return nil, err
	}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}
