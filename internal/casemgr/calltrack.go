package casemgr

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CalltrackRequest is the body of create-calltrack in domain terms. Pointer
// and slice fields are nil when the element was not sent.
type CalltrackRequest struct {
	Department string
	Type       string
	Subtype    string
	Mode       string
	Subject    *string
	// Content is set when payload.calltrack.content was sent.
	Content *CalltrackContent

	// Customer identification: exactly one of these unless Anonymous.
	CustomerID       *ID
	ContactIDs       []ID
	Points           []PointRef
	ContactPointData *string
	Anonymous        bool

	Case             *ID
	Priority         *string
	DueDate          *string
	Attachments      []string
	CustomAttributes map[string][]string

	// Target user: at most one of these.
	TargetID    *ID
	TargetName  *string
	TargetAttrs map[string]string

	// IdempotencyKey, when set, makes a retry with the same BodyHash return
	// the activity created first.
	IdempotencyKey string
	// BodyHash identifies the request for idempotency: two requests with
	// the same key are the same request when their hashes are equal.
	BodyHash string
}

// CalltrackContent is the content of a calltrack activity.
type CalltrackContent struct {
	Text *string
	HTML *string
}

// CreateResult is the outcome of a creation.
type CreateResult struct {
	Activity ID
	// Replayed is true when an earlier request with the same idempotency
	// key created the activity.
	Replayed bool
}

// MaxSubject is the most characters the subject of an activity may have.
const MaxSubject = 255

// Keys of the details of a create-calltrack refusal: the request element
// that broke a rule.
const (
	keyDepartment = "department.name"
	keyType       = "type.value"
	keySubtype    = "type.subtype.value"
	keyMode       = "mode.value"
	keySubject    = "subject"
	keyContent    = "payload.calltrack.content"
	keyCustomer   = "customer"
	keyCPData     = "contactPointData"
	keyCase       = "case.id"
	keyPriority   = "priority"
	keyDueDate    = "dueDate"
	keyAttributes = "customAttributes"
	keyAttachment = "attachments.attachment.altId"
	keyTarget     = "status.assigned.user"
	keyActor      = "actor"
)

// CreateCalltrack creates a calltrack activity (POST /activity/calltrack),
// with a new case when none is named, in one transaction.
//
// The checks follow the documented order (docs/api.md, Errors): an idempotent replay first (the answer of the
// first request with the key), then the permissions and licenses of the
// caller and of the target user (403), then the business rules (400).
// Every violation of the phase that fails is listed in the error's details.
func (s *Service) CreateCalltrack(ctx context.Context, actor Actor, req CalltrackRequest) (CreateResult, error) {
	now := s.now()
	pre, err := s.prefetch(ctx, calltrackPrefetch(&req))
	if err != nil {
		return CreateResult{}, err
	}
	var res CreateResult
	// Two requests with one idempotency key race to record it; the loser's
	// transaction is rolled back and run again, and then finds the
	// winner's record (the record's insert waits for the winner to end).
	for attempt := 0; attempt < 3; attempt++ {
		err = s.Store.Write(ctx, func(tx Tx) error {
			res = CreateResult{}
			return s.createCalltrack(pre.on(tx), actor, &req, now, &res)
		})
		if !IsCode(err, CodeIdempotencyInFlight) {
			break
		}
	}
	return res, err
}

// calltrackPrefetch names what the checks of a request read that need not
// be read in its write transaction (prefetched).
func calltrackPrefetch(req *CalltrackRequest) prefetchWanted {
	w := prefetchWanted{subtypes: true, settings: true}
	if strings.TrimSpace(req.Department) != "" {
		w.deptNames = []string{req.Department}
	}
	if req.TargetID != nil {
		w.userIDs = []ID{*req.TargetID}
	}
	if req.TargetName != nil {
		w.userNames = []string{*req.TargetName}
	}
	if len(req.CustomAttributes) > 0 {
		w.defs = []string{"activity"}
	}
	if req.CustomerID != nil {
		w.customerID = []ID{*req.CustomerID}
	}
	return w
}

