package sqlstore_test

import (
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// A token and its session read in one read transaction (the session comes
// with the token's query) are what separate reads give, and a revocation is
// seen by the next transaction.
func TestTokenThenSessionInOneRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		now := casemgr.Millis(time.Now())
		if err := db.Write(t.Context(), func(tx casemgr.Tx) error {
			if err := tx.InsertSession(&casemgr.Session{ID: "s1", User: 7, ClientID: "c", Created: now, Expires: now.Add(time.Hour)}); err != nil {
				return err
			}
			if err := tx.InsertToken(&casemgr.Token{Hash: "h1", Session: "s1", Kind: "access", Expires: now.Add(time.Hour)}); err != nil {
				return err
			}
			return tx.InsertToken(&casemgr.Token{Hash: "orphan", Session: "gone", Kind: "access", Expires: now.Add(time.Hour)})
		}); err != nil {
			t.Fatal(err)
		}
		read := func() (tok *casemgr.Token, s, orphan *casemgr.Session) {
			if err := db.Read(t.Context(), func(tx casemgr.Tx) (err error) {
				if tok, err = tx.Token("h1"); err != nil {
					return err
				}
				if s, err = tx.Session(tok.Session); err != nil {
					return err
				}
				o, err := tx.Token("orphan")
				if err != nil {
					return err
				}
				orphan, err = tx.Session(o.Session)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return tok, s, orphan
		}
		tok, s, orphan := read()
		if tok.Kind != "access" || !tok.Expires.Equal(now.Add(time.Hour)) || s == nil || s.User != 7 || s.ClientID != "c" ||
			!s.Created.Equal(now) || s.Revoked != nil {
			t.Errorf("token %+v, session %+v", tok, s)
		}
		if orphan != nil {
			t.Errorf("the session of a token without one: %+v", orphan)
		}
		if err := db.Write(t.Context(), func(tx casemgr.Tx) error { return tx.RevokeSession("s1", now) }); err != nil {
			t.Fatal(err)
		}
		if _, s, _ := read(); s == nil || s.Revoked == nil || !s.Revoked.Equal(now) {
			t.Errorf("after the revocation: %+v", s)
		}
	})
}
