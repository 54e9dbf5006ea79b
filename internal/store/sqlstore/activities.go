package sqlstore

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

var activities = newTable("activities", "case_id", "department_id", "last_department_id", "queue_id",
	"type", "subtype", "mode", "status", "substatus", "assigned_user_id", "locked_by", "lock_expires", "pinned",
	"response_to", "customer_id", "contact_id", "contact_point_id", "contact_point_data",
	"subject", "content_text", "content_html", "priority", "due_date", "custom_attributes",
	"created", "created_by", "last_modified", "last_modified_by",
	"language", "categories", "resolution_codes", "awaiting_supervision")

func scanActivity(r scanner) (casemgr.Activity, error) {
	row, err := newActivityScan().scan(r)
	return row.Activity, err
}

// readActivity is an activity as a write transaction read it, with its
// JSON columns as they are stored: UpdateActivities compares the row it
// writes with it (readActs).
type readActivity struct {
	casemgr.Activity
	attrs, categories, codes string
}

// activityScan scans the rows of a query of activities into one set of
// destinations, made once per query rather than once per row.
type activityScan struct {
	row               readActivity
	lockExpires, due  sql.NullInt64
	created, modified int64
	dest              []any
}

func newActivityScan() *activityScan {
	s := &activityScan{}
	a := &s.row.Activity
	s.dest = []any{&a.ID, &a.Case, &a.Department, &a.LastDepartment, &a.Queue,
		&a.Type, &a.Subtype, &a.Mode, &a.Status, &a.Substatus, &a.AssignedUser, &a.LockedBy, &s.lockExpires, &a.Pinned,
		&a.ResponseTo, &a.Customer, &a.Contact, &a.ContactPoint, &a.ContactPointData,
		&a.Subject, &a.ContentText, &a.ContentHTML, &a.Priority, &s.due, &s.row.attrs,
		&s.created, &a.CreatedBy, &s.modified, &a.LastModifiedBy,
		&a.Language, &s.row.categories, &s.row.codes, &a.AwaitingSupervision}
	return s
}

// scan reads one row (every destination is written by each row).
func (s *activityScan) scan(r scanner) (readActivity, error) {
	if err := r.Scan(s.dest...); err != nil {
		return readActivity{}, err
	}
	return s.decode()
}

// decode returns the row scanned last.
func (s *activityScan) decode() (readActivity, error) {
	row := s.row
	a := &row.Activity
	if s.lockExpires.Valid && s.due.Valid {
		// Both in one allocation.
		both := &[2]time.Time{fromMillis(s.lockExpires.Int64), fromMillis(s.due.Int64)}
		a.LockExpires, a.DueDate = &both[0], &both[1]
	} else {
		a.LockExpires, a.DueDate = fromNullMillis(s.lockExpires), fromNullMillis(s.due)
	}
	a.Created, a.LastModified = fromMillis(s.created), fromMillis(s.modified)
	var err error
	if a.CustomAttributes, err = decMap[[]string](row.attrs, "activity customAttributes"); err != nil {
		return row, err
	}
	if a.Categories, err = decList[string](row.categories, "activity categories"); err != nil {
		return row, err
	}
	a.ResolutionCodes, err = decList[string](row.codes, "activity resolutionCodes")
	return row, err
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
	return t.readActivities("activities", t.byIDs(activities, forUpdate), forUpdate, t.d.ids(ids))
}

// readActivities runs a query of activities. In a write transaction it
// keeps them as read (readActs) where what it read is what the row holds
// until this transaction writes it: on SQLite, which has one writer, any
// row; on PostgreSQL the rows it locked.
func (t *tx) readActivities(op, q string, locked bool, args ...any) ([]casemgr.Activity, error) {
	var list []casemgr.Activity
	var rows []readActivity
	keep := t.write && (!t.d.batchWrites || locked)
	sc := newActivityScan()
	if err := t.eachNative(q, args, func(r scanner) error {
		row, err := sc.scan(r)
		if err == nil && keep {
			rows = append(rows, row)
		} else if err == nil {
			list = append(list, row.Activity)
		}
		return err
	}); err != nil {
		return nil, t.wrap(op, err)
	}
	if !keep || len(rows) == 0 {
		return list, nil
	}
	if t.readActs == nil {
		t.readActs = make(map[casemgr.ID]*readActivity, len(rows))
	}
	list = make([]casemgr.Activity, len(rows))
	for i := range rows {
		list[i] = rows[i].Activity
		t.readActs[rows[i].ID] = &rows[i]
	}
	return list, nil
}

