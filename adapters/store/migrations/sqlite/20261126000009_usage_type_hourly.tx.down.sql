DROP TABLE usage_type_hourly;
