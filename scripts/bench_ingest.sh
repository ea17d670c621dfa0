#!/usr/bin/env bash
# Ingestion throughput: start billingd on a fresh PostgreSQL database, post
# batches of 1,000 events over loopback HTTP from N workers (dedup and hourly
# rollups included), then load the same number of rows with COPY so the ratio
# to PostgreSQL's own bulk-load limit is visible.
#   BENCH_PG        server URL (default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)
#   BENCH_DURATION  how long to send (default 15s)
#   BENCH_WORKERS   concurrent HTTP clients (default 8)
#   BENCH_BATCH     events per request (default 1000)
#   BENCH_SRC       build billingd from this source tree instead (before/after pairs)
#   BENCH_PROFILE_DIR  when set, a CPU profile of the server while it ingests
#                   is written there and its top entries printed
#   BENCH_SEED_EVENTS  events stored for the ingesting tenant before the run
#                   (default 0), seeded as bench_reports.sh does
#                   (scripts/seed_events.sh: October 2026, dedup ids, rollups)
#   BENCH_DIRECT    when 1, after the HTTP run and with the server stopped,
#                   ingest as long again by calling the usage service in
#                   ingestload's own process (ingestload --direct: no HTTP,
#                   no JSON) and print that ratio to COPY too
set -euo pipefail
cd "$(dirname "$0")/.."
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
DUR="${BENCH_DURATION:-15s}"
WORKERS="${BENCH_WORKERS:-8}"
SEED="${BENCH_SEED_EVENTS:-0}"
db="billingd_ingest_bench_$$"
# A free loopback port: other servers may already run on this machine.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
psql "$PG" -qc "CREATE DATABASE $db" >/dev/null
url="${PG%%\?*}"; url="${url%/*}/$db?sslmode=disable"
pid=""
bin=""
trap '[ -n "$pid" ] && { kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; }; psql "$PG" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; rm -rf "$bin"' EXIT
# Private binaries: bin/ is shared with other scripts that may run at once.
bin=$(mktemp -d)
(cd "${BENCH_SRC:-.}" && go build -o "$bin/billingd" ./cmd/billingd)
go build -o "$bin/ingestload" ./cmd/ingestload
tok=$("$bin/billingd" token create --tenant bench --role editor --database-url "$url" | tail -1)
if [ "$SEED" -gt 0 ]; then
	t0=$(date +%s)
	scripts/seed_events.sh "$url" "$(psql "$url" -tAc "SELECT id FROM tenants WHERE name = 'bench'")" "$SEED"
	echo "seeded $(psql "$url" -tAc 'SELECT count(*) FROM usage_events') events in $(( $(date +%s) - t0 ))s"
fi
dport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin/billingd" serve --addr 127.0.0.1:$port --debug-addr 127.0.0.1:$dport --database-url "$url" --log-level warn --rate-limit 0 >/dev/null 2>&1 & pid=$!
for i in $(seq 1 100); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
kill -0 $pid  # the server must be ours and alive
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), PostgreSQL $(psql "$PG" -tAc 'SHOW server_version'); client, server and database on the same machine; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
prof=""
if [ -n "${BENCH_PROFILE_DIR:-}" ]; then
	mkdir -p "$BENCH_PROFILE_DIR"; prof="$BENCH_PROFILE_DIR/ingest.cpu.pprof"
	(sleep 1; curl -sf -o "$prof" "http://127.0.0.1:$dport/debug/pprof/profile?seconds=$(( ${DUR%s} - 3 ))") & cpid=$!
fi
# The ingestion and COPY run apart, so the CPU each used is measured
# (scripts/cpu_ticks.sh): per event, PostgreSQL's, the server's and the
# load generator's; per COPY row, PostgreSQL's and the client's.
. scripts/cpu_ticks.sh
measure "$bin" $pid "$bin/ingestload" --target http://127.0.0.1:$port --token "$tok" --workers "$WORKERS" --batch "${BENCH_BATCH:-1000}" --duration "$DUR"
out=$(cat "$bin/out")
echo "$out"
n=$(echo "$out" | sed -n 's/^[^:]*: \([0-9]*\) events accepted.*/\1/p')
rate=$(echo "$out" | sed -n 's/.*batches of [0-9]*: \([0-9]*\) events\/s.*/\1/p')
echo "cpu per event: $(cpu_split "$bin" "$n" "load generator")"
measure "$bin" - "$bin/ingestload" --copy-only "$n" --pg "$url" --workers "$WORKERS" --batch "${BENCH_BATCH:-1000}"
cout=$(cat "$bin/out")
echo "$cout"
crate=$(echo "$cout" | sed -n 's/.*: \([0-9]*\) rows\/s$/\1/p')
echo "cpu per COPY row: $(cpu_split "$bin" "$n" client)"
echo "ratio http ingest / COPY: $(awk -v a="$rate" -v b="$crate" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
if [ -n "$prof" ]; then
	wait $cpid || true
	[ -s "$prof" ] && go tool pprof -top -nodecount=15 "$bin/billingd" "$prof" 2>/dev/null | sed -n '4,22p'
fi
if [ "${BENCH_DIRECT:-}" = 1 ]; then
	kill $pid; wait $pid 2>/dev/null || true; pid=""
	(cd "${BENCH_SRC:-.}" && go build -o "$bin/ingestload-direct" ./cmd/ingestload)
	"$bin/ingestload-direct" --direct --token "$tok" --workers "$WORKERS" --batch "${BENCH_BATCH:-1000}" --duration "$DUR" --pg "$url"
fi
echo "rows stored: $(psql "$url" -tAc 'SELECT count(*) FROM usage_events') events, $(psql "$url" -tAc 'SELECT count(DISTINCT (tenant_id, namespace, usage_type, object_name, deployment, container, hour)) FROM usage_hourly') hourly rollups in $(psql "$url" -tAc 'SELECT count(*) FROM usage_hourly') shard rows"
