package casemgr

// The rules of change-case (docs/operations/change-case.md), one small
// function per rule, named after it. checkChangeCase applies them in the
// documented order; rules_test.go pins each.

// activitiesInOneCase: all the activities of a request belong to one case.
func activitiesInOneCase(acts []Activity) bool {
	for _, a := range acts {
		if a.Case != acts[0].Case {
			return false
		}
	}
	return true
}

// targetCaseVisible: a target case the user may not see does not exist for
// them, as the reads answer it; it returns nil then.
func targetCaseVisible(dst *Case, actor Actor) *Case {
	if dst == nil || !actor.SeesCase(dst) {
		return nil
	}
	return dst
}

// alreadyInTargetCase: an activity is not moved to the case it is in.
func alreadyInTargetCase(a *Activity, target ID) bool { return a.Case == target }

// targetCaseHasSameCustomer: an existing target case has the customer of the
// source case (no customer matches only no customer).
func targetCaseHasSameCustomer(src, dst *Case) bool {
	return src == nil || src.Customer == dst.Customer
}

// closedTargetReopens: a closed target case reopens when activities move in.
func closedTargetReopens(dst *Case) bool { return dst.Status == CaseClosed }

// sourceCaseClosesWhenNoOpenActivity: the source case closes when none of the
// activities left in it is open; left are the statuses they have
// (Tx.CaseActivityStatuses).
func sourceCaseClosesWhenNoOpenActivity(src *Case, left []string) bool {
	if src.Status == CaseClosed {
		return false
	}
	for _, status := range left {
		if openStatus(status) {
			return false
		}
	}
	return true
}
