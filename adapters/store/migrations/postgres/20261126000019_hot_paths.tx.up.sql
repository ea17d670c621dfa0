-- Reservations in one database round trip (issue 15). Three parts:
--
-- 1. The limits lock becomes a transaction-level advisory lock, shared by
--    reservations and exclusive for a change of the limits (key: 1903521652,
--    hashtext(tenant_id)). quota_locks FOR SHARE from 64 connections at once
--    made PostgreSQL write a new MultiXact on the row for nearly every
--    reservation; an advisory lock lives in the lock table and writes nothing.
-- 2. quota_locks.limits_version counts the changes of a tenant's limits: a
--    trigger on quotas and tenant_plans bumps it, under the exclusive lock,
--    in the changing transaction, whichever process or replica changes them.
--    A reservation names the version its cached limits were built from; a
--    different version makes it touch nothing and answer 'stale'.
-- 3. The tenant-wide counter of a key is split into 32 shards (escrow): each
--    shard has a cap, the caps of a key add up to at most its tenant-wide
--    limit (for the limits version in cap_version), and a reservation adds to
--    the shard of its namespace while it stays within that shard's cap, so
--    reservations of different namespaces no longer queue on one row lock.
--    When it would not fit, it locks every shard of the key (in shard order),
--    checks the exact sum against the limit and deals the room that is left
--    out again. The sum over a key's shards is the tenant-wide usage.
ALTER TABLE quota_locks ADD COLUMN limits_version BIGINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE quota_tenant_counters
    ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0,
    ADD COLUMN cap BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN cap_version BIGINT NOT NULL DEFAULT -1;
