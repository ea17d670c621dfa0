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
-- reservation would be. SQLite's SUM fails on an int64 overflow, even in a
-- CASE branch not taken, so the exact sum is a subquery evaluated only when
-- TOTAL (a double) says it is below the cap.
INSERT INTO quota_tenant_counters (tenant_id, class, key, used)
SELECT g.tenant_id, g.class, g.key,
       CASE WHEN g.total >= 1000000000000000000 THEN 1000000000000000000
            ELSE (SELECT SUM(c.used) FROM quota_counters c
                  WHERE c.tenant_id = g.tenant_id AND c.class = g.class AND c.key = g.key)
       END
FROM (SELECT tenant_id, class, key, TOTAL(used) AS total
      FROM quota_counters GROUP BY tenant_id, class, key) g;
