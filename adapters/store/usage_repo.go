package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// UsageRepo implements usage.Repository. Quantities are exact decimals:
// NUMERIC summed by PostgreSQL, and on SQLite the decimal's text summed in Go
// (SQLite has no exact decimal type; its one connection serialises the
// read-modify-write). Never a float.
type UsageRepo struct{ db *DB }

// NewUsageRepo returns the usage repository.
func NewUsageRepo(db *DB) *UsageRepo { return &UsageRepo{db} }

var _ usage.Repository = (*UsageRepo)(nil)

// sqliteChunk bounds the rows of one multi-row statement on SQLite: bun
// interpolates the values, so the limit is statement size, not parameters.
const sqliteChunk = 500

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

func pickShard() int16 { return int16(nextShard.Add(1) % rollupShards) }

// rawConn runs statements with bound parameters on the transaction in ctx (or
// the pool). bun formats arguments into the SQL text itself; the PostgreSQL
// path binds Go slices as arrays instead, which needs database/sql directly.
type rawConn interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (r *UsageRepo) raw(ctx context.Context) rawConn {
	// The statement counter must keep counting what runs here too.
	r.db.queries.Add(1)
	if tx, ok := ctx.Value(txKey{}).(bun.Tx); ok {
		return tx.Tx
	}
	p := r.db.pool(ctx)
	if p != r.db.bun {
		r.db.replica.statements.Add(1)
	}
	return p.DB
}

// InsertEvents stores the new events and adds exactly those to their rollups.
func (r *UsageRepo) InsertEvents(ctx context.Context, tenantID string, events []usage.Event) ([]usage.Outcome, error) {
	if len(events) == 0 {
		return nil, nil
	}
	// Concurrent batches with overlapping IDs take the unique-index locks in
	// the same (sorted) order, so they wait for each other instead of
	// deadlocking.
	order := make([]int, len(events))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return events[order[a]].ID < events[order[b]].ID })
	hashes := make([]string, len(events))
	for i, e := range events {
		hashes[i] = e.ContentHash()
	}
	now := r.db.clock.Now().Truncate(time.Microsecond)
	inserted := make(map[string]bool, len(events))
	chunk := sqliteChunk
	if r.db.dialect == Postgres {
		chunk = pgChunk
	}
	if r.db.dialect == Postgres {
		// Before the first row: a partition this creates is locked by
		// this transaction, not waited for (see partitions.go).
		if err := r.db.ensureEventMonths(ctx, r.raw(ctx), events); err != nil {
			return nil, translate(err)
		}
	}
	for lo := 0; lo < len(order); lo += chunk {
		idx := order[lo:min(lo+chunk, len(order))]
		var ids []string
		var err error
		if r.db.dialect == Postgres {
			ids, err = r.insertPG(ctx, tenantID, events, hashes, idx, now)
		} else {
			ids, err = r.insertSQLite(ctx, tenantID, events, hashes, idx, now)
		}
		if r.db.noPartition(err) {
			return nil, errs.Wrap(errs.Unavailable, err, "a month's event partition was dropped meanwhile; retry")
		}
		if err != nil {
			return nil, translate(err)
		}
		for _, id := range ids {
			inserted[id] = true
		}
	}
	out := make([]usage.Outcome, len(events))
	var others []string
	for i, e := range events {
		if !inserted[e.ID] {
			others = append(others, e.ID)
			out[i] = usage.Conflict // until the stored hash says otherwise
		}
	}
	if len(others) > 0 {
		stored, err := r.storedHashes(ctx, tenantID, others)
		if err != nil {
			return nil, err
		}
		for i, e := range events {
			if !inserted[e.ID] && stored[e.ID] == hashes[i] {
				out[i] = usage.Duplicate
			}
		}
	}
	// Aggregate the accepted events per rollup key in Go: one row per key
	// reaches the database, however many events share an hour.
	agg := map[usage.RollupKey]*usage.Rollup{}
	for i, e := range events {
		if out[i] != usage.Accepted {
			continue
		}
		k := usage.RollupKey{Namespace: e.Namespace, UsageType: e.UsageType, ObjectName: e.ObjectName, Deployment: e.Deployment, Container: e.Container, Hour: e.Hour()}
		if ru, ok := agg[k]; ok {
			ru.Quantity = ru.Quantity.Add(e.Quantity)
			ru.Events++
		} else {
			agg[k] = &usage.Rollup{RollupKey: k, UnitName: e.UnitName, Quantity: e.Quantity, Events: 1}
		}
	}
	if len(agg) == 0 {
		return out, nil
	}
	rolls := make([]usage.Rollup, 0, len(agg))
	for _, ru := range agg {
		rolls = append(rolls, *ru)
	}
	// Sorted for the same reason as the events: a fixed lock order. All rows
	// of the batch are in one shard, so the order over (key, shard) is the
	// key order too.
	sort.Slice(rolls, func(i, j int) bool { return keyLess(rolls[i].RollupKey, rolls[j].RollupKey) })
	shard := pickShard()
	for lo := 0; lo < len(rolls); lo += chunk {
		part := rolls[lo:min(lo+chunk, len(rolls))]
		var err error
		if r.db.dialect == Postgres {
			err = r.addRollupsPG(ctx, tenantID, shard, part)
		} else {
			err = r.addRollupsSQLite(ctx, tenantID, part)
		}
		if err != nil {
			return nil, translate(err)
		}
	}
	if r.db.dialect == Postgres {
		// After every usage_hourly row, in key order: all writers lock the
		// two tables in the same order.
		if err := r.addTypeHourlyPG(ctx, tenantID, shard, rolls); err != nil {
			return nil, translate(err)
		}
	}
	return out, nil
}

