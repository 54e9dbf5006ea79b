#!/usr/bin/env bash
# tools/cpu-split.sh — where one operation's CPU goes on this machine
# (docs/performance.md, "The targets measured a fourth time"): the CPU
# used by the server, by PostgreSQL's processes and by the load generator,
# in cores and per request, over 8 s of a closed loop of OP with 32
# clients. Linux only (it reads /proc/PID/stat).
#
#   tools/cpu-split.sh DB OP
#
# DB is a world made with `casemgr bench world` (sqlite://PATH or a
# postgres:// URL); OP an operation of `bench run` (get-1, pick-75, ...).
# Environment: BIN (a casemgr binary; default: built into a temporary
# folder), PORT (18080).

set -euo pipefail
DB=$1; OP=$2
PORT=${PORT:-18080}; URL=http://127.0.0.1:$PORT
TMP=$(mktemp -d); trap 'kill "${SERVER:-}" 2>/dev/null || true; rm -rf "$TMP"' EXIT
if [ -z "${BIN:-}" ]; then BIN=$TMP/casemgr; (cd "$(dirname "$0")/.." && go build -o "$BIN" ./cmd/casemgr); fi
"$BIN" serve --db "$DB" --addr 127.0.0.1:$PORT --log-level warn >"$TMP/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 150); do curl -fs $URL/healthz >/dev/null 2>&1 && break; sleep 0.2; done
# The run: healthz for 12 s, 1 s of warm-up, then OP for 12 s; the CPU is
# read over 8 s from 2 s after OP's phase begins (the run says so on its
# standard error).
"$BIN" bench run --db "$DB" --url $URL --duration 12s --warmup 1s --raw=false --ops "$OP" --json >"$TMP/run.json" 2>"$TMP/run.err" &
BENCH=$!
# snap FILE: "pid ticks" (1/100 s of user and system CPU) of the server,
# the load generator and every PostgreSQL process
snap() { for p in $SERVER $BENCH $(pgrep -x postgres || true); do
  [ -r /proc/$p/stat ] && echo "$p $(sed 's/.*) //' /proc/$p/stat | awk '{print $12 + $13}')"; done >"$1" 2>/dev/null || true; }
for _ in $(seq 1 600); do grep -q "http $OP:" "$TMP/run.err" 2>/dev/null && break; sleep 0.1; done
sleep 2
snap "$TMP/before"; sleep 8; snap "$TMP/after"
wait $BENCH
python3 - "$TMP/run.json" "$TMP/before" "$TMP/after" "$SERVER" "$BENCH" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
o = d["ops"][0]
rate = o["http"]["requestsPerSecond"]
read = lambda f: {int(p): float(t) for p, t in (l.split() for l in open(f) if l.strip())}
before, after = read(sys.argv[2]), read(sys.argv[3])
server, bench = int(sys.argv[4]), int(sys.argv[5])
# a process that began during the window counts from zero; one that ended
# during it is left out
delta = {p: t - before.get(p, 0) for p, t in after.items()}
parts = (("server", delta.get(server, 0)), ("load generator", delta.get(bench, 0)),
         ("postgres", sum(v for p, v in delta.items() if p not in (server, bench))))
print("%s on %s: %.0f req/s" % (o["op"], d["engine"], rate))
for name, t in parts:
    cores = t / 100 / 8
    print("  %-15s %.2f cores, %6.0f µs per request" % (name, cores, cores * 1e6 / rate if rate else 0))
EOF2
