package casemgr

import (
	"context"
	"maps"
	"slices"
	"time"
)

// CompleteRequest completes activities (PATCH /activity/complete).
type CompleteRequest struct {
	Items []BulkItem
}

// CompletedActivity is one completed activity with the status of its case
// after the call; Case is 0 for an activity without a case.
type CompletedActivity struct {
	Activity   ID
	Case       ID
	CaseStatus string
}

// Complete completes activities assigned to the caller, all or nothing,
// and closes each of their cases that is left without an open activity. It
// returns every activity of the request, in its order, with its case's
// status after the call.
//
// The checks run in the documented order (docs/operations/complete-activities.md):
// the bulk body (B1–B4), the activities exist and the actor sees them (B5),
// the Complete action and the licenses of their types (403), the business
// rules CA2–CA7, and a stale lastModified last (B6).
func (s *Service) Complete(ctx context.Context, actor Actor, req CompleteRequest) ([]CompletedActivity, error) {
	if err := checkBulkBody(req.Items); err != nil {
		return nil, err
	}
	var out []CompletedActivity
	err := s.Store.Write(ctx, func(tx Tx) error {
		now := s.now()
		st, err := loadComplete(tx, req.Items)
		if err != nil {
			return err
		}
		v := checkComplete(st, actor, req, now)
		if err := v.Err(); err != nil {
			return err
		}
		out, err = applyComplete(tx, st, actor, now)
		return err
	})
	return out, err
}

// completeState is what a complete reads, locked, in its transaction: the
// activities of the bulk body with their responses, their departments and
// their cases.
type completeState struct {
	*bulkState
	depts map[ID]*Department
	cases map[ID]*Case
}

// loadComplete locks the activities with their responses, then their cases
// (activities before cases, as change-case locks them), and reads their
// departments.
func loadComplete(tx Tx, items []BulkItem) (*completeState, error) {
	bulk, err := loadBulk(tx, items)
	if err != nil {
		return nil, err
	}
	st := &completeState{bulkState: bulk, depts: map[ID]*Department{}, cases: map[ID]*Case{}}
	var caseIDs []ID
	for _, a := range bulk.named {
		if a == nil {
			continue
		}
		if a.Case != 0 {
			caseIDs = append(caseIDs, a.Case)
		}
		if _, ok := st.depts[a.Department]; !ok {
			if st.depts[a.Department], err = tx.Department(a.Department); err != nil {
				return nil, err
			}
		}
	}
	cases, err := tx.Cases(slices.Compact(slices.Sorted(slices.Values(caseIDs))), true)
	if err != nil {
		return nil, err
	}
	for i := range cases {
		st.cases[cases[i].ID] = &cases[i]
	}
	return st, nil
}

// checkComplete checks CA1–CA7 in their order; each stage stops the check
// when it refuses.
func checkComplete(st *completeState, actor Actor, req CompleteRequest, now time.Time) Violations {
	var v Violations
	if bulkActivitiesExist(&v, st.bulkState, actor, req.Items); v.Any() {
		return v
	}
	if !actor.HasAction(ActionComplete) {
		v.Refuse(E(CodeActionNotAllowed, "action", ActionComplete))
		return v
	}
	for _, a := range st.named {
		requireLicense(&v, actor, a, wrapUpLicenses(a.Type))
	}
	if v.Any() {
		return v
	}
	for _, a := range st.named {
		checkCompleteRules(&v, a, st.depts[a.Department], actor, now)
	}
	bulkLastModifiedFresh(&v, st.bulkState, req.Items)
	return v
}

// checkCompleteRules checks the business rules of one activity.
func checkCompleteRules(v *Violations, a *Activity, dept *Department, actor Actor, now time.Time) {
	key := FormatID(a.ID)
	if !editNeedsAssigned(a) || !assignedToCaller(a, actor) {
		v.Add(PhaseRule, key, CodeCompleteNotAssigned)
	}
	if !completable(a.Type) {
		v.Add(PhaseRule, key, CodeCompleteTypeNotAllowed, "value", a.Type)
	}
	if draftReplyNamed(a) {
		v.Add(PhaseRule, key, CodeDraftReplyNamed)
	}
	if completeNeedsCategory(a, dept) {
		v.Add(PhaseRule, key, CodeCompleteNeedsCategory)
	}
	if completeNeedsResolutionCode(a, dept) {
		v.Add(PhaseRule, key, CodeCompleteNeedsResolution)
	}
	if awaitingSupervision(a) {
		v.Add(PhaseRule, key, CodeCompleteAwaitsSupervision)
	}
	if a.LockedByOther(actor.UserID(), now) {
		v.Add(PhaseRule, key, CodeCompleteLocked)
	}
}

// applyComplete completes the activities (substatus done, unpinned,
// unlocked) and closes every case of theirs left without an open activity.
func applyComplete(tx Tx, st *completeState, actor Actor, now time.Time) ([]CompletedActivity, error) {
	changed := make([]*Activity, 0, len(st.named))
	hist := make([]HistoryEntry, 0, len(st.named)+len(st.cases))
	for _, a := range st.named {
		before := *a
		a.Status = StatusCompleted
		// A completed activity shows substatus done: an earlier one goes.
		a.Substatus = ""
		a.Pinned = false
		a.LockedBy, a.LockExpires = 0, nil
		a.LastModified = NextModified(a.LastModified, now)
		a.LastModifiedBy = lastModifiedBy(actor)
		changed = append(changed, a)
		hist = append(hist, history("activity", a.ID, "complete", actor, now, &before, a))
	}
	if err := tx.UpdateActivities(changed); err != nil {
		return nil, err
	}
	closed, err := closeCasesLeftWithoutOpenActivity(tx, st.cases, actor, now)
	if err != nil {
		return nil, err
	}
	if err := tx.AppendHistory(append(hist, closed...)); err != nil {
		return nil, err
	}
	out := make([]CompletedActivity, len(st.named))
	for i, a := range st.named {
		out[i] = CompletedActivity{Activity: a.ID, Case: a.Case}
		if c := st.cases[a.Case]; c != nil {
			out[i].CaseStatus = c.Status
		}
	}
	return out, nil
}

// closeCasesLeftWithoutOpenActivity closes each case whose activities, after
// the completion, are none of them open (sourceCaseClosesWhenNoOpenActivity,
// the rule change-case closes its source case by), and returns their
// history entries.
func closeCasesLeftWithoutOpenActivity(tx Tx, cases map[ID]*Case, actor Actor, now time.Time) ([]HistoryEntry, error) {
	if len(cases) == 0 {
		return nil, nil
	}
	ids := slices.Sorted(maps.Keys(cases))
	byCase, err := tx.CaseActivityStatuses(ids)
	if err != nil {
		return nil, err
	}
	var hist []HistoryEntry
	for _, id := range ids {
		c := cases[id]
		if !sourceCaseClosesWhenNoOpenActivity(c, byCase[id]) {
			continue
		}
		before := *c
		c.Status = CaseClosed
		closedAt := now
		c.LastClosed = &closedAt
		c.LastModified = NextModified(c.LastModified, now)
		c.LastModifiedBy = lastModifiedBy(actor)
		if err := tx.UpdateCase(c); err != nil {
			return nil, err
		}
		hist = append(hist, history("case", c.ID, "complete", actor, now, before, *c))
	}
	return hist, nil
}
