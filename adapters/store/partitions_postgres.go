package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/usage"
	"github.com/uptrace/bun"
)

// On PostgreSQL usage_events is partitioned by UTC calendar month of the
// event's timestamp (migration usage_events_partitioned): partition
// usage_events_YYYYMM holds [first of the month, first of the next). The
// exactly-once guarantee lives in the unpartitioned usage_event_ids (its
// primary key (tenant_id, event_id) spans every month), so an id stays
// unique per tenant across partition boundaries and after a month's events
// are dropped.
//
// Partitions exist ahead of need: the migration creates one per month with
// events plus last month to two months ahead, MaintainEvents keeps that
// window as time passes, and ingestion creates the month of an event that
// falls outside it (a late event of an older month) in its own transaction.
//
// Retention (MaintainEvents with keep > 0) drops a month's partition once
// the month ended at least keep ago and every tenant with usage in it has
// its invoice for it; the hourly rollups stay, so reports and invoices are
// unchanged. The month's ids stay in usage_event_ids until the month ended
// more than maxLateWindow ago: until then an event of that month may still
// be accepted, and its id must still be known.
//
// Partitioning is physical, PostgreSQL only: SQLite keeps one plain table
// whose primary key is the dedup (usage_sqlite.go), with the same columns;
// an embedded single-file database is not where tens of millions of events
// live. MaintainEvents does nothing there. The rollups, which reports read,
// are the same tables on both.

// maxLateWindow is the longest late-arrival window a tenant may set
// (usage.Service.SetLateWindow refuses more than 400 days): an event older
// than this can never be accepted, so its id may be forgotten.
const maxLateWindow = 400 * 24 * time.Hour

// partitionsAhead is how many months after the current one MaintainEvents
// keeps ready.
const partitionsAhead = 2

func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// partitionName is the partition of the month starting at m.
func partitionName(m time.Time) string { return "usage_events_" + m.Format("200601") }

// ensureEventMonths makes sure the partitions of the events' months exist,
// on the connection of ctx (the ingesting transaction), with one statement
// per month not known to exist and none when all are. A month is cached
// as existing only once the database said it existed before this call, so
// a partition created by a transaction that later rolls back is never
// assumed.
func (d *DB) ensureEventMonths(ctx context.Context, events []usage.Event) error {
	var missing []time.Time
	for _, e := range events {
		m := monthOf(e.Timestamp)
		if _, ok := d.eventMonths.Load(m.Unix()); ok {
			continue
		}
		if !slices.ContainsFunc(missing, m.Equal) {
			missing = append(missing, m)
		}
	}
	for _, m := range missing {
		rows, err := d.raw(ctx).QueryContext(ctx, `SELECT usage_events_partition($1)`, m)
		if err != nil {
			return err
		}
		var created bool
		for rows.Next() {
			err = rows.Scan(&created)
		}
		if err := errors.Join(err, rows.Close(), rows.Err()); err != nil {
			return err
		}
		if !created {
			d.eventMonths.Store(m.Unix(), struct{}{})
		}
	}
	return nil
}

// noPartition tells the error of an insert into a month whose partition
// another process dropped after this one cached it: the cache is emptied
// and the batch answers Unavailable, so the client's retry (exactly once,
// like every retry) creates the partition again.
func (d *DB) noPartition(err error) bool {
	if err == nil || !strings.Contains(err.Error(), "no partition of relation") {
		return false
	}
	d.eventMonths.Range(func(k, _ any) bool {
		d.eventMonths.Delete(k)
		return true
	})
	return true
}

// EventMaintenance is what one MaintainEvents pass did.
type EventMaintenance struct {
	// Created lists the partitions created ahead.
	Created []string
	// Dropped lists the partitions retention dropped.
	Dropped []string
	// Kept lists partitions old enough to drop but kept because a tenant
	// with usage in that month has no invoice for it (yet).
	Kept []string
	// ForgottenIDs counts event ids removed from usage_event_ids.
	ForgottenIDs int64
}

// MaintainEvents creates the partitions of the current month and the next
// partitionsAhead months (and last month's), and with keep > 0 applies
// retention: it drops each partition whose month ended at least keep ago
// and whose invoices are issued, then forgets the ids of dropped months
// older than maxLateWindow. keep <= 0 keeps every event. Several processes
// may run it at once (partition creation takes turns in the database, a
// drop of a dropped table is skipped), though serve runs it under an
// advisory lock. A no-op on SQLite.
func (d *DB) MaintainEvents(ctx context.Context, keep time.Duration) (EventMaintenance, error) {
	return d.dialect.maintainEvents(ctx, d, keep)
}

