package casemgr

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// The rule functions of the operations, pinned without a database. The HTTP
// tests on both engines (internal/httpapi) remain the contract; these say
// what each rule decides, case by case, in milliseconds.

var (
	ruleNow   = time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)
	ruleLater = ruleNow.Add(time.Hour)
)

// ruleUser is a user of department 10 with the given actions and licenses,
// who may pull from user 1002 and queue 100.
func ruleUser(actions []string, licenses ...string) Actor {
	return UserActor(&User{ID: 1001, Department: 10, Actions: actions, Licenses: licenses,
		PullUsers: []ID{1002}, PullQueues: []ID{100}})
}

var ruleClient = Actor{Client: &ClientApp{ClientID: "app"}}

func TestTransferRules(t *testing.T) {
	target := &Department{ID: 11, SharedWith: []ID{10}, TransferQueue: 110}
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"transferable/email", transferable(TypeEmail), true},
		{"transferable/task", transferable(TypeTask), true},
		{"transferable/user_defined", transferable("feedback"), true},
		{"transferable/social", transferable(TypeSocial), false},
		{"transferable/calltrack", transferable(TypeCalltrack), false},
		{"transferable/chat", transferable(TypeChat), false},
		{"transferable/web", transferable(TypeWeb), false},
		{"emailModeTransferable/inbound", emailModeTransferable(&Activity{Type: TypeEmail, Mode: ModeInbound}), true},
		{"emailModeTransferable/composed", emailModeTransferable(&Activity{Type: TypeEmail, Mode: ModeComposed}), true},
		{"emailModeTransferable/outbound", emailModeTransferable(&Activity{Type: TypeEmail, Mode: ModeOutbound}), false},
		{"emailModeTransferable/outbound_task", emailModeTransferable(&Activity{Type: TypeTask, Mode: ModeOutbound}), true},
		{"targetHasTransferWorkflow/with_queue", targetHasTransferWorkflow(target), true},
		{"targetHasTransferWorkflow/without", targetHasTransferWorkflow(&Department{ID: 12}), false},
		{"targetSharedWithActivityDepartment/shared", targetSharedWithActivityDepartment(&Activity{Department: 10}, target), true},
		{"targetSharedWithActivityDepartment/not_shared", targetSharedWithActivityDepartment(&Activity{Department: 13}, target), false},
		{"alreadyInTargetDepartment/yes", alreadyInTargetDepartment(&Activity{Department: 11}, target), true},
		{"alreadyInTargetDepartment/no", alreadyInTargetDepartment(&Activity{Department: 10}, target), false},
		{"pinnedNeedsUnpin/pinned_without_unpin", pinnedNeedsUnpin(&Activity{Pinned: true}, false), true},
		{"pinnedNeedsUnpin/pinned_with_unpin", pinnedNeedsUnpin(&Activity{Pinned: true}, true), false},
		{"pinnedNeedsUnpin/not_pinned", pinnedNeedsUnpin(&Activity{}, false), false},
		{"lastModifiedMatches/same", lastModifiedMatches(&Activity{LastModified: ruleNow}, ruleNow), true},
		{"lastModifiedMatches/stale", lastModifiedMatches(&Activity{LastModified: ruleLater}, ruleNow), false},
		{"draftReplyMovesWith/draft_of_inbound_email",
			draftReplyMovesWith(&Activity{Status: StatusAssigned}, &Activity{Type: TypeEmail, Mode: ModeInbound}), true},
		{"draftReplyMovesWith/completed_reply",
			draftReplyMovesWith(&Activity{Status: StatusCompleted}, &Activity{Type: TypeEmail, Mode: ModeInbound}), false},
		{"draftReplyMovesWith/draft_of_composed_email",
			draftReplyMovesWith(&Activity{Status: StatusAssigned}, &Activity{Type: TypeEmail, Mode: ModeComposed}), false},
		{"draftReplyMovesWith/no_parent", draftReplyMovesWith(&Activity{Status: StatusAssigned}, nil), false},
		{"transferLockedByAssignee/locked_by_assignee",
			transferLockedByAssignee(&Activity{Status: StatusAssigned, AssignedUser: 1002, LockedBy: 1002, LockExpires: &ruleLater},
				ruleUser(nil), ruleNow), true},
		{"transferLockedByAssignee/lock_expired",
			transferLockedByAssignee(&Activity{Status: StatusAssigned, AssignedUser: 1002, LockedBy: 1002, LockExpires: &ruleNow},
				ruleUser(nil), ruleLater), false},
		{"transferLockedByAssignee/own_activity",
			transferLockedByAssignee(&Activity{Status: StatusAssigned, AssignedUser: 1001, LockedBy: 1002, LockExpires: &ruleLater},
				ruleUser(nil), ruleNow), false},
		{"transferLockedByAssignee/queued",
			transferLockedByAssignee(&Activity{Status: StatusAwaitingAssignment, Queue: 100, LockedBy: 1002, LockExpires: &ruleLater},
				ruleUser(nil), ruleNow), false},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestPickRule(t *testing.T) {
	all := []string{ActionPickActivities, ActionUnpin}
	email := func(assigned, queue ID, pinned bool) *Activity {
		return &Activity{ID: 3000, Type: TypeEmail, AssignedUser: assigned, Queue: queue, Pinned: pinned}
	}
	for _, c := range []struct {
		name  string
		actor Actor
		act   *Activity
		unpin bool
		want  []Code
	}{
		{"allowed", ruleUser(all, LicenseMailPlus), email(1002, 0, false), false, nil},
		{"pickNeedsPickActivitiesAction", ruleUser([]string{ActionUnpin}, LicenseMailPlus), email(1002, 0, false), false,
			[]Code{CodeActionNotAllowed}},
		{"pickNeedsPullPermission/user", ruleUser(all, LicenseMailPlus), email(1003, 0, false), false,
			[]Code{CodePickNotAllowed}},
		{"pickNeedsPullPermission/queue", ruleUser(all, LicenseMailPlus), email(0, 101, false), false,
			[]Code{CodePickNotAllowed}},
		{"pickNeedsPullPermission/permitted_queue", ruleUser(all, LicenseMailPlus), email(0, 100, false), false, nil},
		{"pinnedNeedsUnpinAction", ruleUser([]string{ActionPickActivities}, LicenseMailPlus), email(1002, 0, true), true,
			[]Code{CodeUnpinNotAllowed}},
		{"pinnedNeedsUnpinAction/without_unpin", ruleUser([]string{ActionPickActivities}, LicenseMailPlus), email(1002, 0, true), false, nil},
		{"pickNeedsMessagingLicense", ruleUser(all, LicenseCallTrackPlus), email(1002, 0, false), false,
			[]Code{CodeLicenseMissing}},
		{"pickNeedsMessagingLicense/task", ruleUser(all), &Activity{ID: 3000, Type: TypeTask, AssignedUser: 1002}, false, nil},
		{"every_rule_at_once", ruleUser(nil), email(1003, 0, true), true,
			[]Code{CodeActionNotAllowed, CodePickNotAllowed, CodeUnpinNotAllowed, CodeLicenseMissing}},
		{"client_application_needs_nothing", ruleClient, email(1003, 0, true), true, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var v Violations
			pickRule(&v, c.actor, c.act, c.unpin)
			var got []Code
			for _, x := range v.list {
				got = append(got, x.d.Code)
			}
			if len(got) != len(c.want) {
				t.Fatalf("violations %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("violations %v, want %v", got, c.want)
				}
			}
			if c.actor.MayPick(c.act, c.unpin) != (len(c.want) == 0) {
				t.Errorf("MayPick disagrees with pickRule")
			}
		})
	}
}

