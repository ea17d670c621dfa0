DROP TABLE invoice_status_changes;
--bun:split
DROP TABLE invoice_counters;
--bun:split
DROP TABLE invoice_lines;
--bun:split
DROP TABLE invoices;
--bun:split
DROP FUNCTION invoice_immutable();
