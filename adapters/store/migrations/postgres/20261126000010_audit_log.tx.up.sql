-- Append-only: the application only ever inserts here. seq numbers a
-- tenant's records without gaps, in commit order, and is the cursor.
CREATE TABLE audit_log (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    seq       BIGINT NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    namespace TEXT NOT NULL DEFAULT '',
    object    TEXT NOT NULL DEFAULT '',
    before    TEXT,
    after     TEXT,
    PRIMARY KEY (tenant_id, seq)
);
--bun:split
-- The last seq of each tenant. Taking the next number locks this row until
-- commit, so records are numbered in the order their changes commit.
CREATE TABLE audit_seqs (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
    last      BIGINT NOT NULL
);
