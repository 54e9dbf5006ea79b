package httpapi

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// The concurrency acceptance test of change case: many concurrent requests
// moving activities between the same cases (existing and new, related or
// not) never end in a 500 or a deadlock, and afterwards every case is open
// exactly when it holds an open activity, every move was all-or-nothing,
// and every relation is recorded both ways.

const (
	chcConcCases      = 8  // cases 2100.. of John, open, 4 activities each
	chcConcClosed     = 3  // cases 2100+chcConcCases.., closed and empty
	chcConcPerCase    = 4  // activities per open case
	chcConcWorkers    = 16 // concurrent clients
	chcConcPerWorker  = 20 // requests per client
	chcConcTimeLimit  = 90 * time.Second
	chcConcReqTimeout = 30 * time.Second
)

func chcConcWorld() string {
	var cases, acts []string
	for i := 0; i < chcConcCases+chcConcClosed; i++ {
		status := "open"
		if i >= chcConcCases {
			status = "closed"
		}
		cases = append(cases, fmt.Sprintf(`{"id": "%d", "department": "10", "status": %q, "owner": "1001", "customer": "500", "subject": "Concurrent %d"}`, 2100+i, status, i))
	}
	for i := 0; i < chcConcCases*chcConcPerCase; i++ {
		acts = append(acts, fmt.Sprintf(`{"id": "%d", "case": "%d", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1001", "customer": "500"}`,
			3400+i, 2100+i/chcConcPerCase))
	}
	// The first activity of every case has a completed response, which
	// moves with it.
	for i := 0; i < chcConcCases; i++ {
		acts = append(acts, fmt.Sprintf(`{"id": "%d", "case": "%d", "department": "10", "type": "email", "mode": "outbound", "status": "completed", "responseTo": "%d", "customer": "500"}`,
			3500+i, 2100+i, 3400+i*chcConcPerCase))
	}
	return `{"cases": [` + strings.Join(cases, ",") + `], "activities": [` + strings.Join(acts, ",") + `]}`
}

func TestChangeCaseConcurrent(t *testing.T) {
	t.Run("postgres", func(t *testing.T) { chcConcurrent(t, storetest.OpenPostgres(t)) })
	t.Run("sqlite", func(t *testing.T) { chcConcurrent(t, storetest.OpenSQLite(t)) })
}

