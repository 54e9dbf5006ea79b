package sqlstore

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestFastMapsAreWhatJSONReads pins that decMap reads the maps of strings
// and of lists of strings it reads without encoding/json (fastMap) as
// encoding/json reads them, and leaves to it whatever it could read
// otherwise: escapes, spaces, invalid UTF-8, other values, malformed text.
func TestFastMapsAreWhatJSONReads(t *testing.T) {
	strs := []string{
		`{"a":"b"}`, `{"a":"b","c":"d"}`, `{"a":"b","a":"c"}`, `{"":""}`, `{"naïve":"日本 🎉"}`,
		`{"a":"\u00e9"}`, `{"a":"q\"uote"}`, `{"a":"<b>"}`, `{"a":"\u003cb\u003e"}`, `{ "a":"b"}`, `{"a": "b"}`,
		"{\"a\":\"bad \xff\"}", "{\"a\":\"tab\tin\"}", `{"a":1}`, `{"a":null}`, `{"a":"b",}`, `{"a":"b"`, `{"a""b"}`,
		`{"a":"b"}x`, `{,"a":"b"}`, `{"a":"b""c":"d"}`, `{"a"}`, `{"a":}`, `[]`, `"a"`, `{"a":["b"]}`,
	}
	lists := []string{
		`{"a":["b"]}`, `{"a":["b","c"],"d":[]}`, `{"a":[]}`, `{"a":["b"],"a":["c"]}`, `{"x":["naïve","日本"]}`,
		`{"a":null}`, `{"a":["b",]}`, `{"a":[,"b"]}`, `{"a":["b" ]}`, `{"a":["b"}`, `{"a":["b"]`, `{"a":"b"}`,
		`{"a":["b\\c"]}`, `{"a":["b"],}`, `{"a":[1]}`, `{"a":[null]}`, "{\"a\":[\"\xc3\"]}", `{"a":["b"]]}`,
	}
	for _, s := range strs {
		checkDecMap[string](t, s)
	}
	for _, s := range lists {
		checkDecMap[[]string](t, s)
	}
}

func checkDecMap[V any](t *testing.T, s string) {
	t.Helper()
	got, gotErr := decMap[V](s, "test")
	var want map[string]V
	wantErr := json.Unmarshal([]byte(s), &want)
	if len(want) == 0 {
		want = nil
	}
	if (gotErr != nil) != (wantErr != nil) {
		t.Errorf("%s: error %v, encoding/json %v", s, gotErr, wantErr)
		return
	}
	if wantErr == nil && !reflect.DeepEqual(got, want) {
		t.Errorf("%s: %#v, encoding/json %#v", s, got, want)
	}
}
