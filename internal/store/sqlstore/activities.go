package sqlstore

import (
	"database/sql"
	"fmt"
	"reflect"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

var activities = newTable("activities", "case_id", "department_id", "last_department_id", "queue_id",
	"type", "subtype", "mode", "status", "substatus", "assigned_user_id", "locked_by", "lock_expires", "pinned",
	"response_to", "customer_id", "contact_id", "contact_point_id", "contact_point_data",
	"subject", "content_text", "content_html", "priority", "due_date", "custom_attributes",
	"created", "created_by", "last_modified", "last_modified_by",
	"language", "categories", "resolution_codes", "awaiting_supervision")

func scanActivity(r scanner) (casemgr.Activity, error) {
	var a casemgr.Activity
	var lockExpires, due sql.NullInt64
	var attrs, categories, codes string
	var created, modified int64
	if err := r.Scan(&a.ID, &a.Case, &a.Department, &a.LastDepartment, &a.Queue,
		&a.Type, &a.Subtype, &a.Mode, &a.Status, &a.Substatus, &a.AssignedUser, &a.LockedBy, &lockExpires, &a.Pinned,
		&a.ResponseTo, &a.Customer, &a.Contact, &a.ContactPoint, &a.ContactPointData,
		&a.Subject, &a.ContentText, &a.ContentHTML, &a.Priority, &due, &attrs,
		&created, &a.CreatedBy, &modified, &a.LastModifiedBy,
		&a.Language, &categories, &codes, &a.AwaitingSupervision); err != nil {
		return a, err
	}
	a.LockExpires, a.DueDate = fromNullMillis(lockExpires), fromNullMillis(due)
	a.Created, a.LastModified = fromMillis(created), fromMillis(modified)
	var err error
	if a.CustomAttributes, err = decMap[[]string](attrs, "activity customAttributes"); err != nil {
		return a, err
	}
	if a.Categories, err = decList[string](categories, "activity categories"); err != nil {
		return a, err
	}
	a.ResolutionCodes, err = decList[string](codes, "activity resolutionCodes")
	return a, err
}

func activityValues(a *casemgr.Activity) []any {
	return []any{a.Case, a.Department, a.LastDepartment, a.Queue,
		a.Type, a.Subtype, a.Mode, a.Status, a.Substatus, a.AssignedUser, a.LockedBy, millisPtr(a.LockExpires), a.Pinned,
		a.ResponseTo, a.Customer, a.Contact, a.ContactPoint, a.ContactPointData,
		a.Subject, a.ContentText, a.ContentHTML, a.Priority, millisPtr(a.DueDate), encMap(a.CustomAttributes),
		millis(a.Created), a.CreatedBy, millis(a.LastModified), a.LastModifiedBy,
		a.Language, encList(a.Categories), encList(a.ResolutionCodes), a.AwaitingSupervision}
}

// Activities returns the activities with the given IDs in ID order, locking
// them when forUpdate is set in a Write: one query.
func (t *tx) Activities(ids []casemgr.ID, forUpdate bool) ([]casemgr.Activity, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return t.rememberActs(queryList(t, "activities", scanActivity, t.byIDs(activities, forUpdate), t.d.ids(ids)))
}

// rememberActs keeps the columns of activities read in a write transaction
// on an engine that writes row by row (readActs).
func (t *tx) rememberActs(list []casemgr.Activity, err error) ([]casemgr.Activity, error) {
	if err != nil || !t.write || t.d.batchWrites {
		return list, err
	}
	if t.readActs == nil {
		t.readActs = make(map[casemgr.ID][]any, len(list))
	}
	for i := range list {
		t.readActs[list[i].ID] = activityValues(&list[i])
	}
	return list, nil
}

// CaseActivities returns every activity of the given cases, in ID order.
func (t *tx) CaseActivities(caseIDs []casemgr.ID, forUpdate bool) ([]casemgr.Activity, error) {
	if len(caseIDs) == 0 {
		return nil, nil
	}
	return t.rememberActs(queryList(t, "case activities", scanActivity, t.d.caseActivitiesSQL(forUpdate && t.write), t.d.ids(caseIDs)))
}

// Responses returns every activity whose ResponseTo is one of parents, in ID
// order.
func (t *tx) Responses(parents []casemgr.ID, forUpdate bool) ([]casemgr.Activity, error) {
	if len(parents) == 0 {
		return nil, nil
	}
	return t.rememberActs(queryList(t, "responses", scanActivity, t.d.responsesSQL(forUpdate && t.write), t.d.ids(parents)))
}

// InsertActivity stores a new activity; a zero ID is assigned and written
// back.
func (t *tx) InsertActivity(a *casemgr.Activity) error {
	const op = "insert activity"
	if err := t.writable(op); err != nil {
		return err
	}
	return t.insertRow(op, activities, &a.ID, activityValues(a)...)
}

// UpdateActivities writes every field of the given activities, which must
// exist.
func (t *tx) UpdateActivities(list []*casemgr.Activity) error {
	const op = "update activities"
	if err := t.writable(op); err != nil {
		return err
	}
	if t.d.batchWrites && len(list) > 1 {
		return t.updateActivitiesSet(op, list)
	}
	for _, a := range list {
		if err := t.updateActivity(op, a); err != nil {
			return err
		}
	}
	return nil
}

// changedActivityUpdate begins the UPDATE of updateActivity.
const changedActivityUpdate = "UPDATE activities SET /* changed */ "

// updateActivity writes one activity row by row (SQLite). When this
// transaction read the row, only the columns that differ are set: SQLite
// rewrites the index entries of every column an UPDATE sets, changed or
// not, and an activity has nine indexes. A row not read is written whole.
func (t *tx) updateActivity(op string, a *casemgr.Activity) error {
	vals := activityValues(a)
	old, ok := t.readActs[a.ID]
	if !ok {
		return t.updateRow(op, activities, a.ID, vals...)
	}
	var sets []string
	var args []any
	for i, v := range vals {
		if !reflect.DeepEqual(v, old[i]) {
			sets = append(sets, activities.cols[i]+" = ?")
			args = append(args, v)
		}
	}
	t.readActs[a.ID] = vals
	if len(sets) == 0 {
		return nil // read in this transaction: it exists, and nothing changes
	}
	r, err := t.exec(op, changedActivityUpdate+strings.Join(sets, ", ")+" WHERE id = ?", append(args, a.ID)...)
	if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err != nil {
		return t.wrap(op, err)
	} else if n != 1 {
		return t.wrap(op, fmt.Errorf("activity %d does not exist", a.ID))
	}
	return nil
}

// activityTypes are the PostgreSQL types of the columns of activities (after
// id), for the arrays of a set-based update.
var activityTypes = []string{"bigint", "bigint", "bigint", "bigint",
	"text", "text", "text", "text", "text", "bigint", "bigint", "bigint", "boolean",
	"bigint", "bigint", "bigint", "bigint", "text",
	"text", "text", "text", "text", "bigint", "text",
	"bigint", "bigint", "bigint", "bigint",
	"text", "text", "text", "boolean"}

// activitiesSetUpdate is the one UPDATE of updateActivitiesSet: every column
// from one array per column, joined on the id array.
var activitiesSetUpdate = func() string {
	sets := make([]string, len(activities.cols))
	arrays := make([]string, len(activities.cols))
	for i, c := range activities.cols {
		sets[i] = c + " = u." + c
		arrays[i] = "?::" + activityTypes[i] + "[]"
	}
	return "UPDATE activities AS a SET " + strings.Join(sets, ", ") +
		" FROM unnest(?::bigint[], " + strings.Join(arrays, ", ") + ") AS u(id, " + strings.Join(activities.cols, ", ") + ")" +
		" WHERE a.id = u.id"
}()

// updateActivitiesSet writes activities with one statement on PostgreSQL, so
// a bulk operation costs one round trip rather than one per activity. An
// activity named twice is written as its last mention, as one UPDATE per
// mention would leave it.
func (t *tx) updateActivitiesSet(op string, list []*casemgr.Activity) error {
	last := make(map[casemgr.ID]int, len(list))
	for i, a := range list {
		last[a.ID] = i
	}
	n := len(last)
	ids := make([]int64, 0, n)
	cols := make([][]any, len(activities.cols))
	for i := range cols {
		cols[i] = make([]any, 0, n)
	}
	for i, a := range list {
		if last[a.ID] != i {
			continue
		}
		ids = append(ids, a.ID)
		for j, v := range activityValues(a) {
			cols[j] = append(cols[j], v)
		}
	}
	args := make([]any, 0, len(cols)+1)
	args = append(args, ids)
	for j, c := range cols {
		arr, err := typedArray(activityTypes[j], c)
		if err != nil {
			return t.wrap(op, fmt.Errorf("column %s: %w", activities.cols[j], err))
		}
		args = append(args, arr)
	}
	r, err := t.exec(op, activitiesSetUpdate, args...)
	if err != nil {
		return err
	}
	if got, err := r.RowsAffected(); err != nil {
		return t.wrap(op, err)
	} else if got != int64(n) {
		return t.wrap(op, fmt.Errorf("%d of %d activities do not exist", int64(n)-got, n))
	}
	return nil
}

// typedArray turns the values of one column into the slice pgx sends as an
// array of the type: NULLs of a bigint column become nil pointers.
func typedArray(typ string, vals []any) (any, error) {
	switch typ {
	case "bigint":
		out := make([]*int64, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case int64:
				out[i] = &x
			case nil:
			default:
				return nil, fmt.Errorf("bigint value of type %T", v)
			}
		}
		return out, nil
	case "boolean":
		out := make([]bool, len(vals))
		for i, v := range vals {
			b, ok := v.(bool)
			if !ok {
				return nil, fmt.Errorf("boolean value of type %T", v)
			}
			out[i] = b
		}
		return out, nil
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("text value of type %T", v)
		}
		out[i] = str
	}
	return out, nil
}

