package casemgr

import (
	"context"
	"time"
)

// TransferToUserRequest transfers activities to a user
// (PATCH /activity/transfer/user/{id}).
type TransferToUserRequest struct {
	User  ID
	Items []BulkItem
	// Unpin allows pinned activities to move (unpin=yes).
	Unpin bool
}

// TransferToQueueRequest transfers activities to a queue
// (PATCH /activity/transfer/queue/{id}).
type TransferToQueueRequest struct {
	Queue ID
	Items []BulkItem
	// Unpin allows pinned activities to move (unpin=yes).
	Unpin bool
}

// PickRequest assigns activities to the calling user
// (PATCH /activity/pick).
type PickRequest struct {
	Items []BulkItem
	// Unpin allows pinned activities to move (unpin=yes).
	Unpin bool
}

// TransferToUser assigns activities to a user, all or nothing. The checks
// run in the documented order: the bulk body, the user of the path (404),
// the activities exist (400), the caller's license, transfer permission on
// the target and pick permissions (403), the business rules, and a stale
// lastModified last (409).
func (s *Service) TransferToUser(ctx context.Context, actor Actor, req TransferToUserRequest) error {
	if err := checkBulkBody(req.Items); err != nil {
		return err
	}
	return s.Store.Write(ctx, func(tx Tx) error {
		now := s.now()
		target, err := tx.User(req.User)
		if err != nil {
			return err
		}
		if target == nil {
			return E(CodeNotFound, "entity", "user", "ids", FormatID(req.User))
		}
		st, err := loadBulk(tx, req.Items)
		if err != nil {
			return err
		}
		v := checkTransferToUser(st, actor, target, req, now)
		if err := v.Err(); err != nil {
			return err
		}
		return applyMoves(tx, st, actor, "transfer", now, assignTo(target.ID))
	})
}

// checkTransferToUser checks TU2–TU10 in their order; each stage stops the
// check when it refuses.
func checkTransferToUser(st *bulkState, actor Actor, target *User, req TransferToUserRequest, now time.Time) Violations {
	var v Violations
	if bulkActivitiesExist(&v, st, actor, req.Items); v.Any() {
		return v
	}
	if !actor.MayTransferTo(target.ID) {
		v.Refuse(E(CodeTransferNotPermitted, "name", target.Name))
		return v
	}
	if checkMovePermissions(&v, st, actor, req.Items, req.Unpin); v.Any() {
		return v
	}
	for _, a := range st.named {
		checkMoveRules(&v, a, actor, req.Unpin, now)
		key := FormatID(a.ID)
		if alreadyAssignedTo(a, target.ID) {
			v.Add(PhaseRule, key, CodeAlreadyAssignedToTarget, "name", target.Name)
		}
		if !targetWorksInActivityDepartment(a, target) {
			v.Add(PhaseRule, key, CodeTargetNotInDepartment, "name", target.Name)
		}
		if routable(a.Type) && !targetLicensedForType(a, target) {
			v.Add(PhaseRule, key, CodeTargetLicenseForType, "name", target.Name, "value", a.Type)
		}
	}
	bulkLastModifiedFresh(&v, st, req.Items)
	return v
}

// TransferToQueue puts activities into a queue, unassigned, all or
// nothing, in the order of TransferToUser (the queue of the path: 404; the
// transfer permission on the queue: 403; the queue active: 400).
func (s *Service) TransferToQueue(ctx context.Context, actor Actor, req TransferToQueueRequest) error {
	if err := checkBulkBody(req.Items); err != nil {
		return err
	}
	return s.Store.Write(ctx, func(tx Tx) error {
		now := s.now()
		q, err := tx.Queue(req.Queue)
		if err != nil {
			return err
		}
		if q == nil {
			return E(CodeNotFound, "entity", "queue", "ids", FormatID(req.Queue))
		}
		st, err := loadBulk(tx, req.Items)
		if err != nil {
			return err
		}
		v := checkTransferToQueue(st, actor, q, req, now)
		if err := v.Err(); err != nil {
			return err
		}
		return applyMoves(tx, st, actor, "transfer", now, func(a *Activity) {
			a.Status, a.AssignedUser, a.Queue = StatusAwaitingAssignment, 0, q.ID
		})
	})
}

