DROP TABLE tenant_settings;
--bun:split
DROP TABLE usage_hourly;
--bun:split
DROP TABLE usage_events;
