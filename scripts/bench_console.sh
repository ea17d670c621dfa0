#!/usr/bin/env bash
# Issue 13 part C: p50/p95/p99 and SQL statements per query of the console's
# dashboard query (50 namespaces: quotas, quota usage, a month of usage and
# cost) and billing page, against a billingd binary on a fresh PostgreSQL
# database seeded by console/seed.py (72,000 usage events).
#
#   scripts/bench_console.sh BINARY SCHEMA    # SCHEMA: v1 (before issue 13) or v2
#
# Statements are billingd_db_statements_total over 20 sequential requests;
# latency is cmd/billingload's graphql scenario (closed loop, CONCURRENCY
# workers, DURATION). BENCH_PROFILE_DIR: a CPU profile of the server during
# each query's load run, its top entries printed (go tool pprof -top).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cpu_ticks.sh
BIN="$1"; SCHEMA="$2"
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
DUR="${DURATION:-15s}"; CONC="${CONCURRENCY:-4}"; PORT="${PORT:-18191}"; DPORT=$((PORT + 1))
db="billingd_console_$$"
psql "$PG" -qc "CREATE DATABASE $db" >/dev/null
url="${PG%%\?*}"; url="${url%/*}/$db?sslmode=disable"
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; psql "$PG" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; rm -rf "$tmp"' EXIT
go build -o bin/billingload ./cmd/billingload
tok=$("$BIN" token create --tenant acme --role admin --database-url "$url" | tail -1)
"$BIN" serve --addr 127.0.0.1:$PORT --debug-addr 127.0.0.1:$DPORT --database-url "$url" --log-level warn --rate-limit 0 --no-invoice-scheduler >/dev/null 2>&1 & pid=$!
for i in $(seq 1 100); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.1; done
python3 scripts/console/seed.py "http://127.0.0.1:$PORT" "$tok"
# The steady state, as pgbench measures it (it vacuums before each run):
# autovacuum analyzes the freshly seeded rollups within about a minute, and
# until it has, the planner guesses a row or two per range and sorts them.
# BENCH_NO_ANALYZE=1 measures that first minute instead.
[ -n "${BENCH_NO_ANALYZE:-}" ] || psql "$url" -qc "VACUUM ANALYZE"
to=$(date -u +%Y-%m-%dT%H:00:00Z); from=$(date -u -d '30 days ago' +%Y-%m-%dT%H:00:00Z)
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), PostgreSQL $(psql "$PG" -tAc 'SHOW server_version')"
statements() { curl -s http://127.0.0.1:$PORT/metrics | awk '/^billingd_db_statements_total/ {print $2}'; }
for f in scripts/console/*."$SCHEMA".graphql; do
  name=$(basename "$f" ."$SCHEMA".graphql)
  sed "s/\"FROM\"/\"$from\"/; s/\"TO\"/\"$to\"/" "$f" > "$tmp/$name.graphql"
  body=$(python3 -c 'import json,sys; print(json.dumps({"query": open(sys.argv[1]).read()}))' "$tmp/$name.graphql")
  ans=$(curl -s -H "Authorization: APIToken $tok" -H 'Content-Type: application/json' -d "$body" http://127.0.0.1:$PORT/graphql)
  if echo "$ans" | grep -q '"errors"'; then echo "$name: $(echo "$ans" | head -c 400)"; exit 1; fi
  before=$(statements)
  for i in $(seq 1 20); do curl -s -o /dev/null -H "Authorization: APIToken $tok" -H 'Content-Type: application/json' -d "$body" http://127.0.0.1:$PORT/graphql; done
  after=$(statements)
  echo "# $name ($SCHEMA): $(python3 -c "print(($after - $before) / 20)") statements per query, answer $(echo -n "$ans" | wc -c) bytes"
  if [ -n "${BENCH_PROFILE_DIR:-}" ]; then
    mkdir -p "$BENCH_PROFILE_DIR"; prof="$BENCH_PROFILE_DIR/$name.cpu.pprof"
    secs=${DUR%s}
    (sleep 1; curl -sf -o "$prof" "http://127.0.0.1:$DPORT/debug/pprof/profile?seconds=$((secs - 2))") & cpid=$!
  fi
  measure "$tmp" $pid bin/billingload --target http://127.0.0.1:$PORT --token "$tok" --scenario graphql --graphql-query "$tmp/$name.graphql" --concurrency "$CONC" --duration "$DUR"
  out=$(cat "$tmp/out")
  echo "$out"
  n=$(echo "$out" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
  echo "cpu per query: $(cpu_split "$tmp" "$n" "load generator")"
  if [ -n "${BENCH_PROFILE_DIR:-}" ]; then
    wait $cpid || true
    go tool pprof -top -nodecount=25 "$BIN" "$prof" 2>/dev/null | sed -n '1,32p'
  fi
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); server's peak resident memory: $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status)"