func chcConcurrent(t *testing.T, db store.DB) {
	h := newHarness(t, db, nil)
	h.add(chcConcWorld())
	tokens := []string{h.login("jenny"), h.client()}
	srv := httptest.NewServer(h.h)
	defer srv.Close()
	client := &http.Client{Timeout: chcConcReqTimeout}

	type outcome struct {
		status int
		code   string
		moved  int
		loc    string
		err    error
	}
	ctx, cancel := context.WithTimeout(context.Background(), chcConcTimeLimit)
	defer cancel()
	results := make(chan outcome, chcConcWorkers*chcConcPerWorker)
	var wg sync.WaitGroup
	start := make(chan struct{})
	nActs := chcConcCases * chcConcPerCase
	for w := 0; w < chcConcWorkers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(w), 42))
			<-start
			for i := 0; i < chcConcPerWorker; i++ {
				// One or two activities, often of the same original case;
				// now and then a completed response on its own (refused).
				a := 3400 + rnd.IntN(nActs)
				ids := fmt.Sprint(a)
				moved := 1
				if rnd.IntN(10) == 0 {
					ids = fmt.Sprint(3500 + rnd.IntN(chcConcCases))
				} else if rnd.IntN(3) == 0 {
					b := 3400 + ((a-3400)/chcConcPerCase)*chcConcPerCase + rnd.IntN(chcConcPerCase)
					if b != a {
						ids += fmt.Sprintf(",%d", b)
						moved = 2
					}
				}
				body := "{}"
				if rnd.IntN(10) < 7 {
					body = fmt.Sprintf(`{"id": "%d"}`, 2100+rnd.IntN(chcConcCases+chcConcClosed))
				}
				path := chcPath(ids, "")
				if rnd.IntN(2) == 0 {
					path = chcPath(ids, "relateCase=yes")
				}
				req, err := http.NewRequestWithContext(ctx, "PATCH", srv.URL+path, strings.NewReader(body))
				if err != nil {
					results <- outcome{err: err}
					return
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tokens[rnd.IntN(len(tokens))])
				res, err := client.Do(req)
				if err != nil {
					results <- outcome{err: fmt.Errorf("%s %s: %w", path, body, err)}
					return
				}
				raw, _ := io.ReadAll(res.Body)
				res.Body.Close()
				r := &response{Status: res.StatusCode, Body: raw}
				results <- outcome{status: res.StatusCode, code: r.Code(), moved: moved, loc: res.Header.Get("Location"),
					err: func() error {
						if res.StatusCode >= 500 {
							return fmt.Errorf("%s %s: %d %s", path, body, res.StatusCode, raw)
						}
						return nil
					}()}
			}
		}(w)
	}
	began := time.Now()
	close(start)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(chcConcTimeLimit + 10*time.Second):
		t.Fatalf("concurrent change-case requests did not finish within %v (deadlock?)", chcConcTimeLimit)
	}
	close(results)
	elapsed := time.Since(began)

	counts := map[string]int{}
	movedTotal := 0
	created := map[casemgr.ID]bool{}
	for r := range results {
		if r.err != nil {
			t.Errorf("request failed: %v", r.err)
			continue
		}
		key := fmt.Sprint(r.status)
		if r.code != "" {
			key += " " + r.code
		}
		counts[key]++
		switch r.status {
		case 201:
			movedTotal += r.moved
			id, ok := casemgr.ParseID(strings.TrimPrefix(r.loc, "/core/casemgr/v3/case/"))
			if !ok {
				t.Errorf("Location %q", r.loc)
			}
			created[id] = true
		case 204:
			movedTotal += r.moved
		case 400:
			// A race lost fairly: the activities were moved apart, or
			// into the target meanwhile.
			// A response named on its own is not movable.
			if r.code != "400-220" && r.code != "400-224" && r.code != "400-204" {
				t.Errorf("unexpected refusal %s", r.code)
			}
		default:
			t.Errorf("unexpected answer %d %s", r.status, r.code)
		}
	}
	t.Logf("%s: %d requests in %v: %v", db.Engine(), chcConcWorkers*chcConcPerWorker, elapsed.Round(time.Millisecond), counts)
	if counts["201"]+counts["204"] == 0 {
		t.Fatal("no request succeeded")
	}

	// Afterwards: every case is open exactly when it holds an open
	// activity; each success moved its activities (one history entry
	// each, nothing more, nothing less); relations are symmetric.
	err := db.Read(context.Background(), func(tx casemgr.Tx) error {
		ids := make([]casemgr.ID, nActs)
		for i := range ids {
			ids[i] = casemgr.ID(3400 + i)
		}
		acts, err := tx.Activities(ids, false)
		if err != nil {
			return err
		}
		if len(acts) != nActs {
			t.Errorf("%d activities left, want %d", len(acts), nActs)
		}
		var caseIDs []casemgr.ID
		for i := 0; i < chcConcCases+chcConcClosed; i++ {
			caseIDs = append(caseIDs, casemgr.ID(2100+i))
		}
		for id := range created {
			caseIDs = append(caseIDs, id)
		}
		cases, err := tx.Cases(caseIDs, false)
		if err != nil {
			return err
		}
		if len(cases) != len(caseIDs) {
			t.Errorf("%d cases found, want %d", len(cases), len(caseIDs))
		}
		open := map[casemgr.ID]int{}
		for _, a := range acts {
			open[a.Case]++
		}
		byID := map[casemgr.ID]casemgr.Case{}
		for _, c := range cases {
			byID[c.ID] = c
			if want := open[c.ID] > 0; (c.Status == casemgr.CaseOpen) != want {
				t.Errorf("case %d is %s with %d open activities", c.ID, c.Status, open[c.ID])
			}
			if c.Status == casemgr.CaseClosed && c.LastClosed == nil {
				t.Errorf("closed case %d has no lastClosed", c.ID)
			}
		}
		for _, a := range acts {
			if _, ok := byID[a.Case]; !ok {
				t.Errorf("activity %d is in case %d, which is unknown", a.ID, a.Case)
			}
		}
		// Responses are always in the case of their activity.
		rids := make([]casemgr.ID, chcConcCases)
		for i := range rids {
			rids[i] = casemgr.ID(3500 + i)
		}
		responses, err := tx.Activities(rids, false)
		if err != nil {
			return err
		}
		caseOfAct := map[casemgr.ID]casemgr.ID{}
		for _, a := range acts {
			caseOfAct[a.ID] = a.Case
		}
		for _, r := range responses {
			if r.Case != caseOfAct[r.ResponseTo] {
				t.Errorf("response %d is in case %d, its activity %d in case %d", r.ID, r.Case, r.ResponseTo, caseOfAct[r.ResponseTo])
			}
		}
		for _, c := range cases {
			for _, r := range c.RelatedCases {
				if other, ok := byID[r]; ok && !slices.Contains(other.RelatedCases, c.ID) {
					t.Errorf("case %d is related to %d but not the other way", c.ID, r)
				}
			}
		}
		entries := 0
		for _, id := range ids {
			hist, err := tx.History("activity", id)
			if err != nil {
				return err
			}
			entries += len(hist)
		}
		if entries != movedTotal {
			t.Errorf("%d activity history entries, but successful requests moved %d activities", entries, movedTotal)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
