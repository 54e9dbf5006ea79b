package httpapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// Idempotency of create-calltrack (beyond eGain, because phone integrations
// retry): a retry with the same Idempotency-Key and the same request
// answers the original 201 and creates nothing; the same key with another
// request is 422-101.
func TestCreateCalltrackIdempotency(t *testing.T) {
	t.Run("replays_retry_with_same_key_and_body", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			tok := h.login("jenny")
			first := h.do("POST", ctPath, tok, ctBody(), "Idempotency-Key", "call-42")
			id := created(t, first, "activity")
			n := h.ctCalltracks()
			before := h.world()
			retry := h.do("POST", ctPath, tok, ctBody(), "Idempotency-Key", "call-42")
			if created(t, retry, "activity") != id || retry.Header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("retry answered %s (replayed %q), want %s", retry.Header.Get("Location"), retry.Header.Get("Idempotent-Replayed"), first.Header.Get("Location"))
			}
			if h.ctCalltracks() != n || h.world() != before {
				t.Errorf("the retry changed the world")
			}
		})
	})
	t.Run("replays_retry_of_same_request_in_other_format", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			tok := h.login("jenny")
			id := created(t, h.do("POST", ctPath, tok, ctBody(), "Idempotency-Key", "k"), "activity")
			xmlBody := `<activity>
				<department><name>Service</name></department>
				<type><value>call_track</value><subtype><value>General</value></subtype></type>
				<mode><value>Inbound</value></mode>
				<customer><id>500</id></customer>
				<subject>Summary of phone call</subject>
			</activity>`
			n := h.ctCalltracks()
			if got := created(t, h.do("POST", ctPath, tok, xmlBody, "Content-Type", "application/xml", "Idempotency-Key", "k"), "activity"); got != id {
				t.Errorf("XML retry answered %d, want %d", got, id)
			}
			if h.ctCalltracks() != n {
				t.Errorf("the retry created an activity")
			}
		})
	})
	t.Run("refuses_same_key_with_different_body", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctCreate("jenny", ctBody(), "Idempotency-Key", "call-42")
			h.ctRefused(422, "422-101", "jenny", "", ctBody("subject", "Another call"), "Idempotency-Key", "call-42")
			// The query is part of the request too.
			h.ctCreate("jenny", ctBody("customer", ctDelete{}, "contactPointData", "4085551234"), "Idempotency-Key", "call-43")
			h.ctRefused(422, "422-101", "jenny", "?anonymousCustomer=yes", ctBody("customer", ctDelete{}, "contactPointData", "4085551234"), "Idempotency-Key", "call-43")
		})
	})
	t.Run("keys_belong_to_their_caller", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			a := h.ctCreate("jenny", ctBody(), "Idempotency-Key", "shared")
			b := h.ctCreate("carl", ctBody(), "Idempotency-Key", "shared")
			if a == b {
				t.Errorf("two callers' requests with one key created one activity")
			}
		})
	})
	t.Run("requests_without_key_are_not_deduplicated", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			first := h.ctCreate("jenny", ctBody())
			if second := h.ctCreate("jenny", ctBody()); first == second {
				t.Errorf("two requests without a key created one activity")
			}
		})
	})
	t.Run("refused_request_does_not_take_its_key", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-270", "jenny", "", ctBody("priority", "9"), "Idempotency-Key", "fix-me")
			id := h.ctCreate("jenny", ctBody("priority", "2"), "Idempotency-Key", "fix-me")
			if again := h.ctCreate("jenny", ctBody("priority", "2"), "Idempotency-Key", "fix-me"); again != id {
				t.Errorf("retry answered %d, want %d", again, id)
			}
		})
	})
	t.Run("refuses_key_longer_than_255_characters", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-152", "jenny", "", ctBody(), "Idempotency-Key", strings.Repeat("k", 256))
		})
	})
}

