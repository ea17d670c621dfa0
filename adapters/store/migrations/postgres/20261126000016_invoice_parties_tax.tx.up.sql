-- Invoices a finance team accepts (issue 17): who issued the invoice and
-- whom it bills (JSON, frozen at issue), and its tax on the subtotal.
-- amount_cents stays the total due: the sum of the lines plus tax_cents.
-- Invoices issued before keep working: empty parties, no tax.
ALTER TABLE invoices ADD COLUMN issuer TEXT NOT NULL DEFAULT '{}';
--bun:split
ALTER TABLE invoices ADD COLUMN bill_to TEXT NOT NULL DEFAULT '{}';
--bun:split
ALTER TABLE invoices ADD COLUMN tax_name TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE invoices ADD COLUMN tax_jurisdiction TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE invoices ADD COLUMN tax_percent NUMERIC NOT NULL DEFAULT 0 CHECK (tax_percent >= 0 AND tax_percent <= 100);
--bun:split
ALTER TABLE invoices ADD COLUMN tax_reverse_charge BOOLEAN NOT NULL DEFAULT FALSE;
--bun:split
ALTER TABLE invoices ADD COLUMN tax_cents BIGINT NOT NULL DEFAULT 0;
--bun:split
-- The new columns are as immutable as the rest of an issued invoice.
DROP TRIGGER invoices_immutable ON invoices;
--bun:split
CREATE TRIGGER invoices_immutable BEFORE UPDATE OF tenant_id, name, number, period_start, period_end, currency, plan_name, tenant_name, amount_cents, issued_at, due_at,
    issuer, bill_to, tax_name, tax_jurisdiction, tax_percent, tax_reverse_charge, tax_cents ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoice_immutable();
