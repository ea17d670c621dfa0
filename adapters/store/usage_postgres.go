package store

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/usage"
)

// The PostgreSQL side of UsageRepo: each statement binds one array per
// column (unnest), and NUMERIC adds the quantities.

// pgChunk bounds the events of one PostgreSQL statement. The statements bind
// one array per column (unnest), so PostgreSQL's 65535-parameter limit never
// applies; the chunk only keeps a single statement's memory bounded.
const pgChunk = 5000

// rollupShards is the number of rows each rollup key may have on PostgreSQL
// (column shard of usage_hourly and usage_type_hourly). Concurrent batches of
// one tenant mostly add to the same hourly keys; with one row per key each
// upsert waited on the row lock of the previous batch until its commit, so
// ingestion ran one transaction at a time. A batch writes all its rollups to
// one shard, and concurrent batches take different shards, so they update
// different rows. Each shard row is an exact partial sum maintained in its
// events' transaction; readers sum a key over its shards. Reads touch up to
// rollupShards rows per key, hence a small number.
const rollupShards = 16

// nextShard hands out shards round-robin: the batches in flight at once (at
// most the pool's connections) get distinct shards as long as they are fewer
// than rollupShards. The start is random so that several processes sharing a
// database do not all begin at shard 0.
var nextShard atomic.Uint32

func init() { nextShard.Store(rand.Uint32()) }

func (postgresDialect) eventChunk() int { return pgChunk }

func (postgresDialect) rollupShard() int16 { return int16(nextShard.Add(1) % rollupShards) }

func (postgresDialect) decimalSum(col string) string { return "sum(" + col + ")" }

// prepareEvents creates the partitions of the events' months that are not
// known to exist, before the first row: a partition this creates is locked
// by this transaction, not waited for (see partitions_postgres.go).
func (postgresDialect) prepareEvents(ctx context.Context, d *DB, events []usage.Event) error {
	return d.ensureEventMonths(ctx, events)
}

