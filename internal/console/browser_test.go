package console_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConsoleTransferLeavesMyWorkAndShowsInHistory is the outside check of
// the console, by accessible names only: a user signs in, selects two
// activities, transfers them to another department, sees them leave My
// work, opens one and sees the transfer in its History; a user of another
// department cannot open it.
func TestConsoleTransferLeavesMyWorkAndShowsInHistory(t *testing.T) {
	w := newWorld(t)
	tb := newTab(t, w)
	tb.open("/console/")
	tb.find("textbox", "Username")
	// Figures for docs/console.md, not assertions: the time from the
	// start of navigation to a usable sign-in form, and from Sign in to
	// the rows of My work.
	t.Logf("sign-in form usable %s ms after navigation started", tb.eval(`String(Math.round(performance.now()))`))
	tb.shot("sign-in")
	start := time.Now()
	tb.signIn("jenny")
	tb.find("heading", "My work")
	tb.find("checkbox", "Select activity 3027")
	t.Logf("My work listed %v after Sign in (driving the page included); in the page, token request start to list answer: %s ms",
		time.Since(start).Round(time.Millisecond), tb.eval(`(() => {
			const r = performance.getEntriesByType("resource");
			const tok = r.find(e => e.name.includes("/oauth2/token"));
			const list = r.filter(e => e.name.includes("/core/casemgr/v3/activity?")).pop();
			return tok && list ? String(Math.round(list.responseEnd - tok.startTime)) : "?";
		})()`))
	tb.find("link", "My work")
	tb.find("link", "Queues")
	tb.find("link", "Search")
	tb.shot("my-work")

	tb.click("checkbox", "Select activity 3027")
	tb.click("checkbox", "Select activity 3026")
	tb.click("button", "Transfer")
	tb.find("form", "Transfer")
	if got := tb.options("Department"); got != "Service,Billing,Sales" {
		t.Fatalf("Department options %q, want the names of jenny's departments and transfer targets", got)
	}
	tb.choose("Department", "Billing")
	tb.find("checkbox", "Unpin")
	tb.find("checkbox", "Keep assigned")
	tb.shot("transfer-form")
	// Two clicks in a row send one request: a second transfer would be
	// refused as stale (409) and show an alert.
	tb.call("button", "Transfer", `function() { this.click(); this.click(); }`)
	if msg := tb.message("status"); !strings.Contains(msg, "Transferred 2 activities") {
		t.Fatalf("status %q", msg)
	}
	tb.gone("checkbox", "Select activity 3027")
	tb.gone("checkbox", "Select activity 3026")
	if alert := tb.eval(`document.querySelector('[role="alert"]').innerText`); alert != "" {
		t.Fatalf("an alert after the transfer (sent twice?): %q", alert)
	}

	// What the API now says.
	jenny := w.token("jenny")
	for _, id := range []string{"3027", "3026"} {
		a := w.activity(jenny, id)
		if at(a, "department.name") != "Billing" || at(a, "status.value") != "awaiting_assignment" || at(a, "queue.id") != "110" {
			t.Fatalf("activity %s after the transfer: department %s, status %s, queue %s", id,
				at(a, "department.name"), at(a, "status.value"), at(a, "queue.id"))
		}
		_, h := w.api("GET", "/core/casemgr/v3/activity/"+id+"/history", jenny, "")
		if n := len(h["history"].([]any)); n != 1 || at(h, "history.0.action") != "transfer" {
			t.Fatalf("activity %s history: %d entries, first %q; want exactly one transfer", id, n, at(h, "history.0.action"))
		}
	}

	tb.open("/console/activity/3027")
	tb.find("heading", "Activity 3027")
	history := tb.text("region", "History")
	for _, want := range []string{"Transfer to department", "Jenny Anthony", "Service → Billing"} {
		if !strings.Contains(history, want) {
			t.Fatalf("History region lacks %q:\n%s", want, history)
		}
	}
	tb.shotPage("activity")

	stored := tb.eval(`JSON.parse(sessionStorage.getItem("casemgr.console.session")).access`)
	tb.click("button", "Sign out")
	tb.find("button", "Sign in")
	if msg := tb.message("status"); !strings.Contains(msg, "signed out") {
		t.Fatalf("status after sign out %q", msg)
	}
	// The session is over on the server too.
	if status, _ := w.api("GET", "/core/casemgr/v3/user/me", stored, ""); status != 401 {
		t.Fatalf("after sign out the console's token answers %d", status)
	}

	// A deep link asks for sign-in first, then opens the page asked for.
	tb.open("/console/activity/3027")
	tb.signIn("lena")
	tb.find("heading", "Not found")
	if n := tb.count("heading", "Activity 3027"); n != 0 {
		t.Fatal("lena (Legal) sees the heading of a Billing activity")
	}
	if n := tb.count("region", "History"); n != 0 {
		t.Fatal("lena (Legal) sees the history of a Billing activity")
	}
	if alert := tb.message("alert"); !strings.Contains(alert, "3027") {
		t.Fatalf("alert %q", alert)
	}
}

