package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
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
	var m map[string]V
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", what, err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}
