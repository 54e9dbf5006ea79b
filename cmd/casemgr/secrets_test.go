package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/store/storetest"
)

// secretEnv is an environment full of secrets, as an operator's would be.
var secretEnv = map[string]string{
	"CASEMGR_ADMIN_TOKEN": "admin-token-S3CRET",
	"CASEMGR_DB":          "postgres://casemgr:db-password-S3CRET@127.0.0.1:1/casemgr?password=query-password-S3CRET&sslmode=disable",
	"CASEMGR_ADDR":        "127.0.0.9:1234",
	"CASEMGR_SEED":        "/secret/path/S3CRET.json",
}

// helpCommands are the commands with flags.
var helpCommands = [][]string{{"serve"}, {"migrate"}, {"seed"}, {"export"}, {"bench", "world"}, {"bench", "run"}, {"bench", "raw"}}

// Every command's -h (and --help) prints its help to stdout and succeeds;
// the help names every flag with its environment variable and its
// compiled-in default, and shows no value of the environment.
func TestHelpShowsEveryFlagAndNoEnvironmentValue(t *testing.T) {
	for _, cmd := range helpCommands {
		for _, h := range []string{"-h", "--help"} {
			name := strings.Join(cmd, " ")
			var out, errOut bytes.Buffer
			if err := run(context.Background(), append(append([]string{}, cmd...), h), env(secretEnv), &out, &errOut); err != nil {
				t.Errorf("casemgr %s %s: %v", name, h, err)
			}
			help := out.String()
			if !strings.HasPrefix(help, "Usage: casemgr "+name) {
				t.Errorf("casemgr %s %s printed %q", name, h, help)
			}
			if all := help + errOut.String(); strings.Contains(all, "S3CRET") || strings.Contains(all, "127.0.0.9") {
				t.Errorf("casemgr %s %s shows an environment value:\n%s", name, h, all)
			}
			lines := strings.Split(help, "\n")
			flags := 0
			for i, line := range lines {
				if !strings.HasPrefix(line, "  --") {
					continue
				}
				flags++
				if i+1 >= len(lines) || !(strings.Contains(lines[i+1], "(env CASEMGR_") || strings.Contains(lines[i+1], "(command line only")) {
					t.Errorf("casemgr %s help: flag %q without its environment variable", name, line)
				}
			}
			if flags == 0 {
				t.Errorf("casemgr %s help names no flag:\n%s", name, help)
			}
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"serve", "-h"}, env(secretEnv), &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"--admin-token string\n", "env CASEMGR_ADMIN_TOKEN)",
		"env CASEMGR_ADDR; default 127.0.0.1:8080)", "env CASEMGR_DB; default sqlite://data/casemgr.db)",
		"env CASEMGR_TOKEN_TTL; default 1h0m0s)", "--demo\n", "env CASEMGR_DEMO)", "--tls-cert", "--cors-origins",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("serve -h lacks %q:\n%s", want, out.String())
		}
	}
}

// The real binary: `-h` of every command exits 0 and prints no secret of
// the environment.
func TestHelpOfTheBinaryExitsZero(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := casemgrBinary(t)
	for _, cmd := range append(helpCommands, []string{"help"}, []string{"-h"}) {
		c := exec.Command(bin, append(append([]string{}, cmd...), "-h")...)
		c.Env = os.Environ()
		for k, v := range secretEnv {
			c.Env = append(c.Env, k+"="+v)
		}
		out, err := c.CombinedOutput()
		if err != nil {
			t.Errorf("casemgr %s -h: %v\n%s", strings.Join(cmd, " "), err, out)
		}
		if strings.Contains(string(out), "S3CRET") {
			t.Errorf("casemgr %s -h shows a secret of the environment:\n%s", strings.Join(cmd, " "), out)
		}
	}
}

// The environment fills the flags not given on the command line; a flag
// given wins; a bad value names the variable, not the value.
func TestEnvironmentFillsTheFlagsNotGiven(t *testing.T) {
	getenv := env(map[string]string{"CASEMGR_A": "from-env", "CASEMGR_B": "from-env", "CASEMGR_D": "2m", "CASEMGR_ON": "yes"})
	f := newFlags("x", "", "", getenv, &bytes.Buffer{})
	a := f.String("a", "default", "")
	b := f.String("b", "default", "")
	c := f.String("c", "default", "")
	d := f.Duration("d", time.Second, "")
	on := f.Bool("on", false, "")
	only := f.fs.String("only", "default", "")
	f.envAs("only", "CASEMGR_A")
	delete(f.env, "only") // and back to command line only
	if err := f.Parse([]string{"--a", "from-flag"}); err != nil {
		t.Fatal(err)
	}
	if *a != "from-flag" || *b != "from-env" || *c != "default" || *d != 2*time.Minute || !*on || *only != "default" {
		t.Errorf("a=%q b=%q c=%q d=%v on=%v only=%q", *a, *b, *c, *d, *on, *only)
	}
	f = newFlags("x", "", "", env(map[string]string{"CASEMGR_D": "S3CRET"}), &bytes.Buffer{})
	f.Duration("d", time.Second, "")
	err := f.Parse(nil)
	if err == nil || !strings.Contains(err.Error(), "CASEMGR_D") || strings.Contains(err.Error(), "S3CRET") {
		t.Errorf("a bad environment value: %v", err)
	}
}

