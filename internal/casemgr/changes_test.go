package casemgr

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestEntityFieldsNameEveryField: the typed diff of activities and cases
// names every exported field (else describeChange falls back to
// reflection for the type, and the other tests here would compare the
// reflect path with itself).
func TestEntityFieldsNameEveryField(t *testing.T) {
	if !activityFields.complete {
		t.Error("activityFields does not name every exported field of Activity")
	}
	if !caseFields.complete {
		t.Error("caseFields does not name every exported field of Case")
	}
}

// TestDescribeFieldsMatchesReflect compares the typed diff with the
// reflect path over many random activities and cases: every field changed
// alone, random sets of fields changed, unrelated entities, no change,
// creations, values and pointers; with nil, empty and equal values,
// times of other zones and monotonic readings, strings json.Marshal
// escapes and custom attributes. The history entries (Before, After,
// Changes, event type, department) must be the same bytes.
func TestDescribeFieldsMatchesReflect(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 14))
	check := func(name, entity string, before, after any, wantFast bool) {
		t.Helper()
		action := diffActions[rng.IntN(len(diffActions))]
		fast := HistoryEntry{Entity: entity, Action: action}
		slow := fast
		took := describeFields(&fast, before, after)
		describeChangeReflect(&slow, before, after)
		if wantFast && !took {
			t.Fatalf("%s (%s/%s): the typed diff declined", name, entity, action)
		}
		if took && fast != slow {
			t.Fatalf("%s (%s/%s):\ntyped   %+v\nreflect %+v", name, entity, action, fast, slow)
		}
		var viaDescribe HistoryEntry = HistoryEntry{Entity: entity, Action: action}
		describeChange(&viaDescribe, before, after)
		if viaDescribe != slow {
			t.Fatalf("%s (%s/%s): describeChange\n%+v\nreflect %+v", name, entity, action, viaDescribe, slow)
		}
	}
	for _, typ := range []struct {
		entity string
		typ    reflect.Type
	}{{"activity", reflect.TypeFor[Activity]()}, {"case", reflect.TypeFor[Case]()}} {
		for round := range 300 {
			// wild: times json.Marshal refuses too (the typed diff may
			// decline those, and must then leave the answer to reflection).
			wild := round%10 == 9
			before := randomEntity(rng, typ.typ, wild)
			for i := range typ.typ.NumField() {
				after := reflect.New(typ.typ).Elem()
				after.Set(before)
				setRandom(rng, after.Field(i), wild)
				check("field "+typ.typ.Field(i).Name+" alone", typ.entity, before.Interface(), after.Interface(), !wild)
				check("field "+typ.typ.Field(i).Name+" alone, pointers", typ.entity, ptr(before), ptr(after), !wild)
			}
			some := reflect.New(typ.typ).Elem()
			some.Set(before)
			for i := range typ.typ.NumField() {
				if rng.IntN(3) == 0 {
					setRandom(rng, some.Field(i), wild)
				}
			}
			check("some fields", typ.entity, before.Interface(), some.Interface(), !wild)
			other := randomEntity(rng, typ.typ, wild)
			check("another entity", typ.entity, before.Interface(), other.Interface(), !wild)
			check("no change", typ.entity, before.Interface(), before.Interface(), !wild)
			check("value before, pointer after", typ.entity, before.Interface(), ptr(some), !wild)
			check("creation", typ.entity, nil, some.Interface(), !wild)
			check("creation, pointer", typ.entity, nil, ptr(other), !wild)
		}
	}
	// Other types, and befores of another type, are reflection's.
	check("customer", "customer", Customer{ID: 1, Name: "a"}, Customer{ID: 1, Name: "b"}, false)
	check("case before an activity", "activity", Case{ID: 1}, Activity{ID: 2, Status: "x"}, false)
}

var diffActions = []string{"pick", "pull", "transfer", "assign", "complete", "edit", "changecase",
	"changecustomer", "create", "reopen", "close", "route", ""}

func ptr(v reflect.Value) any {
	p := reflect.New(v.Type())
	p.Elem().Set(v)
	return p.Interface()
}

