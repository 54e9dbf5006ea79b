package casemgr

import (
	"context"
	"time"
)

// TransferItem is one activity of a transfer with the lastModified the
// client read.
type TransferItem struct {
	Activity     ID
	LastModified time.Time
}

// TransferRequest transfers activities to a department.
type TransferRequest struct {
	Department ID
	Items      []TransferItem
	// Unpin allows pinned activities to be transferred (unpin=yes).
	Unpin bool
	// Reassign keeps activities assigned to the caller assigned to the
	// caller when the caller is a member of the target department
	// (reassign=yes).
	Reassign bool
}

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

// Transfer moves activities to a department's transfer-workflow queue
// (PATCH /activity/transfer/department/{id}), all or nothing.
//
// The checks run in the documented order: the number of activities (a
// malformed request), the department of the path (404), the existence of
// every activity (400; one the actor does not see is missing, with the
// same answer), the actor's license, sharing and Pick Activities
// permissions (403), then the business rules, and a stale lastModified
// last (409). A stale lastModified answers only what the actor may already
// know: answered before the permissions it would tell a caller that an
// activity it may not touch exists and has changed. When a rule is broken
// as well, the rule's code is answered and the stale items are still listed
// in the details, so a client that lost a race learns both.
func (s *Service) Transfer(ctx context.Context, actor Actor, req TransferRequest) error {
	ids := make([]ID, len(req.Items))
	for i, it := range req.Items {
		ids[i] = it.Activity
	}
	if err := checkActivityCount(ids); err != nil {
		return err
	}
	return s.Store.Write(ctx, func(tx Tx) error { return s.transfer(tx, actor, req, ids) })
}

