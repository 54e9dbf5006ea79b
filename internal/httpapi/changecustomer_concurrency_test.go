package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// The concurrency guarantee of docs/operations/change-customer.md: 20
// concurrent change-customer requests over overlapping activities all end in 204 or a clean 4xx (never 500,
// never a deadlock), and the final state equals the state after some serial
// order of the requests, in which each request has the same outcome.

// ccConcWorld adds four cases of John (500) with two email activities
// each, so that concurrent requests often race to complete a case (the
// case-customer rule): 2020 (3300, 3301), 2021 (3302, 3303, and the
// completed response 3299 of 3303, whose ID is lower than its parent's, so
// that naive lock ordering could deadlock), 2022 (3304, 3305) and 2023
// (3306, 3307).
const ccConcWorld = `{
  "cases": [
    {"id": "2020", "department": "10", "status": "open", "owner": "1001", "customer": "500", "subject": "Busy case"},
    {"id": "2021", "department": "10", "status": "open", "owner": "1001", "customer": "500", "subject": "Busy case with a reply"},
    {"id": "2022", "department": "10", "status": "open", "owner": "1001", "customer": "500", "subject": "Third busy case"},
    {"id": "2023", "department": "10", "status": "open", "owner": "1001", "customer": "500", "subject": "Fourth busy case"}
  ],
  "activities": [
    {"id": "3299", "case": "2021", "department": "10", "type": "email", "mode": "outbound", "status": "completed", "responseTo": "3303", "contactPoint": "700"},
    {"id": "3300", "case": "2020", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001", "contactPoint": "700"},
    {"id": "3301", "case": "2020", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001", "contactPoint": "700"},
    {"id": "3302", "case": "2021", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001", "contactPoint": "700"},
    {"id": "3303", "case": "2021", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001", "contactPoint": "700"},
    {"id": "3304", "case": "2022", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001", "contactPoint": "700"},
    {"id": "3305", "case": "2022", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001", "contactPoint": "700"},
    {"id": "3306", "case": "2023", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001", "contactPoint": "700"},
    {"id": "3307", "case": "2023", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001", "contactPoint": "700"}
  ]
}`

// ccConc describes the world of ccConcWorld for the model.
var (
	ccConcActivities = []casemgr.ID{3299, 3300, 3301, 3302, 3303, 3304, 3305, 3306, 3307}
	ccConcCases      = []casemgr.ID{2020, 2021, 2022, 2023}
	ccConcCaseOf     = map[casemgr.ID]casemgr.ID{3300: 2020, 3301: 2020, 3299: 2021, 3302: 2021, 3303: 2021, 3304: 2022, 3305: 2022, 3306: 2023, 3307: 2023}
	ccConcResponses  = map[casemgr.ID][]casemgr.ID{3303: {3299}}
	// ccConcTargets: customer → contact, email point.
	ccConcTargets = map[casemgr.ID][2]casemgr.ID{500: {600, 700}, 501: {610, 710}, 504: {640, 740}}
)

// ccConcRequest is one request of the workload.
type ccConcRequest struct {
	activities []casemgr.ID
	target     casemgr.ID
	client     bool
	// observed outcome: "" for 204, else the error code.
	outcome string
}

func (r ccConcRequest) body() string {
	var items []string
	for _, a := range r.activities {
		items = append(items, ccItem(fmt.Sprint(a), "email", fmt.Sprint(ccConcTargets[r.target][1])))
	}
	return ccBody(items...)
}

// ccConcState is the model of what the requests change.
type ccConcState struct {
	cust        map[casemgr.ID]casemgr.ID // activity → customer
	caseCust    map[casemgr.ID]casemgr.ID // case → customer
	caseChanges map[casemgr.ID]int        // case → history entries
	// pos counts the changes of each activity so far: the index of its
	// next history entry.
	pos map[casemgr.ID]int
}

func ccConcNewState() ccConcState {
	return ccConcState{cust: map[casemgr.ID]casemgr.ID{}, caseCust: map[casemgr.ID]casemgr.ID{},
		caseChanges: map[casemgr.ID]int{}, pos: map[casemgr.ID]int{}}
}

