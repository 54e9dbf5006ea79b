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
// the business rules of docs/operations/change-case.md, collected for every
// activity. Nothing
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
	// On a store with one writer, the definitions of the case attributes
	// sent are read before the write transaction (prefetch.go).
	var want prefetchWanted
	if req.New != nil && len(req.New.CustomAttributes) > 0 {
		want.defs = []string{"case"}
	}
	pre, err := s.prefetch(ctx, want)
	if err != nil {
		return 0, err
	}
	var created ID
	err = s.Store.Write(ctx, func(tx Tx) error {
		if req.New != nil {
			if err := CheckCustomAttributes(pre.on(tx), "case", req.New.CustomAttributes); err != nil {
				return err
			}
		}
		st, err := loadChangeCase(tx, req)
		if err != nil {
			return err
		}
		v := checkChangeCase(st, actor, req, now)
		if err := v.Err(); err != nil {
			return err
		}
		created, err = applyChangeCase(tx, st, actor, req, due, now)
		return err
	})
	return created, err
}

// checkNewCase checks the elements of a new target case that need no
// database: dueDate a valid date in the future, severity one of the four,
// subject (and description and solution) at most 1024 characters.
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

// changeCaseState is what a change-case reads, locked, in its transaction.
type changeCaseState struct {
	// acts are the activities of the path that exist, in ID order, and
	// responses all their responses.
	acts, responses []Activity
	found           map[ID]*Activity
	// source is the case of the activities; 0 when they are in several.
	source  ID
	oneCase bool
	// src is the source case, nil when it does not exist; dst the existing
	// target case, nil when none is named or it does not exist.
	src, dst *Case
}

// loadChangeCase locks the activities of the path with their responses, and
// the source and target cases.
func loadChangeCase(tx Tx, req ChangeCaseRequest) (*changeCaseState, error) {
	acts, responses, err := lockWithResponses(tx, slices.Compact(slices.Sorted(slices.Values(req.Activities))))
	if err != nil {
		return nil, err
	}
	st := &changeCaseState{acts: acts, responses: responses, found: byID(acts)}
	if len(acts) == 0 {
		return st, nil
	}
	st.source, st.oneCase = acts[0].Case, activitiesInOneCase(acts)
	if !st.oneCase {
		st.source = 0
	}
	var caseIDs []ID
	if st.source != 0 {
		caseIDs = append(caseIDs, st.source)
	}
	if req.TargetCase != 0 {
		caseIDs = append(caseIDs, req.TargetCase)
	}
	cases, err := tx.Cases(slices.Compact(slices.Sorted(slices.Values(caseIDs))), true)
	if err != nil {
		return nil, err
	}
	for i := range cases {
		if cases[i].ID == st.source {
			st.src = &cases[i]
		}
		if cases[i].ID == req.TargetCase {
			st.dst = &cases[i]
		}
	}
	return st, nil
}

// checkChangeCase checks every rule of docs/operations/change-case.md in its
// order: the activities of the path exist and the actor sees them (404, the
// same answer for both), the Change Case action and the licenses (403), then
// the business rules, collected for every activity.
func checkChangeCase(st *changeCaseState, actor Actor, req ChangeCaseRequest, now time.Time) Violations {
	var v Violations
	var missing []ID
	for _, id := range req.Activities {
		if !actor.SeesActivity(st.found[id]) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		e := E(CodeNotFound, "entity", "activity", "ids", joinIDs(missing))
		for _, id := range missing {
			e.Details = append(e.Details, Detail{Key: FormatID(id), Code: CodeNotFound,
				Args: map[string]string{"entity": "activity", "ids": FormatID(id)}})
		}
		v.Refuse(e)
		return v
	}
	// Department access is settled above: the activities the user sees are
	// those of their departments.
	if !actor.HasAction(ActionChangeCase) {
		v.Refuse(E(CodeActionNotAllowed, "action", ActionChangeCase))
		return v
	}
	for _, a := range st.acts {
		requireLicense(&v, actor, &a, ActivityLicenses(a.Type))
	}
	if v.Any() {
		return v
	}
	checkChangeCaseRules(&v, st, actor, req, now)
	return v
}

// checkChangeCaseRules checks the business rules, in the documented order,
// for every activity.
func checkChangeCaseRules(v *Violations, st *changeCaseState, actor Actor, req ChangeCaseRequest, now time.Time) {
	for _, a := range st.acts {
		if !st.oneCase {
			v.Add(PhaseRule, FormatID(a.ID), CodeActivitiesInManyCases, "value", FormatID(a.Case))
		}
	}
	for _, a := range st.acts {
		if st.oneCase && st.src == nil {
			v.Add(PhaseRule, FormatID(a.ID), CodeSourceCaseMissing)
		}
	}
	for _, a := range st.acts {
		if !changeableStatus(a.Status) {
			v.Add(PhaseRule, FormatID(a.ID), CodeStatusNotAllowed)
		}
	}
	if req.TargetCase != 0 {
		dst, target := targetCaseVisible(st.dst, actor), FormatID(req.TargetCase)
		for _, a := range st.acts {
			switch key := FormatID(a.ID); {
			case dst == nil:
				v.Add(PhaseRule, key, CodeTargetCaseNotFound, "value", target)
			case alreadyInTargetCase(&a, req.TargetCase):
				v.Add(PhaseRule, key, CodeAlreadyInCase, "value", target)
			case !targetCaseHasSameCustomer(st.src, dst):
				v.Add(PhaseRule, key, CodeCaseCustomerMismatch, "value", target)
			}
		}
	}
	checkResponses(v, st.responses)
	for _, a := range st.acts {
		if a.LockedByOther(actor.UserID(), now) {
			v.Add(PhaseRule, FormatID(a.ID), CodeActivityLocked)
		}
	}
}

