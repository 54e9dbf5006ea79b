package httpapi

import (
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestFixtureSecretOver72BytesRefusedNamingItsPath pins that a fixture
// password or client secret longer than bcrypt hashes (72 bytes) is a 400
// (400-301) naming its JSON path, not a 500, on both engines; the world
// stays as it was.
func TestFixtureSecretOver72BytesRefusedNamingItsPath(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		world := string(baseWorld(t))
		long := strings.Repeat("p", 73)
		for path, doc := range map[string]string{
			"users[0].password":                  strings.Replace(world, `"password": "pw-jenny"`, `"password": "`+long+`"`, 1),
			"clientApplications[0].clientSecret": strings.Replace(world, `"clientSecret": "bridge-secret"`, `"clientSecret": "`+long+`"`, 1),
		} {
			if doc == world {
				t.Fatalf("%s: the long secret was not written into the document", path)
			}
			res := h.refused(400, "400-301", "PUT", "/admin/v1/fixtures", adminToken, doc)
			if !strings.Contains(string(res.Body), path) {
				t.Errorf("the error does not name %s: %s", path, res.Body)
			}
			if strings.Contains(string(res.Body), long) {
				t.Errorf("the error shows the secret: %s", res.Body)
			}
		}
		// 72 bytes exactly is hashed and loaded; the user logs in with it.
		exact := strings.Repeat("p", 72)
		doc := strings.Replace(world, `"password": "pw-jenny"`, `"password": "`+exact+`"`, 1)
		h.do("PUT", "/admin/v1/fixtures", adminToken, doc).expect(t, 204, "")
		h.grant(map[string][]string{"grant_type": {"password"}, "username": {"jenny"}, "password": {exact}})
	})
}
