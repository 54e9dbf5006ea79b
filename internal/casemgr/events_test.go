package casemgr

import (
	"encoding/json"
	"testing"
	"time"
)

// TestEventOfHistory pins the event every history entry becomes: its type
// by entity, action and what changed, the entity's department, and only
// the changed fields before and after.
func TestEventOfHistory(t *testing.T) {
	actor := ruleClient
	act := Activity{ID: 3000, Department: 10, Queue: 100, Status: StatusAwaitingAssignment, Customer: 321}
	moved := act
	moved.Department, moved.Queue = 11, 110
	assigned := act
	assigned.AssignedUser, assigned.Status = 1001, StatusAssigned
	done := assigned
	done.Status = StatusCompleted
	open := Case{ID: 2000, Department: 10, Status: CaseOpen}
	closed := open
	closed.Status = CaseClosed
	cust := Customer{ID: 321, Name: "Ada"}
	renamed := cust
	renamed.Name = "Ada Anders"
	for _, c := range []struct {
		name          string
		entity        string
		action        string
		before, after any
		wantType      string
		wantDept      ID
		wantChanges   string
	}{
		{"activity_transferred", "activity", "transfer", act, moved, EventActivityTransferred, 11,
			`{"department":{"before":10,"after":11},"queue":{"before":100,"after":110}}`},
		{"activity_customer_changed", "activity", "changecustomer", act, act, EventActivityCustomerChanged, 10, `{}`},
		{"activity_case_changed", "activity", "changecase", act, act, EventActivityCaseChanged, 10, `{}`},
		{"activity_assigned_by_pull", "activity", "pull", act, assigned, EventActivityAssigned, 10,
			`{"assignedUser":{"before":0,"after":1001},"status":{"before":"awaiting_assignment","after":"assigned"}}`},
		{"unknown_action_completing_is_completed", "activity", "finish", assigned, done, EventActivityCompleted, 10,
			`{"status":{"before":"assigned","after":"completed"}}`},
		{"unknown_action_moving_is_transferred", "activity", "route", act, moved, EventActivityTransferred, 11,
			`{"department":{"before":10,"after":11},"queue":{"before":100,"after":110}}`},
		{"unknown_action_assigning_is_assigned", "activity", "give", act, assigned, EventActivityAssigned, 10,
			`{"assignedUser":{"before":0,"after":1001},"status":{"before":"awaiting_assignment","after":"assigned"}}`},
		{"activity_created", "activity", "create", nil, act, EventActivityCreated, 10,
			`{"customer":{"after":321},"department":{"after":10},"id":{"after":3000},"queue":{"after":100},"status":{"after":"awaiting_assignment"}}`},
		{"case_closed", "case", "changecase", open, closed, EventCaseClosed, 10, `{"status":{"before":"open","after":"closed"}}`},
		{"case_reopened", "case", "reopen", closed, open, EventCaseReopened, 10, `{"status":{"before":"closed","after":"open"}}`},
		{"case_customer_changed", "case", "changecustomer", open, open, EventCaseCustomerChanged, 10, `{}`},
		{"case_created", "case", "create", nil, &open, EventCaseCreated, 10,
			`{"department":{"after":10},"id":{"after":2000},"status":{"after":"open"}}`},
		{"customer_created", "customer", "create", nil, cust, EventCustomerCreated, 0, `{"id":{"after":321},"name":{"after":"Ada"}}`},
		{"customer_changed", "customer", "edit", cust, renamed, EventCustomerChanged, 0, `{"name":{"before":"Ada","after":"Ada Anders"}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := history(c.entity, 1, c.action, actor, ruleNow, c.before, c.after)
			e := h.Event()
			if e.Type != c.wantType || e.Department != c.wantDept || e.Changes != c.wantChanges || e.Actor != "client:app" {
				t.Errorf("got %s dept %d changes %s actor %s; want %s dept %d changes %s", e.Type, e.Department, e.Changes, e.Actor, c.wantType, c.wantDept, c.wantChanges)
			}
		})
	}
}

// TestEventTypesListed: every type eventType can name is listed in
// EventTypes (the feed's type filter and the docs).
func TestEventTypesListed(t *testing.T) {
	for _, typ := range eventTypeOfAction {
		if feedTypeUnknown(typ) {
			t.Errorf("%s is not in EventTypes", typ)
		}
	}
	for _, entity := range []string{"activity", "case", "customer"} {
		for _, typ := range []string{entity + ".created", eventTypeOfChange(entity, changeSummary{})} {
			if feedTypeUnknown(typ) {
				t.Errorf("%s is not in EventTypes", typ)
			}
		}
	}
}

func TestFeedRules(t *testing.T) {
	ok := FeedRequest{Limit: 1}
	for _, c := range []struct {
		name string
		req  FeedRequest
		want Code
	}{
		{"valid", ok, ""},
		{"feedCursorMalformed/letters", FeedRequest{After: "abc", Limit: 1}, CodeFeedCursorInvalid},
		{"feedCursorMalformed/negative", FeedRequest{After: "-1", Limit: 1}, CodeFeedCursorInvalid},
		{"feedTypeUnknown", FeedRequest{Types: []string{"activity.exploded"}, Limit: 1}, CodeFeedTypeUnknown},
		{"pagesize/0", FeedRequest{Limit: 0}, CodeFeedPageSize},
		{"pagesize/501", FeedRequest{Limit: 501}, CodeFeedPageSize},
		{"pagesize/500", FeedRequest{Limit: 500}, ""},
		{"wait/61s", FeedRequest{Limit: 1, Wait: 61 * time.Second}, CodeFeedWait},
		{"wait/60s", FeedRequest{Limit: 1, Wait: 60 * time.Second}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := checkFeedRequest(c.req)
			var got Code
			if e, isE := err.(*Error); isE {
				got = e.Code
			}
			if got != c.want {
				t.Errorf("got %q (%v), want %q", got, err, c.want)
			}
		})
	}
	if !feedCursorFromFuture(11, 10) || feedCursorFromFuture(10, 10) {
		t.Error("feedCursorFromFuture: a cursor past the last event written is from the future, the last one is not")
	}
	if !feedCursorExpired(4, 5) || feedCursorExpired(5, 5) {
		t.Error("feedCursorExpired: a cursor below the purged events has missed some, one at the horizon has not")
	}
}

func TestChangeMarshalsBeforeAndAfter(t *testing.T) {
	for _, c := range []struct {
		in   map[string]change
		want string
	}{
		{map[string]change{"status": {Before: "assigned", After: "completed"}}, `{"status":{"before":"assigned","after":"completed"}}`},
		{map[string]change{"subject": {After: "<new>"}}, `{"subject":{"after":"\u003cnew\u003e"}}`},
		{map[string]change{"queue": {Before: int64(100), After: nil}}, `{"queue":{"before":100,"after":null}}`},
	} {
		b, err := json.Marshal(c.in)
		if err != nil || string(b) != c.want {
			t.Errorf("json.Marshal(%v) = %s, %v; want %s", c.in, b, err, c.want)
		}
	}
}
