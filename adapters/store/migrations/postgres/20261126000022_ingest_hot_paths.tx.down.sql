ALTER TABLE usage_hourly RESET (fillfactor);
ALTER TABLE usage_object_daily RESET (fillfactor);
ALTER TABLE usage_type_hourly RESET (fillfactor);
ALTER TABLE usage_type_daily RESET (fillfactor);
DROP FUNCTION usage_insert_events(TEXT, TIMESTAMPTZ, TEXT[], TEXT[], TEXT[], TEXT[], TEXT[], TEXT[], TEXT[], TEXT[], TIMESTAMPTZ[], TEXT[]);
