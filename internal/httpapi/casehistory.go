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
		rp := s.newRep(r, l)
		want := allFields(caseFields)
		out, err = historyEntries(entries, caseSnapshot, l.prepareCases,
			func(c *casemgr.Case) (any, error) { return rp.caseRep(c, want), nil })
		return err
	})
	if err != nil {
		return err
	}
	writeFound(w, rc, len(out), "", map[string]any{"history": out})
	return nil
}

// historyEntries renders history entries, oldest first, each with the
// entity before and after it: decode reads a snapshot an entry recorded
// (false when it holds none, as the "before" of a creation), prepare loads
// what the representations of all the snapshots need at once, and render
// represents one snapshot as the entity itself is represented.
func historyEntries[T any](entries []casemgr.HistoryEntry, decode func(string) (T, bool),
	prepare func([]T) error, render func(*T) (any, error)) ([]any, error) {
	var snaps []T
	for _, e := range entries {
		for _, raw := range []string{e.Before, e.After} {
			if x, ok := decode(raw); ok {
				snaps = append(snaps, x)
			}
		}
	}
	if err := prepare(snaps); err != nil {
		return nil, err
	}
	out := make([]any, 0, len(entries))
	for _, e := range entries {
		m := map[string]any{"action": e.Action, "actor": e.Actor, "at": casemgr.FormatTime(e.At)}
		for key, raw := range map[string]string{"before": e.Before, "after": e.After} {
			x, ok := decode(raw)
			if !ok {
				continue
			}
			v, err := render(&x)
			if err != nil {
				return nil, err
			}
			m[key] = v
		}
		out = append(out, m)
	}
	return out, nil
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
