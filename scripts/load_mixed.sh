#!/usr/bin/env bash
# The mixed load run (issue 5 §1): start billingd on a fresh PostgreSQL
# database and drive it with `billingload --scenario mixed` (usage ingestion
# batches, quota reservations, every REST read and the nested GraphQL query,
# open loop at a fixed rate), which then checks the stored usage and the
# reservation counters against what was acknowledged. Exit status 1 on any
# 5xx or mismatch.
#   BENCH_PG       server URL (default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)
#   LOAD_DURATION  how long to send (default 60s)
#   LOAD_RATE      total requests per second (default 300: with zero 5xx and no
#                  timeouts on 2 shared cores; 500 for 60 s did not hold there)
#   LOAD_MIX       operation weights (default: billingload's)
#   LOAD_BILLINGD  a billingd binary to run instead of building ./cmd/billingd
set -euo pipefail
cd "$(dirname "$0")/.."
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
DUR="${LOAD_DURATION:-60s}"
RATE="${LOAD_RATE:-300}"
db="billingd_load_mixed_$$"
# A free loopback port: other servers may already run on this machine.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
psql "$PG" -qc "CREATE DATABASE $db" >/dev/null
url="${PG%%\?*}"; url="${url%/*}/$db?sslmode=disable"
pid=""
bin=""
trap '[ -n "$pid" ] && { kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; }; psql "$PG" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; [ -n "$bin" ] && rm -rf "$bin"' EXIT
# Private binaries: bin/ is shared with other scripts that may run at once.
bin=$(mktemp -d)
if [ -n "${LOAD_BILLINGD:-}" ]; then cp "$LOAD_BILLINGD" "$bin/billingd"; else go build -o "$bin/billingd" ./cmd/billingd; fi
go build -o "$bin/billingload" ./cmd/billingload
tok=$("$bin/billingd" token create --tenant load --role admin --database-url "$url" | tail -1)
"$bin/billingd" serve --addr 127.0.0.1:$port --database-url "$url" --log-level warn --rate-limit 0 >/dev/null 2>&1 & pid=$!
for i in $(seq 1 100); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
kill -0 $pid  # the server must be ours and alive
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GB RAM, PostgreSQL $(psql "$PG" -tAc 'SHOW server_version'); load generator, server and database on the same machine; load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin/billingload" --target http://127.0.0.1:$port --token "$tok" --scenario mixed --namespace load \
	--duration "$DUR" --rate "$RATE" ${LOAD_MIX:+--mix "$LOAD_MIX"}
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
