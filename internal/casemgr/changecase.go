package casemgr

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strconv"
	"time"
)

// NewCaseFields are the optional elements of a new target case. Nil means
// the element was not sent.
type NewCaseFields struct {
	Subject          *string
	Severity         *string
	DueDate          *string
	Description      *string
	Solution         *string
	CustomAttributes map[string][]string
}

// ChangeCaseRequest moves activities of one case to an existing case
// (TargetCase set) or to a new case (New set, possibly empty).
type ChangeCaseRequest struct {
	Activities []ID
	TargetCase ID
	New        *NewCaseFields
	RelateCase bool
}

// maxCaseText is the most characters a case subject, description or
// solution may have.
const maxCaseText = 1024

// ChangeCase moves activities of one case, with their completed responses,
// to another case (PATCH /activity/{ids}/changecase). It returns the ID of
// the case created, or 0 when the target existed.
//
// The checks run in the documented order: the request itself (number of
// activities, the new case's elements), then the activities named in the
// path (404; those the actor does not see too), then the actor's action and
// licenses (403), then
// the business rules of the seed, collected for every activity. Nothing
// changes unless every check passes; everything changes in one transaction.
func (s *Service) ChangeCase(ctx context.Context, actor Actor, req ChangeCaseRequest) (ID, error) {
	if err := checkActivityCount(req.Activities); err != nil {
		return 0, err
	}
	if req.TargetCase == 0 && req.New == nil {
		req.New = &NewCaseFields{}
	}
	now := s.now()
	var due *time.Time
	if req.New != nil {
		var err error
		if due, err = checkNewCase(req.New, now); err != nil {
			return 0, err
		}
	}
	var created ID
	err := s.Store.Write(ctx, func(tx Tx) error {
		var err error
		created, err = s.changeCase(tx, actor, req, due, now)
		return err
	})
	return created, err
}

// checkNewCase checks the elements of a new target case that need no
// database: dueDate a valid date in the future, severity one of the four,
// subject (and description and solution, spec 4) at most 1024 characters.
func checkNewCase(n *NewCaseFields, now time.Time) (*time.Time, error) {
	var due *time.Time
	if n.DueDate != nil {
		t, err := ParseTime(*n.DueDate)
		if err != nil || !t.After(now) {
			return nil, E(CodeDueDateInvalid, "value", *n.DueDate)
		}
		due = &t
	}
	if n.Severity != nil && !slices.Contains(Severities, *n.Severity) {
		return nil, E(CodeSeverityInvalid, "value", *n.Severity)
	}
	if n.Subject != nil {
		if l := len([]rune(*n.Subject)); l > maxCaseText {
			return nil, E(CodeCaseSubjectTooLong, "count", strconv.Itoa(l), "max", strconv.Itoa(maxCaseText))
		}
	}
	for _, f := range []struct {
		name  string
		value *string
	}{{"description", n.Description}, {"solution", n.Solution}} {
		if f.value == nil {
			continue
		}
		if l := len([]rune(*f.value)); l > maxCaseText {
			return nil, E(CodeCaseTextTooLong, "name", f.name, "count", strconv.Itoa(l), "max", strconv.Itoa(maxCaseText))
		}
	}
	return due, nil
}

// CheckCustomAttributes checks custom attribute values against the
// definitions of an object ("case", "activity").
func CheckCustomAttributes(tx Tx, object string, attrs map[string][]string) error {
	if len(attrs) == 0 {
		return nil
	}
	defs, err := tx.AttributeDefs(object)
	if err != nil {
		return err
	}
	byName := map[string]AttributeDef{}
	for _, d := range defs {
		byName[d.Name] = d
	}
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		d, ok := byName[name]
		if !ok {
			return E(CodeAttributeUnknown, "name", name, "entity", object)
		}
		if d.Type == "enum" {
			for _, v := range attrs[name] {
				if !slices.Contains(d.Values, v) {
					return E(CodeAttributeValue, "name", name, "value", v)
				}
			}
		}
	}
	return nil
}

