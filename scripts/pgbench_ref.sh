#!/usr/bin/env bash
# PostgreSQL's own rate for the durable work of one reservation: pgbench,
# CLIENTS clients, each transaction one autocommit conditional counter UPDATE
# on one of ROWS rows chosen at random. Prints the tps figure only.
#   scripts/pgbench_ref.sh URL SECONDS [CLIENTS] [ROWS]
set -euo pipefail
url="$1"; secs="$2"; clients="${3:-64}"; rows="${4:-64}"
PGOPTIONS="--client-min-messages=warning" psql "$url" -qc "DROP TABLE IF EXISTS pgbench_ref_counters" \
	-qc "CREATE TABLE pgbench_ref_counters (id INT PRIMARY KEY, used BIGINT NOT NULL)" \
	-qc "INSERT INTO pgbench_ref_counters SELECT g, 0 FROM generate_series(0, $rows - 1) g" >/dev/null
script=$(mktemp)
trap 'rm -f "$script"; psql "$url" -qc "DROP TABLE IF EXISTS pgbench_ref_counters" >/dev/null' EXIT
printf '\\set id random(0, %d)\nUPDATE pgbench_ref_counters SET used = used + 1 WHERE id = :id AND used + 1 <= 2000000000;\n' "$((rows - 1))" >"$script"
pgbench -n -f "$script" -c "$clients" -j 2 -T "$secs" "$url" 2>/dev/null | awk '/^tps/ {printf "%.0f\n", $3}'
