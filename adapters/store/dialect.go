package store

import (
	"context"
	"time"

	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/usage"
	"github.com/uptrace/bun"
)

// dialect is everything that differs between the two databases, behind one
// interface chosen once by Open: postgresDialect (the *_postgres.go files)
// and sqliteDialect (the *_sqlite.go files). Repositories call it and never
// ask which database they run on; SQL that both databases accept stays in
// the repositories, shared. Both databases carry the same logical schema
// (the same tables, columns and keys, migrations of the same numbers, with
// each database's column types: NUMERIC or the decimal's text); what differs
// is physical: PostgreSQL partitions usage_events (keeping the dedup in
// usage_event_ids, migration 17), keeps derived storage for its concurrent
// writers and readers (migration 19: tenant-wide quota counters in escrow
// shards, the limits version its triggers bump, usage_type_daily; the
// usage and limits they hold are the same as SQLite's one row per key and
// its hourly rows) and coordinates processes (row locks, advisory locks,
// NOTIFY), SQLite runs one write transaction at a time and has no exact
// decimal type of its own.
type dialect interface {
	name() Dialect

	// lockMigrations keeps two processes from migrating at once, until
	// unlock.
	lockMigrations(ctx context.Context, db *bun.DB) (unlock func(), err error)

	// rowLock runs take, which locks rows until the transaction ends, where
	// the database needs it to order concurrent writers. SQLite does not: a
	// write transaction holds the file's write lock from BEGIN IMMEDIATE.
	rowLock(take func() error) error
	// forUpdate makes q lock the rows it reads (FOR UPDATE), where rowLock
	// would take locks.
	forUpdate(q *bun.SelectQuery) *bun.SelectQuery

	// lockLimits is QuotaRepo.LockLimits in the transaction tx.
	lockLimits(ctx context.Context, tx bun.Tx, tenantID string, exclusive bool) error
	// applyDeltas is QuotaRepo.Apply on db (the caller's transaction).
	applyDeltas(ctx context.Context, r *QuotaRepo, db bun.IDB, tenantID, ns string, deltas []quota.Delta) ([]quota.Counter, []quota.Rejection, error)
	// limitsVersion and reserveOnce are quota.OneTripReserver's; ok is
	// false where the dialect has no one-trip reservation.
	limitsVersion(ctx context.Context, d *DB, tenantID string) (version int64, ok bool, err error)
	reserveOnce(ctx context.Context, d *DB, tenantID, ns string, ot quota.OneTrip) (quota.OneTripResult, error)

	// decimalSum is the SQL aggregate that adds the exact decimals of col.
	decimalSum(col string) string

	// eventChunk bounds the events (and rollup rows) of one statement.
	eventChunk() int
	// prepareEvents readies what storing events needs, in the ingesting
	// transaction (ctx) before its first row (PostgreSQL: the partitions of
	// the events' months).
	prepareEvents(ctx context.Context, d *DB, events []usage.Event) error
	// insertEvents stores the events events[idx] whose (tenant, id) is new
	// and returns those ids.
	insertEvents(ctx context.Context, d *DB, tenantID string, events []usage.Event, hashes []string, idx []int, now time.Time) ([]string, error)
	// storedHashes returns the content hashes of stored event ids.
	storedHashes(ctx context.Context, d *DB, tenantID string, ids []string) (map[string]string, error)
	// rollupShard is the shard a batch adds its rollups to.
	rollupShard() int16
	// addRollups adds rolls (sorted by key) to the shard's usage_hourly rows.
	addRollups(ctx context.Context, d *DB, tenantID string, shard int16, rolls []usage.Rollup) error
	// addTypeHourly adds sums (sorted by key) to the shard's
	// usage_type_hourly rows.
	addTypeHourly(ctx context.Context, d *DB, tenantID string, shard int16, sums []typeHourSum) error
	// rangeSums sums quantity over each of ranges per keys (text columns
	// of level's tables that hourlyRow carries: namespace, usage_type,
	// object_name, unit_name), over the tenant's rows of the namespaces
	// (all when nss is nil), in keys order; out[i] answers ranges[i]. One
	// query however many ranges.
	rangeSums(ctx context.Context, d *DB, level rollupLevel, keys []string, tenantID string, nss []string, ranges []usage.Window) ([][]hourlyRow, error)
	// rangeSumsAndTotals is rangeSums of every namespace by keys and, in
	// totals, by keys without the first (len(keys) > 1), the first key
	// empty: one read where the dialect can.
	rangeSumsAndTotals(ctx context.Context, d *DB, level rollupLevel, keys []string, tenantID string, ranges []usage.Window) (sums, totals [][]hourlyRow, err error)
	// typePeriods is the table of per-type rollups with the coarsest
	// period that still divides every month, and its period column.
	typePeriods() (table, column string)

	// maintainEvents is DB.MaintainEvents.
	maintainEvents(ctx context.Context, d *DB, keep time.Duration) (EventMaintenance, error)
	// reserveConn grows the pool by one connection for a caller that holds
	// one for long (replicas_postgres.go).
	reserveConn(d *DB)
	// tryLock is AdvisoryLock.TryLock.
	tryLock(ctx context.Context, l *AdvisoryLock) (release func(), ok bool, err error)
	// announceRevocation and listenRevocations are Revocations'.
	announceRevocation(r *Revocations, id string)
	listenRevocations(ctx context.Context, r *Revocations, forget func(id string), forgetAll func()) (wait func())
}

// typeHourSum is one row's worth of usage_type_hourly.
type typeHourSum struct {
	typeHourKey
	Quantity string
	Events   int64
}

// rollupLevel is a pair of rollup tables sums of ranges read: the daily
// totals (PostgreSQL only, for a range's whole UTC days) and the hourly
// rows (the rest of the range; all of it on SQLite).
type rollupLevel int

const (
	perType   rollupLevel = iota // usage_type_daily, usage_type_hourly
	perObject                    // usage_object_daily, usage_hourly
)

// tables are the level's daily and hourly tables.
func (l rollupLevel) tables() (daily, hourly string) {
	if l == perObject {
		return "usage_object_daily", "usage_hourly"
	}
	return "usage_type_daily", "usage_type_hourly"
}
