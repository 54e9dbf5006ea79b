package casemgr

import (
	"context"
	"slices"
	"strconv"
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
		list, err := tx.Cases(slices.Compact(slices.Sorted(slices.Values(cases))), true)
		if err != nil {
			return err
		}
		found := map[ID]*Case{}
		for i := range list {
			found[list[i].ID] = &list[i]
		}
		// A case the actor does not see is missing, exactly as one that
		// does not exist; department access needs no check of its own.
		var missing []ID
		for _, id := range cases {
			if !actor.SeesCase(found[id]) {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return E(CodeNotFound, "entity", "case", "ids", joinIDs(missing))
		}

		var v Violations
		if !actor.HasAction(ActionChangeCustomer) {
			return E(CodeActionNotAllowed, "action", ActionChangeCustomer)
		}

		want := []ID{customer}
		for _, c := range list {
			if c.Customer != 0 {
				want = append(want, c.Customer)
			}
		}
		custs, err := tx.Customers(slices.Compact(slices.Sorted(slices.Values(want))))
		if err != nil {
			return err
		}
		dept := map[ID]ID{}
		exists := false
		for i, c := range custs {
			dept[c.ID] = c.Department
			// A target customer the actor does not see is not found.
			exists = exists || (c.ID == customer && actor.SeesCustomer(&custs[i]))
		}
		if !exists {
			return E(CodeCustomerNotFound, "entity", "customer", "value", FormatID(customer))
		}
		settings, err := tx.Settings()
		if err != nil {
			return err
		}
		for _, id := range cases {
			c, key := found[id], FormatID(id)
			if c.Status != CaseOpen {
				v.Add(PhaseRule, key, CodeCaseNotOpen)
			}
			if c.Customer == customer {
				v.Add(PhaseRule, key, CodeCaseSameCustomer, "value", FormatID(customer))
			}
			if settings.CustomerDepartmentalization {
				from := c.Department
				if c.Customer != 0 {
					from = dept[c.Customer]
				}
				if dept[customer] != from {
					v.Add(PhaseRule, key, CodeCaseCustomerDepartment)
				}
			}
		}
		if err := v.Err(); err != nil {
			return err
		}

		var hist []HistoryEntry
		for _, id := range cases {
			c := found[id]
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
	})
}
