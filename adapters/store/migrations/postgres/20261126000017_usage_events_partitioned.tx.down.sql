-- Back to one unpartitioned table whose primary key is the dedup. Events
-- of months already dropped by retention stay gone; their ids go too.
CREATE TABLE usage_events_plain (
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
INSERT INTO usage_events_plain SELECT tenant_id, event_id, namespace, usage_type, object_name, deployment, container, quantity, unit_name, ts, content_hash, received_at FROM usage_events;
--bun:split
DROP TABLE usage_events;
--bun:split
ALTER TABLE usage_events_plain RENAME TO usage_events;
--bun:split
ALTER INDEX usage_events_plain_pkey RENAME TO usage_events_pkey;
--bun:split
DROP FUNCTION usage_events_partition(TIMESTAMPTZ);
--bun:split
DROP TABLE usage_event_id_purges;
--bun:split
DROP TABLE usage_event_ids;
