package casemgr

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
)

// Event is one committed change of one entity as the change feed and
// webhooks show it. Events are not written by the operations themselves:
// the store derives one from every history entry it appends, in the same
// transaction (HistoryEntry.Event), so an operation that records its
// changes in history produces its events without further code, and a
// refused or rolled-back request produces none.
type Event struct {
	// ID is the event's position in the feed: events are read in ID
	// order, and an event's ID never changes.
	ID         int64
	Type       string // "activity.transferred", ... (EventTypes)
	Entity     string // "activity", "case" or "customer"
	EntityID   ID
	Department ID     // the entity's department after the change; 0: none
	Actor      string // "user:1001" or "client:crm-bridge"
	At         time.Time
	// Changes is a JSON object of the changed fields, each
	// {"before": ..., "after": ...} ("before" left out for a creation).
	Changes string
}

// The event types: one per kind of change the operations make. An
// operation whose history action is not named here gets a type derived
// from what it changed (eventTypeOfChange).
const (
	EventActivityCreated         = "activity.created"
	EventActivityCustomerChanged = "activity.customer_changed"
	EventActivityCaseChanged     = "activity.case_changed"
	EventActivityTransferred     = "activity.transferred"
	EventActivityAssigned        = "activity.assigned"
	EventActivityCompleted       = "activity.completed"
	EventActivityChanged         = "activity.changed"
	EventCaseCreated             = "case.created"
	EventCaseClosed              = "case.closed"
	EventCaseReopened            = "case.reopened"
	EventCaseCustomerChanged     = "case.customer_changed"
	EventCaseChanged             = "case.changed"
	EventCustomerCreated         = "customer.created"
	EventCustomerChanged         = "customer.changed"
)

// EventTypes lists every event type, for the feed's type filter and the
// docs.
var EventTypes = []string{
	EventActivityCreated, EventActivityCustomerChanged, EventActivityCaseChanged,
	EventActivityTransferred, EventActivityAssigned, EventActivityCompleted, EventActivityChanged,
	EventCaseCreated, EventCaseClosed, EventCaseReopened, EventCaseCustomerChanged, EventCaseChanged,
	EventCustomerCreated, EventCustomerChanged,
}

// eventTypeOfAction names the event of a history action, by entity.
var eventTypeOfAction = map[string]string{
	"activity/changecustomer": EventActivityCustomerChanged,
	"activity/changecase":     EventActivityCaseChanged,
	"activity/transfer":       EventActivityTransferred,
	"activity/pick":           EventActivityAssigned,
	"activity/pull":           EventActivityAssigned,
	"activity/assign":         EventActivityAssigned,
	"activity/complete":       EventActivityCompleted,
	"activity/edit":           EventActivityChanged,
	"case/changecustomer":     EventCaseCustomerChanged,
	"case/reopen":             EventCaseReopened,
	"case/close":              EventCaseClosed,
}

// EventQuery selects events to read.
type EventQuery struct {
	// After and Through bound the IDs: After < ID <= Through.
	After, Through int64
	// Types keeps events of these types; nil keeps every type.
	Types []string
	// Departments keeps events of these departments and events of no
	// department (customers without one); nil keeps every department.
	Departments []ID
	Limit       int
}

// EventQueryFor restricts q to what the actor sees: a user the events of
// their home and foreign departments (and of customers of no department,
// which everyone sees), a client application every event.
func EventQueryFor(a Actor, q EventQuery) EventQuery {
	if a.User != nil {
		q.Departments = append([]ID{a.User.Department}, a.User.ForeignDepartments...)
	}
	return q
}

// change is one changed field of an event: its value before (absent for a
// creation) and after.
type change struct {
	Before any
	After  any
}

// MarshalJSON writes {"before": …, "after": …}, leaving out before when it
// is nil, so that the domain holds no wire tags.
func (c change) MarshalJSON() ([]byte, error) {
	after, err := json.Marshal(c.After)
	if err != nil {
		return nil, err
	}
	if c.Before == nil {
		return append(append([]byte(`{"after":`), after...), '}'), nil
	}
	before, err := json.Marshal(c.Before)
	if err != nil {
		return nil, err
	}
	b := append(append([]byte(`{"before":`), before...), `,"after":`...)
	return append(append(b, after...), '}'), nil
}

