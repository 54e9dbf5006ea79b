package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/casemgr/casemgr/fixtures"
)

// crashGroups are the bulks of the crash test: two sets of 75 tasks, moved
// between Service (10) and Billing (11) as one transfer each.
const (
	crashGroups    = 2
	crashGroupSize = 75
	crashFirstTask = 3900
)

// crashWorld is the demo world with 150 queued tasks in a case of their own.
func crashWorld(t *testing.T) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(fixtures.Demo, &doc); err != nil {
		t.Fatal(err)
	}
	doc["cases"] = append(doc["cases"].([]any), map[string]any{
		"id": "2900", "department": "10", "status": "open", "owner": "1001", "customer": "500", "subject": "Crash test bulk",
	})
	acts := doc["activities"].([]any)
	for i := range crashGroups * crashGroupSize {
		acts = append(acts, map[string]any{
			"id": fmt.Sprint(crashFirstTask + i), "case": "2900", "department": "10", "type": "task",
			"status": "awaiting_assignment", "queue": "100", "customer": "500", "subject": fmt.Sprintf("Bulk task %d", i),
		})
	}
	doc["activities"] = acts
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func crashGroupIDs(g int) string {
	ids := make([]string, crashGroupSize)
	for i := range ids {
		ids[i] = fmt.Sprint(crashFirstTask + g*crashGroupSize + i)
	}
	return strings.Join(ids, ",")
}

// groupState reads a group's activities: their departments and lastModified.
func groupState(base, token string, g int) (depts map[string]int, items []map[string]string, err error) {
	r, err := call("GET", base+"/core/casemgr/v3/activity/"+crashGroupIDs(g)+"?$attribute=department,lastModified", token, "", nil)
	if err != nil {
		return nil, nil, err
	}
	if r.status != http.StatusOK {
		return nil, nil, fmt.Errorf("GET group %d: %d %s", g, r.status, r.body)
	}
	var body struct {
		Activity []struct {
			ID           string `json:"id"`
			LastModified string `json:"lastModified"`
			Department   struct {
				ID string `json:"id"`
			} `json:"department"`
		} `json:"activity"`
	}
	if err := json.Unmarshal([]byte(r.body), &body); err != nil {
		return nil, nil, err
	}
	if len(body.Activity) != crashGroupSize {
		return nil, nil, fmt.Errorf("GET group %d: %d activities", g, len(body.Activity))
	}
	depts = map[string]int{}
	for _, a := range body.Activity {
		depts[a.Department.ID]++
		items = append(items, map[string]string{"id": a.ID, "lastModified": a.LastModified})
	}
	return depts, items, nil
}

