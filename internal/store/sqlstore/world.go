package sqlstore

import (
	"fmt"
	"strconv"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

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

// LockWorld makes loads of fixture documents take turns: on PostgreSQL a
// transaction-level advisory lock (per schema) held until the transaction
// ends, so a second process starting on the same empty database waits for
// the first one's world and then sees it; on SQLite the write transaction is
// immediate, so writers take turns already.
func (t *tx) LockWorld() error {
	const op = "lock world"
	if err := t.writable(op); err != nil {
		return err
	}
	if !t.d.advisoryLocks {
		return nil
	}
	var ok bool
	if err := t.queryRow(`SELECT pg_advisory_xact_lock(hashtext('casemgr.world'), hashtext(coalesce(current_schema(), ''))) IS NULL`, nil, &ok); err != nil {
		return t.wrap(op, err)
	}
	return nil
}

// WorldOrigin returns the SHA-256 (hex) of the fixture document the world
// was loaded from, "" when it was not loaded from one.
func (t *tx) WorldOrigin() (string, error) {
	sum, err := queryOne(t, "world origin", func(r scanner) (string, error) {
		var s string
		err := r.Scan(&s)
		return s, err
	}, `SELECT document_sha256 FROM world_origin WHERE id = 1`)
	if err != nil || sum == nil {
		return "", err
	}
	return *sum, nil
}

// SetWorldOrigin records the SHA-256 of the fixture document the world was
// loaded from.
func (t *tx) SetWorldOrigin(sum string) error {
	const op = "set world origin"
	if err := t.writable(op); err != nil {
		return err
	}
	_, err := t.exec(op, `INSERT INTO world_origin (id, document_sha256, loaded) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET document_sha256 = excluded.document_sha256, loaded = excluded.loaded`,
		sum, millis(time.Now()))
	return err
}

// worldTables lists every table of the world, each after the tables that
// refer to it, so deleting in this order satisfies the foreign keys.
var worldTables = []string{
	"webhook_deliveries", "webhooks", "world_origin", "tokens", "sessions", "idempotency_records", "history", "attachments",
	"case_relations", "activities", "cases",
	"phone_keys", "contact_points", "contacts", "customers",
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
	if !t.d.sequences {
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

// IDs returns every ID of an entity table, ascending.
func (t *tx) IDs(table string) ([]casemgr.ID, error) {
	name, ok := idTables[table]
	if !ok {
		return nil, t.wrap("ids", fmt.Errorf("unknown entity table %q", table))
	}
	return queryList(t, "ids", func(r scanner) (casemgr.ID, error) {
		var id casemgr.ID
		err := r.Scan(&id)
		return id, err
	}, `SELECT id FROM `+name+` ORDER BY id`)
}
