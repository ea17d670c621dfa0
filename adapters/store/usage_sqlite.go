package store

import (
	"context"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/usage"
	"github.com/uptrace/bun"
)

// The SQLite side of UsageRepo: multi-row VALUES statements, and the exact
// decimal functions of decimal_sqlite.go where PostgreSQL adds NUMERICs.
// SQLite keeps one plain usage_events table whose primary key is the dedup
// (no partitions, no usage_event_ids: partitioning is a PostgreSQL detail of
// storing tens of millions of events, see partitions_postgres.go). The
// rollups are the same tables, keys and columns as on PostgreSQL, kept in
// the events' transaction by the same shared code.

// sqliteChunk bounds the rows of one multi-row statement on SQLite: bun
// interpolates the values, so the limit is statement size, not parameters.
const sqliteChunk = 500

func (sqliteDialect) eventChunk() int { return sqliteChunk }

// rollupShard is always 0: shards spread concurrent writers over rows, and
// SQLite runs one write transaction at a time, so more shards would only
// make every read sum more rows.
func (sqliteDialect) rollupShard() int16 { return 0 }

func (sqliteDialect) decimalSum(col string) string { return "decimal_sum(" + col + ")" }

func (sqliteDialect) prepareEvents(context.Context, *DB, []usage.Event) error { return nil }

// insertEvents inserts one chunk with a multi-row VALUES list.
func (sqliteDialect) insertEvents(ctx context.Context, d *DB, tenantID string, events []usage.Event, hashes []string, idx []int, now time.Time) ([]string, error) {
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
	err := d.idb(ctx).NewRaw(b.String(), args...).Scan(ctx, &ids)
	return ids, err
}

// storedHashes reads usage_events, whose primary key is the dedup.
func (sqliteDialect) storedHashes(ctx context.Context, d *DB, tenantID string, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	var rows []struct {
		EventID     string `bun:"event_id"`
		ContentHash string `bun:"content_hash"`
	}
	for lo := 0; lo < len(ids); lo += sqliteChunk {
		rows = rows[:0]
		if err := d.idb(ctx).NewRaw(`SELECT event_id, content_hash FROM usage_events WHERE tenant_id = ? AND event_id IN (?)`,
			tenantID, bun.List(ids[lo:min(lo+sqliteChunk, len(ids))])).Scan(ctx, &rows); err != nil {
			return nil, err
		}
		for _, row := range rows {
			out[row.EventID] = row.ContentHash
		}
	}
	return out, nil
}

// addRollups adds the chunk's sums to the shard's rows with one upsert;
// decimal_add adds the stored and the new decimal text exactly.
func (sqliteDialect) addRollups(ctx context.Context, d *DB, tenantID string, shard int16, rolls []usage.Rollup) error {
	var b strings.Builder
	args := make([]any, 0, len(rolls)*11)
	b.WriteString(`INSERT INTO usage_hourly
		(tenant_id, namespace, usage_type, object_name, deployment, container, hour, unit_name, quantity, events, shard) VALUES `)
	for j, ru := range rolls {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?,?)")
		args = append(args, tenantID, ru.Namespace, ru.UsageType, ru.ObjectName, ru.Deployment, ru.Container, ru.Hour.UTC(), ru.UnitName, ru.Quantity.String(), ru.Events, shard)
	}
	b.WriteString(` ON CONFLICT (tenant_id, namespace, usage_type, object_name, deployment, container, hour, shard) DO UPDATE
		SET quantity = decimal_add(usage_hourly.quantity, excluded.quantity), events = usage_hourly.events + excluded.events`)
	_, err := d.idb(ctx).NewRaw(b.String(), args...).Exec(ctx)
	return err
}

// addTypeHourly adds the chunk's sums to the shard's rows of
// usage_type_hourly with one upsert.
func (sqliteDialect) addTypeHourly(ctx context.Context, d *DB, tenantID string, shard int16, sums []typeHourSum) error {
	var b strings.Builder
	args := make([]any, 0, len(sums)*8)
	b.WriteString(`INSERT INTO usage_type_hourly (tenant_id, hour, namespace, usage_type, unit_name, quantity, events, shard) VALUES `)
	for j, s := range sums {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?)")
		args = append(args, tenantID, s.Hour, s.Namespace, s.UsageType, s.UnitName, s.Quantity, s.Events, shard)
	}
	b.WriteString(` ON CONFLICT (tenant_id, hour, namespace, usage_type, unit_name, shard) DO UPDATE
		SET quantity = decimal_add(usage_type_hourly.quantity, excluded.quantity), events = usage_type_hourly.events + excluded.events`)
	_, err := d.idb(ctx).NewRaw(b.String(), args...).Exec(ctx)
	return err
}

// rangeSums joins the ranges (a VALUES list) to level's hourly table
// through its (tenant, hour) index: SQLite keeps no daily tables. The
// statement is a SELECT, not a WITH: a request's memo is cleared around
// any other statement (it may write).
func (sqliteDialect) rangeSums(ctx context.Context, d *DB, level rollupLevel, keys []string, tenantID string, nss []string, ranges []usage.Window) ([][]hourlyRow, error) {
	_, table := level.tables()
	out := make([][]hourlyRow, len(ranges))
	if len(ranges) == 0 {
		return out, nil
	}
	cols := "h." + strings.Join(keys, ", h.")
	var b strings.Builder
	args := make([]any, 0, 3*len(ranges)+2)
	b.WriteString(`SELECT r.i, ` + cols + `, decimal_sum(h.quantity) AS quantity
		FROM (SELECT column1 AS i, column2 AS f, column3 AS t FROM (VALUES `)
	for i, r := range ranges {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?)")
		args = append(args, i, r.From.UTC(), r.To.UTC())
	}
	b.WriteString(`)) r JOIN ` + table + ` h ON h.tenant_id = ? AND h.hour >= r.f AND h.hour < r.t`)
	args = append(args, tenantID)
	if nss != nil {
		b.WriteString(` AND h.namespace IN (?)`)
		args = append(args, bun.List(nss))
	}
	b.WriteString(` GROUP BY r.i, ` + cols + ` ORDER BY r.i, ` + cols)
	var rows []struct {
		I int `bun:"i"`
		hourlyRow
	}
	if err := d.idb(ctx).NewRaw(b.String(), args...).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.I] = append(out[r.I], r.hourlyRow)
	}
	return out, nil
}

// rangeSumsAndTotals is two rangeSums: SQLite has no GROUPING SETS, and
// its reads are in process.
func (sq sqliteDialect) rangeSumsAndTotals(ctx context.Context, d *DB, level rollupLevel, keys []string, tenantID string, ranges []usage.Window) (sums, totals [][]hourlyRow, err error) {
	if sums, err = sq.rangeSums(ctx, d, level, keys, tenantID, nil, ranges); err != nil {
		return nil, nil, err
	}
	totals, err = sq.rangeSums(ctx, d, level, keys[1:], tenantID, nil, ranges)
	return sums, totals, err
}

func (sqliteDialect) typePeriods() (table, column string) { return "usage_type_hourly", "hour" }
