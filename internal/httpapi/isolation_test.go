package httpapi

import (
	"net/url"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/fixtures"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// Department isolation on the demo world (fixtures/demo.json): a user sees
// activities, cases and customers of their home and foreign departments
// only; everything else answers exactly as if it did not exist. Demo
// departments: Service (10) is shared with Billing (11) and Sales (13);
// mike, carol and nora work in Service only; sam is a foreign user of
// every other department.

// demoHarness serves the demo world.
func demoHarness(t testing.TB, db store.DB) *harness {
	t.Helper()
	return newHarness(t, db, fixtures.Demo)
}

// demoLogin returns an access token of a demo user (password
// "demo-<name>").
func (h *harness) demoLogin(name string) string {
	h.t.Helper()
	if tok, ok := h.tokens["demo:"+name]; ok {
		return tok
	}
	tok := h.grant(url.Values{"grant_type": {"password"}, "username": {name}, "password": {"demo-" + name}})
	h.tokens["demo:"+name] = tok
	return tok
}

// demoClient returns an access token of a demo client application.
func (h *harness) demoClient(clientID, secret string) string {
	h.t.Helper()
	if tok, ok := h.tokens["democlient:"+clientID]; ok {
		return tok
	}
	tok := h.grant(url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}})
	h.tokens["democlient:"+clientID] = tok
	return tok
}

// sameAnswer fails unless two answers are byte for byte the same once the
// ID each names is replaced by a placeholder: what an invisible object
// answers must not tell it apart from one that does not exist.
func sameAnswer(t testing.TB, invisible *response, invisibleID string, missing *response, missingID string) {
	t.Helper()
	a := strings.ReplaceAll(string(invisible.Body), invisibleID, "{id}")
	b := strings.ReplaceAll(string(missing.Body), missingID, "{id}")
	if invisible.Status != missing.Status || a != b {
		t.Fatalf("an invisible object answers differently from a missing one:\ninvisible %d %s\nmissing   %d %s",
			invisible.Status, invisible.Body, missing.Status, missing.Body)
	}
}

