package store

import (
	"context"

	"github.com/uptrace/bun"
)

// postgresDialect is PostgreSQL (pgx): one pool, row locks ordering
// concurrent writers, and the coordination of several processes (advisory
// locks, NOTIFY). Its usage ingestion is in usage_postgres.go, its event
// partitions in partitions_postgres.go, its process coordination in
// replicas_postgres.go, the read replica in readreplica_postgres.go.
type postgresDialect struct{}

func (postgresDialect) name() Dialect { return Postgres }

// lockMigrations takes an advisory lock on one held connection, which keeps
// two starting replicas from migrating at once and dies with the process.
func (postgresDialect) lockMigrations(ctx context.Context, db *bun.DB) (func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(824113)"); err != nil {
		conn.Close()
		return nil, err
	}
	return func() {
		conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(824113)") //nolint:errcheck
		conn.Close()
	}, nil
}

// rowLock takes the locks: transactions run in parallel and only the row
// locks order them.
func (postgresDialect) rowLock(take func() error) error { return take() }

func (postgresDialect) forUpdate(q *bun.SelectQuery) *bun.SelectQuery { return q.For("UPDATE") }