// calltrackPlan is what the checks of a request resolved, for the writes.
type calltrackPlan struct {
	dept    *Department
	subtype string
	mode    string
	target  *User
	due     *time.Time
	act     Activity
	caseID  ID
	// existing is the case named by case.id, locked.
	existing *Case
}

func (s *Service) createCalltrack(tx Tx, actor Actor, req *CalltrackRequest, now time.Time, res *CreateResult) error {
	if replay, err := idempotentReplay(tx, actor, req); err != nil || replay != nil {
		if replay != nil {
			*res = *replay
		}
		return err
	}
	var v Violations
	var p calltrackPlan
	if err := s.checkCalltrack(tx, actor, req, now, &v, &p); err != nil {
		return err
	}
	if err := v.Err(); err != nil {
		return err
	}
	id, err := applyCalltrack(tx, actor, req, &p, now)
	if err != nil {
		return err
	}
	*res = CreateResult{Activity: id}
	return nil
}

// idempotentReplay returns the result of the first request with the
// request's idempotency key, nil when there was none; the key reused with
// another request is a conflict.
func idempotentReplay(tx Tx, actor Actor, req *CalltrackRequest) (*CreateResult, error) {
	if req.IdempotencyKey == "" {
		return nil, nil
	}
	rec, err := tx.IdempotencyRecord(actor.String(), req.IdempotencyKey)
	if err != nil || rec == nil {
		return nil, err
	}
	if rec.BodyHash != req.BodyHash {
		return nil, E(CodeIdempotencyConflict, "value", req.IdempotencyKey)
	}
	return &CreateResult{Activity: rec.Activity, Replayed: true}, nil
}

// applyCalltrack writes the activity checked and resolved in p, its case,
// its attachments, the history and the idempotency record, and returns the
// activity's ID.
func applyCalltrack(tx Tx, actor Actor, req *CalltrackRequest, p *calltrackPlan, now time.Time) (ID, error) {
	act := newCalltrackActivity(actor, req, p, now)
	hist, err := placeCalltrackInCase(tx, actor, p, &act, now)
	if err != nil {
		return 0, err
	}
	if err := tx.InsertActivity(&act); err != nil {
		return 0, err
	}
	if len(req.Attachments) > 0 {
		if err := tx.AttachAttachments(req.Attachments, act.ID); err != nil {
			return 0, err
		}
	}
	hist = append(hist, history("activity", act.ID, "create", actor, now, nil, act))
	if err := tx.AppendHistory(hist); err != nil {
		return 0, err
	}
	if req.IdempotencyKey != "" {
		if err := tx.InsertIdempotencyRecord(&IdempotencyRecord{Actor: actor.String(), Key: req.IdempotencyKey,
			BodyHash: req.BodyHash, Activity: act.ID, Created: now}); err != nil {
			return 0, err
		}
	}
	return act.ID, nil
}

// newCalltrackActivity is the activity a request creates: assigned to the
// target user, with what the checks resolved and the elements sent.
func newCalltrackActivity(actor Actor, req *CalltrackRequest, p *calltrackPlan, now time.Time) Activity {
	act := p.act
	act.Department, act.Type, act.Subtype, act.Mode = p.dept.ID, TypeCalltrack, p.subtype, p.mode
	act.Status, act.AssignedUser = StatusAssigned, p.target.ID
	act.Created, act.CreatedBy = now, lastModifiedBy(actor)
	act.LastModified, act.LastModifiedBy = now, lastModifiedBy(actor)
	if req.Subject != nil {
		act.Subject = *req.Subject
	}
	if c := req.Content; c != nil {
		if c.Text != nil {
			act.ContentText = *c.Text
		}
		if c.HTML != nil {
			act.ContentHTML = *c.HTML
		}
	}
	if req.Priority != nil {
		act.Priority = *req.Priority
	}
	act.DueDate = p.due
	if req.ContactPointData != nil {
		act.ContactPointData = *req.ContactPointData
	}
	if len(req.CustomAttributes) > 0 {
		act.CustomAttributes = req.CustomAttributes
	}
	return act
}

