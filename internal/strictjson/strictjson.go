// Package strictjson decodes JSON documents that come from outside strictly:
// a key repeated in one object, a string that is not storable text (a NUL,
// invalid UTF-8) and nesting beyond a bound are refused with the JSON path
// of the offending value, where encoding/json would let the last key win and
// replace invalid UTF-8 silently. Request bodies and fixture documents are
// read through it, so both refuse the same things.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Kind says why a document was refused.
type Kind int

const (
	// Syntax: the document is not one well-formed JSON value.
	Syntax Kind = iota
	// Text: a string (a value or a key) is not storable text.
	Text
	// Repeated: a key appears twice in one object.
	Repeated
	// TooDeep: the document nests deeper than allowed.
	TooDeep
)

// Error is a refused document: its kind, the JSON path of the value
// (`activity[0].subject`; empty for the document itself) and, for Text, the
// offending string.
type Error struct {
	Kind   Kind
	Path   string
	Value  string
	Reason string
}

func (e *Error) Error() string {
	switch e.Kind {
	case Text:
		return fmt.Sprintf("%s: not valid text (a NUL or invalid UTF-8)", e.where())
	case Repeated:
		return fmt.Sprintf("%s: the key is repeated", e.where())
	case TooDeep:
		return fmt.Sprintf("%s: nested too deeply", e.where())
	}
	return e.Reason
}

func (e *Error) where() string {
	if e.Path == "" {
		return "the document"
	}
	return casemgr.Printable(e.Path)
}

// Decode decodes one JSON value into a tree: objects are map[string]any,
// lists []any, strings string, numbers their literal text (string), and
// true, false and null as bool and nil. It nests at most maxDepth levels.
// Any refusal is an *Error.
func Decode(data []byte, maxDepth int) (any, error) {
	d := &decoder{dec: json.NewDecoder(bytes.NewReader(data)), data: data, maxDepth: maxDepth}
	d.dec.UseNumber()
	v, err := d.value("", 0)
	if err != nil {
		return nil, err
	}
	if _, err := d.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &Error{Kind: Syntax, Reason: "unexpected data after the JSON value"}
	}
	return v, nil
}

type decoder struct {
	dec      *json.Decoder
	data     []byte
	maxDepth int
	// raw is the input the last token was read from (with the separators
	// before it), to see a string's bytes before they were decoded.
	raw []byte
}

func (d *decoder) token() (json.Token, error) {
	start := d.dec.InputOffset()
	tok, err := d.dec.Token()
	if err != nil {
		return nil, &Error{Kind: Syntax, Reason: reason(err)}
	}
	d.raw = d.data[start:d.dec.InputOffset()]
	return tok, nil
}

// text checks the string token just read: the decoder replaces invalid
// UTF-8 with U+FFFD, so the raw bytes are checked, and a NUL is refused.
func (d *decoder) text(path, s string) error {
	validRaw := utf8.Valid(d.raw)
	if validRaw && casemgr.StorableText(s) {
		return nil
	}
	if !validRaw {
		s = string(bytes.Trim(bytes.TrimLeft(d.raw, " \t\r\n,:"), `"`))
	}
	return &Error{Kind: Text, Path: path, Value: s}
}

func (d *decoder) value(path string, depth int) (any, error) {
	if depth > d.maxDepth {
		return nil, &Error{Kind: TooDeep, Path: path}
	}
	tok, err := d.token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return d.object(path, depth)
		}
		// The decoder reports a closing delimiter where a value belongs as
		// a syntax error itself, so this is an opening '['.
		return d.list(path, depth)
	case json.Number:
		return t.String(), nil
	case string:
		if err := d.text(path, t); err != nil {
			return nil, err
		}
		return t, nil
	}
	return tok, nil // bool or nil
}

func (d *decoder) object(path string, depth int) (any, error) {
	m := map[string]any{}
	for d.dec.More() {
		tok, err := d.token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string) // the decoder guarantees a string key
		sub := key
		if path != "" {
			sub = path + "." + key
		}
		if err := d.text(sub, key); err != nil {
			return nil, err
		}
		if _, dup := m[key]; dup {
			return nil, &Error{Kind: Repeated, Path: sub}
		}
		v, err := d.value(sub, depth+1)
		if err != nil {
			return nil, err
		}
		m[key] = v
	}
	if _, err := d.token(); err != nil { // '}'
		return nil, err
	}
	return m, nil
}

func (d *decoder) list(path string, depth int) (any, error) {
	l := []any{}
	for d.dec.More() {
		v, err := d.value(fmt.Sprintf("%s[%d]", path, len(l)), depth+1)
		if err != nil {
			return nil, err
		}
		l = append(l, v)
	}
	if _, err := d.token(); err != nil { // ']'
		return nil, err
	}
	return l, nil
}

func reason(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at offset %d: %v", se.Offset, se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the JSON document ends too early"
	}
	return "invalid JSON: " + err.Error()
}
