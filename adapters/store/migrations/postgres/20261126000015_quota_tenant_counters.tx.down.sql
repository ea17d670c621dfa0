DROP TABLE quota_tenant_counters;
