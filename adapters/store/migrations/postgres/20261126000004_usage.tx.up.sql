-- Raw usage events. The primary key is the exactly-once guarantee: an insert
-- of a stored (tenant, id) does nothing, inside the ingesting transaction.
-- content_hash tells a retry (same content) from a conflict (other content).
CREATE TABLE usage_events (
    tenant_id    TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    namespace    TEXT NOT NULL,
    usage_type   TEXT NOT NULL,
    object_name  TEXT NOT NULL,
    deployment   TEXT NOT NULL DEFAULT '',
    container    TEXT NOT NULL DEFAULT '',
    quantity     NUMERIC NOT NULL,
    unit_name    TEXT NOT NULL,
    ts           TIMESTAMPTZ NOT NULL,
    content_hash TEXT NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);
--bun:split
-- Hourly rollups, maintained in the same transaction as the events, so
-- reports read hours, never raw events. NUMERIC keeps sums exact.
CREATE TABLE usage_hourly (
    tenant_id   TEXT NOT NULL,
    namespace   TEXT NOT NULL,
    usage_type  TEXT NOT NULL,
    object_name TEXT NOT NULL,
    deployment  TEXT NOT NULL,
    container   TEXT NOT NULL,
    hour        TIMESTAMPTZ NOT NULL,
    unit_name   TEXT NOT NULL,
    quantity    NUMERIC NOT NULL,
    events      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, namespace, usage_type, object_name, deployment, container, hour)
);
--bun:split
-- Reports over a time range of the whole tenant read by hour.
CREATE INDEX usage_hourly_tenant_hour ON usage_hourly (tenant_id, hour);
--bun:split
-- Per-tenant settings; a tenant without a row uses the defaults.
CREATE TABLE tenant_settings (
    tenant_id           TEXT PRIMARY KEY,
    late_window_seconds BIGINT NOT NULL
);