// signedIn opens a console path in a new tab and signs a demo user in.
func signedIn(t *testing.T, w *world, user, path string) *tab {
	t.Helper()
	tb := newTab(t, w)
	tb.open(path)
	tb.signIn(user)
	return tb
}

// TestConsoleChangeCustomerSendsTheChosenContactPoint changes the customer
// of an activity through its form and reads the result back from the API.
func TestConsoleChangeCustomerSendsTheChosenContactPoint(t *testing.T) {
	w := newWorld(t)
	tb := signedIn(t, w, "jenny", "/console/")
	tb.click("checkbox", "Select activity 3027")
	tb.click("button", "Change customer")
	tb.fill("Or phone, email or name", "acme")
	tb.click("button", "Find customer")
	tb.find("option", "email: alice.moreau@acme.example — Alice Moreau")
	tb.choose("Contact point", "email: alice.moreau@acme.example — Alice Moreau")
	tb.click("button", "Change customer")
	if msg := tb.message("status"); !strings.Contains(msg, "Changed the customer of 1 activity (3027)") {
		t.Fatalf("status %q", msg)
	}
	a := w.activity(w.token("jenny"), "3027")
	if at(a, "customer.id") != "501" || at(a, "customer.contacts.contact.0.email.0.id") != "707" {
		t.Fatalf("activity 3027 customer %s point %s, want 501 / 707", at(a, "customer.id"), at(a, "customer.contacts.contact.0.email.0.id"))
	}
}

// TestConsoleChangeCaseToANewCase moves an activity to a new case and reads
// the new case back from the API.
func TestConsoleChangeCaseToANewCase(t *testing.T) {
	w := newWorld(t)
	tb := signedIn(t, w, "jenny", "/console/activity/3035")
	tb.find("heading", "Activity 3035")
	tb.click("button", "Change case")
	tb.click("radio", "A new case")
	tb.fill("Subject", "Refund web form")
	tb.choose("Severity", "High")
	tb.click("button", "Change case")
	if msg := tb.message("status"); !strings.Contains(msg, "to the new case") {
		t.Fatalf("status %q", msg)
	}
	jenny := w.token("jenny")
	caseID := at(w.activity(jenny, "3035"), "case.id")
	if caseID == "2007" || caseID == "" {
		t.Fatalf("activity 3035 is still in case %q", caseID)
	}
	_, c := w.api("GET", "/core/casemgr/v3/case/"+caseID, jenny, "")
	if at(c, "case.0.subject") != "Refund web form" || at(c, "case.0.severity.value") != "high" {
		t.Fatalf("new case %s: subject %q severity %q", caseID, at(c, "case.0.subject"), at(c, "case.0.severity.value"))
	}
	tb.click("link", caseID)
	tb.find("heading", "Case "+caseID)
	tb.find("checkbox", "Select activity 3035")
	if got := tb.text("region", "History"); !strings.Contains(got, "Created") || !strings.Contains(got, "Jenny Anthony") {
		t.Fatalf("History of the new case:\n%s", got)
	}
}

