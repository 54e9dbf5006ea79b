package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestTreeJSON pins that appendTreeJSON writes what encoding/json writes
// (Encoder, SetEscapeHTML(false)), for every kind of value a response tree
// holds and strings that need escaping.
func TestTreeJSON(t *testing.T) {
	strs := []string{"", "plain", `quote " and \ backslash`, "<p>Hello & bye</p>", "tab\tnew\nline\rcr\bbs\fff\x01\x1f",
		"naïve — ünïcödé 日本", "line\u2028sep\u2029para", "bad \xff\xfe utf8", "emoji 🎉", "\x7f del"}
	tree := map[string]any{
		"activity": []any{map[string]any{"id": "1", "pinned": true, "count": 3, "n64": int64(-7), "f": 1.5, "none": nil,
			"nested": map[string]any{"z": "last", "a": []any{"x", false, map[string]any{}}, "empty": []any{}}}},
		"typed":    []map[string]any{{"b": "2", "a": "1"}},
		"nilmap":   map[string]any(nil),
		"nillist":  []any(nil),
		"strslice": []string{"a", "<b>"},
	}
	for _, s := range strs {
		tree[s] = s
		tree["k"+s] = []any{s, map[string]any{s: s}}
	}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tree); err != nil {
		t.Fatal(err)
	}
	if got := appendTreeJSON(nil, tree); !bytes.Equal(got, want.Bytes()) {
		t.Errorf("appendTreeJSON:\n%s\nencoding/json:\n%s", got, want.Bytes())
	}
}
