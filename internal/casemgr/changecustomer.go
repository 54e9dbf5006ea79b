package casemgr

import (
	"context"
	"slices"
	"strings"
	"time"
)

// PointRef names a contact point under the key of its kind, as the body of
// change-customer does.
type PointRef struct {
	Kind string
	ID   ID
}

// ChangeCustomerItem is one activity of a change-customer request with the
// contact points named for it (exactly one is allowed).
type ChangeCustomerItem struct {
	Activity ID
	Points   []PointRef
}

// ChangeCustomer changes the customer, contact and contact point of
// activities (PATCH /activity/changecustomer). Every rule is checked for
// every activity; the change is applied only when none fails, in one
// transaction.
func (s *Service) ChangeCustomer(ctx context.Context, actor Actor, items []ChangeCustomerItem) error {
	ids := make([]ID, len(items))
	for i, it := range items {
		ids[i] = it.Activity
	}
	if err := checkActivityCount(ids); err != nil {
		return err
	}
	var shape Violations
	for _, it := range items {
		if len(it.Points) != 1 {
			shape.Add(PhaseRule, FormatID(it.Activity), CodeContactPointCount)
		}
	}
	if err := shape.Err(); err != nil {
		return err
	}
	return s.Store.Write(ctx, func(tx Tx) error {
		return s.changeCustomer(tx, actor, items, ids)
	})
}

func (s *Service) changeCustomer(tx Tx, actor Actor, items []ChangeCustomerItem, ids []ID) error {
	now := s.now()
	acts, responses, err := lockWithResponses(tx, ids)
	if err != nil {
		return err
	}
	found := byID(acts)
	pointIDs := make([]ID, len(items))
	for i, it := range items {
		pointIDs[i] = it.Points[0].ID
	}
	points, err := tx.ContactPoints(slices.Compact(slices.Sorted(slices.Values(pointIDs))))
	if err != nil {
		return err
	}
	if points, err = visiblePoints(tx, actor, points); err != nil {
		return err
	}
	pointByID := map[ID]*ContactPoint{}
	for i := range points {
		pointByID[points[i].ID] = &points[i]
	}

	// Everything the body names must exist. Violations are recorded
	// activity by activity in body order, so the code answered is that of
	// the first rule broken by the first failing activity.
	var v Violations
	for _, it := range items {
		key := FormatID(it.Activity)
		// An activity the actor does not see is missing, exactly as one
		// that does not exist.
		if !actor.SeesActivity(found[it.Activity]) {
			v.Add(PhaseRule, key, CodeActivityNotFound)
		}
		// A point named under a key that is not its kind does not exist
		// as a point of that kind.
		ref := it.Points[0]
		if cp := pointByID[ref.ID]; cp == nil || cp.Kind != ref.Kind {
			v.Add(PhaseRule, key, CodeContactPointNotFound, "value", FormatID(ref.ID))
		}
	}
	if err := v.Err(); err != nil {
		return err
	}

	// The actor's permissions and licenses (403) come before the
	// business rules (spec 7).
	if !actor.HasAction(ActionChangeCustomer) {
		return E(CodeActionNotAllowed, "action", ActionChangeCustomer)
	}
	for _, it := range items {
		a := found[it.Activity]
		if lic := ActivityLicenses(a.Type); !actor.HasLicense(lic...) {
			v.Add(PhasePermission, FormatID(a.ID), CodeLicenseMissing, "license", licenseList(lic))
		}
	}
	if err := v.Err(); err != nil {
		return err
	}

	// The business rules.
	settings, err := tx.Settings()
	if err != nil {
		return err
	}
	draft := map[ID]bool{} // activities with a response not completed
	for _, r := range responses {
		if r.Status != StatusCompleted {
			draft[r.ResponseTo] = true
		}
	}
	// The target is the customer of the first contact point; every
	// activity whose point belongs to another customer is named.
	target := pointByID[items[0].Points[0].ID].Customer
	// With customer departmentalization, the target customer belongs to
	// the department of the activity's current customer (the activity's
	// own department when it has none): the seed compares "the customer
	// of the target contact point and the customer of the activity".
	custDept := map[ID]ID{}
	if settings.CustomerDepartmentalization {
		want := []ID{target}
		for _, a := range acts {
			if a.Customer != 0 {
				want = append(want, a.Customer)
			}
		}
		list, err := tx.Customers(slices.Compact(slices.Sorted(slices.Values(want))))
		if err != nil {
			return err
		}
		for _, c := range list {
			custDept[c.ID] = c.Department
		}
	}
	for _, it := range items {
		a := found[it.Activity]
		cp := pointByID[it.Points[0].ID]
		key := FormatID(a.ID)
		if !changeableStatus(a.Status) {
			v.Add(PhaseRule, key, CodeStatusNotAllowed)
		}
		if draft[a.ID] {
			v.Add(PhaseRule, key, CodeResponseNotComplete)
		}
		if a.LockedByOther(actor.UserID(), now) {
			v.Add(PhaseRule, key, CodeActivityLocked)
		}
		if cp.Customer != target {
			v.Add(PhaseRule, key, CodeContactPointsCustomers)
		}
		if a.Customer == cp.Customer {
			v.Add(PhaseRule, key, CodeSameCustomer, "value", FormatID(cp.Customer))
		}
		if code, arg := pointTypeRule(a, cp); code != "" {
			v.Add(PhaseRule, key, code, "value", arg)
		}
		if settings.CustomerDepartmentalization && cp.Customer == target {
			dept := a.Department
			if d, ok := custDept[a.Customer]; ok && a.Customer != 0 {
				dept = d
			}
			if custDept[target] != dept {
				v.Add(PhaseRule, key, CodeCustomerDepartment)
			}
		}
	}
	if err := v.Err(); err != nil {
		return err
	}

	// Apply: the activities and their completed responses take the new
	// customer, contact and contact point; contactPointData stays.
	var changed []*Activity
	var hist []HistoryEntry
	caseOf := map[ID]bool{}
	for _, it := range items {
		caseOf[found[it.Activity].Case] = true
	}
	parentPoint := map[ID]*ContactPoint{}
	for _, it := range items {
		parentPoint[it.Activity] = pointByID[it.Points[0].ID]
	}
	apply := func(a *Activity, cp *ContactPoint) {
		before := *a
		a.Customer, a.Contact, a.ContactPoint = cp.Customer, cp.Contact, cp.ID
		a.LastModified = NextModified(a.LastModified, now)
		a.LastModifiedBy = lastModifiedBy(actor)
		changed = append(changed, a)
		hist = append(hist, history("activity", a.ID, "changecustomer", actor, now, before, *a))
	}
	for _, a := range acts {
		a := found[a.ID]
		apply(a, parentPoint[a.ID])
	}
	for i := range responses {
		r := &responses[i]
		if found[r.ID] != nil {
			continue // named in the request itself
		}
		apply(r, parentPoint[r.ResponseTo])
	}
	if err := tx.UpdateActivities(changed); err != nil {
		return err
	}

	// The case follows only when all activities of the request belong to
	// one case and, after the change, all of that case's activities belong
	// to the target customer.
	if len(caseOf) == 1 {
		for caseID := range caseOf {
			if caseID == 0 {
				break
			}
			if err := s.followCase(tx, actor, caseID, target, now, &hist); err != nil {
				return err
			}
		}
	}
	return tx.AppendHistory(hist)
}

