package sqlstore

import (
	"strings"
	"sync"
)

// Generic plans in write transactions (PostgreSQL).
//
// pgx prepares every statement once per connection, but with
// plan_cache_mode auto PostgreSQL plans a prepared statement anew at each
// execution as long as its plans for the parameters at hand look cheaper
// than its generic plan, which for the statements of a write — reads of
// rows by an array of IDs, UPDATEs by ID, INSERTs of parameters — is
// always: the planning then costs as much as, or more than, running the
// statement. A write transaction whose first statement is one of those
// whose generic plan is checked (genericPlanned) sends
// SET LOCAL plan_cache_mode = force_generic_plan with its BEGIN and that
// statement, in the same round trip; should a statement not checked follow
// (a range, such as a pull's candidates), SET LOCAL plan_cache_mode TO
// DEFAULT goes in its batch before it (first, pipeline.go), so that it is
// planned for its parameters as before. SET LOCAL ends with the
// transaction.

// defaultPlans puts a transaction back to the plans of plan_cache_mode's
// default (the store never sets it for a session).
const defaultPlans = "SET LOCAL plan_cache_mode TO DEFAULT"

// genericPlanned reports whether q (in the engine's placeholder style) runs
// its generic plan in a write transaction: one of genericStatements, an
// UPDATE of activities by ID (UpdateActivities: by one ID, or joined on an
// array of IDs), or an INSERT of its parameters, which reads no table
// (VALUES, or SELECT FROM unnest of arrays). TestHotQueriesUseIndexes
// checks the generic plans of the statements and of examples of the
// UPDATEs and INSERTs; TestGenericPlannedStatementsAreExplained that it
// checks every one of genericStatements.
func (d *dialect) genericPlanned(q string) bool {
	switch {
	case strings.HasPrefix(q, changedActivityUpdate):
		return true
	case strings.HasPrefix(q, "INSERT INTO "):
		return insertOfParameters(q)
	}
	_, ok := genericStatements()[q]
	return ok
}

// insertOfParameters reports whether an INSERT reads no table: every FROM
// is of unnest, and it has no join or condition.
func insertOfParameters(q string) bool {
	return strings.Count(q, "FROM ") == strings.Count(q, "FROM unnest(") &&
		!strings.Contains(q, "JOIN") && !strings.Contains(q, "WHERE")
}

var (
	genericOnce sync.Once
	genericSet  map[string]struct{}
)

// genericStatements is the set of the statements of write transactions on
// PostgreSQL, other than UPDATEs and INSERTs, whose generic plan is the
// index lookup their custom plans are: reads of rows by ID, by case, by
// parent, the customers' read with contacts and points, and the statuses
// and customers of a case's activities; and the reads that may run on the
// pool of generic reads (showing.go): activities by ID, and with the
// customers, contacts and points they show.
func genericStatements() map[string]struct{} {
	genericOnce.Do(func() {
		genericSet = map[string]struct{}{}
		for _, q := range postgresDialect.genericStatementList() {
			genericSet[q] = struct{}{}
		}
	})
	return genericSet
}

// genericStatementList lists genericStatements (exported to the tests).
func (d *dialect) genericStatementList() []string {
	var out []string
	for _, lock := range []bool{false, true} {
		for _, tb := range []*table{activities, cases, customers, contacts, contactPoints} {
			out = append(out, d.byIDs(tb, lock))
		}
		out = append(out, d.responsesSQL(lock), d.caseActivitiesSQL(lock), d.casesSQL(lock))
	}
	out = append(out, d.lockedWithResponsesSQL(), d.customersSQL(), d.customerHeadsSQL(), d.customerDepartmentsSQL(), d.caseActivityStatusesSQL(), d.caseActivityCustomersSQL(),
		d.activitiesToShowSQL(), d.activityToShowSQL())
	for i, q := range out {
		out[i] = d.sql(q)
	}
	return out
}
