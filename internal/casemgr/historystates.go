package casemgr

import (
	"encoding/json"
	"strings"
)

// HistoryState is an entity before (nil for its creation) and after one
// entry of its history.
type HistoryState[T any] struct {
	Before, After *T
}

// HistoryStates rebuilds the entity before and after each entry of its
// history (oldest first) from current, the entity as it is now. An entry
// records only the fields it changed, each as it was before and after
// (older entries, recorded before issue 19, the whole entity before and
// after): each state is the next newer one with the entry's recorded
// values laid over it, newest first, so entries of both shapes render
// alike. A field no recorded change touched shows its current value; an
// entry whose record cannot be read changes nothing.
func HistoryStates[T any](entries []HistoryEntry, current T) []HistoryState[T] {
	states := make([]HistoryState[T], len(entries))
	cur := fieldsOf(current)
	for i := len(entries) - 1; i >= 0; i-- {
		e := &entries[i]
		after := overlay(cur, e.After)
		states[i].After = entityOf[T](after)
		cur = after
		if !recorded(e.Before) {
			continue // a creation: nothing before it
		}
		cur = overlay(after, e.Before)
		states[i].Before = entityOf[T](cur)
	}
	return states
}

// recorded reports whether a history entry's Before or After holds a
// record (a creation's Before holds none).
func recorded(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && s != "null"
}

// fieldsOf is an entity's JSON object by field.
func fieldsOf(v any) map[string]json.RawMessage {
	b, _ := json.Marshal(v)
	m := map[string]json.RawMessage{}
	_ = json.Unmarshal(b, &m)
	return m
}

// overlay returns base with the fields of the JSON object rec laid over
// it; base itself is not changed.
func overlay(base map[string]json.RawMessage, rec string) map[string]json.RawMessage {
	var fields map[string]json.RawMessage
	if !recorded(rec) || json.Unmarshal([]byte(rec), &fields) != nil {
		return base
	}
	m := make(map[string]json.RawMessage, len(base))
	for k, v := range base {
		m[k] = v
	}
	for k, v := range fields {
		m[k] = v
	}
	return m
}

// entityOf decodes an entity from its fields; a field that does not decode
// keeps its zero value.
func entityOf[T any](fields map[string]json.RawMessage) *T {
	var x T
	b, _ := json.Marshal(fields)
	_ = json.Unmarshal(b, &x)
	return &x
}