func TestIsolation(t *testing.T) {
	t.Run("shared_department_is_not_visible", func(t *testing.T) {
		t.Parallel()
		storetest.Each(t, func(t *testing.T, db store.DB) {
			h := demoHarness(t, db)
			mike := h.demoLogin("mike") // Service only; Billing and Sales are shared with Service

			// Reads: Billing's case, activity, customer, history and
			// attachments, and Sales' activity, answer as missing ones.
			for _, pair := range [][2]string{
				{"/core/casemgr/v3/case/2026", "/core/casemgr/v3/case/2999"},
				{"/core/casemgr/v3/activity/3037", "/core/casemgr/v3/activity/3999"},
				{"/core/casemgr/v3/activity/3175", "/core/casemgr/v3/activity/3999"},
				{"/core/customermgr/v3/customer/514", "/core/customermgr/v3/customer/599"},
				{"/core/casemgr/v3/activity/3037/history", "/core/casemgr/v3/activity/3999/history"},
				{"/core/casemgr/v3/activity/3037/attachment", "/core/casemgr/v3/activity/3999/attachment"},
			} {
				inv := h.do("GET", pair[0], mike, "")
				inv.expect(t, 404, "404-101")
				sameAnswer(t, inv, lastSegmentID(pair[0]), h.do("GET", pair[1], mike, ""), lastSegmentID(pair[1]))
			}
			h.do("GET", "/core/casemgr/v3/activity?department=11", mike, "").expect(t, 204, "")
			h.do("GET", "/core/casemgr/v3/activity?case=2026", mike, "").expect(t, 204, "")

			// The attack of the report: mike moves his Service activity
			// 3022 into Billing's case 2026. Refused as a missing case,
			// nothing changed.
			inv := h.refused(400, "400-223", "PATCH", "/core/casemgr/v3/activity/3022/changecase", mike, `{"id": "2026"}`)
			missing := h.refused(400, "400-223", "PATCH", "/core/casemgr/v3/activity/3022/changecase", mike, `{"id": "2999"}`)
			sameAnswer(t, inv, "2026", missing, "2999")

			// Create-calltrack into Billing's case, or for Billing's
			// customer, answers as a missing case or customer.
			carol := h.demoLogin("carol")
			inv = h.refused(400, "400-263", "POST", ctPath, carol, ctBody("case", map[string]any{"id": "2026"}))
			missing = h.refused(400, "400-263", "POST", ctPath, carol, ctBody("case", map[string]any{"id": "2999"}))
			sameAnswer(t, inv, "2026", missing, "2999")
			inv = h.refused(400, "400-258", "POST", ctPath, carol, ctBody("customer", map[string]any{"id": "514"}))
			missing = h.refused(400, "400-258", "POST", ctPath, carol, ctBody("customer", map[string]any{"id": "599"}))
			sameAnswer(t, inv, "514", missing, "599")
			// contactPointData of a Billing customer finds nobody.
			inv = h.refused(400, "400-260", "POST", ctPath, carol, ctBody("customer", ctDelete{}, "contactPointData", "emma.schmidt@example.org"))
			missing = h.refused(400, "400-260", "POST", ctPath, carol, ctBody("customer", ctDelete{}, "contactPointData", "nobody@example.org"))
			sameAnswer(t, inv, "emma.schmidt@example.org", missing, "nobody@example.org")

			// Change-customer to a Billing customer's contact point
			// answers as a missing contact point.
			inv = h.refused(400, "400-211", "PATCH", "/core/casemgr/v3/activity/changecustomer", mike,
				`{"activity": [{"id": "3005", "customer": {"contacts": {"contact": [{"email": [{"id": "805"}]}]}}}]}`)
			missing = h.refused(400, "400-211", "PATCH", "/core/casemgr/v3/activity/changecustomer", mike,
				`{"activity": [{"id": "3005", "customer": {"contacts": {"contact": [{"email": [{"id": "899"}]}]}}}]}`)
			sameAnswer(t, inv, "805", missing, "899")

			// Case change-customer: Billing's case, and Billing's customer
			// as the target.
			inv = h.refused(404, "404-101", "PATCH", "/core/casemgr/v3/case/2026/changecustomer", mike, `{"customer": {"id": "500"}}`)
			missing = h.refused(404, "404-101", "PATCH", "/core/casemgr/v3/case/2999/changecustomer", mike, `{"customer": {"id": "500"}}`)
			sameAnswer(t, inv, "2026", missing, "2999")
			inv = h.refused(400, "400-258", "PATCH", "/core/casemgr/v3/case/2001/changecustomer", mike, `{"customer": {"id": "514"}}`)
			missing = h.refused(400, "400-258", "PATCH", "/core/casemgr/v3/case/2001/changecustomer", mike, `{"customer": {"id": "599"}}`)
			sameAnswer(t, inv, "514", missing, "599")

			// The rule is home and foreign departments: sam, a foreign
			// user of Billing, and a client application see the case.
			h.do("GET", "/core/casemgr/v3/case/2026", h.demoLogin("sam"), "").expect(t, 200, "")
			h.do("GET", "/core/casemgr/v3/case/2026", h.demoClient("crm-bridge", "bridge-secret"), "").expect(t, 200, "")
		})
	})

	t.Run("invisible_activity_answers_exactly_as_a_missing_one", func(t *testing.T) {
		t.Parallel()
		storetest.Each(t, func(t *testing.T, db store.DB) {
			h := demoHarness(t, db)
			mike := h.demoLogin("mike")
			const stale = `{"activity": [{"id": "%s", "lastModified": "2020-01-01T00:00:00.000Z"}]}`
			// Transfer: Billing's 3037 with a stale lastModified is not
			// found, never a 409 that tells it exists and changed.
			inv := h.refused(400, "400-203", "PATCH", transferPath("10", ""), mike, strings.Replace(stale, "%s", "3037", 1))
			missing := h.refused(400, "400-203", "PATCH", transferPath("10", ""), mike, strings.Replace(stale, "%s", "3999", 1))
			sameAnswer(t, inv, "3037", missing, "3999")
			// Change-case: the path's invisible activity is 404-101.
			inv = h.refused(404, "404-101", "PATCH", "/core/casemgr/v3/activity/3037/changecase", mike, `{"id": "2005"}`)
			missing = h.refused(404, "404-101", "PATCH", "/core/casemgr/v3/activity/3999/changecase", mike, `{"id": "2005"}`)
			sameAnswer(t, inv, "3037", missing, "3999")
			// Change-customer: the body's invisible activity is 400-203.
			cc := `{"activity": [{"id": "%s", "customer": {"contacts": {"contact": [{"email": [{"id": "700"}]}]}}}]}`
			inv = h.refused(400, "400-203", "PATCH", "/core/casemgr/v3/activity/changecustomer", mike, strings.Replace(cc, "%s", "3037", 1))
			missing = h.refused(400, "400-203", "PATCH", "/core/casemgr/v3/activity/changecustomer", mike, strings.Replace(cc, "%s", "3999", 1))
			sameAnswer(t, inv, "3037", missing, "3999")
		})
	})

	t.Run("upload_is_usable_only_by_its_uploader", func(t *testing.T) {
		t.Parallel()
		storetest.Each(t, func(t *testing.T, db store.DB) {
			h := demoHarness(t, db)
			carol, lena := h.demoLogin("carol"), h.demoLogin("lena")
			bridge := h.demoClient("crm-bridge", "bridge-secret")
			cti := h.demoClient("cti-connector", "cti-secret")
			upload := func(token string) string {
				res := h.do("POST", uploadPath+"?name=notes.txt", token, "secret bytes", "Content-Type", "text/plain")
				res.expect(t, 201, "")
				return atString(res.JSON(t), "attachment.0.altId")
			}
			att := func(altID string) map[string]any {
				return map[string]any{"attachment": []any{map[string]any{"altId": altID}}}
			}
			// Valid calltracks with one attachment: carol's (Service),
			// lena's (Legal) and a client application's (Service,
			// assigned to carol).
			carolBody := func(altID string) string { return ctBody("attachments", att(altID)) }
			lenaBody := func(altID string) string {
				return ctBody("department", map[string]any{"name": "Legal"}, "customer", map[string]any{"id": "522"}, "attachments", att(altID))
			}
			clientBody := func(altID string) string {
				return ctBody("status", map[string]any{"assigned": map[string]any{"user": map[string]any{"id": "1003"}}}, "attachments", att(altID))
			}
			unknown := "00000000-0000-4000-8000-000000000000"

			// carol's upload: lena can neither read it nor attach it, and
			// both answer exactly as an unknown altId.
			mine := upload(carol)
			inv := h.refused(404, "404-101", "GET", uploadPath+"/"+mine, lena, "")
			sameAnswer(t, inv, mine, h.do("GET", uploadPath+"/"+unknown, lena, ""), unknown)
			inv = h.refused(400, "400-273", "POST", ctPath, lena, lenaBody(mine))
			sameAnswer(t, inv, mine, h.refused(400, "400-273", "POST", ctPath, lena, lenaBody(unknown)), unknown)
			// Nor can a client application.
			h.refused(404, "404-101", "GET", uploadPath+"/"+mine, bridge, "")
			h.refused(400, "400-273", "POST", ctPath, bridge, clientBody(mine))
			// carol herself still reads it and uses it.
			h.do("GET", uploadPath+"/"+mine, carol, "").expect(t, 200, "")
			h.do("POST", ctPath, carol, carolBody(mine)).expect(t, 201, "")

			// A client application's upload is that client's only.
			theirs := upload(bridge)
			h.refused(404, "404-101", "GET", uploadPath+"/"+theirs, cti, "")
			h.refused(400, "400-273", "POST", ctPath, cti, clientBody(theirs))
			h.refused(400, "400-273", "POST", ctPath, carol, carolBody(theirs))
			h.do("GET", uploadPath+"/"+theirs, bridge, "").expect(t, 200, "")
			h.do("POST", ctPath, bridge, clientBody(theirs)).expect(t, 201, "")
		})
	})

	t.Run("customer_of_another_department_is_shown_by_id_only", func(t *testing.T) {
		t.Parallel()
		storetest.Each(t, func(t *testing.T, db store.DB) {
			h := demoHarness(t, db)
			// A Service activity whose customer is Billing's: jenny's
			// view of the activity names the customer by ID and link,
			// without the name or contact details she may not see.
			h.add(`{"activities": [{"id": "3900", "case": "2005", "department": "10", "type": "task",
				"status": "awaiting_assignment", "queue": "100", "customer": "514", "contactPoint": "805"}]}`)
			body := h.do("GET", "/core/casemgr/v3/activity/3900?$attribute=all", h.demoLogin("mike"), "")
			body.expect(t, 200, "")
			if s := string(body.Body); strings.Contains(s, "Emma") || strings.Contains(s, "emma.schmidt") || !strings.Contains(s, `"514"`) {
				t.Fatalf("the activity shows its invisible customer's details (or not its ID): %s", s)
			}
			body = h.do("GET", "/core/casemgr/v3/activity/3900?$attribute=all", h.demoLogin("sam"), "")
			if s := string(body.Body); !strings.Contains(s, "Emma") {
				t.Fatalf("sam, a foreign user of Billing, does not see the customer's name: %s", s)
			}
		})
	})
}

// lastSegmentID returns the numeric path segment of a read path, the ID it
// names.
func lastSegmentID(path string) string {
	for _, seg := range strings.Split(path, "/") {
		if seg != "" && strings.Trim(seg, "0123456789") == "" {
			return seg
		}
	}
	return ""
}
