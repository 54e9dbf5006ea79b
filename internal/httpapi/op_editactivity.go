package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// editActivity serves PATCH /core/casemgr/v3/activity (edit activity).
func (s *Server) editActivity(w http.ResponseWriter, r *http.Request) {
	req, err := s.parseEditActivity(w, r)
	if err == nil {
		err = s.Service.EditActivity(r.Context(), ctxOf(r).actor, req)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// parseEditActivity reads {"activity": [{"id", "lastModified", "dueDate",
// "priority", "language": {"value"}, "customAttributes"}]} (XML root
// <activities>): exactly one activity (EA1) with its id and lastModified
// (EA2) and no other element (EA4).
func (s *Server) parseEditActivity(w http.ResponseWriter, r *http.Request) (casemgr.EditActivityRequest, error) {
	var req casemgr.EditActivityRequest
	if err := checkParams(r); err != nil {
		return req, err
	}
	body, err := s.readObject(w, r, "activities")
	if err != nil {
		return req, err
	}
	list, _ := body.list("activity")
	if err := body.done(); err != nil {
		return req, err
	}
	if len(list) != 1 {
		return req, errf(casemgr.CodeEditOneActivity, "count", itoa(len(list)))
	}
	item, err := asObj("activity[0]", list[0])
	if err != nil {
		return req, err
	}
	return req, readEditItem(item, &req)
}

// readEditItem reads the one activity of an edit.
func readEditItem(item *obj, req *casemgr.EditActivityRequest) error {
	id, err := item.id("id")
	if err != nil {
		return err
	}
	lm, err := item.str("lastModified")
	if err != nil {
		return err
	}
	if req.DueDate, err = item.str("dueDate"); err != nil {
		return err
	}
	if req.Priority, err = item.str("priority"); err != nil {
		return err
	}
	lang, err := item.object("language")
	if err != nil {
		return err
	}
	if lang != nil {
		// {"value", "displayValue"}; displayValue is accepted and
		// ignored, a missing value is "", which no language is (EA7).
		value, err := lang.str("value")
		if err != nil {
			return err
		}
		if _, err := lang.str("displayValue"); err != nil {
			return err
		}
		if err := lang.done(); err != nil {
			return err
		}
		req.Language = new(string)
		if value != nil {
			*req.Language = *value
		}
	}
	if req.CustomAttributes, err = customAttributes(item); err != nil {
		return err
	}
	if err := item.done(); err != nil {
		return err
	}
	if id == nil || lm == nil {
		return errf(casemgr.CodeEditIDRequired)
	}
	// Not casemgr.ParseTime: it truncates to milliseconds, and a
	// lastModified that differs from the stored one in any digit is stale.
	t, perr := time.Parse(time.RFC3339Nano, strings.TrimSpace(*lm))
	if perr != nil {
		return errf(casemgr.CodeLastModifiedMalformed, "value", *lm)
	}
	req.Activity, req.LastModified = *id, t
	return nil
}