// sortColumns maps the sort names of ActivityFilter to columns. Only these
// columns are ever put into the ORDER BY of a search.
var sortColumns = map[string]string{
	"":             "id",
	"id":           "id",
	"created":      "created",
	"lastModified": "last_modified",
	"priority":     "priority",
	"dueDate":      "due_date",
}

// SearchActivities returns one page of the activities matching f, and the
// number of all matches. Activities without a due date sort after those with
// one, in either direction; ties are broken by ID in the sort's direction. A
// Limit of 0 means no limit.
func (t *tx) SearchActivities(f casemgr.ActivityFilter) ([]casemgr.Activity, int, error) {
	const op = "search activities"
	col, ok := sortColumns[f.Sort]
	if !ok {
		return nil, 0, t.wrap(op, fmt.Errorf("unknown sort %q", f.Sort))
	}
	if f.Departments != nil && len(f.Departments) == 0 {
		return nil, 0, nil // restricted to no department at all
	}
	countQ, pageQ, args := t.d.searchSQL(f, col)
	return searchPage(t, op, scanActivity, countQ, pageQ, args, f.Offset, f.Limit)
}

// searchSQL returns the queries of a search — the count of all matches, and
// one page (its LIMIT and OFFSET the last two parameters) — with the
// parameters of its filters.
func (d *dialect) searchSQL(f casemgr.ActivityFilter, col string) (count, page string, args []any) {
	var s search
	eq := func(col string, v casemgr.ID) {
		if v != 0 {
			s.add(col+" = ?", v)
		}
	}
	in := func(col string, vals []string) {
		if len(vals) > 0 {
			s.add(d.in(col), d.strs(vals))
		}
	}
	eq("case_id", f.Case)
	switch {
	case f.Open && len(f.Statuses) > 0:
		s.add("("+d.in("status")+" OR status <> ?)", d.strs(f.Statuses), casemgr.StatusCompleted)
	case f.Open:
		s.add("status <> ?", casemgr.StatusCompleted)
	default:
		in("status", f.Statuses)
	}
	eq("queue_id", f.Queue)
	s.timeRange("created", f.Created)
	s.timeRange("last_modified", f.LastModified)
	for _, c := range f.Custom {
		s.add(d.customAttributeHas("custom_attributes"), c.Name, c.Value)
	}
	in("type", f.Types)
	in("mode", f.Modes)
	eq("department_id", f.Department)
	eq("customer_id", f.Customer)
	eq("assigned_user_id", f.AssignedTo)
	if f.Departments != nil {
		s.add(d.in("department_id"), d.ids(f.Departments))
	}
	return s.queries(activities.all, "activities", "", col, f.Descending)
}

