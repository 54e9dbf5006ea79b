package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// defaultDB is the embedded default database, created on first start.
const defaultDB = "sqlite://data/casemgr.db"

// envFlags binds flags to CASEMGR_* environment variables: a flag given on
// the command line wins over the environment, which wins over the default.
type envFlags struct {
	fs     *flag.FlagSet
	getenv func(string) string
}

func newFlags(name string, getenv func(string) string, stderr io.Writer) *envFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &envFlags{fs: fs, getenv: getenv}
}

func envName(flagName string) string {
	return "CASEMGR_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (f *envFlags) String(name, def, help string) *string {
	if v := f.getenv(envName(name)); v != "" {
		def = v
	}
	return f.fs.String(name, def, help+" (env "+envName(name)+")")
}

func (f *envFlags) Duration(name string, def time.Duration, help string) (*time.Duration, error) {
	if v := f.getenv(envName(name)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", envName(name), err)
		}
		def = d
	}
	return f.fs.Duration(name, def, help+" (env "+envName(name)+")"), nil
}

func (f *envFlags) Bool(name string, def bool, help string) *bool {
	if v := f.getenv(envName(name)); v != "" {
		def = v == "1" || strings.EqualFold(v, "true") || strings.EqualFold(v, "yes")
	}
	return f.fs.Bool(name, def, help+" (env "+envName(name)+")")
}