// typeHourKey identifies one usage_type_hourly row of a tenant.
type typeHourKey struct {
	Hour                           time.Time
	Namespace, UsageType, UnitName string
}

// addTypeHourlyPG adds the rollups' sums per hour, namespace, usage type and
// unit to the shard's rows of usage_type_hourly (PostgreSQL only), in key order.
func (r *UsageRepo) addTypeHourlyPG(ctx context.Context, tenantID string, shard int16, rolls []usage.Rollup) error {
	sums := map[typeHourKey]*usage.Rollup{}
	for _, ru := range rolls {
		k := typeHourKey{ru.Hour.UTC(), ru.Namespace, ru.UsageType, ru.UnitName}
		if s, ok := sums[k]; ok {
			s.Quantity = s.Quantity.Add(ru.Quantity)
			s.Events += ru.Events
		} else {
			c := ru
			sums[k] = &c
		}
	}
	keys := make([]typeHourKey, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if !a.Hour.Equal(b.Hour) {
			return a.Hour.Before(b.Hour)
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.UsageType != b.UsageType {
			return a.UsageType < b.UsageType
		}
		return a.UnitName < b.UnitName
	})
	for lo := 0; lo < len(keys); lo += pgChunk {
		part := keys[lo:min(lo+pgChunk, len(keys))]
		n := len(part)
		hour := make([]time.Time, n)
		ns, ut, unit, q := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		cnt := make([]int64, n)
		for j, k := range part {
			hour[j], ns[j], ut[j], unit[j], q[j], cnt[j] = k.Hour, k.Namespace, k.UsageType, k.UnitName, sums[k].Quantity.String(), sums[k].Events
		}
		if _, err := r.raw(ctx).ExecContext(ctx, `INSERT INTO usage_type_hourly (tenant_id, hour, namespace, usage_type, unit_name, quantity, events, shard)
			SELECT $1, u.hour, u.ns, u.ut, u.unit, u.q::numeric, u.cnt, $8
			FROM unnest($2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[]) AS u(hour, ns, ut, unit, q, cnt)
			ON CONFLICT (tenant_id, hour, namespace, usage_type, unit_name, shard) DO UPDATE
			SET quantity = usage_type_hourly.quantity + excluded.quantity, events = usage_type_hourly.events + excluded.events`,
			tenantID, hour, ns, ut, unit, q, cnt, shard); err != nil {
			return err
		}
	}
	return nil
}

func keyLess(a, b usage.RollupKey) bool {
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	if a.UsageType != b.UsageType {
		return a.UsageType < b.UsageType
	}
	if a.ObjectName != b.ObjectName {
		return a.ObjectName < b.ObjectName
	}
	if a.Deployment != b.Deployment {
		return a.Deployment < b.Deployment
	}
	if a.Container != b.Container {
		return a.Container < b.Container
	}
	return a.Hour.Before(b.Hour)
}

