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
	pre, err := s.prefetch(ctx, prefetchChangeCustomer(items, ids))
	if err != nil {
		return err
	}
	return s.Store.Write(ctx, func(tx Tx) error {
		now := s.now()
		st, err := loadChangeCustomer(pre.on(tx), actor, items, ids)
		if err != nil {
			return err
		}
		v := checkChangeCustomer(st, actor, items, now)
		if err := v.Err(); err != nil {
			return err
		}
		return s.applyChangeCustomer(tx, st, actor, items, now)
	})
}

// prefetchChangeCustomer is what a change-customer reads before its write
// transaction on a store with one writer: the settings, and the
// departments of the customers of the contact points named and of the
// activities (their visibility and the department rule; the points and
// the activities themselves are read again, locked, in the transaction).
func prefetchChangeCustomer(items []ChangeCustomerItem, ids []ID) prefetchWanted {
	points := make([]ID, len(items))
	for i, it := range items {
		points[i] = it.Points[0].ID
	}
	return prefetchWanted{settings: true, pointCustomers: points, activityCustomers: ids}
}

// changeCustomerState is what a change-customer reads, locked, in its
// transaction.
type changeCustomerState struct {
	// acts are the activities of the request that exist, in ID order, and
	// responses all their responses.
	acts, responses []Activity
	found           map[ID]*Activity
	// points are the contact points named that exist and the actor sees.
	points map[ID]*ContactPoint
	// departmentalization is the setting of customer departmentalization,
	// and custDept the departments of the target customer and of the
	// activities' customers when it is on.
	departmentalization bool
	custDept            map[ID]ID
	// target is the customer of the first contact point named; 0 when that
	// point is not found. Every activity whose point belongs to another
	// customer is named.
	target ID
}

// loadChangeCustomer locks the activities with their responses and reads the
// contact points named, the settings and the customers' departments.
func loadChangeCustomer(tx Tx, actor Actor, items []ChangeCustomerItem, ids []ID) (*changeCustomerState, error) {
	acts, responses, err := lockWithResponses(tx, ids)
	if err != nil {
		return nil, err
	}
	st := &changeCustomerState{acts: acts, responses: responses, found: byID(acts), points: map[ID]*ContactPoint{}}
	pointIDs := make([]ID, len(items))
	for i, it := range items {
		pointIDs[i] = it.Points[0].ID
	}
	points, err := tx.ContactPoints(slices.Compact(slices.Sorted(slices.Values(pointIDs))))
	if err != nil {
		return nil, err
	}
	if points, err = visiblePoints(tx, actor, points); err != nil {
		return nil, err
	}
	for i := range points {
		st.points[points[i].ID] = &points[i]
	}
	if cp := st.points[items[0].Points[0].ID]; cp != nil {
		st.target = cp.Customer
	}
	settings, err := tx.Settings()
	if err != nil || !settings.CustomerDepartmentalization || st.target == 0 {
		return st, err
	}
	st.departmentalization, st.custDept = true, map[ID]ID{}
	want := []ID{st.target}
	for _, a := range acts {
		if a.Customer != 0 {
			want = append(want, a.Customer)
		}
	}
	st.custDept, err = tx.CustomerDepartments(slices.Compact(slices.Sorted(slices.Values(want))), nil, nil)
	return st, err
}

// checkChangeCustomer checks every rule of docs/operations/change-customer.md
// in its order: everything the body names exists (an activity or a customer
// the actor does not see is missing, exactly as one that does not exist),
// the Change Customer action and the licenses (403), then the business
// rules. Violations are recorded activity by activity in body order, so the
// code answered is that of the first rule broken by the first failing
// activity.
func checkChangeCustomer(st *changeCustomerState, actor Actor, items []ChangeCustomerItem, now time.Time) Violations {
	var v Violations
	for _, it := range items {
		key := FormatID(it.Activity)
		if !actor.SeesActivity(st.found[it.Activity]) {
			v.Add(PhaseRule, key, CodeActivityNotFound)
		}
		if ref := it.Points[0]; !contactPointOfNamedKind(st.points[ref.ID], ref.Kind) {
			v.Add(PhaseRule, key, CodeContactPointNotFound, "value", FormatID(ref.ID))
		}
	}
	if v.Any() {
		return v
	}
	if !actor.HasAction(ActionChangeCustomer) {
		v.Refuse(E(CodeActionNotAllowed, "action", ActionChangeCustomer))
		return v
	}
	for _, it := range items {
		a := st.found[it.Activity]
		requireLicense(&v, actor, a, ActivityLicenses(a.Type))
	}
	if v.Any() {
		return v
	}
	draft := draftResponses(st.responses)
	for _, it := range items {
		checkChangeCustomerRules(&v, st, st.found[it.Activity], st.points[it.Points[0].ID], actor, draft, now)
	}
	return v
}

