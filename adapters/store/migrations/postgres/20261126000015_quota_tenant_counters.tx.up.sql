-- The system namespace is the tenant: the limits of the plan's default quota
-- and of the quota objects in "system" bind the sum of usage over every
-- namespace. One counter per tenant and key holds that sum, moved in the same
-- transaction as the namespace's counter (quota_counters) by a conditional
-- upsert of its own, so both levels are checked atomically. used is in
-- millionths, like quota_counters.used.
CREATE TABLE quota_tenant_counters (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    class     TEXT NOT NULL CHECK (class IN ('objects', 'resources', 'apis')),
    key       TEXT NOT NULL,
    used      BIGINT NOT NULL CHECK (used >= 0),
    PRIMARY KEY (tenant_id, class, key)
);
--bun:split
-- Carry the counters of the previous release forward: each tenant-wide total
-- is the sum of the key's namespace counters. A sum past the largest
-- countable amount (10^18 millionths, quota.MaxCounter) is capped there, as a
-- reservation would be.
INSERT INTO quota_tenant_counters (tenant_id, class, key, used)
SELECT tenant_id, class, key, LEAST(SUM(used), 1000000000000000000)
FROM quota_counters
GROUP BY tenant_id, class, key;
