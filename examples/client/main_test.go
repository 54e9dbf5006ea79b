package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/casemgr/casemgr/fixtures"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/fixture"
	"github.com/casemgr/casemgr/internal/httpapi"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestGeneratedClientDrivesTheDemoWorld runs the example program, built on
// the oapi-codegen client, against a server of the demo world: a token, a
// read, a transfer and a typed error must all come through the generated
// types.
func TestGeneratedClientDrivesTheDemoWorld(t *testing.T) {
	db := storetest.OpenSQLite(t)
	hash := func(s string) (string, error) { return auth.HashSecret(s, bcrypt.MinCost) }
	if err := fixture.Load(context.Background(), db, fixtures.Demo, fixture.LoadOptions{Mode: fixture.LoadIntoEmpty, Hash: hash}); err != nil {
		t.Fatal(err)
	}
	srv := &httpapi.Server{
		Service: &casemgr.Service{Store: db},
		Auth:    auth.New(db),
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	var out bytes.Buffer
	if err := run(context.Background(), ts.URL, &out); err != nil {
		t.Fatalf("%v\noutput so far:\n%s", err, out.String())
	}
	for _, want := range []string{
		"token: Bearer",
		"activity 3025: department 10,",
		"transferred 3025 to department 11",
		"stale transfer refused: 409-101 ",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	t.Logf("example output:\n%s", out.String())
}
