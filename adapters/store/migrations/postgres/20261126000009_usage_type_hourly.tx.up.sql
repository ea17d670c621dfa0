-- Per usage type hourly totals (no object, deployment or container), kept in
-- the same statement as usage_hourly, so priced reports (current_usage,
-- usage_summary) sum a few rows per hour instead of one per object: a month
-- of 1,000 objects is 744,000 usage_hourly rows but 744 x namespaces x usage
-- types here. SQLite has the same table (its migration 09). Backfilled from
-- usage_hourly.
CREATE TABLE usage_type_hourly (
    tenant_id  TEXT NOT NULL,
    hour       TIMESTAMPTZ NOT NULL,
    namespace  TEXT NOT NULL,
    usage_type TEXT NOT NULL,
    unit_name  TEXT NOT NULL,
    quantity   NUMERIC NOT NULL,
    events     BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, hour, namespace, usage_type, unit_name)
);
--bun:split
INSERT INTO usage_type_hourly (tenant_id, hour, namespace, usage_type, unit_name, quantity, events)
SELECT tenant_id, hour, namespace, usage_type, unit_name, sum(quantity), sum(events)
FROM usage_hourly GROUP BY tenant_id, hour, namespace, usage_type, unit_name;
