package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"sort"
	"strings"
	"time"
)

// defaultDB is the embedded default database, created on first start.
const defaultDB = "sqlite://data/casemgr.db"

// envFlags binds flags to CASEMGR_* environment variables: a flag given on
// the command line wins over the environment, which wins over the compiled-in
// default. The environment is applied after parsing, never as a flag's
// default, so help shows the real defaults and never an environment value
// (an admin token, a database password).
type envFlags struct {
	cmd      string // "serve", "bench world"
	synopsis string // the arguments after the command
	about    string // what the command does, for its help
	fs       *flag.FlagSet
	getenv   func(string) string
	stdout   io.Writer
	env      map[string]string // flag name -> environment variable; absent: command line only
}

func newFlags(cmd, synopsis, about string, getenv func(string) string, stdout io.Writer) *envFlags {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	// Parse's own messages are returned as errors, and help goes to stdout.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &envFlags{cmd: cmd, synopsis: synopsis, about: about, fs: fs, getenv: getenv, stdout: stdout, env: map[string]string{}}
}

func envName(flagName string) string {
	return "CASEMGR_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// String defines a string flag read from CASEMGR_<NAME> too.
func (f *envFlags) String(name, def, help string) *string {
	f.env[name] = envName(name)
	return f.fs.String(name, def, help)
}

// Duration defines a duration flag read from CASEMGR_<NAME> too.
func (f *envFlags) Duration(name string, def time.Duration, help string) *time.Duration {
	f.env[name] = envName(name)
	return f.fs.Duration(name, def, help)
}

// Bool defines a boolean flag read from CASEMGR_<NAME> too (1, true, yes).
func (f *envFlags) Bool(name string, def bool, help string) *bool {
	f.env[name] = envName(name)
	return f.fs.Bool(name, def, help)
}

// Int defines an integer flag read from CASEMGR_<NAME> too.
func (f *envFlags) Int(name string, def int, help string) *int {
	f.env[name] = envName(name)
	return f.fs.Int(name, def, help)
}

// envAs reads a flag from the environment variable env instead of the one
// named after the flag (whose name another command uses for another thing).
func (f *envFlags) envAs(name, env string) { f.env[name] = env }

// given tells whether the flag was given, on the command line or in the
// environment (after Parse).
func (f *envFlags) given(name string) bool {
	found := false
	f.fs.Visit(func(fl *flag.Flag) { found = found || fl.Name == name })
	return found
}

// Parse parses the command line, then applies the environment to every flag
// not given on it. After -h or --help it prints the help to stdout and
// returns flag.ErrHelp, which run treats as success.
func (f *envFlags) Parse(args []string) error {
	err := f.fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		f.help(f.stdout)
		return flag.ErrHelp
	}
	if err != nil {
		return fmt.Errorf("%s: %w (run 'casemgr %s -h' for the flags)", f.cmd, err, f.cmd)
	}
	given := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	names := make([]string, 0, len(f.env))
	for name := range f.env {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if given[name] {
			continue
		}
		v := f.getenv(f.env[name])
		if v == "" {
			continue
		}
		if fl := f.fs.Lookup(name); fl != nil {
			if _, isBool := fl.Value.(interface{ IsBoolFlag() bool }); isBool {
				v = boolWord(v)
			}
		}
		if err := f.fs.Set(name, v); err != nil {
			// The value is not repeated: it may be a secret.
			return fmt.Errorf("%s: not a valid value for --%s", f.env[name], name)
		}
	}
	return nil
}

// boolWord reads the environment's ways of saying yes.
func boolWord(v string) string {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return "true"
	}
	return "false"
}

// help prints the command's usage: every flag with its environment variable
// and its compiled-in default.
func (f *envFlags) help(w io.Writer) {
	fmt.Fprintf(w, "Usage: casemgr %s %s\n\n", f.cmd, f.synopsis)
	if f.about != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(f.about))
	}
	fmt.Fprintln(w, "Flags (a flag on the command line wins over its environment variable):")
	f.fs.VisitAll(func(fl *flag.Flag) {
		typ, usage := flag.UnquoteUsage(fl)
		if typ != "" {
			typ = " " + typ
		}
		var notes []string
		if env, ok := f.env[fl.Name]; ok {
			notes = append(notes, "env "+env)
		} else {
			notes = append(notes, "command line only")
		}
		if fl.DefValue != "" && fl.DefValue != "false" && fl.DefValue != "0s" {
			notes = append(notes, "default "+fl.DefValue)
		}
		fmt.Fprintf(w, "  --%s%s\n      %s (%s)\n", fl.Name, typ, usage, strings.Join(notes, "; "))
	})
}

// redacted is what a secret of a database URL is printed as.
const redacted = "xxxxx"

// redact hides the secrets of a database URL (the password of its user
// information, and query parameters such as password= or sslpassword=) for
// output and logs.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// Too broken to find its parts: show only the scheme.
		if scheme, _, ok := strings.Cut(raw, "://"); ok {
			return scheme + "://" + redacted
		}
		return redacted
	}
	changed := false
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), redacted)
		changed = true
	}
	q := u.Query()
	for k := range q {
		if secretParam(k) {
			q[k] = []string{redacted}
			changed = true
		}
	}
	if !changed {
		return raw
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func secretParam(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "password") || strings.Contains(n, "secret") || strings.Contains(n, "token")
}

// secretsOf lists the secrets of a database URL as they may appear in a
// driver's error message: raw and unescaped.
func secretsOf(raw string) []string {
	var list []string
	add := func(s string) {
		if len(s) >= 3 { // shorter would hide ordinary words
			list = append(list, s)
			if e := url.QueryEscape(s); e != s {
				list = append(list, e)
			}
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	if p, has := u.User.Password(); has {
		add(p)
	}
	for k, vs := range u.Query() {
		if secretParam(k) {
			for _, v := range vs {
				add(v)
			}
		}
	}
	return list
}

// scrub removes the secrets of a database URL from an error (a driver may
// quote the connection string), keeping it when it holds none.
func scrub(err error, dbURL string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := msg
	for _, s := range secretsOf(dbURL) {
		clean = strings.ReplaceAll(clean, s, redacted)
	}
	if clean == msg {
		return err
	}
	return errors.New(clean)
}

// publicBase is the base URL the authentication metadata derives its URLs
// from: --public-url when given (an http or https URL of a host, without
// path, query or credentials), else http:// and the listen address, with
// a wildcard host named localhost.
func publicBase(flagValue, addr string) (string, error) {
	if flagValue == "" {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return "", fmt.Errorf("--addr %q: %w", addr, err)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		return "http://" + net.JoinHostPort(host, port), nil
	}
	u, err := url.Parse(flagValue)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("--public-url %q must be an http or https URL of a host, such as https://cm.example", flagValue)
	}
	return strings.TrimRight(flagValue, "/"), nil
}
