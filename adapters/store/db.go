// Package store is the persistence adapter: bun repositories for every domain
// port, on PostgreSQL (pgx) or an embedded SQLite file (modernc, pure Go).
package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/migrate"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

// Dialect names the database behind a DB.
type Dialect string

// The supported databases.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// DefaultSQLitePath is where the embedded database lives when no URL is given.
const DefaultSQLitePath = "./billingd.db"

//go:embed migrations
var migrationFiles embed.FS

// DB is an open database with its dialect and a statement counter.
type DB struct {
	// bun runs statements outside transactions; txdb runs transactions. They
	// are one pool on PostgreSQL and two on SQLite (see openSQLite).
	bun  *bun.DB
	txdb *bun.DB
	turn *writeTurn // SQLite only: transactions take turns (see writeTurn)
	// dialect is what differs between the databases (dialect.go).
	dialect dialect
	queries atomic.Int64
	// clock stamps what the store records itself (received_at, secrets).
	clock kernel.Clock
	// replica, when set, answers reads that may be stale (readreplica.go).
	replica *readReplica
	// eventMonths caches the usage_events partitions known to exist
	// (partitions.go; PostgreSQL only).
	eventMonths sync.Map
	// hot queues the reservations for the pool's connections (fairGate;
	// PostgreSQL only, nil on SQLite).
	hot fairGate
}

// Options tune Open.
type Options struct {
	// MaxOpenConns caps the PostgreSQL pool. SQLite has its own fixed sizes:
	// one connection for transactions, sqliteReaders for everything else.
	MaxOpenConns int
	Logger       *slog.Logger
	// Clock stamps rows the store writes on its own (default: the wall clock).
	Clock kernel.Clock
}

// Open connects to url: postgres:// or postgresql:// uses PostgreSQL; empty or
// sqlite:PATH uses an embedded SQLite file, created when missing.
func Open(ctx context.Context, rawURL string, opt Options) (*DB, error) {
	d := &DB{clock: opt.Clock}
	if d.clock == nil {
		d.clock = kernel.SystemClock{}
	}
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		n := opt.MaxOpenConns
		if n <= 0 {
			n = 32
		}
		sqldb, err := openPostgresPool(rawURL, n)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		d.bun, d.dialect = bun.NewDB(sqldb, pgdialect.New()), postgresDialect{}
		d.txdb = d.bun
		d.hot = make(fairGate, n)
	case rawURL == "", strings.HasPrefix(rawURL, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//")
		if path == "" {
			path = DefaultSQLitePath
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("create database folder: %w", err)
			}
		}
		pool, writer, turn, err := openSQLite(path)
		if err != nil {
			return nil, err
		}
		d.turn = turn
		d.bun, d.txdb, d.dialect = bun.NewDB(pool, sqlitedialect.New()), bun.NewDB(writer, sqlitedialect.New()), sqliteDialect{}
	default:
		return nil, fmt.Errorf("database URL %q: want postgres://..., sqlite:PATH or empty for %s", redact(rawURL), DefaultSQLitePath)
	}
	d.withHook(counterHook{&d.queries})
	d.withHook(memoHook{})
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.Ping(pingCtx); err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("connect to %s database: %w", d.Dialect(), err)
	}
	return d, nil
}

// redact hides a password in a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

// Dialect tells which database this is.
func (d *DB) Dialect() Dialect { return d.dialect.name() }

// SQL returns the underlying *sql.DB, for pool statistics.
func (d *DB) SQL() *sql.DB { return d.bun.DB }

// Close closes the pools.
func (d *DB) Close() error {
	var err error
	if d.replica != nil {
		err = d.replica.close()
	}
	err = errors.Join(err, d.bun.Close())
	if d.txdb != d.bun {
		err = errors.Join(err, d.txdb.Close())
	}
	if d.turn != nil {
		err = errors.Join(err, d.turn.close())
	}
	return err
}

// Ping checks the database answers on both pools (for /readyz).
func (d *DB) Ping(ctx context.Context) error {
	if err := d.bun.PingContext(ctx); err != nil || d.txdb == d.bun {
		return err
	}
	return d.txdb.PingContext(ctx)
}

// Queries returns how many SQL statements ran since Open. Tests use it to
// prove a nested query costs a constant number of statements.
func (d *DB) Queries() int64 { return d.queries.Load() }

type counterHook struct{ n *atomic.Int64 }

