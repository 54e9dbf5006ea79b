package httpapi

import (
	"net/http"

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
		out, err = historyEntries(entries, list[0], l.prepareCases,
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
// entity before and after it, rebuilt from current, the entity as it is
// now (casemgr.HistoryStates): prepare loads what the representations of
// all the states need at once, and render represents one state as the
// entity itself is represented.
func historyEntries[T any](entries []casemgr.HistoryEntry, current T,
	prepare func([]T) error, render func(*T) (any, error)) ([]any, error) {
	states := casemgr.HistoryStates(entries, current)
	var all []T
	for _, st := range states {
		if st.Before != nil {
			all = append(all, *st.Before)
		}
		all = append(all, *st.After)
	}
	if err := prepare(all); err != nil {
		return nil, err
	}
	out := make([]any, 0, len(entries))
	for i, e := range entries {
		m := map[string]any{"action": e.Action, "actor": e.Actor, "at": casemgr.FormatTime(e.At)}
		for key, x := range map[string]*T{"before": states[i].Before, "after": states[i].After} {
			if x == nil {
				continue
			}
			v, err := render(x)
			if err != nil {
				return nil, err
			}
			m[key] = v
		}
		out = append(out, m)
	}
	return out, nil
}
