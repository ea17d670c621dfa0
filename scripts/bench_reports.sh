#!/usr/bin/env bash
# Report latency and import memory.
#  1. current_usage over a month of 10,000,000 stored events: a fresh
#     PostgreSQL database, a team-plan tenant, the events and the matching
#     hourly rollups made in SQL (what ingestion would have stored), then a
#     closed-loop load on the system-wide and on one namespace's current_usage.
#     The rollups (usage_hourly and usage_type_hourly) are made in SQL from
#     the events, exactly what ingestion would have stored.
#  2. memory while `billingd usage import` streams a 100,000- and a
#     1,000,000-line NDJSON file, on SQLite and on PostgreSQL (max RSS).
#   BENCH_PG        server URL (default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)
#   BENCH_EVENTS    stored events for step 1 (default 10000000)
#   BENCH_SRC       build billingd from this source tree instead (before/after pairs)
#   BENCH_PROFILE_DIR  when set, a CPU profile of the server during the
#                   system-wide 4-worker run is written there and its top
#                   entries printed
#   BENCH_DURATION  load per report (default 20s)
#   BENCH_WORKERS   concurrent clients (default 4)
#   BENCH_IMPORT    lines of the large import file (default 1000000; 0 skips step 2)
set -euo pipefail
cd "$(dirname "$0")/.."
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
EVENTS="${BENCH_EVENTS:-10000000}"
DUR="${BENCH_DURATION:-20s}"
WORKERS="${BENCH_WORKERS:-4}"
IMPORT="${BENCH_IMPORT:-1000000}"
db="billingd_report_bench_$$"
db2="billingd_import_bench_$$"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="${PG%%\?*}"; base="${base%/*}"
url="$base/$db?sslmode=disable"
url2="$base/$db2?sslmode=disable"
pid=""
bin=$(mktemp -d)
cleanup() {
	[ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
	psql "$PG" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	psql "$PG" -qc "DROP DATABASE IF EXISTS $db2 WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$bin"
}
trap cleanup EXIT
# Private binaries: bin/ is shared with other scripts that may run at once.
(cd "${BENCH_SRC:-.}" && go build -o "$bin/billingd" ./cmd/billingd)
go build -o "$bin/reportload" ./cmd/reportload
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), PostgreSQL $(psql "$PG" -tAc 'SHOW server_version'); client, server and database on the same machine; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. current_usage over a month of stored events -------------------------
psql "$PG" -qc "CREATE DATABASE $db" >/dev/null
tok=$("$bin/billingd" token create --tenant reportbench --role admin --database-url "$url" | tail -1)
tid=$(psql "$url" -tAc "SELECT id FROM tenants WHERE name = 'reportbench'")
psql "$url" -qc "INSERT INTO tenant_plans (tenant_id, plan_name, since) VALUES ('$tid', 'team', now())
	ON CONFLICT (tenant_id) DO UPDATE SET plan_name = 'team'" >/dev/null
# October 2026 (UTC), 31 days: scripts/seed_events.sh (also used by
# bench_ingest.sh's BENCH_SEED_EVENTS).
t0=$(date +%s)
scripts/seed_events.sh "$url" "$tid" "$EVENTS"
echo "seeded $(psql "$url" -tAc 'SELECT count(*) FROM usage_events') events and $(psql "$url" -tAc 'SELECT count(*) FROM usage_hourly') hourly rollups in $(( $(date +%s) - t0 ))s"
dport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin/billingd" serve --addr 127.0.0.1:$port --debug-addr 127.0.0.1:$dport --database-url "$url" --log-level warn --rate-limit 0 >"$bin/serve.log" 2>&1 & pid=$!
for i in $(seq 1 100); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
kill -0 $pid || { cat "$bin/serve.log" >&2; exit 1; } # the server must be ours and alive
rng='{"from":"2026-10-01T00:00:00Z","to":"2026-11-01T00:00:00Z"}'
curl -sf -H "Authorization: APIToken $tok" -d "$rng" http://127.0.0.1:$port/api/web/namespaces/system/current_usage |
	python3 -c 'import json,sys; c=json.load(sys.stdin); print("system total_cost", c.get("total_cost"), "over", len(c.get("usage_items", [])), "lines")'
prof=""
if [ -n "${BENCH_PROFILE_DIR:-}" ]; then
	mkdir -p "$BENCH_PROFILE_DIR"; prof="$BENCH_PROFILE_DIR/current_usage.cpu.pprof"
	(sleep 1; curl -sf -o "$prof" "http://127.0.0.1:$dport/debug/pprof/profile?seconds=$(( ${DUR%s} - 3 ))") & cpid=$!