func (h counterHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	h.n.Add(1)
	return ctx
}
func (counterHook) AfterQuery(context.Context, *bun.QueryEvent) {}

// memoHook clears the request's memo (kernel.Memo) around every statement
// that is not a plain SELECT: writes, BEGIN and COMMIT. Before, so that no
// read waits on an answer the write makes stale; after, so that a read
// that started meanwhile is not remembered past the write (or its COMMIT).
type memoHook struct{}

func (memoHook) BeforeQuery(ctx context.Context, ev *bun.QueryEvent) context.Context {
	clearMemoOnWrite(ctx, ev.Query)
	return ctx
}

func (memoHook) AfterQuery(ctx context.Context, ev *bun.QueryEvent) {
	clearMemoOnWrite(ctx, ev.Query)
}

func clearMemoOnWrite(ctx context.Context, query string) {
	m := kernel.MemoFrom(ctx)
	if m == nil {
		return
	}
	op, _, _ := strings.Cut(strings.TrimLeftFunc(query, unicode.IsSpace), " ")
	if !strings.EqualFold(op, "SELECT") {
		m.Clear()
	}
}

// memoOf is ctx's memo, or nil when it has none or is in a transaction.
func memoOf(ctx context.Context) *kernel.Memo {
	if inTx(ctx) {
		return nil
	}
	return kernel.MemoFrom(ctx)
}

// memoised answers read once per request and key: from ctx's kernel.Memo
// when it has one and ctx is not in a transaction (a transaction's reads
// must see its own writes and locks), else by calling read. The key is
// the tenant, the kind of read and its other arguments.
//
// The answer is shared by every caller of the key in the request, so T is
// the store's own rows: callers must not change them, and build fresh
// domain values from them (no caller gets a slice another one holds).
func memoised[T any](ctx context.Context, tenantID, kind, args string, read func() (T, error)) (T, error) {
	m := memoOf(ctx)
	if m == nil {
		return read()
	}
	v, err := m.Do(ctx, kernel.MemoKey{Tenant: tenantID, Kind: kind, Args: args}, func() (any, error) { return read() })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// Migrate applies every migration not yet applied and returns their names.
func (d *DB) Migrate(ctx context.Context) ([]string, error) {
	ms, err := d.migrations()
	if err != nil {
		return nil, err
	}
	m := migrate.NewMigrator(d.txdb, ms, migrate.WithMarkAppliedOnSuccess(true))
	unlock, err := d.dialect.lockMigrations(ctx, d.txdb)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migrations: %w", err)
	}
	g, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var names []string
	for _, mg := range g.Migrations {
		names = append(names, mg.Name+"_"+mg.Comment)
	}
	return names, nil
}