// PullCandidates returns, locked, up to f.Limit activities waiting to be
// assigned that f selects, by priority ("1" first, none last), created,
// then ID; rows another transaction holds locked are skipped.
func (t *tx) PullCandidates(f casemgr.PullFilter) ([]casemgr.Activity, error) {
	if len(f.Queues) == 0 || len(f.Departments) == 0 || f.Limit <= 0 {
		return nil, nil
	}
	var queues any = t.d.ids(f.Queues)
	if len(f.Queues) == 1 {
		queues = f.Queues[0]
	}
	return queryList(t, "pull candidates", scanActivity, t.d.pullSQL(t.write, len(f.Queues) == 1),
		queues, t.d.ids(f.Departments), t.d.strs(f.ExcludeTypes), f.Limit)
}

// pullSQL is the query of a pull's candidates. Its condition and order
// are those of the partial index activities_pull (migration 0075): from
// one queue (oneQueue, the common case) the index hands the rows over in
// pull order, and the scan stops at the limit, passing over locked rows;
// from several the matches of every queue are sorted.
func (d *dialect) pullSQL(lock, oneQueue bool) string {
	queue := d.in("queue_id")
	if oneQueue {
		queue = "queue_id = ?"
	}
	return `SELECT ` + activities.all + ` FROM activities WHERE status = '` + casemgr.StatusAwaitingAssignment + `' AND response_to = 0 AND ` + queue +
		` AND ` + d.in("department_id") + ` AND NOT (` + d.in("type") + `)` +
		` ORDER BY (priority = ''), priority, created, id LIMIT ?` + d.forUpdateSkipLocked(lock)
}

