package casemgr

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// ChangeCaseCustomer changes the customer of cases (PATCH
// /case/{ids}/changecustomer, eGain's changeCustomerOfCase): each case
// exists and is open, the target customer exists and differs from the
// case's, and with customer departmentalization on it belongs to the
// department of the case's current customer (of the case, when it has
// none). Users need the Change Customer action and the case's department as
// home or foreign. The activities of the case keep their customers; change
// them with ChangeCustomer. All or nothing, in one transaction.
func (s *Service) ChangeCaseCustomer(ctx context.Context, actor Actor, cases []ID, customer ID) error {
	if len(cases) > MaxActivities {
		return E(CodeTooManyIDs, "max", strconv.Itoa(MaxActivities), "count", strconv.Itoa(len(cases)))
	}
	if dup := duplicates(cases); len(dup) > 0 {
		return E(CodeInvalidValue, "name", "ids", "value", joinIDs(dup))
	}
	return s.Store.Write(ctx, func(tx Tx) error {
		now := s.now()
		st, err := loadCaseCustomer(tx, actor, cases, customer)
		if err != nil {
			return err
		}
		if err := checkCaseCustomer(st, actor, cases, customer); err != nil {
			return err
		}
		return applyCaseCustomer(tx, st, actor, cases, customer, now)
	})
}

// caseCustomerState is what a change of a case's customer reads, locked,
// in its transaction.
type caseCustomerState struct {
	// found holds the cases of the request that exist.
	found map[ID]*Case
	// custDept holds the departments of the target customer and of the
	// cases' customers that exist; targetSeen says whether the actor sees
	// the target customer.
	custDept   map[ID]ID
	targetSeen bool
	// departmentalization is the setting of customer departmentalization.
	departmentalization bool
}

// loadCaseCustomer locks the cases and reads their customers, the target
// customer and the settings.
func loadCaseCustomer(tx Tx, actor Actor, cases []ID, customer ID) (*caseCustomerState, error) {
	list, err := tx.Cases(slices.Compact(slices.Sorted(slices.Values(cases))), true)
	if err != nil {
		return nil, err
	}
	st := &caseCustomerState{found: map[ID]*Case{}, custDept: map[ID]ID{}}
	want := []ID{customer}
	for i := range list {
		st.found[list[i].ID] = &list[i]
		if list[i].Customer != 0 {
			want = append(want, list[i].Customer)
		}
	}
	custs, err := tx.Customers(slices.Compact(slices.Sorted(slices.Values(want))))
	if err != nil {
		return nil, err
	}
	for i, c := range custs {
		st.custDept[c.ID] = c.Department
		// A target customer the actor does not see is not found.
		st.targetSeen = st.targetSeen || (c.ID == customer && actor.SeesCustomer(&custs[i]))
	}
	settings, err := tx.Settings()
	if err != nil {
		return nil, err
	}
	st.departmentalization = settings.CustomerDepartmentalization
	return st, nil
}

// checkCaseCustomer checks, in order: every case exists and the actor sees
// it (a case the actor does not see is missing, exactly as one that does
// not exist; department access needs no check of its own), the Change
// Customer action, the target customer exists, then the rules of each case.
func checkCaseCustomer(st *caseCustomerState, actor Actor, cases []ID, customer ID) error {
	var missing []ID
	for _, id := range cases {
		if !actor.SeesCase(st.found[id]) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return E(CodeNotFound, "entity", "case", "ids", joinIDs(missing))
	}
	if !actor.HasAction(ActionChangeCustomer) {
		return E(CodeActionNotAllowed, "action", ActionChangeCustomer)
	}
	if !st.targetSeen {
		return E(CodeCustomerNotFound, "entity", "customer", "value", FormatID(customer))
	}
	var v Violations
	for _, id := range cases {
		c, key := st.found[id], FormatID(id)
		if !caseChangesCustomerOnlyWhenOpen(c) {
			v.Add(PhaseRule, key, CodeCaseNotOpen)
		}
		if !caseCustomerChanges(c, customer) {
			v.Add(PhaseRule, key, CodeCaseSameCustomer, "value", FormatID(customer))
		}
		if st.departmentalization && !targetCustomerInCaseDepartment(c, customer, st.custDept) {
			v.Add(PhaseRule, key, CodeCaseCustomerDepartment)
		}
	}
	return v.Err()
}

// applyCaseCustomer gives the cases the target customer and records their
// history.
func applyCaseCustomer(tx Tx, st *caseCustomerState, actor Actor, cases []ID, customer ID, now time.Time) error {
	var hist []HistoryEntry
	for _, id := range cases {
		c := st.found[id]
		before := *c
		c.Customer = customer
		c.LastModified = NextModified(c.LastModified, now)
		c.LastModifiedBy = lastModifiedBy(actor)
		if err := tx.UpdateCase(c); err != nil {
			return err
		}
		hist = append(hist, history("case", c.ID, "changecustomer", actor, now, before, *c))
	}
	return tx.AppendHistory(hist)
}

// caseChangesCustomerOnlyWhenOpen: only an open case changes its customer.
func caseChangesCustomerOnlyWhenOpen(c *Case) bool { return c.Status == CaseOpen }

// caseCustomerChanges: the target customer of a case differs from its
// current customer.
func caseCustomerChanges(c *Case, target ID) bool { return c.Customer != target }

// targetCustomerInCaseDepartment: with customer departmentalization on, a
// case's new customer belongs to the department of its current customer
// (of the case, when it has none).
func targetCustomerInCaseDepartment(c *Case, target ID, custDept map[ID]ID) bool {
	from := c.Department
	if c.Customer != 0 {
		from = custDept[c.Customer]
	}
	return custDept[target] == from
}
