-- Money that reconciles (issue 11): the database itself refuses an invoice
-- whose amount is not the sum of its lines plus its tax, or is negative.
-- An invoice is inserted, then its lines, then the first entry of its
-- status trail (to STATUS_ISSUED), in one transaction: that entry seals it.
-- Sealing checks the sum; lines cannot be added to a sealed invoice; and
-- no invoice row may carry a negative amount or tax.
--
-- Existing data: the previous release wrote amount = Σ lines + tax except
-- when a line saturated at the int64 limit and the sum wrapped (the
-- overflow bug of issue 11, which issued negative invoices). Such invoices
-- still due (ISSUED, OVERDUE) are cancelled here, with an entry in their
-- status trail saying why; their rows stay as issued (immutable). total()
-- sums as a float, so a sum past int64 (the bug) is found, not an error.
CREATE TEMP TABLE invoices_to_cancel AS
    SELECT i.tenant_id, i.name, i.status FROM invoices i
    WHERE i.status IN ('STATUS_ISSUED', 'OVERDUE')
      AND (i.amount_cents < 0 OR i.tax_cents < 0 OR i.amount_cents <>
           i.tax_cents + (SELECT total(l.amount_cents) FROM invoice_lines l WHERE l.tenant_id = i.tenant_id AND l.invoice = i.name));
--bun:split
INSERT INTO invoice_status_changes (tenant_id, invoice, to_status, from_status, at, actor)
    SELECT tenant_id, name, 'STATUS_CANCELLED', status, strftime('%Y-%m-%d %H:%M:%f', 'now') || '+00:00',
        'migration 18: amount is not its lines plus tax, or is negative'
    FROM invoices_to_cancel;
--bun:split
UPDATE invoices SET status = 'STATUS_CANCELLED'
    WHERE EXISTS (SELECT 1 FROM invoices_to_cancel b WHERE b.tenant_id = invoices.tenant_id AND b.name = invoices.name);
--bun:split
DROP TABLE invoices_to_cancel;
--bun:split
CREATE TRIGGER invoices_amount_not_negative BEFORE INSERT ON invoices
    WHEN NEW.amount_cents < 0 OR NEW.tax_cents < 0
BEGIN
    SELECT RAISE(ABORT, 'a negative invoice amount or tax is never issued');
END;
--bun:split
CREATE TRIGGER invoice_issue_checks_amount BEFORE INSERT ON invoice_status_changes
    WHEN NEW.to_status = 'STATUS_ISSUED' AND (
        SELECT i.amount_cents < 0 OR i.amount_cents <> i.tax_cents +
            (SELECT coalesce(sum(l.amount_cents), 0) FROM invoice_lines l WHERE l.tenant_id = i.tenant_id AND l.invoice = i.name)
        FROM invoices i WHERE i.tenant_id = NEW.tenant_id AND i.name = NEW.invoice)
BEGIN
    SELECT RAISE(ABORT, 'invoice amount is not the sum of its lines plus tax');
END;
--bun:split
CREATE TRIGGER invoice_lines_sealed BEFORE INSERT ON invoice_lines
    WHEN EXISTS (SELECT 1 FROM invoice_status_changes s WHERE s.tenant_id = NEW.tenant_id AND s.invoice = NEW.invoice)
BEGIN
    SELECT RAISE(ABORT, 'issued invoices are immutable: no line may be added');
END;
