package casemgr

import "time"

// The move of activities to a user or a queue, one piece of code for every
// operation that changes an activity's assignee or queue: pull, pick and
// the transfers to a user or a queue (transfer to department, which also
// changes the department, uses moveActivity directly).

// assignTo is the change of a move to a user: the activity becomes
// assigned to user and leaves its queue; its department stays.
func assignTo(user ID) func(*Activity) {
	return func(a *Activity) {
		a.Status, a.AssignedUser, a.Queue = StatusAssigned, user, 0
	}
}

// applyMoves moves the named activities of st (change sets their status,
// assignee and queue; the department stays), and the draft replies that
// travel with them (bulkState.travellingDrafts) take their parent's status,
// assignee and queue. Every moved activity is unpinned and unlocked, its
// lastModified moves and a history entry of the action is written
// (moveActivity); the changes are written in one UpdateActivities.
func applyMoves(tx Tx, st *bulkState, actor Actor, action string, now time.Time, change func(*Activity)) error {
	var changed []*Activity
	var hist []HistoryEntry
	for _, a := range st.named {
		hist = append(hist, moveActivity(a, action, actor, now, change))
		changed = append(changed, a)
	}
	drafts, parents := st.travellingDrafts()
	for i, r := range drafts {
		p := parents[i]
		hist = append(hist, moveActivity(r, action, actor, now, func(r *Activity) {
			r.Status, r.AssignedUser, r.Queue = p.Status, p.AssignedUser, p.Queue
		}))
		changed = append(changed, r)
	}
	if err := tx.UpdateActivities(changed); err != nil {
		return err
	}
	return tx.AppendHistory(hist)
}
