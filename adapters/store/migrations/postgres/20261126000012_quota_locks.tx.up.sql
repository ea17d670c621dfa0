-- One lock row per tenant that orders reservations against changes of the
-- plan layer of the limits. A reservation reads the effective limits and then
-- moves counters; a downgrade reads the counters and then switches the plan.
-- Without a common lock each can act on what the other has not committed yet
-- and a downgrade finishes over quota. Reservations take the row FOR SHARE
-- (they still run in parallel), a plan switch FOR UPDATE (it waits for the
-- reservations in flight and holds new ones until it commits). Rows are
-- created on first use. SQLite has the same table (its migration 12) and
-- leaves it empty: its write transactions take the database's write lock at
-- BEGIN (IMMEDIATE), which already orders them.
CREATE TABLE quota_locks (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id)
);
