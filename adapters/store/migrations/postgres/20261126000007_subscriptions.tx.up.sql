-- Plan transitions (ops 9, 10). id is unique on its own too: the no-auth
-- GetPlanTransition and the operator CLI find a transition by id alone.
-- The payload is JSON, without the payment token.
CREATE TABLE plan_transitions (
    tenant_id                TEXT NOT NULL REFERENCES tenants (id),
    id                       TEXT NOT NULL,
    old_plan                 TEXT NOT NULL,
    new_plan                 TEXT NOT NULL,
    state                    TEXT NOT NULL,
    requires_manual_approval BOOLEAN NOT NULL,
    payload                  TEXT NOT NULL,
    failure_reason           TEXT NOT NULL,
    decided_by               TEXT NOT NULL,
    created_at               TIMESTAMPTZ NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
--bun:split
CREATE UNIQUE INDEX plan_transitions_id ON plan_transitions (id);
--bun:split
-- At most one transition per tenant in flight; a second insert is refused
-- (or waits for the first to commit) by this index.
CREATE UNIQUE INDEX plan_transitions_one_in_flight ON plan_transitions (tenant_id)
    WHERE state IN ('STATE_CREATING', 'STATE_WAITING_FOR_APPROVAL');
--bun:split
-- Subscriptions: one row per uninterrupted stint on a plan or an add-on;
-- ended_at is NULL while it runs. Invoices prorate from these instants.
CREATE TABLE subscriptions (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    id         TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('plan', 'addon')),
    name       TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    ended_at   TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id)
);
--bun:split
CREATE UNIQUE INDEX subscriptions_one_open_plan ON subscriptions (tenant_id) WHERE kind = 'plan' AND ended_at IS NULL;
--bun:split
CREATE UNIQUE INDEX subscriptions_one_open_addon ON subscriptions (tenant_id, name) WHERE kind = 'addon' AND ended_at IS NULL;
--bun:split
CREATE INDEX subscriptions_by_start ON subscriptions (tenant_id, started_at);
--bun:split
-- Plan changes, for proration: the old plan, the new one and the instant.
CREATE TABLE subscription_changes (
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    id            TEXT NOT NULL,
    transition_id TEXT NOT NULL,
    old_plan      TEXT NOT NULL,
    new_plan      TEXT NOT NULL,
    changed_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
