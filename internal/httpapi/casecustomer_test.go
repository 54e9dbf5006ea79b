package httpapi

import (
	"context"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

func caseCustomerPath(ids string) string { return "/core/casemgr/v3/case/" + ids + "/changecustomer" }

// TestChangeCaseCustomer pins PATCH /case/{ids}/changecustomer (docs/api.md,
// Changing the customer of a case; eGain's changeCustomerOfCase) on both
// engines.
func TestChangeCaseCustomer(t *testing.T) {
	run := func(name string, fn func(t *testing.T, h *harness)) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db store.DB) { fn(t, newHarness(t, db, nil)) })
		})
	}

	run("changes_the_customer_of_an_open_case", func(t *testing.T, h *harness) {
		before := h.caseOf(2000)
		h.do("PATCH", caseCustomerPath("2000"), h.login("jenny"), `{"customer": {"id": "501"}}`).expect(t, 204, "")
		after := h.caseOf(2000)
		if after.Customer != 501 {
			t.Fatalf("case customer %d, want 501", after.Customer)
		}
		if !after.LastModified.After(before.LastModified) || after.LastModifiedBy != 1001 {
			t.Errorf("lastModified %v by %d, want later than %v by 1001", after.LastModified, after.LastModifiedBy, before.LastModified)
		}
		// The activities keep their customers.
		if a := h.activity(3000); a.Customer != 500 {
			t.Errorf("activity 3000 customer %d, want 500 (unchanged)", a.Customer)
		}
		var hist []casemgr.HistoryEntry
		_ = h.db.Read(context.Background(), func(tx casemgr.Tx) (err error) { hist, err = tx.History("case", 2000); return err })
		if len(hist) != 1 || hist[0].Action != "changecustomer" || hist[0].Actor != "user:1001" {
			t.Errorf("history %+v", hist)
		}
		res := h.do("GET", "/core/casemgr/v3/case/2000", h.login("jenny"), "")
		res.expect(t, 200, "")
		if !strings.Contains(string(res.Body), `"customerName":"Ann Lee"`) {
			t.Errorf("GET case does not show the new customer: %s", res.Body)
		}
	})
	run("accepts_wrapped_and_xml_bodies", func(t *testing.T, h *harness) {
		h.do("PATCH", caseCustomerPath("2000"), h.login("jenny"), `{"case": {"customer": {"id": "501"}}}`).expect(t, 204, "")
		h.do("PATCH", caseCustomerPath("2003"), h.login("jenny"), `<case><customer><id>500</id></customer></case>`,
			"Content-Type", "application/xml").expect(t, 204, "")
		if c := h.caseOf(2003); c.Customer != 500 {
			t.Fatalf("case 2003 customer %d, want 500", c.Customer)
		}
	})
	run("changes_several_cases_at_once_including_one_without_customer", func(t *testing.T, h *harness) {
		h.do("PATCH", caseCustomerPath("2000,2005"), h.login("jenny"), `{"customer": {"id": "501"}}`).expect(t, 204, "")
		if h.caseOf(2000).Customer != 501 || h.caseOf(2005).Customer != 501 {
			t.Fatal("both cases should belong to 501")
		}
	})
	run("refuses_case_that_does_not_exist_or_is_not_visible", func(t *testing.T, h *harness) {
		h.refused(404, "404-101", "PATCH", caseCustomerPath("2999"), h.login("jenny"), `{"customer": {"id": "501"}}`)
		// Legal's case is not visible to jenny; a client application sees it.
		h.refused(404, "404-101", "PATCH", caseCustomerPath("2006"), h.login("jenny"), `{"customer": {"id": "501"}}`)
	})
	run("client_application_needs_no_action_or_department", func(t *testing.T, h *harness) {
		h.do("PATCH", caseCustomerPath("2004"), h.client(), `{"customer": {"id": "502"}}`).expect(t, 400, "400-281")
		h.add(`{"customers": [{"id": "503", "customerName": "Other Billing", "department": "11"}]}`)
		h.do("PATCH", caseCustomerPath("2004"), h.client(), `{"customer": {"id": "503"}}`).expect(t, 204, "")
	})
	run("user_needs_the_change_customer_action", func(t *testing.T, h *harness) {
		h.refused(403, "403-105", "PATCH", caseCustomerPath("2000"), h.login("nadia"), `{"customer": {"id": "501"}}`)
	})
	run("case_of_a_shared_department_is_not_found", func(t *testing.T, h *harness) {
		// Archive (13) is shared with Service: sharing is not visibility,
		// so for jenny its case does not exist, exactly like 2999.
		h.add(`{"cases": [{"id": "2900", "department": "13", "owner": "1001", "customer": "500"}]}`)
		res := h.refused(404, "404-101", "PATCH", caseCustomerPath("2900"), h.login("jenny"), `{"customer": {"id": "501"}}`)
		missing := h.refused(404, "404-101", "PATCH", caseCustomerPath("2999"), h.login("jenny"), `{"customer": {"id": "501"}}`)
		if strings.ReplaceAll(string(res.Body), "2900", "N") != strings.ReplaceAll(string(missing.Body), "2999", "N") {
			t.Errorf("an invisible case answers differently from a missing one:\n%s\n%s", res.Body, missing.Body)
		}
	})
	run("target_customer_of_an_invisible_department_is_not_found", func(t *testing.T, h *harness) {
		h.add(`{"customers": [{"id": "509", "customerName": "Legal Client", "department": "12"}]}`)
		res := h.refused(400, "400-258", "PATCH", caseCustomerPath("2000"), h.login("jenny"), `{"customer": {"id": "509"}}`)
		missing := h.refused(400, "400-258", "PATCH", caseCustomerPath("2000"), h.login("jenny"), `{"customer": {"id": "9999"}}`)
		if strings.ReplaceAll(string(res.Body), "509", "N") != strings.ReplaceAll(string(missing.Body), "9999", "N") {
			t.Errorf("an invisible customer answers differently from a missing one:\n%s\n%s", res.Body, missing.Body)
		}
	})
	run("refuses_case_that_is_not_open", func(t *testing.T, h *harness) {
		h.refused(400, "400-280", "PATCH", caseCustomerPath("2002"), h.login("jenny"), `{"customer": {"id": "501"}}`)
		// All or nothing: the open case of the request does not change.
		h.refused(400, "400-280", "PATCH", caseCustomerPath("2000,2002"), h.login("jenny"), `{"customer": {"id": "501"}}`)
	})
	run("refuses_target_customer_equal_to_current", func(t *testing.T, h *harness) {
		h.refused(400, "400-281", "PATCH", caseCustomerPath("2000"), h.login("jenny"), `{"customer": {"id": "500"}}`)
	})
	run("refuses_target_customer_that_does_not_exist", func(t *testing.T, h *harness) {
		h.refused(400, "400-258", "PATCH", caseCustomerPath("2000"), h.login("jenny"), `{"customer": {"id": "9999"}}`)
	})
	run("refuses_target_customer_of_another_department_with_departmentalization", func(t *testing.T, h *harness) {
		h.refused(400, "400-282", "PATCH", caseCustomerPath("2000"), h.login("jenny"), `{"customer": {"id": "502"}}`)
		// A case without a customer compares with its own department.
		h.refused(400, "400-282", "PATCH", caseCustomerPath("2005"), h.login("jenny"), `{"customer": {"id": "502"}}`)
	})
	run("refuses_malformed_requests", func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		h.refused(400, "400-105", "PATCH", caseCustomerPath("2000"), tok, `{}`)
		h.refused(400, "400-105", "PATCH", caseCustomerPath("2000"), tok, `{"customer": {}}`)
		h.refused(400, "400-104", "PATCH", caseCustomerPath("2000"), tok, `{"customer": {"id": "501", "name": "x"}}`)
		h.refused(400, "400-104", "PATCH", caseCustomerPath("2000"), tok, `{"customer": {"id": "501"}, "subject": "x"}`)
		h.refused(400, "400-152", "PATCH", caseCustomerPath("2000"), tok, `{"customer": {"id": "abc"}}`)
		h.refused(400, "400-264", "PATCH", caseCustomerPath("2000"), tok, ``)
		h.refused(400, "400-101", "PATCH", caseCustomerPath("2000")+"?force=yes", tok, `{"customer": {"id": "501"}}`)
		h.refused(400, "400-108", "PATCH", caseCustomerPath("20x0"), tok, `{"customer": {"id": "501"}}`)
		ids := strings.TrimSuffix(strings.Repeat("2000,", 76), ",")
		h.refused(400, "400-107", "PATCH", caseCustomerPath(ids), tok, `{"customer": {"id": "501"}}`)
		h.refused(401, "401-104", "PATCH", caseCustomerPath("2000"), "", `{"customer": {"id": "501"}}`)
	})
}
