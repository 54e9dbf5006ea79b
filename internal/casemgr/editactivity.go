package casemgr

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"
)

// EditActivityRequest sets the wrap-up data of one activity (PATCH
// /activity). Nil (and a nil CustomAttributes) means an element that was
// not sent.
type EditActivityRequest struct {
	Activity     ID
	LastModified time.Time
	DueDate      *string
	Priority     *string
	Language     *string
	// CustomAttributes are merged by name into the activity's own.
	CustomAttributes map[string][]string
}

// EditActivity sets the due date, priority, language and custom attributes
// of one activity assigned to the caller, in one transaction.
//
// The checks run in the documented order (docs/operations/edit-activity.md):
// the elements sent (EA3, EA5–EA8), the activity exists and the actor sees
// it (400-203), the Edit Activity action and the license of its type (403),
// the business rules (EA9–EA11), and a stale lastModified last (EA12).
func (s *Service) EditActivity(ctx context.Context, actor Actor, req EditActivityRequest) error {
	now := s.now()
	due, err := checkEditFields(req, now)
	if err != nil {
		return err
	}
	return s.Store.Write(ctx, func(tx Tx) error {
		if err := checkEditValues(tx, req); err != nil {
			return err
		}
		acts, err := tx.Activities([]ID{req.Activity}, true)
		if err != nil {
			return err
		}
		var a *Activity
		if len(acts) == 1 {
			a = &acts[0]
		}
		v := checkEditActivity(a, actor, req, now)
		if err := v.Err(); err != nil {
			return err
		}
		return applyEditActivity(tx, a, actor, req, due, now)
	})
}

// checkEditFields checks the elements that need no database: something is
// edited (EA3), the due date lies in the future (EA5), the priority is 1 to
// 7 (EA6). It returns the due date sent, nil when none.
func checkEditFields(req EditActivityRequest, now time.Time) (*time.Time, error) {
	if !editSetsSomething(req) {
		return nil, E(CodeEditNothingToEdit)
	}
	var due *time.Time
	if req.DueDate != nil {
		t, ok := dueDateInFuture(*req.DueDate, now)
		if !ok {
			return nil, E(CodeEditDueDateInPast, "value", *req.DueDate)
		}
		due = &t
	}
	if req.Priority != nil && !priorityInRange(*req.Priority) {
		return nil, E(CodeEditPriorityInvalid, "value", *req.Priority)
	}
	return due, nil
}

// checkEditValues checks the elements against the configuration: the
// language is an activity language (EA7), the custom attributes are the
// activity's and take allowed values (EA8).
func checkEditValues(tx Tx, req EditActivityRequest) error {
	if req.Language != nil {
		langs, err := ActivityLanguages(tx)
		if err != nil {
			return err
		}
		if !languageSupported(*req.Language, langs) {
			return E(CodeEditLanguageInvalid, "value", *req.Language, "values", strings.Join(langs, ", "))
		}
	}
	if len(req.CustomAttributes) == 0 {
		return nil
	}
	defs, err := tx.AttributeDefs("activity")
	if err != nil {
		return err
	}
	var v Violations
	customAttributeValuesAreValid(&v, "activity", req.CustomAttributes, defs)
	return v.Err()
}

// checkEditActivity checks the activity: it exists and the actor sees it,
// the actor's action and license, the rules EA9–EA11, then EA12.
func checkEditActivity(a *Activity, actor Actor, req EditActivityRequest, now time.Time) Violations {
	var v Violations
	key := FormatID(req.Activity)
	if !actor.SeesActivity(a) {
		v.Add(PhaseRule, key, CodeActivityNotFound)
		return v
	}
	if !actor.HasAction(ActionEditActivity) {
		v.Refuse(E(CodeActionNotAllowed, "action", ActionEditActivity))
		return v
	}
	if requireLicense(&v, actor, a, wrapUpLicenses(a.Type)); v.Any() {
		return v
	}
	switch {
	case !editNeedsAssigned(a):
		v.Add(PhaseRule, key, CodeEditNotAssigned)
	case !assignedToCaller(a, actor):
		v.Add(PhaseRule, key, CodeEditNotAssignedToUser)
	}
	if a.LockedByOther(actor.UserID(), now) {
		v.Add(PhaseRule, key, CodeEditLocked)
	}
	if !lastModifiedMatches(a, req.LastModified) {
		v.Add(PhaseRule, key, CodeEditStale)
	}
	return v
}

// applyEditActivity sets what was sent, merges the custom attributes by
// name, moves lastModified and records an "edit" history entry.
func applyEditActivity(tx Tx, a *Activity, actor Actor, req EditActivityRequest, due *time.Time, now time.Time) error {
	before := *a
	before.CustomAttributes = maps.Clone(a.CustomAttributes)
	if due != nil {
		a.DueDate = due
	}
	if req.Priority != nil {
		a.Priority = *req.Priority
	}
	if req.Language != nil {
		a.Language = *req.Language
	}
	a.CustomAttributes = mergeCustomAttributes(a.CustomAttributes, req.CustomAttributes)
	a.LastModified = NextModified(a.LastModified, now)
	a.LastModifiedBy = lastModifiedBy(actor)
	if err := tx.UpdateActivities([]*Activity{a}); err != nil {
		return err
	}
	return tx.AppendHistory([]HistoryEntry{history("activity", a.ID, "edit", actor, now, before, *a)})
}

// mergeCustomAttributes returns the attributes of have with those of sent
// replacing theirs by name; the others are kept.
func mergeCustomAttributes(have, sent map[string][]string) map[string][]string {
	if len(sent) == 0 {
		return have
	}
	out := maps.Clone(have)
	if out == nil {
		out = map[string][]string{}
	}
	for name, values := range sent {
		out[name] = slices.Clone(values)
	}
	return out
}
