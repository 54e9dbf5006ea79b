package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// recordFunc records one request: the operation it belongs to, when it
// started, and what it answered (status 0 and err for a failure to get an
// answer).
type recordFunc func(op string, start time.Time, status int, code string, err error)

// env is what the operations of a run share.
type env struct {
	w  *Workload
	db *DB
	// raw holds the raw transactions' prepared statements.
	raw *rawSQL
	// getIDs is the number of activities a get-N asks for.
}

// operation is one operation of a run: how a client does it over HTTP, and
// its own SQL transaction done directly (raw).
type operation struct {
	name string
	// what tells what one request does, for reports.
	what string
	http func(ctx context.Context, e *env, c *client, rng *rand.Rand, rec recordFunc)
	raw  func(ctx context.Context, e *env, rng *rand.Rand, rec recordFunc)
}

// Operations lists every operation a run may measure, in report order.
var Operations = []string{"healthz", "get-1", "get-10", "search", "search-assigned", "customer-phone", "customer-email",
	"poll", "create",
	"transfer-1", "transfer-75", "changecase-1", "changecase-75", "changecustomer-1", "changecustomer-75", "pull",
	"transfer-queue-75", "pick-75", "complete-75"}

// DefaultOps are the operations a run measures by default; creation last,
// as it grows the world.
var DefaultOps = []string{"get-1", "get-10", "search", "transfer-1", "transfer-75",
	"changecase-1", "changecase-75", "changecustomer-1", "changecustomer-75", "transfer-queue-75", "pick-75", "complete-75", "create"}

func lookupOp(name string) (*operation, error) {
	for _, op := range operations() {
		if op.name == name {
			return op, nil
		}
	}
	return nil, fmt.Errorf("unknown operation %q (one of %s)", name, strings.Join(Operations, ", "))
}

func operations() []*operation {
	return []*operation{
		{name: "healthz", what: "GET /healthz, no database", http: httpHealthz},
		{name: "get-1", what: "GET /activity/{id}: one random activity", http: httpGet(1), raw: rawGet(1)},
		{name: "get-10", what: "GET /activity/{ids}: ten random activities", http: httpGet(10), raw: rawGet(10)},
		{name: "search", what: "GET /activity?case=: the activities of a random case", http: httpSearch, raw: rawSearch},
		{name: "search-assigned", what: "GET /activity?assignedTo=&status=assigned&$sort=lastModified&$order=desc: an agent's assigned work",
			http: httpSearchAssigned, raw: rawSearchAssigned},
		{name: "customer-phone", what: "GET /customer?phone=: the screen-pop of a random customer's number", http: httpCustomerSearch("customer-phone"), raw: rawCustomerSearch("customer-phone")},
		{name: "customer-email", what: "GET /customer?email=: a random customer's address, in upper case", http: httpCustomerSearch("customer-email"), raw: rawCustomerSearch("customer-email")},
		{name: "poll", what: "GET /activity?lastModifiedDate=[an hour ago,]&$sort=lastModified: what changed since", http: httpPoll, raw: rawPoll},
		{name: "create", what: "POST /activity/calltrack for a random customer, with a new case", http: httpCreate, raw: rawCreate},
		{name: "transfer-1", what: "GET lastModified, then PATCH /activity/transfer/department/{id} of 1 activity", http: httpTransfer("transfer-1"), raw: rawTransfer("transfer-1")},
		{name: "transfer-75", what: "GET lastModified, then PATCH /activity/transfer/department/{id} of 75 activities", http: httpTransfer("transfer-75"), raw: rawTransfer("transfer-75")},
		{name: "changecase-1", what: "PATCH /activity/{id}/changecase to another case of the customer", http: httpChangeCase("changecase-1"), raw: rawChangeCase("changecase-1")},
		{name: "changecase-75", what: "PATCH /activity/{75 ids}/changecase to the partner case", http: httpChangeCase("changecase-75"), raw: rawChangeCase("changecase-75")},
		{name: "changecustomer-1", what: "PATCH /activity/changecustomer of 1 activity to another customer", http: httpChangeCustomer("changecustomer-1"), raw: rawChangeCustomer("changecustomer-1")},
		{name: "changecustomer-75", what: "PATCH /activity/changecustomer of 75 activities to another customer", http: httpChangeCustomer("changecustomer-75"), raw: rawChangeCustomer("changecustomer-75")},
		{name: "pull", what: "PATCH /activity/pull: up to 5 from the one queue every client pulls from (put back after)", http: httpPull, raw: rawPull},
		{name: "transfer-queue-75", what: "GET lastModified, then PATCH /activity/transfer/queue/{id} of 75 activities to the other queue of their department",
			http: httpTransferQueue("transfer-queue-75"), raw: rawTransferQueue("transfer-queue-75")},
		{name: "pick-75", what: "GET lastModified, then PATCH /activity/pick of 75 activities", http: httpPick("pick-75"), raw: rawPick("pick-75")},
		{name: "complete-75", what: "reopen 75 activities for the client's user (not measured), GET lastModified, then PATCH /activity/complete of the 75",
			http: httpComplete("complete-75"), raw: rawComplete("complete-75")},
	}
}