// placeCalltrackInCase puts the activity in the case named by case.id, or,
// when none is named, in a new open case in the activity's department,
// owned by the assigned user, with the activity's customer. It returns the
// history of the case.
func placeCalltrackInCase(tx Tx, actor Actor, p *calltrackPlan, act *Activity, now time.Time) ([]HistoryEntry, error) {
	act.Case = p.caseID
	if act.Case == 0 {
		cs := &Case{Department: p.dept.ID, Status: CaseOpen, Owner: p.target.ID, Customer: act.Customer,
			Subject: act.Subject, OriginatingChannel: TypeCalltrack, Created: now, CreatedBy: lastModifiedBy(actor),
			LastModified: now, LastModifiedBy: lastModifiedBy(actor)}
		if err := tx.InsertCase(cs); err != nil {
			return nil, err
		}
		act.Case = cs.ID
		return []HistoryEntry{history("case", cs.ID, "create", actor, now, nil, *cs)}, nil
	}
	c := p.existing
	if c == nil || !closedTargetReopens(c) {
		return nil, nil
	}
	// A closed case that receives an open activity reopens, as the target
	// of a change-case does.
	before := *c
	c.Status = CaseOpen
	c.LastModified = NextModified(c.LastModified, now)
	c.LastModifiedBy = lastModifiedBy(actor)
	if err := tx.UpdateCase(c); err != nil {
		return nil, err
	}
	return []HistoryEntry{history("case", c.ID, "reopen", actor, now, before, *c)}, nil
}

// checkCalltrack checks every rule of a request, recording violations in v
// and what it resolved in p. It returns an error only when the store fails.
func (s *Service) checkCalltrack(tx Tx, actor Actor, req *CalltrackRequest, now time.Time, v *Violations, p *calltrackPlan) error {
	// The department, needed by the permission checks.
	if strings.TrimSpace(req.Department) == "" {
		v.Add(PhaseRule, keyDepartment, CodeDepartmentRequired)
	} else {
		dept, err := tx.DepartmentByName(req.Department)
		if err != nil {
			return err
		}
		if dept == nil {
			v.Add(PhaseRule, keyDepartment, CodeDepartmentUnknown, "name", req.Department)
		}
		p.dept = dept
	}

	// The target user: the caller unless one is named.
	if err := resolveTarget(tx, actor, req, v, p); err != nil {
		return err
	}

	// The caller's permissions and licenses, and those of the target user.
	live := false
	if t := p.target; targetIsAnotherUser(actor, t) {
		var err error
		if live, err = tx.UserLoggedIn(t.ID, now); err != nil {
			return err
		}
	}
	checkCalltrackPermissions(v, actor, p.dept, p.target, live)

	// The business rules, in the documented order.
	if err := checkCalltrackFields(tx, req, v, p); err != nil {
		return err
	}
	if err := identifyCustomer(tx, actor, req, p.dept, v, &p.act); err != nil {
		return err
	}
	if req.Case != nil {
		if err := checkCase(tx, actor, *req.Case, v, p); err != nil {
			return err
		}
	}
	if pr := req.Priority; pr != nil {
		if n, err := strconv.Atoi(*pr); err != nil || n < 1 || n > 7 || strconv.Itoa(n) != *pr {
			v.Add(PhaseRule, keyPriority, CodePriorityInvalid, "value", *pr)
		}
	}
	if d := req.DueDate; d != nil {
		t, err := ParseTime(*d)
		if err != nil || !t.After(now) {
			v.Add(PhaseRule, keyDueDate, CodeDueDateInvalid, "value", *d)
		} else {
			p.due = &t
		}
	}
	if err := CheckCustomAttributes(tx, "activity", req.CustomAttributes); err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return err
		}
		v.Add(PhaseRule, keyAttributes, e.Code, argList(e.Args)...)
	}
	return checkAttachments(tx, actor, req.Attachments, v)
}

