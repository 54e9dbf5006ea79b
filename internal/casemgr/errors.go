package casemgr

import (
	"errors"
	"slices"
	"sort"
	"strings"
)

// Error is the one error type of casemgr. Its Code names the cause and
// selects the message in the catalogue; Args fill the message's placeholders; Details
// name the items (activity IDs) that broke which rule in a bulk request.
type Error struct {
	Code    Code
	Args    map[string]string
	Details []Detail
	// Err is the underlying cause of an internal error; it is logged, never
	// shown to the client.
	Err error
}

// Detail is one failing item of a request: the item (an activity ID) and the
// code of the rule it broke.
type Detail struct {
	Key  string
	Code Code
	Args map[string]string
}

// E builds an Error from a code and alternating name/value arguments.
func E(code Code, kv ...string) *Error {
	e := &Error{Code: code}
	if len(kv) > 0 {
		e.Args = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			e.Args[kv[i]] = kv[i+1]
		}
	}
	return e
}

// Internal wraps an unexpected failure as a 500-100 error.
func Internal(err error) *Error { return &Error{Code: CodeInternal, Err: err} }

func (e *Error) Error() string {
	msg := string(e.Code) + " " + e.DeveloperMessage()
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// DeveloperMessage is the English message of the code with its arguments.
func (e *Error) DeveloperMessage() string {
	return Expand(Catalogue[e.Code].Message, e.Args)
}

// Expand fills {name} placeholders of a template from args. A placeholder
// without an argument is left empty rather than shown raw.
func Expand(tmpl string, args map[string]string) string {
	if !strings.Contains(tmpl, "{") {
		return tmpl
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		b.WriteString(args[tmpl[i+1:i+j]])
		tmpl = tmpl[i+j+1:]
	}
}

// AsError returns err as an *Error, wrapping anything else as internal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// IsCode reports whether err is an *Error with the given code.
func IsCode(err error, code Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// Violations collects the rule violations of a bulk request, item by item,
// so that a refusal names every activity and every rule it broke.
type Violations struct {
	list []violation
	// refusal refuses the request as a whole (a missing department, a
	// missing license): it is answered instead of the items' violations.
	refusal error
}

// Refuse records a refusal of the whole request, not of one item; the
// first one recorded is answered.
func (v *Violations) Refuse(err error) {
	if v.refusal == nil {
		v.refusal = err
	}
}

// Any reports whether anything was refused or violated, so that a check can
// stop after a stage of its order.
func (v *Violations) Any() bool { return v.refusal != nil || len(v.list) > 0 }

type violation struct {
	phase int
	seq   int
	d     Detail
}

// Phases order the checks of an operation (docs/api.md, Errors): the actor's permissions
// come before the business rules, and the error answered is of the first
// phase that has violations.
const (
	PhasePermission = 1
	PhaseRule       = 2
)

// Add records that item broke the rule of code.
func (v *Violations) Add(phase int, item string, code Code, kv ...string) {
	d := Detail{Key: item, Code: code}
	if len(kv) > 0 {
		d.Args = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			d.Args[kv[i]] = kv[i+1]
		}
	}
	v.list = append(v.list, violation{phase: phase, seq: len(v.list), d: d})
}

// Err returns nil when nothing was violated. Otherwise it returns an Error
// whose code is the first violation of the earliest phase, whose arguments
// name every item that broke that rule, and whose details list every
// violation of that phase.
func (v *Violations) Err() error {
	if v.refusal != nil {
		return v.refusal
	}
	if len(v.list) == 0 {
		return nil
	}
	list := append([]violation(nil), v.list...)
	sort.SliceStable(list, func(i, j int) bool { return list[i].phase < list[j].phase })
	first := list[0]
	var details []Detail
	var items []string
	for _, x := range list {
		if x.phase != first.phase {
			break
		}
		details = append(details, x.d)
		if x.d.Code == first.d.Code && x.d.Key != "" && !slices.Contains(items, x.d.Key) {
			items = append(items, x.d.Key)
		}
	}
	args := map[string]string{}
	for k, val := range first.d.Args {
		args[k] = val
	}
	if _, ok := args["ids"]; !ok {
		args["ids"] = strings.Join(items, ", ")
	}
	return &Error{Code: first.d.Code, Args: args, Details: details}
}
