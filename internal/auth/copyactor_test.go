package auth

import (
	"reflect"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// TestKeptActorsShareNothing pins that the copy of a kept actor
// (copyActor, on every cache hit) equals it and shares none of its lists
// or maps, whatever fields User has (a field added to User and not copied
// fails here), that each copied list has no room beyond its length (its
// lists share allocations: an append must not write over the next one),
// and that nil stays nil and empty stays empty.
func TestKeptActorsShareNothing(t *testing.T) {
	fill := func(n int) casemgr.User {
		var u casemgr.User
		v := reflect.ValueOf(&u).Elem()
		for i := range v.NumField() {
			f := v.Field(i)
			switch f.Kind() {
			case reflect.Slice:
				f.Set(reflect.MakeSlice(f.Type(), n, n+3))
				for j := range n {
					setAny(t, f.Index(j), i*10+j)
				}
			case reflect.Map:
				f.Set(reflect.MakeMap(f.Type()))
				for j := range n {
					k, e := reflect.New(f.Type().Key()).Elem(), reflect.New(f.Type().Elem()).Elem()
					setAny(t, k, j)
					setAny(t, e, j)
					f.SetMapIndex(k, e)
				}
			default:
				setAny(t, f, i)
			}
		}
		return u
	}
	for _, n := range []int{0, 1, 3} {
		u := fill(n)
		client := &casemgr.ClientApp{ClientID: "c"}
		a := casemgr.Actor{User: &u, Client: client, Scopes: make([]string, n, n+2)}
		c := copyActor(a)
		if !reflect.DeepEqual(a, c) {
			t.Fatalf("n=%d: copy %+v differs from %+v", n, c, a)
		}
		if c.User == a.User || c.Client == a.Client {
			t.Errorf("n=%d: the copy shares the user or the client", n)
		}
		check := func(name string, orig, cp reflect.Value) {
			switch orig.Kind() {
			case reflect.Slice:
				if n > 0 && orig.Pointer() == cp.Pointer() {
					t.Errorf("n=%d: the copy shares %s", n, name)
				}
				if cp.Cap() != cp.Len() {
					t.Errorf("n=%d: the copy of %s has room for %d more", n, name, cp.Cap()-cp.Len())
				}
			case reflect.Map:
				if orig.Pointer() == cp.Pointer() {
					t.Errorf("n=%d: the copy shares %s", n, name)
				}
			}
		}
		uv, cv := reflect.ValueOf(u), reflect.ValueOf(*c.User)
		for i := range uv.NumField() {
			check("User."+uv.Type().Field(i).Name, uv.Field(i), cv.Field(i))
		}
		check("Scopes", reflect.ValueOf(a.Scopes), reflect.ValueOf(c.Scopes))
	}
	var zero casemgr.User
	if c := copyActor(casemgr.Actor{User: &zero}); !reflect.DeepEqual(*c.User, zero) || c.Scopes != nil {
		t.Errorf("copy of a zero user: %+v, scopes %#v", *c.User, c.Scopes)
	}
}

func setAny(t *testing.T, v reflect.Value, n int) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString(string(rune('a' + n%26)))
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(n + 1))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct, reflect.Pointer, reflect.Interface:
		// Left zero: User has none that a caller could change through
		// the copy.
	default:
		t.Fatalf("a field of kind %s: teach the test", v.Kind())
	}
}
