package httpapi

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
)

// appendTreeJSON appends the JSON of a response tree to b, byte for byte
// what encoding/json's Encoder with SetEscapeHTML(false) writes (keys
// sorted, a newline at the end), without its reflection: maps, objects,
// lists, strings and booleans are written here, and any other value (numbers,
// strings that need escaping) by encoding/json itself. TestTreeJSON
// compares the two.
func appendTreeJSON(b []byte, v any) []byte {
	b = appendTreeValue(b, v)
	return append(b, '\n')
}

func appendTreeValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendJSONString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case map[string]any:
		if x == nil {
			return append(b, "null"...)
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendTreeValue(b, x[k])
		}
		return append(b, '}')
	case object:
		return appendObjectJSON(b, x)
	case []any:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendTreeValue(b, e)
		}
		return append(b, ']')
	}
	return appendJSONFallback(b, v)
}

// appendJSONString writes a string that needs no escaping as it is, any
// other by encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			return appendJSONFallback(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONFallback writes v as encoding/json's Encoder does, without
// escaping HTML and without its newline.
func appendJSONFallback(b []byte, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