func (s *Service) transfer(tx Tx, actor Actor, req TransferRequest, ids []ID) error {
	now := s.now()
	target, err := tx.Department(req.Department)
	if err != nil {
		return err
	}
	if target == nil {
		return E(CodeNotFound, "entity", "department", "ids", FormatID(req.Department))
	}
	acts, responses, err := lockWithResponses(tx, ids)
	if err != nil {
		return err
	}
	found := byID(acts)
	var v Violations
	for _, id := range ids {
		// An activity the actor does not see is missing, exactly as one
		// that does not exist.
		if !actor.SeesActivity(found[id]) {
			v.Add(PhaseRule, FormatID(id), CodeActivityNotFound)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	// Only the activities of the request, in the order they were named.
	named := make([]*Activity, len(ids))
	for i, id := range ids {
		named[i] = found[id]
	}

	deptName := target.Name
	if actor.User != nil {
		if !actor.HasAnyLicense() {
			return E(CodeLicenseMissing, "ids", joinIDs(ids), "license", "any user license")
		}
		for _, a := range named {
			key := FormatID(a.ID)
			// An activity already in the target department breaks a
			// business rule (spec 7), not a permission: neither sharing
			// nor picking is asked of it.
			if a.Department == target.ID {
				continue
			}
			if !target.SharedWithDept(a.Department) {
				v.Add(PhasePermission, key, CodeDepartmentNotShared, "department", deptName)
			}
			if a.AssignedUser != actor.UserID() {
				transferPickRule(&v, actor, a, req.Unpin)
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
	}

	if !target.HasTransferWorkflow() {
		return E(CodeNoTransferWorkflow, "department", deptName)
	}
	for _, a := range named {
		key := FormatID(a.ID)
		if !transferable(a.Type) {
			v.Add(PhaseRule, key, CodeTypeNotTransferable, "value", a.Type)
		} else if a.Type == TypeEmail && a.Mode != ModeInbound && a.Mode != ModeComposed {
			v.Add(PhaseRule, key, CodeEmailModeNotAllowed, "value", a.Mode)
		}
		if !changeableStatus(a.Status) {
			v.Add(PhaseRule, key, CodeStatusNotAllowed)
		}
		if transferLockedByAssignee(a, actor, now) {
			v.Add(PhaseRule, key, CodeActivityLocked)
		}
		if a.Pinned && !req.Unpin {
			v.Add(PhaseRule, key, CodePinnedNeedsUnpin)
		}
		if a.Department == target.ID {
			v.Add(PhaseRule, key, CodeAlreadyInDepartment, "department", deptName)
		}
	}
	// A stale lastModified comes last, after every other rule.
	for _, it := range req.Items {
		if a := found[it.Activity]; !a.LastModified.Equal(it.LastModified) {
			v.Add(PhaseRule, FormatID(a.ID), CodeStaleLastModified)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}

	// Apply. The activities land unassigned, unpinned and unlocked in the
	// target's transfer-workflow queue, unless reassign=yes keeps one that
	// the caller holds with the caller (a member of the target).
	var changed []*Activity
	var hist []HistoryEntry
	keepCaller := req.Reassign && actor.MemberOf(target.ID)
	move := func(a *Activity, status string, user ID) {
		before := *a
		a.LastDepartment, a.Department = a.Department, target.ID
		a.Queue = target.TransferQueue
		a.Status, a.AssignedUser = status, user
		a.Pinned = false
		a.LockedBy, a.LockExpires = 0, nil
		a.LastModified = NextModified(a.LastModified, now)
		a.LastModifiedBy = lastModifiedBy(actor)
		changed = append(changed, a)
		hist = append(hist, history("activity", a.ID, "transfer", actor, now, before, *a))
	}
	for _, a := range named {
		status, user := StatusAwaitingAssignment, ID(0)
		if keepCaller && a.AssignedUser == actor.UserID() {
			status, user = StatusAssigned, actor.UserID()
		}
		move(a, status, user)
	}
	// Draft replies of inbound emails move with their activity and follow
	// it: same department, queue and assignment.
	for i := range responses {
		r := &responses[i]
		parent := found[r.ResponseTo]
		if found[r.ID] != nil || r.Status == StatusCompleted || parent == nil ||
			parent.Type != TypeEmail || parent.Mode != ModeInbound {
			continue
		}
		move(r, parent.Status, parent.AssignedUser)
	}
	if err := tx.UpdateActivities(changed); err != nil {
		return err
	}
	return tx.AppendHistory(hist)
}

// transferPickRule adds the violations of the Pick Activities permissions
// and licenses that transferring an activity not assigned to the caller
// needs: the Pick Activities action (403-105), the Pull Activities
// permission on the assigned user or on the queue (403-109), the Unpin
// action when the activity is pinned and unpin=yes is sent (403-111), and
// for email and social activities eGain MailPlus or eGain Advisor Desktop
// (403-106).
func transferPickRule(v *Violations, actor Actor, a *Activity, unpin bool) {
	key := FormatID(a.ID)
	if !actor.HasAction(ActionPickActivities) {
		v.Add(PhasePermission, key, CodeActionNotAllowed, "action", ActionPickActivities)
	}
	switch {
	case a.AssignedUser != 0:
		if !containsID(actor.User.PullUsers, a.AssignedUser) {
			v.Add(PhasePermission, key, CodePickNotAllowed,
				"reason", "no Pull Activities permission on user "+FormatID(a.AssignedUser))
		}
	case a.Queue != 0:
		if !containsID(actor.User.PullQueues, a.Queue) {
			v.Add(PhasePermission, key, CodePickNotAllowed,
				"reason", "no Pull Activities permission on queue "+FormatID(a.Queue))
		}
	}
	if pinnedNeedsUnpinAction(actor, a, unpin) {
		v.Add(PhasePermission, key, CodeUnpinNotAllowed)
	}
	if (a.Type == TypeEmail || a.Type == TypeSocial) && !actor.HasLicense(LicenseMailPlus, LicenseAdvisorDesktop) {
		v.Add(PhasePermission, key, CodeLicenseMissing, "license", LicenseMailPlus+" or "+LicenseAdvisorDesktop)
	}
}

// pinnedNeedsUnpinAction is the Unpin rule of picking: unpinning (unpin=yes)
// a pinned activity that is not the caller's own needs the Unpin action.
// Without unpin=yes a pinned activity breaks the business rule 400-243
// instead; a client application needs no action.
func pinnedNeedsUnpinAction(actor Actor, a *Activity, unpin bool) bool {
	return unpin && a.Pinned && a.AssignedUser != actor.UserID() && !actor.HasAction(ActionUnpin)
}

// transferLockedByAssignee is the lock rule of a transfer: an activity
// assigned to a user other than the caller must not be locked (by anyone
// but the caller; an expired lock does not count). The seed scopes the rule
// to activities assigned to another user, so a lock on an activity that is
// queued or assigned to the caller does not stop a transfer; the transfer
// releases it.
func transferLockedByAssignee(a *Activity, actor Actor, now time.Time) bool {
	if a.Status != StatusAssigned || a.AssignedUser == 0 || a.AssignedUser == actor.UserID() {
		return false
	}
	return a.LockedByOther(actor.UserID(), now)
}