// insertPG inserts one chunk with one statement whose parameters are one
// array per column, and returns the IDs that were new.
func (r *UsageRepo) insertPG(ctx context.Context, tenantID string, events []usage.Event, hashes []string, idx []int, now time.Time) ([]string, error) {
	n := len(idx)
	id, ns, ut, obj, dep, con, q, unit, h := make([]string, n), make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ts := make([]time.Time, n)
	for j, i := range idx {
		e := events[i]
		id[j], ns[j], ut[j], obj[j], dep[j], con[j], q[j], unit[j], h[j], ts[j] =
			e.ID, e.Namespace, e.UsageType, e.ObjectName, e.Deployment, e.Container, e.Quantity.String(), e.UnitName, hashes[i], e.Timestamp.UTC()
	}
	// One statement: the ids table takes the new ids (its primary key is
	// the dedup, across every month's partition), and exactly those rows go
	// on to usage_events, partitioned by ts.
	rows, err := r.raw(ctx).QueryContext(ctx, `WITH u AS (
			SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[], $12::text[])
				AS u(id, ns, ut, obj, dep, con, q, unit, ts, h)
		), fresh AS (
			INSERT INTO usage_event_ids (tenant_id, event_id, content_hash, ts)
			SELECT $1, u.id, u.h, u.ts FROM u
			ON CONFLICT (tenant_id, event_id) DO NOTHING
			RETURNING event_id
		), stored AS (
			INSERT INTO usage_events
			(tenant_id, event_id, namespace, usage_type, object_name, deployment, container, quantity, unit_name, ts, content_hash, received_at)
			SELECT $1, u.id, u.ns, u.ut, u.obj, u.dep, u.con, u.q::numeric, u.unit, u.ts, u.h, $2
			FROM u JOIN fresh ON fresh.event_id = u.id
		)
		SELECT event_id FROM fresh`, tenantID, now, id, ns, ut, obj, dep, con, q, unit, ts, h)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// insertSQLite inserts one chunk with a multi-row VALUES list.
func (r *UsageRepo) insertSQLite(ctx context.Context, tenantID string, events []usage.Event, hashes []string, idx []int, now time.Time) ([]string, error) {
	var b strings.Builder
	args := make([]any, 0, len(idx)*12)
	b.WriteString(`INSERT INTO usage_events
		(tenant_id, event_id, namespace, usage_type, object_name, deployment, container, quantity, unit_name, ts, content_hash, received_at) VALUES `)
	for j, i := range idx {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?)")
		e := events[i]
		args = append(args, tenantID, e.ID, e.Namespace, e.UsageType, e.ObjectName, e.Deployment, e.Container,
			e.Quantity.String(), e.UnitName, e.Timestamp.UTC(), hashes[i], now)
	}
	b.WriteString(` ON CONFLICT (tenant_id, event_id) DO NOTHING RETURNING event_id`)
	var ids []string
	err := r.db.idb(ctx).NewRaw(b.String(), args...).Scan(ctx, &ids)
	return ids, err
}

// storedHashes returns the content hashes of stored events, by ID.
func (r *UsageRepo) storedHashes(ctx context.Context, tenantID string, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	var rows []struct {
		EventID     string `bun:"event_id"`
		ContentHash string `bun:"content_hash"`
	}
	if r.db.dialect == Postgres {
		res, err := r.raw(ctx).QueryContext(ctx, `SELECT event_id, content_hash FROM usage_event_ids WHERE tenant_id = $1 AND event_id = ANY($2::text[])`, tenantID, ids)
		if err != nil {
			return nil, translate(err)
		}
		defer res.Close()
		for res.Next() {
			var id, h string
			if err := res.Scan(&id, &h); err != nil {
				return nil, translate(err)
			}
			out[id] = h
		}
		return out, translate(res.Err())
	}
	for lo := 0; lo < len(ids); lo += sqliteChunk {
		rows = rows[:0]
		if err := r.db.idb(ctx).NewRaw(`SELECT event_id, content_hash FROM usage_events WHERE tenant_id = ? AND event_id IN (?)`,
			tenantID, bun.List(ids[lo:min(lo+sqliteChunk, len(ids))])).Scan(ctx, &rows); err != nil {
			return nil, translate(err)
		}
		for _, row := range rows {
			out[row.EventID] = row.ContentHash
		}
	}
	return out, nil
}

