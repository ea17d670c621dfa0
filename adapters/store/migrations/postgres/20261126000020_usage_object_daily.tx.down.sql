DROP TABLE usage_object_daily;
