package sqlstore

import (
	"slices"

	"github.com/casemgr/casemgr/internal/casemgr"
)

var queues = newTable("queues", "name", "department_id", "inactive")

func scanQueue(r scanner) (casemgr.Queue, error) {
	var q casemgr.Queue
	err := r.Scan(&q.ID, &q.Name, &q.Department, &q.Inactive)
	return q, err
}

// Queue returns a queue by ID.
func (t *tx) Queue(id casemgr.ID) (*casemgr.Queue, error) {
	if c, err := t.config(); err != nil || c != nil {
		return c.queue(id), err
	}
	return queryOne(t, "queue", scanQueue, `SELECT `+queues.all+` FROM queues WHERE id = ?`, id)
}

// Queues lists every queue.
func (t *tx) Queues() ([]casemgr.Queue, error) {
	if c, err := t.config(); err != nil || c != nil {
		if c == nil || len(c.queues) == 0 {
			return nil, err
		}
		return slices.Clone(c.queues), nil
	}
	return t.dbQueues()
}

func (t *tx) dbQueues() ([]casemgr.Queue, error) {
	return queryList(t, "queues", scanQueue, `SELECT `+queues.all+` FROM queues ORDER BY id`)
}

// InsertQueue stores a new queue.
func (t *tx) InsertQueue(q *casemgr.Queue) error {
	if err := t.writable("insert queue"); err != nil {
		return err
	}
	t.configChanged()
	return t.insertRow("insert queue", queues, &q.ID, q.Name, q.Department, q.Inactive)
}
