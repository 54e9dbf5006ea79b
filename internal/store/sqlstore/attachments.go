package sqlstore

import (
	"fmt"

	"github.com/casemgr/casemgr/internal/casemgr"
)

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

// AttachmentCounts counts the attachments of each of the activities, in
// one query; activities without any are left out.
func (t *tx) AttachmentCounts(activities []casemgr.ID) (map[casemgr.ID]int, error) {
	counts := map[casemgr.ID]int{}
	if len(activities) == 0 {
		return counts, nil
	}
	err := t.each(`SELECT activity_id, COUNT(*) FROM attachments WHERE `+t.d.in("activity_id")+` GROUP BY activity_id`,
		[]any{t.d.ids(activities)}, func(r scanner) error {
			var id casemgr.ID
			var n int
			if err := r.Scan(&id, &n); err != nil {
				return err
			}
			counts[id] = n
			return nil
		})
	if err != nil {
		return nil, t.wrap("attachment counts", err)
	}
	return counts, nil
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
