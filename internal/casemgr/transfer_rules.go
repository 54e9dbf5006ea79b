package casemgr

import "time"

// The rules of a transfer (docs/operations/transfer-to-department.md), one
// small function per rule, named after it. checkTransfer applies them in
// the documented order; rules_test.go pins each.

// transferable reports whether activities of a type may be transferred to
// a department: email, task and user-defined types; not social, calltrack,
// chat or web.
func transferable(activityType string) bool {
	switch activityType {
	case TypeSocial, TypeCalltrack, TypeChat, TypeWeb:
		return false
	}
	return true
}

// emailModeTransferable: an email moves only when it is inbound or composed.
func emailModeTransferable(a *Activity) bool {
	return a.Type != TypeEmail || a.Mode == ModeInbound || a.Mode == ModeComposed
}

// targetHasTransferWorkflow: the target department has a transfer-workflow
// queue for the activities to land in.
func targetHasTransferWorkflow(target *Department) bool { return target.HasTransferWorkflow() }

// targetSharedWithActivityDepartment: the target department is shared with
// the activity's department.
func targetSharedWithActivityDepartment(a *Activity, target *Department) bool {
	return target.SharedWithDept(a.Department)
}

// alreadyInTargetDepartment: an activity already in the target department is
// not transferred to it.
func alreadyInTargetDepartment(a *Activity, target *Department) bool {
	return a.Department == target.ID
}

// pinnedNeedsUnpin: a pinned activity moves only with unpin=yes.
func pinnedNeedsUnpin(a *Activity, unpin bool) bool { return a.Pinned && !unpin }

// lastModifiedMatches: the lastModified the client read is the activity's
// own; otherwise someone changed it since (409).
func lastModifiedMatches(a *Activity, read time.Time) bool { return a.LastModified.Equal(read) }

// draftReplyMovesWith: a draft reply (a response not completed) of an inbound
// email moves with the email.
func draftReplyMovesWith(r, parent *Activity) bool {
	return r.Status != StatusCompleted && parent != nil && parent.Type == TypeEmail && parent.Mode == ModeInbound
}

// transferLockedByAssignee is the lock rule of a transfer: an activity
// assigned to a user other than the caller must not be locked (by anyone
// but the caller; an expired lock does not count). The rule is scoped
// to activities assigned to another user, so a lock on an activity that is
// queued or assigned to the caller does not stop a transfer; the transfer
// releases it.
func transferLockedByAssignee(a *Activity, actor Actor, now time.Time) bool {
	if a.Status != StatusAssigned || a.AssignedUser == 0 || a.AssignedUser == actor.UserID() {
		return false
	}
	return a.LockedByOther(actor.UserID(), now)
}
