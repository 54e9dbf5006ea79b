package httpapi

import (
	"strconv"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// object is an object of a response tree as the representations build it:
// its fields in a slice rather than a map, and its values kept as they are
// rather than boxed in an interface (a string, an object, a list of one
// object, an ID, a path ending in an ID, a time), so that building one
// costs no allocation of its own when a rep's arena holds it (rep.obj),
// and at most one otherwise. The writers (appendTreeJSON, renderXML)
// write its fields with their keys sorted, as they write a map's, and
// each value as the map's value would be written (the ID as its decimal
// string, the time as casemgr.FormatTime): the bytes are the same
// (TestActivityRepresentationIsTheMapsOne). Setting a key again replaces
// its value, as in a map.
type object []field

// fieldKind tells which member of a field holds its value.
type fieldKind uint8

const (
	kindVal   fieldKind = iota // val, any value of a tree
	kindStr                    // str
	kindObj                    // obj
	kindList1                  // a list of one object: [obj]
	kindID                     // num, written as its decimal string
	kindPath                   // str followed by num in decimal, as one string
	kindTime                   // num, Unix milliseconds, written as casemgr.FormatTime
)

// field is a key of an object with its value, in the member its kind
// names.
type field struct {
	key  string
	str  string
	val  any
	obj  object
	num  int64
	kind fieldKind
}

// newObject returns an empty object with room for n fields, on the heap
// (rep.obj takes it from the request's arena).
func newObject(n int) object { return make(object, 0, n) }

func (o *object) index(key string) int {
	for i := range *o {
		if (*o)[i].key == key {
			return i
		}
	}
	return -1
}

// put sets f (its key and value).
func (o *object) put(f field) {
	if i := o.index(f.key); i >= 0 {
		(*o)[i] = f
		return
	}
	*o = append(*o, f)
}

// set sets key to v.
func (o *object) set(key string, v any) {
	switch x := v.(type) {
	case string:
		o.setStr(key, x)
	case object:
		o.setObj(key, x)
	default:
		o.put(field{key: key, val: v, kind: kindVal})
	}
}

// setStr sets key to the string s.
func (o *object) setStr(key, s string) { o.put(field{key: key, str: s, kind: kindStr}) }

// setObj sets key to the object v.
func (o *object) setObj(key string, v object) { o.put(field{key: key, obj: v, kind: kindObj}) }

// setList1 sets key to a list of the one object v.
func (o *object) setList1(key string, v object) { o.put(field{key: key, obj: v, kind: kindList1}) }

// setID sets key to the decimal string of id (wireID).
func (o *object) setID(key string, id casemgr.ID) { o.put(field{key: key, num: id, kind: kindID}) }

// setPath sets key to the string prefix followed by the decimal id.
func (o *object) setPath(key, prefix string, id casemgr.ID) {
	o.put(field{key: key, str: prefix, num: id, kind: kindPath})
}

// setTime sets key to t as casemgr.FormatTime writes it (UTC, whole
// milliseconds: what the milliseconds since the epoch keep).
func (o *object) setTime(key string, t time.Time) {
	o.put(field{key: key, num: t.UnixMilli(), kind: kindTime})
}

// putString sets key to s unless s is empty.
func (o *object) putString(key, s string) {
	if s != "" {
		o.setStr(key, s)
	}
}

// value returns the field's value as a tree holds it.
func (f *field) value() any {
	switch f.kind {
	case kindStr:
		return f.str
	case kindObj:
		return f.obj
	case kindList1:
		return []any{f.obj}
	case kindID:
		return casemgr.FormatID(f.num)
	case kindPath:
		return f.str + casemgr.FormatID(f.num)
	case kindTime:
		return fieldTime(f.num)
	}
	return f.val
}

// fieldTime is what casemgr.FormatTime writes of a time kept as Unix
// milliseconds.
func fieldTime(ms int64) string { return casemgr.FormatTime(time.UnixMilli(ms)) }

// appendFieldTime appends fieldTime(ms) to b.
func appendFieldTime(b []byte, ms int64) []byte {
	return time.UnixMilli(ms).UTC().AppendFormat(b, timeLayout)
}

// timeLayout is the layout of casemgr.FormatTime
// (TestObjectValuesAreWrittenAsTheirStrings).
const timeLayout = "2006-01-02T15:04:05.000Z"

// get returns the value of key (a string boxed), or nil.
func (o object) get(key string) any {
	for i := range o {
		if o[i].key == key {
			return o[i].value()
		}
	}
	return nil
}

// sortKeys orders the fields by key, in place and without allocating (an
// object has a few dozen fields at most).
func (o object) sortKeys() {
	for i := 1; i < len(o); i++ {
		for j := i; j > 0 && o[j-1].key > o[j].key; j-- {
			o[j-1], o[j] = o[j], o[j-1]
		}
	}
}

// order returns the indexes of o's fields in the order of their keys,
// sorted in idx when it has room (the writers pass an array on their
// stack), else by sorting o itself.
func (o object) order(idx []uint8) []uint8 {
	if len(o) > cap(idx) {
		o.sortKeys()
		idx = make([]uint8, len(o))
		for i := range idx {
			idx[i] = uint8(i)
		}
		return idx
	}
	idx = idx[:len(o)]
	for i := range idx {
		idx[i] = uint8(i)
		for j := i; j > 0 && o[idx[j-1]].key > o[idx[j]].key; j-- {
			idx[j-1], idx[j] = idx[j], idx[j-1]
		}
	}
	return idx
}

// maxOrdered is the number of fields whose order the writers sort on their
// stack; an object with more is sorted in place.
const maxOrdered = 64

// MarshalJSON writes the object as appendTreeJSON does, should a tree
// holding one reach encoding/json.
func (o object) MarshalJSON() ([]byte, error) { return appendObjectJSON(nil, o), nil }

// appendObjectJSON appends the JSON of an object.
func appendObjectJSON(b []byte, o object) []byte {
	var scratch [maxOrdered]uint8
	b = append(b, '{')
	for n, i := range o.order(scratch[:0]) {
		if n > 0 {
			b = append(b, ',')
		}
		f := &o[i]
		b = appendJSONString(b, f.key)
		b = append(b, ':')
		switch f.kind {
		case kindStr:
			b = appendJSONString(b, f.str)
		case kindObj:
			b = appendObjectJSON(b, f.obj)
		case kindList1:
			b = append(b, '[')
			b = appendObjectJSON(b, f.obj)
			b = append(b, ']')
		case kindID:
			b = append(b, '"')
			b = strconv.AppendInt(b, f.num, 10)
			b = append(b, '"')
		case kindPath:
			if plainJSON(f.str) {
				b = append(b, '"')
				b = append(b, f.str...)
				b = strconv.AppendInt(b, f.num, 10)
				b = append(b, '"')
			} else {
				b = appendJSONString(b, f.value().(string))
			}
		case kindTime:
			b = append(b, '"')
			b = appendFieldTime(b, f.num)
			b = append(b, '"')
		default:
			b = appendTreeValue(b, f.val)
		}
	}
	return append(b, '}')
}

// plainJSON reports whether s is written in JSON as it is, between quotes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// plainXML reports whether s is written in XML as it is (xml.EscapeText
// changes nothing).
func plainXML(s string) bool {
	return !strings.ContainsAny(s, "\"'&<>\t\n\r") && plainJSON(s)
}
