-- Invoices cancelled by the up migration stay cancelled (their trail says why).
DROP TRIGGER invoice_lines_sealed;
--bun:split
DROP TRIGGER invoice_issue_checks_amount;
--bun:split
DROP TRIGGER invoices_amount_not_negative;