// checkTransferToQueue checks TQ2–TQ5 in their order; each stage stops the
// check when it refuses.
func checkTransferToQueue(st *bulkState, actor Actor, q *Queue, req TransferToQueueRequest, now time.Time) Violations {
	var v Violations
	if bulkActivitiesExist(&v, st, actor, req.Items); v.Any() {
		return v
	}
	if !actor.MayTransferToQueue(q.ID) {
		v.Refuse(E(CodeQueueTransferNotPermitted, "name", q.Name))
		return v
	}
	if checkMovePermissions(&v, st, actor, req.Items, req.Unpin); v.Any() {
		return v
	}
	if !queueActive(q) {
		v.Refuse(E(CodeQueueInactive, "name", q.Name))
		return v
	}
	for _, a := range st.named {
		checkMoveRules(&v, a, actor, req.Unpin, now)
		if alreadyInTargetQueue(a, q) {
			v.Add(PhaseRule, FormatID(a.ID), CodeAlreadyInTargetQueue, "name", q.Name)
		}
		if !inQueueDepartment(a, q) {
			v.Add(PhaseRule, FormatID(a.ID), CodeNotInQueueDepartment, "name", q.Name)
		}
	}
	bulkLastModifiedFresh(&v, st, req.Items)
	return v
}

// Pick assigns activities to the calling user, all or nothing (PK1–PK7).
// The lastModified of each activity is compared with the row locked in the
// write transaction, so of a pick and another move of the same activity
// racing each other exactly one wins and the other answers 409.
func (s *Service) Pick(ctx context.Context, actor Actor, req PickRequest) error {
	if err := checkBulkBody(req.Items); err != nil {
		return err
	}
	if !callerIsUser(actor) {
		return E(CodeActionNotAllowed, "action", ActionPickActivities)
	}
	return s.Store.Write(ctx, func(tx Tx) error {
		now := s.now()
		st, err := loadBulk(tx, req.Items)
		if err != nil {
			return err
		}
		v := checkPick(st, actor, req, now)
		if err := v.Err(); err != nil {
			return err
		}
		return applyMoves(tx, st, actor, "pick", now, assignTo(actor.UserID()))
	})
}

// checkPick checks PK2–PK7 in their order; each stage stops the check when
// it refuses.
func checkPick(st *bulkState, actor Actor, req PickRequest, now time.Time) Violations {
	var v Violations
	if bulkActivitiesExist(&v, st, actor, req.Items); v.Any() {
		return v
	}
	if checkMovePermissions(&v, st, actor, req.Items, req.Unpin); v.Any() {
		return v
	}
	for _, a := range st.named {
		key := FormatID(a.ID)
		if draftReplyNamed(a) {
			v.Add(PhaseRule, key, CodeDraftReplyNamed)
		}
		if !routable(a.Type) {
			v.Add(PhaseRule, key, CodeTypeNotRoutable, "value", a.Type)
		}
		if alreadyAssignedTo(a, actor.UserID()) {
			v.Add(PhaseRule, key, CodeAlreadyAssignedToCaller)
		}
		checkLockAndStatus(&v, a, actor, req.Unpin, now)
	}
	bulkLastModifiedFresh(&v, st, req.Items)
	return v
}

// checkMovePermissions checks what a user needs to move activities (403):
// any user license, and the pick permissions and licenses (pickRule) for
// every activity not assigned to the caller. A client application needs
// nothing beyond its token.
func checkMovePermissions(v *Violations, st *bulkState, actor Actor, items []BulkItem, unpin bool) {
	if actor.User == nil {
		return
	}
	if !callerHoldsAnyLicense(actor) {
		v.Refuse(E(CodeLicenseMissing, "ids", joinIDs(BulkIDs(items)), "license", "any user license"))
		return
	}
	for _, a := range st.named {
		if a.AssignedUser != actor.UserID() {
			pickRule(v, actor, a, unpin)
		}
	}
}

// checkMoveRules checks the business rules both transfers share (TU2–TU7,
// TQ2): no draft reply named, the type and mode, the status, the lock and
// the pin.
func checkMoveRules(v *Violations, a *Activity, actor Actor, unpin bool, now time.Time) {
	key := FormatID(a.ID)
	if draftReplyNamed(a) {
		v.Add(PhaseRule, key, CodeDraftReplyNamed)
	}
	if !routable(a.Type) {
		v.Add(PhaseRule, key, CodeTypeNotRoutable, "value", a.Type)
	} else if !messageModeRoutable(a) {
		v.Add(PhaseRule, key, CodeModeNotRoutable, "value", a.Mode)
	}
	checkLockAndStatus(v, a, actor, unpin, now)
}

// checkLockAndStatus checks the status (400-204), the lock of the assignee
// (403-201) and the pin (400-243), as transfer to department does.
func checkLockAndStatus(v *Violations, a *Activity, actor Actor, unpin bool, now time.Time) {
	key := FormatID(a.ID)
	if !changeableStatus(a.Status) {
		v.Add(PhaseRule, key, CodeStatusNotAllowed)
	}
	if transferLockedByAssignee(a, actor, now) {
		v.Add(PhaseRule, key, CodeActivityLocked)
	}
	if pinnedNeedsUnpin(a, unpin) {
		v.Add(PhaseRule, key, CodePinnedNeedsUnpin)
	}
}
