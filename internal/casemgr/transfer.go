package casemgr

import (
	"context"
	"time"
)

// TransferRequest transfers activities to a department.
type TransferRequest struct {
	Department ID
	Items      []BulkItem
	// Unpin allows pinned activities to be transferred (unpin=yes).
	Unpin bool
	// Reassign keeps activities assigned to the caller assigned to the
	// caller when the caller is a member of the target department
	// (reassign=yes).
	Reassign bool
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
	if err := checkBulkBody(req.Items); err != nil {
		return err
	}
	pre, err := s.prefetch(ctx, prefetchWanted{deptIDs: []ID{req.Department}})
	if err != nil {
		return err
	}
	return s.Store.Write(ctx, func(tx Tx) error {
		now := s.now()
		st, err := loadTransfer(pre.on(tx), req)
		if err != nil {
			return err
		}
		v := checkTransfer(st, actor, req, now)
		if err := v.Err(); err != nil {
			return err
		}
		return applyTransfer(tx, st, actor, req, now)
	})
}

// transferState is what a transfer reads, locked, in its transaction.
type transferState struct {
	// target is the department of the path; nil when it does not exist,
	// and then nothing else is loaded.
	target *Department
	*bulkState
}

// loadTransfer reads the target department and locks the activities of the
// request with their responses.
func loadTransfer(tx Tx, req TransferRequest) (*transferState, error) {
	target, err := tx.Department(req.Department)
	if err != nil || target == nil {
		return &transferState{}, err
	}
	st, err := loadBulk(tx, req.Items)
	if err != nil {
		return nil, err
	}
	return &transferState{target: target, bulkState: st}, nil
}

// checkTransfer checks every rule of docs/operations/transfer-to-department.md
// in its order: the department of the path (404), the existence of every
// activity (an activity the actor does not see is missing, with the same
// answer), the actor's license, sharing and Pick Activities permissions
// (403), the transfer workflow, the business rules, and a stale
// lastModified last. Each stage stops the check when it refuses.
func checkTransfer(st *transferState, actor Actor, req TransferRequest, now time.Time) Violations {
	var v Violations
	if st.target == nil {
		v.Refuse(E(CodeNotFound, "entity", "department", "ids", FormatID(req.Department)))
		return v
	}
	if bulkActivitiesExist(&v, st.bulkState, actor, req.Items); v.Any() {
		return v
	}
	if checkTransferPermissions(&v, st, actor, req); v.Any() {
		return v
	}
	if !targetHasTransferWorkflow(st.target) {
		v.Refuse(E(CodeNoTransferWorkflow, "department", st.target.Name))
		return v
	}
	for _, a := range st.named {
		checkTransferRules(&v, a, st.target, actor, req, now)
	}
	bulkLastModifiedFresh(&v, st.bulkState, req.Items)
	return v
}

// checkTransferPermissions checks what a user needs (403); a client
// application needs nothing beyond its token.
func checkTransferPermissions(v *Violations, st *transferState, actor Actor, req TransferRequest) {
	if actor.User == nil {
		return
	}
	if !actor.HasAnyLicense() {
		v.Refuse(E(CodeLicenseMissing, "ids", joinIDs(BulkIDs(req.Items)), "license", "any user license"))
		return
	}
	for _, a := range st.named {
		// An activity already in the target department breaks a business
		// rule, not a permission: neither sharing nor picking is asked of it.
		if alreadyInTargetDepartment(a, st.target) {
			continue
		}
		if !targetSharedWithActivityDepartment(a, st.target) {
			v.Add(PhasePermission, FormatID(a.ID), CodeDepartmentNotShared, "department", st.target.Name)
		}
		if a.AssignedUser != actor.UserID() {
			pickRule(v, actor, a, req.Unpin)
		}
	}
}

// checkTransferRules checks the business rules of one activity.
func checkTransferRules(v *Violations, a *Activity, target *Department, actor Actor, req TransferRequest, now time.Time) {
	key := FormatID(a.ID)
	if !transferable(a.Type) {
		v.Add(PhaseRule, key, CodeTypeNotTransferable, "value", a.Type)
	} else if !emailModeTransferable(a) {
		v.Add(PhaseRule, key, CodeEmailModeNotAllowed, "value", a.Mode)
	}
	if !changeableStatus(a.Status) {
		v.Add(PhaseRule, key, CodeStatusNotAllowed)
	}
	if transferLockedByAssignee(a, actor, now) {
		v.Add(PhaseRule, key, CodeActivityLocked)
	}
	if pinnedNeedsUnpin(a, req.Unpin) {
		v.Add(PhaseRule, key, CodePinnedNeedsUnpin)
	}
	if alreadyInTargetDepartment(a, target) {
		v.Add(PhaseRule, key, CodeAlreadyInDepartment, "department", target.Name)
	}
}

// applyTransfer moves the activities: they land unassigned, unpinned and
// unlocked in the target's transfer-workflow queue, unless reassign=yes
// keeps one that the caller holds with the caller (a member of the
// target). Draft replies of inbound emails move with their activity.
func applyTransfer(tx Tx, st *transferState, actor Actor, req TransferRequest, now time.Time) error {
	var changed []*Activity
	var hist []HistoryEntry
	keepCaller := req.Reassign && actor.MemberOf(st.target.ID)
	move := func(a *Activity, status string, user ID) {
		hist = append(hist, moveActivity(a, "transfer", actor, now, func(a *Activity) {
			a.LastDepartment, a.Department = a.Department, st.target.ID
			a.Queue = st.target.TransferQueue
			a.Status, a.AssignedUser = status, user
		}))
		changed = append(changed, a)
	}
	for _, a := range st.named {
		status, user := StatusAwaitingAssignment, ID(0)
		if keepCaller && a.AssignedUser == actor.UserID() {
			status, user = StatusAssigned, actor.UserID()
		}
		move(a, status, user)
	}
	drafts, parents := st.travellingDrafts()
	for i, r := range drafts {
		move(r, parents[i].Status, parents[i].AssignedUser)
	}
	if err := tx.UpdateActivities(changed); err != nil {
		return err
	}
	return tx.AppendHistory(hist)
}
