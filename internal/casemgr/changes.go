package casemgr

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// The diff of an activity or a case, field by field, without reflection:
// the operations that move 75 activities describe 75 changes each, and
// describeChangeReflect spends on every one of them three maps, a
// reflect.DeepEqual and a json.Marshal per field. describeFields writes
// exactly what describeChangeReflect writes — the same Before, After and
// Changes bytes, the same event type and department — by comparing and
// encoding each field with code of its type; where it cannot be sure to
// answer the same (a time json.Marshal refuses, a table that does not
// name every field of the type) it declines, and the reflect path
// answers. TestDescribeFieldsMatchesReflect compares the two.

// entityField is one exported field of an entity type T: its Go name (the
// key of Before and After), its feed name (the key of Changes), and how to
// compare it as reflect.DeepEqual does, tell its zero value as
// reflect.Value.IsZero does and write it as json.Marshal does (false: it
// cannot be written exactly; the reflect path is to answer).
type entityField[T any] struct {
	name, key string
	equal     func(a, b *T) bool
	zero      func(a *T) bool
	json      func(dst []byte, a *T) ([]byte, bool)
}

// entityFields describes the changes of entities of type T.
type entityFields[T any] struct {
	// fields in the order of their Go names (json.Marshal's order of
	// the keys of Before and After); byKey their indexes in the order of
	// their feed names (the order of the keys of Changes).
	fields []entityField[T]
	byKey  []int
	// department and status read the fields eventType needs.
	department func(*T) ID
	status     func(*T) string
	// complete: fields names every exported field of T, in 64 or fewer.
	complete bool
}

// newEntityFields sorts the fields and checks that they name every
// exported field of T (an entity that gains a field and not a line here
// keeps the reflect path rather than losing the field from its history).
func newEntityFields[T any](department func(*T) ID, status func(*T) string, fields ...entityField[T]) *entityFields[T] {
	for i := range fields {
		fields[i].key = fieldName(fields[i].name)
	}
	slices.SortFunc(fields, func(a, b entityField[T]) int { return compareStrings(a.name, b.name) })
	byKey := make([]int, len(fields))
	for i := range byKey {
		byKey[i] = i
	}
	slices.SortFunc(byKey, func(a, b int) int { return compareStrings(fields[a].key, fields[b].key) })
	var exported []string
	typ := reflect.TypeFor[T]()
	for i := 0; i < typ.NumField(); i++ {
		if typ.Field(i).IsExported() {
			exported = append(exported, typ.Field(i).Name)
		}
	}
	slices.Sort(exported)
	named := make([]string, len(fields))
	for i, f := range fields {
		named[i] = f.name
	}
	return &entityFields[T]{fields: fields, byKey: byKey, department: department, status: status,
		complete: len(fields) <= 64 && slices.Equal(exported, named)}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// describeBuffers are the scratch buffers of describe, reused.
var describeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// describe fills h as describeChangeReflect(h, before, after) does (before
// nil: a creation) and reports true, or reports false having changed
// nothing when it cannot write the same.
func (d *entityFields[T]) describe(h *HistoryEntry, before, after *T) bool {
	if !d.complete {
		return false
	}
	var changed uint64
	for i := range d.fields {
		f := &d.fields[i]
		if before == nil && !f.zero(after) || before != nil && !f.equal(before, after) {
			changed |= 1 << i
		}
	}
	bp := describeBuffers.Get().(*[]byte)
	defer describeBuffers.Put(bp)
	// buf holds the values first (the after value of each changed field,
	// then its before value), then Before, After and Changes.
	buf := (*bp)[:0]
	var afterAt, beforeAt [65]int // the value of field i: buf[at[i]:at[i+1]] when changed
	ok := true
	for i := range d.fields {
		afterAt[i] = len(buf)
		if changed&(1<<i) != 0 {
			buf, ok = d.fields[i].json(buf, after)
			if !ok {
				*bp = buf
				return false
			}
		}
	}
	afterAt[len(d.fields)] = len(buf)
	if before != nil {
		for i := range d.fields {
			beforeAt[i] = len(buf)
			if changed&(1<<i) != 0 {
				buf, ok = d.fields[i].json(buf, before)
				if !ok {
					*bp = buf
					return false
				}
			}
		}
		beforeAt[len(d.fields)] = len(buf)
	}
	value := func(at *[65]int, i int) []byte { return buf[at[i]:at[i+1]] }
	object := func(at *[65]int) (start, end int) {
		start = len(buf)
		buf = append(buf, '{')
		for i := range d.fields {
			if changed&(1<<i) != 0 {
				if len(buf) > start+1 {
					buf = append(buf, ',')
				}
				buf = appendJSONString(buf, d.fields[i].name)
				buf = append(append(buf, ':'), value(at, i)...)
			}
		}
		buf = append(buf, '}')
		return start, len(buf)
	}
	bs, be := 0, 0
	if before != nil {
		bs, be = object(&beforeAt)
	}
	as, ae := object(&afterAt)
	cs := len(buf)
	buf = append(buf, '{')
	for _, i := range d.byKey {
		if changed&(1<<i) == 0 {
			continue
		}
		if len(buf) > cs+1 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, d.fields[i].key)
		if before == nil {
			buf = append(buf, `:{"after":`...)
		} else {
			buf = append(append(buf, `:{"before":`...), value(&beforeAt, i)...)
			buf = append(buf, `,"after":`...)
		}
		buf = append(append(buf, value(&afterAt, i)...), '}')
	}
	buf = append(buf, '}')
	*bp = buf
	// One string for the three: they live and die together with h.
	all := string(buf[min(bs, as):])
	off := min(bs, as)
	if before != nil {
		h.Before = all[bs-off : be-off]
	}
	h.After, h.Changes = all[as-off:ae-off], all[cs-off:]
	h.Department = d.department(after)
	h.EventType = eventType(h.Entity, h.Action, before == nil, d.summary(changed, after))
	return true
}

