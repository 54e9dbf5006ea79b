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
	Unpin      bool
	Reassign   bool
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
	acts, err := tx.Activities(uniqueSorted(ids), true)
	if err != nil {
		return err
	}
	found := byID(acts)
	var v Violations
	for _, id := range ids {
		if found[id] == nil {
			v.Add(PhaseRule, FormatID(id), CodeActivityNotFound)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}

	deptName := target.Name
	if actor.User != nil {
		if !actor.HasAnyLicense() {
			return E(CodeLicenseMissing, "ids", joinIDs(ids), "license", "any user license")
		}
		for _, a := range acts {
			key := FormatID(a.ID)
			switch {
			case !actor.WorksIn(a.Department):
				v.Add(PhasePermission, key, CodeDepartmentAccess)
			case a.Department != target.ID && !target.SharedWithDept(a.Department):
				v.Add(PhasePermission, key, CodeDepartmentNotShared, "department", deptName)
			case a.AssignedUser != actor.UserID():
				if why := actor.CanPick(&a); why != "" {
					v.Add(PhasePermission, key, CodePickNotAllowed, "reason", why)
				}
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
	}

	if !target.HasTransferWorkflow() {
		return E(CodeNoTransferWorkflow, "department", deptName)
	}
	stamp := map[ID]time.Time{}
	for _, it := range req.Items {
		stamp[it.Activity] = it.LastModified
	}
	for _, a := range acts {
		key := FormatID(a.ID)
		if !transferable(a.Type) {
			v.Add(PhaseRule, key, CodeTypeNotTransferable, "value", a.Type)
		} else if a.Type == TypeEmail && a.Mode != ModeInbound && a.Mode != ModeComposed {
			v.Add(PhaseRule, key, CodeEmailModeNotAllowed, "value", a.Mode)
		}
		if !changeableStatus(a.Status) {
			v.Add(PhaseRule, key, CodeStatusNotAllowed)
		}
		if a.LockedByOther(actor.UserID(), now) {
			v.Add(PhaseRule, key, CodeActivityLocked)
		}
		if a.Pinned && !req.Unpin {
			v.Add(PhaseRule, key, CodePinnedNeedsUnpin)
		}
		if a.Department == target.ID {
			v.Add(PhaseRule, key, CodeAlreadyInDepartment, "department", deptName)
		}
		if !a.LastModified.Equal(stamp[a.ID]) {
			v.Add(PhaseRule, key, CodeStaleLastModified)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}

	// Draft replies of inbound emails move with their activity.
	responses, err := tx.Responses(ids, true)
	if err != nil {
		return err
	}
	var changed []*Activity
	var hist []HistoryEntry
	keep := req.Reassign && actor.MemberOf(target.ID)
	for i := range acts {
		a := &acts[i]
		before := *a
		a.LastDepartment, a.Department = a.Department, target.ID
		a.Queue = target.TransferQueue
		a.Status, a.AssignedUser = StatusAwaitingAssignment, 0
		if keep {
			a.Status, a.AssignedUser = StatusAssigned, actor.UserID()
		}
		a.Pinned = false
		a.LockedBy, a.LockExpires = 0, nil
		a.LastModified = NextModified(a.LastModified, now)
		a.LastModifiedBy = lastModifiedBy(actor)
		changed = append(changed, a)
		hist = append(hist, history("activity", a.ID, "transfer", actor, now, before, *a))
	}
	for i := range responses {
		r := &responses[i]
		parent := found[r.ResponseTo]
		if found[r.ID] != nil || r.Status == StatusCompleted || parent == nil || parent.Type != TypeEmail || parent.Mode != ModeInbound {
			continue
		}
		prev := *r
		r.LastDepartment, r.Department = r.Department, target.ID
		r.LastModified = NextModified(r.LastModified, now)
		r.LastModifiedBy = lastModifiedBy(actor)
		changed = append(changed, r)
		hist = append(hist, history("activity", r.ID, "transfer", actor, now, prev, *r))
	}
	if err := tx.UpdateActivities(changed); err != nil {
		return err
	}
	return tx.AppendHistory(hist)
}
