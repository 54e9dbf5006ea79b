package casemgr

import (
	"context"
	"sort"
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
	BodyHash       string
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

// CreateCalltrack creates a calltrack activity (POST /activity/calltrack),
// with a new case when none is named, in one transaction.
func (s *Service) CreateCalltrack(ctx context.Context, actor Actor, req CalltrackRequest) (CreateResult, error) {
	now := s.now()
	if err := checkCalltrackShape(actor, &req, now); err != nil {
		return CreateResult{}, err
	}
	var res CreateResult
	var err error
	// Two requests with one idempotency key race to record it; the loser
	// retries and finds the winner's record.
	for attempt := 0; attempt < 3; attempt++ {
		err = s.Store.Write(ctx, func(tx Tx) error {
			res = CreateResult{}
			return s.createCalltrack(tx, actor, &req, now, &res)
		})
		if !IsCode(err, CodeIdempotencyInFlight) {
			break
		}
	}
	return res, err
}

// checkCalltrackShape checks everything that needs no database.
func checkCalltrackShape(actor Actor, req *CalltrackRequest, now time.Time) error {
	if strings.TrimSpace(req.Department) == "" {
		return E(CodeDepartmentRequired)
	}
	if req.Type != TypeCalltrack {
		return E(CodeTypeNotCalltrack, "value", req.Type)
	}
	switch strings.ToLower(req.Mode) {
	case ModeInbound, ModeOutbound:
		req.Mode = strings.ToLower(req.Mode)
	default:
		return E(CodeModeInvalid, "value", req.Mode)
	}
	if c := req.Content; c != nil && (c.Text == nil || *c.Text == "") && (c.HTML == nil || *c.HTML == "") {
		return E(CodeContentInvalid)
	}
	if (req.Subject == nil || *req.Subject == "") && req.Content == nil {
		return E(CodeSubjectOrContent)
	}
	if req.Subject != nil {
		if n := len([]rune(*req.Subject)); n > 255 {
			return E(CodeSubjectTooLong, "count", strconv.Itoa(n), "max", "255")
		}
	}
	idents := 0
	var named []string
	if req.CustomerID != nil {
		idents++
		named = append(named, "customer.id")
	}
	if len(req.ContactIDs) > 0 {
		idents += len(req.ContactIDs)
		named = append(named, "customer.contacts.contact.id")
	}
	for _, p := range req.Points {
		idents++
		named = append(named, "customer.contacts.contact."+p.Kind+".id")
	}
	if req.Anonymous {
		if idents > 0 {
			return E(CodeAnonymousWithCustomer, "name", named[0])
		}
	} else {
		if req.ContactPointData != nil {
			idents++
			named = append(named, "contactPointData")
		}
		switch {
		case idents == 0:
			return E(CodeCustomerIDMissing)
		case idents > 1:
			return E(CodeCustomerIDAmbiguous, "value", strings.Join(named, ", "))
		}
	}
	if d := req.ContactPointData; d != nil && !ValidEmail(*d) && !allDigits(*d) {
		return E(CodeContactPointDataFormat, "value", *d)
	}
	if p := req.Priority; p != nil {
		if n, err := strconv.Atoi(*p); err != nil || n < 1 || n > 7 || strconv.Itoa(n) != *p {
			return E(CodePriorityInvalid, "value", *p)
		}
	}
	if d := req.DueDate; d != nil {
		t, err := ParseTime(*d)
		if err != nil || !t.After(now) {
			return E(CodeDueDateInvalid, "value", *d)
		}
	}
	targets := 0
	for _, set := range []bool{req.TargetID != nil, req.TargetName != nil, req.TargetAttrs != nil} {
		if set {
			targets++
		}
	}
	if targets > 1 {
		return E(CodeTargetUserAmbiguous)
	}
	if targets == 0 && actor.IsClient() {
		return E(CodeTargetUserRequired)
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

func (s *Service) createCalltrack(tx Tx, actor Actor, req *CalltrackRequest, now time.Time, res *CreateResult) error {
	if req.IdempotencyKey != "" {
		rec, err := tx.IdempotencyRecord(actor.String(), req.IdempotencyKey)
		if err != nil {
			return err
		}
		if rec != nil {
			if rec.BodyHash != req.BodyHash {
				return E(CodeIdempotencyConflict, "value", req.IdempotencyKey)
			}
			id, _ := ParseID(rec.Location[strings.LastIndexByte(rec.Location, '/')+1:])
			*res = CreateResult{Activity: id, Replayed: true}
			return nil
		}
	}

	dept, err := tx.DepartmentByName(req.Department)
	if err != nil {
		return err
	}
	if dept == nil {
		return E(CodeDepartmentUnknown, "name", req.Department)
	}
	subtypes, err := tx.CalltrackSubtypes()
	if err != nil {
		return err
	}
	subtype := ""
	for _, st := range subtypes {
		if strings.EqualFold(st, req.Subtype) {
			subtype = st
		}
	}
	if subtype == "" {
		return E(CodeSubtypeUnknown, "value", req.Subtype)
	}

	// The target user.
	target := actor.User
	switch {
	case req.TargetID != nil:
		if target, err = tx.User(*req.TargetID); err != nil {
			return err
		}
		if target == nil {
			return E(CodeTargetUserNotFound, "value", FormatID(*req.TargetID))
		}
	case req.TargetName != nil:
		if target, err = tx.UserByName(*req.TargetName); err != nil {
			return err
		}
		if target == nil {
			return E(CodeTargetUserNotFound, "value", *req.TargetName)
		}
	case req.TargetAttrs != nil:
		if target, err = userByAttributes(tx, req.TargetAttrs); err != nil {
			return err
		}
	}

	// The caller's permissions and licenses, then the target's.
	if !actor.HasAction(ActionCreateActivity) {
		return E(CodeActionNotAllowed, "action", ActionCreateActivity)
	}
	if !actor.WorksIn(dept.ID) {
		return E(CodeDepartmentAccess, "ids", dept.Name)
	}
	if !actor.HasLicense(LicenseCallTrackPlus) {
		return E(CodeLicenseMissing, "ids", "the new calltrack activity", "license", LicenseCallTrackPlus)
	}
	if actor.User == nil || target.ID != actor.User.ID {
		if !actor.MayTransferTo(target.ID) {
			return E(CodeTransferNotPermitted, "name", target.Name)
		}
		live, err := tx.UserLoggedIn(target.ID, now)
		if err != nil {
			return err
		}
		if !live {
			return E(CodeTargetNotLoggedIn, "name", target.Name)
		}
		if !containsString(target.Licenses, LicenseCallTrackPlus) {
			return E(CodeTargetLicenseMissing, "name", target.Name)
		}
	}

	act := Activity{Department: dept.ID, Type: TypeCalltrack, Subtype: subtype, Mode: req.Mode,
		Status: StatusAssigned, AssignedUser: target.ID, Created: now, CreatedBy: lastModifiedBy(actor),
		LastModified: now, LastModifiedBy: lastModifiedBy(actor)}
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
	if req.DueDate != nil {
		t, _ := ParseTime(*req.DueDate)
		act.DueDate = &t
	}
	if req.ContactPointData != nil {
		act.ContactPointData = *req.ContactPointData
	}
	if err := s.identifyCustomer(tx, req, dept, &act); err != nil {
		return err
	}
	if err := CheckCustomAttributes(tx, "activity", req.CustomAttributes); err != nil {
		return err
	}
	act.CustomAttributes = req.CustomAttributes

	var cs *Case
	if req.Case != nil {
		list, err := tx.Cases([]ID{*req.Case}, false)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return E(CodeCaseNotFound, "value", FormatID(*req.Case))
		}
		act.Case = list[0].ID
	} else {
		cs = &Case{Department: dept.ID, Status: CaseOpen, Owner: target.ID, Customer: act.Customer,
			Subject: act.Subject, OriginatingChannel: TypeCalltrack, Created: now, CreatedBy: lastModifiedBy(actor),
			LastModified: now, LastModifiedBy: lastModifiedBy(actor)}
	}

	if len(req.Attachments) > 0 {
		ids := append([]string(nil), req.Attachments...)
		sort.Strings(ids)
		list, err := tx.Attachments(ids, true)
		if err != nil {
			return err
		}
		have := map[string]Attachment{}
		for _, a := range list {
			have[a.ID] = a
		}
		for i, id := range ids {
			a, ok := have[id]
			switch {
			case !ok:
				return E(CodeAttachmentUnknown, "value", id)
			case a.Activity != 0 || (i > 0 && ids[i-1] == id):
				return E(CodeAttachmentUsed, "value", id)
			}
		}
	}

	var hist []HistoryEntry
	if cs != nil {
		if err := tx.InsertCase(cs); err != nil {
			return err
		}
		act.Case = cs.ID
		hist = append(hist, history("case", cs.ID, "create", actor, now, nil, *cs))
	}
	if err := tx.InsertActivity(&act); err != nil {
		return err
	}
	if len(req.Attachments) > 0 {
		if err := tx.AttachAttachments(req.Attachments, act.ID); err != nil {
			return err
		}
	}
	hist = append(hist, history("activity", act.ID, "create", actor, now, nil, act))
	if err := tx.AppendHistory(hist); err != nil {
		return err
	}
	if req.IdempotencyKey != "" {
		if err := tx.InsertIdempotencyRecord(&IdempotencyRecord{Actor: actor.String(), Key: req.IdempotencyKey,
			BodyHash: req.BodyHash, Status: 201, Location: "/core/casemgr/v3/activity/" + FormatID(act.ID), Created: now}); err != nil {
			return err
		}
	}
	*res = CreateResult{Activity: act.ID}
	return nil
}

// userByAttributes finds the one user whose custom attributes match.
func userByAttributes(tx Tx, attrs map[string]string) (*User, error) {
	users, err := tx.Users()
	if err != nil {
		return nil, err
	}
	var match *User
	desc := make([]string, 0, len(attrs))
	for _, k := range sortedKeys(attrs) {
		desc = append(desc, k+"="+attrs[k])
	}
	for i := range users {
		ok := len(attrs) > 0
		for k, v := range attrs {
			if users[i].CustomAttributes[k] != v {
				ok = false
			}
		}
		if ok {
			if match != nil {
				return nil, E(CodeTargetUserNotFound, "value", strings.Join(desc, ", "))
			}
			match = &users[i]
		}
	}
	if match == nil {
		return nil, E(CodeTargetUserNotFound, "value", strings.Join(desc, ", "))
	}
	return match, nil
}

// identifyCustomer resolves the customer identification of a calltrack
// request onto the activity's customer, contact and contact point.
func (s *Service) identifyCustomer(tx Tx, req *CalltrackRequest, dept *Department, act *Activity) error {
	if req.Anonymous {
		return nil
	}
	settings, err := tx.Settings()
	if err != nil {
		return err
	}
	inDept := func(c *Customer) error {
		if settings.CustomerDepartmentalization && c.Department != dept.ID {
			return E(CodeCustomerNotInDept, "value", FormatID(c.ID), "department", dept.Name)
		}
		return nil
	}
	loadCustomer := func(id ID) (*Customer, error) {
		list, err := tx.Customers([]ID{id})
		if err != nil || len(list) == 0 {
			return nil, err
		}
		return &list[0], nil
	}
	switch {
	case req.CustomerID != nil:
		c, err := loadCustomer(*req.CustomerID)
		if err != nil {
			return err
		}
		if c == nil {
			return E(CodeCustomerNotFound, "entity", "customer", "value", FormatID(*req.CustomerID))
		}
		act.Customer = c.ID
		if len(c.Contacts) > 0 {
			act.Contact = c.Contacts[0].ID
		}
		return inDept(c)
	case len(req.ContactIDs) > 0:
		list, err := tx.Contacts(req.ContactIDs)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return E(CodeCustomerNotFound, "entity", "contact", "value", FormatID(req.ContactIDs[0]))
		}
		c, err := loadCustomer(list[0].Customer)
		if err != nil || c == nil {
			return err
		}
		act.Customer, act.Contact = c.ID, list[0].ID
		return inDept(c)
	case len(req.Points) > 0:
		ref := req.Points[0]
		list, err := tx.ContactPoints([]ID{ref.ID})
		if err != nil {
			return err
		}
		if len(list) == 0 || list[0].Kind != ref.Kind {
			return E(CodeCustomerNotFound, "entity", ref.Kind+" contact point", "value", FormatID(ref.ID))
		}
		c, err := loadCustomer(list[0].Customer)
		if err != nil || c == nil {
			return err
		}
		act.Customer, act.Contact, act.ContactPoint = c.ID, list[0].Contact, list[0].ID
		return inDept(c)
	case req.ContactPointData != nil:
		data := *req.ContactPointData
		kind := KindPhone
		if ValidEmail(data) {
			kind = KindEmail
		}
		points, err := tx.ContactPointsByValue(kind, data)
		if err != nil {
			return err
		}
		if len(points) == 0 {
			return E(CodeContactPointDataNoCust, "value", data)
		}
		custIDs := make([]ID, 0, len(points))
		for _, p := range points {
			custIDs = append(custIDs, p.Customer)
		}
		custs, err := tx.Customers(uniqueSorted(custIDs))
		if err != nil {
			return err
		}
		var firstErr error
		for _, p := range points {
			for i := range custs {
				if custs[i].ID != p.Customer {
					continue
				}
				if err := inDept(&custs[i]); err != nil {
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				act.Customer, act.Contact, act.ContactPoint = p.Customer, p.Contact, p.ID
				return nil
			}
		}
		if firstErr != nil {
			return firstErr
		}
		return E(CodeContactPointDataNoCust, "value", data)
	}
	return nil
}
