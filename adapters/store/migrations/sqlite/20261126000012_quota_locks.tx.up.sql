-- One lock row per tenant that orders reservations against changes of the
-- plan layer of the limits, the same table as on PostgreSQL, where
-- reservations take the row FOR SHARE and a plan switch FOR UPDATE. SQLite
-- leaves it empty: its write transactions take the database's write lock at
-- BEGIN (IMMEDIATE), which already orders them (QuotaRepo.LockLimits).
CREATE TABLE quota_locks (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id)
);
