package httpapi

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

const feedPath = "/core/casemgr/v3/events"

// feed reads the feed as token from cursor ("" for the start) with extra
// query parameters, and returns the events as "type entity:id dept by"
// and the next cursor.
func (h *harness) feed(token, cursor string, query ...string) ([]string, string) {
	h.t.Helper()
	res := h.do("GET", feedURL(cursor, query...), token, "")
	res.expect(h.t, 200, "")
	body := res.JSON(h.t)
	var out []string
	list, _ := body["event"].([]any)
	for _, e := range list {
		out = append(out, eventLine(e))
	}
	next, _ := body["cursor"].(string)
	if next == "" {
		h.t.Fatalf("feed answer without a cursor: %s", res.Body)
	}
	return out, next
}

func feedURL(cursor string, query ...string) string {
	q := url.Values{}
	if cursor != "" {
		q.Set("after", cursor)
	}
	for i := 0; i+1 < len(query); i += 2 {
		q.Set(query[i], query[i+1])
	}
	return feedPath + "?" + q.Encode()
}

// eventLine summarises an event of the feed.
func eventLine(e any) string {
	actor := atString(e, "actor.user.id")
	if actor == "" {
		actor = "client:" + atString(e, "actor.client.id")
	}
	return fmt.Sprintf("%s %s:%s dept=%s by=%s", atString(e, "type"), atString(e, "entity.type"), atString(e, "entity.id"),
		atString(e, "department.id"), actor)
}