// checkChangeCustomerRules checks the business rules of one activity and
// the contact point named for it.
func checkChangeCustomerRules(v *Violations, st *changeCustomerState, a *Activity, cp *ContactPoint, actor Actor, draft map[ID]bool, now time.Time) {
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
	if !pointsOfOneCustomer(cp, st.target) {
		v.Add(PhaseRule, key, CodeContactPointsCustomers)
	}
	if !customerChanges(a, cp) {
		v.Add(PhaseRule, key, CodeSameCustomer, "value", FormatID(cp.Customer))
	}
	if code, arg := pointTypeRule(a, cp); code != "" {
		v.Add(PhaseRule, key, code, "value", arg)
	}
	if st.departmentalization && cp.Customer == st.target && !targetCustomerInActivityDepartment(a, st.target, st.custDept) {
		v.Add(PhaseRule, key, CodeCustomerDepartment)
	}
}

// applyChangeCustomer gives the activities and their completed responses
// the new customer, contact and contact point (contactPointData stays), and
// lets the case follow.
func (s *Service) applyChangeCustomer(tx Tx, st *changeCustomerState, actor Actor, items []ChangeCustomerItem, now time.Time) error {
	var changed []*Activity
	var hist []HistoryEntry
	caseOf := map[ID]bool{}
	parentPoint := map[ID]*ContactPoint{}
	for _, it := range items {
		caseOf[st.found[it.Activity].Case] = true
		parentPoint[it.Activity] = st.points[it.Points[0].ID]
	}
	apply := func(a *Activity, cp *ContactPoint) {
		before := *a
		a.Customer, a.Contact, a.ContactPoint = cp.Customer, cp.Contact, cp.ID
		a.LastModified = NextModified(a.LastModified, now)
		a.LastModifiedBy = lastModifiedBy(actor)
		changed = append(changed, a)
		hist = append(hist, history("activity", a.ID, "changecustomer", actor, now, &before, a))
	}
	for _, a := range st.acts {
		apply(st.found[a.ID], parentPoint[a.ID])
	}
	for i := range st.responses {
		if r := &st.responses[i]; st.found[r.ID] == nil { // not named in the request itself
			apply(r, parentPoint[r.ResponseTo])
		}
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
			if err := s.followCase(tx, actor, caseID, st.target, now, &hist); err != nil {
				return err
			}
		}
	}
	return tx.AppendHistory(hist)
}

// followCase gives the case the target customer when, after the change, all
// of the case's activities belong to it.
func (s *Service) followCase(tx Tx, actor Actor, caseID, customer ID, now time.Time, hist *[]HistoryEntry) error {
	cases, err := tx.Cases([]ID{caseID}, true)
	if err != nil || len(cases) == 0 {
		return err
	}
	c := cases[0]
	if c.Customer == customer {
		return nil
	}
	customers, err := tx.CaseActivityCustomers(caseID)
	if err != nil {
		return err
	}
	if !caseActivitiesAllOfCustomer(customers, customer) {
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

// requireLicense refuses activity a (CodeLicenseMissing, permission phase)
// when the actor holds none of the licenses lic.
func requireLicense(v *Violations, actor Actor, a *Activity, lic []string) {
	if !actor.HasLicense(lic...) {
		v.Add(PhasePermission, FormatID(a.ID), CodeLicenseMissing, "license", licenseList(lic))
	}
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
	depts, err := tx.CustomerDepartments(slices.Compact(slices.Sorted(slices.Values(ids))), nil, nil)
	if err != nil {
		return nil, err
	}
	out := points[:0:0]
	for _, p := range points {
		if dept, ok := depts[p.Customer]; ok && actor.SeesCustomer(&Customer{ID: p.Customer, Department: dept}) {
			out = append(out, p)
		}
	}
	return out, nil
}
