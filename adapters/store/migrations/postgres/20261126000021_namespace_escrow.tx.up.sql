-- Tenant-wide escrow per namespace instead of 32 hashed shards (issue 15).
--
-- With 32 shards chosen by hashtext(namespace), namespaces shared shards:
-- 64 namespaces reserving at once queued on about 32 shard rows, each lock
-- held to its transaction's commit. Measured with pgbench alone (64
-- namespaces, two keys, no server, 2 cores): quota_reserve ran 2,155-2,292
-- calls/s with 16 clients and 1,070-1,149 with 64; quota_reserve_slots
-- 2,610-2,887 and 1,630-2,021.
--
-- quota_tenant_counters now has one row per namespace and key (slot = the
-- namespace) and one pool row per key (slot ''):
-- * a namespace's row holds the part of the tenant-wide limit it may use
--   without asking (cap, valid for the limits version cap_version);
-- * the pool row's cap is the sum of the namespaces' caps at its cap_version,
--   and its used the usage no namespace row holds (the previous release's
--   shards are folded into it here);
-- * the tenant-wide usage is, as before, the sum of used over a key's rows.
-- quota_reserve_slots replaces quota_reserve. quota_reserve stays, unused by
-- this release: the down migration brings back the shards it works on, and
-- the previous release calls it.
CREATE TEMPORARY TABLE quota_tenant_sums ON COMMIT DROP AS
SELECT tenant_id, class, key, sum(used)::BIGINT AS used FROM quota_tenant_counters GROUP BY tenant_id, class, key;
--bun:split
DELETE FROM quota_tenant_counters;
--bun:split
ALTER TABLE quota_tenant_counters DROP CONSTRAINT quota_tenant_counters_pkey;
--bun:split
ALTER TABLE quota_tenant_counters DROP COLUMN shard, ADD COLUMN slot TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE quota_tenant_counters ADD PRIMARY KEY (tenant_id, class, key, slot);
--bun:split
-- cap_version -1: the first reservation of each key deals the room out.
INSERT INTO quota_tenant_counters (tenant_id, class, key, slot, used, cap, cap_version)
SELECT tenant_id, class, key, '', used, 0, -1 FROM quota_tenant_sums;
--bun:split
-- quota_reserve_slots takes the arguments of quota_reserve and answers as
-- it does (see migration 19); only the tenant-wide counters differ. For an
-- increase of a key:
-- 1. fast path: the namespace's row takes it while it stays within its cap
--    of the current limits version (a conditional UPDATE of one row); when
--    it does not, the whole reservation is undone and runs again in slow
--    mode, where every key takes its pool row lock before its own row
--    (see the handler of QR003) and its own row still serves when it has
--    room;
-- 2. else, under the key's pool row lock: when the pool is of the current
--    version and the limit minus the pool's used and cap leaves room for
--    what is missing, the namespace's cap grows by that and a sixteenth of
--    the room left (no other namespace's row is touched);
-- 3. else every row of the key is locked in slot order, the exact sum is
--    checked against the limit, and the room left is dealt out evenly over
--    the namespaces' rows, all at the current version.
-- While the pool is of the current version every namespace row is either of
-- that version (its cap counted in the pool's cap) or new and unused (step 2
-- takes no other; step 3 sets every row to the version), so
-- pool.used + pool.cap <= limit bounds the usage: a limit is never passed,
-- and step 3 refuses only when the exact sum has no room.
-- Locks are taken in the order of the deltas; within a key the namespace's
-- counter, then either its own tenant-wide row alone (fast path: nothing
-- more of that key) or the pool row, its own row and (step 3) every row in
-- slot order, where '' comes first; releases lock their own row alone or
-- every row in slot order. So reservations cannot deadlock.
CREATE FUNCTION quota_reserve_slots(p_tenant TEXT, p_ns TEXT, p_version BIGINT, p_class TEXT[], p_key TEXT[],
    p_amount BIGINT[], p_max BIGINT[], p_tmax BIGINT[], p_tenant_used BOOLEAN, p_ns_created TIMESTAMPTZ,
    p_idem_scope TEXT, p_idem_key TEXT, p_idem_hash TEXT, p_now TIMESTAMPTZ)
RETURNS TABLE (o_class TEXT, o_key TEXT, o_ns_used BIGINT, o_tenant_used BIGINT, o_rejected TEXT, o_current BIGINT,
    o_hash TEXT, o_answer TEXT)
LANGUAGE plpgsql AS $$
DECLARE
    n INT := coalesce(array_length(p_class, 1), 0);
    v BIGINT;
    c TEXT; k TEXT; a BIGINT; mx BIGINT; tmx BIGINT;
    was BIGINT; nsu BIGINT; taken BIGINT; total BIGINT; rest BIGINT; part BIGINT; slots BIGINT;
    pool_used BIGINT; pool_cap BIGINT; pool_version BIGINT;
    own_used BIGINT; own_cap BIGINT; own_version BIGINT; held BIGINT; missing BIGINT; free BIGINT; grant_ BIGINT;
    sh RECORD;
    slow BOOLEAN := false;
    rej_level TEXT[] := '{}'; rej_i INT[] := '{}'; rej_cur BIGINT[] := '{}';
    ns_used BIGINT[] := '{}';
    t_used BIGINT[] := '{}';
    val BIGINT[];
    ans_json JSONB;
    i INT;
BEGIN
    <<attempt>>
    LOOP
    BEGIN
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
        IF p_ns_created IS NOT NULL THEN
            INSERT INTO namespaces (tenant_id, name, created_at) VALUES (p_tenant, p_ns, p_ns_created)
            ON CONFLICT (tenant_id, name) DO NOTHING;
        END IF;
        FOR i IN 1 .. n LOOP
            c := p_class[i]; k := p_key[i]; a := p_amount[i]; mx := p_max[i]; tmx := p_tmax[i];
            IF a > 0 THEN
                -- The namespace's counter (a refusal there comes first),
                -- nsu NULL when it refuses.
                nsu := NULL;
                IF a <= mx THEN
                    IF a > tmx THEN
                        rej_level := rej_level || 'tenant'::TEXT; rej_i := rej_i || i;
                        rej_cur := rej_cur || coalesce((SELECT sum(t.used)::BIGINT FROM quota_tenant_counters t
                            WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k), 0);
                        ns_used := ns_used || NULL::BIGINT;
                        CONTINUE;
                    END IF;
                    UPDATE quota_counters q SET used = q.used + a
                    WHERE q.tenant_id = p_tenant AND q.namespace = p_ns AND q.class = c AND q.key = k AND q.used + a <= mx
                    RETURNING q.used INTO nsu;
                    IF NOT FOUND THEN
                        INSERT INTO quota_counters AS q (tenant_id, namespace, class, key, used) VALUES (p_tenant, p_ns, c, k, a)
                        ON CONFLICT (tenant_id, namespace, class, key) DO UPDATE SET used = q.used + a WHERE q.used + a <= mx
                        RETURNING q.used INTO nsu;
                    END IF;
                END IF;
                IF nsu IS NULL THEN
                    rej_level := rej_level || 'namespace'::TEXT; rej_i := rej_i || i;
                    rej_cur := rej_cur || coalesce((SELECT q.used FROM quota_counters q
                        WHERE q.tenant_id = p_tenant AND q.namespace = p_ns AND q.class = c AND q.key = k), 0);
                    ns_used := ns_used || NULL::BIGINT;
                    CONTINUE;
                END IF;
                ns_used := ns_used || nsu;
                -- 1. Within the namespace's cap.
                IF NOT slow THEN
                    UPDATE quota_tenant_counters t SET used = t.used + a
                    WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k AND t.slot = p_ns
                      AND t.cap_version = v AND t.used + a <= t.cap;
                    IF FOUND THEN
                        CONTINUE;
                    END IF;
                    RAISE EXCEPTION USING ERRCODE = 'QR003';
                END IF;
                LOOP
                    SELECT t.used, t.cap, t.cap_version INTO pool_used, pool_cap, pool_version FROM quota_tenant_counters t
                    WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k AND t.slot = '' FOR UPDATE;
                    EXIT WHEN FOUND;
                    INSERT INTO quota_tenant_counters (tenant_id, class, key, slot, used, cap, cap_version)
                    VALUES (p_tenant, c, k, '', 0, 0, -1) ON CONFLICT DO NOTHING;
                END LOOP;
                INSERT INTO quota_tenant_counters (tenant_id, class, key, slot, used, cap, cap_version)
                VALUES (p_tenant, c, k, p_ns, 0, 0, -1) ON CONFLICT DO NOTHING;
                SELECT t.used, t.cap, t.cap_version INTO own_used, own_cap, own_version FROM quota_tenant_counters t
                WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k AND t.slot = p_ns FOR UPDATE;
                IF own_version = v AND own_used + a <= own_cap THEN
                    UPDATE quota_tenant_counters t SET used = t.used + a
                    WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k AND t.slot = p_ns;
                    CONTINUE;
                END IF;
                -- 2. From the pool's room.
                IF pool_version = v AND (own_version = v OR own_used = 0) THEN
                    held := CASE WHEN own_version = v THEN own_cap ELSE 0 END;
                    missing := own_used + a - held;
                    free := tmx - pool_used - pool_cap;
                    IF missing <= free THEN
                        grant_ := missing + (free - missing) / 16;
                        UPDATE quota_tenant_counters t SET used = t.used + a, cap = held + grant_, cap_version = v
                        WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k AND t.slot = p_ns;
                        UPDATE quota_tenant_counters t SET cap = t.cap + grant_
                        WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k AND t.slot = '';
                        CONTINUE;
                    END IF;
                END IF;
                -- 3. Every row locked, the exact sum, the room dealt out again.
                PERFORM 1 FROM quota_tenant_counters t WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k
                ORDER BY t.slot FOR UPDATE;
                SELECT sum(t.used)::BIGINT, count(*) FILTER (WHERE t.slot <> '') INTO total, slots FROM quota_tenant_counters t
                WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k;
                IF total + a > tmx THEN
                    rej_level := rej_level || 'tenant'::TEXT; rej_i := rej_i || i; rej_cur := rej_cur || total;
                    CONTINUE;
                END IF;
                rest := tmx - total - a;
                UPDATE quota_tenant_counters t
                SET used = t.used + CASE WHEN t.slot = p_ns THEN a ELSE 0 END,
                    cap = t.used + CASE WHEN t.slot = p_ns THEN a + rest % slots ELSE 0 END + rest / slots,
                    cap_version = v
                WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k AND t.slot <> '';
                UPDATE quota_tenant_counters t SET cap = tmx - t.used, cap_version = v
                WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k AND t.slot = '';
            ELSE
                -- A release takes from the tenant-wide usage exactly what it
                -- took from the namespace's: its own row first, then the
                -- others in slot order (the pool's first).
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
                IF NOT slow THEN
                    UPDATE quota_tenant_counters t SET used = t.used - taken
                    WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k AND t.slot = p_ns AND t.used >= taken;
                    IF FOUND THEN
                        CONTINUE;
                    END IF;
                    RAISE EXCEPTION USING ERRCODE = 'QR003';
                END IF;
                PERFORM 1 FROM quota_tenant_counters t WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k
                ORDER BY t.slot FOR UPDATE;
                FOR sh IN SELECT t.slot, t.used FROM quota_tenant_counters t
                    WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k AND t.used > 0
                    ORDER BY (t.slot <> p_ns), t.slot
                LOOP
                    EXIT WHEN taken = 0;
                    part := least(sh.used, taken);
                    UPDATE quota_tenant_counters t SET used = t.used - part
                    WHERE t.tenant_id = p_tenant AND t.class = c AND t.key = k AND t.slot = sh.slot;
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
        IF p_idem_key IS NOT NULL THEN
            val := CASE WHEN p_tenant_used THEN t_used ELSE ns_used END;
            ans_json := jsonb_strip_nulls(jsonb_build_object(
                'objects', (SELECT jsonb_object_agg(p_key[j], val[j]) FROM generate_subscripts(p_class, 1) j WHERE p_class[j] = 'objects'),
                'resources', (SELECT jsonb_object_agg(p_key[j], val[j]) FROM generate_subscripts(p_class, 1) j WHERE p_class[j] = 'resources'),
                'apis', (SELECT jsonb_object_agg(p_key[j], val[j]) FROM generate_subscripts(p_class, 1) j WHERE p_class[j] = 'apis')));
            UPDATE idempotency_keys ik SET answer = ans_json::TEXT
            WHERE ik.tenant_id = p_tenant AND ik.scope = p_idem_scope AND ik.key = p_idem_key;
        END IF;
    EXCEPTION WHEN SQLSTATE 'QR003' THEN
        -- A namespace's own row had no room: everything is undone, the
        -- row locks a failed conditional UPDATE can keep included (READ
        -- COMMITTED locks the newest version of a row it rechecks, even
        -- when the recheck fails), and the reservation runs again taking
        -- each key's pool lock before any of its tenant-wide rows. Holding
        -- its own row while waiting for the pool would deadlock with a
        -- step 3 that holds the pool and waits for that row.
        slow := true;
        rej_level := '{}'; rej_i := '{}'; rej_cur := '{}'; ns_used := '{}'; t_used := '{}';
        CONTINUE attempt;
    WHEN SQLSTATE 'QR002' THEN
        o_rejected := 'stale'; o_current := v;
        RETURN NEXT;
        RETURN;
    WHEN SQLSTATE 'QR001' THEN
        FOR i IN 1 .. array_length(rej_i, 1) LOOP
            o_class := p_class[rej_i[i]]; o_key := p_key[rej_i[i]];
            o_rejected := rej_level[i]; o_current := rej_cur[i];
            RETURN NEXT;
        END LOOP;
        RETURN;
    END;
    EXIT attempt;
    END LOOP;
    FOR i IN 1 .. n LOOP
        o_class := p_class[i]; o_key := p_key[i]; o_ns_used := ns_used[i]; o_tenant_used := t_used[i];
        RETURN NEXT;
    END LOOP;
    RETURN;
END
$$;
