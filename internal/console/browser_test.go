package console_test

import (
	"strings"
	"testing"
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
	tb.shot("sign-in")
	tb.signIn("jenny")
	tb.find("heading", "My work")
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
	tb.shot("activity")

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
