package casemgr

import "time"

// The bulk body of the activity operations that name activities with the
// lastModified the client read (transfer to department, to a user, to a
// queue, pick, complete): {"activity": [{"id", "lastModified"}]}. Its rules
// are shared, one function per rule:
//
//	B1 at least one activity; B3 at most 75; B4 no ID twice (checkBulkBody,
//	   before anything is read);
//	B5 every activity exists and the actor sees it (bulkActivitiesExist);
//	B6 every lastModified is the stored one (bulkLastModifiedFresh), checked
//	   last, after the permissions and every other rule.
//
// B2 (each item has id and lastModified and nothing else) is the wire
// format's, checked where the body is read. An operation runs
// loadBulk → its own checks between bulkActivitiesExist and
// bulkLastModifiedFresh → its apply, in one write transaction, so that the
// lastModified it compares is the locked row's (a race has one winner).

// BulkItem is one activity of a bulk body with the lastModified the client
// read.
type BulkItem struct {
	Activity     ID
	LastModified time.Time
}

// TransferItem is the item of a transfer to department, a BulkItem.
type TransferItem = BulkItem

// BulkIDs returns the activity IDs of the items, in their order.
func BulkIDs(items []BulkItem) []ID {
	ids := make([]ID, len(items))
	for i, it := range items {
		ids[i] = it.Activity
	}
	return ids
}

// checkBulkBody checks B1, B3 and B4: one to 75 activities, none named
// twice. It reads nothing, so it runs before the transaction.
func checkBulkBody(items []BulkItem) error { return checkActivityCount(BulkIDs(items)) }

// bulkState is what a bulk operation reads, locked, in its transaction.
type bulkState struct {
	// named are the activities of the request in the order they were
	// named; nil where one does not exist.
	named []*Activity
	// found are the loaded activities, named and responses, by ID.
	found map[ID]*Activity
	// responses are the responses of the named activities.
	responses []Activity
}

// loadBulk locks the activities of the request with their responses (in one
// pass in ID order: see lockWithResponses).
func loadBulk(tx Tx, items []BulkItem) (*bulkState, error) {
	ids := BulkIDs(items)
	acts, responses, err := lockWithResponses(tx, ids)
	if err != nil {
		return nil, err
	}
	st := &bulkState{found: byID(acts), responses: responses}
	for _, id := range ids {
		st.named = append(st.named, st.found[id])
	}
	return st, nil
}

// bulkActivitiesExist checks B5: every named activity exists and the actor
// sees it (400-203). One in a department the actor does not see answers
// exactly as one that does not exist.
func bulkActivitiesExist(v *Violations, st *bulkState, actor Actor, items []BulkItem) {
	for i, a := range st.named {
		if !actor.SeesActivity(a) {
			v.Add(PhaseRule, FormatID(items[i].Activity), CodeActivityNotFound)
		}
	}
}

// bulkLastModifiedFresh checks B6: the lastModified the client read is the
// stored one (409-101). It comes after every other rule: answered before the
// permissions it would tell a caller that an activity it may not touch
// exists and has changed.
func bulkLastModifiedFresh(v *Violations, st *bulkState, items []BulkItem) {
	for i, it := range items {
		if !lastModifiedMatches(st.named[i], it.LastModified) {
			v.Add(PhaseRule, FormatID(it.Activity), CodeStaleLastModified)
		}
	}
}

// draftReplyNamed: a draft reply (a response not completed) travels with its
// parent and is never named in a bulk request of its own.
func draftReplyNamed(a *Activity) bool { return a.ResponseTo != 0 && a.Status != StatusCompleted }

// travellingDrafts returns the draft replies that move with the named
// activities (draftReplyMovesWith), each with its parent.
func (st *bulkState) travellingDrafts() (drafts, parents []*Activity) {
	for i := range st.responses {
		r := &st.responses[i]
		if parent := st.found[r.ResponseTo]; st.found[r.ID] == nil && draftReplyMovesWith(r, parent) {
			drafts, parents = append(drafts, r), append(parents, parent)
		}
	}
	return drafts, parents
}

// moveActivity records one move of an activity: it is unpinned and unlocked,
// lastModified moves forward and lastModifiedBy becomes the actor, and a
// history entry of the action holds it before and after. change sets the
// new department, queue, status and assignee.
func moveActivity(a *Activity, action string, actor Actor, now time.Time, change func(*Activity)) HistoryEntry {
	before := *a
	change(a)
	a.Pinned = false
	a.LockedBy, a.LockExpires = 0, nil
	a.LastModified = NextModified(a.LastModified, now)
	a.LastModifiedBy = lastModifiedBy(actor)
	// Pointers: the entry is written now, and a copy of each activity in
	// an interface value would cost two allocations per moved activity.
	return history("activity", a.ID, action, actor, now, &before, a)
}