// CaseActivities returns every activity of the given cases, in ID order.
func (t *tx) CaseActivities(caseIDs []casemgr.ID, forUpdate bool) ([]casemgr.Activity, error) {
	if len(caseIDs) == 0 {
		return nil, nil
	}
	return t.readActivities("case activities", t.d.caseActivitiesSQL(forUpdate && t.write), forUpdate, t.d.ids(caseIDs))
}

// CaseActivityStatuses returns the statuses the activities of each case
// have, each once, sorted; a case without activities is left out. One
// query, on the index of the activities' case, that reads no activity
// whole.
func (t *tx) CaseActivityStatuses(caseIDs []casemgr.ID) (map[casemgr.ID][]string, error) {
	if len(caseIDs) == 0 {
		return nil, nil
	}
	out := map[casemgr.ID][]string{}
	var c casemgr.ID
	var status string
	if err := t.each(t.d.caseActivityStatusesSQL(), []any{t.d.ids(caseIDs)}, func(r scanner) error {
		if err := r.Scan(&c, &status); err != nil {
			return err
		}
		out[c] = append(out[c], status)
		return nil
	}); err != nil {
		return nil, t.wrap("case activity statuses", err)
	}
	for _, l := range out {
		// Sorted here, not by the query: PostgreSQL's collation may
		// order text otherwise than SQLite.
		slices.Sort(l)
	}
	return out, nil
}

// CaseActivityCustomers returns the customers of the activities of a case,
// each once, in ID order: one query on the index of the activities' case.
func (t *tx) CaseActivityCustomers(caseID casemgr.ID) ([]casemgr.ID, error) {
	var out []casemgr.ID
	var c casemgr.ID
	if err := t.each(t.d.caseActivityCustomersSQL(), []any{t.d.ids([]casemgr.ID{caseID})}, func(r scanner) error {
		err := r.Scan(&c)
		out = append(out, c)
		return err
	}); err != nil {
		return nil, t.wrap("case activity customers", err)
	}
	return out, nil
}

// Responses returns every activity whose ResponseTo is one of parents, in ID
// order.
func (t *tx) Responses(parents []casemgr.ID, forUpdate bool) ([]casemgr.Activity, error) {
	if len(parents) == 0 {
		return nil, nil
	}
	return t.readActivities("responses", t.d.responsesSQL(forUpdate && t.write), forUpdate, t.d.ids(parents))
}