func (s ccConcState) clone() ccConcState {
	c := ccConcNewState()
	for k, v := range s.pos {
		c.pos[k] = v
	}
	for k, v := range s.cust {
		c.cust[k] = v
	}
	for k, v := range s.caseCust {
		c.caseCust[k] = v
	}
	for k, v := range s.caseChanges {
		c.caseChanges[k] = v
	}
	return c
}

func (s ccConcState) key() string {
	var b strings.Builder
	for _, a := range ccConcActivities {
		fmt.Fprintf(&b, "%d,", s.cust[a])
	}
	for _, c := range ccConcCases {
		fmt.Fprintf(&b, "%d:%d,", s.caseCust[c], s.caseChanges[c])
	}
	for _, a := range ccConcActivities {
		fmt.Fprintf(&b, "%d,", s.pos[a])
	}
	return b.String()
}

// apply runs a request on the model: the code of the first rule broken by
// the first failing activity in body order ("" on success) and the state
// after it.
func (s ccConcState) apply(r ccConcRequest) (string, ccConcState) {
	for _, a := range r.activities {
		if a == 3299 {
			return "400-204", s // a completed response
		}
		if s.cust[a] == r.target {
			return "400-213", s
		}
	}
	n := s.clone()
	cases := map[casemgr.ID]bool{}
	for _, a := range r.activities {
		for _, x := range append([]casemgr.ID{a}, ccConcResponses[a]...) {
			n.cust[x] = r.target
			n.pos[x]++
		}
		cases[ccConcCaseOf[a]] = true
	}
	if len(cases) == 1 {
		for c := range cases {
			all := true
			for _, a := range ccConcActivities {
				if ccConcCaseOf[a] == c && n.cust[a] != r.target {
					all = false
				}
			}
			if all && n.caseCust[c] != r.target {
				n.caseCust[c] = r.target
				n.caseChanges[c]++
			}
		}
	}
	return "", n
}

// ccConcSerial reports whether some serial order of reqs gives every
// request its observed outcome, takes every activity through the customers
// its history records (chains, in history order: concurrent changes of one
// activity are ordered by its row lock), and ends in final. It searches
// depth first, remembering the (remaining requests, state) pairs that lead
// nowhere.
func ccConcSerial(reqs []ccConcRequest, chains map[casemgr.ID][]casemgr.ID, start, final ccConcState) (order []int, ok bool) {
	fits := func(s, next ccConcState) bool {
		for a, p := range next.pos {
			if p != s.pos[a] && (p > len(chains[a]) || chains[a][p-1] != next.cust[a]) {
				return false
			}
		}
		return true
	}
	dead := map[string]bool{}
	want := final.key()
	var dfs func(mask uint32, s ccConcState) bool
	dfs = func(mask uint32, s ccConcState) bool {
		// A refused request changes nothing: when its outcome fits the
		// state now, placing it now loses no solution.
		placed := len(order)
		for i := range reqs {
			if mask&(1<<i) != 0 && reqs[i].outcome != "" {
				if outcome, _ := s.apply(reqs[i]); outcome == reqs[i].outcome {
					mask &^= 1 << i
					order = append(order, i)
				}
			}
		}
		if mask == 0 {
			if s.key() == want {
				return true
			}
			order = order[:placed]
			return false
		}
		memo := fmt.Sprint(mask) + "|" + s.key()
		if dead[memo] {
			order = order[:placed]
			return false
		}
		for i := range reqs {
			if mask&(1<<i) == 0 || reqs[i].outcome != "" {
				continue
			}
			outcome, next := s.apply(reqs[i])
			if outcome != reqs[i].outcome || !fits(s, next) {
				continue
			}
			order = append(order, i)
			if dfs(mask&^(1<<i), next) {
				return true
			}
			order = order[:len(order)-1]
		}
		dead[memo] = true
		order = order[:placed]
		return false
	}
	return order, dfs(uint32(1)<<len(reqs)-1, start)
}

func TestChangeCustomerConcurrent(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed_%d", seed), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db store.DB) {
				ccConcRound(t, db, seed)
			})
		})
	}
}