// TestEventFeed: every operation produces exactly its documented events,
// one per changed entity, in the order they were made, and a refused
// request none (harness.refused compares the events too); the feed's
// answer in JSON and XML, its parameters' rules, paging, the type filter,
// visibility by department, and a waiting read woken by a change.
func TestEventFeed(t *testing.T) {
	onEngines(t, "", func(t *testing.T, h *harness) {
		jenny, client := h.login("jenny"), h.client()
		start, cursor := h.feed(client, "")
		if len(start) != 0 {
			t.Fatalf("events of the fixture load: %v", start)
		}
		origin := cursor
		// Each step reads with wait: on PostgreSQL an event shows once the
		// transactions running when it was written have ended.
		step := func(name string, want []string, op func()) {
			t.Helper()
			op()
			got, next := h.feed(client, cursor, "wait", "20")
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s: events\n got: %q\nwant: %q", name, got, want)
			}
			cursor = next
		}
		step("transfer", []string{"activity.transferred activity:3000 dept=11 by=1001"}, func() {
			h.do("PATCH", transferPath("11", ""), jenny, h.transferBody(3000)).expect(t, 204, "")
		})
		step("change case", []string{"activity.case_changed activity:3002 dept=10 by=1001"}, func() {
			h.do("PATCH", chcPath("3002", ""), jenny, `{"id": "2001"}`).expect(t, 204, "")
		})
		step("change the customer of a case", []string{"case.customer_changed case:2003 dept=10 by=1001"}, func() {
			h.do("PATCH", caseCustomerPath("2003"), jenny, `{"customer": {"id": "500"}}`).expect(t, 204, "")
		})
		step("create calltrack (in a new case)", []string{
			"case.created case:2007 dept=10 by=1001",
			"activity.created activity:3003 dept=10 by=1001",
		}, func() {
			created(t, h.do("POST", ctPath, jenny, ctBody()), "activity")
		})
		// A refused request writes no event: refused compares the events
		// before and after, and the next step's read shows only its own.
		h.refused(409, "409-101", "PATCH", transferPath("11", ""), jenny,
			`{"activity": [{"id": "3002", "lastModified": "2020-01-01T00:00:00.000Z"}]}`)
		step("create customer", []string{"customer.created customer:503 dept=10 by=client:bridge"}, func() {
			h.do("POST", customersPath, client, `{"department": {"name": "Service"}, "type": {"value": "individual"},
				"contacts": {"contact": [{"firstName": "Ana", "lastName": "Ortiz"}]}}`).expect(t, 201, "")
		})
		all, _ := h.feed(client, origin)

		t.Run("a_user_reads_events_of_home_and_foreign_departments_only", func(t *testing.T) {
			frank, _ := h.feed(h.login("frank"), origin) // Billing (11)
			if strings.Join(frank, "\n") != all[0] {
				t.Errorf("frank (Billing) reads %q", frank)
			}
			leo, _ := h.feed(h.login("leo"), origin) // Legal (12)
			if len(leo) != 0 {
				t.Errorf("leo (Legal) reads %q", leo)
			}
			mine, _ := h.feed(jenny, origin) // Service (10), foreign in Billing
			if strings.Join(mine, "\n") != strings.Join(all, "\n") {
				t.Errorf("jenny reads %q, want every event %q", mine, all)
			}
		})
		t.Run("type_filter_and_paging", func(t *testing.T) {
			typed, _ := h.feed(client, origin, "type", "activity.created,case.created")
			if strings.Join(typed, "\n") != strings.Join(all[3:5], "\n") {
				t.Errorf("type filter: %q", typed)
			}
			var paged []string
			for c, pages := origin, 0; pages <= len(all); pages++ {
				page, next := h.feed(client, c, "$pagesize", "2")
				if len(page) == 0 {
					break
				}
				paged, c = append(paged, page...), next
			}
			if strings.Join(paged, "\n") != strings.Join(all, "\n") {
				t.Errorf("pages of 2: %q, want %q", paged, all)
			}
		})
		t.Run("xml", func(t *testing.T) {
			res := h.do("GET", feedURL(origin, "$pagesize", "1"), client, "", "Accept", "application/xml")
			res.expect(t, 200, "")
			body := string(res.Body)
			for _, want := range []string{"<events>", "<event><actor><user><id>1001</id></user></actor>", "<type>activity.transferred</type>",
				"<department><after>11</after><before>10</before></department>", "<cursor>"} {
				if !strings.Contains(body, want) {
					t.Errorf("XML answer lacks %s: %s", want, body)
				}
			}
		})
		t.Run("an_event_shows_changed_fields_before_and_after", func(t *testing.T) {
			res := h.do("GET", feedURL(origin, "$pagesize", "1"), client, "")
			e := at(res.JSON(t), "event.0")
			if b, a := fmt.Sprint(at(e, "changes.department.before")), fmt.Sprint(at(e, "changes.department.after")); b != "10" || a != "11" {
				t.Errorf("department before %s after %s", b, a)
			}
			if _, ok := at(e, "changes").(map[string]any)["subject"]; ok {
				t.Errorf("an unchanged field is listed: %v", at(e, "changes"))
			}
			if atString(e, "id") == "" || atString(e, "time") == "" {
				t.Errorf("event without id or time: %v", e)
			}
		})
		t.Run("wait_returns_when_an_event_arrives", func(t *testing.T) {
			got := make(chan []string, 1)
			go func() {
				ev, _ := h.feed(client, cursor, "wait", "30")
				got <- ev
			}()
			time.Sleep(50 * time.Millisecond) // let the read begin waiting; it passes either way
			h.do("PATCH", transferPath("10", ""), jenny, h.transferBody(3000)).expect(t, 204, "")
			if ev := <-got; strings.Join(ev, "\n") != "activity.transferred activity:3000 dept=10 by=1001" {
				t.Errorf("waiting read returned %q", ev)
			}
		})
		t.Run("feedCursorMalformed", func(t *testing.T) {
			for _, c := range []string{"abc", "-1", "1.5"} {
				h.do("GET", feedURL(c), client, "").expect(t, 400, "400-500")
			}
			h.do("GET", feedPath+"?after=", client, "").expect(t, 400, "400-500")
		})
		t.Run("feedCursorFromFuture", func(t *testing.T) {
			h.do("GET", feedURL("99999999"), client, "").expect(t, 400, "400-501")
		})
		t.Run("feedTypeUnknown", func(t *testing.T) {
			h.do("GET", feedURL("", "type", "activity.exploded"), client, "").expect(t, 400, "400-503")
		})
		t.Run("feed_pagesize_1_to_500", func(t *testing.T) {
			for _, n := range []string{"0", "501", "x"} {
				h.do("GET", feedURL("", "$pagesize", n), client, "").expect(t, 400, "400-504")
			}
			h.feed(client, "", "$pagesize", "500")
		})
		t.Run("feed_wait_0_to_60", func(t *testing.T) {
			for _, n := range []string{"-1", "61", "x"} {
				h.do("GET", feedURL("", "wait", n), client, "").expect(t, 400, "400-505")
			}
		})
		t.Run("feedCursorExpired", func(t *testing.T) {
			var n int64
			err := h.db.Write(context.Background(), func(tx casemgr.Tx) (err error) {
				n, err = tx.PurgeEvents(time.Now().Add(time.Hour))
				return err
			})
			if err != nil || n == 0 {
				t.Fatalf("purge: %d %v", n, err)
			}
			h.do("GET", feedURL(origin), client, "").expect(t, 400, "400-502")
			if rest, _ := h.feed(client, ""); len(rest) != 0 {
				t.Errorf("after purging every event, the feed from the start reads %q", rest)
			}
		})
	})
}