// randomEntity is a value of struct type typ with each field random (many
// of them zero).
func randomEntity(rng *rand.Rand, typ reflect.Type, wild bool) reflect.Value {
	v := reflect.New(typ).Elem()
	for i := range typ.NumField() {
		if rng.IntN(4) > 0 {
			setRandom(rng, v.Field(i), wild)
		}
	}
	return v
}

// setRandom sets f, a field of an activity or a case, to a random value of
// its type: often zero, empty or a value it may already hold.
func setRandom(rng *rand.Rand, f reflect.Value, wild bool) {
	switch f.Interface().(type) {
	case ID:
		f.SetInt([]int64{0, 1, 2, 1001, rng.Int64N(1 << 20), -rng.Int64N(50), 1<<63 - 1}[rng.IntN(7)])
	case string:
		f.SetString(randomString(rng))
	case bool:
		f.SetBool(rng.IntN(2) == 0)
	case time.Time:
		f.Set(reflect.ValueOf(randomTime(rng, wild)))
	case *time.Time:
		if rng.IntN(3) == 0 {
			f.Set(reflect.Zero(f.Type()))
			return
		}
		tm := randomTime(rng, wild)
		f.Set(reflect.ValueOf(&tm))
	case []string:
		f.Set(reflect.ValueOf(randomStrings(rng)))
	case []ID:
		var ids []ID
		switch rng.IntN(3) {
		case 0:
		case 1:
			ids = []ID{}
		default:
			for range rng.IntN(4) + 1 {
				ids = append(ids, rng.Int64N(5000))
			}
		}
		f.Set(reflect.ValueOf(ids))
	case map[string][]string:
		var m map[string][]string
		switch rng.IntN(4) {
		case 0:
		case 1:
			m = map[string][]string{}
		default:
			m = map[string][]string{}
			for range rng.IntN(4) + 1 {
				m[randomString(rng)] = randomStrings(rng)
			}
		}
		f.Set(reflect.ValueOf(m))
	default:
		panic("setRandom: no values of " + f.Type().String())
	}
}

func randomStrings(rng *rand.Rand) []string {
	switch rng.IntN(4) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	var list []string
	for range rng.IntN(4) + 1 {
		list = append(list, randomString(rng))
	}
	return list
}

// stringParts are the pieces random strings are made of: what json.Marshal
// writes as it is, and what it escapes or replaces.
var stringParts = []string{"", "a", "assigned", "completed", "awaiting_assignment", "Ada Anders", "0",
	"Müller", "日本語", "😀", "<b>x</b>", "a&b", "\"quoted\"", `back\slash`, "\n", "\t", "\r", "\b", "\f",
	"\x00", "\x1f", "\x7f", "\u2028", "\u2029", "\xff", "\xe2\x80", "é\xc3", " ", "/"}

func randomString(rng *rand.Rand) string {
	if rng.IntN(3) == 0 {
		return ""
	}
	s := ""
	for range rng.IntN(4) + 1 {
		s += stringParts[rng.IntN(len(stringParts))]
	}
	return s
}

// randomTime: zero, whole milliseconds in UTC as stored, nanoseconds,
// another zone, a monotonic reading, a few fixed instants (so that before
// and after often hold equal times); wild adds years and offsets
// time.Time.MarshalJSON refuses.
func randomTime(rng *rand.Rand, wild bool) time.Time {
	base := time.Date(2026, 12, 5, 22, 0, 0, 0, time.UTC)
	n := 8
	if wild {
		n = 11
	}
	switch rng.IntN(n) {
	case 0:
		return time.Time{}
	case 1:
		return base
	case 2:
		return Millis(base.Add(time.Duration(rng.Int64N(1e12))))
	case 3:
		return base.Add(time.Duration(rng.Int64N(1e15)))
	case 4:
		return base.In(time.FixedZone("X", 5*3600+1800))
	case 5:
		return time.Now()
	case 6:
		return base.In(time.FixedZone("Y", -(9 * 3600)))
	case 7:
		return time.Time{}.In(time.FixedZone("Z", 3600)) // IsZero, but not the zero value
	case 8:
		return time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	case 9:
		return base.In(time.FixedZone("W", 25*3600))
	}
	return time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)
}