// TestConsoleLogACallCreatesACalltrack logs a call for a customer from the
// customer's page and reads the new activity back from the API.
func TestConsoleLogACallCreatesACalltrack(t *testing.T) {
	w := newWorld(t)
	tb := signedIn(t, w, "jenny", "/console/customer/500")
	tb.find("heading", "Customer 500")
	tb.shotPage("customer")
	tb.click("button", "Log a call")
	tb.choose("Department", "Service")
	tb.choose("Subtype", "Complaint")
	tb.fill("Subject", "Caller asked about fibre")
	tb.call("textbox", "Notes", `function() { this.value = "Wants a quote for fibre."; }`)
	notes := filepath.Join(t.TempDir(), "quote-request.txt")
	if err := os.WriteFile(notes, []byte("50 lines, fibre"), 0o644); err != nil {
		t.Fatal(err)
	}
	tb.attach("Attachment", notes)
	tb.shot("log-a-call")
	tb.click("button", "Log a call")
	msg := tb.message("status")
	id := strings.TrimSuffix(strings.TrimPrefix(msg, "Call logged as activity "), ".")
	a := w.activity(w.token("jenny"), id)
	if at(a, "type.value") != "call_track" || at(a, "type.subtype.value") != "Complaint" || at(a, "customer.id") != "500" ||
		at(a, "subject") != "Caller asked about fibre" || at(a, "department.name") != "Service" || at(a, "status.assigned.user.id") != "1001" {
		t.Fatalf("created activity %q (status %q): %v", id, msg, a)
	}
	_, atts := w.api("GET", "/core/casemgr/v3/activity/"+id+"/attachment", w.token("jenny"), "")
	if at(atts, "attachment.0.name") != "quote-request.txt" || at(atts, "attachment.0.size") != "15" {
		t.Fatalf("attachments of activity %s: %v", id, atts)
	}
	// The new activity is linked from the message and from the customer's
	// list; open it by its address.
	tb.open("/console/activity/" + id)
	tb.find("heading", "Activity "+id)
	tb.find("button", "Download quote-request.txt")
}

// TestConsoleRefusalShowsTheLocalizedMessageOfEachActivity sends a transfer
// the API refuses, in French: every refused activity's message appears as
// the API words it, and nothing changes.
func TestConsoleRefusalShowsTheLocalizedMessageOfEachActivity(t *testing.T) {
	w := newWorld(t)
	tb := signedIn(t, w, "jenny", "/console/")
	tb.choose("Language", "Français (France)")
	jenny := w.token("jenny")
	_, fr := w.api("GET", "/core/casemgr/v3/activity/3027", jenny, "", "Accept-Language", "fr-FR")
	frStatus := at(fr, "activity.0.status.displayValue")
	deadline := time.Now().Add(waitFor)
	for !strings.Contains(tb.eval(`document.querySelector("main table") ? document.querySelector("main table").innerText : ""`), frStatus) {
		if time.Now().After(deadline) {
			t.Fatalf("the list does not show the French status %q", frStatus)
		}
		time.Sleep(50 * time.Millisecond)
	}
	before := w.activity(jenny, "3028")
	tb.click("checkbox", "Select activity 3027")
	tb.click("checkbox", "Select activity 3028")
	tb.click("button", "Transfer")
	tb.choose("Department", "Billing")
	tb.click("button", "Transfer")
	alert := tb.message("alert")
	tb.shot("refusal")
	body := `{"activity": [{"id": "3027", "lastModified": "` + at(w.activity(jenny, "3027"), "lastModified") +
		`"}, {"id": "3028", "lastModified": "` + at(before, "lastModified") + `"}]}`
	status, refusal := w.api("PATCH", "/core/casemgr/v3/activity/transfer/department/11", jenny, body,
		"Accept-Language", "fr-FR", "X-egain-error-message", "yes")
	if status != 400 || at(refusal, "details.0.userMessage") == "" {
		t.Fatalf("the API answered %d %v", status, refusal)
	}
	if want := at(refusal, "details.0.userMessage"); !strings.Contains(alert, want) || !strings.Contains(alert, at(refusal, "details.0.key")) {
		t.Fatalf("alert %q lacks the activity's French message %q", alert, want)
	}
	if after := w.activity(jenny, "3028"); at(after, "lastModified") != at(before, "lastModified") || at(after, "department.name") != "Service" {
		t.Fatal("a refused transfer changed activity 3028")
	}
	if at(w.activity(jenny, "3027"), "department.name") != "Service" {
		t.Fatal("a refused transfer moved activity 3027")
	}
}