// caseActivitiesSQL is the query of the activities of cases.
func (d *dialect) caseActivitiesSQL(lock bool) string {
	return `SELECT ` + activities.all + ` FROM activities WHERE ` + d.in("case_id") + ` ORDER BY id` + d.forUpdate(lock)
}

// responsesSQL is the query of the responses of activities. "response_to
// <> 0" lets the planner use the partial index of the responses
// (migration 0002) whatever the parents named: without it SQLite scans
// every activity, and so does PostgreSQL's generic plan.
func (d *dialect) responsesSQL(lock bool) string {
	return `SELECT ` + activities.all + ` FROM activities WHERE ` + d.in("response_to") + ` AND response_to <> 0 ORDER BY id` +
		d.forUpdate(lock)
}

// customAttributeHas is the condition that the custom attributes (a JSON
// object of value lists) in col hold a value under a name; its parameters
// are the name and the value. Custom attributes are not indexed: the
// condition narrows what the other filters found.
func (d *dialect) customAttributeHas(col string) string {
	if d.jsonb {
		return col + "::jsonb @> jsonb_build_object(?::text, jsonb_build_array(?::text))"
	}
	return "EXISTS (SELECT 1 FROM json_each(" + col + ") AS ca, json_each(ca.value) AS cv WHERE ca.key = ? AND cv.value = ?)"
}