func TestChangeCaseRules(t *testing.T) {
	jenny := ruleUser(nil)
	open := &Case{ID: 2000, Department: 10, Customer: 500, Status: CaseOpen}
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"activitiesInOneCase/one", activitiesInOneCase([]Activity{{Case: 2000}, {Case: 2000}}), true},
		{"activitiesInOneCase/two", activitiesInOneCase([]Activity{{Case: 2000}, {Case: 2001}}), false},
		{"targetCaseVisible/home_department", targetCaseVisible(open, jenny) != nil, true},
		{"targetCaseVisible/other_department", targetCaseVisible(&Case{ID: 2001, Department: 12}, jenny) != nil, false},
		{"targetCaseVisible/missing", targetCaseVisible(nil, jenny) != nil, false},
		{"alreadyInTargetCase/yes", alreadyInTargetCase(&Activity{Case: 2000}, 2000), true},
		{"alreadyInTargetCase/no", alreadyInTargetCase(&Activity{Case: 2000}, 2001), false},
		{"targetCaseHasSameCustomer/same", targetCaseHasSameCustomer(open, &Case{Customer: 500}), true},
		{"targetCaseHasSameCustomer/other", targetCaseHasSameCustomer(open, &Case{Customer: 501}), false},
		{"targetCaseHasSameCustomer/none_and_one", targetCaseHasSameCustomer(&Case{}, &Case{Customer: 501}), false},
		{"targetCaseHasSameCustomer/none_and_none", targetCaseHasSameCustomer(&Case{}, &Case{}), true},
		{"closedTargetReopens/closed", closedTargetReopens(&Case{Status: CaseClosed}), true},
		{"closedTargetReopens/open", closedTargetReopens(open), false},
		{"sourceCaseClosesWhenNoOpenActivity/only_completed_left",
			sourceCaseClosesWhenNoOpenActivity(open, []string{StatusCompleted}), true},
		{"sourceCaseClosesWhenNoOpenActivity/nothing_left", sourceCaseClosesWhenNoOpenActivity(open, nil), true},
		{"sourceCaseClosesWhenNoOpenActivity/open_activity_left",
			sourceCaseClosesWhenNoOpenActivity(open, []string{StatusCompleted, StatusInWorkflow}), false},
		{"sourceCaseClosesWhenNoOpenActivity/already_closed",
			sourceCaseClosesWhenNoOpenActivity(&Case{Status: CaseClosed}, nil), false},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestChangeCustomerRules(t *testing.T) {
	point := &ContactPoint{ID: 700, Kind: KindEmail, Customer: 501, Contact: 601}
	custDept := map[ID]ID{500: 10, 501: 10, 502: 11}
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"contactPointOfNamedKind/same_kind", contactPointOfNamedKind(point, KindEmail), true},
		{"contactPointOfNamedKind/other_kind", contactPointOfNamedKind(point, KindPhone), false},
		{"contactPointOfNamedKind/missing", contactPointOfNamedKind(nil, KindEmail), false},
		{"draftResponses/draft", draftResponses([]Activity{{ResponseTo: 3000, Status: StatusAssigned}})[3000], true},
		{"draftResponses/completed", draftResponses([]Activity{{ResponseTo: 3000, Status: StatusCompleted}})[3000], false},
		{"pointsOfOneCustomer/target", pointsOfOneCustomer(point, 501), true},
		{"pointsOfOneCustomer/other", pointsOfOneCustomer(point, 502), false},
		{"customerChanges/other_customer", customerChanges(&Activity{Customer: 500}, point), true},
		{"customerChanges/same_customer", customerChanges(&Activity{Customer: 501}, point), false},
		{"caseActivitiesAllOfCustomer/all", caseActivitiesAllOfCustomer([]ID{501}, 501), true},
		{"caseActivitiesAllOfCustomer/one_of_another", caseActivitiesAllOfCustomer([]ID{500, 501}, 501), false},
		{"caseActivitiesAllOfCustomer/one_without_customer", caseActivitiesAllOfCustomer([]ID{0, 501}, 501), false},
		{"targetCustomerInActivityDepartment/same",
			targetCustomerInActivityDepartment(&Activity{Department: 11, Customer: 500}, 501, custDept), true},
		{"targetCustomerInActivityDepartment/other",
			targetCustomerInActivityDepartment(&Activity{Department: 10, Customer: 500}, 502, custDept), false},
		{"targetCustomerInActivityDepartment/no_customer_uses_activity_department",
			targetCustomerInActivityDepartment(&Activity{Department: 11}, 502, custDept), true},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestCaseCustomerRules(t *testing.T) {
	open := &Case{ID: 2000, Department: 10, Customer: 500, Status: CaseOpen}
	custDept := map[ID]ID{500: 10, 501: 10, 502: 11}
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"caseChangesCustomerOnlyWhenOpen/open", caseChangesCustomerOnlyWhenOpen(open), true},
		{"caseChangesCustomerOnlyWhenOpen/closed", caseChangesCustomerOnlyWhenOpen(&Case{Status: CaseClosed}), false},
		{"caseCustomerChanges/other_customer", caseCustomerChanges(open, 501), true},
		{"caseCustomerChanges/same_customer", caseCustomerChanges(open, 500), false},
		{"caseCustomerChanges/no_customer", caseCustomerChanges(&Case{}, 501), true},
		{"targetCustomerInCaseDepartment/same", targetCustomerInCaseDepartment(open, 501, custDept), true},
		{"targetCustomerInCaseDepartment/other", targetCustomerInCaseDepartment(open, 502, custDept), false},
		{"targetCustomerInCaseDepartment/current_customer_department_wins",
			targetCustomerInCaseDepartment(&Case{Department: 11, Customer: 500}, 502, custDept), false},
		{"targetCustomerInCaseDepartment/no_customer_uses_case_department",
			targetCustomerInCaseDepartment(&Case{Department: 11}, 502, custDept), true},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestCalltrackTargetRules(t *testing.T) {
	jenny := UserActor(&User{ID: 1001, Department: 10, TransferTo: []ID{1002}})
	carol := &User{ID: 1002, Licenses: []string{LicenseCallTrackPlus}}
	mike := &User{ID: 1003, Licenses: []string{LicenseMailPlus}}
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"targetIsAnotherUser/another", targetIsAnotherUser(jenny, carol), true},
		{"targetIsAnotherUser/the_caller", targetIsAnotherUser(jenny, jenny.User), false},
		{"targetIsAnotherUser/none_named", targetIsAnotherUser(jenny, nil), false},
		{"targetIsAnotherUser/client_application", targetIsAnotherUser(ruleClient, carol), true},
		{"calltrackTargetPermitted/transfer_permission", calltrackTargetPermitted(jenny, carol), true},
		{"calltrackTargetPermitted/no_transfer_permission", calltrackTargetPermitted(jenny, mike), false},
		{"calltrackTargetPermitted/client_application", calltrackTargetPermitted(ruleClient, mike), true},
		{"calltrackTargetNeedsCallTrackPlus/licensed", calltrackTargetNeedsCallTrackPlus(carol), false},
		{"calltrackTargetNeedsCallTrackPlus/unlicensed", calltrackTargetNeedsCallTrackPlus(mike), true},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestCalltrackCustomerRules(t *testing.T) {
	d10 := &Department{ID: 10, Name: "Sales"}
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"contactPointDataWellFormed/email", contactPointDataWellFormed("john@example.com"), true},
		{"contactPointDataWellFormed/digits", contactPointDataWellFormed("4155550100"), true},
		{"contactPointDataWellFormed/formatted_phone", contactPointDataWellFormed("(415) 555-0100"), false},
		{"contactPointDataWellFormed/empty", contactPointDataWellFormed(""), false},
		{"anonymousNamesNoCustomer/none", anonymousNamesNoCustomer(nil), true},
		{"anonymousNamesNoCustomer/customer_id", anonymousNamesNoCustomer([]string{"customer.id"}), false},
		{"customerInActivityDepartment/same", customerInActivityDepartment(&Customer{Department: 10}, d10, true), true},
		{"customerInActivityDepartment/other", customerInActivityDepartment(&Customer{Department: 11}, d10, true), false},
		{"customerInActivityDepartment/not_departmentalized",
			customerInActivityDepartment(&Customer{Department: 11}, d10, false), true},
		{"customerInActivityDepartment/department_unknown", customerInActivityDepartment(&Customer{Department: 11}, nil, true), true},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	for _, c := range []struct {
		name  string
		named []string
		want  Code
	}{
		{"customerIdentifiedByOneElement/none", nil, CodeCustomerIDMissing},
		{"customerIdentifiedByOneElement/one", []string{"customer.id"}, ""},
		{"customerIdentifiedByOneElement/two", []string{"customer.id", "contactPointData"}, CodeCustomerIDAmbiguous},
	} {
		if got := customerIdentifiedByOneElement(c.named); got != c.want {
			t.Errorf("%s = %q, want %q", c.name, got, c.want)
		}
	}
	req := &CalltrackRequest{CustomerID: new(ID), ContactIDs: []ID{600}, Points: []PointRef{{Kind: KindPhone, ID: 711}}}
	if got, want := customerIdentifiers(req), []string{"customer.id", "customer.contacts.contact.id",
		"customer.contacts.contact.phone.id"}; !slices.Equal(got, want) {
		t.Errorf("customerIdentifiers = %v, want %v", got, want)
	}
}

