-- Operator tokens are support staff's credentials: they belong to no tenant
-- (so no tenant_id, role or namespace) and name the tenant they act on per
-- request. Like api_tokens, only the SHA-256 of the secret is kept. A new
-- table: existing tokens and their rows are untouched.
CREATE TABLE operator_tokens (
    id         TEXT PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
