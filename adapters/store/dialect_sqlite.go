package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// sqliteDialect is an embedded SQLite file (modernc, pure Go): every write
// transaction holds the file's write lock from BEGIN IMMEDIATE to its end
// and transactions take turns (sqlite.go, sqlite_turn.go), so writers are
// ordered without row locks; one host, so there is no other process to
// coordinate with beyond that lock. Its usage ingestion is in
// usage_sqlite.go, its exact decimal functions in decimal_sqlite.go.
type sqliteDialect struct{}

func (sqliteDialect) name() Dialect { return SQLite }

// lockMigrations has nothing to take: the migrations' transactions take
// turns with every other writer of the file.
func (sqliteDialect) lockMigrations(context.Context, *bun.DB) (func(), error) { return func() {}, nil }

// rowLock takes nothing: the transaction already holds the database's
// write lock, which orders it against every other one.
func (sqliteDialect) rowLock(func() error) error { return nil }

func (sqliteDialect) forUpdate(q *bun.SelectQuery) *bun.SelectQuery { return q }

// maintainEvents does nothing: usage_events is one plain table on SQLite
// (no partitions to create or drop).
func (sqliteDialect) maintainEvents(context.Context, *DB, time.Duration) (EventMaintenance, error) {
	return EventMaintenance{}, nil
}

// reserveConn: SQLite's pools have fixed sizes and nothing holds a
// connection for long.
func (sqliteDialect) reserveConn(*DB) {}

// tryLock always succeeds (see replicas.go).
func (sqliteDialect) tryLock(context.Context, *AdvisoryLock) (func(), bool, error) {
	return func() {}, true, nil
}

// announceRevocation and listenRevocations do nothing: processes sharing a
// file drop a revoked credential when their cached authentication expires.
func (sqliteDialect) announceRevocation(*Revocations, string) {}

func (sqliteDialect) listenRevocations(context.Context, *Revocations, func(string), func()) func() {
	return func() {}
}
