package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// caseHistory serves GET /core/casemgr/v3/case/{id}/history: the recorded
// changes of a case (its creation, a change of its customer, the changes
// change case makes to it), oldest first, each with the case before
// and after it in the case representation; 204 when there are none. A case
// the caller may not see is not found, as on GET /case/{ids}.
func (s *Server) caseHistory(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	caseID, err := pathID(r)
	if err != nil {
		return err
	}
	var out []any
	err = s.store().Read(r.Context(), func(tx casemgr.Tx) error {
		list, err := tx.Cases([]casemgr.ID{caseID}, false)
		if err != nil {
			return err
		}
		if len(list) == 0 || !rc.actor.SeesCase(&list[0]) {
			return notFound("case", []string{wireID(caseID)})
		}
		l, err := newLookup(tx, rc.actor)
		if err != nil {
			return err
		}
		entries, err := tx.History("case", caseID)
		if err != nil || len(entries) == 0 {
			return err
		}
		var snaps []casemgr.Case
		for _, e := range entries {
			for _, raw := range []string{e.Before, e.After} {
				if c, ok := caseSnapshot(raw); ok {
					snaps = append(snaps, c)
				}
			}
		}
		if err := l.prepareCases(snaps); err != nil {
			return err
		}
		rp := s.newRep(r, l)
		want := allFields(caseFields)
		for _, e := range entries {
			m := map[string]any{"action": e.Action, "actor": e.Actor, "at": casemgr.FormatTime(e.At)}
			for key, raw := range map[string]string{"before": e.Before, "after": e.After} {
				if c, ok := caseSnapshot(raw); ok {
					m[key] = rp.caseRep(&c, want)
				}
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(out) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	writeTree(w, rc, http.StatusOK, "", map[string]any{"history": out})
	return nil
}

// caseSnapshot decodes a case as a history entry recorded it; false when
// the entry holds none (the "before" of a creation).
func caseSnapshot(s string) (casemgr.Case, bool) {
	var c casemgr.Case
	if strings.TrimSpace(s) == "" || strings.TrimSpace(s) == "null" {
		return c, false
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.ID == 0 {
		return c, false
	}
	return c, true
}