// ActivitiesWithResponses returns the activities of ids and every activity
// that answers one of them, in ID order, locked in a Write: what
// Responses then Activities of the parents and their responses return.
// On an engine without row locks (SQLite, one writer) nothing can change
// between the two, and one statement reads both; on PostgreSQL one
// statement too (lockedWithResponsesSQL), which locks the rows in one
// ordered pass. In a Read, the two statements run unlocked.
func (t *tx) ActivitiesWithResponses(ids []casemgr.ID) ([]casemgr.Activity, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	p := t.d.ids(ids)
	if !t.d.lockRows {
		return t.readActivities("activities with responses", t.d.withResponsesSQL(), true, p, p, p)
	}
	if t.write {
		return t.readActivities("activities with responses", t.d.lockedWithResponsesSQL(), true, p, p)
	}
	pre, err := t.Responses(ids, false)
	if err != nil {
		return nil, err
	}
	all := slices.Clone(ids)
	for _, r := range pre {
		all = append(all, r.ID)
	}
	return t.Activities(slices.Compact(slices.Sorted(slices.Values(all))), false)
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
// exist. An activity this transaction read (readActs) is written as the
// columns that differ from the row as read: an UPDATE rewrites the index
// entries of every column it sets (SQLite), changed or not, and an
// activity has nine indexes; and what is not sent costs neither its
// encoding nor its array on PostgreSQL. A row not read is written whole.
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

// changedActivityUpdate begins the UPDATEs of UpdateActivities, which keep
// readActs current (any other statement on activities forgets them).
const changedActivityUpdate = "UPDATE activities SET /* changed */ "

// activityColumn is the value of one column of activities (activityValues'
// order), to compare and to send: an integer, a text or a boolean, or
// NULL.
type activityColumn struct {
	i    int64
	s    string
	b    bool
	null bool
}

// activityJSON are the JSON columns of an activity as they are stored.
type activityJSON struct{ attrs, categories, codes string }

func encodeActivityJSON(a *casemgr.Activity) activityJSON {
	return activityJSON{encMap(a.CustomAttributes), encList(a.Categories), encList(a.ResolutionCodes)}
}

func millisColumn(t *time.Time) activityColumn {
	if t == nil {
		return activityColumn{null: true}
	}
	return activityColumn{i: t.UnixMilli()}
}

// activityColumnValue is column j of a, its JSON columns js: what
// activityValues(a)[j] holds.
func activityColumnValue(a *casemgr.Activity, js *activityJSON, j int) activityColumn {
	switch j {
	case 0:
		return activityColumn{i: a.Case}
	case 1:
		return activityColumn{i: a.Department}
	case 2:
		return activityColumn{i: a.LastDepartment}
	case 3:
		return activityColumn{i: a.Queue}
	case 4:
		return activityColumn{s: a.Type}
	case 5:
		return activityColumn{s: a.Subtype}
	case 6:
		return activityColumn{s: a.Mode}
	case 7:
		return activityColumn{s: a.Status}
	case 8:
		return activityColumn{s: a.Substatus}
	case 9:
		return activityColumn{i: a.AssignedUser}
	case 10:
		return activityColumn{i: a.LockedBy}
	case 11:
		return millisColumn(a.LockExpires)
	case 12:
		return activityColumn{b: a.Pinned}
	case 13:
		return activityColumn{i: a.ResponseTo}
	case 14:
		return activityColumn{i: a.Customer}
	case 15:
		return activityColumn{i: a.Contact}
	case 16:
		return activityColumn{i: a.ContactPoint}
	case 17:
		return activityColumn{s: a.ContactPointData}
	case 18:
		return activityColumn{s: a.Subject}
	case 19:
		return activityColumn{s: a.ContentText}
	case 20:
		return activityColumn{s: a.ContentHTML}
	case 21:
		return activityColumn{s: a.Priority}
	case 22:
		return millisColumn(a.DueDate)
	case 23:
		return activityColumn{s: js.attrs}
	case 24:
		return activityColumn{i: millis(a.Created)}
	case 25:
		return activityColumn{i: a.CreatedBy}
	case 26:
		return activityColumn{i: millis(a.LastModified)}
	case 27:
		return activityColumn{i: a.LastModifiedBy}
	case 28:
		return activityColumn{s: a.Language}
	case 29:
		return activityColumn{s: js.categories}
	case 30:
		return activityColumn{s: js.codes}
	}
	return activityColumn{b: a.AwaitingSupervision}
}

// arg is the column's value as a statement parameter.
func (c activityColumn) arg(typ string) any {
	switch {
	case c.null:
		return nil
	case typ == "bigint":
		return c.i
	case typ == "boolean":
		return c.b
	}
	return c.s
}

// allActivityColumns has a bit for every column of activities.
const allActivityColumns = uint64(1)<<32 - 1

// changedColumns returns a bit for each column of a that differs from the
// row as read (all of them when the row was not read), with a's JSON
// columns, and makes a the row as read.
func (t *tx) changedColumns(a *casemgr.Activity) (uint64, activityJSON) {
	js := encodeActivityJSON(a)
	old, ok := t.readActs[a.ID]
	if !ok {
		return allActivityColumns, js
	}
	oldJS := activityJSON{old.attrs, old.categories, old.codes}
	var changed uint64
	for j := range activities.cols {
		if activityColumnValue(&old.Activity, &oldJS, j) != activityColumnValue(a, &js, j) {
			changed |= 1 << j
		}
	}
	*old = readActivity{Activity: *a, attrs: js.attrs, categories: js.categories, codes: js.codes}
	return changed, js
}

// updateActivity writes one activity (row by row on SQLite; a single
// activity on PostgreSQL).
func (t *tx) updateActivity(op string, a *casemgr.Activity) error {
	_, locked := t.readActs[a.ID]
	changed, js := t.changedColumns(a)
	if changed == allActivityColumns {
		return t.updateRow(op, activities, a.ID, activityValues(a)...)
	}
	if changed == 0 {
		return nil // read in this transaction: it exists, and nothing changes
	}
	var sets []string
	var args []any
	for j, c := range activities.cols {
		if changed&(1<<j) != 0 {
			sets = append(sets, c+" = ?")
			args = append(args, activityColumnValue(a, &js, j).arg(activityTypes[j]))
		}
	}
	q := changedActivityUpdate + strings.Join(sets, ", ") + " WHERE id = ?"
	check := func(n int64) error {
		if n != 1 {
			return t.wrap(op, fmt.Errorf("activity %d does not exist", a.ID))
		}
		return nil
	}
	if locked && t.canDefer() {
		// Locked by this transaction (readActs): it exists.
		t.deferExec(op, q, check, append(args, a.ID)...)
		return nil
	}
	r, err := t.exec(op, q, append(args, a.ID)...)
	if err != nil {
		return err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return t.wrap(op, err)
	}
	return check(n)
}

// activityTypes are the PostgreSQL types of the columns of activities (after
// id), for the arrays of a set-based update.
var activityTypes = []string{"bigint", "bigint", "bigint", "bigint",
	"text", "text", "text", "text", "text", "bigint", "bigint", "bigint", "boolean",
	"bigint", "bigint", "bigint", "bigint", "text",
	"text", "text", "text", "text", "bigint", "text",
	"bigint", "bigint", "bigint", "bigint",
	"text", "text", "text", "boolean"}

// activitiesSetUpdates are the UPDATEs of updateActivitiesSet, by the
// columns they set: each from one array per column, joined on the id
// array.
var activitiesSetUpdates sync.Map // uint64 -> string

func activitiesSetUpdate(changed uint64) string {
	if q, ok := activitiesSetUpdates.Load(changed); ok {
		return q.(string)
	}
	var sets, arrays, cols []string
	for j, c := range activities.cols {
		if changed&(1<<j) != 0 {
			sets = append(sets, c+" = u."+c)
			arrays = append(arrays, "?::"+activityTypes[j]+"[]")
			cols = append(cols, c)
		}
	}
	q := changedActivityUpdate + strings.Join(sets, ", ") +
		" FROM unnest(?::bigint[], " + strings.Join(arrays, ", ") + ") AS u(id, " + strings.Join(cols, ", ") + ")" +
		" WHERE activities.id = u.id"
	activitiesSetUpdates.Store(changed, q)
	return q
}

// updateActivitiesSet writes activities with one statement on PostgreSQL, so
// a bulk operation costs one round trip rather than one per activity: the
// activities that changed or were not read, each column that changed in
// one of them (every column when one was not read). An activity named
// twice is written as its last mention, as one UPDATE per mention would
// leave it.
func (t *tx) updateActivitiesSet(op string, list []*casemgr.Activity) error {
	last := make(map[casemgr.ID]int, len(list))
	for i, a := range list {
		last[a.ID] = i
	}
	type write struct {
		a  *casemgr.Activity
		js activityJSON
	}
	writes := make([]write, 0, len(last))
	var changed uint64
	locked := true // every row written was locked by this transaction
	for i, a := range list {
		if last[a.ID] != i {
			continue
		}
		if _, ok := t.readActs[a.ID]; !ok {
			locked = false
		}
		c, js := t.changedColumns(a)
		if c != 0 {
			writes = append(writes, write{a, js})
			changed |= c
		}
	}
	if len(writes) == 0 {
		return nil // every one read in this transaction, and unchanged
	}
	n := len(writes)
	ids := make([]int64, n)
	for i, w := range writes {
		ids[i] = w.a.ID
	}
	args := []any{ids}
	for j := range activities.cols {
		if changed&(1<<j) == 0 {
			continue
		}
		switch typ := activityTypes[j]; typ {
		case "bigint":
			vals := make([]int64, n)
			var ptrs []*int64 // a nullable column
			for i, w := range writes {
				c := activityColumnValue(w.a, &w.js, j)
				vals[i] = c.i
				if c.null && ptrs == nil {
					ptrs = make([]*int64, n)
					for k := range i {
						ptrs[k] = &vals[k]
					}
				}
				if ptrs != nil && !c.null {
					ptrs[i] = &vals[i]
				}
			}
			if ptrs != nil {
				args = append(args, ptrs)
			} else {
				args = append(args, vals)
			}
		case "boolean":
			vals := make([]bool, n)
			for i, w := range writes {
				vals[i] = activityColumnValue(w.a, &w.js, j).b
			}
			args = append(args, vals)
		default:
			vals := make([]string, n)
			for i, w := range writes {
				vals[i] = activityColumnValue(w.a, &w.js, j).s
			}
			args = append(args, vals)
		}
	}
	check := func(got int64) error {
		if got != int64(n) {
			return t.wrap(op, fmt.Errorf("%d of %d activities do not exist", int64(n)-got, n))
		}
		return nil
	}
	if locked && t.canDefer() {
		// Every row locked by this transaction (readActs): each exists.
		t.deferExec(op, activitiesSetUpdate(changed), check, args...)
		return nil
	}
	r, err := t.exec(op, activitiesSetUpdate(changed), args...)
	if err != nil {
		return err
	}
	got, err := r.RowsAffected()
	if err != nil {
		return t.wrap(op, err)
	}
	return check(got)
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
	// One value is an equality, not a list of one: with "status = ?" both
	// planners take an agent's assigned work newest first straight from
	// the order of activities_assigned_user, where with a list they sort
	// every match (SQLite) or walk another index (PostgreSQL): 0.2 ms
	// against 300 ms and 90 ms at 10M activities.
	in := func(col string, vals []string) {
		switch len(vals) {
		case 0:
		case 1:
			s.add(col+" = ?", vals[0])
		default:
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
	// Read as the other locked reads of a write are (readActivities), so
	// that UpdateActivities then writes only the columns a pull changes,
	// not the whole rows.
	return t.readActivities("pull candidates", t.d.pullSQL(t.write, len(f.Queues) == 1), true,
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

// caseActivityStatusesSQL is the query of the statuses of the activities
// of cases (CaseActivityStatuses).
func (d *dialect) caseActivityStatusesSQL() string {
	return `SELECT DISTINCT case_id, status FROM activities WHERE ` + d.in("case_id")
}

// caseActivityCustomersSQL is the query of the customers of the activities
// of a case (CaseActivityCustomers). The case is a list of one, as in
// the other queries of activities: with "case_id = ?" SQLite prepared the
// statement anew at every execution (sqlite3Reprepare, 5 % of a change
// of customer's samples).
func (d *dialect) caseActivityCustomersSQL() string {
	return `SELECT DISTINCT customer_id FROM activities WHERE ` + d.in("case_id") + ` ORDER BY customer_id`
}

// responsesSQL is the query of the responses of activities. "response_to
// <> 0" lets the planner use the partial index of the responses
// (migration 0002) whatever the parents named: without it SQLite scans
// every activity, and so does PostgreSQL's generic plan.
func (d *dialect) responsesSQL(lock bool) string {
	return `SELECT ` + activities.all + ` FROM activities WHERE ` + d.in("response_to") + ` AND response_to <> 0 ORDER BY id` +
		d.forUpdate(lock)
}

// withResponsesSQL is the query of activities with their responses in one
// statement (engines without row locks): the activities by ID, and the
// responses by the partial index of responsesSQL, less those named.
func (d *dialect) withResponsesSQL() string {
	return `SELECT ` + activities.all + ` FROM activities WHERE ` + d.in("id") +
		` UNION ALL SELECT ` + activities.all + ` FROM activities WHERE ` + d.in("response_to") +
		` AND response_to <> 0 AND NOT (` + d.in("id") + `) ORDER BY id`
}

// lockedWithResponsesSQL is the query of activities by ID with their
// responses, locked (engines with row locks): the IDs named and those of
// their responses (by the partial index of responsesSQL) form one array,
// whose rows are locked in ID order, one pass, as two requests locking
// overlapping sets must (a response may have a lower ID than its parent).
// Which activity a response answers never changes, so the responses read
// before the locks are those the locked rows hold.
func (d *dialect) lockedWithResponsesSQL() string {
	return `SELECT ` + activities.all + ` FROM activities WHERE id = ANY(?::bigint[] || ARRAY(SELECT id FROM activities WHERE ` +
		d.in("response_to") + ` AND response_to <> 0)) ORDER BY id` + d.forUpdate(true)
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
