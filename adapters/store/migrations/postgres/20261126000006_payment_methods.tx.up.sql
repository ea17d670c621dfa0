-- Payment methods are tenant-wide (the namespace of the F5 paths is not
-- stored). The two partial unique indexes are what keeps "at most one
-- primary and one secondary per tenant" true under concurrent requests.
CREATE TABLE payment_methods (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    token      TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('PAYMENT_METHOD_ROLE_PRIMARY', 'PAYMENT_METHOD_ROLE_SECONDARY', 'PAYMENT_METHOD_ROLE_NORMAL')),
    contact    TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
--bun:split
CREATE UNIQUE INDEX payment_methods_one_primary ON payment_methods (tenant_id) WHERE role = 'PAYMENT_METHOD_ROLE_PRIMARY';
--bun:split
CREATE UNIQUE INDEX payment_methods_one_secondary ON payment_methods (tenant_id) WHERE role = 'PAYMENT_METHOD_ROLE_SECONDARY';
--bun:split
-- The last number given to a payment method of the tenant, so a deleted
-- name is never reused. Its row is also the lock that serialises writers of
-- the tenant's payment methods.
CREATE TABLE payment_method_seqs (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
    last_seq  BIGINT NOT NULL
);
