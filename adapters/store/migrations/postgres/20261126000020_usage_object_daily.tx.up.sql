-- Daily totals per object (issue 15, the console's usage per namespace):
-- usage_hourly summed per UTC day and namespace, usage type, object, unit
-- and shard, maintained by the statement that adds the hourly rows, in the
-- same ingesting transaction, so each row is exactly the sum of its day's
-- hourly rows (deployments and containers summed). A month's usage per
-- object reads about 31 rows per object instead of 744; the hours of a
-- range that do not make a whole day still come from usage_hourly.
-- PostgreSQL only, like usage_type_daily: SQLite reads usage_hourly.
CREATE TABLE usage_object_daily (
    tenant_id   TEXT NOT NULL,
    day         TIMESTAMPTZ NOT NULL,
    namespace   TEXT NOT NULL,
    usage_type  TEXT NOT NULL,
    object_name TEXT NOT NULL,
    unit_name   TEXT NOT NULL,
    quantity    NUMERIC NOT NULL,
    events      BIGINT NOT NULL,
    shard       SMALLINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day, namespace, usage_type, object_name, unit_name, shard)
);
--bun:split
-- What the previous release wrote, carried forward: the hourly rows it kept.
INSERT INTO usage_object_daily (tenant_id, day, namespace, usage_type, object_name, unit_name, quantity, events, shard)
SELECT tenant_id, date_trunc('day', hour, 'UTC'), namespace, usage_type, object_name, unit_name, sum(quantity), sum(events), shard
FROM usage_hourly
GROUP BY tenant_id, date_trunc('day', hour, 'UTC'), namespace, usage_type, object_name, unit_name, shard;
