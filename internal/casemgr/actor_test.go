package casemgr

import "testing"

// An actor names itself "user:<ID>", "client:<client ID>" or "anonymous",
// in one allocation: every history entry of a request carries the name.
func TestActorNamesItselfInOneAllocation(t *testing.T) {
	user := Actor{User: &User{ID: 1234567}}
	for _, c := range []struct {
		actor Actor
		want  string
	}{{user, "user:1234567"}, {Actor{User: &User{ID: -5}}, "user:-5"},
		{Actor{Client: &ClientApp{ClientID: "crm-bridge"}}, "client:crm-bridge"}, {Actor{}, "anonymous"}} {
		if got := c.actor.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = user.String() }); n > 1 {
		t.Errorf("%v allocations, want 1", n)
	}
}
