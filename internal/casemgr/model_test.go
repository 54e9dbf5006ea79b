package casemgr

import (
	"reflect"
	"testing"
)

// fullUser returns a User whose every field is set: each slice holds one
// element and each map one entry. A field of a kind it cannot fill fails the
// test, so that a new kind of field gets a decision about copying it.
func fullUser(t *testing.T) User {
	t.Helper()
	var u User
	v := reflect.ValueOf(&u).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
			setScalar(t, name, f.Index(0))
		case reflect.Map:
			f.Set(reflect.MakeMap(f.Type()))
			k, e := reflect.New(f.Type().Key()).Elem(), reflect.New(f.Type().Elem()).Elem()
			setScalar(t, name, k)
			setScalar(t, name, e)
			f.SetMapIndex(k, e)
		default:
			setScalar(t, name, f)
		}
	}
	return u
}

func setScalar(t *testing.T, field string, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int64:
		v.SetInt(7)
	case reflect.Bool:
		v.SetBool(true)
	default:
		t.Fatalf("User.%s holds a %s: teach User.Clone and this test about it", field, v.Kind())
	}
}

// TestUserCloneSharesNothing: a clone of a fully populated User equals it
// and shares none of its slices or maps, so that a field added to User and
// not copied by Clone fails here.
func TestUserCloneSharesNothing(t *testing.T) {
	u := fullUser(t)
	c := u.Clone()
	if !reflect.DeepEqual(u, c) {
		t.Fatalf("clone %+v differs from %+v", c, u)
	}
	uv, cv := reflect.ValueOf(u), reflect.ValueOf(c)
	for i := range uv.NumField() {
		name := uv.Type().Field(i).Name
		switch uv.Field(i).Kind() {
		case reflect.Slice, reflect.Map:
			if uv.Field(i).Pointer() == cv.Field(i).Pointer() {
				t.Errorf("User.Clone shares User.%s with the original", name)
			}
		}
	}
}

// TestUserCloneKeepsNilAndEmpty: Clone keeps a nil slice or map nil and an
// empty one empty (not nil), as the stores hand them out.
func TestUserCloneKeepsNilAndEmpty(t *testing.T) {
	var zero User
	if c := zero.Clone(); !reflect.DeepEqual(c, zero) {
		t.Fatalf("clone of the zero User is %+v", c)
	}
	var empty User
	v := reflect.ValueOf(&empty).Elem()
	for i := range v.NumField() {
		switch f := v.Field(i); f.Kind() {
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 0, 0))
		case reflect.Map:
			f.Set(reflect.MakeMap(f.Type()))
		}
	}
	c := reflect.ValueOf(empty.Clone())
	for i := range c.NumField() {
		switch f := c.Field(i); f.Kind() {
		case reflect.Slice, reflect.Map:
			if f.IsNil() || f.Len() != 0 {
				t.Errorf("clone of an empty User.%s is nil or not empty", c.Type().Field(i).Name)
			}
		}
	}
}