func (s *Service) changeCase(tx Tx, actor Actor, req ChangeCaseRequest, due *time.Time, now time.Time) (ID, error) {
	if req.New != nil {
		if err := CheckCustomAttributes(tx, "case", req.New.CustomAttributes); err != nil {
			return 0, err
		}
	}

	// The activities of the path exist and the actor sees them (404
	// otherwise, the same answer for both: an activity of a department the
	// user does not see does not exist for them).
	ids := slices.Compact(slices.Sorted(slices.Values(req.Activities)))
	acts, responses, err := lockWithResponses(tx, ids)
	if err != nil {
		return 0, err
	}
	found := byID(acts)
	var missing []ID
	for _, id := range req.Activities {
		if !actor.SeesActivity(found[id]) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		e := E(CodeNotFound, "entity", "activity", "ids", joinIDs(missing))
		for _, id := range missing {
			e.Details = append(e.Details, Detail{Key: FormatID(id), Code: CodeNotFound,
				Args: map[string]string{"entity": "activity", "ids": FormatID(id)}})
		}
		return 0, e
	}

	// The actor: the Change Case action on Activity and the license for
	// each activity's type (403). Department access is settled above: the
	// activities the user sees are those of their departments.
	if !actor.HasAction(ActionChangeCase) {
		return 0, E(CodeActionNotAllowed, "action", ActionChangeCase)
	}
	var v Violations
	for _, a := range acts {
		if lic := ActivityLicenses(a.Type); !actor.HasLicense(lic...) {
			v.Add(PhasePermission, FormatID(a.ID), CodeLicenseMissing, "license", licenseList(lic))
		}
	}
	if err := v.Err(); err != nil {
		return 0, err
	}

	// The business rules, in the order of the seed, for every activity.
	// All activities belong to one case, which exists.
	source := acts[0].Case
	oneCase := true
	for _, a := range acts {
		if a.Case != source {
			oneCase = false
		}
	}
	if !oneCase {
		source = 0
		for _, a := range acts {
			v.Add(PhaseRule, FormatID(a.ID), CodeActivitiesInManyCases, "value", FormatID(a.Case))
		}
	}
	var caseIDs []ID
	if source != 0 {
		caseIDs = append(caseIDs, source)
	}
	if req.TargetCase != 0 {
		caseIDs = append(caseIDs, req.TargetCase)
	}
	cases, err := tx.Cases(slices.Compact(slices.Sorted(slices.Values(caseIDs))), true)
	if err != nil {
		return 0, err
	}
	var src, dst *Case
	for i := range cases {
		if cases[i].ID == source {
			src = &cases[i]
		}
		if cases[i].ID == req.TargetCase {
			dst = &cases[i]
		}
	}
	if dst != nil && !actor.SeesCase(dst) {
		// A target case the user may not see does not exist for them, as
		// the reads answer it.
		dst = nil
	}
	if oneCase && src == nil {
		for _, a := range acts {
			v.Add(PhaseRule, FormatID(a.ID), CodeSourceCaseMissing)
		}
	}
	// Status: in queue waiting to be assigned, or assigned to a user.
	for _, a := range acts {
		if !changeableStatus(a.Status) {
			v.Add(PhaseRule, FormatID(a.ID), CodeStatusNotAllowed)
		}
	}
	// An existing target: it exists, it is not the case of the activities,
	// and it has the same customer (no customer matches only no customer).
	if req.TargetCase != 0 {
		target := FormatID(req.TargetCase)
		for _, a := range acts {
			key := FormatID(a.ID)
			switch {
			case dst == nil:
				v.Add(PhaseRule, key, CodeTargetCaseNotFound, "value", target)
			case a.Case == req.TargetCase:
				v.Add(PhaseRule, key, CodeAlreadyInCase, "value", target)
			case src != nil && src.Customer != dst.Customer:
				v.Add(PhaseRule, key, CodeCaseCustomerMismatch, "value", target)
			}
		}
	}
	// Existing responses are completed.
	checkResponses(&v, responses)
	// No activity is locked by another user (403).
	for _, a := range acts {
		if a.LockedByOther(actor.UserID(), now) {
			v.Add(PhaseRule, FormatID(a.ID), CodeActivityLocked)
		}
	}
	if err := v.Err(); err != nil {
		return 0, err
	}

	// The effects.
	var hist []HistoryEntry
	by := lastModifiedBy(actor)
	srcBefore := *src
	srcChanged := false
	var created ID
	var dstBefore Case
	dstChanged := false
	if dst == nil {
		// A new case like the original: same department, owner, customer
		// and originating channel, open; the subject of the original unless
		// one is sent. Nothing else is copied (the seed names no more).
		n := req.New
		c := Case{Department: src.Department, Status: CaseOpen, Owner: src.Owner, Customer: src.Customer,
			Subject: src.Subject, OriginatingChannel: src.OriginatingChannel,
			DueDate: due, CustomAttributes: n.CustomAttributes,
			Created: now, CreatedBy: by, LastModified: now, LastModifiedBy: by}
		if n.Subject != nil {
			c.Subject = *n.Subject
		}
		if n.Severity != nil {
			c.Severity = *n.Severity
		}
		if n.Description != nil {
			c.Description = *n.Description
		}
		if n.Solution != nil {
			c.Solution = *n.Solution
		}
		if req.RelateCase {
			// InsertCase relates it both ways.
			c.RelatedCases = []ID{src.ID}
		}
		if err := tx.InsertCase(&c); err != nil {
			return 0, err
		}
		created = c.ID
		dst = &c
		hist = append(hist, history("case", c.ID, "create", actor, now, nil, c))
	} else {
		dstBefore = *dst
		if dst.Status == CaseClosed {
			// A closed target reopens.
			dst.Status = CaseOpen
			dstChanged = true
		}
		if req.RelateCase && !slices.Contains(dst.RelatedCases, src.ID) {
			dst.RelatedCases = append(append([]ID(nil), dst.RelatedCases...), src.ID)
			dstChanged = true
		}
	}
	if req.RelateCase && !slices.Contains(src.RelatedCases, dst.ID) {
		src.RelatedCases = append(append([]ID(nil), src.RelatedCases...), dst.ID)
		srcChanged = true
	}

	// Move the activities and their completed responses.
	changed := make([]*Activity, 0, len(acts)+len(responses))
	move := func(a *Activity) {
		before := *a
		a.Case = dst.ID
		a.LastModified = NextModified(a.LastModified, now)
		a.LastModifiedBy = by
		changed = append(changed, a)
		hist = append(hist, history("activity", a.ID, "changecase", actor, now, before, *a))
	}
	for i := range acts {
		move(&acts[i])
	}
	for i := range responses {
		if found[responses[i].ID] == nil && responses[i].Case == source {
			move(&responses[i])
		}
	}
	if err := tx.UpdateActivities(changed); err != nil {
		return 0, err
	}

	// A source case left without open activities closes.
	left, err := tx.CaseActivities([]ID{source}, false)
	if err != nil {
		return 0, err
	}
	open := false
	for _, a := range left {
		if openStatus(a.Status) {
			open = true
			break
		}
	}
	if !open && src.Status != CaseClosed {
		src.Status = CaseClosed
		t := now
		src.LastClosed = &t
		srcChanged = true
	}

	// Write the existing cases that changed, each with one history entry.
	for _, c := range []struct {
		changed bool
		before  Case
		after   *Case
	}{{srcChanged, srcBefore, src}, {dstChanged, dstBefore, dst}} {
		if !c.changed {
			continue
		}
		c.after.LastModified = NextModified(c.after.LastModified, now)
		c.after.LastModifiedBy = by
		if err := tx.UpdateCase(c.after); err != nil {
			return 0, err
		}
		hist = append(hist, history("case", c.after.ID, "changecase", actor, now, c.before, *c.after))
	}
	sort.SliceStable(hist, func(i, j int) bool { return hist[i].Entity < hist[j].Entity })
	return created, tx.AppendHistory(hist)
}
