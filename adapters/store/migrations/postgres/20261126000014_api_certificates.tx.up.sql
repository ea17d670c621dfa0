-- API certificates (mutual TLS): client certificates signed by the
-- installation CA, each a credential of a tenant like an API token (same
-- roles, namespace binding, rate limit and audit). The certificate's key is
-- never kept; it is recognised by the SHA-256 of its DER (fingerprint).
-- The CA itself is a row of install_secrets named 'api-certificate-ca'
-- (certificate and key as PEM), created on first use. A new table:
-- existing tokens and their rows are untouched.
CREATE TABLE api_certificates (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    fingerprint TEXT NOT NULL UNIQUE,
    serial      TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    namespace   TEXT NOT NULL DEFAULT '',
    not_after   TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
--bun:split
CREATE INDEX api_certificates_tenant ON api_certificates (tenant_id, created_at);