// TestConsoleStaleReadAnswers409AndOffersReload changes an activity behind
// the page's back: the transfer is refused as stale, nothing changes, and
// after Reload the same transfer goes through.
func TestConsoleStaleReadAnswers409AndOffersReload(t *testing.T) {
	w := newWorld(t)
	tb := signedIn(t, w, "jenny", "/console/")
	tb.find("checkbox", "Select activity 3027")
	jenny := w.token("jenny")
	if status, m := w.api("PATCH", "/core/casemgr/v3/activity/3027/changecase", jenny, `{}`); status != 201 {
		t.Fatalf("changing the case behind the page: %d %v", status, m)
	}
	changed := at(w.activity(jenny, "3027"), "lastModified")
	tb.click("checkbox", "Select activity 3027")
	tb.click("button", "Transfer")
	tb.choose("Department", "Billing")
	tb.click("button", "Transfer")
	if alert := tb.message("alert"); !strings.Contains(alert, "changed since this page read it") {
		t.Fatalf("alert %q", alert)
	}
	if a := w.activity(jenny, "3027"); at(a, "department.name") != "Service" || at(a, "lastModified") != changed {
		t.Fatal("a stale transfer changed activity 3027")
	}
	tb.click("button", "Reload")
	tb.gone("button", "Reload")
	tb.click("checkbox", "Select activity 3027")
	tb.click("button", "Transfer")
	tb.choose("Department", "Billing")
	tb.click("button", "Transfer")
	if msg := tb.message("status"); !strings.Contains(msg, "Transferred 1 activity (3027) to Billing") {
		t.Fatalf("status %q", msg)
	}
	if at(w.activity(jenny, "3027"), "department.name") != "Billing" {
		t.Fatal("the transfer after Reload did not move activity 3027")
	}
}