// checkCalltrackFields checks the type, subtype, mode, subject and content
// of a request, and resolves the subtype and mode as stored.
func checkCalltrackFields(tx Tx, req *CalltrackRequest, v *Violations, p *calltrackPlan) error {
	if req.Type != TypeCalltrack {
		v.Add(PhaseRule, keyType, CodeTypeNotCalltrack, "value", req.Type)
	}
	subtypes, err := tx.CalltrackSubtypes()
	if err != nil {
		return err
	}
	for _, st := range subtypes {
		if strings.EqualFold(st, req.Subtype) {
			p.subtype = st
		}
	}
	if p.subtype == "" {
		v.Add(PhaseRule, keySubtype, CodeSubtypeUnknown, "value", req.Subtype)
	}
	switch m := strings.ToLower(req.Mode); m {
	case ModeInbound, ModeOutbound:
		p.mode = m
	default:
		v.Add(PhaseRule, keyMode, CodeModeInvalid, "value", req.Mode)
	}
	hasText := func(s *string) bool { return s != nil && *s != "" }
	if c := req.Content; c != nil && !hasText(c.Text) && !hasText(c.HTML) {
		v.Add(PhaseRule, keyContent, CodeContentInvalid)
	} else if !hasText(req.Subject) && c == nil {
		v.Add(PhaseRule, keySubject, CodeSubjectOrContent)
	}
	if req.Subject != nil {
		if n := len([]rune(*req.Subject)); n > MaxSubject {
			v.Add(PhaseRule, keySubject, CodeSubjectTooLong, "count", strconv.Itoa(n), "max", strconv.Itoa(MaxSubject))
		}
	}
	return nil
}

// checkCalltrackPermissions checks what the caller needs (the Create
// Activity action, eGain CallTrackPlus, access to the department) and, for a
// target other than the caller, what creating work for them needs; live
// tells whether the target has a live login session.
func checkCalltrackPermissions(v *Violations, actor Actor, dept *Department, target *User, live bool) {
	if !actor.HasAction(ActionCreateActivity) {
		v.Add(PhasePermission, keyActor, CodeActionNotAllowed, "action", ActionCreateActivity)
	}
	if !actor.HasLicense(LicenseCallTrackPlus) {
		v.Add(PhasePermission, keyActor, CodeLicenseMissing, "ids", "(new calltrack)", "license", LicenseCallTrackPlus)
	}
	if dept != nil && !actor.WorksIn(dept.ID) {
		v.Add(PhasePermission, keyDepartment, CodeDepartmentAccess, "ids", dept.Name)
	}
	if !targetIsAnotherUser(actor, target) {
		return
	}
	if !calltrackTargetPermitted(actor, target) {
		v.Add(PhasePermission, keyTarget, CodeTransferNotPermitted, "name", target.Name)
	}
	if !live {
		v.Add(PhasePermission, keyTarget, CodeTargetNotLoggedIn, "name", target.Name)
	}
	if calltrackTargetNeedsCallTrackPlus(target) {
		v.Add(PhasePermission, keyTarget, CodeTargetLicenseMissing, "name", target.Name)
	}
}

// targetIsAnotherUser: the calltrack is created for a named user other than
// the caller (a client application always names one).
func targetIsAnotherUser(actor Actor, target *User) bool {
	return target != nil && (actor.User == nil || target.ID != actor.User.ID)
}

// calltrackTargetPermitted: creating a calltrack for another user needs the
// Transfer Activities permission on them.
func calltrackTargetPermitted(actor Actor, target *User) bool { return actor.MayTransferTo(target.ID) }

// calltrackTargetNeedsCallTrackPlus: the target user of a calltrack holds
// eGain CallTrackPlus.
func calltrackTargetNeedsCallTrackPlus(target *User) bool {
	return !slices.Contains(target.Licenses, LicenseCallTrackPlus)
}

// argList turns error arguments back into name/value pairs.
func argList(args map[string]string) []string {
	kv := make([]string, 0, 2*len(args))
	for _, k := range slices.Sorted(maps.Keys(args)) {
		kv = append(kv, k, args[k])
	}
	return kv
}

