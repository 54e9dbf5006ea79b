package casemgr

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxActivities is the most activities one bulk request may name.
const MaxActivities = 75

// Service runs the operations of the API over a Store. It holds no state of
// its own, so any number of server processes may share one database.
type Service struct {
	Store Store
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// WebhookTargets decides which addresses webhooks may reach.
	WebhookTargets WebhookTargets
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return Millis(s.Now())
	}
	return Millis(time.Now())
}

// FormatID renders an ID as the API shows it.
func FormatID(id ID) string { return strconv.FormatInt(id, 10) }

// ParseID parses an ID as the API accepts it: a positive decimal number.
func ParseID(s string) (ID, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

func joinIDs(ids []ID) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = FormatID(id)
	}
	return strings.Join(parts, ", ")
}

// duplicates returns the IDs named more than once.
func duplicates(ids []ID) []ID {
	seen := map[ID]int{}
	var dup []ID
	for _, id := range ids {
		seen[id]++
		if seen[id] == 2 {
			dup = append(dup, id)
		}
	}
	return dup
}

// byID indexes activities by ID.
func byID(list []Activity) map[ID]*Activity {
	m := make(map[ID]*Activity, len(list))
	for i := range list {
		m[list[i].ID] = &list[i]
	}
	return m
}

// snapshot renders an entity for a history entry.
func snapshot(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// NewHistoryEntry is the history entry of one change of an entity, as the
// operations record it (before is nil for a creation): the storage suite
// stores and reads back what the operations write.
func NewHistoryEntry(entity string, id ID, action string, actor Actor, at time.Time, before, after any) HistoryEntry {
	return history(entity, id, action, actor, at, before, after)
}

// history records one change of an entity.
func history(entity string, id ID, action string, actor Actor, at time.Time, before, after any) HistoryEntry {
	h := HistoryEntry{Entity: entity, EntityID: id, Action: action, Actor: actor.String(), At: at}
	describeChange(&h, before, after)
	return h
}

// openStatus reports whether an activity of this status still needs work.
func openStatus(status string) bool { return status != StatusCompleted }

// changeableStatus reports whether the bulk operations may change an
// activity of this status: in queue waiting to be assigned, or assigned.
func changeableStatus(status string) bool {
	return status == StatusAwaitingAssignment || status == StatusAssigned
}

// CheckActivityLimit refuses a bulk request naming more than MaxActivities
// activities. The HTTP layer asks it before reading the IDs of a path, so
// that an over-long list is refused as such whatever else is wrong with it.
func CheckActivityLimit(n int) error {
	if n > MaxActivities {
		return E(CodeTooManyActivities, "max", strconv.Itoa(MaxActivities), "count", strconv.Itoa(n))
	}
	return nil
}

// checkActivityCount checks the number of activities of a bulk request.
func checkActivityCount(ids []ID) error {
	if len(ids) == 0 {
		return E(CodeNoActivities)
	}
	if err := CheckActivityLimit(len(ids)); err != nil {
		return err
	}
	if dup := duplicates(ids); len(dup) > 0 {
		return E(CodeDuplicateActivity, "ids", joinIDs(dup))
	}
	return nil
}

// checkResponses adds a violation for every activity with a response that
// is not completed (a draft reply).
func checkResponses(v *Violations, responses []Activity) {
	seen := map[ID]bool{}
	for _, r := range responses {
		if r.Status != StatusCompleted && !seen[r.ResponseTo] {
			seen[r.ResponseTo] = true
			v.Add(PhaseRule, FormatID(r.ResponseTo), CodeResponseNotComplete)
		}
	}
}

// withResponses is a Tx that reads activities with their responses, locked,
// as lockWithResponses does (sqlstore).
type withResponses interface {
	ActivitiesWithResponses(ids []ID) ([]Activity, error)
}

// activitiesWithResponses returns the activities of ids and their responses,
// in ID order, locked.
func activitiesWithResponses(tx Tx, ids []ID) ([]Activity, error) {
	if p, ok := tx.(*prefetched); ok {
		tx = p.Tx
	}
	sorted := slices.Compact(slices.Sorted(slices.Values(ids)))
	if w, ok := tx.(withResponses); ok {
		return w.ActivitiesWithResponses(sorted)
	}
	pre, err := tx.Responses(ids, false)
	if err != nil {
		return nil, err
	}
	all := append([]ID(nil), ids...)
	for _, r := range pre {
		all = append(all, r.ID)
	}
	return tx.Activities(slices.Compact(slices.Sorted(slices.Values(all))), true)
}

// lastModifiedBy is the user recorded as the last modifier; 0 for a client
// application.
func lastModifiedBy(actor Actor) ID { return actor.UserID() }

// lockWithResponses loads the activities of ids and every response of them,
// all locked in one pass in ID order. Locking parents and responses in two
// statements could deadlock two requests on PostgreSQL when a response has
// a lower ID than its parent; one ordered pass cannot. The response IDs are
// first read without a lock: which activity a response answers never
// changes. responses are the loaded activities that answer one of ids
// (including any named in ids themselves).
//
// A Tx that reads both at once (ActivitiesWithResponses: sqlstore, in one
// statement on SQLite, where a write transaction's statements hold the one
// writer) is asked for them so.
func lockWithResponses(tx Tx, ids []ID) (acts, responses []Activity, err error) {
	locked, err := activitiesWithResponses(tx, ids)
	if err != nil {
		return nil, nil, err
	}
	named := map[ID]bool{}
	for _, id := range ids {
		named[id] = true
	}
	for _, a := range locked {
		if named[a.ID] {
			acts = append(acts, a)
		}
		if a.ResponseTo != 0 && named[a.ResponseTo] {
			responses = append(responses, a)
		}
	}
	return acts, responses, nil
}