// TestConsoleUserSeesOnlyTheirDepartments signs in a user of a department
// shared with nobody: their lists hold only their department, the transfer
// form names no other department, and pages of other departments are not
// found.
func TestConsoleUserSeesOnlyTheirDepartments(t *testing.T) {
	w := newWorld(t)
	tb := signedIn(t, w, "lena", "/console/queues")
	tb.find("heading", "Queues")
	// cells waits for the list and returns its Department column.
	cells := func() string {
		deadline := time.Now().Add(waitFor)
		for {
			got := tb.eval(`[...document.querySelectorAll("main tbody tr")].map(r => r.cells[5].innerText).join(",")`)
			if got != "" || time.Now().After(deadline) {
				return got
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if got := cells(); got == "" || strings.Trim(strings.ReplaceAll(got, "Legal", ""), ",") != "" {
		t.Fatalf("lena's Queues list departments %q", got)
	}
	tb.click("link", "My work")
	tb.find("heading", "My work")
	if got := cells(); got == "" || strings.Trim(strings.ReplaceAll(got, "Legal", ""), ",") != "" {
		t.Fatalf("lena's My work list departments %q", got)
	}
	tb.click("checkbox", "Select activity 3040")
	tb.click("button", "Transfer")
	if got := tb.options("Department"); got != "Legal" {
		t.Fatalf("lena's Department options %q, want Legal only", got)
	}
	for _, page := range []string{"/console/activity/3000", "/console/case/2000", "/console/customer/500"} {
		tb.open(page)
		tb.find("heading", "Not found")
		if tb.count("region", "History") != 0 || tb.count("region", "Details") != 0 {
			t.Fatalf("lena sees details on %s", page)
		}
	}
}

// TestConsoleDeepLinkSignsInFirstAndBackWorks opens a case by its URL
// signed out, signs in, lands on the case, moves on and comes back with
// the browser's back button.
func TestConsoleDeepLinkSignsInFirstAndBackWorks(t *testing.T) {
	w := newWorld(t)
	tb := signedIn(t, w, "jenny", "/console/case/2000")
	tb.find("heading", "Case 2000")
	tb.find("checkbox", "Select activity 3000")
	tb.shot("case")
	tb.click("link", "Queues")
	tb.find("heading", "Queues")
	tb.shot("queues")
	tb.eval(`history.back(), ""`)
	tb.find("heading", "Case 2000")
	tb.eval(`history.forward(), ""`)
	tb.find("heading", "Queues")
	tb.click("link", "Search")
	tb.find("heading", "Search")
	tb.fill("Customer ID", "500")
	tb.click("button", "Search")
	tb.find("checkbox", "Select activity 3000")
	if !strings.Contains(tb.eval(`location.search`), "customerID=500") {
		t.Fatalf("the search is not in the URL: %s", tb.eval(`location.href`))
	}
	tb.shot("search")
	// A reload keeps the session (sessionStorage) and the page.
	tb.open("/console/search?customerID=500")
	tb.find("checkbox", "Select activity 3000")

	// Customers by phone, then the customer's page.
	tb.fill("Phone", "4085510000")
	tb.click("button", "Search customers")
	tb.find("region", "Customers found")
	tb.click("link", "500")
	tb.find("heading", "Customer 500")
	tb.eval(`history.back(), ""`)
	tb.find("region", "Customers found")
	if got := tb.text("region", "Customers found"); !strings.Contains(got, "John Tierney") || strings.Count(got, "\n50") != 1 {
		t.Fatalf("customers found by phone 4085510000:\n%s", got)
	}
}

// TestConsoleWorksWithTheKeyboardAlone signs in, selects an activity and
// transfers it with key presses only, and checks that the focused control
// shows a visible outline.
func TestConsoleWorksWithTheKeyboardAlone(t *testing.T) {
	w := newWorld(t)
	tb := newTab(t, w)
	tb.open("/console/")
	tb.find("textbox", "Username")
	if f := tb.focused(); f != "Username" {
		t.Fatalf("the sign-in page starts with the focus on %q, want Username", f)
	}
	tb.typeText("jenny")
	tb.press("Tab", false)
	tb.typeText("demo-jenny")
	tb.press("Enter", false)
	tb.find("checkbox", "Select activity 3027")
	tb.tabTo("Select activity 3027", false, 80)
	if outline := tb.eval(`getComputedStyle(document.activeElement).outlineStyle`); outline != "solid" {
		t.Fatalf("the focused checkbox has outline style %q: focus is not visible", outline)
	}
	tb.press("Space", false)
	tb.tabTo("Transfer", true, 80)
	tb.press("Enter", false)
	tb.find("form", "Transfer")
	if f := tb.focused(); f != "Department" {
		t.Fatalf("the transfer form opens with the focus on %q, want Department", f)
	}
	tb.tabTo("Transfer", false, 5)
	tb.press("Enter", false)
	if msg := tb.message("status"); !strings.Contains(msg, "Transferred 1 activity (3027) to Billing") {
		t.Fatalf("status %q", msg)
	}
	if at(w.activity(w.token("jenny"), "3027"), "department.name") != "Billing" {
		t.Fatal("the keyboard transfer did not move activity 3027")
	}
}

// TestConsoleTransferWithUnpinAndKeepAssigned sends unpin=yes and
// reassign=yes from the form's checkboxes: a pinned activity moves, and both
// stay assigned to the user, who works in the target department too.
func TestConsoleTransferWithUnpinAndKeepAssigned(t *testing.T) {
	w := newWorld(t)
	tb := signedIn(t, w, "jenny", "/console/")
	tb.click("checkbox", "Select activity 3029")
	tb.click("checkbox", "Select activity 3027")
	tb.click("button", "Transfer")
	tb.choose("Department", "Billing")
	tb.click("checkbox", "Unpin")
	tb.click("checkbox", "Keep assigned")
	tb.click("button", "Transfer")
	if msg := tb.message("status"); !strings.Contains(msg, "Transferred 2 activities") {
		t.Fatalf("status %q", msg)
	}
	jenny := w.token("jenny")
	for _, id := range []string{"3029", "3027"} {
		a := w.activity(jenny, id)
		if at(a, "department.name") != "Billing" || at(a, "status.assigned.user.id") != "1001" || at(a, "pinned") != "false" {
			t.Fatalf("activity %s: department %s, assigned to %q, pinned %s", id, at(a, "department.name"), at(a, "status.assigned.user.id"), at(a, "pinned"))
		}
		// Still assigned to jenny, so still in My work.
		tb.find("checkbox", "Select activity "+id)
	}
}