// resolveTarget finds the target user: at most one of id, name or custom
// attributes; required when the caller is a client application; otherwise
// the caller.
func resolveTarget(tx Tx, actor Actor, req *CalltrackRequest, v *Violations, p *calltrackPlan) error {
	named := 0
	for _, set := range []bool{req.TargetID != nil, req.TargetName != nil, req.TargetAttrs != nil} {
		if set {
			named++
		}
	}
	var err error
	switch {
	case named > 1:
		v.Add(PhaseRule, keyTarget, CodeTargetUserAmbiguous)
	case named == 0 && actor.IsClient():
		v.Add(PhaseRule, keyTarget, CodeTargetUserRequired)
	case named == 0:
		p.target = actor.User
	case req.TargetID != nil:
		if p.target, err = tx.User(*req.TargetID); err == nil && p.target == nil {
			v.Add(PhaseRule, keyTarget, CodeTargetUserNotFound, "value", FormatID(*req.TargetID))
		}
	case req.TargetName != nil:
		if p.target, err = tx.UserByName(*req.TargetName); err == nil && p.target == nil {
			v.Add(PhaseRule, keyTarget, CodeTargetUserNotFound, "value", *req.TargetName)
		}
	default:
		p.target, err = userByAttributes(tx, req.TargetAttrs, v)
	}
	return err
}

// userByAttributes finds the one user whose custom attributes match; none,
// or more than one, is a violation.
func userByAttributes(tx Tx, attrs map[string]string, v *Violations) (*User, error) {
	users, err := tx.Users()
	if err != nil {
		return nil, err
	}
	var match *User
	n := 0
	for i := range users {
		ok := len(attrs) > 0
		for k, val := range attrs {
			if users[i].CustomAttributes[k] != val {
				ok = false
			}
		}
		if ok {
			match = &users[i]
			n++
		}
	}
	if n != 1 {
		desc := make([]string, 0, len(attrs))
		for _, k := range slices.Sorted(maps.Keys(attrs)) {
			desc = append(desc, k+"="+attrs[k])
		}
		v.Add(PhaseRule, keyTarget, CodeTargetUserNotFound, "value", strings.Join(desc, ", "))
		return nil, nil
	}
	return match, nil
}

// checkCase checks the case named by case.id: it exists and the caller may
// see it (a case of a department the user cannot see is answered as not
// existing, as reads answer it).
func checkCase(tx Tx, actor Actor, id ID, v *Violations, p *calltrackPlan) error {
	// Locked: a change-case moving this case's last open activity away
	// must not close it while the new activity lands in it.
	list, err := tx.Cases([]ID{id}, true)
	if err != nil {
		return err
	}
	if len(list) != 1 || !actor.SeesCase(&list[0]) {
		v.Add(PhaseRule, keyCase, CodeCaseNotFound, "value", FormatID(id))
		return nil
	}
	p.caseID = list[0].ID
	p.existing = &list[0]
	return nil
}

