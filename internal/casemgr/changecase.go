package casemgr

import (
	"context"
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

// ChangeCase moves activities of one case, with their completed responses,
// to another case (PATCH /activity/{ids}/changecase). It returns the ID of
// the case created, or 0 when the target existed.
func (s *Service) ChangeCase(ctx context.Context, actor Actor, req ChangeCaseRequest) (ID, error) {
	if len(req.Activities) > MaxActivities {
		return 0, E(CodeTooManyActivities, "max", strconv.Itoa(MaxActivities), "count", strconv.Itoa(len(req.Activities)))
	}
	if err := checkActivityCount(req.Activities); err != nil {
		return 0, err
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

func checkNewCase(n *NewCaseFields, now time.Time) (*time.Time, error) {
	var due *time.Time
	if n.DueDate != nil {
		t, err := ParseTime(*n.DueDate)
		if err != nil || !t.After(now) {
			return nil, E(CodeDueDateInvalid, "value", *n.DueDate)
		}
		due = &t
	}
	if n.Severity != nil && !containsString(Severities, *n.Severity) {
		return nil, E(CodeSeverityInvalid, "value", *n.Severity)
	}
	if n.Subject != nil {
		if l := len([]rune(*n.Subject)); l > 1024 {
			return nil, E(CodeCaseSubjectTooLong, "count", strconv.Itoa(l), "max", "1024")
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
	for _, name := range sortedKeys(attrs) {
		d, ok := byName[name]
		if !ok {
			return E(CodeAttributeUnknown, "name", name, "entity", object)
		}
		if d.Type == "enum" {
			for _, v := range attrs[name] {
				if !containsString(d.Values, v) {
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
	ids := uniqueSorted(req.Activities)
	acts, err := tx.Activities(ids, true)
	if err != nil {
		return 0, err
	}
	found := byID(acts)
	var missing []ID
	for _, id := range req.Activities {
		if found[id] == nil {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return 0, E(CodeNotFound, "entity", "activity", "ids", joinIDs(missing))
	}

	var v Violations
	if !actor.HasAction(ActionChangeCase) {
		return 0, E(CodeActionNotAllowed, "action", ActionChangeCase)
	}
	for _, a := range acts {
		if !actor.WorksIn(a.Department) {
			v.Add(PhasePermission, FormatID(a.ID), CodeDepartmentAccess)
		} else if lic := ActivityLicenses(a.Type); !actor.HasLicense(lic...) {
			v.Add(PhasePermission, FormatID(a.ID), CodeLicenseMissing, "license", licenseList(lic))
		}
	}
	if err := v.Err(); err != nil {
		return 0, err
	}

	// All activities belong to one case, which exists.
	source := acts[0].Case
	for _, a := range acts {
		if a.Case != source {
			return 0, E(CodeActivitiesInManyCases)
		}
	}
	caseIDs := []ID{source}
	if req.TargetCase != 0 {
		caseIDs = uniqueSorted([]ID{source, req.TargetCase})
	}
	cases, err := tx.Cases(caseIDs, true)
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
	responses, err := tx.Responses(ids, true)
	if err != nil {
		return 0, err
	}
	if src == nil {
		for _, a := range acts {
			v.Add(PhaseRule, FormatID(a.ID), CodeSourceCaseMissing)
		}
	}
	for _, a := range acts {
		key := FormatID(a.ID)
		if !changeableStatus(a.Status) {
			v.Add(PhaseRule, key, CodeStatusNotAllowed)
		}
		if a.LockedByOther(actor.UserID(), now) {
			v.Add(PhaseRule, key, CodeActivityLocked)
		}
	}
	checkResponses(&v, responses)
	if req.TargetCase != 0 {
		switch {
		case dst == nil:
			v.Add(PhaseRule, "", CodeTargetCaseNotFound, "value", FormatID(req.TargetCase))
		case req.TargetCase == source:
			v.Add(PhaseRule, "", CodeAlreadyInCase, "value", FormatID(source))
		case src != nil && src.Customer != dst.Customer:
			v.Add(PhaseRule, "", CodeCaseCustomerMismatch, "value", FormatID(dst.ID))
		}
	}
	if err := v.Err(); err != nil {
		return 0, err
	}

	var hist []HistoryEntry
	var created ID
	if dst == nil {
		// A new case like the original: same department, owner, customer
		// and originating channel, open.
		c := Case{Department: src.Department, Status: CaseOpen, Owner: src.Owner, Customer: src.Customer,
			Severity: src.Severity, Subject: src.Subject, OriginatingChannel: src.OriginatingChannel,
			DueDate: due, CustomAttributes: req.New.CustomAttributes,
			Created: now, CreatedBy: lastModifiedBy(actor), LastModified: now, LastModifiedBy: lastModifiedBy(actor)}
		n := req.New
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
		if err := tx.InsertCase(&c); err != nil {
			return 0, err
		}
		created = c.ID
		dst = &c
		hist = append(hist, history("case", c.ID, "create", actor, now, nil, c))
	} else if dst.Status == CaseClosed {
		before := *dst
		dst.Status = CaseOpen
		dst.LastModified = NextModified(dst.LastModified, now)
		dst.LastModifiedBy = lastModifiedBy(actor)
		if err := tx.UpdateCase(dst); err != nil {
			return 0, err
		}
		hist = append(hist, history("case", dst.ID, "reopen", actor, now, before, *dst))
	}

	// Move the activities and their completed responses.
	var changed []*Activity
	move := func(a *Activity) {
		before := *a
		a.Case = dst.ID
		a.LastModified = NextModified(a.LastModified, now)
		a.LastModifiedBy = lastModifiedBy(actor)
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
		before := *src
		src.Status = CaseClosed
		t := now
		src.LastClosed = &t
		src.LastModified = NextModified(src.LastModified, now)
		src.LastModifiedBy = lastModifiedBy(actor)
		if err := tx.UpdateCase(src); err != nil {
			return 0, err
		}
		hist = append(hist, history("case", src.ID, "close", actor, now, before, *src))
	}
	if req.RelateCase {
		if err := tx.RelateCases(src.ID, dst.ID); err != nil {
			return 0, err
		}
		hist = append(hist, history("case", src.ID, "relate", actor, now, nil, map[string]ID{"relatedCase": dst.ID}))
	}
	sort.SliceStable(hist, func(i, j int) bool { return hist[i].Entity < hist[j].Entity })
	return created, tx.AppendHistory(hist)
}
