package casemgr

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestHistoryRecordsOnlyChanges pins what a history entry holds: the
// changed fields before and after, by Go name; a creation its fields that
// are not zero, with nothing before.
func TestHistoryRecordsOnlyChanges(t *testing.T) {
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	act := Activity{ID: 3000, Department: 10, Queue: 100, Status: StatusAssigned, AssignedUser: 1001,
		Subject: strings.Repeat("s", 500), CustomAttributes: map[string][]string{"a": {"1"}}, LastModified: at}
	moved := act
	moved.Department, moved.Queue, moved.LastModified = 11, 110, at.Add(time.Second)
	h := history("activity", 3000, "transfer", ruleClient, at, act, moved)
	if h.Before != `{"Department":10,"LastModified":"2026-12-05T10:00:00Z","Queue":100}` ||
		h.After != `{"Department":11,"LastModified":"2026-12-05T10:00:01Z","Queue":110}` {
		t.Fatalf("transfer recorded before %s, after %s", h.Before, h.After)
	}
	created := history("activity", 3000, "create", ruleClient, at, nil, act)
	if created.Before != "" || strings.Contains(created.After, "LockedBy") || !strings.Contains(created.After, `"Subject":"sss`) {
		t.Fatalf("creation recorded before %q, after %s", created.Before, created.After)
	}
}

// TestHistoryStates pins the rebuilding of the entity before and after
// each entry from the entity as it is now: entries of the old shape (whole
// rows) and of the new (changed fields) render alike, a map is replaced
// rather than merged, and a creation has nothing before it.
func TestHistoryStates(t *testing.T) {
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	v0 := Case{ID: 2000, Department: 10, Status: CaseOpen, Subject: "first", Created: at, LastModified: at}
	v1 := v0
	v1.Subject, v1.CustomAttributes, v1.LastModified = "second", map[string][]string{"a": {"1"}}, at.Add(time.Second)
	v2 := v1
	v2.Customer, v2.CustomAttributes, v2.LastModified = 500, map[string][]string{"a": {"9"}, "b": {"2"}}, at.Add(2*time.Second)
	v3 := v2
	v3.Status, v3.LastModified = CaseClosed, at.Add(3*time.Second)
	whole := func(action string, before, after *Case) HistoryEntry {
		e := HistoryEntry{Entity: "case", EntityID: 2000, Action: action, At: after.LastModified}
		if before != nil {
			b, _ := json.Marshal(before)
			e.Before = string(b)
		}
		a, _ := json.Marshal(after)
		e.After = string(a)
		return e
	}
	entries := []HistoryEntry{
		whole("create", nil, &v0), // recorded before issue 19: whole rows
		whole("edit", &v0, &v1),
		history("case", 2000, "changecustomer", ruleClient, at, v1, v2), // changed fields
		history("case", 2000, "close", ruleClient, at, v2, v3),
	}
	want := []HistoryState[Case]{{nil, &v0}, {&v0, &v1}, {&v1, &v2}, {&v2, &v3}}
	got := HistoryStates(entries, v3)
	if len(got) != len(want) {
		t.Fatalf("%d states, want %d", len(got), len(want))
	}
	for i := range want {
		for _, p := range []struct {
			name      string
			got, want *Case
		}{{"before", got[i].Before, want[i].Before}, {"after", got[i].After, want[i].After}} {
			if (p.got == nil) != (p.want == nil) || p.got != nil && !reflect.DeepEqual(norm(*p.got), norm(*p.want)) {
				t.Errorf("entry %d %s: got %+v, want %+v", i, p.name, p.got, p.want)
			}
		}
	}
	// A record that cannot be read changes nothing.
	bad := []HistoryEntry{{Entity: "case", Before: "{", After: "not json"}}
	if s := HistoryStates(bad, v3); s[0].Before == nil || !reflect.DeepEqual(norm(*s[0].Before), norm(v3)) {
		t.Errorf("unreadable entry: %+v", s[0])
	}
}

// norm is c as a JSON round trip gives it back (times in UTC, nil maps).
func norm(c Case) Case {
	b, _ := json.Marshal(c)
	var out Case
	_ = json.Unmarshal(b, &out)
	return out
}
