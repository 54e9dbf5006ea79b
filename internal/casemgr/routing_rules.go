package casemgr

import "slices"

// The rules of transfer to a user, transfer to a queue and pick
// (docs/operations/transfer-to-user.md, transfer-to-queue.md, pick.md), one
// small function per rule, named after it. The rules these operations share
// with transfer to department are transfer_rules.go's (changeableStatus,
// transferLockedByAssignee, pinnedNeedsUnpin, draftReplyMovesWith) and
// authz.go's pickRule; the bulk body's are bulk.go's.

// routable (TU3, PK3): email, social, task and user-defined activities are
// transferred to a user or a queue and picked; calltrack, chat and web are
// not.
func routable(activityType string) bool {
	switch activityType {
	case TypeCalltrack, TypeChat, TypeWeb:
		return false
	}
	return true
}

// messageModeRoutable (TU4): an email or social activity moves only when it
// is inbound or composed.
func messageModeRoutable(a *Activity) bool {
	if a.Type != TypeEmail && a.Type != TypeSocial {
		return true
	}
	return a.Mode == ModeInbound || a.Mode == ModeComposed
}

// alreadyAssignedTo (TU8, PK5): the activity is already assigned to the user
// (the target of a transfer, the caller of a pick).
func alreadyAssignedTo(a *Activity, user ID) bool {
	return a.Status == StatusAssigned && a.AssignedUser == user
}

// targetWorksInActivityDepartment (TU9): the activity is in the target
// user's home department or one of the target's foreign departments.
func targetWorksInActivityDepartment(a *Activity, target *User) bool {
	return a.Department == target.Department || slices.Contains(target.ForeignDepartments, a.Department)
}

// targetLicensedForType (TU10): the target user holds the license the
// activity's type needs: Advisor Desktop or MailPlus for email and social,
// any user license for task and user-defined types.
func targetLicensedForType(a *Activity, target *User) bool {
	return UserActor(target).HasLicense(ActivityLicenses(a.Type)...)
}

// alreadyInTargetQueue (TQ3): a queued activity is not transferred to the
// queue it waits in.
func alreadyInTargetQueue(a *Activity, q *Queue) bool {
	return a.Status == StatusAwaitingAssignment && a.Queue == q.ID
}

// inQueueDepartment (TQ4): every activity is in the target queue's
// department.
func inQueueDepartment(a *Activity, q *Queue) bool { return a.Department == q.Department }

// queueActive (TQ5): an inactive queue receives no transfers.
func queueActive(q *Queue) bool { return !q.Inactive }

// callerIsUser (PK1): the operation is a user's own (a client application
// may not call it).
func callerIsUser(actor Actor) bool { return actor.User != nil }

// callerHoldsAnyLicense: a user needs at least one user license for the
// moves (as transfer to department); a client application needs none.
func callerHoldsAnyLicense(actor Actor) bool { return actor.HasAnyLicense() }

// MayTransferToQueue reports whether a user actor has the transfer
// permission on a queue (fixture transferActivitiesToQueues). Client
// applications may always.
func (a Actor) MayTransferToQueue(queue ID) bool {
	return a.User == nil || slices.Contains(a.User.TransferToQueues, queue)
}