// migrations returns the embedded migrations of d's dialect.
func (d *DB) migrations() (*migrate.Migrations, error) {
	sub, err := fs.Sub(migrationFiles, "migrations/"+string(d.Dialect()))
	if err != nil {
		return nil, err
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(sub); err != nil {
		return nil, err
	}
	return ms, nil
}

type txKey struct{}

// InTx runs fn in a transaction; repositories called with fn's ctx use it.
// A nested InTx joins the outer transaction. On SQLite the transaction waits
// for its turn and holds the file's write lock from BEGIN to its end, so
// transactions of this and other processes run one at a time and never fail
// halfway for a lock.
func (d *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if inTx(ctx) {
		return fn(ctx)
	}
	if d.turn != nil {
		release, err := d.turn.acquire(ctx)
		if err != nil {
			return translate(err)
		}
		defer release()
	}
	err := d.txdb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
	// The transaction may have written (or may not have been counted by
	// memoHook, e.g. statements on the raw connection): what the request
	// remembered is stale. So is what the members of a group commit
	// remembered, whose writes it made too.
	d.wrote(ctx, err == nil)
	for _, c := range kernel.GroupMembers(ctx) {
		d.wrote(c, err == nil)
	}
	return translate(err)
}

// wrote forgets what ctx's request memoised and, when the transaction
// committed, notes its write for read-your-writes on the replica.
func (d *DB) wrote(ctx context.Context, committed bool) {
	if m := kernel.MemoFrom(ctx); m != nil {
		m.Clear()
	}
	if committed && d.replica != nil {
		d.replica.noteWrite(ctx)
	}
}

// InTransaction tells whether ctx carries a transaction of InTx, which the
// repositories called with it take part in.
func (d *DB) InTransaction(ctx context.Context) bool { return inTx(ctx) }

// inTx is InTransaction for the store's own code, which has no DB at hand
// everywhere (hooks, memoOf).
func inTx(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(bun.Tx)
	return ok
}

// idb returns the transaction in ctx, or the pool: the read replica's for
// a read marked kernel.AllowStaleReads while the replica is fresh enough
// (see pool), else the primary's.
func (d *DB) idb(ctx context.Context) bun.IDB {
	if tx, ok := ctx.Value(txKey{}).(bun.Tx); ok {
		return tx
	}
	return d.conn(ctx)
}

// translate maps driver errors to the domain taxonomy: constraint violations
// become Conflict, an unreachable database Unavailable, and everything else
// stays Internal (its text goes to the log, never to the caller).
func translate(err error) error {
	if err == nil {
		return nil
	}
	var de *errs.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Wrap(errs.NotFound, err, "not found")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch c := pgErr.Code; {
		case c == "23505":
			return errs.Wrap(errs.Conflict, err, "already exists")
		case c == "40001", c == "40P01", c == "53300", strings.HasPrefix(c, "08"), strings.HasPrefix(c, "57P"):
			return errs.Wrap(errs.Unavailable, err, "database busy or unavailable, retry later")
		}
		return errs.Wrap(errs.Internal, err, "database error")
	}
	var netErr *net.OpError
	msg := err.Error()
	switch {
	case strings.Contains(msg, "UNIQUE constraint failed"):
		return errs.Wrap(errs.Conflict, err, "already exists")
	case errors.As(err, &netErr), errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		strings.Contains(msg, "failed to connect"), strings.Contains(msg, "conn closed"),
		strings.Contains(msg, "database is locked"), strings.Contains(msg, "connection refused"),
		strings.Contains(msg, "SQLITE_INTERRUPT"): // SQLite stopped by a request's deadline
		return errs.Wrap(errs.Unavailable, err, "database unavailable, retry later")
	}
	return errs.Wrap(errs.Internal, err, "database error")
}

// MigrationsHash identifies the set of migrations of a dialect, so tests can
// reuse a template database migrated by an earlier run.
func MigrationsHash(d Dialect) string {
	h := sha256.New()
	_ = fs.WalkDir(migrationFiles, "migrations/"+string(d), func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := migrationFiles.ReadFile(p)
		h.Write([]byte(p))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// prepared is the first argument of the hot statements with bound
// parameters (the reservation's reserveSQL, ingestion's, rangeSums): pgx
// prepares each once per connection and sends its arrays in binary. In
// exec mode every ingested batch's ten arrays were written as text (17 % of
// the server's CPU while ingesting), PostgreSQL parsed them back and
// planned each statement again (the events' statement: 1.4-2.3 ms in
// EXPLAIN ANALYZE, for 1,000 events). Prepared, current_usage served
// 476-537 requests/s instead of 304-338 (4 clients, two pairs).
const prepared = pgx.QueryExecModeCacheStatement

// openPostgresPool opens a pool of up to n connections to a PostgreSQL
// server (the primary, or a standby in readreplica.go).
//
// Statements run in pgx's "exec" mode: one round trip each, with an unnamed
// statement. bun writes the arguments into the SQL text itself, so nearly
// every statement text is new; in pgx's default mode each new text was
// first prepared as a named statement (a round trip of its own, and a
// statement cached per connection that was never used again), which doubled
// the round trips of every bun query. The few statements with bound
// parameters cast them in SQL or bind Go types that name their PostgreSQL
// type. The exceptions are the hot statements whose text never changes (or
// has a few variants) and whose parameters are bound: they pass prepared.
func openPostgresPool(url string, n int) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	sqldb := stdlib.OpenDB(*cfg)
	sqldb.SetMaxOpenConns(n)
	sqldb.SetMaxIdleConns(n)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	return sqldb, nil
}

// withHook adds h to the statement handle and the transaction handle (one
// and the same on PostgreSQL, where it stays one). bun's hooks are set by
// cloning the handle, so this runs before the DB is shared.
func (d *DB) withHook(h bun.QueryHook) {
	same := d.txdb == d.bun
	d.bun = d.bun.WithQueryHook(h)
	if same {
		d.txdb = d.bun
	} else {
		d.txdb = d.txdb.WithQueryHook(h)
	}
}
