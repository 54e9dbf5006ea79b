// Package bench measures casemgr: it generates large, consistent worlds
// straight into a database (World, Generate, LoadWorld), drives a running
// server over HTTP with concurrent clients (Run), executes each operation's
// own SQL transaction directly against the database as its ceiling (the raw
// transactions, RunRaw), and reports throughput, latency percentiles,
// errors and the ratio of each operation to its ceiling.
//
// The command line is `casemgr bench world|run|raw` (cmd/casemgr/bench.go);
// docs/performance.md has the figures measured with it and the commands
// that reproduce them.
//
// The SQL of the bulk loader and of the raw transactions is written against
// the schema of internal/store/sqlstore/migrations; the tests of this
// package load a small generated world both through the fixture loader and
// through the bulk loader, on both engines, and compare what the store reads
// back, so a schema change that the bench misses fails the tests.
package bench
