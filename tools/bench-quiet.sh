#!/usr/bin/env bash
# tools/bench-quiet.sh — the figures of a quiet machine in one command
# (docs/performance.md, "Reproduce"): one run of every operation the open
# issues ask figures for, and the ratios they ask for.
#
#   1. SQLite 1M and PostgreSQL 1M worlds: healthz, get-1, customer-phone,
#      customer-email, poll, transfer-queue-75, pick-75, complete-75 and pull
#      (32 clients), each over HTTP and as its raw SQL transaction.
#      Ratios: every 75-activity operation ÷ its raw transaction;
#      customer-phone, customer-email and poll ÷ get-1; get-1 ÷ healthz.
#   2. SQLite 10k and 10M worlds: get-1, search, transfer-75 and create over
#      HTTP, with the server's memory sampled. Ratios: 10M ÷ 10k for each;
#      the server's RSS (max sampled, VmHWM) at 10M.
#
# Every world is generated fresh (bench world --replace), so the figures of
# two campaigns compare; the generation times are printed too. On a quiet
# 2-core machine the runs take about 7 minutes and the worlds 7 to 12, most
# of it the 10M world (4.4 GiB of SQLite file, 9 GB of disk while it loads:
# check `df -h` first); BIG_DB reuses a 10M world generated beforehand.
#
# Settings (environment):
#   OUT        directory for the worlds, the JSON reports and the logs
#              (default bench/quiet-<UTC time>; the worlds are removed at
#              the end unless KEEP=1)
#   PG         PostgreSQL URL of the 1M world's database
#              (default postgres://postgres@127.0.0.1:5432/casemgr_bench?sslmode=disable;
#              created with createdb when missing; PG= skips PostgreSQL)
#   DUR        measured length of each phase (default 8s); WARMUP (1s)
#   CLIENTS    concurrent clients (default 32)
#   SIZE       activities of the "1M" worlds (default 1000000; customers
#              a tenth, cases 3/10, as bench world's defaults)
#   BIG        activities of the "10M" world (default 10000000; BIG=0 skips it)
#   SMALL      activities of the "10k" world (default 10000)
#   BIG_DB     an existing 10M world to use instead of generating one
#              (sqlite://PATH; it is then not regenerated nor removed)
#   PG_BIG_DB  an existing PostgreSQL 10M world (made by bench world, in a
#              database of its own) to measure too: then the PG database
#              is regenerated as a 10k world after its 1M run, and get-1,
#              search, transfer-75 and create run on both (adds about 4
#              minutes); unset, PostgreSQL is measured at 1M only
#   PORT       port of the server (default 18080)
#
# A trial on a tiny world, to check the script (figures mean nothing):
#   SIZE=10000 BIG=20000 DUR=2s WARMUP=0s tools/bench-quiet.sh
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=${OUT:-bench/quiet-$(date -u +%Y%m%dT%H%M%SZ)}
PG=${PG-postgres://postgres@127.0.0.1:5432/casemgr_bench?sslmode=disable}
DUR=${DUR:-8s}
WARMUP=${WARMUP:-1s}
CLIENTS=${CLIENTS:-32}
SIZE=${SIZE:-1000000}
BIG=${BIG:-10000000}
SMALL=${SMALL:-10000}
PORT=${PORT:-18080}
URL=http://127.0.0.1:$PORT
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
BIN=$OUT/casemgr
LOG=$OUT/log.txt
START=$(date +%s)

say() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$LOG"; }
load() { say "load average: $(cut -d' ' -f1-3 /proc/loadavg)"; }

# sizes prints the bench world flags of a world of $1 activities: a tenth
# as many customers, 3/10 as many cases (bench world's defaults at 1M); a
# fifth below 1M, so that a 10k world has room for the 96 bulk cases.
sizes() {
	local cases=$(($1 * 3 / 10))
	[ "$1" -ge 1000000 ] || cases=$(($1 / 5))
	echo "--activities $1 --customers $(($1 / 10)) --cases $cases"
}

# world generates a world of $2 activities into database $1, timing it.
world() {
	say "bench world $1, $2 activities"
	local out
	# shellcheck disable=SC2046 # sizes is a list of flags
	out=$("$BIN" bench world --db "$1" $(sizes "$2") --replace 2>"$OUT/world.err") || {
		cat "$OUT/world.err" >&2
		exit 1
	}
	echo "$out" >>"$LOG"
	say "  $(echo "$out" | grep '^time:')"
	case $1 in sqlite://*) say "  file size: $(du -h "${1#sqlite://}" | cut -f1)" ;; esac
}

SERVER=
stop_server() {
	if [ -n "$SERVER" ]; then
		kill "$SERVER" 2>/dev/null || true
		wait "$SERVER" 2>/dev/null || true
		SERVER=
	fi
}
trap stop_server EXIT

# run measures operations $3 on database $1 over HTTP, writing report $2
# (JSON); further arguments go to bench run.
run() {
	local db=$1 report=$2 ops=$3
	shift 3
	"$BIN" serve --db "$db" --addr "127.0.0.1:$PORT" --log-level warn >>"$OUT/server.log" 2>&1 &
	SERVER=$!
	for _ in $(seq 1 100); do
		curl -fs "$URL/healthz" >/dev/null 2>&1 && break
		sleep 0.2
	done
	say "bench run on $db: $ops"
	load
	"$BIN" bench run --db "$db" --url "$URL" --server-pid "$SERVER" --clients "$CLIENTS" \
		--duration "$DUR" --warmup "$WARMUP" --ops "$ops" --json "$@" >"$OUT/$report.json" 2>>"$LOG"
	load
	stop_server
}

# rates prints the HTTP and raw rates and the ratios of report $1.
rates() {
	jq -r '"  healthz \(.healthz.requestsPerSecond | floor) req/s", (.ops[] |
		"  \(.op): \(.http.requestsPerSecond // 0 | floor) req/s, p99 \(.http.p99Ms // 0) ms" +
		(if .raw then "; raw \(.raw.requestsPerSecond | floor) req/s, ÷ raw \(.rawRatio // 0 | . * 100 | round / 100)" else "" end) +
		(if ((.http.errors // {}) + (.raw.errors // {})) != {} then "; ERRORS \((.http.errors // {}) + (.raw.errors // {}))" else "" end))' "$OUT/$1.json"
}

# ratios prints, from report $1, each of ops $2 ÷ get-1 and get-1 ÷ healthz.
ratios() {
	jq -r --arg ops "$2" '(.ops | map({(.op): .http.requestsPerSecond}) | add) as $r |
		"  get-1 ÷ healthz: \($r["get-1"] / .healthz.requestsPerSecond | . * 1000 | round / 1000)",
		($ops | split(",")[] | "  \(.) ÷ get-1: \($r[.] / $r["get-1"] | . * 100 | round / 100)")' "$OUT/$1.json"
}

say "casemgr $(git rev-parse --short HEAD 2>/dev/null || echo '?'), into $OUT"
load
say "building"
go build -o "$BIN" ./cmd/casemgr

ROUTING=get-1,customer-phone,customer-email,poll,transfer-queue-75,pick-75,complete-75,pull
SCALE=get-1,search,transfer-75,create

# 1. The 1M worlds.
world "sqlite://$OUT/1m.db" "$SIZE"
run "sqlite://$OUT/1m.db" sqlite-1m "$ROUTING"
if [ -n "$PG" ]; then
	# Create the database when missing, through the server's postgres
	# database.
	base=${PG%%\?*}
	admin=${base%/*}/postgres${PG#"$base"}
	psql "$admin" -Atc "SELECT 1 FROM pg_database WHERE datname = '${base##*/}'" | grep -q 1 ||
		psql "$admin" -qc "CREATE DATABASE \"${base##*/}\""
	world "$PG" "$SIZE"
	run "$PG" postgres-1m "$ROUTING"
	if [ -n "${PG_BIG_DB:-}" ]; then
		world "$PG" "$SMALL"
		run "$PG" postgres-10k "$SCALE" --raw=false
		run "$PG_BIG_DB" postgres-10m "$SCALE" --raw=false
	fi
fi

# 2. The 10k and 10M SQLite worlds.
world "sqlite://$OUT/10k.db" "$SMALL"
run "sqlite://$OUT/10k.db" sqlite-10k "$SCALE" --raw=false
if [ "$BIG" != 0 ]; then
	if [ -n "${BIG_DB:-}" ]; then
		say "using the 10M world $BIG_DB"
	else
		BIG_DB=sqlite://$OUT/10m.db
		world "$BIG_DB" "$BIG"
	fi
	run "$BIG_DB" sqlite-10m "$SCALE" --raw=false
fi

# 3. The figures.
echo
say "figures (one run of $DUR each, $CLIENTS clients)"
for r in sqlite-1m postgres-1m; do
	[ -f "$OUT/$r.json" ] || continue
	echo "$r:"
	rates "$r"
	ratios "$r" customer-phone,customer-email,poll
done
for e in sqlite postgres; do
	[ -f "$OUT/$e-10k.json" ] || continue
	echo "$e-10k:"
	rates "$e-10k"
	[ -f "$OUT/$e-10m.json" ] || continue
	echo "$e-10m:"
	rates "$e-10m"
	echo "$e 10M ÷ 10k (target ≥ 0.8):"
	jq -rn --slurpfile a "$OUT/$e-10k.json" --slurpfile b "$OUT/$e-10m.json" \
		'($a[0].ops | map({(.op): .http.requestsPerSecond}) | add) as $s |
		 $b[0].ops[] | "  \(.op): \(.http.requestsPerSecond / $s[.op] | . * 100 | round / 100)"'
	jq -r '"server RSS at 10M (target ≤ 250 MB): max sampled \(.serverRssMaxKB / 1024 | floor) MB, VmHWM \(.serverHwmKB / 1024 | floor) MB"' "$OUT/$e-10m.json"
done
say "done in $(($(date +%s) - START)) s; reports: $OUT/*.json, log: $LOG"
if [ "${KEEP:-}" != 1 ]; then
	rm -f "$OUT"/*.db "$OUT"/*.db-wal "$OUT"/*.db-shm "$BIN"
fi