// addRollupsPG adds the chunk's sums to the shard's rows with one upsert;
// PostgreSQL adds the NUMERICs itself, under the row lock the upsert takes.
func (r *UsageRepo) addRollupsPG(ctx context.Context, tenantID string, shard int16, rolls []usage.Rollup) error {
	n := len(rolls)
	ns, ut, obj, dep, con, unit, q := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	hour := make([]time.Time, n)
	cnt := make([]int64, n)
	for j, ru := range rolls {
		ns[j], ut[j], obj[j], dep[j], con[j], unit[j], q[j], hour[j], cnt[j] =
			ru.Namespace, ru.UsageType, ru.ObjectName, ru.Deployment, ru.Container, ru.UnitName, ru.Quantity.String(), ru.Hour.UTC(), ru.Events
	}
	_, err := r.raw(ctx).ExecContext(ctx, `INSERT INTO usage_hourly
		(tenant_id, namespace, usage_type, object_name, deployment, container, hour, unit_name, quantity, events, shard)
		SELECT $1, u.ns, u.ut, u.obj, u.dep, u.con, u.hour, u.unit, u.q::numeric, u.cnt, $11
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[], $10::bigint[])
			AS u(ns, ut, obj, dep, con, hour, unit, q, cnt)
		ON CONFLICT (tenant_id, namespace, usage_type, object_name, deployment, container, hour, shard) DO UPDATE
		SET quantity = usage_hourly.quantity + excluded.quantity, events = usage_hourly.events + excluded.events`,
		tenantID, ns, ut, obj, dep, con, hour, unit, q, cnt, shard)
	return err
}

type hourlyRow struct {
	Namespace  string    `bun:"namespace"`
	UsageType  string    `bun:"usage_type"`
	ObjectName string    `bun:"object_name"`
	Deployment string    `bun:"deployment"`
	Container  string    `bun:"container"`
	Hour       time.Time `bun:"hour"`
	UnitName   string    `bun:"unit_name"`
	Quantity   string    `bun:"quantity"`
	Events     int64     `bun:"events"`
}

// rollup is the one place a stored hourly row becomes a domain value again.
func (h hourlyRow) rollup() (usage.Rollup, error) {
	q, err := decimal.NewFromString(h.Quantity)
	if err != nil {
		return usage.Rollup{}, errs.Wrap(errs.Internal, err, "stored quantity %q is not a decimal", h.Quantity)
	}
	return usage.Rollup{RollupKey: usage.RollupKey{Namespace: h.Namespace, UsageType: h.UsageType, ObjectName: h.ObjectName,
		Deployment: h.Deployment, Container: h.Container, Hour: h.Hour.UTC()}, UnitName: h.UnitName, Quantity: q, Events: h.Events}, nil
}

func hourKey(k usage.RollupKey) usage.RollupKey {
	k.Hour = time.Unix(k.Hour.Unix(), 0).UTC()
	return k
}

// addRollupsSQLite reads the chunk's existing rows, adds in Go and writes the
// totals back. Safe only because SQLite runs every transaction on one
// connection, so nobody changes the rows in between.
func (r *UsageRepo) addRollupsSQLite(ctx context.Context, tenantID string, rolls []usage.Rollup) error {
	db := r.db.idb(ctx)
	var b strings.Builder
	args := []any{tenantID}
	b.WriteString(`SELECT namespace, usage_type, object_name, deployment, container, hour, unit_name, quantity, events FROM usage_hourly
		WHERE tenant_id = ? AND (namespace, usage_type, object_name, deployment, container, hour) IN (VALUES `)
	for j, ru := range rolls {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?)")
		args = append(args, ru.Namespace, ru.UsageType, ru.ObjectName, ru.Deployment, ru.Container, ru.Hour.UTC())
	}
	b.WriteString(")")
	var existing []hourlyRow
	if err := db.NewRaw(b.String(), args...).Scan(ctx, &existing); err != nil {
		return err
	}
	have := make(map[usage.RollupKey]usage.Rollup, len(existing))
	for _, h := range existing {
		ru, err := h.rollup()
		if err != nil {
			return err
		}
		have[hourKey(ru.RollupKey)] = ru
	}
	b.Reset()
	args = args[:0]
	b.WriteString(`INSERT INTO usage_hourly
		(tenant_id, namespace, usage_type, object_name, deployment, container, hour, unit_name, quantity, events) VALUES `)
	for j, ru := range rolls {
		if old, ok := have[hourKey(ru.RollupKey)]; ok {
			ru.Quantity = ru.Quantity.Add(old.Quantity)
			ru.Events += old.Events
			ru.UnitName = old.UnitName
		}
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?)")
		args = append(args, tenantID, ru.Namespace, ru.UsageType, ru.ObjectName, ru.Deployment, ru.Container, ru.Hour.UTC(), ru.UnitName, ru.Quantity.String(), ru.Events)
	}
	b.WriteString(` ON CONFLICT (tenant_id, namespace, usage_type, object_name, deployment, container, hour) DO UPDATE
		SET quantity = excluded.quantity, events = excluded.events`)
	_, err := db.NewRaw(b.String(), args...).Exec(ctx)
	return err
}

