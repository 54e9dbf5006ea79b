package httpapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// feedLagWarning is the age of the newest event of a read from which the
// read is logged at info (a reader far behind), not debug.
const feedLagWarning = time.Minute

// defaultFeedPage is the number of events a read of the feed returns
// without $pagesize.
const defaultFeedPage = 100

// eventFeed serves GET /core/casemgr/v3/events (docs/events.md): the events
// after the cursor in after (from the oldest retained without it), of the
// types in type (comma-separated; every type without it), at most
// $pagesize (1..500, default 100), waiting up to wait seconds (0..60) for
// one when there is none yet. The answer is always 200
// {"event": [...], "cursor": "..."}; a user reads the events of their home
// and foreign departments (and of customers of no department), a client
// application every event.
func (s *Server) eventFeed(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	if err := checkParams(r, "after", "type", "$pagesize", "wait"); err != nil {
		return err
	}
	req, err := feedRequest(r)
	if err != nil {
		return err
	}
	if req.Wait > 0 {
		// The server's write timeout is shorter than the longest wait.
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(req.Wait + 30*time.Second))
	}
	page, err := casemgr.ReadFeed(r.Context(), s.store(), rc.actor, req)
	if err != nil {
		return err
	}
	out := make([]any, 0, len(page.Events))
	for i := range page.Events {
		out = append(out, eventRep(&page.Events[i], rc.xml))
	}
	if n := len(page.Events); n > 0 {
		lag := time.Since(page.Events[n-1].At)
		s.Metrics.FeedRead(lag)
		level := slog.LevelDebug
		if lag > feedLagWarning {
			level = slog.LevelInfo
		}
		s.log(r).Log(r.Context(), level, "event feed read", "events", n, "cursor", page.Cursor, "lag", lag.Round(time.Millisecond))
	}
	writeTree(w, rc, http.StatusOK, "events", map[string]any{"event": out, "cursor": page.Cursor})
	return nil
}

// feedRequest reads the parameters of a read of the feed.
func feedRequest(r *http.Request) (casemgr.FeedRequest, error) {
	q := r.URL.Query()
	req := casemgr.FeedRequest{After: q.Get("after"), Limit: defaultFeedPage}
	if q.Has("after") && req.After == "" {
		return req, errf(casemgr.CodeFeedCursorInvalid, "value", "")
	}
	if v := q.Get("type"); q.Has("type") {
		req.Types = strings.Split(v, ",")
	}
	if q.Has("$pagesize") {
		n, err := strconv.Atoi(q.Get("$pagesize"))
		if err != nil {
			return req, errf(casemgr.CodeFeedPageSize, "value", brief(q.Get("$pagesize")), "max", itoa(casemgr.MaxFeedPage))
		}
		req.Limit = n
	}
	if q.Has("wait") {
		n, err := strconv.Atoi(q.Get("wait"))
		if err != nil || n < 0 || n > int(casemgr.MaxFeedWait/time.Second) {
			return req, errf(casemgr.CodeFeedWait, "value", brief(q.Get("wait")), "max", itoa(int(casemgr.MaxFeedWait/time.Second)))
		}
		req.Wait = time.Duration(n) * time.Second
	}
	return req, nil
}

// eventRep is an event as the feed (and a webhook delivery, EventJSON) shows it:
// id, type, time, actor ({"user": {"id"}} or {"client": {"id"}}), entity
// ({"type", "id"}), department ({"id"}, left out for a customer of no
// department) and changes ({"<field>": {"before", "after"}}). In XML a
// value that is not a scalar (a list, a map of custom attributes) is its
// JSON text, since its keys need not be XML names.
func eventRep(e *casemgr.Event, xml bool) map[string]any {
	m := map[string]any{
		"id":      strconv.FormatInt(e.ID, 10),
		"type":    e.Type,
		"time":    casemgr.FormatTime(e.At),
		"actor":   actorRep(e.Actor),
		"entity":  map[string]any{"type": e.Entity, "id": casemgr.FormatID(e.EntityID)},
		"changes": changesRep(e.Changes, xml),
	}
	if e.Department != 0 {
		m["department"] = map[string]any{"id": casemgr.FormatID(e.Department)}
	}
	return m
}

// EventJSON renders an event as the feed's JSON item, byte for byte as
// the feed's answer holds it: the body of a webhook delivery
// (webhook.Feed.Render).
func EventJSON(e casemgr.Event) ([]byte, error) {
	return appendTreeValue(nil, eventRep(&e, false)), nil
}

// actorRep is {"user": {"id"}} for "user:1001", {"client": {"id"}} for
// "client:crm-bridge".
func actorRep(actor string) map[string]any {
	kind, id, _ := strings.Cut(actor, ":")
	if kind != "user" && kind != "client" {
		kind = "unknown"
	}
	return map[string]any{kind: map[string]any{"id": id}}
}

// changesRep decodes the stored changes; numbers keep their literal text.
func changesRep(raw string, xml bool) map[string]any {
	var changes map[string]map[string]any
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.UseNumber()
	if err := dec.Decode(&changes); err != nil {
		return map[string]any{}
	}
	out := make(map[string]any, len(changes))
	for field, c := range changes {
		if xml {
			for k, v := range c {
				switch v.(type) {
				case map[string]any, []any:
					b, _ := json.Marshal(v)
					c[k] = string(b)
				}
			}
		}
		out[field] = c
	}
	return out
}