// TestCrashLosesNothingAcknowledged drives acknowledged writes into the real
// server (calltracks with an Idempotency-Key, 75-activity transfers), kills
// it with SIGKILL in the middle of them, starts it again and checks that
// every acknowledged write is there, that retries of acknowledged creations
// answer the same activity, and that no transfer is half applied.
func TestCrashLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills real processes")
	}
	engines(t, func(t *testing.T, newURL func(t *testing.T) string) {
		dbURL := newURL(t)
		seed := filepath.Join(t.TempDir(), "crash-world.json")
		if err := os.WriteFile(seed, crashWorld(t), 0o600); err != nil {
			t.Fatal(err)
		}
		p := startServe(t, "--db", dbURL, "--seed", seed, "--log-level", "warn")
		if err := p.ready(90 * time.Second); err != nil {
			t.Fatal(err)
		}
		jenny := mustToken(t, p.url(), "jenny", "")
		bridge := mustToken(t, p.url(), "crm-bridge", "bridge-secret")

		var (
			mu        sync.Mutex
			created   = map[string]string{} // Idempotency-Key -> Location, acknowledged
			sent      []string              // every key sent
			lastAcked [crashGroups]string   // target department of the last acknowledged transfer
			inFlight  [crashGroups]string   // target of a transfer sent and not answered
			acks      atomic.Int64
			stop      = make(chan struct{})
			wg        sync.WaitGroup
		)
		for w := range 2 { // calltrack writers
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					key := fmt.Sprintf("crash-%d-%d", w, i)
					mu.Lock()
					sent = append(sent, key)
					mu.Unlock()
					r, err := call("POST", p.url()+"/core/casemgr/v3/activity/calltrack", jenny, calltrackBody(key),
						map[string]string{"Idempotency-Key": key})
					if err != nil {
						return // the server is gone
					}
					if r.status != http.StatusCreated {
						t.Errorf("calltrack %s: %d %s", key, r.status, r.body)
						return
					}
					mu.Lock()
					created[key] = r.header.Get("Location")
					mu.Unlock()
					acks.Add(1)
				}
			})
		}
		for g := range crashGroups { // one transfer writer per group
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					depts, items, err := groupState(p.url(), bridge, g)
					if err != nil {
						return
					}
					target := "11"
					if depts["11"] == crashGroupSize {
						target = "10"
					}
					body, _ := json.Marshal(map[string]any{"activity": items})
					mu.Lock()
					inFlight[g] = target
					mu.Unlock()
					r, err := call("PATCH", p.url()+"/core/casemgr/v3/activity/transfer/department/"+target, bridge, string(body), nil)
					if err != nil {
						return
					}
					if r.status != http.StatusNoContent {
						t.Errorf("transfer of group %d to %s: %d %s", g, target, r.status, r.body)
						return
					}
					mu.Lock()
					lastAcked[g], inFlight[g] = target, ""
					mu.Unlock()
					acks.Add(1)
				}
			})
		}
		// Kill once enough writes are acknowledged, with more on the way.
		deadline := time.Now().Add(20 * time.Second)
		for acks.Load() < 30 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		p.kill()
		close(stop)
		wg.Wait()
		if t.Failed() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if len(created) == 0 || (lastAcked[0] == "" && lastAcked[1] == "") {
			t.Fatalf("too few writes acknowledged before the kill: %d calltracks, transfers %v", len(created), lastAcked)
		}
		t.Logf("killed after %d acknowledged calltracks and %d sent; last transfers %v, in flight %v", len(created), len(sent), lastAcked, inFlight)

		// The restart, with the same --seed, serves the world as the crash
		// left it.
		p = startServe(t, "--db", dbURL, "--seed", seed, "--log-level", "warn")
		if err := p.ready(90 * time.Second); err != nil {
			t.Fatal(err)
		}
		jenny = mustToken(t, p.url(), "jenny", "")
		bridge = mustToken(t, p.url(), "crm-bridge", "bridge-secret")
		for key, loc := range created {
			if r, err := call("GET", p.url()+loc, jenny, "", nil); err != nil || r.status != http.StatusOK {
				t.Errorf("acknowledged calltrack %s (%s) after the crash: %d %v", key, loc, r.status, err)
			}
			r, err := call("POST", p.url()+"/core/casemgr/v3/activity/calltrack", jenny, calltrackBody(key), map[string]string{"Idempotency-Key": key})
			if err != nil || r.status != http.StatusCreated || r.header.Get("Location") != loc {
				t.Errorf("retry of acknowledged %s: %d %q, want 201 %q (%v)", key, r.status, r.header.Get("Location"), loc, err)
			}
		}
		// A creation sent but not answered is either done or not: its retry
		// creates it at most once.
		for _, key := range sent {
			if _, ok := created[key]; ok {
				continue
			}
			r1, err1 := call("POST", p.url()+"/core/casemgr/v3/activity/calltrack", jenny, calltrackBody(key), map[string]string{"Idempotency-Key": key})
			r2, err2 := call("POST", p.url()+"/core/casemgr/v3/activity/calltrack", jenny, calltrackBody(key), map[string]string{"Idempotency-Key": key})
			if err1 != nil || err2 != nil || r1.status != http.StatusCreated || r2.header.Get("Location") != r1.header.Get("Location") {
				t.Errorf("retries of unanswered %s: %d %q then %d %q (%v %v)", key, r1.status, r1.header.Get("Location"),
					r2.status, r2.header.Get("Location"), err1, err2)
			}
		}
		for g := range crashGroups {
			depts, _, err := groupState(p.url(), bridge, g)
			if err != nil {
				t.Fatal(err)
			}
			if len(depts) != 1 {
				t.Errorf("group %d is half transferred: %v", g, depts)
				continue
			}
			want := map[string]bool{lastAcked[g]: true, inFlight[g]: true}
			if lastAcked[g] == "" {
				want["10"] = true
			}
			for d := range depts {
				if !want[d] {
					t.Errorf("group %d is in department %s; the last acknowledged transfer moved it to %q (in flight: %q)", g, d, lastAcked[g], inFlight[g])
				}
			}
		}
		if err := p.stop(); err != nil {
			t.Errorf("graceful stop: %v\n%s", err, p.out)
		}
	})
}
