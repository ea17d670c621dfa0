#!/usr/bin/env bash
# Seed stored usage: N events of one tenant over October 2026 (UTC), the
# dedup ids and the matching hourly (and daily) rollups, all made in SQL (what ingestion
# would have stored), then VACUUM ANALYZE. Used by bench_reports.sh (step 1)
# and by bench_ingest.sh (BENCH_SEED_EVENTS).
#   seed_events.sh DATABASE_URL TENANT_ID EVENTS
# Object i lives in namespace ns-(i % 5) and reports one usage type of the
# team plan's rate card (i % 6), so an object has one rollup row per hour:
# 1,000 objects x 744 hours = 744,000 rows.
set -euo pipefail
url="$1"; tid="$2"; EVENTS="$3"
psql "$url" -v ON_ERROR_STOP=1 -q <<SQL
CREATE TEMP TABLE rc (k int PRIMARY KEY, usage_type text, unit_name text);
INSERT INTO rc VALUES (0,'http_requests','request'), (1,'data_transfer','byte'), (2,'vcpu_hours','hour'),
	(3,'waap_requests','request'), (4,'bot_defense_transactions','transaction'), (5,'cdn_egress','GB');
-- A partitioned usage_events (and its usage_event_ids) only where the schema has them.
SELECT to_regproc('usage_events_partition') IS NOT NULL AS partitioned \gset
-- The daily type totals (migration 19) likewise.
SELECT to_regclass('usage_type_daily') IS NOT NULL AS daily \gset
-- The daily object totals (migration 20) likewise.
SELECT to_regclass('usage_object_daily') IS NOT NULL AS objdaily \gset
\if :partitioned
\o /dev/null
SELECT usage_events_partition(timestamptz '2026-10-01 00:00:00+00');
\o
\endif
INSERT INTO usage_events (tenant_id, event_id, namespace, usage_type, object_name, deployment, container,
	quantity, unit_name, ts, content_hash, received_at)
SELECT '$tid', 'ev-' || g, 'ns-' || (g % 1000) % 5, rc.usage_type, 'obj-' || (g % 1000), '', '',
	CASE WHEN rc.k IN (2, 5) THEN ((g % 7) + 1) * 0.25 ELSE (g % 1000) + 1 END, rc.unit_name,
	timestamptz '2026-10-01 00:00:00+00' + (g::float8 * 2678400 / $EVENTS) * interval '1 second',
	md5('ev-' || g), now()
FROM generate_series(0, $EVENTS - 1) g JOIN rc ON rc.k = (g % 1000) % 6;
\if :partitioned
-- The dedup table, as ingestion would have filled it.
INSERT INTO usage_event_ids (tenant_id, event_id, content_hash, ts)
SELECT tenant_id, event_id, content_hash, ts FROM usage_events WHERE tenant_id = '$tid';
\endif
INSERT INTO usage_hourly (tenant_id, namespace, usage_type, object_name, deployment, container, hour, unit_name, quantity, events)
SELECT tenant_id, namespace, usage_type, object_name, deployment, container, date_trunc('hour', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
	min(unit_name), sum(quantity), count(*)
FROM usage_events WHERE tenant_id = '$tid'
GROUP BY tenant_id, namespace, usage_type, object_name, deployment, container, date_trunc('hour', ts AT TIME ZONE 'UTC');
INSERT INTO usage_type_hourly (tenant_id, hour, namespace, usage_type, unit_name, quantity, events)
SELECT tenant_id, hour, namespace, usage_type, unit_name, sum(quantity), sum(events)
FROM usage_hourly WHERE tenant_id = '$tid' GROUP BY tenant_id, hour, namespace, usage_type, unit_name;
\if :daily
INSERT INTO usage_type_daily (tenant_id, day, namespace, usage_type, unit_name, quantity, events)
SELECT tenant_id, date_trunc('day', hour, 'UTC'), namespace, usage_type, unit_name, sum(quantity), sum(events)
FROM usage_type_hourly WHERE tenant_id = '$tid' GROUP BY tenant_id, date_trunc('day', hour, 'UTC'), namespace, usage_type, unit_name;
\endif
\if :objdaily
INSERT INTO usage_object_daily (tenant_id, day, namespace, usage_type, object_name, unit_name, quantity, events)
SELECT tenant_id, date_trunc('day', hour, 'UTC'), namespace, usage_type, object_name, unit_name, sum(quantity), sum(events)
FROM usage_hourly WHERE tenant_id = '$tid' GROUP BY tenant_id, date_trunc('day', hour, 'UTC'), namespace, usage_type, object_name, unit_name;
VACUUM ANALYZE usage_object_daily;
\endif
VACUUM ANALYZE usage_events;
VACUUM ANALYZE usage_hourly;
VACUUM ANALYZE usage_type_hourly;
\if :daily
VACUUM ANALYZE usage_type_daily;
\endif
\if :partitioned
VACUUM ANALYZE usage_event_ids;
\endif
SQL
