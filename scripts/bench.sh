#!/usr/bin/env bash
# make bench: start billingd on a fresh PostgreSQL database, then measure
# reservations/s (closed loop) next to PostgreSQL's own rate for the same
# durable work (pgbench: one autocommit conditional counter UPDATE per
# transaction, 64 clients over 64 rows, same database, same run), GET
# quota/usage latency at a fixed rate, and the nested GraphQL query, with
# cmd/billingload.
#   BENCH_SRC          build billingd from this source tree instead (e.g. an
#                      exported older commit, for a before/after pair)
#   BENCH_RESERVE_ONLY stop after the 64-namespace reservations
#   BENCH_PROFILE_DIR  when set, a CPU profile of the server during the
#                      64-namespace reservations is written there and its
#                      top entries printed (go tool pprof -top)
#   BENCH_SERVE_FLAGS  more flags for billingd serve (e.g. --db-max-conns 8)
set -euo pipefail
cd "$(dirname "$0")/.."
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
DUR="${BENCH_DURATION:-10s}"
secs="${DUR%s}"
db="billingd_bench_$$"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
psql "$PG" -qc "CREATE DATABASE $db" >/dev/null
url="${PG%%\?*}"; url="${url%/*}/$db?sslmode=disable"
pid=""
bin=$(mktemp -d)
trap '[ -n "$pid" ] && { kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; }; psql "$PG" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; rm -rf "$bin"' EXIT
# Private binaries: bin/ is shared with other scripts that may run at once.
(cd "${BENCH_SRC:-.}" && go build -o "$bin/billingd" ./cmd/billingd)
go build -o "$bin/billingload" ./cmd/billingload
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), PostgreSQL $(psql "$PG" -tAc 'SHOW server_version'); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
. scripts/cpu_ticks.sh
# PostgreSQL's reference first, before billingd holds connections of its own.
measure "$bin" - scripts/pgbench_ref.sh "$url" "$secs" 64 64
ref=$(cat "$bin/out")
# Transactions: the rate times the run's length. The CPU also counts the
# script's table setup and pgbench's connections, so the figure per
# transaction is a little high.
reftx=$((ref * secs))
echo "# pgbench reference: one autocommit conditional counter UPDATE per transaction, 64 clients over 64 rows: $ref tx/s"
echo "cpu per reference transaction: $(cpu_split "$bin" "$reftx" pgbench)"
tok=$("$bin/billingd" token create --tenant bench --database-url "$url" | tail -1)
# --rate-limit 0: the load comes from one token on purpose.
"$bin/billingd" serve --addr 127.0.0.1:$port --debug-addr 127.0.0.1:$dport --database-url "$url" --log-level warn --rate-limit 0 ${BENCH_SERVE_FLAGS:-} >/dev/null 2>&1 & pid=$!
for i in $(seq 1 100); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
kill -0 $pid  # the server must be ours and alive
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "# reservations spread over 64 namespaces"
prof=""
if [ -n "${BENCH_PROFILE_DIR:-}" ]; then
	mkdir -p "$BENCH_PROFILE_DIR"; prof="$BENCH_PROFILE_DIR/reserve.cpu.pprof"
	(sleep 1; curl -sf -o "$prof" "http://127.0.0.1:$dport/debug/pprof/profile?seconds=$((secs - 2))") & cpid=$!
fi
measure "$bin" $pid "$bin/billingload" --target http://127.0.0.1:$port --token "$tok" --scenario reserve --concurrency 64 --namespaces 64 --duration "$DUR"
out=$(cat "$bin/out")
echo "$out"
n=$(echo "$out" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
echo "cpu per reservation: $(cpu_split "$bin" "$n" "load generator")"
[ -n "$prof" ] && wait $cpid
rate=$(echo "$out" | sed -n 's/.*throughput=\([0-9]*\)\/s.*/\1/p')
echo "reservations / pgbench = $rate / $ref = $(ratio "$rate" "$ref")x (target >= 0.5x, p99 < 20 ms)"
if [ -n "$prof" ] && [ -s "$prof" ]; then
	go tool pprof -top -nodecount=15 "$bin/billingd" "$prof" 2>/dev/null | sed -n '1,22p'
fi
# The reservation statement alone, no server: pgbench calls quota_reserve_slots
# with the server's arguments (two keys, limits far away, autocommit) over
# 64 namespaces of a tenant of its own (its limits are not the bench
# tenant's, whose room the server's reservations dealt out), with the
# server's pool size (16 clients) and with 64. It tells what the database
# can do for a whole reservation. pgbench's simple protocol parses each
# call, which the server's prepared statement does not: an upper bound on
# the database's share.
tenant=pgbench-reserve
psql "$url" -qc "INSERT INTO tenants (id, name, created_at) VALUES ('$tenant', '$tenant', now())"
fnscript="$bin/reserve_fn.sql"
cat >"$fnscript" <<SQL
\\set n random(0, 63)
SELECT * FROM quota_reserve_slots('$tenant', 'pgbench-ns-' || :n, NULL, ARRAY['objects', 'resources'], ARRAY['http_loadbalancer', 'vcpu'], ARRAY[1, 1]::bigint[], ARRAY[2000000000, 2000000000]::bigint[], ARRAY[2000000000, 2000000000]::bigint[], false, NULL, NULL, NULL, NULL, now());
SQL
for clients in 16 64; do
	fn=$(pgbench -n -f "$fnscript" -c "$clients" -j 2 -T "$secs" "$url" 2>/dev/null | awk '/^tps/ {printf "%.0f\n", $3}')
	echo "quota_reserve_slots alone, $clients clients: $fn/s = $(ratio "$fn" "$ref")x the pgbench reference"
done
[ -n "${BENCH_RESERVE_ONLY:-}" ] && exit 0
echo "# reservations, every worker on one counter row (worst case: one hot row)"
"$bin/billingload" --target http://127.0.0.1:$port --token "$tok" --scenario reserve --concurrency 64 --namespaces 1 --duration "$DUR"
echo "# GET quota/usage at a fixed 1000 requests/s"
"$bin/billingload" --target http://127.0.0.1:$port --token "$tok" --scenario usage --rate 1000 --duration "$DUR"
echo "# nested GraphQL query over 50 namespaces (64 exist after the runs above)"
"$bin/billingload" --target http://127.0.0.1:$port --token "$tok" --scenario graphql --concurrency 8 --duration "$DUR"
