package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// Times are stored as milliseconds since the Unix epoch: one integer type that
// both engines compare and sort identically, with no time zone or precision
// surprises from either driver.

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// millisPtr is the parameter for a nullable time.
func millisPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func fromNullMillis(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMillis(v.Int64)
	return &t
}

// Lists and maps are stored as JSON text. Empty and nil are stored alike and
// both read back as nil, so every engine answers the same whichever the
// writer used.

func encList[T any](list []T) string {
	if len(list) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(list) // cannot fail for lists of strings and integers
	return string(b)
}

func decList[T any](s string, what string) ([]T, error) {
	if s == "" || s == "[]" || s == "null" {
		return nil, nil
	}
	var list []T
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, fmt.Errorf("decode %s: %w", what, err)
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list, nil
}

func encMap[V any](m map[string]V) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m) // cannot fail for maps of strings and string lists
	return string(b)
}

func decMap[V any](s string, what string) (map[string]V, error) {
	if s == "" || s == "{}" || s == "null" {
		return nil, nil
	}
	// The maps of strings and of lists of strings, as encMap writes them,
	// are read without reflection and their strings without copies;
	// anything else (an escape, a space, another value) by encoding/json.
	var zero V
	switch any(zero).(type) {
	case string:
		if v, ok := fastMap(s, fastString); ok {
			return any(v).(map[string]V), nil
		}
	case []string:
		if v, ok := fastMap(s, fastStrings); ok {
			return any(v).(map[string]V), nil
		}
	}
	var m map[string]V
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", what, err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// fastMap reads s as a JSON object whose values value reads, when it is
// written as encMap writes it: no space, and strings that need no
// unescaping. ok is false for anything else, which encoding/json reads
// instead; what it reads is what encoding/json reads (TestFastMapsAreWhatJSONReads).
// An empty object is nil.
func fastMap[V any](s string, value func(s string, i int) (V, int, bool)) (map[string]V, bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	var m map[string]V
	i := 1
	for i < len(s)-1 {
		if i > 1 {
			if s[i] != ',' {
				return nil, false
			}
			i++
		}
		key, j, ok := fastString(s, i)
		if !ok || j >= len(s) || s[j] != ':' {
			return nil, false
		}
		v, k, ok := value(s, j+1)
		if !ok {
			return nil, false
		}
		if m == nil {
			m = make(map[string]V, 4)
		}
		m[key] = v
		i = k
	}
	if i != len(s)-1 {
		return nil, false
	}
	return m, true
}

// fastString reads the JSON string at s[i]: its text, a part of s, and
// the index after it; ok is false for a string that needs unescaping
// (a backslash, a control character, invalid UTF-8, which encoding/json
// would replace).
func fastString(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", 0, false
	}
	high := false
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			v := s[i+1 : j]
			if high && !utf8.ValidString(v) {
				return "", 0, false
			}
			return v, j + 1, true
		case c == '\\' || c < 0x20:
			return "", 0, false
		case c >= 0x80:
			high = true
		}
	}
	return "", 0, false
}

// fastStrings reads the JSON list of strings at s[i] as fastString reads
// each; an empty list is empty, not nil, as encoding/json reads it.
func fastStrings(s string, i int) ([]string, int, bool) {
	if i >= len(s) || s[i] != '[' {
		return nil, 0, false
	}
	list := []string{}
	i++
	for i < len(s) && s[i] != ']' {
		if len(list) > 0 {
			if s[i] != ',' {
				return nil, 0, false
			}
			i++
		}
		v, j, ok := fastString(s, i)
		if !ok {
			return nil, 0, false
		}
		list = append(list, v)
		i = j
	}
	if i >= len(s) {
		return nil, 0, false
	}
	return list, i + 1, true
}