// summary is what eventType reads of the changed fields.
func (d *entityFields[T]) summary(changed uint64, after *T) changeSummary {
	var s changeSummary
	for i := range d.fields {
		if changed&(1<<i) == 0 {
			continue
		}
		switch d.fields[i].key {
		case "status":
			s.status, s.statusAfter = true, d.status(after)
		case "department":
			s.department = true
		case "queue":
			s.queue = true
		case "assignedUser":
			s.assignedUser = true
		case "customer":
			s.customer = true
		case "case":
			s.caseField = true
		}
	}
	return s
}

// The fields of each type, by the type of their value.

func idField[T any](name string, get func(*T) ID) entityField[T] {
	return entityField[T]{name: name,
		equal: func(a, b *T) bool { return get(a) == get(b) },
		zero:  func(a *T) bool { return get(a) == 0 },
		json:  func(dst []byte, a *T) ([]byte, bool) { return strconv.AppendInt(dst, get(a), 10), true }}
}

func stringField[T any](name string, get func(*T) string) entityField[T] {
	return entityField[T]{name: name,
		equal: func(a, b *T) bool { return get(a) == get(b) },
		zero:  func(a *T) bool { return get(a) == "" },
		json:  func(dst []byte, a *T) ([]byte, bool) { return appendJSONString(dst, get(a)), true }}
}

func boolField[T any](name string, get func(*T) bool) entityField[T] {
	return entityField[T]{name: name,
		equal: func(a, b *T) bool { return get(a) == get(b) },
		zero:  func(a *T) bool { return !get(a) },
		json:  func(dst []byte, a *T) ([]byte, bool) { return strconv.AppendBool(dst, get(a)), true }}
}

func timeField[T any](name string, get func(*T) time.Time) entityField[T] {
	return entityField[T]{name: name,
		equal: func(a, b *T) bool { return timesDeepEqual(get(a), get(b)) },
		zero:  func(a *T) bool { return get(a) == time.Time{} },
		json:  func(dst []byte, a *T) ([]byte, bool) { return appendJSONTime(dst, get(a)) }}
}

func timePtrField[T any](name string, get func(*T) *time.Time) entityField[T] {
	return entityField[T]{name: name,
		equal: func(a, b *T) bool {
			x, y := get(a), get(b)
			return x == y || x != nil && y != nil && timesDeepEqual(*x, *y)
		},
		zero: func(a *T) bool { return get(a) == nil },
		json: func(dst []byte, a *T) ([]byte, bool) {
			if t := get(a); t != nil {
				return appendJSONTime(dst, *t)
			}
			return append(dst, "null"...), true
		}}
}

func stringsField[T any](name string, get func(*T) []string) entityField[T] {
	return entityField[T]{name: name,
		equal: func(a, b *T) bool { return slicesDeepEqual(get(a), get(b)) },
		zero:  func(a *T) bool { return get(a) == nil },
		json:  func(dst []byte, a *T) ([]byte, bool) { return appendJSONStrings(dst, get(a)), true }}
}