func (postgresDialect) maintainEvents(ctx context.Context, d *DB, keep time.Duration) (EventMaintenance, error) {
	var res EventMaintenance
	now := d.clock.Now().UTC()
	cur := monthOf(now)
	for i := -1; i <= partitionsAhead; i++ {
		m := cur.AddDate(0, i, 0)
		var created bool
		if err := d.bun.DB.QueryRowContext(ctx, `SELECT usage_events_partition($1)`, m).Scan(&created); err != nil {
			return res, translate(err)
		}
		if created {
			res.Created = append(res.Created, partitionName(m))
		}
		d.eventMonths.Store(m.Unix(), struct{}{})
	}
	if keep <= 0 {
		return res, nil
	}
	months, err := d.eventPartitions(ctx)
	if err != nil {
		return res, err
	}
	for _, m := range months {
		end := m.AddDate(0, 1, 0)
		if end.After(now.Add(-keep)) {
			continue
		}
		var pending bool
		// Tenants with usage in the month (its rollups) and no invoice for
		// it: closing has not reached them, or failed for them.
		if err := d.bun.DB.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM tenants t
			WHERE EXISTS (SELECT 1 FROM usage_type_hourly h WHERE h.tenant_id = t.id AND h.hour >= $1 AND h.hour < $2)
			AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.tenant_id = t.id AND i.period_start = $1))`, m, end).Scan(&pending); err != nil {
			return res, translate(err)
		}
		if pending {
			res.Kept = append(res.Kept, partitionName(m))
			continue
		}
		if err := d.dropEventPartition(ctx, m); err != nil {
			return res, err
		}
		res.Dropped = append(res.Dropped, partitionName(m))
	}
	n, err := d.forgetEventIDs(ctx, now)
	res.ForgottenIDs = n
	return res, err
}

// eventPartitions returns the months of usage_events' partitions, oldest first.
func (d *DB) eventPartitions(ctx context.Context) ([]time.Time, error) {
	rows, err := d.bun.DB.QueryContext(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'usage_events'::regclass`)
	if err != nil {
		return nil, translate(err)
	}
	names, err := scanStrings(rows)
	if err != nil {
		return nil, translate(err)
	}
	var out []time.Time
	for _, n := range names {
		m, err := time.Parse("200601", strings.TrimPrefix(n, "usage_events_"))
		if err != nil {
			continue // not one of ours: left alone
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out, nil
}

// dropEventPartition drops month m's partition and queues its ids for
// forgetting, in one transaction. Dropping a partition locks usage_events
// exclusively for a moment, after the ingesting transactions in flight; a
// lock that does not come within 5 s fails the pass (the next one retries)
// rather than hold ingestion up behind it.
func (d *DB) dropEventPartition(ctx context.Context, m time.Time) error {
	d.eventMonths.Delete(m.Unix())
	err := d.txdb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = '5s'`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`DROP TABLE IF EXISTS %s`, partitionName(m))); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO usage_event_id_purges (month) VALUES (?) ON CONFLICT (month) DO NOTHING`, m)
		return err
	})
	return translate(err)
}

// forgetEventIDs deletes the ids of dropped months that ended more than
// maxLateWindow ago: no event of those months passes validation any more
// (it is older than every tenant's late-arrival window), so no retry can
// be counted twice for want of its id.
func (d *DB) forgetEventIDs(ctx context.Context, now time.Time) (int64, error) {
	var months []time.Time
	if err := d.bun.NewRaw(`SELECT month FROM usage_event_id_purges WHERE month < ? ORDER BY month`,
		now.Add(-maxLateWindow).AddDate(0, -1, 0)).Scan(ctx, &months); err != nil {
		return 0, translate(err)
	}
	var total int64
	for _, m := range months {
		m = m.UTC()
		end := m.AddDate(0, 1, 0)
		if end.After(now.Add(-maxLateWindow)) {
			continue
		}
		err := d.txdb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM usage_event_ids WHERE ts >= ? AND ts < ?`, m, end)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			total += n
			_, err = tx.ExecContext(ctx, `DELETE FROM usage_event_id_purges WHERE month = ?`, m)
			return err
		})
		if err != nil {
			return total, translate(err)
		}
	}
	return total, nil
}