// Rollups returns the tenant's hourly rows in [from, to) of the namespaces
// (all when nss is nil), in key order, with one query.
func (r *UsageRepo) Rollups(ctx context.Context, tenantID string, nss []string, from, to time.Time) ([]usage.Rollup, error) {
	if nss != nil && len(nss) == 0 {
		return nil, nil
	}
	q := r.db.idb(ctx).NewSelect().TableExpr("usage_hourly").
		Column("namespace", "usage_type", "object_name", "deployment", "container", "hour")
	if r.db.dialect == Postgres {
		// One row per key: the sum over its shards. The shards of a key
		// carry the same unit name unless the unit changed within the
		// hour; then the smallest stands for the key.
		q = q.ColumnExpr("min(unit_name) AS unit_name, sum(quantity) AS quantity, sum(events)::bigint AS events").
			Group("namespace", "usage_type", "object_name", "deployment", "container", "hour")
	} else {
		q = q.Column("unit_name", "quantity", "events")
	}
	q = q.Where("tenant_id = ? AND hour >= ? AND hour < ?", tenantID, from.UTC(), to.UTC())
	if nss != nil {
		q = q.Where("namespace IN (?)", bun.List(nss))
	}
	var rows []hourlyRow
	if err := q.Order("namespace", "usage_type", "object_name", "deployment", "container", "hour").Scan(ctx, &rows); err != nil {
		return nil, translate(err)
	}
	out := make([]usage.Rollup, len(rows))
	for i, h := range rows {
		ru, err := h.rollup()
		if err != nil {
			return nil, err
		}
		out[i] = ru
	}
	return out, nil
}

