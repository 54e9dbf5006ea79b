package strictjson

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeRefusesWhatAPlainDecodeLetsThrough(t *testing.T) {
	for _, c := range []struct {
		doc  string
		kind Kind
		path string
	}{
		{`{"a": "x\u0000"}`, Text, "a"},
		{"{\"a\": [\"ok\", \"x\xff\"]}", Text, "a[1]"},
		{`{"a\u0000": 1}`, Text, "a\x00"},
		{`{"a": 1, "a": 1}`, Repeated, "a"},
		{`{"a": {"b": [{"c": 1, "c": 2}]}}`, Repeated, "a.b[0].c"},
		{strings.Repeat("[", 10) + strings.Repeat("]", 10), TooDeep, "[0][0][0][0][0][0]"},
		{`{"a": 1} x`, Syntax, ""},
		{`{"a": }`, Syntax, ""},
		{``, Syntax, ""},
	} {
		_, err := Decode([]byte(c.doc), 5)
		var se *Error
		if !errors.As(err, &se) || se.Kind != c.kind || se.Path != c.path {
			t.Errorf("%q: %#v, want kind %d at %q", c.doc, err, c.kind, c.path)
		}
	}
}

func TestDecodeBuildsTheTree(t *testing.T) {
	v, err := Decode([]byte(`{"a": [1.50, "s", true, null, {}], "b": {"c": "\ud800é"}}`), 5)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": []any{"1.50", "s", true, nil, map[string]any{}}, "b": map[string]any{"c": "\ufffdé"}}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("got %#v, want %#v", v, want)
	}
}
