#!/usr/bin/env bash
# make bench: start billingd on a fresh PostgreSQL database, then measure
# reservations/s (closed loop), GET quota/usage latency at a fixed rate, and
# the nested GraphQL query, with cmd/billingload.
set -euo pipefail
cd "$(dirname "$0")/.."
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
DUR="${BENCH_DURATION:-10s}"
db="billingd_bench_$$"
psql "$PG" -qc "CREATE DATABASE $db" >/dev/null
url="${PG%%\?*}"; url="${url%/*}/$db?sslmode=disable"
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; psql "$PG" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
go build -o bin/billingd ./cmd/billingd
go build -o bin/billingload ./cmd/billingload
tok=$(bin/billingd token create --tenant bench --database-url "$url" | tail -1)
# --rate-limit 0: the load comes from one token on purpose.
bin/billingd serve --addr 127.0.0.1:18181 --database-url "$url" --log-level warn --rate-limit 0 >/dev/null 2>&1 & pid=$!
for i in $(seq 1 50); do curl -sf http://127.0.0.1:18181/healthz >/dev/null && break; sleep 0.1; done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), PostgreSQL $(psql "$PG" -tAc 'SHOW server_version')"
echo "# reservations, every worker on one counter row (worst case: one hot row)"
bin/billingload --target http://127.0.0.1:18181 --token "$tok" --scenario reserve --concurrency 64 --namespaces 1 --duration "$DUR"
echo "# reservations spread over 64 namespaces"
bin/billingload --target http://127.0.0.1:18181 --token "$tok" --scenario reserve --concurrency 64 --namespaces 64 --duration "$DUR"
echo "# GET quota/usage at a fixed 1000 requests/s"
bin/billingload --target http://127.0.0.1:18181 --token "$tok" --scenario usage --rate 1000 --duration "$DUR"
echo "# nested GraphQL query over 50 namespaces (64 exist after the runs above)"
bin/billingload --target http://127.0.0.1:18181 --token "$tok" --scenario graphql --concurrency 8 --duration "$DUR"
