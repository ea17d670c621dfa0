-- Secrets of this installation (e.g. the key that signs report tokens),
-- created once and shared by every replica.
CREATE TABLE install_secrets (
    name       TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