// TypeTotals sums the rollups of Rollups(tenantID, nss, from, to) per usage
// type. On PostgreSQL the database adds the NUMERICs (exact) of
// usage_type_hourly, a few rows per hour, and only the sums travel, grouped
// by usage type and unit name. A usage type stored
// under several unit names (a rate card changed its unit) needs the unit of
// the type's first row in Rollups' order, so that rare case reads the rows.
// SQLite has no exact decimal sum: it reads the rows.
func (r *UsageRepo) TypeTotals(ctx context.Context, tenantID string, nss []string, from, to time.Time) ([]usage.Rollup, error) {
	if nss != nil && len(nss) == 0 {
		return nil, nil
	}
	if r.db.dialect != Postgres {
		return r.Rollups(ctx, tenantID, nss, from, to)
	}
	// usage_type_hourly holds exactly the sums of usage_hourly per hour,
	// namespace, usage type and unit (same transaction, same statement order,
	// same shard); the sum below runs over the shards too.
	q := `SELECT usage_type, unit_name, sum(quantity)::text FROM usage_type_hourly WHERE tenant_id = $1 AND hour >= $2 AND hour < $3`
	args := []any{tenantID, from.UTC(), to.UTC()}
	if nss != nil {
		q += ` AND namespace = ANY($4::text[])`
		args = append(args, nss)
	}
	rows, err := r.raw(ctx).QueryContext(ctx, q+` GROUP BY usage_type, unit_name`, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []usage.Rollup
	seen := map[string]bool{}
	for rows.Next() {
		var ut, unit, sum string
		if err := rows.Scan(&ut, &unit, &sum); err != nil {
			return nil, translate(err)
		}
		if seen[ut] {
			rows.Close()
			return r.Rollups(ctx, tenantID, nss, from, to)
		}
		seen[ut] = true
		qty, err := decimal.NewFromString(sum)
		if err != nil {
			return nil, errs.Wrap(errs.Internal, err, "stored sum %q is not a decimal", sum)
		}
		out = append(out, usage.Rollup{RollupKey: usage.RollupKey{UsageType: ut}, UnitName: unit, Quantity: qty})
	}
	return out, translate(rows.Err())
}

// TypeHours sums the rollups of Rollups(tenantID, nss, from, to) per usage
// type and hour, and namespace when byNamespace. On PostgreSQL it reads
// usage_type_hourly (a few rows per hour and namespace, summed over its
// shards, and over namespaces unless byNamespace, by the database: exact
// NUMERIC); SQLite keeps no such table and reads the rows.
func (r *UsageRepo) TypeHours(ctx context.Context, tenantID string, nss []string, from, to time.Time, byNamespace bool) ([]usage.Rollup, error) {
	if nss != nil && len(nss) == 0 {
		return nil, nil
	}
	if r.db.dialect != Postgres {
		return r.Rollups(ctx, tenantID, nss, from, to)
	}
	keys := []string{"usage_type", "hour"}
	if byNamespace {
		keys = []string{"namespace", "usage_type", "hour"}
	}
	return r.typeSums(ctx, tenantID, nss, from, to, keys)
}

// NamespaceTypeTotals sums the rollups of Rollups(tenantID, nss, from, to)
// per namespace and usage type: on PostgreSQL the database sums
// usage_type_hourly (a month of 50 namespaces is about 100 rows). A usage
// type stored under several unit names in one namespace needs the unit of
// its first row in Rollups' order, so that rare case reads the rows, as
// TypeTotals does; SQLite reads the rows.
func (r *UsageRepo) NamespaceTypeTotals(ctx context.Context, tenantID string, nss []string, from, to time.Time) ([]usage.Rollup, error) {
	if nss != nil && len(nss) == 0 {
		return nil, nil
	}
	if r.db.dialect != Postgres {
		return r.Rollups(ctx, tenantID, nss, from, to)
	}
	rows, err := r.typeSums(ctx, tenantID, nss, from, to, []string{"namespace", "usage_type", "unit_name"})
	if err != nil {
		return nil, err
	}
	for i := 1; i < len(rows); i++ {
		if rows[i].Namespace == rows[i-1].Namespace && rows[i].UsageType == rows[i-1].UsageType {
			return r.Rollups(ctx, tenantID, nss, from, to)
		}
	}
	return rows, nil
}

// ObjectTotals sums the rollups of Rollups(tenantID, nss, from, to) per
// namespace, usage type and object: on PostgreSQL the database sums
// usage_hourly (one row per object instead of one per object and hour). An
// object whose usage type was stored under several unit names needs the
// unit of its first row in Rollups' order, so that rare case reads the
// rows; SQLite reads the rows (it has no exact decimal sum).
func (r *UsageRepo) ObjectTotals(ctx context.Context, tenantID string, nss []string, from, to time.Time) ([]usage.Rollup, error) {
	if nss != nil && len(nss) == 0 {
		return nil, nil
	}
	if r.db.dialect != Postgres {
		return r.Rollups(ctx, tenantID, nss, from, to)
	}
	keys := []string{"namespace", "usage_type", "object_name", "unit_name"}
	q := r.db.idb(ctx).NewSelect().TableExpr("usage_hourly").Column(keys...).
		ColumnExpr("sum(quantity) AS quantity, sum(events)::bigint AS events").
		Where("tenant_id = ? AND hour >= ? AND hour < ?", tenantID, from.UTC(), to.UTC())
	if nss != nil {
		q = q.Where("namespace IN (?)", bun.List(nss))
	}
	var rows []hourlyRow
	if err := q.Group(keys...).Order(keys...).Scan(ctx, &rows); err != nil {
		return nil, translate(err)
	}
	out := make([]usage.Rollup, len(rows))
	for i, h := range rows {
		ru, err := h.rollup()
		if err != nil {
			return nil, err
		}
		if i > 0 && ru.Namespace == out[i-1].Namespace && ru.UsageType == out[i-1].UsageType && ru.ObjectName == out[i-1].ObjectName {
			return r.Rollups(ctx, tenantID, nss, from, to)
		}
		out[i] = ru
	}
	return out, nil
}

// typeSums sums usage_type_hourly (PostgreSQL) of the range grouped by
// keys (columns of it), in keys order, with one query.
func (r *UsageRepo) typeSums(ctx context.Context, tenantID string, nss []string, from, to time.Time, keys []string) ([]usage.Rollup, error) {
	q := r.db.idb(ctx).NewSelect().TableExpr("usage_type_hourly").Column(keys...).
		ColumnExpr("sum(quantity) AS quantity, sum(events)::bigint AS events").
		Where("tenant_id = ? AND hour >= ? AND hour < ?", tenantID, from.UTC(), to.UTC())
	if !slices.Contains(keys, "unit_name") {
		q = q.ColumnExpr("min(unit_name) AS unit_name")
	}
	if nss != nil {
		q = q.Where("namespace IN (?)", bun.List(nss))
	}
	var rows []hourlyRow
	if err := q.Group(keys...).Order(keys...).Scan(ctx, &rows); err != nil {
		return nil, translate(err)
	}
	out := make([]usage.Rollup, len(rows))
	for i, h := range rows {
		ru, err := h.rollup()
		if err != nil {
			return nil, err
		}
		out[i] = ru
	}
	return out, nil
}

// Months sums the tenant's rollups per UTC calendar month and usage type.
// The grouping by month happens in Go: the two databases spell date
// truncation differently, and the hourly rows are already few.
func (r *UsageRepo) Months(ctx context.Context, tenantID string, nss []string) ([]usage.Rollup, error) {
	if nss != nil && len(nss) == 0 {
		return nil, nil
	}
	q := r.db.idb(ctx).NewSelect().TableExpr("usage_hourly")
	if r.db.dialect == Postgres {
		// Summed over shards (and objects) per hour, type and unit.
		q = q.Column("usage_type", "hour", "unit_name").
			ColumnExpr("sum(quantity) AS quantity, sum(events)::bigint AS events").
			Group("usage_type", "hour", "unit_name")
	} else {
		q = q.Column("usage_type", "hour", "unit_name", "quantity", "events")
	}
	q = q.Where("tenant_id = ?", tenantID)
	if nss != nil {
		q = q.Where("namespace IN (?)", bun.List(nss))
	}
	var rows []hourlyRow
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, translate(err)
	}
	type key struct {
		month     time.Time
		usageType string
	}
	sums := map[key]*usage.Rollup{}
	for _, h := range rows {
		ru, err := h.rollup()
		if err != nil {
			return nil, err
		}
		t := ru.Hour
		k := key{time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC), ru.UsageType}
		if s, ok := sums[k]; ok {
			s.Quantity = s.Quantity.Add(ru.Quantity)
			s.Events += ru.Events
		} else {
			sums[k] = &usage.Rollup{RollupKey: usage.RollupKey{UsageType: k.usageType, Hour: k.month}, UnitName: ru.UnitName, Quantity: ru.Quantity, Events: ru.Events}
		}
	}
	out := make([]usage.Rollup, 0, len(sums))
	for _, s := range sums {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Hour.Equal(out[j].Hour) {
			return out[i].Hour.Before(out[j].Hour)
		}
		return out[i].UsageType < out[j].UsageType
	})
	return out, nil
}

// LateWindow returns the tenant's late-arrival window.
func (r *UsageRepo) LateWindow(ctx context.Context, tenantID string) (time.Duration, error) {
	var secs []int64
	if err := r.db.idb(ctx).NewRaw(`SELECT late_window_seconds FROM tenant_settings WHERE tenant_id = ?`, tenantID).Scan(ctx, &secs); err != nil {
		return 0, translate(err)
	}
	if len(secs) == 0 {
		return usage.DefaultLateWindow, nil
	}
	return time.Duration(secs[0]) * time.Second, nil
}

// SetLateWindow stores the tenant's late-arrival window.
func (r *UsageRepo) SetLateWindow(ctx context.Context, tenantID string, d time.Duration) error {
	if d <= 0 {
		return errs.New(errs.Invalid, "late window must be positive, got %s", d)
	}
	_, err := r.db.idb(ctx).NewRaw(`INSERT INTO tenant_settings (tenant_id, late_window_seconds) VALUES (?, ?)
		ON CONFLICT (tenant_id) DO UPDATE SET late_window_seconds = excluded.late_window_seconds`, tenantID, int64(d/time.Second)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("set late window: %w", translate(err))
	}
	return nil
}