func ccConcRound(t *testing.T, db store.DB, seed uint64) {
	h := newHarness(t, db, nil)
	h.add(ccWorld)
	h.add(ccConcWorld)
	userTok, clientTok := h.login("jenny"), h.client()

	// The workload: 20 requests of one or two activities (now and then
	// the completed response 3299, which is refused), mostly to Ann (501)
	// or Sam (504), sometimes back to John (500), as jenny or as the
	// client application.
	rng := rand.New(rand.NewPCG(seed, 42))
	targets := []casemgr.ID{501, 504, 501, 504, 500}
	reqs := make([]ccConcRequest, 20)
	for i := range reqs {
		pool := append([]casemgr.ID(nil), ccConcActivities[1:]...)
		if rng.IntN(8) == 0 {
			pool = append(pool, 3299)
		}
		rng.Shuffle(len(pool), func(a, b int) { pool[a], pool[b] = pool[b], pool[a] })
		reqs[i] = ccConcRequest{activities: pool[:1+rng.IntN(2)], target: targets[rng.IntN(len(targets))], client: i%3 == 0}
	}

	srv := httptest.NewServer(h.h)
	defer srv.Close()
	client := &http.Client{Timeout: 30 * time.Second}
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, len(reqs))
	for i := range reqs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tok := userTok
			if reqs[i].client {
				tok = clientTok
			}
			req, err := http.NewRequest("PATCH", srv.URL+ccPath, strings.NewReader(reqs[i].body()))
			if err != nil {
				errs[i] = err
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			<-start
			res, err := client.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			r := &response{Status: res.StatusCode, Body: body}
			switch {
			case res.StatusCode == 204:
				reqs[i].outcome = ""
			case res.StatusCode >= 400 && res.StatusCode < 500 && r.Code() != "":
				reqs[i].outcome = r.Code()
			default:
				errs[i] = fmt.Errorf("status %d: %s", res.StatusCode, body)
			}
		}(i)
	}
	done := make(chan struct{})
	began := time.Now()
	close(start)
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("concurrent requests did not finish within 60s: deadlock?")
	}
	elapsed := time.Since(began)
	outcomes := map[string]int{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d (%v → %d): %v", i, reqs[i].activities, reqs[i].target, err)
		}
		if o := reqs[i].outcome; o == "" {
			outcomes["204"]++
		} else {
			outcomes[o]++
		}
	}
	t.Logf("%d requests in %v: %v", len(reqs), elapsed, outcomes)

	// The state read back.
	final := ccConcNewState()
	chains := map[casemgr.ID][]casemgr.ID{}
	for _, id := range ccConcActivities {
		a := h.activity(id)
		want, ok := ccConcTargets[a.Customer]
		if !ok || a.Contact != want[0] || a.ContactPoint != want[1] {
			t.Fatalf("activity %d: customer/contact/point %d/%d/%d do not agree", id, a.Customer, a.Contact, a.ContactPoint)
		}
		final.cust[id] = a.Customer
	}
	for _, c := range ccConcCases {
		final.caseCust[c] = h.caseOf(c).Customer
		final.caseChanges[c] = len(h.history("case", c))
	}

	// Each activity has one history entry per successful request that
	// changed it, whatever the order.
	for _, id := range ccConcActivities {
		n := 0
		for _, r := range reqs {
			if r.outcome != "" {
				continue
			}
			for _, a := range r.activities {
				if a == id || (id == 3299 && a == 3303) {
					n++
				}
			}
		}
		hist := h.history("activity", id)
		if len(hist) != n {
			t.Fatalf("activity %d: %d history entries, want %d", id, len(hist), n)
		}
		final.pos[id] = n
		for _, e := range hist {
			var after casemgr.Activity
			if err := json.Unmarshal([]byte(e.After), &after); err != nil {
				t.Fatalf("history of %d: %v", id, err)
			}
			chains[id] = append(chains[id], after.Customer)
		}
	}

	start0 := ccConcNewState()
	for _, c := range ccConcCases {
		start0.caseCust[c] = 500
	}
	for _, id := range ccConcActivities {
		start0.cust[id] = 500
	}
	order, ok := ccConcSerial(reqs, chains, start0, final)
	if !ok {
		var lines []string
		for i, r := range reqs {
			lines = append(lines, fmt.Sprintf("%2d: %v → %d: %q", i, r.activities, r.target, r.outcome))
		}
		sort.Strings(lines)
		t.Fatalf("no serial order of the requests explains the outcomes and the final state %s:\n%s", final.key(), strings.Join(lines, "\n"))
	}
	t.Logf("a serial order: %v", order)
}
