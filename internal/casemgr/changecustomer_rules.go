package casemgr

// The rules of change-customer (docs/operations/change-customer.md), one
// small function per rule, named after it, besides pointTypeRule.
// checkChangeCustomer applies them in the documented order; rules_test.go
// pins each.

// contactPointOfNamedKind: a contact point named under a key that is not its
// kind does not exist as a point of that kind.
func contactPointOfNamedKind(cp *ContactPoint, kind string) bool { return cp != nil && cp.Kind == kind }

// draftResponses lists the activities with a response not completed: an
// activity with a draft reply keeps its customer.
func draftResponses(responses []Activity) map[ID]bool {
	draft := map[ID]bool{}
	for _, r := range responses {
		if r.Status != StatusCompleted {
			draft[r.ResponseTo] = true
		}
	}
	return draft
}

// caseActivitiesAllOfCustomer: a case follows the target customer only when
// every one of its activities belongs to it; customers are those its
// activities belong to (Tx.CaseActivityCustomers).
func caseActivitiesAllOfCustomer(customers []ID, target ID) bool {
	for _, c := range customers {
		if c != target {
			return false
		}
	}
	return true
}

// pointsOfOneCustomer: all the contact points of a request belong to one
// customer, the target.
func pointsOfOneCustomer(cp *ContactPoint, target ID) bool { return cp.Customer == target }

// customerChanges: the contact point belongs to another customer than the
// activity's own.
func customerChanges(a *Activity, cp *ContactPoint) bool { return a.Customer != cp.Customer }

// targetCustomerInActivityDepartment: with customer departmentalization, the
// target customer belongs to the department of the activity's current
// customer (the activity's own department when it has none), as the rule
// says: "the customer of the target contact point and the customer of the
// activity must belong to the same department".
func targetCustomerInActivityDepartment(a *Activity, target ID, custDept map[ID]ID) bool {
	dept := a.Department
	if d, ok := custDept[a.Customer]; ok && a.Customer != 0 {
		dept = d
	}
	return custDept[target] == dept
}