// insertEvents inserts one chunk with one statement whose parameters are
// one array per column, and returns the IDs that were new.
func (postgresDialect) insertEvents(ctx context.Context, d *DB, tenantID string, events []usage.Event, hashes []string, idx []int, now time.Time) ([]string, error) {
	n := len(idx)
	id, ns, ut, obj, dep, con, q, unit, h := make([]string, n), make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ts := make([]time.Time, n)
	for j, i := range idx {
		e := events[i]
		id[j], ns[j], ut[j], obj[j], dep[j], con[j], q[j], unit[j], h[j], ts[j] =
			e.ID, e.Namespace, e.UsageType, e.ObjectName, e.Deployment, e.Container, e.Quantity.String(), e.UnitName, hashes[i], e.Timestamp.UTC()
	}
	// usage_insert_events (migration 22): the ids table takes the new ids
	// (its primary key is the dedup, across every month's partition), and
	// exactly those rows go on to usage_events, partitioned by ts. It
	// answers the ids that were stored already: none, almost always.
	rows, err := d.raw(ctx).QueryContext(ctx, `SELECT * FROM usage_insert_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		prepared, tenantID, now, id, ns, ut, obj, dep, con, q, unit, ts, h)
	if err == nil {
		var stored []string
		if stored, err = scanStrings(rows); err == nil {
			return without(id, stored), nil
		}
	}
	if d.noPartition(err) {
		return nil, errs.Wrap(errs.Unavailable, err, "a month's event partition was dropped meanwhile; retry")
	}
	return nil, err
}

// without is ids less the ones in drop.
func without(ids, drop []string) []string {
	if len(drop) == 0 {
		return ids
	}
	skip := make(map[string]bool, len(drop))
	for _, s := range drop {
		skip[s] = true
	}
	kept := make([]string, 0, len(ids)-len(drop))
	for _, s := range ids {
		if !skip[s] {
			kept = append(kept, s)
		}
	}
	return kept
}

// storedHashes reads usage_event_ids, where every stored id of every month
// is (also after its month's partition was dropped).
func (postgresDialect) storedHashes(ctx context.Context, d *DB, tenantID string, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	res, err := d.raw(ctx).QueryContext(ctx, `SELECT event_id, content_hash FROM usage_event_ids WHERE tenant_id = $1 AND event_id = ANY($2::text[])`, prepared, tenantID, ids)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	for res.Next() {
		var id, h string
		if err := res.Scan(&id, &h); err != nil {
			return nil, err
		}
		out[id] = h
	}
	return out, res.Err()
}

// addRollups adds the chunk's sums to the shard's rows with one upsert;
// PostgreSQL adds the NUMERICs itself, under the row lock the upsert takes.
func (postgresDialect) addRollups(ctx context.Context, d *DB, tenantID string, shard int16, rolls []usage.Rollup) error {
	n := len(rolls)
	ns, ut, obj, dep, con, unit, q := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	hour := make([]time.Time, n)
	cnt := make([]int64, n)
	for j, ru := range rolls {
		ns[j], ut[j], obj[j], dep[j], con[j], unit[j], q[j], hour[j], cnt[j] =
			ru.Namespace, ru.UsageType, ru.ObjectName, ru.Deployment, ru.Container, ru.UnitName, ru.Quantity.String(), ru.Hour.UTC(), ru.Events
	}
	_, err := d.raw(ctx).ExecContext(ctx, `WITH v AS (
			SELECT ns, ut, obj, dep, con, hour, unit, q::numeric AS q, cnt
			FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[], $10::bigint[])
				AS u(ns, ut, obj, dep, con, hour, unit, q, cnt)
		), hourly AS (
			INSERT INTO usage_hourly
			(tenant_id, namespace, usage_type, object_name, deployment, container, hour, unit_name, quantity, events, shard)
			SELECT $1, u.ns, u.ut, u.obj, u.dep, u.con, u.hour, u.unit, u.q, u.cnt, $11 FROM v u
			ON CONFLICT (tenant_id, namespace, usage_type, object_name, deployment, container, hour, shard) DO UPDATE
			SET quantity = usage_hourly.quantity + excluded.quantity, events = usage_hourly.events + excluded.events
		)
		INSERT INTO usage_object_daily (tenant_id, day, namespace, usage_type, object_name, unit_name, quantity, events, shard)
		SELECT $1, date_trunc('day', u.hour, 'UTC'), u.ns, u.ut, u.obj, u.unit, sum(u.q), sum(u.cnt), $11 FROM v u
		GROUP BY date_trunc('day', u.hour, 'UTC'), u.ns, u.ut, u.obj, u.unit
		ORDER BY 2, 3, 4, 5, 6
		ON CONFLICT (tenant_id, day, namespace, usage_type, object_name, unit_name, shard) DO UPDATE
		SET quantity = usage_object_daily.quantity + excluded.quantity, events = usage_object_daily.events + excluded.events`,
		prepared, tenantID, ns, ut, obj, dep, con, hour, unit, q, cnt, shard)
	return err
}

// addTypeHourly adds the chunk's sums to the shard's rows of
// usage_type_hourly and, summed per UTC day, of usage_type_daily, with one
// statement. The daily rows are written in key order, after the hourly
// ones, as every batch does, so concurrent batches on one shard cannot
// deadlock.
func (postgresDialect) addTypeHourly(ctx context.Context, d *DB, tenantID string, shard int16, sums []typeHourSum) error {
	n := len(sums)
	hour := make([]time.Time, n)
	ns, ut, unit, q := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	cnt := make([]int64, n)
	for j, s := range sums {
		hour[j], ns[j], ut[j], unit[j], q[j], cnt[j] = s.Hour, s.Namespace, s.UsageType, s.UnitName, s.Quantity, s.Events
	}
	_, err := d.raw(ctx).ExecContext(ctx, `WITH u AS (
			SELECT * FROM unnest($2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[]) AS u(hour, ns, ut, unit, qt, cnt)
		), v AS (
			SELECT hour, ns, ut, unit, qt::numeric AS q, cnt FROM u
		), hourly AS (
			INSERT INTO usage_type_hourly (tenant_id, hour, namespace, usage_type, unit_name, quantity, events, shard)
			SELECT $1, u.hour, u.ns, u.ut, u.unit, u.q, u.cnt, $8 FROM v u
			ON CONFLICT (tenant_id, hour, namespace, usage_type, unit_name, shard) DO UPDATE
			SET quantity = usage_type_hourly.quantity + excluded.quantity, events = usage_type_hourly.events + excluded.events
		)
		INSERT INTO usage_type_daily (tenant_id, day, namespace, usage_type, unit_name, quantity, events, shard)
		SELECT $1, date_trunc('day', u.hour, 'UTC'), u.ns, u.ut, u.unit, sum(u.q), sum(u.cnt), $8 FROM v u
		GROUP BY date_trunc('day', u.hour, 'UTC'), u.ns, u.ut, u.unit
		ORDER BY 2, 3, 4, 5
		ON CONFLICT (tenant_id, day, namespace, usage_type, unit_name, shard) DO UPDATE
		SET quantity = usage_type_daily.quantity + excluded.quantity, events = usage_type_daily.events + excluded.events`,
		prepared, tenantID, hour, ns, ut, unit, q, cnt, shard)
	return err
}

// wholeDays is [d0, d1), the whole UTC days of [from, to); d0 == d1 when
// it has none (the hours before d0 and from d1 on cover the rest).
func wholeDays(from, to time.Time) (d0, d1 time.Time) {
	d0 = from.Truncate(24 * time.Hour) // UTC days: Truncate counts from the zero time, a UTC midnight
	if d0.Before(from) {
		d0 = d0.Add(24 * time.Hour)
	}
	d1 = to.Truncate(24 * time.Hour)
	if d1.Before(d0) {
		d1 = d0 // no whole day: the daily part is empty, the hours cover [from, to)
	}
	return d0, d1
}

func (postgresDialect) typePeriods() (table, column string) { return "usage_type_daily", "day" }

// rangeSums reads a range's whole UTC days from level's daily table and
// only the hours before its first and after its last whole day from the
// hourly one (a month: about 31 rows per key instead of 744). Each range
// reads through LATERAL, a nested loop over the ranges that leaves the
// planner one index range per range to choose: with a plain join of the
// ranges to the tables, the billing console's read (a 30-day daily series)
// took 353 ms on its first run, planning included, and the console's p50
// was 2.27 s on a freshly seeded database, against 5-6 ms for the lateral
// read there. The ranges and namespaces bind as arrays; only the sums
// travel.
func (pg postgresDialect) rangeSums(ctx context.Context, d *DB, level rollupLevel, keys []string, tenantID string, nss []string, ranges []usage.Window) ([][]hourlyRow, error) {
	sums, _, err := pg.rangeSumsBy(ctx, d, level, keys, false, tenantID, nss, ranges)
	return sums, err
}

// rangeSumsAndTotals is rangeSums of every namespace with the totals in
// the same statement: GROUPING SETS sums the rows it reads once per key
// set, where two statements read them twice.
func (pg postgresDialect) rangeSumsAndTotals(ctx context.Context, d *DB, level rollupLevel, keys []string, tenantID string, ranges []usage.Window) (sums, totals [][]hourlyRow, err error) {
	return pg.rangeSumsBy(ctx, d, level, keys, true, tenantID, nil, ranges)
}

// rangeSumsBy is rangeSums, and with totals also the sums per keys but the
// first (totals[i], the first key empty).
func (postgresDialect) rangeSumsBy(ctx context.Context, d *DB, level rollupLevel, keys []string, withTotals bool, tenantID string, nss []string, ranges []usage.Window) (sums, totals [][]hourlyRow, err error) {
	n := len(ranges)
	from, to, d0, d1 := make([]time.Time, n), make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
	for i, r := range ranges {
		from[i], to[i] = r.From.UTC(), r.To.UTC()
		d0[i], d1[i] = wholeDays(from[i], to[i])
	}
	args := []any{tenantID, from, to, d0, d1}
	nsCond := ""
	if nss != nil {
		nsCond = ` AND namespace = ANY($6::text[])`
		args = append(args, nss)
	}
	daily, hourly := level.tables()
	cols := strings.Join(keys, ", ")
	sel := "s." + strings.Join(keys, ", s.")
	order := sel
	// total is 1 on a row of totals (GROUPING of the first key); its first
	// key is NULL there, read as empty.
	total, group, first := "0", sel, "s."+keys[0]
	if withTotals {
		total = "grouping(" + first + ")"
		group = "GROUPING SETS ((" + sel + "), (s." + strings.Join(keys[1:], ", s.") + "))"
		sel = "coalesce(" + first + ", '')" + strings.TrimPrefix(sel, first)
	}
	res, err := d.raw(ctx).QueryContext(ctx, `SELECT r.i, `+total+`, `+sel+`, sum(s.quantity)::text
		FROM unnest($2::timestamptz[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[]) WITH ORDINALITY AS r(f, t, d0, d1, i)
		CROSS JOIN LATERAL (
			SELECT `+cols+`, quantity FROM `+daily+`
			WHERE tenant_id = $1 AND day >= r.d0 AND day < r.d1`+nsCond+`
			UNION ALL
			SELECT `+cols+`, quantity FROM `+hourly+`
			WHERE tenant_id = $1 AND hour >= r.f AND hour < least(r.t, r.d0)`+nsCond+`
			UNION ALL
			SELECT `+cols+`, quantity FROM `+hourly+`
			WHERE tenant_id = $1 AND hour >= greatest(r.f, r.d1) AND hour < r.t`+nsCond+`
		) s GROUP BY r.i, `+group+` ORDER BY r.i, 2, `+order, append([]any{prepared}, args...)...)
	if err != nil {
		return nil, nil, err
	}
	defer res.Close()
	sums, totals = make([][]hourlyRow, n), make([][]hourlyRow, n)
	for res.Next() {
		var i, isTotal int
		var h hourlyRow
		dest := []any{&i, &isTotal}
		for _, k := range keys {
			dest = append(dest, h.column(k))
		}
		if err := res.Scan(append(dest, &h.Quantity)...); err != nil {
			return nil, nil, err
		}
		if isTotal == 1 {
			totals[i-1] = append(totals[i-1], h)
		} else {
			sums[i-1] = append(sums[i-1], h)
		}
	}
	return sums, totals, res.Err()
}
