DROP TABLE idempotency_keys;
--bun:split
DROP TABLE quota_counters;
--bun:split
DROP TABLE quotas;
--bun:split
DROP TABLE namespaces;
--bun:split
DROP TABLE api_tokens;
--bun:split
DROP TABLE tenants;