// describeChange fills a history entry from the entity before and after
// the change (before is nil for a creation; both are values of one struct
// type): its Before and After, which hold only the changed fields (by
// their Go names, as the entity's JSON names them; a creation's After its
// fields that are not zero), and its event fields (type, department and
// the changed fields as the feed shows them). Activities and cases are
// described field by field (describeFields), every other type by
// reflection (describeChangeReflect), with the same bytes.
func describeChange(h *HistoryEntry, before, after any) {
	if !describeFields(h, before, after) {
		describeChangeReflect(h, before, after)
	}
}

// describeChangeReflect is describeChange for any struct type.
func describeChangeReflect(h *HistoryEntry, before, after any) {
	av := reflect.Indirect(reflect.ValueOf(after))
	if av.Kind() != reflect.Struct {
		h.After = snapshot(after)
		return
	}
	var bv reflect.Value
	if before != nil {
		bv = reflect.Indirect(reflect.ValueOf(before))
		if bv.Type() != av.Type() {
			bv = reflect.Value{}
		}
	}
	changes := map[string]change{}
	was, is := map[string]any{}, map[string]any{}
	for i := 0; i < av.NumField(); i++ {
		f := av.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		a := av.Field(i).Interface()
		if !bv.IsValid() {
			if !av.Field(i).IsZero() {
				changes[fieldName(f.Name)], is[f.Name] = change{After: a}, a
			}
			continue
		}
		if b := bv.Field(i).Interface(); !reflect.DeepEqual(b, a) {
			changes[fieldName(f.Name)], was[f.Name], is[f.Name] = change{Before: b, After: a}, b, a
		}
	}
	if d := av.FieldByName("Department"); d.IsValid() && d.CanInt() {
		h.Department = d.Int()
	}
	h.After, h.Changes = snapshot(is), snapshot(changes)
	if bv.IsValid() {
		h.Before = snapshot(was)
	}
	h.EventType = eventType(h.Entity, h.Action, !bv.IsValid(), summarize(changes))
}

// changeSummary is what eventType reads of a change: whether each field
// that names an event changed, and the status after it ("" when it is
// not a string).
type changeSummary struct {
	status, department, queue, assignedUser, customer, caseField bool
	statusAfter                                                  string
}

// summarize is the changeSummary of the changed fields by feed name.
func summarize(changes map[string]change) changeSummary {
	has := func(f string) bool { _, ok := changes[f]; return ok }
	s := changeSummary{status: has("status"), department: has("department"), queue: has("queue"),
		assignedUser: has("assignedUser"), customer: has("customer"), caseField: has("case")}
	s.statusAfter, _ = changes["status"].After.(string)
	return s
}

// fieldName is the feed's name of a domain field: AssignedUser is
// "assignedUser".
func fieldName(goName string) string {
	if strings.ToUpper(goName) == goName {
		return strings.ToLower(goName) // ID is "id"
	}
	return strings.ToLower(goName[:1]) + goName[1:]
}

// eventType names the event of a change: a creation is "created"; a case
// whose status changed was closed or reopened; otherwise the history
// action names it, and an action not known here is named by what it
// changed.
func eventType(entity, action string, created bool, changes changeSummary) string {
	if created {
		return entity + ".created"
	}
	if entity == "case" {
		if changes.status {
			if changes.statusAfter == CaseClosed {
				return EventCaseClosed
			}
			return EventCaseReopened
		}
	}
	if t, ok := eventTypeOfAction[entity+"/"+action]; ok {
		return t
	}
	return eventTypeOfChange(entity, changes)
}

// eventTypeOfChange names the event of an action eventType does not know
// by the fields it changed.
func eventTypeOfChange(entity string, changes changeSummary) string {
	if entity != "activity" {
		return entity + ".changed"
	}
	switch {
	case changes.status && changes.statusAfter == StatusCompleted:
		return EventActivityCompleted
	case changes.department || changes.queue:
		return EventActivityTransferred
	case changes.assignedUser:
		return EventActivityAssigned
	case changes.customer:
		return EventActivityCustomerChanged
	case changes.caseField:
		return EventActivityCaseChanged
	}
	return EventActivityChanged
}

// Event is the event of a history entry, without its ID (the store
// assigns it). An entry recorded without describeChange (a test's) is an
// "<entity>.changed" event with no changed fields.
func (h *HistoryEntry) Event() Event {
	e := Event{Type: h.EventType, Entity: h.Entity, EntityID: h.EntityID, Department: h.Department,
		Actor: h.Actor, At: h.At, Changes: h.Changes}
	if e.Type == "" {
		e.Type = h.Entity + ".changed"
	}
	if e.Changes == "" {
		e.Changes = "{}"
	}
	return e
}