func TestRedactHidesDatabasePasswords(t *testing.T) {
	for in, want := range map[string]string{
		"sqlite://data/casemgr.db":                        "sqlite://data/casemgr.db",
		"postgres://casemgr@db:5432/x?sslmode=disable":    "postgres://casemgr@db:5432/x?sslmode=disable",
		"postgres://casemgr:pw@db:5432/x":                 "postgres://casemgr:xxxxx@db:5432/x",
		"postgres://casemgr@db/x?password=pw&sslmode=off": "postgres://casemgr@db/x?password=xxxxx&sslmode=off",
		"postgresql://u:p%40ss@db/x?sslpassword=k":        "postgresql://u:xxxxx@db/x?sslpassword=xxxxx",
		"postgres://u:pw@db:port/x":                       "postgres://xxxxx",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// A database URL with a password is never printed or logged with it: not by
// migrate, seed, serve or bench, whether they succeed or fail.
func TestDatabasePasswordIsNeverPrintedOrLogged(t *testing.T) {
	const pw1, pw2 = "userinfo-S3CRET", "query-S3CRET"
	dir := t.TempDir()
	doc := filepath.Join(dir, "world.json")
	if err := os.WriteFile(doc, []byte(`{"departments": [{"id": "10", "name": "Service"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, what string, err error, out ...string) {
		t.Helper()
		all := strings.Join(out, "")
		if err != nil {
			all += err.Error()
		}
		if strings.Contains(all, "S3CRET") {
			t.Errorf("%s printed a database password:\n%s", what, all)
		}
	}
	unreachable := "postgres://casemgr:" + pw1 + "@127.0.0.1:1/casemgr?sslmode=disable&connect_timeout=2&password=" + pw2
	for _, cmd := range [][]string{
		{"migrate", "--db", unreachable},
		{"seed", "--db", unreachable, doc},
		{"export", "--db", unreachable},
		{"serve", "--db", unreachable, "--addr", "127.0.0.1:0"},
		{"bench", "world", "--db", unreachable, "--activities", "10"},
		{"bench", "raw", "--db", unreachable, "--duration", "1s"},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), cmd, env(nil), &out, &errOut)
		if err == nil {
			t.Errorf("%s on an unreachable database succeeded", cmd[0])
		}
		check(t, strings.Join(cmd[:2], " ")+" (unreachable)", err, out.String(), errOut.String())
	}

	// On a real PostgreSQL (its local trust authentication ignores the
	// password).
	base := storetest.PostgresSchema(t)
	withPW := strings.Replace(base, "postgres://postgres@", "postgres://postgres:"+pw1+"@", 1) + "&password=" + pw2
	if withPW == base+"&password="+pw2 {
		t.Fatalf("cannot put a password into %s", base)
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"migrate", "--db", withPW}, env(nil), &out, &errOut)
	if err != nil || !strings.Contains(out.String(), "xxxxx") {
		t.Fatalf("migrate: %v %s", err, out.String())
	}
	check(t, "migrate", err, out.String(), errOut.String())
	out.Reset()
	err = run(context.Background(), []string{"seed", "--db", withPW, doc}, env(nil), &out, &errOut)
	check(t, "seed", err, out.String(), errOut.String())
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	_, stop, logs := serveUntilReady(t, []string{"--log-level", "debug"}, map[string]string{"CASEMGR_DB": withPW})
	stop()
	if !strings.Contains(logs.String(), "postgres:xxxxx@") {
		t.Errorf("serve did not log the redacted database URL:\n%s", logs)
	}
	check(t, "serve", nil, logs.String())
}

func TestVersionFallsBackToTheBuildInfo(t *testing.T) {
	for _, c := range []struct {
		bi   debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}, "dev-0123456789ab+modified"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
	} {
		if got := buildVersion(&c.bi); got != c.want {
			t.Errorf("buildVersion(%+v) = %q, want %q", c.bi.Main, got, c.want)
		}
	}
	old := version
	version = "v9.9.9"
	defer func() { version = old }()
	if got := versionString(); got != "v9.9.9" {
		t.Errorf("a version set at build time: %q", got)
	}
}