// caseChange is an existing case a change-case may change, with its state
// before, for the history.
type caseChange struct {
	before  Case
	after   *Case
	changed bool
}

// applyChangeCase moves the activities and their completed responses to the
// target case (created when none is named), relates the cases when asked,
// reopens a closed target and closes a source left without open activity.
// It returns the ID of the case created, 0 when the target existed.
func applyChangeCase(tx Tx, st *changeCaseState, actor Actor, req ChangeCaseRequest, due *time.Time, now time.Time) (ID, error) {
	var hist []HistoryEntry
	src := caseChange{before: *st.src, after: st.src}
	var dst caseChange
	var created ID
	if st.dst == nil {
		c, err := createTargetCase(tx, st.src, actor, req, due, now)
		if err != nil {
			return 0, err
		}
		created, dst.after = c.ID, c
		hist = append(hist, history("case", c.ID, "create", actor, now, nil, *c))
	} else {
		dst = caseChange{before: *st.dst, after: st.dst}
		if closedTargetReopens(st.dst) {
			st.dst.Status = CaseOpen
			dst.changed = true
		}
		if req.RelateCase && !slices.Contains(st.dst.RelatedCases, st.src.ID) {
			st.dst.RelatedCases = append(append([]ID(nil), st.dst.RelatedCases...), st.src.ID)
			dst.changed = true
		}
	}
	if req.RelateCase && !slices.Contains(st.src.RelatedCases, dst.after.ID) {
		st.src.RelatedCases = append(append([]ID(nil), st.src.RelatedCases...), dst.after.ID)
		src.changed = true
	}
	moved, err := moveToCase(tx, st, dst.after.ID, actor, now)
	if err != nil {
		return 0, err
	}
	hist = append(hist, moved...)
	left, err := tx.CaseActivityStatuses([]ID{st.source})
	if err != nil {
		return 0, err
	}
	if sourceCaseClosesWhenNoOpenActivity(st.src, left[st.source]) {
		st.src.Status = CaseClosed
		t := now
		st.src.LastClosed = &t
		src.changed = true
	}
	for _, c := range []caseChange{src, dst} {
		if c.changed {
			c.after.LastModified = NextModified(c.after.LastModified, now)
			c.after.LastModifiedBy = lastModifiedBy(actor)
			if err := tx.UpdateCase(c.after); err != nil {
				return 0, err
			}
			hist = append(hist, history("case", c.after.ID, "changecase", actor, now, c.before, *c.after))
		}
	}
	sort.SliceStable(hist, func(i, j int) bool { return hist[i].Entity < hist[j].Entity })
	return created, tx.AppendHistory(hist)
}

// createTargetCase creates the new target case, like the source: same
// department, owner, customer and originating channel, open; the subject of
// the source unless one is sent. Nothing else is copied: the rule names no
// more.
func createTargetCase(tx Tx, src *Case, actor Actor, req ChangeCaseRequest, due *time.Time, now time.Time) (*Case, error) {
	by, n := lastModifiedBy(actor), req.New
	c := Case{Department: src.Department, Status: CaseOpen, Owner: src.Owner, Customer: src.Customer,
		Subject: src.Subject, OriginatingChannel: src.OriginatingChannel,
		DueDate: due, CustomAttributes: n.CustomAttributes,
		Created: now, CreatedBy: by, LastModified: now, LastModifiedBy: by}
	for _, f := range []struct {
		sent *string
		into *string
	}{{n.Subject, &c.Subject}, {n.Severity, &c.Severity}, {n.Description, &c.Description}, {n.Solution, &c.Solution}} {
		if f.sent != nil {
			*f.into = *f.sent
		}
	}
	if req.RelateCase {
		// InsertCase relates it both ways.
		c.RelatedCases = []ID{src.ID}
	}
	if err := tx.InsertCase(&c); err != nil {
		return nil, err
	}
	return &c, nil
}

// moveToCase moves the activities and their completed responses of the
// source case to the case, and returns their history entries.
func moveToCase(tx Tx, st *changeCaseState, caseID ID, actor Actor, now time.Time) ([]HistoryEntry, error) {
	changed := make([]*Activity, 0, len(st.acts)+len(st.responses))
	var hist []HistoryEntry
	move := func(a *Activity) {
		before := *a
		a.Case = caseID
		a.LastModified = NextModified(a.LastModified, now)
		a.LastModifiedBy = lastModifiedBy(actor)
		changed = append(changed, a)
		hist = append(hist, history("activity", a.ID, "changecase", actor, now, &before, a))
	}
	for i := range st.acts {
		move(&st.acts[i])
	}
	for i := range st.responses {
		if st.found[st.responses[i].ID] == nil && st.responses[i].Case == st.source {
			move(&st.responses[i])
		}
	}
	return hist, tx.UpdateActivities(changed)
}