func TestBulkRules(t *testing.T) {
	item := func(id ID, lm time.Time) BulkItem { return BulkItem{Activity: id, LastModified: lm} }
	many := make([]BulkItem, MaxActivities+1)
	for i := range many {
		many[i] = item(ID(3000+i), ruleNow)
	}
	for _, c := range []struct {
		name  string
		items []BulkItem
		want  Code
	}{
		{"checkBulkBody/B1_none", nil, CodeNoActivities},
		{"checkBulkBody/B3_76", many, CodeTooManyActivities},
		{"checkBulkBody/B3_75", many[:MaxActivities], ""},
		{"checkBulkBody/B4_twice", []BulkItem{item(3001, ruleNow), item(3001, ruleNow)}, CodeDuplicateActivity},
	} {
		err := checkBulkBody(c.items)
		if (c.want == "" && err != nil) || (c.want != "" && !IsCode(err, c.want)) {
			t.Errorf("%s = %v, want %q", c.name, err, c.want)
		}
	}
	st := &bulkState{named: []*Activity{
		{ID: 3001, Department: 10, LastModified: ruleNow},
		{ID: 3002, Department: 12, LastModified: ruleNow},
		nil,
	}}
	items := []BulkItem{item(3001, ruleNow), item(3002, ruleLater), item(3003, ruleNow)}
	var v Violations
	bulkActivitiesExist(&v, st, ruleUser(nil), items)
	if err := v.Err(); !IsCode(err, CodeActivityNotFound) || AsError(err).Args["ids"] != "3002, 3003" {
		t.Errorf("bulkActivitiesExist = %v, want 400-203 naming the unseen 3002 and the missing 3003", err)
	}
	v = Violations{}
	bulkActivitiesExist(&v, &bulkState{named: st.named[:2]}, ruleClient, items[:2])
	if v.Any() {
		t.Errorf("bulkActivitiesExist: a client application sees every department, got %v", v.Err())
	}
	v = Violations{}
	bulkLastModifiedFresh(&v, &bulkState{named: st.named[:2]}, items[:2])
	if err := v.Err(); !IsCode(err, CodeStaleLastModified) || AsError(err).Args["ids"] != "3002" {
		t.Errorf("bulkLastModifiedFresh = %v, want 409-101 naming 3002", err)
	}
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"draftReplyNamed/draft", draftReplyNamed(&Activity{ResponseTo: 3001, Status: StatusAssigned}), true},
		{"draftReplyNamed/completed_reply", draftReplyNamed(&Activity{ResponseTo: 3001, Status: StatusCompleted}), false},
		{"draftReplyNamed/not_a_reply", draftReplyNamed(&Activity{Status: StatusAssigned}), false},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestPullRules(t *testing.T) {
	puller := func(options []ID, max int, licenses ...string) Actor {
		a := ruleUser([]string{ActionPullActivities}, licenses...)
		a.User.PullOptionQueues, a.User.MaxActivitiesToPull = options, max
		a.User.ForeignDepartments = []ID{12}
		return a
	}
	fmtIDs := func(ids []ID) string { return joinIDs(ids) }
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"pullTakesNoBody/PL2_body", pullTakesNoBody(PullRequest{HasBody: true}), true},
		{"pullTakesNoBody/PL2_none", pullTakesNoBody(PullRequest{}), false},
		{"pullNeedsUser/PL1_client", pullNeedsUser(ruleClient), true},
		{"pullNeedsUser/PL1_user", pullNeedsUser(ruleUser(nil)), false},
		{"pullNeedsPullActivitiesAction/without", pullNeedsPullActivitiesAction(ruleUser([]string{ActionPickActivities})), true},
		{"pullNeedsPullActivitiesAction/with", pullNeedsPullActivitiesAction(puller(nil, 0)), false},
		{"pullNeedsPullQueues/PL3_none", pullNeedsPullQueues(puller(nil, 0).User), true},
		{"pullNeedsPullQueues/PL3_one", pullNeedsPullQueues(puller([]ID{101}, 0).User), false},
		{"pullableQueues/with_permission_only", fmtIDs(pullableQueues(puller([]ID{101, 100}, 0).User)), "100"},
		{"pullableQueues/none_permitted", fmtIDs(pullableQueues(puller([]ID{101}, 0).User)), ""},
		{"pullLimit/default_5", pullLimit(puller(nil, 0).User, Settings{}), 5},
		{"pullLimit/setting", pullLimit(puller(nil, 0).User, Settings{MaxActivitiesToPull: 9}), 9},
		{"pullLimit/user_overrides_setting", pullLimit(puller(nil, 2).User, Settings{MaxActivitiesToPull: 9}), 2},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	for _, c := range []struct {
		name     string
		licenses []string
		want     string // the excluded types; "-" for nothing pullable
	}{
		{"no_license_pulls_nothing", nil, "-"},
		{"any_license_task_and_generic", []string{LicenseKnowledge}, "[call_track chat web email social]"},
		{"mailplus_email_not_social", []string{LicenseMailPlus}, "[call_track chat web social]"},
		{"advisor_desktop_email_and_social", []string{LicenseAdvisorDesktop}, "[call_track chat web]"},
		{"calltrackplus_never_calltrack", []string{LicenseCallTrackPlus, LicenseChatPlus}, "[call_track chat web email social]"},
	} {
		excluded, ok := pullExcludedTypes(puller(nil, 0, c.licenses...))
		got := "-"
		if ok {
			got = fmt.Sprint(excluded)
		}
		if got != c.want {
			t.Errorf("pullExcludedTypes/%s = %s, want %s", c.name, got, c.want)
		}
	}
	f, ok := pullFilter(puller([]ID{100}, 3, LicenseKnowledge), Settings{})
	if !ok || fmt.Sprint(f.Queues, f.Departments, f.Limit) != "[100] [10 12] 3" {
		t.Errorf("pullFilter = %+v, %v; want queue 100, departments 10 and 12, limit 3", f, ok)
	}
}

