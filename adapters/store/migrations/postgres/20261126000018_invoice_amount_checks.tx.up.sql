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
-- status trail saying why; their rows stay as issued (immutable).
WITH bad AS (
    SELECT i.tenant_id, i.name, i.status FROM invoices i
    WHERE i.status IN ('STATUS_ISSUED', 'OVERDUE')
      AND (i.amount_cents < 0 OR i.tax_cents < 0 OR i.amount_cents <>
           i.tax_cents + (SELECT COALESCE(SUM(l.amount_cents), 0) FROM invoice_lines l WHERE l.tenant_id = i.tenant_id AND l.invoice = i.name))
), trail AS (
    INSERT INTO invoice_status_changes (tenant_id, invoice, to_status, from_status, at, actor)
    SELECT tenant_id, name, 'STATUS_CANCELLED', status, now(), 'migration 18: amount is not its lines plus tax, or is negative'
    FROM bad
)
UPDATE invoices SET status = 'STATUS_CANCELLED' FROM bad WHERE invoices.tenant_id = bad.tenant_id AND invoices.name = bad.name;
--bun:split
CREATE FUNCTION invoice_amount_not_negative() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.amount_cents < 0 OR NEW.tax_cents < 0 THEN
        RAISE EXCEPTION 'invoice %: a negative amount (%) or tax (%) is never issued', NEW.name, NEW.amount_cents, NEW.tax_cents
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
--bun:split
CREATE TRIGGER invoices_amount_not_negative BEFORE INSERT ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoice_amount_not_negative();
--bun:split
CREATE FUNCTION invoice_amount_is_lines_plus_tax() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    amount BIGINT;
    tax    BIGINT;
    lines  NUMERIC;
BEGIN
    SELECT amount_cents, tax_cents INTO amount, tax FROM invoices WHERE tenant_id = NEW.tenant_id AND name = NEW.invoice;
    SELECT COALESCE(SUM(amount_cents), 0) INTO lines FROM invoice_lines WHERE tenant_id = NEW.tenant_id AND invoice = NEW.invoice;
    IF amount IS NULL OR amount < 0 OR lines + tax <> amount THEN
        RAISE EXCEPTION 'invoice %: amount % is not the sum of its lines (%) plus tax (%)', NEW.invoice, amount, lines, tax
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
--bun:split
CREATE TRIGGER invoice_issue_checks_amount BEFORE INSERT ON invoice_status_changes
    FOR EACH ROW WHEN (NEW.to_status = 'STATUS_ISSUED') EXECUTE FUNCTION invoice_amount_is_lines_plus_tax();
--bun:split
CREATE FUNCTION invoice_lines_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM invoice_status_changes WHERE tenant_id = NEW.tenant_id AND invoice = NEW.invoice) THEN
        RAISE EXCEPTION 'issued invoices are immutable: invoice % has no room for another line', NEW.invoice
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
--bun:split
CREATE TRIGGER invoice_lines_sealed BEFORE INSERT ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION invoice_lines_sealed();