--bun:split
ALTER TABLE quota_tenant_counters DROP CONSTRAINT quota_tenant_counters_pkey;
--bun:split
ALTER TABLE quota_tenant_counters ADD PRIMARY KEY (tenant_id, class, key, shard);
--bun:split
CREATE FUNCTION quota_limits_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        t := OLD.tenant_id;
    ELSE
        t := NEW.tenant_id;
    END IF;
    PERFORM pg_advisory_xact_lock(1903521652, hashtext(t));
    INSERT INTO quota_locks (tenant_id, limits_version) VALUES (t, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET limits_version = quota_locks.limits_version + 1;
    RETURN NULL;
END
$$;
--bun:split
CREATE TRIGGER quotas_limits_version AFTER INSERT OR UPDATE OR DELETE ON quotas
    FOR EACH ROW EXECUTE FUNCTION quota_limits_changed();
--bun:split
CREATE TRIGGER tenant_plans_limits_version AFTER INSERT OR UPDATE OR DELETE ON tenant_plans
    FOR EACH ROW EXECUTE FUNCTION quota_limits_changed();
--bun:split
-- quota_reserve applies the deltas (class, key, amount, namespace limit,
-- tenant-wide limit; sorted by class then key) of one reservation all or
-- nothing: in autocommit it is the whole reservation in one statement. It
-- takes the limits lock shared; with p_version set and not the tenant's
-- limits version it touches nothing and returns one row 'stale'. A refused
-- reservation changes nothing and returns one row per refused key
-- (o_rejected 'namespace' or 'tenant', o_current the refusing counter's
-- usage); an applied one returns each key's namespace usage and, with
-- p_tenant_used, its tenant-wide usage (a sum over the shards, read only
-- when asked: a reservation in "system" answers the tenant's counters).
-- With p_ns_created it also records the namespace (created at that time).
-- With p_idem_key it first claims the Idempotency-Key (scope p_idem_scope,
-- request hash p_idem_hash, at p_now) and stores the answer with the
-- counters; a key already claimed returns one row 'replay' with the stored
-- hash and answer and touches nothing else.
-- Locks are taken in the order of the deltas, the namespace's row before the
-- tenant's shards, and within a key either one shard (a conditional UPDATE,
-- which locks nothing when it does not apply) or every shard in order, so
-- reservations cannot deadlock.
CREATE FUNCTION quota_reserve(p_tenant TEXT, p_ns TEXT, p_version BIGINT, p_class TEXT[], p_key TEXT[],
    p_amount BIGINT[], p_max BIGINT[], p_tmax BIGINT[], p_tenant_used BOOLEAN, p_ns_created TIMESTAMPTZ,
    p_idem_scope TEXT, p_idem_key TEXT, p_idem_hash TEXT, p_now TIMESTAMPTZ)
RETURNS TABLE (o_class TEXT, o_key TEXT, o_ns_used BIGINT, o_tenant_used BIGINT, o_rejected TEXT, o_current BIGINT,
    o_hash TEXT, o_answer TEXT)
LANGUAGE plpgsql AS $$
DECLARE
    shards CONSTANT INT := 32;
    s SMALLINT := ((hashtext(p_ns) % 32) + 32) % 32;
    n INT := coalesce(array_length(p_class, 1), 0);
    v BIGINT;
    c TEXT; k TEXT; a BIGINT; mx BIGINT; tmx BIGINT;
    was BIGINT; nsu BIGINT; taken BIGINT; total BIGINT; rest BIGINT; part BIGINT;
    sh RECORD;
    rej_level TEXT[] := '{}'; rej_i INT[] := '{}'; rej_cur BIGINT[] := '{}';
    ns_used BIGINT[] := '{}';
    t_used BIGINT[] := '{}';
    val BIGINT[];
    ans_json JSONB;
    i INT;
BEGIN
    BEGIN
        -- The Idempotency-Key first, as the transactional path claims it: a
        -- concurrent twin waits here until the first commits, then replays
        -- its answer.
        IF p_idem_key IS NOT NULL THEN
            INSERT INTO idempotency_keys (tenant_id, scope, key, request_hash, created_at)
            VALUES (p_tenant, p_idem_scope, p_idem_key, p_idem_hash, p_now)
            ON CONFLICT (tenant_id, scope, key) DO NOTHING;
            IF NOT FOUND THEN
                SELECT ik.request_hash, ik.answer INTO o_hash, o_answer FROM idempotency_keys ik
                WHERE ik.tenant_id = p_tenant AND ik.scope = p_idem_scope AND ik.key = p_idem_key;
                o_rejected := 'replay';
                RETURN NEXT;
                RETURN;
            END IF;
        END IF;
        PERFORM pg_advisory_xact_lock_shared(1903521652, hashtext(p_tenant));
        SELECT l.limits_version INTO v FROM quota_locks l WHERE l.tenant_id = p_tenant;
        v := coalesce(v, 0);
        IF p_version IS NOT NULL AND v <> p_version THEN
            RAISE EXCEPTION USING ERRCODE = 'QR002';
        END IF;
        -- The namespace's record, as NamespaceRegistry.EnsureNamespace
        -- writes it, when the caller does not know it to exist: undone with
        -- the rest when the reservation is refused.
        IF p_ns_created IS NOT NULL THEN
            INSERT INTO namespaces (tenant_id, name, created_at) VALUES (p_tenant, p_ns, p_ns_created)
            ON CONFLICT (tenant_id, name) DO NOTHING;
        END IF;
        FOR i IN 1 .. n LOOP
            c := p_class[i]; k := p_key[i]; a := p_amount[i]; mx := p_max[i]; tmx := p_tmax[i];
            IF a > 0 THEN
                IF a > mx THEN
                    rej_level := rej_level || 'namespace'::TEXT; rej_i := rej_i || i;
                    rej_cur := rej_cur || coalesce((SELECT q.used FROM quota_counters q
                        WHERE q.tenant_id = p_tenant AND q.namespace = p_ns AND q.class = c AND q.key = k), 0);
                    ns_used := ns_used || NULL::BIGINT;
                    CONTINUE;
                END IF;
                IF a > tmx THEN
                    rej_level := rej_level || 'tenant'::TEXT; rej_i := rej_i || i;
                    rej_cur := rej_cur || coalesce((SELECT sum(t.used)::BIGINT FROM quota_tenant_counters t
                        WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k), 0);
                    ns_used := ns_used || NULL::BIGINT;
                    CONTINUE;
                END IF;
                -- A plain UPDATE first: the row exists nearly always, and an
                -- upsert costs a speculative insertion each time.
                UPDATE quota_counters q SET used = q.used + a
                WHERE q.tenant_id = p_tenant AND q.namespace = p_ns AND q.class = c AND q.key = k AND q.used + a <= mx
                RETURNING q.used INTO nsu;
                IF NOT FOUND THEN
                    INSERT INTO quota_counters AS q (tenant_id, namespace, class, key, used) VALUES (p_tenant, p_ns, c, k, a)
                    ON CONFLICT (tenant_id, namespace, class, key) DO UPDATE SET used = q.used + a WHERE q.used + a <= mx
                    RETURNING q.used INTO nsu;
                END IF;
                IF NOT FOUND THEN
                    rej_level := rej_level || 'namespace'::TEXT; rej_i := rej_i || i;
                    rej_cur := rej_cur || coalesce((SELECT q.used FROM quota_counters q
                        WHERE q.tenant_id = p_tenant AND q.namespace = p_ns AND q.class = c AND q.key = k), 0);
                    ns_used := ns_used || NULL::BIGINT;
                    CONTINUE;
                END IF;
                ns_used := ns_used || nsu;
                UPDATE quota_tenant_counters t SET used = t.used + a
                WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k AND t.shard = s
                  AND t.cap_version = v AND t.used + a <= t.cap;
                IF FOUND THEN
                    CONTINUE;
                END IF;
                -- The shard has no room (or its cap is of other limits): lock
                -- every shard, check the exact sum, deal the room out again.
                INSERT INTO quota_tenant_counters (tenant_id, class, key, shard, used, cap, cap_version)
                SELECT p_tenant, c, k, g, 0, 0, -1 FROM generate_series(0, shards - 1) g
                ON CONFLICT DO NOTHING;
                PERFORM 1 FROM quota_tenant_counters t WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k
                ORDER BY t.shard FOR UPDATE;
                SELECT sum(t.used)::BIGINT INTO total FROM quota_tenant_counters t
                WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k;
                IF total + a > tmx THEN
                    rej_level := rej_level || 'tenant'::TEXT; rej_i := rej_i || i; rej_cur := rej_cur || total;
                    CONTINUE;
                END IF;
                rest := tmx - total - a;
                UPDATE quota_tenant_counters t
                SET used = t.used + CASE WHEN t.shard = s THEN a ELSE 0 END,
                    cap = t.used + CASE WHEN t.shard = s THEN a ELSE 0 END + rest / shards
                        + CASE WHEN t.shard < rest % shards THEN 1 ELSE 0 END,
                    cap_version = v
                WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k;
            ELSE
                -- A release takes from the tenant-wide usage exactly what it
                -- took from the namespace's: its own shard first, then the
                -- others in shard order.
                INSERT INTO quota_counters AS q (tenant_id, namespace, class, key, used) VALUES (p_tenant, p_ns, c, k, 0)
                ON CONFLICT (tenant_id, namespace, class, key) DO UPDATE SET used = q.used
                RETURNING q.used INTO was;
                nsu := greatest(was + a, 0);
                ns_used := ns_used || nsu;
                taken := was - nsu;
                IF taken = 0 THEN
                    CONTINUE;
                END IF;
                UPDATE quota_counters q SET used = nsu
                WHERE q.tenant_id = p_tenant AND q.namespace = p_ns AND q.class = c AND q.key = k;
                UPDATE quota_tenant_counters t SET used = t.used - taken
                WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k AND t.shard = s AND t.used >= taken;
                IF FOUND THEN
                    CONTINUE;
                END IF;
                FOR sh IN SELECT t.shard, t.used FROM quota_tenant_counters t
                    WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k ORDER BY t.shard FOR UPDATE
                LOOP
                    NULL;
                END LOOP;
                FOR sh IN SELECT t.shard, t.used FROM quota_tenant_counters t
                    WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k AND t.used > 0
                    ORDER BY (t.shard <> s), t.shard
                LOOP
                    EXIT WHEN taken = 0;
                    part := least(sh.used, taken);
                    UPDATE quota_tenant_counters t SET used = t.used - part
                    WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k AND t.shard = sh.shard;
                    taken := taken - part;
                END LOOP;
            END IF;
        END LOOP;
        IF array_length(rej_i, 1) > 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'QR001';
        END IF;
        FOR i IN 1 .. n LOOP
            IF p_tenant_used THEN
                t_used[i] := coalesce((SELECT sum(t.used)::BIGINT FROM quota_tenant_counters t
                    WHERE t.tenant_id = p_tenant AND t.class = p_class[i] AND t.key = p_key[i]), 0);
            END IF;
        END LOOP;
        -- The answer stored under the Idempotency-Key: what the service
        -- answers (quota.ReserveResult's JSON), the tenant's counters for
        -- "system", else the namespace's.
        IF p_idem_key IS NOT NULL THEN
            val := CASE WHEN p_tenant_used THEN t_used ELSE ns_used END;
            ans_json := jsonb_strip_nulls(jsonb_build_object(
                'objects', (SELECT jsonb_object_agg(p_key[j], val[j]) FROM generate_subscripts(p_class, 1) j WHERE p_class[j] = 'objects'),
                'resources', (SELECT jsonb_object_agg(p_key[j], val[j]) FROM generate_subscripts(p_class, 1) j WHERE p_class[j] = 'resources'),
                'apis', (SELECT jsonb_object_agg(p_key[j], val[j]) FROM generate_subscripts(p_class, 1) j WHERE p_class[j] = 'apis')));
            UPDATE idempotency_keys ik SET answer = ans_json::TEXT
            WHERE ik.tenant_id = p_tenant AND ik.scope = p_idem_scope AND ik.key = p_idem_key;
        END IF;
    EXCEPTION WHEN SQLSTATE 'QR002' THEN
        -- Limits of another version: nothing happened (the key's claim too).
        o_rejected := 'stale'; o_current := v;
        RETURN NEXT;
        RETURN;
    WHEN SQLSTATE 'QR001' THEN
        -- Refused: the block's changes are undone; report each refusal.
        FOR i IN 1 .. array_length(rej_i, 1) LOOP
            o_class := p_class[rej_i[i]]; o_key := p_key[rej_i[i]];
            o_rejected := rej_level[i]; o_current := rej_cur[i];
            RETURN NEXT;
        END LOOP;
        RETURN;
    END;
    FOR i IN 1 .. n LOOP
        o_class := p_class[i]; o_key := p_key[i]; o_ns_used := ns_used[i]; o_tenant_used := t_used[i];
        RETURN NEXT;
    END LOOP;
    RETURN;
END
$$;
--bun:split
-- Daily totals per usage type (issue 15, current_usage): usage_type_hourly
-- summed per UTC day, same namespace, type, unit and shard, maintained by
-- the same statement of the same ingesting transaction, so each row is
-- exactly the sum of its day's hourly rows. A month's report reads about 31
-- rows per key instead of 744; the hours of a range that do not make a whole
-- day still come from usage_type_hourly. PostgreSQL only, like the
-- partitions: SQLite's reports keep reading usage_type_hourly.
CREATE TABLE usage_type_daily (
    tenant_id  TEXT NOT NULL,
    day        TIMESTAMPTZ NOT NULL,
    namespace  TEXT NOT NULL,
    usage_type TEXT NOT NULL,
    unit_name  TEXT NOT NULL,
    quantity   NUMERIC NOT NULL,
    events     BIGINT NOT NULL,
    shard      SMALLINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day, namespace, usage_type, unit_name, shard)
);
--bun:split
INSERT INTO usage_type_daily (tenant_id, day, namespace, usage_type, unit_name, quantity, events, shard)
SELECT tenant_id, date_trunc('day', hour, 'UTC'), namespace, usage_type, unit_name, sum(quantity), sum(events), shard
FROM usage_type_hourly
GROUP BY tenant_id, date_trunc('day', hour, 'UTC'), namespace, usage_type, unit_name, shard;
