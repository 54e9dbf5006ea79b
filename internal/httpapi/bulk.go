package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// parseBulkBody reads the bulk body shared by the activity operations that
// name activities with the lastModified the client read (transfer to
// department, user or queue, pick, complete):
// {"activity": [{"id": "3001", "lastModified": "..."}]}, XML
// <activities><activity><id>…</id><lastModified>…</lastModified></activity></activities>.
// It checks the wire format (B1's mandatory body and activity element, B2:
// id and lastModified and nothing else); the count, duplicates, existence
// and staleness are the domain's (casemgr.BulkItem).
func (s *Server) parseBulkBody(w http.ResponseWriter, r *http.Request) ([]casemgr.BulkItem, error) {
	body, err := s.readObject(w, r, "activities")
	if err != nil {
		return nil, err
	}
	list, ok := body.list("activity")
	if err := body.done(); err != nil {
		return nil, err
	}
	if !ok {
		return nil, errf(casemgr.CodeMissingElement, "name", "activity")
	}
	items := make([]casemgr.BulkItem, 0, len(list))
	for i, raw := range list {
		it, err := parseBulkItem(i, raw)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

// parseBulkItem reads one item of a bulk body: id and lastModified, both
// required, nothing else.
func parseBulkItem(i int, raw any) (casemgr.BulkItem, error) {
	item, err := asObj(fmt.Sprintf("activity[%d]", i), raw)
	if err != nil {
		return casemgr.BulkItem{}, err
	}
	id, err := item.id("id")
	if err != nil {
		return casemgr.BulkItem{}, err
	}
	lm, err := item.str("lastModified")
	if err != nil {
		return casemgr.BulkItem{}, err
	}
	if err := item.done(); err != nil {
		return casemgr.BulkItem{}, err
	}
	if id == nil || lm == nil {
		return casemgr.BulkItem{}, errf(casemgr.CodeLastModifiedRequired, "index", itoa(i))
	}
	// Not casemgr.ParseTime: it truncates to milliseconds, and a
	// lastModified that differs from the stored one in any digit is stale.
	t, perr := time.Parse(time.RFC3339Nano, strings.TrimSpace(*lm))
	if perr != nil {
		return casemgr.BulkItem{}, errf(casemgr.CodeLastModifiedMalformed, "value", *lm)
	}
	return casemgr.BulkItem{Activity: *id, LastModified: t}, nil
}
