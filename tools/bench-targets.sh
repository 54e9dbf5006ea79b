#!/usr/bin/env bash
# tools/bench-targets.sh — the figures of the performance targets in one
# command (docs/performance.md, "The targets of the performance issue,
# measured"): on fresh 1M worlds of both engines, every operation the
# targets name, closed-loop over HTTP, as its raw SQL transaction and
# open-loop at 50 % of its closed-loop rate; then every operation of
# `bench run` on 10k worlds and on 10M worlds made beforehand;
# then CPU profiles of the server during get-1 (both engines), pick-75
# (PostgreSQL) and search and transfer-75 (SQLite 10M).
#
#   tools/bench-targets.sh OUTDIR
#
# Environment: BIN (a casemgr binary; default: built into OUTDIR), PG (the
# 1M PostgreSQL database, created when missing), PG10K, SQ10M
# (sqlite://PATH of a 10M world), PG10M (a PostgreSQL 10M world), DUR
# (6s), WARM (1s), SIZE (1000000), STEPS (default "s1m pg1m scale prof"),
# SCALE (the operations of the scale step; default every one).
# The 10M steps run only when SQ10M / PG10M are set. About 30 minutes on
# a quiet 2-core machine, without generating the 10M worlds (bench world
# --activities 10000000 --customers 1000000 --cases 3000000).

set -uo pipefail
OUT=$1; mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
if [ -z "${BIN:-}" ]; then BIN=$OUT/casemgr; (cd "$(dirname "$0")/.." && go build -o "$BIN" ./cmd/casemgr); fi
PORT=18080; URL=http://127.0.0.1:$PORT
PG=${PG:-postgres://postgres@127.0.0.1:5432/casemgr_bench?sslmode=disable}
PG10K=${PG10K:-postgres://postgres@127.0.0.1:5432/casemgr_bench10k?sslmode=disable}
DUR=${DUR:-6s}; WARM=${WARM:-1s}
STEPS=${STEPS:-s1m pg1m scale prof}
LOG=$OUT/log.txt
say() { echo "[$(date -u +%H:%M:%S)] $* (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$LOG"; }
SERVER=
start() { "$BIN" serve --db "$1" --addr 127.0.0.1:$PORT --log-level warn --admin-token bench-admin >>"$OUT/server.log" 2>&1 &
  SERVER=$!; for _ in $(seq 1 150); do curl -fs $URL/healthz >/dev/null 2>&1 && return; sleep 0.2; done; say "server did not start"; }
stop() { [ -n "$SERVER" ] && { kill $SERVER; wait $SERVER 2>/dev/null; SERVER=; }; }
trap stop EXIT
sizes() { local c=$(($1*3/10)); [ "$1" -ge 1000000 ] || c=$(($1/5)); echo "--activities $1 --customers $(($1/10)) --cases $c"; }
world() { say "world $1 $2"; "$BIN" bench world --db "$1" $2 --replace >"$OUT/world-$3.txt" 2>"$OUT/world-$3.err"; grep '^time' "$OUT/world-$3.txt" | tee -a "$LOG"; }
run() { local db=$1 name=$2; shift 2; start "$db"; say "run $name $*";
  "$BIN" bench run --db "$db" --url $URL --server-pid $SERVER --duration $DUR --warmup $WARM --json "$@" >"$OUT/$name.json" 2>>"$OUT/$name.err"; say "done $name"; stop; }
# prof DB NAME OP: CPU profile of the server, 8 s, during a closed loop of OP
prof() { local db=$1 name=$2 op=$3; start "$db"; say "profile $name $op";
  "$BIN" bench run --db "$db" --url $URL --duration 14s --warmup 1s --raw=false --ops $op --json >"$OUT/prof-$name.json" 2>>"$OUT/prof-$name.err" &
  local b=$!; sleep ${PSLEEP:-17}  # the healthz phase runs first (15 s)
  curl -s -H "Authorization: Bearer bench-admin" "$URL/debug/pprof/profile?seconds=8" >"$OUT/prof-$name.prof"
  wait $b; stop; go tool pprof -top -cum "$BIN" "$OUT/prof-$name.prof" 2>/dev/null | head -45 >"$OUT/prof-$name.txt"; say "profiled $name"; }
ALL=get-1,create,transfer-1,changecase-1,changecustomer-1,transfer-75,changecase-75,changecustomer-75,transfer-queue-75,pick-75,complete-75
SCALE=${SCALE:-get-1,get-10,search,search-assigned,customer-phone,customer-email,poll,create,transfer-1,transfer-75,changecase-1,changecase-75,changecustomer-1,changecustomer-75,pull,transfer-queue-75,pick-75,complete-75}
for d in casemgr_bench casemgr_bench10k; do psql postgres://postgres@127.0.0.1:5432/postgres -Atc "select 1 from pg_database where datname='$d'" | grep -q 1 || createdb -h 127.0.0.1 -U postgres $d; done
for s in $STEPS; do case $s in
s1m) world sqlite://$OUT/1m.db "$(sizes ${SIZE:-1000000})" s1m; run sqlite://$OUT/1m.db sqlite-1m --ops $ALL --rate 50% ;;
pg1m) world "$PG" "$(sizes ${SIZE:-1000000})" pg1m; run "$PG" pg-1m --ops $ALL --rate 50% ;;
scale) world sqlite://$OUT/10k.db "$(sizes 10000)" s10k
  run sqlite://$OUT/10k.db sqlite-10k --ops $SCALE --raw=false
  [ -n "${SQ10M:-}" ] && { run "$SQ10M" sqlite-10m-first --ops $SCALE --raw=false; run "$SQ10M" sqlite-10m --ops $SCALE --raw=false; }
  if [ -n "${PG10M:-}" ]; then world "$PG10K" "$(sizes 10000)" pg10k
    run "$PG10K" pg-10k --ops $SCALE --raw=false; run "$PG10M" pg-10m-first --ops $SCALE --raw=false; run "$PG10M" pg-10m --ops $SCALE --raw=false; fi ;;
prof) prof sqlite://$OUT/1m.db s1m-get1 get-1; prof "$PG" pg1m-get1 get-1; prof "$PG" pg1m-pick75 pick-75
  [ -n "${SQ10M:-}" ] && { prof "$SQ10M" s10m-search search; prof "$SQ10M" s10m-transfer75 transfer-75; } ;;
esac; done
say "all done"