func TestWebhookRules(t *testing.T) {
	urlOK := func(s string) bool { _, ok := webhookURLValid(s); return ok }
	addr := func(s string) netip.Addr { return netip.MustParseAddr(s) }
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"WebhookNeedsClient/client", WebhookNeedsClient(ruleClient) == nil, true},
		{"WebhookNeedsClient/user", WebhookNeedsClient(ruleUser(nil)) == nil, false},
		{"webhookURLValid/https", urlOK("https://hooks.example.com/casemgr?x=1"), true},
		{"webhookURLValid/http_with_port", urlOK("http://hooks.example.com:8080/"), true},
		{"webhookURLValid/empty", urlOK(""), false},
		{"webhookURLValid/relative", urlOK("/hook"), false},
		{"webhookURLValid/other_scheme", urlOK("ftp://hooks.example.com/"), false},
		{"webhookURLValid/no_host", urlOK("http:///hook"), false},
		{"webhookURLValid/user_information", urlOK("https://u:p@hooks.example.com/"), false},
		{"webhookURLValid/fragment", urlOK("https://hooks.example.com/#x"), false},
		{"webhookURLValid/too_long", urlOK("https://hooks.example.com/" + strings.Repeat("a", MaxWebhookURL)), false},
		{"WebhookSecretValid/32_bytes", WebhookSecretValid("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), true},
		{"WebhookSecretValid/no_prefix", WebhookSecretValid("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), false},
		{"WebhookSecretValid/not_base64", WebhookSecretValid("whsec_!!!!"), false},
		{"WebhookSecretValid/21_bytes", WebhookSecretValid("whsec_" + strings.Repeat("A", 28)), false},
		{"WebhookSecretValid/66_bytes", WebhookSecretValid("whsec_" + strings.Repeat("A", 88)), false},
		{"webhookEventTypeKnown/known", webhookEventTypeKnown("case.created", []string{"case.created"}), true},
		{"webhookEventTypeKnown/unknown", webhookEventTypeKnown("case.exploded", []string{"case.created"}), false},
		{"WebhookAddrRefused/public_v4", WebhookAddrRefused(addr("93.184.215.14"), nil), false},
		{"WebhookAddrRefused/public_v6", WebhookAddrRefused(addr("2606:2800:21f:cb07:6820:80da:af6b:8b2c"), nil), false},
		{"WebhookAddrRefused/loopback", WebhookAddrRefused(addr("127.0.0.1"), nil), true},
		{"WebhookAddrRefused/loopback_allowed", WebhookAddrRefused(addr("127.0.0.1"), loopback), false},
		{"WebhookAddrRefused/v6_loopback_not_in_v4_range", WebhookAddrRefused(addr("::1"), loopback), true},
		{"WebhookAddrRefused/mapped_loopback", WebhookAddrRefused(addr("::ffff:127.0.0.1"), nil), true},
		{"WebhookAddrRefused/mapped_loopback_allowed", WebhookAddrRefused(addr("::ffff:127.0.0.1"), loopback), false},
		{"WebhookAddrRefused/private", WebhookAddrRefused(addr("10.0.0.1"), nil), true},
		{"WebhookAddrRefused/metadata", WebhookAddrRefused(addr("169.254.169.254"), nil), true},
		{"WebhookAddrRefused/shared_metadata", WebhookAddrRefused(addr("100.100.100.200"), nil), true},
		{"WebhookAddrRefused/ipv6_unique_local_metadata", WebhookAddrRefused(addr("fd00:ec2::254"), nil), true},
		{"WebhookAddrRefused/nat64_of_metadata", WebhookAddrRefused(addr("64:ff9b::a9fe:a9fe"), nil), true},
		{"WebhookAddrRefused/nat64_of_public", WebhookAddrRefused(addr("64:ff9b::5db8:d70e"), nil), false},
		{"WebhookAddrRefused/unspecified", WebhookAddrRefused(addr("0.0.0.0"), nil), true},
		{"WebhookAddrRefused/multicast", WebhookAddrRefused(addr("224.0.0.1"), nil), true},
		{"WebhookAddrRefused/broadcast", WebhookAddrRefused(addr("255.255.255.255"), nil), true},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestEditActivityRules(t *testing.T) {
	prio, lang := "3", "en"
	dueOK := func(s string) bool { _, ok := dueDateInFuture(s, ruleNow); return ok }
	jenny := ruleUser(nil)
	mine := &Activity{Status: StatusAssigned, AssignedUser: 1001}
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"editSetsSomething/nothing", editSetsSomething(EditActivityRequest{}), false},
		{"editSetsSomething/priority", editSetsSomething(EditActivityRequest{Priority: &prio}), true},
		{"editSetsSomething/language", editSetsSomething(EditActivityRequest{Language: &lang}), true},
		{"editSetsSomething/empty_custom_attributes", editSetsSomething(EditActivityRequest{CustomAttributes: map[string][]string{}}), false},
		{"editSetsSomething/custom_attribute", editSetsSomething(EditActivityRequest{CustomAttributes: map[string][]string{"a": nil}}), true},
		{"dueDateInFuture/later", dueOK("2026-01-05T10:30:00.000Z"), true},
		{"dueDateInFuture/now", dueOK("2026-01-05T09:30:00.000Z"), false},
		{"dueDateInFuture/past", dueOK("2020-01-01T00:00:00Z"), false},
		{"dueDateInFuture/not_a_date", dueOK("tomorrow"), false},
		{"priorityInRange/1", priorityInRange("1"), true},
		{"priorityInRange/7", priorityInRange("7"), true},
		{"priorityInRange/0", priorityInRange("0"), false},
		{"priorityInRange/8", priorityInRange("8"), false},
		{"priorityInRange/leading_zero", priorityInRange("07"), false},
		{"priorityInRange/word", priorityInRange("high"), false},
		{"languageSupported/listed", languageSupported("en", []string{"en"}), true},
		{"languageSupported/not_listed", languageSupported("fr", []string{"en"}), false},
		{"editNeedsAssigned/assigned", editNeedsAssigned(mine), true},
		{"editNeedsAssigned/queued", editNeedsAssigned(&Activity{Status: StatusAwaitingAssignment}), false},
		{"assignedToCaller/mine", assignedToCaller(mine, jenny), true},
		{"assignedToCaller/another_users", assignedToCaller(&Activity{AssignedUser: 1002}, jenny), false},
		{"assignedToCaller/client_any_user", assignedToCaller(&Activity{AssignedUser: 1002}, ruleClient), true},
		{"assignedToCaller/client_nobody", assignedToCaller(&Activity{}, ruleClient), false},
		{"wrapUpLicenses/chat_needs_chatplus", jenny.HasLicense(wrapUpLicenses(TypeChat)...), false},
		{"wrapUpLicenses/chat_with_chatplus", ruleUser(nil, LicenseChatPlus).HasLicense(wrapUpLicenses(TypeChat)...), true},
		{"wrapUpLicenses/email_platform", ruleUser(nil, LicensePlatform).HasLicense(wrapUpLicenses(TypeEmail)...), false},
		{"wrapUpLicenses/task_platform", ruleUser(nil, LicensePlatform).HasLicense(wrapUpLicenses(TypeTask)...), true},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	merged := mergeCustomAttributes(map[string][]string{"a": {"1"}, "b": {"2"}}, map[string][]string{"b": {"3"}, "c": nil})
	if fmt.Sprint(merged) != "map[a:[1] b:[3] c:[]]" {
		t.Errorf("mergeCustomAttributes = %v", merged)
	}
}

func TestCompleteRules(t *testing.T) {
	forcing := &Department{ID: 14, ForceCategorization: true, ForceResolutionCode: true}
	plain := &Department{ID: 10}
	given := &Activity{Categories: []string{"Billing"}, ResolutionCodes: []string{"Fixed"}}
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"completable/email", completable(TypeEmail), true},
		{"completable/calltrack", completable(TypeCalltrack), true},
		{"completable/generic", completable("feedback"), true},
		{"completable/chat", completable(TypeChat), false},
		{"completable/web", completable(TypeWeb), false},
		{"completeNeedsCategory/forced_without", completeNeedsCategory(&Activity{}, forcing), true},
		{"completeNeedsCategory/forced_with", completeNeedsCategory(given, forcing), false},
		{"completeNeedsCategory/not_forced", completeNeedsCategory(&Activity{}, plain), false},
		{"completeNeedsResolutionCode/forced_without", completeNeedsResolutionCode(&Activity{}, forcing), true},
		{"completeNeedsResolutionCode/forced_with", completeNeedsResolutionCode(given, forcing), false},
		{"completeNeedsResolutionCode/not_forced", completeNeedsResolutionCode(&Activity{}, plain), false},
		{"awaitingSupervision/yes", awaitingSupervision(&Activity{AwaitingSupervision: true}), true},
		{"awaitingSupervision/no", awaitingSupervision(&Activity{}), false},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestRoutingRules(t *testing.T) {
	tom := &User{ID: 1021, Department: 10, ForeignDepartments: []ID{11}, Licenses: []string{LicenseAdvisorDesktop}}
	tina := &User{ID: 1022, Department: 10, Licenses: []string{LicenseCallTrackPlus}}
	ulla := &User{ID: 1024, Department: 10}
	q := &Queue{ID: 101, Department: 10}
	router := ruleUser([]string{ActionPickActivities})
	router.User.TransferToQueues = []ID{101}
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"routable/email", routable(TypeEmail), true},
		{"routable/social", routable(TypeSocial), true},
		{"routable/task", routable(TypeTask), true},
		{"routable/user_defined", routable("feedback"), true},
		{"routable/calltrack", routable(TypeCalltrack), false},
		{"routable/chat", routable(TypeChat), false},
		{"routable/web", routable(TypeWeb), false},
		{"messageModeRoutable/inbound_email", messageModeRoutable(&Activity{Type: TypeEmail, Mode: ModeInbound}), true},
		{"messageModeRoutable/composed_social", messageModeRoutable(&Activity{Type: TypeSocial, Mode: ModeComposed}), true},
		{"messageModeRoutable/outbound_email", messageModeRoutable(&Activity{Type: TypeEmail, Mode: ModeOutbound}), false},
		{"messageModeRoutable/outbound_social", messageModeRoutable(&Activity{Type: TypeSocial, Mode: ModeOutbound}), false},
		{"messageModeRoutable/outbound_task", messageModeRoutable(&Activity{Type: TypeTask, Mode: ModeOutbound}), true},
		{"alreadyAssignedTo/yes", alreadyAssignedTo(&Activity{Status: StatusAssigned, AssignedUser: 1021}, 1021), true},
		{"alreadyAssignedTo/other_user", alreadyAssignedTo(&Activity{Status: StatusAssigned, AssignedUser: 1022}, 1021), false},
		{"alreadyAssignedTo/queued", alreadyAssignedTo(&Activity{Status: StatusAwaitingAssignment, Queue: 100}, 1021), false},
		{"targetWorksInActivityDepartment/home", targetWorksInActivityDepartment(&Activity{Department: 10}, tom), true},
		{"targetWorksInActivityDepartment/foreign", targetWorksInActivityDepartment(&Activity{Department: 11}, tom), true},
		{"targetWorksInActivityDepartment/other", targetWorksInActivityDepartment(&Activity{Department: 12}, tom), false},
		{"targetLicensedForType/email_with_AD", targetLicensedForType(&Activity{Type: TypeEmail}, tom), true},
		{"targetLicensedForType/email_with_CTP", targetLicensedForType(&Activity{Type: TypeEmail}, tina), false},
		{"targetLicensedForType/task_with_CTP", targetLicensedForType(&Activity{Type: TypeTask}, tina), true},
		{"targetLicensedForType/task_without_license", targetLicensedForType(&Activity{Type: TypeTask}, ulla), false},
		{"alreadyInTargetQueue/queued_there", alreadyInTargetQueue(&Activity{Status: StatusAwaitingAssignment, Queue: 101}, q), true},
		{"alreadyInTargetQueue/queued_elsewhere", alreadyInTargetQueue(&Activity{Status: StatusAwaitingAssignment, Queue: 100}, q), false},
		{"alreadyInTargetQueue/assigned", alreadyInTargetQueue(&Activity{Status: StatusAssigned, AssignedUser: 1021}, q), false},
		{"inQueueDepartment/same", inQueueDepartment(&Activity{Department: 10}, q), true},
		{"inQueueDepartment/other", inQueueDepartment(&Activity{Department: 11}, q), false},
		{"queueActive/active", queueActive(q), true},
		{"queueActive/inactive", queueActive(&Queue{ID: 102, Inactive: true}), false},
		{"callerIsUser/user", callerIsUser(router), true},
		{"callerIsUser/client", callerIsUser(ruleClient), false},
		{"callerHoldsAnyLicense/none", callerHoldsAnyLicense(ruleUser(nil)), false},
		{"callerHoldsAnyLicense/one", callerHoldsAnyLicense(ruleUser(nil, LicensePlatform)), true},
		{"callerHoldsAnyLicense/client", callerHoldsAnyLicense(ruleClient), true},
		{"MayTransferToQueue/granted", router.MayTransferToQueue(101), true},
		{"MayTransferToQueue/not_granted", router.MayTransferToQueue(100), false},
		{"MayTransferToQueue/client", ruleClient.MayTransferToQueue(100), true},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestEditCustomerRules(t *testing.T) {
	id := func(v ID) *ID { return &v }
	str := func(s string) *string { return &s }
	john := &Customer{ID: 500, Type: "individual", LastModified: ruleNow, Contacts: []Contact{
		{ID: 600, ContactPoints: []ContactPoint{{ID: 700, Kind: KindEmail}, {ID: 701, Kind: KindPhone}}}}}
	corp := &Customer{ID: 511, Type: "corporate", Contacts: []Contact{{ID: 641}}}
	// codes runs a rule and returns the codes it recorded.
	codes := func(rule func(v *Violations)) []Code {
		var v Violations
		rule(&v)
		var out []Code
		for _, x := range v.list {
			out = append(out, x.d.Code)
		}
		return out
	}
	point := func(p NewPoint) *CustomerEdit {
		return &CustomerEdit{Contacts: []NewContact{{ID: 600, Points: []NewPoint{p}}}}
	}
	for _, c := range []struct {
		name string
		got  []Code
		want []Code
	}{
		{"editNamesCustomer/body_id", codes(func(v *Violations) { editNamesCustomer(v, &CustomerEdit{ID: id(500)}) }), nil},
		{"editNamesCustomer/path_id", codes(func(v *Violations) { editNamesCustomer(v, &CustomerEdit{PathID: 500}) }), nil},
		{"editNamesCustomer/same_in_both", codes(func(v *Violations) { editNamesCustomer(v, &CustomerEdit{PathID: 500, ID: id(500)}) }), nil},
		{"editNamesCustomer/none", codes(func(v *Violations) { editNamesCustomer(v, &CustomerEdit{}) }), []Code{CodeEditCustomerIDRequired}},
		{"editNamesCustomer/disagree", codes(func(v *Violations) { editNamesCustomer(v, &CustomerEdit{PathID: 500, ID: id(501)}) }),
			[]Code{CodeEditCustomerIDMismatch}},
		{"editChangesSomething/nothing", codes(func(v *Violations) { editChangesSomething(v, &CustomerEdit{ID: id(500)}) }),
			[]Code{CodeEditCustomerEmpty}},
		{"editChangesSomething/only_lastModified", codes(func(v *Violations) {
			editChangesSomething(v, &CustomerEdit{ID: id(500), LastModified: &ruleNow})
		}), []Code{CodeEditCustomerEmpty}},
		{"editChangesSomething/a_detail", codes(func(v *Violations) {
			editChangesSomething(v, &CustomerEdit{Details: map[string]string{"pin": "1"}})
		}), nil},
		{"editedNameFitsType/individual", codes(func(v *Violations) { editedNameFitsType(v, &CustomerEdit{Name: str("J")}, john) }),
			[]Code{CodeUnsupportedElement}},
		{"editedNameFitsType/corporate", codes(func(v *Violations) { editedNameFitsType(v, &CustomerEdit{Name: str("Acme")}, corp) }), nil},
		{"editedNameFitsType/corporate_blank", codes(func(v *Violations) { editedNameFitsType(v, &CustomerEdit{Name: str(" ")}, corp) }),
			[]Code{CodeCustomerNameRequired}},
		{"individualKeepsOneContact/edit_own", codes(func(v *Violations) {
			individualKeepsOneContact(v, &CustomerEdit{Contacts: []NewContact{{ID: 600}}}, john)
		}), nil},
		{"individualKeepsOneContact/second", codes(func(v *Violations) {
			individualKeepsOneContact(v, &CustomerEdit{Contacts: []NewContact{{}}}, john)
		}), []Code{CodeIndividualSecondContact}},
		{"individualKeepsOneContact/first_of_none", codes(func(v *Violations) {
			individualKeepsOneContact(v, &CustomerEdit{Contacts: []NewContact{{}}}, &Customer{Type: "individual"})
		}), nil},
		{"individualKeepsOneContact/two_of_none", codes(func(v *Violations) {
			individualKeepsOneContact(v, &CustomerEdit{Contacts: []NewContact{{}, {}}}, &Customer{Type: "individual"})
		}), []Code{CodeIndividualSecondContact}},
		{"individualKeepsOneContact/corporate", codes(func(v *Violations) {
			individualKeepsOneContact(v, &CustomerEdit{Contacts: []NewContact{{}, {}}}, corp)
		}), nil},
		{"contactBelongsToCustomer/own", codes(func(v *Violations) { contactBelongsToCustomer(v, &NewContact{ID: 600}, john) }), nil},
		{"contactBelongsToCustomer/new", codes(func(v *Violations) { contactBelongsToCustomer(v, &NewContact{}, john) }), nil},
		{"contactBelongsToCustomer/other", codes(func(v *Violations) { contactBelongsToCustomer(v, &NewContact{ID: 641}, john) }),
			[]Code{CodeContactNotOfCustomer}},
		{"editedPointIsOfContact/new", codes(func(v *Violations) {
			in := point(NewPoint{Kind: KindEmail})
			editedPointIsOfContact(v, &in.Contacts[0], &in.Contacts[0].Points[0], john)
		}), nil},
		{"editedPointIsOfContact/own", codes(func(v *Violations) {
			in := point(NewPoint{ID: 700, Kind: KindEmail, Value: str("a@b.c")})
			editedPointIsOfContact(v, &in.Contacts[0], &in.Contacts[0].Points[0], john)
		}), nil},
		{"editedPointIsOfContact/other_contact", codes(func(v *Violations) {
			in := point(NewPoint{ID: 710, Kind: KindEmail, Value: str("a@b.c")})
			editedPointIsOfContact(v, &in.Contacts[0], &in.Contacts[0].Points[0], john)
		}), []Code{CodePointNotOfContact}},
		{"editedPointIsOfContact/under_a_new_contact", codes(func(v *Violations) {
			nc := NewContact{Points: []NewPoint{{ID: 700, Kind: KindEmail, Value: str("a@b.c")}}}
			editedPointIsOfContact(v, &nc, &nc.Points[0], john)
		}), []Code{CodePointNotOfContact}},
		{"editedPointIsOfContact/wrong_kind", codes(func(v *Violations) {
			in := point(NewPoint{ID: 701, Kind: KindEmail, Value: str("a@b.c")})
			editedPointIsOfContact(v, &in.Contacts[0], &in.Contacts[0].Points[0], john)
		}), []Code{CodePointKindMismatch}},
		{"editedPointIsOfContact/nothing_to_change", codes(func(v *Violations) {
			in := point(NewPoint{ID: 700, Kind: KindEmail})
			editedPointIsOfContact(v, &in.Contacts[0], &in.Contacts[0].Points[0], john)
		}), []Code{CodePointEditEmpty}},
		{"contactIsValid/edited_without_firstName", codes(func(v *Violations) { contactIsValid(v, &NewContact{ID: 600}, false) }), nil},
		{"contactIsValid/edited_blank_firstName", codes(func(v *Violations) {
			contactIsValid(v, &NewContact{ID: 600, FirstName: str("")}, false)
		}), []Code{CodeContactFirstName}},
		{"pointIsValid/edited_phone_keeps_its_type", codes(func(v *Violations) {
			pointIsValid(v, &NewPoint{ID: 701, Kind: KindPhone, Value: str("555")}, &customerWorld{}, false)
		}), nil},
		{"pointIsValid/new_phone_needs_a_type", codes(func(v *Violations) {
			pointIsValid(v, &NewPoint{Kind: KindPhone, Value: str("555")}, &customerWorld{}, true)
		}), []Code{CodePhonePointInvalid}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
				t.Errorf("codes %v, want %v", c.got, c.want)
			}
		})
	}
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"customerLastModifiedMatches/same", customerLastModifiedMatches(john, ruleNow), true},
		{"customerLastModifiedMatches/stale", customerLastModifiedMatches(john, ruleLater), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
}

func TestApplyCustomerEdit(t *testing.T) {
	str := func(s string) *string { return &s }
	c := &Customer{ID: 500, Type: "individual", Name: "John Tierney", Details: map[string]string{"pin": "1"},
		CustomAttributes: map[string][]string{"tier": {"gold"}, "crm_id": {"C-1"}},
		Contacts: []Contact{{ID: 600, FirstName: "John", LastName: "Tierney", ContactPoints: []ContactPoint{
			{ID: 701, Kind: KindPhone, Type: "mobile", Value: "4085551234", Attrs: map[string]string{"countryCode": "1"}}}}}}
	applyCustomerEdit(c, &CustomerEdit{Details: map[string]string{"level": "Gold"},
		Custom: map[string][]string{"tier": {"silver"}},
		Contacts: []NewContact{{ID: 600, FirstName: str("Jon"), Details: map[string]string{"middleName": "Q"}, Points: []NewPoint{
			{ID: 701, Kind: KindPhone, Value: str("5550000"), Attrs: map[string]string{"areaCode": "650"}},
			{Kind: KindEmail, Value: str("jon@example.com")}}}}})
	got := fmt.Sprintf("%s|%v|%v|%+v", c.Name, c.Details, c.CustomAttributes, c.Contacts[0].ContactPoints)
	want := "Jon Q Tierney|map[level:Gold pin:1]|map[crm_id:[C-1] tier:[silver]]|" +
		"[{ID:701 Contact:0 Customer:0 Kind:phone Type:mobile Value:5550000 Attrs:map[areaCode:650 countryCode:1]} " +
		"{ID:0 Contact:0 Customer:0 Kind:email Type: Value:jon@example.com Attrs:map[]}]"
	if got != want {
		t.Errorf("applied edit:\n got %s\nwant %s", got, want)
	}
}