func (s *Service) followCase(tx Tx, actor Actor, caseID, customer ID, now time.Time, hist *[]HistoryEntry) error {
	cases, err := tx.Cases([]ID{caseID}, true)
	if err != nil || len(cases) == 0 {
		return err
	}
	all, err := tx.CaseActivities([]ID{caseID}, false)
	if err != nil {
		return err
	}
	for _, a := range all {
		if a.Customer != customer {
			return nil
		}
	}
	c := cases[0]
	if c.Customer == customer {
		return nil
	}
	before := c
	c.Customer = customer
	c.LastModified = NextModified(c.LastModified, now)
	c.LastModifiedBy = lastModifiedBy(actor)
	if err := tx.UpdateCase(&c); err != nil {
		return err
	}
	*hist = append(*hist, history("case", c.ID, "changecustomer", actor, now, before, c))
	return nil
}

// pointTypeRule checks that a contact point's kind suits the activity's
// type: email takes email, calltrack takes phone, social takes social (of
// its own network for Twitter, Facebook and Instagram), others take any.
func pointTypeRule(a *Activity, cp *ContactPoint) (Code, string) {
	switch a.Type {
	case TypeEmail:
		if cp.Kind != KindEmail {
			return CodeEmailNeedsEmailPoint, ""
		}
	case TypeCalltrack:
		if cp.Kind != KindPhone {
			return CodeCalltrackNeedsPhone, ""
		}
	case TypeSocial:
		if cp.Kind != KindSocial {
			return CodeSocialNeedsSocialPoint, ""
		}
		if network := strictSocialNetwork(a.Subtype); network != "" && !strings.EqualFold(cp.Type, network) {
			return CodeSocialTypeMismatch, network
		}
	}
	return "", ""
}

// strictSocialNetwork returns the network a social subtype is bound to, or
// "" for subtypes that take a social contact point of any type.
func strictSocialNetwork(subtype string) string {
	for _, n := range []string{"Twitter", "Facebook", "Instagram"} {
		if strings.EqualFold(subtype, n) {
			return n
		}
	}
	return ""
}

func licenseList(l []string) string {
	if len(l) == len(AllLicenses) {
		return "any user license"
	}
	s := ""
	for i, x := range l {
		if i > 0 {
			s += " or "
		}
		s += x
	}
	return s
}

// visiblePoints keeps the contact points of customers the actor sees: a
// point of a customer the actor does not see is not found, exactly as one
// that does not exist.
func visiblePoints(tx Tx, actor Actor, points []ContactPoint) ([]ContactPoint, error) {
	if len(points) == 0 || actor.IsClient() {
		return points, nil
	}
	ids := make([]ID, len(points))
	for i, p := range points {
		ids[i] = p.Customer
	}
	custs, err := tx.Customers(slices.Compact(slices.Sorted(slices.Values(ids))))
	if err != nil {
		return nil, err
	}
	seen := map[ID]bool{}
	for i := range custs {
		seen[custs[i].ID] = actor.SeesCustomer(&custs[i])
	}
	out := points[:0:0]
	for _, p := range points {
		if seen[p.Customer] {
			out = append(out, p)
		}
	}
	return out, nil
}