func idsField[T any](name string, get func(*T) []ID) entityField[T] {
	return entityField[T]{name: name,
		equal: func(a, b *T) bool { return slicesDeepEqual(get(a), get(b)) },
		zero:  func(a *T) bool { return get(a) == nil },
		json: func(dst []byte, a *T) ([]byte, bool) {
			ids := get(a)
			if ids == nil {
				return append(dst, "null"...), true
			}
			dst = append(dst, '[')
			for i, id := range ids {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = strconv.AppendInt(dst, id, 10)
			}
			return append(dst, ']'), true
		}}
}

func attributesField[T any](name string, get func(*T) map[string][]string) entityField[T] {
	return entityField[T]{name: name,
		equal: func(a, b *T) bool {
			x, y := get(a), get(b)
			if (x == nil) != (y == nil) || len(x) != len(y) {
				return false
			}
			for k, v := range x {
				w, ok := y[k]
				if !ok || !slicesDeepEqual(v, w) {
					return false
				}
			}
			return true
		},
		zero: func(a *T) bool { return get(a) == nil },
		json: func(dst []byte, a *T) ([]byte, bool) {
			m := get(a)
			if m == nil {
				return append(dst, "null"...), true
			}
			dst = append(dst, '{')
			for i, k := range slices.Sorted(maps.Keys(m)) {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = append(appendJSONString(dst, k), ':')
				dst = appendJSONStrings(dst, m[k])
			}
			return append(dst, '}'), true
		}}
}

// timesDeepEqual is reflect.DeepEqual of two times: the same wall clock,
// monotonic reading and location (two distinct locations alike count).
func timesDeepEqual(a, b time.Time) bool {
	return a == b || a.Equal(b) && reflect.DeepEqual(a, b)
}

// slicesDeepEqual is reflect.DeepEqual of two slices of comparable
// values: nil and empty differ.
func slicesDeepEqual[E comparable](a, b []E) bool {
	return (a == nil) == (b == nil) && slices.Equal(a, b)
}

// appendJSONTime writes t as json.Marshal does (time.Time.MarshalJSON:
// RFC 3339 with nanoseconds, quoted), or reports false where
// MarshalJSON fails (a year outside 0-9999, an offset of 24 hours or
// more).
func appendJSONTime(dst []byte, t time.Time) ([]byte, bool) {
	dst = append(dst, '"')
	n0 := len(dst)
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	if len(dst) < n0+5 || dst[n0+4] != '-' {
		return dst, false
	}
	if dst[len(dst)-1] != 'Z' {
		c := dst[len(dst)-len("Z07:00")]
		h := dst[len(dst)-len("07:00"):]
		if '0' <= c && c <= '9' || 10*(h[0]-'0')+(h[1]-'0') >= 24 {
			return dst, false
		}
	}
	return append(dst, '"'), true
}

func appendJSONStrings(dst []byte, list []string) []byte {
	if list == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, s)
	}
	return append(dst, ']')
}

// appendJSONString writes s as json.Marshal does. A string of printable
// ASCII without ", \, <, > and & and of valid UTF-8 beyond it but for
// U+2028 and U+2029 is written as it is, between quotes; any other is
// given to json.Marshal (which escapes those, and control characters and
// invalid bytes, its own way).
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return appendMarshaled(dst, s)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return appendMarshaled(dst, s)
		}
		i += size
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

func appendMarshaled(dst []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return append(dst, b...)
}