const apiBase = "/core/casemgr/v3"

func httpHealthz(ctx context.Context, e *env, c *client, rng *rand.Rand, rec recordFunc) {
	t := time.Now()
	r, err := c.do(ctx, http.MethodGet, "/healthz", nil, false)
	rec("healthz", t, r.status, r.code, err)
}

// randomIDs returns n distinct IDs in 1..max.
func randomIDs(rng *rand.Rand, n int, max int64) []int64 {
	ids := make([]int64, 0, n)
	for len(ids) < n {
		id := rng.Int64N(max) + 1
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

func httpGet(n int) func(context.Context, *env, *client, *rand.Rand, recordFunc) {
	name := "get-" + strconv.Itoa(n)
	return func(ctx context.Context, e *env, c *client, rng *rand.Rand, rec recordFunc) {
		t := time.Now()
		r, err := c.do(ctx, http.MethodGet, apiBase+"/activity/"+idCSV(randomIDs(rng, n, e.w.Activities)), nil, true)
		rec(name, t, r.status, r.code, err)
	}
}

func idCSV(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

func httpSearch(ctx context.Context, e *env, c *client, rng *rand.Rand, rec recordFunc) {
	t := time.Now()
	r, err := c.do(ctx, http.MethodGet, apiBase+"/activity?case="+strconv.FormatInt(rng.Int64N(e.w.Cases)+1, 10), nil, true)
	rec("search", t, r.status, r.code, err)
}

func httpSearchAssigned(ctx context.Context, e *env, c *client, rng *rand.Rand, rec recordFunc) {
	agent := e.w.agents[rng.IntN(len(e.w.agents))]
	t := time.Now()
	r, err := c.do(ctx, http.MethodGet, apiBase+"/activity?assignedTo="+strconv.FormatInt(agent, 10)+
		"&status=assigned&$sort=lastModified&$order=desc", nil, true)
	rec("search-assigned", t, r.status, r.code, err)
}

func httpCreate(ctx context.Context, e *env, c *client, rng *rand.Rand, rec recordFunc) {
	cust := e.w.customers[rng.IntN(len(e.w.customers))]
	body := fmt.Sprintf(`{"department": {"name": %q}, "type": {"value": "call_track", "subtype": {"value": "General"}},
		"mode": {"value": "inbound"}, "customer": {"id": "%d"}, "subject": "Bench call %d",
		"payload": {"calltrack": {"content": {"text": "The caller asked about an invoice.", "html": "<p>The caller asked about an invoice.</p>"}}},
		"priority": "3"}`, e.w.deptNames[cust.dept], cust.id, rng.Int64N(1e9))
	t := time.Now()
	r, err := c.do(ctx, http.MethodPost, apiBase+"/activity/calltrack", []byte(body), true)
	rec("create", t, r.status, r.code, err)
}

// httpTransfer reads the batch's lastModified as a client would, then
// transfers it to the other of the two departments.
func httpTransfer(name string) func(context.Context, *env, *client, *rand.Rand, recordFunc) {
	return func(ctx context.Context, e *env, c *client, rng *rand.Rand, rec recordFunc) {
		withBatch(ctx, e, name, func(b *batch) {
			moved := fetchAndPatch(ctx, c, name, "id,lastModified,department", b, rec, func(acts []fetchedActivity) string {
				target := e.w.service
				if acts[0].Department.ID == strconv.FormatInt(e.w.service, 10) {
					target = e.w.billing
				}
				return "/activity/transfer/department/" + strconv.FormatInt(target, 10)
			})
			if moved {
				b.picker = 0 // waiting in a queue: nobody's
			}
		})
	}
}

// httpChangeCase moves the batch to the other of its two cases.
func httpChangeCase(name string) func(context.Context, *env, *client, *rand.Rand, recordFunc) {
	return func(ctx context.Context, e *env, c *client, rng *rand.Rand, rec recordFunc) {
		withBatch(ctx, e, name, func(b *batch) {
			dst := b.other()
			t := time.Now()
			r, err := c.do(ctx, http.MethodPatch, apiBase+"/activity/"+idCSV(b.ids)+"/changecase",
				[]byte(`{"id": "`+strconv.FormatInt(dst, 10)+`"}`), true)
			rec(name, t, r.status, r.code, err)
			if err == nil && r.status == http.StatusNoContent {
				b.cur = dst
			} else {
				e.resyncCase(ctx, b)
			}
		})
	}
}

// other is the case a change-case batch moves to.
func (b *batch) other() int64 {
	if b.cur == b.caseA {
		return b.caseB
	}
	return b.caseA
}

// resyncCase reads which case a batch is in after a failed change.
func (e *env) resyncCase(ctx context.Context, b *batch) {
	var c int64
	if err := e.db.Read.QueryRowContext(ctx, e.db.sql(`SELECT case_id FROM activities WHERE id = ?`), b.ids[0]).Scan(&c); err == nil {
		b.cur = c
	}
}

// httpChangeCustomer gives the batch the next of its two target customers.
func httpChangeCustomer(name string) func(context.Context, *env, *client, *rand.Rand, recordFunc) {
	return func(ctx context.Context, e *env, c *client, rng *rand.Rand, rec recordFunc) {
		withBatch(ctx, e, name, func(b *batch) {
			tg := b.targets[b.next]
			var sb strings.Builder
			sb.WriteString(`{"activity": [`)
			for i, id := range b.ids {
				if i > 0 {
					sb.WriteString(", ")
				}
				fmt.Fprintf(&sb, `{"id": "%d", "customer": {"contacts": {"contact": [{"email": [{"id": "%d"}]}]}}}`, id, tg.point)
			}
			sb.WriteString("]}")
			t := time.Now()
			r, err := c.do(ctx, http.MethodPatch, apiBase+"/activity/changecustomer", []byte(sb.String()), true)
			rec(name, t, r.status, r.code, err)
			// On success the other target is next; on a failure too, so a
			// batch already with this target recovers.
			b.next = 1 - b.next
		})
	}
}

// httpCustomerSearch searches a customer by the number or address of one
// of the sampled customers: the number's digits, as a CTI connector sends
// them, the address in upper case (addresses match case-insensitively).
func httpCustomerSearch(name string) func(context.Context, *env, *client, *rand.Rand, recordFunc) {
	return func(ctx context.Context, e *env, c *client, rng *rand.Rand, rec recordFunc) {
		var query string
		switch {
		case name == "customer-phone" && len(e.w.phones) > 0:
			query = "phone=" + url.QueryEscape(e.w.phones[rng.IntN(len(e.w.phones))])
		case name == "customer-email" && len(e.w.emails) > 0:
			query = "email=" + url.QueryEscape(strings.ToUpper(e.w.emails[rng.IntN(len(e.w.emails))]))
		default:
			rec(name, time.Now(), 0, "", fmt.Errorf("the world has no customers to search"))
			return
		}
		t := time.Now()
		r, err := c.do(ctx, http.MethodGet, "/core/customermgr/v3/customer?"+query, nil, true)
		rec(name, t, r.status, r.code, err)
	}
}

// httpPoll asks what changed in the last hour, oldest change first, as an
// integration polling for changes does.
func httpPoll(ctx context.Context, e *env, c *client, rng *rand.Rand, rec recordFunc) {
	since := casemgr.FormatTime(time.Now().Add(-time.Hour))
	t := time.Now()
	r, err := c.do(ctx, http.MethodGet, apiBase+"/activity?lastModifiedDate=["+since+",]&$sort=lastModified", nil, true)
	rec("poll", t, r.status, r.code, err)
}
