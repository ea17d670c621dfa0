CREATE TABLE tenants (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    hash       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    namespace  TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
--bun:split
CREATE TABLE namespaces (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
--bun:split
CREATE TABLE quotas (
    tenant_id        TEXT NOT NULL REFERENCES tenants (id),
    namespace        TEXT NOT NULL,
    name             TEXT NOT NULL,
    uid              TEXT NOT NULL UNIQUE,
    labels           TEXT NOT NULL DEFAULT '{}',
    annotations      TEXT NOT NULL DEFAULT '{}',
    description      TEXT NOT NULL DEFAULT '',
    disable          BOOLEAN NOT NULL DEFAULT FALSE,
    spec             TEXT NOT NULL DEFAULT '{}',
    resource_version BIGINT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    modified_at      TIMESTAMP NOT NULL,
    creator_class    TEXT NOT NULL DEFAULT '',
    creator_id       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, namespace, name)
);
--bun:split
-- used is in millionths of the key's unit (see quota.Amount); the CHECK is
-- the last line of defence behind the conditional upsert.
CREATE TABLE quota_counters (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    namespace TEXT NOT NULL,
    class     TEXT NOT NULL CHECK (class IN ('objects', 'resources', 'apis')),
    key       TEXT NOT NULL,
    used      BIGINT NOT NULL CHECK (used >= 0),
    PRIMARY KEY (tenant_id, namespace, class, key)
);
--bun:split
CREATE TABLE idempotency_keys (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    answer       TEXT,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, scope, key)
);
