-- Plan catalogs loaded with 'billingd plans load'; the newest one is in
-- force, the built-in catalog when there is none. Kept whole and never
-- changed, so what a tenant was priced with can be traced.
CREATE TABLE plan_catalogs (
    id        BIGINT PRIMARY KEY,
    version   TEXT NOT NULL,
    body      TEXT NOT NULL,
    loaded_at TIMESTAMPTZ NOT NULL
);
