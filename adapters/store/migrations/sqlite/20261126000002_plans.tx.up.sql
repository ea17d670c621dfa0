-- A tenant without a row is on the catalog's FREE plan, so tenants need no
-- row at creation. plan_name is not a foreign key: plans live in the catalog.
CREATE TABLE tenant_plans (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
    plan_name TEXT NOT NULL,
    since     TIMESTAMP NOT NULL
);
