-- Issued invoices. Lines and amounts never change after issue (the
-- triggers below refuse it); only status moves, and every move is appended
-- to invoice_status_changes in the same transaction. The unique
-- (tenant_id, period_start) is what makes closing safe to run twice and on
-- several replicas at once.
CREATE TABLE invoices (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    name         TEXT NOT NULL,
    number       BIGINT NOT NULL CHECK (number > 0),
    period_start TIMESTAMP NOT NULL,
    period_end   TIMESTAMP NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('STATUS_ISSUED', 'STATUS_PAID', 'STATUS_REFUNDED', 'STATUS_CANCELLED', 'OVERDUE')),
    currency     TEXT NOT NULL,
    plan_name    TEXT NOT NULL,
    tenant_name  TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    issued_at    TIMESTAMP NOT NULL,
    due_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, name),
    UNIQUE (tenant_id, period_start),
    UNIQUE (tenant_id, number)
);
--bun:split
CREATE INDEX invoices_issued_due ON invoices (due_at) WHERE status = 'STATUS_ISSUED';
--bun:split
CREATE TABLE invoice_lines (
    tenant_id     TEXT NOT NULL,
    invoice       TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('plan', 'usage', 'addon', 'adjustment', 'proration')),
    description   TEXT NOT NULL,
    usage_type    TEXT NOT NULL DEFAULT '',
    for_period    TEXT NOT NULL,
    quantity      TEXT NOT NULL,
    unit          TEXT NOT NULL DEFAULT '',
    billable      TEXT NOT NULL,
    billable_unit TEXT NOT NULL DEFAULT '',
    unit_price    TEXT NOT NULL,
    amount_cents  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, invoice, seq),
    FOREIGN KEY (tenant_id, invoice) REFERENCES invoices (tenant_id, name)
);
--bun:split
-- The last invoice number of each tenant. Its row is locked by the issuing
-- transaction, so numbers have no gaps and closers of a tenant take turns.
CREATE TABLE invoice_counters (
    tenant_id   TEXT PRIMARY KEY REFERENCES tenants (id),
    last_number BIGINT NOT NULL
);
--bun:split
-- The audit trail. The status graph has no cycles, so an invoice reaches a
-- status at most once: to_status is part of the key.
CREATE TABLE invoice_status_changes (
    tenant_id   TEXT NOT NULL,
    invoice     TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    from_status TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    actor       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, invoice, to_status),
    FOREIGN KEY (tenant_id, invoice) REFERENCES invoices (tenant_id, name)
);
--bun:split
CREATE TRIGGER invoice_lines_no_update BEFORE UPDATE ON invoice_lines
BEGIN
    SELECT RAISE(ABORT, 'issued invoices are immutable: only their status may change');
END;
--bun:split
CREATE TRIGGER invoice_lines_no_delete BEFORE DELETE ON invoice_lines
BEGIN
    SELECT RAISE(ABORT, 'issued invoices are immutable: only their status may change');
END;
--bun:split
CREATE TRIGGER invoices_immutable BEFORE UPDATE OF tenant_id, name, number, period_start, period_end, currency, plan_name, tenant_name, amount_cents, issued_at, due_at ON invoices
BEGIN
    SELECT RAISE(ABORT, 'issued invoices are immutable: only their status may change');
END;
--bun:split
CREATE TRIGGER invoices_not_deleted BEFORE DELETE ON invoices
BEGIN
    SELECT RAISE(ABORT, 'issued invoices are immutable: only their status may change');
END;