// activityFields and caseFields describe the changes of activities and
// cases.
var activityFields = newEntityFields(
	func(a *Activity) ID { return a.Department }, func(a *Activity) string { return a.Status },
	idField("ID", func(a *Activity) ID { return a.ID }),
	idField("Case", func(a *Activity) ID { return a.Case }),
	idField("Department", func(a *Activity) ID { return a.Department }),
	idField("LastDepartment", func(a *Activity) ID { return a.LastDepartment }),
	idField("Queue", func(a *Activity) ID { return a.Queue }),
	stringField("Type", func(a *Activity) string { return a.Type }),
	stringField("Subtype", func(a *Activity) string { return a.Subtype }),
	stringField("Mode", func(a *Activity) string { return a.Mode }),
	stringField("Status", func(a *Activity) string { return a.Status }),
	stringField("Substatus", func(a *Activity) string { return a.Substatus }),
	idField("AssignedUser", func(a *Activity) ID { return a.AssignedUser }),
	idField("LockedBy", func(a *Activity) ID { return a.LockedBy }),
	timePtrField("LockExpires", func(a *Activity) *time.Time { return a.LockExpires }),
	boolField("Pinned", func(a *Activity) bool { return a.Pinned }),
	idField("ResponseTo", func(a *Activity) ID { return a.ResponseTo }),
	idField("Customer", func(a *Activity) ID { return a.Customer }),
	idField("Contact", func(a *Activity) ID { return a.Contact }),
	idField("ContactPoint", func(a *Activity) ID { return a.ContactPoint }),
	stringField("ContactPointData", func(a *Activity) string { return a.ContactPointData }),
	stringField("Subject", func(a *Activity) string { return a.Subject }),
	stringField("ContentText", func(a *Activity) string { return a.ContentText }),
	stringField("ContentHTML", func(a *Activity) string { return a.ContentHTML }),
	stringField("Priority", func(a *Activity) string { return a.Priority }),
	timePtrField("DueDate", func(a *Activity) *time.Time { return a.DueDate }),
	attributesField("CustomAttributes", func(a *Activity) map[string][]string { return a.CustomAttributes }),
	stringField("Language", func(a *Activity) string { return a.Language }),
	stringsField("Categories", func(a *Activity) []string { return a.Categories }),
	stringsField("ResolutionCodes", func(a *Activity) []string { return a.ResolutionCodes }),
	boolField("AwaitingSupervision", func(a *Activity) bool { return a.AwaitingSupervision }),
	timeField("Created", func(a *Activity) time.Time { return a.Created }),
	idField("CreatedBy", func(a *Activity) ID { return a.CreatedBy }),
	timeField("LastModified", func(a *Activity) time.Time { return a.LastModified }),
	idField("LastModifiedBy", func(a *Activity) ID { return a.LastModifiedBy }),
)

var caseFields = newEntityFields(
	func(c *Case) ID { return c.Department }, func(c *Case) string { return c.Status },
	idField("ID", func(c *Case) ID { return c.ID }),
	idField("Department", func(c *Case) ID { return c.Department }),
	stringField("Status", func(c *Case) string { return c.Status }),
	idField("Owner", func(c *Case) ID { return c.Owner }),
	idField("Customer", func(c *Case) ID { return c.Customer }),
	stringField("Severity", func(c *Case) string { return c.Severity }),
	stringField("Subject", func(c *Case) string { return c.Subject }),
	stringField("Description", func(c *Case) string { return c.Description }),
	stringField("Solution", func(c *Case) string { return c.Solution }),
	timePtrField("DueDate", func(c *Case) *time.Time { return c.DueDate }),
	stringField("OriginatingChannel", func(c *Case) string { return c.OriginatingChannel }),
	idsField("RelatedCases", func(c *Case) []ID { return c.RelatedCases }),
	attributesField("CustomAttributes", func(c *Case) map[string][]string { return c.CustomAttributes }),
	timeField("Created", func(c *Case) time.Time { return c.Created }),
	idField("CreatedBy", func(c *Case) ID { return c.CreatedBy }),
	timeField("LastModified", func(c *Case) time.Time { return c.LastModified }),
	idField("LastModifiedBy", func(c *Case) ID { return c.LastModifiedBy }),
	timePtrField("LastClosed", func(c *Case) *time.Time { return c.LastClosed }),
)

// describeFields fills h by the typed fields when before and after are
// activities or cases (values or pointers; before nil for a creation),
// and reports whether it did.
func describeFields(h *HistoryEntry, before, after any) bool {
	switch a := after.(type) {
	case Activity:
		return describeTyped(activityFields, h, before, &a)
	case *Activity:
		return a != nil && describeTyped(activityFields, h, before, a)
	case Case:
		return describeTyped(caseFields, h, before, &a)
	case *Case:
		return a != nil && describeTyped(caseFields, h, before, a)
	}
	return false
}

// describeTyped describes the change of after (a *T) from before: nil for a
// creation, else a T or a *T; any other before is the reflect path's.
func describeTyped[T any](d *entityFields[T], h *HistoryEntry, before any, after *T) bool {
	switch b := before.(type) {
	case nil:
		return d.describe(h, nil, after)
	case T:
		return d.describe(h, &b, after)
	case *T:
		return b != nil && d.describe(h, b, after)
	}
	return false
}
