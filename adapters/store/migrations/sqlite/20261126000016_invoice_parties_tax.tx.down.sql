DROP TRIGGER invoices_immutable;
--bun:split
CREATE TRIGGER invoices_immutable BEFORE UPDATE OF tenant_id, name, number, period_start, period_end, currency, plan_name, tenant_name, amount_cents, issued_at, due_at ON invoices
BEGIN
    SELECT RAISE(ABORT, 'issued invoices are immutable: only their status may change');
END;
--bun:split
ALTER TABLE invoices DROP COLUMN tax_cents;
--bun:split
ALTER TABLE invoices DROP COLUMN tax_reverse_charge;
--bun:split
ALTER TABLE invoices DROP COLUMN tax_percent;
--bun:split
ALTER TABLE invoices DROP COLUMN tax_jurisdiction;
--bun:split
ALTER TABLE invoices DROP COLUMN tax_name;
--bun:split
ALTER TABLE invoices DROP COLUMN bill_to;
--bun:split
ALTER TABLE invoices DROP COLUMN issuer;
