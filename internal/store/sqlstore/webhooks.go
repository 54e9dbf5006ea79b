package sqlstore

import (
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Webhooks and their delivery logs (casemgr.Webhook). A webhook's queue
// state lives in its row; a process delivering to it holds its lease
// (lease_owner until lease_expires), so processes share the webhooks
// without delivering one event twice in the normal case.

const webhookCols = `id, client_id, url, secret, event_types, created, status,
	queue_cursor, attempts, first_failure, next_attempt, lease_owner, lease_expires`

// zeroMillis stores a zero time as 0.
func zeroMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return millis(t)
}

func fromZeroMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return fromMillis(ms)
}

func scanWebhook(r scanner) (casemgr.Webhook, error) {
	var h casemgr.Webhook
	var types string
	var created, firstFailure, next, lease int64
	err := r.Scan(&h.ID, &h.Client, &h.URL, &h.Secret, &types, &created, &h.Status,
		&h.Queue.Cursor, &h.Queue.Attempts, &firstFailure, &next, &h.Queue.LeaseOwner, &lease)
	if err != nil {
		return h, err
	}
	h.Created = fromMillis(created)
	h.Queue.FirstFailure, h.Queue.NextAttempt, h.Queue.LeaseExpires =
		fromZeroMillis(firstFailure), fromZeroMillis(next), fromZeroMillis(lease)
	h.EventTypes, err = decList[string](types, "webhook event types")
	return h, err
}

// Webhooks returns the webhooks of a client application ("": of all), by
// ID.
func (t *tx) Webhooks(client string) ([]casemgr.Webhook, error) {
	if client == "" {
		return queryList(t, "webhooks", scanWebhook, `SELECT `+webhookCols+` FROM webhooks ORDER BY id`)
	}
	return queryList(t, "webhooks", scanWebhook,
		`SELECT `+webhookCols+` FROM webhooks WHERE client_id = ? ORDER BY id`, client)
}

// Webhook returns a webhook by ID.
func (t *tx) Webhook(id casemgr.ID) (*casemgr.Webhook, error) {
	return queryOne(t, "webhook", scanWebhook, `SELECT `+webhookCols+` FROM webhooks WHERE id = ?`, id)
}

var webhooksTable = newTable("webhooks", "client_id", "url", "secret", "event_types", "created", "status",
	"queue_cursor", "attempts", "first_failure", "next_attempt", "lease_owner", "lease_expires")

// InsertWebhook stores a webhook with its queue.
func (t *tx) InsertWebhook(h *casemgr.Webhook) error {
	const op = "insert webhook"
	if err := t.writable(op); err != nil {
		return err
	}
	types := ""
	if len(h.EventTypes) > 0 {
		types = encList(h.EventTypes)
	}
	q := h.Queue
	t.addedWebhook = true
	return t.insertRow(op, webhooksTable, &h.ID, h.Client, h.URL, h.Secret, types, millis(h.Created), h.Status,
		q.Cursor, q.Attempts, zeroMillis(q.FirstFailure), zeroMillis(q.NextAttempt), q.LeaseOwner, zeroMillis(q.LeaseExpires))
}

// DeleteWebhook removes a webhook and its delivery log.
func (t *tx) DeleteWebhook(id casemgr.ID) error {
	const op = "delete webhook"
	if err := t.writable(op); err != nil {
		return err
	}
	if _, err := t.exec(op, `DELETE FROM webhook_deliveries WHERE webhook_id = ?`, id); err != nil {
		return err
	}
	_, err := t.exec(op, `DELETE FROM webhooks WHERE id = ?`, id)
	return err
}

// ClaimWebhooks takes the leases of the due, free webhooks among ids. On
// PostgreSQL the rows are locked with SKIP LOCKED, so processes claiming at
// once take different webhooks instead of waiting for each other; on
// SQLite the one writer claims alone.
func (t *tx) ClaimWebhooks(ids []casemgr.ID, owner string, now, leaseUntil time.Time) ([]casemgr.Webhook, error) {
	const op = "claim webhooks"
	if err := t.writable(op); err != nil {
		return nil, err
	}
	lock := ""
	if t.d.lockRows {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	return queryList(t, op, scanWebhook, `UPDATE webhooks SET lease_owner = ?, lease_expires = ?
		WHERE id IN (SELECT id FROM webhooks WHERE `+t.d.in("id")+` AND next_attempt <= ? AND lease_expires <= ?
			ORDER BY id`+lock+`)
		RETURNING `+webhookCols, owner, millis(leaseUntil), t.d.ids(ids), millis(now), millis(now))
}

// UpdateWebhookQueue writes a webhook's status and queue if owner holds its
// lease.
func (t *tx) UpdateWebhookQueue(id casemgr.ID, owner, status string, q casemgr.WebhookQueue) (bool, error) {
	const op = "update webhook queue"
	if err := t.writable(op); err != nil {
		return false, err
	}
	r, err := t.exec(op, `UPDATE webhooks SET status = ?, queue_cursor = ?, attempts = ?, first_failure = ?,
		next_attempt = ?, lease_owner = ?, lease_expires = ? WHERE id = ? AND lease_owner = ?`,
		status, q.Cursor, q.Attempts, zeroMillis(q.FirstFailure), zeroMillis(q.NextAttempt), q.LeaseOwner,
		zeroMillis(q.LeaseExpires), id, owner)
	if err != nil {
		return false, err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return false, t.wrap(op, err)
	}
	return n == 1, nil
}

var deliveriesTable = newTable("webhook_deliveries", "webhook_id", "event_id", "attempt", "status", "error", "at")

// InsertDelivery appends an entry to a delivery log.
func (t *tx) InsertDelivery(d *casemgr.Delivery) error {
	const op = "insert delivery"
	if err := t.writable(op); err != nil {
		return err
	}
	return t.insertRow(op, deliveriesTable, &d.ID, d.Webhook, d.Event, d.Attempt, d.Status, d.Error, millis(d.Time))
}

// Deliveries returns the newest entries of a delivery log, newest first.
func (t *tx) Deliveries(webhook casemgr.ID, limit int) ([]casemgr.Delivery, error) {
	return queryList(t, "deliveries", func(r scanner) (casemgr.Delivery, error) {
		var d casemgr.Delivery
		var at int64
		err := r.Scan(&d.ID, &d.Webhook, &d.Event, &d.Attempt, &d.Status, &d.Error, &at)
		d.Time = fromMillis(at)
		return d, err
	}, `SELECT `+deliveriesTable.all+` FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ?`,
		webhook, limit)
}

// PurgeDeliveries deletes the delivery log entries older than before.
func (t *tx) PurgeDeliveries(before time.Time) (int64, error) {
	const op = "purge deliveries"
	if err := t.writable(op); err != nil {
		return 0, err
	}
	r, err := t.exec(op, `DELETE FROM webhook_deliveries WHERE at < ?`, millis(before))
	if err != nil {
		return 0, err
	}
	n, _ := r.RowsAffected()
	return n, nil
}