// The acceptance test of idempotency under concurrency: 50 concurrent
// creations with distinct keys create exactly 50 activities; 50 concurrent
// retries of one key create exactly one, and all answer 201 with the same
// Location; 20 concurrent requests naming one attachment attach it once.
// Real goroutines against a real HTTP server, on PostgreSQL (and SQLite).
func TestCreateCalltrackConcurrency(t *testing.T) {
	run := func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		srv := httptest.NewServer(h.h)
		defer srv.Close()
		tok := h.login("jenny")
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		client := srv.Client()

		type answer struct {
			status   int
			location string
			body     string
			err      error
		}
		// fire sends n requests at once; body and key give each its own.
		fire := func(n int, body func(i int) string, key func(i int) string) []answer {
			out := make([]answer, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					<-start
					req, err := http.NewRequestWithContext(ctx, "POST", srv.URL+ctPath, strings.NewReader(body(i)))
					if err != nil {
						out[i].err = err
						return
					}
					req.Header.Set("Authorization", "Bearer "+tok)
					req.Header.Set("Content-Type", "application/json")
					if k := key(i); k != "" {
						req.Header.Set("Idempotency-Key", k)
					}
					res, err := client.Do(req)
					if err != nil {
						out[i].err = err
						return
					}
					b, _ := io.ReadAll(res.Body)
					res.Body.Close()
					out[i] = answer{status: res.StatusCode, location: res.Header.Get("Location"), body: string(b)}
				}(i)
			}
			close(start)
			wg.Wait()
			return out
		}
		base := h.ctCalltracks()

		// 50 distinct keys: 50 activities.
		answers := fire(50, func(i int) string { return ctBody("subject", fmt.Sprintf("call %d", i)) },
			func(i int) string { return fmt.Sprintf("distinct-%d", i) })
		seen := map[string]bool{}
		for i, a := range answers {
			if a.err != nil || a.status != 201 {
				t.Fatalf("distinct key %d: %d %v %s", i, a.status, a.err, a.body)
			}
			seen[a.location] = true
		}
		if len(seen) != 50 {
			t.Errorf("50 distinct keys answered %d distinct locations", len(seen))
		}
		if got := h.ctCalltracks() - base; got != 50 {
			t.Errorf("50 distinct keys created %d activities", got)
		}

		// 50 retries of one key: one activity, one Location.
		answers = fire(50, func(int) string { return ctBody("subject", "the retried call") },
			func(int) string { return "one-key" })
		loc := answers[0].location
		for i, a := range answers {
			if a.err != nil || a.status != 201 || a.location != loc {
				t.Fatalf("retry %d: %d %q (want 201 %q) %v %s", i, a.status, a.location, loc, a.err, a.body)
			}
		}
		if got := h.ctCalltracks() - base; got != 51 {
			t.Errorf("50 retries of one key created %d activities, want 1", got-50)
		}
		h.ctRefused(422, "422-101", "jenny", "", ctBody("subject", "another call"), "Idempotency-Key", "one-key")

		// 20 requests naming one attachment: it is attached once.
		alt := h.ctUpload("jenny", "shared.txt", "text/plain", "shared")
		answers = fire(20, func(i int) string {
			return ctBody("attachments", map[string]any{"attachment": []any{map[string]any{"altId": alt}}})
		}, func(int) string { return "" })
		created := 0
		for i, a := range answers {
			switch {
			case a.err == nil && a.status == 201:
				created++
			case a.err == nil && a.status == 400 && strings.Contains(a.body, `"400-274"`):
			default:
				t.Fatalf("attachment request %d: %d %v %s", i, a.status, a.err, a.body)
			}
		}
		if created != 1 {
			t.Errorf("%d requests used one attachment, want 1", created)
		}
		if got := h.ctCalltracks() - base; got != 52 {
			t.Errorf("%d activities after the attachment race, want 52", got)
		}
	}
	t.Run("postgres", func(t *testing.T) { run(t, storetest.OpenPostgres(t)) })
	t.Run("sqlite", func(t *testing.T) { run(t, storetest.OpenSQLite(t)) })
}
