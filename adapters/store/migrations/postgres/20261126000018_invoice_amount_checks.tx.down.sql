-- Invoices cancelled by the up migration stay cancelled (their trail says why).
DROP TRIGGER invoice_lines_sealed ON invoice_lines;
--bun:split
DROP FUNCTION invoice_lines_sealed();
--bun:split
DROP TRIGGER invoice_issue_checks_amount ON invoice_status_changes;
--bun:split
DROP FUNCTION invoice_amount_is_lines_plus_tax();
--bun:split
DROP TRIGGER invoices_amount_not_negative ON invoices;
--bun:split
DROP FUNCTION invoice_amount_not_negative();