fi
"$bin/reportload" --target http://127.0.0.1:$port --token "$tok" --workers "$WORKERS" --duration "$DUR" \
	--path /api/web/namespaces/system/current_usage --body "$rng" --label "current_usage system, 1 month, $EVENTS events"
if [ -n "$prof" ]; then
	wait $cpid || true
	[ -s "$prof" ] && go tool pprof -top -nodecount=15 "$bin/billingd" "$prof" 2>/dev/null | sed -n '4,22p'
fi
psql "$url" -c "EXPLAIN (ANALYZE, BUFFERS) SELECT usage_type, unit_name, sum(quantity) FROM usage_type_hourly
	WHERE tenant_id = '$tid' AND hour >= '2026-10-01Z' AND hour < '2026-11-01Z' GROUP BY usage_type, unit_name" | grep -E 'Scan|Execution' 
if [ "$(psql "$url" -tAc "SELECT to_regclass('usage_type_daily') IS NOT NULL")" = t ]; then
	# Since migration 19 whole days come from the daily totals.
	psql "$url" -c "EXPLAIN (ANALYZE, BUFFERS) SELECT usage_type, unit_name, sum(quantity) FROM usage_type_daily
		WHERE tenant_id = '$tid' AND day >= '2026-10-01Z' AND day < '2026-11-01Z' GROUP BY usage_type, unit_name" | grep -E 'Scan|Execution'
fi
"$bin/reportload" --target http://127.0.0.1:$port --token "$tok" --workers "$WORKERS" --duration "$DUR" \
	--path /api/web/namespaces/ns-1/current_usage --body "$rng" --label "current_usage ns-1 (1/5 of the objects), 1 month"
"$bin/reportload" --target http://127.0.0.1:$port --token "$tok" --workers 1 --duration "$DUR" \
	--path /api/web/namespaces/system/current_usage --body "$rng" --label "current_usage system, 1 month, one client"
kill $pid; wait $pid 2>/dev/null || true; pid=""
psql "$PG" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null

# ---- 2. memory while a large file is imported -------------------------------
[ "$IMPORT" -gt 0 ] || exit 0
work=$(mktemp -d -p "$bin")
# Valid events for the free plan, timestamps within the last day.
python3 - "$work" "$IMPORT" <<'PY'
import sys, datetime
work, n = sys.argv[1], int(sys.argv[2])
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) - datetime.timedelta(hours=1)
types = [("http_requests", "request"), ("data_transfer", "byte"), ("waap_requests", "request")]
for name, lines in (("small", min(100000, n)), ("large", n)):
    with open(f"{work}/{name}.ndjson", "w") as f:
        for i in range(lines):
            ut, unit = types[i % 3]
            ts = (now - datetime.timedelta(seconds=(i * 86400) // lines)).strftime("%Y-%m-%dT%H:%M:%SZ")
            f.write(f'{{"id":"imp-{i}","usage_type":"{ut}","object_name":"lb-{i % 100}","quantity":"{i % 50 + 1}","unit_name":"{unit}","timestamp":"{ts}"}}\n')
PY
rss() { # prints max RSS in MiB, the elapsed time and the summary of one import
	local out; out=$( { /usr/bin/time -v "$bin/billingd" usage import "$1" --tenant importbench --database-url "$2" >"$work/stdout"; } 2>&1 ) ||
		{ echo "$out" >&2; return 1; }
	echo "$(echo "$out" | awk -F': ' '/Maximum resident/ {printf "%.0f MiB", $2/1024}'), $(echo "$out" | awk -F': ' '/Elapsed/ {print $2}') elapsed; $(grep -m1 "^accepted" "$work/stdout")"
}
for dialect in sqlite postgres; do
	for size in small large; do
		if [ $dialect = sqlite ]; then target="sqlite:$work/$size.db"; else
			psql "$PG" -qc "DROP DATABASE IF EXISTS $db2 WITH (FORCE)" >/dev/null 2>&1
			psql "$PG" -qc "CREATE DATABASE $db2" >/dev/null; target="$url2"; fi
		"$bin/billingd" token create --tenant importbench --database-url "$target" >/dev/null
		echo "usage import $dialect $(wc -l <"$work/$size.ndjson") lines: max RSS $(rss "$work/$size.ndjson" "$target")"
	done
done
