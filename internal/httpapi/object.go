package httpapi

import "strings"

// object is an object of a response tree as the representations build it:
// its fields in a slice rather than a map, and a string value kept as it
// is rather than boxed in an interface, so that building one costs an
// allocation or two instead of a map's and a boxed value's per field. The
// writers (appendTreeJSON, renderXML) write its fields with their keys
// sorted, as they write a map's: the bytes are the same. Setting a key
// again replaces its value, as in a map.
type object []field

// field is a key of an object with its value: str when isStr, val
// otherwise.
type field struct {
	key   string
	str   string
	val   any
	isStr bool
}

// newObject returns an empty object with room for n fields.
func newObject(n int) object { return make(object, 0, n) }

func (o *object) index(key string) int {
	for i := range *o {
		if (*o)[i].key == key {
			return i
		}
	}
	return -1
}

// set sets key to v.
func (o *object) set(key string, v any) {
	if s, ok := v.(string); ok {
		o.setStr(key, s)
		return
	}
	if i := o.index(key); i >= 0 {
		(*o)[i] = field{key: key, val: v}
		return
	}
	*o = append(*o, field{key: key, val: v})
}

// setStr sets key to the string s.
func (o *object) setStr(key, s string) {
	if i := o.index(key); i >= 0 {
		(*o)[i] = field{key: key, str: s, isStr: true}
		return
	}
	*o = append(*o, field{key: key, str: s, isStr: true})
}

// putString sets key to s unless s is empty.
func (o *object) putString(key, s string) {
	if s != "" {
		o.setStr(key, s)
	}
}

// get returns the value of key (a string boxed), or nil.
func (o object) get(key string) any {
	for i := range o {
		if o[i].key == key {
			if o[i].isStr {
				return o[i].str
			}
			return o[i].val
		}
	}
	return nil
}

// sortKeys orders the fields by key, in place and without allocating (an
// object has a few dozen fields at most).
func (o object) sortKeys() {
	for i := 1; i < len(o); i++ {
		for j := i; j > 0 && strings.Compare(o[j-1].key, o[j].key) > 0; j-- {
			o[j-1], o[j] = o[j], o[j-1]
		}
	}
}

// MarshalJSON writes the object as appendTreeJSON does, should a tree
// holding one reach encoding/json.
func (o object) MarshalJSON() ([]byte, error) { return appendTreeValue(nil, o), nil }
