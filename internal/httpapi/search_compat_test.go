package httpapi

import (
	"net/http"
	"testing"

	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// The activity search as real v3 and v12 clients call it (docs/api.md,
// "Searching activities"): the read-test world (rtWorld), searched by a
// client application, which sees every department, and by users.

// compatIDs runs an activity search and lists the IDs found (nil for 204).
func compatIDs(t *testing.T, h *harness, token, query string) []string {
	t.Helper()
	res := h.do("GET", "/core/casemgr/v3/activity"+query, token, "")
	if res.Status == http.StatusNoContent {
		return nil
	}
	res.expect(t, 200, "")
	return rtIDs(t, res, "activity")
}

func TestActivitySearchDepartmentByIDOrName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		client, jenny := h.client(), h.login("jenny")
		for query, want := range map[string][]string{
			"?department=Legal":         {"3100"},
			"?department=legal":         {"3100"},
			"?department=BILLING,12":    {"3100", "3102"},
			"?department=Billing":       {"3102"},
			"?department=11":            {"3102"},
			"?department=Service,Legal": {"3000", "3001", "3002", "3100", "3101"},
		} {
			rtWant(t, "client "+query, compatIDs(t, h, client, query), want)
		}
		// A user asking for a department they do not see by name gets
		// nothing of it.
		rtWant(t, "jenny Legal", compatIDs(t, h, jenny, "?department=Legal"), []string(nil))
		h.refused(400, "400-102", "GET", "/core/casemgr/v3/activity?department=Nowhere", client, "")
		h.refused(400, "400-102", "GET", "/core/casemgr/v3/activity?department=Service,Nowhere", jenny, "")
	})
}

func TestActivitySearchDateRanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		client := h.client()
		for query, want := range map[string][]string{
			"?createdDate=[2026-01-05T00:00:00.000Z,2026-01-05T10:00:00.000Z]": {"3000", "3001"},
			"?createdDate=[2026-01-06T00:00:00.000Z,]":                         {"3100", "3101"},
			"?createdDate=[,2026-01-03T09:00:00.000Z]":                         {"3103"},
			"?lastModifiedDate=[2026-01-07T09:00:00.000Z,]":                    {"3101"},
			"?lastModifiedDate=[2026-01-05T11:00:00.000Z,]&$sort=lastModified": {"3002", "3100", "3101"},
			"?lastModifiedDate=[2030-01-01T00:00:00.000Z,]":                    nil,
		} {
			rtWant(t, query, compatIDs(t, h, client, query), want)
		}
		for _, bad := range []string{"[,]", "2026-01-05T00:00:00.000Z", "[2026-01-05T00:00:00.000Z]",
			"[2026-01-05,]", "(2026-01-05T00:00:00.000Z,]", "[2026-01-06T00:00:00.000Z,2026-01-05T00:00:00.000Z]",
			"[2026-01-05T00:00:00.000Z,,]"} {
			h.refused(400, "400-102", "GET", "/core/casemgr/v3/activity?createdDate="+bad, client, "")
			h.refused(400, "400-102", "GET", "/core/casemgr/v3/activity?lastModifiedDate="+bad, client, "")
		}
	})
}

func TestActivitySearchStatusOpen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		client := h.client()
		rtWant(t, "open", compatIDs(t, h, client, "?status=open"), []string{"3000", "3002", "3100", "3101", "3102"})
		// open is a union with the other statuses.
		rtWant(t, "open,completed", compatIDs(t, h, client, "?status=open,completed"),
			[]string{"3000", "3001", "3002", "3100", "3101", "3102", "3103"})
		rtWant(t, "open and a department", compatIDs(t, h, client, "?status=open&department=11"), []string{"3102"})
		h.refused(400, "400-102", "GET", "/core/casemgr/v3/activity?status=closed", client, "")
	})
}

func TestActivitySearchQueueUserCustomerCustom(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		client := h.client()
		for query, want := range map[string][]string{
			"?queueID=100":                                       {"3002"},
			"?queue=120":                                         {"3100"},
			"?queue=999":                                         nil,
			"?assignedUserName=jenny":                            {"3000"},
			"?assignedUserName=CARL":                             {"3101"},
			"?assignedUserName=nobody":                           nil,
			"?assignedUserName=carl&assignedTo=1004":             {"3101"},
			"?assignedUserName=carl&assignedTo=1001":             nil,
			"?customer=500":                                      {"3000", "3001", "3002"},
			"?custom.reference=R-1":                              {"3101"},
			"?custom.channel_detail=ivr":                         {"3101"},
			"?custom.channel_detail=direct":                      nil,
			"?custom.reference=R-1&custom.channel_detail=direct": nil,
		} {
			rtWant(t, query, compatIDs(t, h, client, query), want)
		}
		for _, query := range []string{"?custom.nosuch=1", "?custom.region=EMEA", "?queueID=x",
			"?queueID=100&queue=100", "?customer=500&customerID=500", "?assignedUserName="} {
			h.refused(400, "400-102", "GET", "/core/casemgr/v3/activity"+query, client, "")
		}
		h.refused(400, "400-101", "GET", "/core/casemgr/v3/activity?custom.=1", client, "")
	})
}

func TestActivitySearchSortAliases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		client := h.client()
		byCreated := []string{"3101", "3100", "3002", "3001", "3000", "3102", "3103"}
		rtWant(t, "createdDate desc", compatIDs(t, h, client, "?$sort=createdDate&$order=desc"), byCreated)
		rtWant(t, "created desc", compatIDs(t, h, client, "?$sort=created&$order=desc"), byCreated)
		rtWant(t, "lastModifiedDate", compatIDs(t, h, client, "?$sort=lastModifiedDate&$pagesize=2"), []string{"3103", "3102"})
	})
}

func TestCompletedActivityShowsSubstatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		res := h.do("GET", "/core/casemgr/v3/activity/3001,3000", h.client(), "", "Accept-Language", "de-DE")
		res.expect(t, 200, "")
		body := res.JSON(t)
		rtWant(t, "substatus", atString(body, "activity.0.status.substatus.value"), "done")
		rtWant(t, "display", atString(body, "activity.0.status.substatus.displayValue"), "Erledigt")
		rtHas(t, body, "activity.1.status.substatus", false)
		// A fixture substatus overrides, on a completed activity and on
		// any other.
		h.add(`{"activities": [
		  {"id": "3900", "department": "10", "type": "task", "status": "completed", "substatus": "spam"},
		  {"id": "3901", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1001", "substatus": "new"}]}`)
		res = h.do("GET", "/core/casemgr/v3/activity/3900,3901", h.client(), "")
		res.expect(t, 200, "")
		body = res.JSON(t)
		rtWant(t, "fixture substatus", atString(body, "activity.0.status.substatus.value"), "spam")
		rtWant(t, "its display (made readable)", atString(body, "activity.0.status.substatus.displayValue"), "Spam")
		rtWant(t, "fixture substatus of an assigned activity", atString(body, "activity.1.status.substatus.value"), "new")
		// Completing an activity replaces its substatus with done.
		res = h.do("PATCH", "/core/casemgr/v3/activity/complete", h.client(),
			`{"activity": [{"id": "3901", "lastModified": "`+atString(body, "activity.1.lastModified")+`"}]}`)
		res.expect(t, 200, "")
		res = h.do("GET", "/core/casemgr/v3/activity/3901", h.client(), "")
		res.expect(t, 200, "")
		rtWant(t, "substatus after complete", atString(res.JSON(t), "activity.0.status.substatus.value"), "done")
	})
}
