DROP TABLE invoice_status_changes;
--bun:split
DROP TABLE invoice_counters;
--bun:split
DROP TRIGGER invoice_lines_no_update;
--bun:split
DROP TRIGGER invoice_lines_no_delete;
--bun:split
DROP TABLE invoice_lines;
--bun:split
DROP TABLE invoices;