// checkAttachments checks that every altId names an attachment the actor
// uploaded (another actor's upload is unknown, exactly as an altId nobody
// uploaded), that no activity uses it yet, and that none is named twice.
// The attachments are locked, in altId order, so that two requests cannot
// both use one.
func checkAttachments(tx Tx, actor Actor, altIDs []string, v *Violations) error {
	if len(altIDs) == 0 {
		return nil
	}
	list, err := tx.Attachments(slices.Compact(slices.Sorted(slices.Values(altIDs))), true)
	if err != nil {
		return err
	}
	have := map[string]Attachment{}
	for _, a := range list {
		have[a.ID] = a
	}
	seen := map[string]bool{}
	for _, id := range altIDs {
		a, ok := have[id]
		switch {
		case !ok || !actor.Owns(&a):
			v.Add(PhaseRule, keyAttachment, CodeAttachmentUnknown, "value", id)
		case a.Activity != 0 || seen[id]:
			v.Add(PhaseRule, keyAttachment, CodeAttachmentUsed, "value", id)
		}
		seen[id] = true
	}
	return nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// identifyCustomer checks the customer identification of a request and
// resolves it onto the activity's customer, contact and contact point.
// dept is the activity's department, nil when it is unknown (then the
// department of the customer is not checked). A customer the actor does
// not see is not found, exactly as one that does not exist.
func identifyCustomer(tx Tx, actor Actor, req *CalltrackRequest, dept *Department, v *Violations, act *Activity) error {
	named := customerIdentifiers(req)
	data := req.ContactPointData
	if data != nil && !contactPointDataWellFormed(*data) {
		v.Add(PhaseRule, keyCPData, CodeContactPointDataFormat, "value", *data)
		data = nil
	}
	if req.Anonymous {
		// Not linked to any customer; contactPointData is only recorded.
		if !anonymousNamesNoCustomer(named) {
			v.Add(PhaseRule, keyCustomer, CodeAnonymousWithCustomer, "name", named[0])
		}
		return nil
	}
	if req.ContactPointData != nil {
		named = append(named, "contactPointData")
	}
	if code := customerIdentifiedByOneElement(named); code != "" {
		var kv []string
		if code == CodeCustomerIDAmbiguous {
			kv = []string{"value", strings.Join(named, ", ")}
		}
		v.Add(PhaseRule, keyCustomer, code, kv...)
		return nil
	}
	settings, err := tx.Settings()
	if err != nil {
		return err
	}
	l := &customerLookup{tx: tx, actor: actor, dept: dept, departmentalized: settings.CustomerDepartmentalization, v: v}
	switch {
	case req.CustomerID != nil:
		return l.byID(*req.CustomerID, act)
	case len(req.ContactIDs) > 0:
		return l.byContact(req.ContactIDs, act)
	case len(req.Points) > 0:
		return l.byPoint(req.Points[0], act)
	case data != nil:
		return l.byData(*data, act)
	}
	return nil
}

// customerIdentifiers names the elements of a request that identify its
// customer, contactPointData aside.
func customerIdentifiers(req *CalltrackRequest) []string {
	var named []string
	if req.CustomerID != nil {
		named = append(named, "customer.id")
	}
	for range req.ContactIDs {
		named = append(named, "customer.contacts.contact.id")
	}
	for _, p := range req.Points {
		named = append(named, "customer.contacts.contact."+p.Kind+".id")
	}
	return named
}

// contactPointDataWellFormed: contactPointData is a valid email address or a
// phone number of digits only.
func contactPointDataWellFormed(data string) bool { return ValidEmail(data) || allDigits(data) }

// anonymousNamesNoCustomer: with anonymousCustomer=yes no customer is named.
func anonymousNamesNoCustomer(named []string) bool { return len(named) == 0 }

// customerIdentifiedByOneElement: a calltrack activity identifies its
// customer, unless it is anonymous, by exactly one element. It returns the
// code of the violation, "" when there is none.
func customerIdentifiedByOneElement(named []string) Code {
	switch {
	case len(named) == 0:
		return CodeCustomerIDMissing
	case len(named) > 1:
		return CodeCustomerIDAmbiguous
	}
	return ""
}

// customerInActivityDepartment: with customer departmentalization on, the
// customer is in the activity's department (not checked while the
// department is unknown).
func customerInActivityDepartment(c *Customer, dept *Department, departmentalized bool) bool {
	return dept == nil || !departmentalized || c.Department == dept.ID
}

// customerLookup resolves the identification of a calltrack's customer:
// only customers the actor sees are found, and each is checked against the
// activity's department.
type customerLookup struct {
	tx    Tx
	actor Actor
	// dept is the activity's department, nil when it is unknown.
	dept             *Department
	departmentalized bool
	v                *Violations
}

func (l *customerLookup) inDept(c *Customer) bool {
	return customerInActivityDepartment(c, l.dept, l.departmentalized)
}

func (l *customerLookup) deptName() string {
	if l.dept == nil {
		return ""
	}
	return l.dept.Name
}

// customer loads the customer of an identification and checks its
// department; nil when it does not exist or the actor does not see it.
func (l *customerLookup) customer(id ID) (*Customer, error) {
	list, err := l.tx.Customers([]ID{id})
	if err != nil || len(list) == 0 || !l.actor.SeesCustomer(&list[0]) {
		return nil, err
	}
	c := &list[0]
	if !l.inDept(c) {
		l.v.Add(PhaseRule, keyCustomer, CodeCustomerNotInDept, "value", FormatID(c.ID), "department", l.deptName())
	}
	return c, nil
}

// byID identifies the customer by customer.id, with its first contact.
func (l *customerLookup) byID(id ID, act *Activity) error {
	c, err := l.customer(id)
	if err != nil {
		return err
	}
	if c == nil {
		l.v.Add(PhaseRule, keyCustomer, CodeCustomerNotFound, "entity", "customer", "value", FormatID(id))
		return nil
	}
	act.Customer = c.ID
	if len(c.Contacts) > 0 {
		act.Contact = c.Contacts[0].ID
	}
	return nil
}

// byContact identifies the customer by a contact's ID.
func (l *customerLookup) byContact(ids []ID, act *Activity) error {
	list, err := l.tx.Contacts(ids)
	if err != nil {
		return err
	}
	var c *Customer
	if len(list) > 0 {
		if c, err = l.customer(list[0].Customer); err != nil {
			return err
		}
	}
	if c == nil {
		l.v.Add(PhaseRule, keyCustomer, CodeCustomerNotFound, "entity", "contact", "value", FormatID(ids[0]))
		return nil
	}
	act.Customer, act.Contact = list[0].Customer, list[0].ID
	return nil
}

// byPoint identifies the customer by a contact point named under the key
// of its kind.
func (l *customerLookup) byPoint(ref PointRef, act *Activity) error {
	list, err := l.tx.ContactPoints([]ID{ref.ID})
	if err != nil {
		return err
	}
	var c *Customer
	if len(list) > 0 && contactPointOfNamedKind(&list[0], ref.Kind) {
		if c, err = l.customer(list[0].Customer); err != nil {
			return err
		}
	}
	if c == nil {
		l.v.Add(PhaseRule, keyCustomer, CodeCustomerNotFound, "entity", ref.Kind+" contact point", "value", FormatID(ref.ID))
		return nil
	}
	act.Customer, act.Contact, act.ContactPoint = list[0].Customer, list[0].Contact, list[0].ID
	return nil
}

// byData finds the customer of contactPointData: an email address or a
// phone number of a customer (with customer departmentalization, of a
// customer of the activity's department). Contact points of customers the
// actor does not see are not considered at all.
func (l *customerLookup) byData(data string, act *Activity) error {
	kind := KindPhone
	if ValidEmail(data) {
		kind = KindEmail
	}
	points, err := l.tx.ContactPointsByValue(kind, data)
	if err != nil {
		return err
	}
	if len(points) == 0 {
		l.v.Add(PhaseRule, keyCPData, CodeContactPointDataNoCust, "value", data)
		return nil
	}
	custIDs := make([]ID, 0, len(points))
	for _, p := range points {
		custIDs = append(custIDs, p.Customer)
	}
	custs, err := l.tx.Customers(slices.Compact(slices.Sorted(slices.Values(custIDs))))
	if err != nil {
		return err
	}
	byCustomer := map[ID]*Customer{}
	for i := range custs {
		if l.actor.SeesCustomer(&custs[i]) {
			byCustomer[custs[i].ID] = &custs[i]
		}
	}
	var seen *ContactPoint
	for i, p := range points {
		c := byCustomer[p.Customer]
		if c == nil {
			continue
		}
		if l.inDept(c) {
			act.Customer, act.Contact, act.ContactPoint = p.Customer, p.Contact, p.ID
			return nil
		}
		if seen == nil {
			seen = &points[i]
		}
	}
	if seen == nil {
		l.v.Add(PhaseRule, keyCPData, CodeContactPointDataNoCust, "value", data)
		return nil
	}
	l.v.Add(PhaseRule, keyCPData, CodeCustomerNotInDept, "value", FormatID(seen.Customer), "department", l.deptName())
	return nil
}
