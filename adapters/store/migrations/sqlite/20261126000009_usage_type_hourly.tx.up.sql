-- Per usage type hourly totals (no object, deployment or container), kept in
-- the same statement order and transaction as usage_hourly, so priced
-- reports (current_usage, usage_summary) sum a few rows per hour instead of
-- one per object. The same table as on PostgreSQL; quantity is the exact
-- decimal as text, added by billingd's decimal_add and decimal_sum (never a
-- float). Added to SQLite after release 3eefe5f: a database of that release
-- gets it (and 11, 12) after its later migrations, so this runs on the
-- usage_hourly of migration 04 either way. Backfilled from usage_hourly.
CREATE TABLE usage_type_hourly (
    tenant_id  TEXT NOT NULL,
    hour       TIMESTAMP NOT NULL,
    namespace  TEXT NOT NULL,
    usage_type TEXT NOT NULL,
    unit_name  TEXT NOT NULL,
    quantity   TEXT NOT NULL,
    events     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, hour, namespace, usage_type, unit_name)
);
--bun:split
INSERT INTO usage_type_hourly (tenant_id, hour, namespace, usage_type, unit_name, quantity, events)
SELECT tenant_id, hour, namespace, usage_type, unit_name, decimal_sum(quantity), sum(events)
FROM usage_hourly GROUP BY tenant_id, hour, namespace, usage_type, unit_name;
