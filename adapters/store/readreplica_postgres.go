package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// This file routes reads that may be stale (kernel.AllowStaleReads: reports
// and GraphQL queries) to a PostgreSQL streaming standby, with a bound on
// how stale they may be.
//
// How stale the standby is, is measured without comparing clocks of two
// machines: every probe first reads the primary's WAL insert position P at
// instant t (this process's clock), then the standby's replay position R.
// Once R >= P, every transaction that committed on the primary before t is
// visible on the standby, so the standby is "fresh as of t". The probe keeps
// its recent (t, P) samples and takes the latest t whose P the standby has
// replayed. A statement goes to the standby only when now - freshAsOf is
// within MaxLag; otherwise (standby behind, replay paused, standby
// unreachable, not a standby at all) it reads the primary. An idle primary
// has a constant P, so an idle standby stays fresh (no false lag from
// pg_last_xact_replay_timestamp, which stands still when nothing is written).
//
// A caller's own writes: when a transaction of a credential (API token or
// certificate) commits, its instant is remembered, and that credential's
// reads go to the primary until the standby is fresh as of a later instant,
// so a client never reads older data than it just wrote through this
// process. (Through another replica of billingd behind a load balancer it
// may, within MaxLag.)

// ReadReplicaOptions configure OpenReadReplica.
type ReadReplicaOptions struct {
	// URL is the standby's postgres:// URL.
	URL string
	// MaxLag is the largest staleness a read may see (default 5 s).
	MaxLag time.Duration
	// ProbeInterval is how often the standby's position is read (default
	// MaxLag/5, at least 50 ms).
	ProbeInterval time.Duration
	// MaxOpenConns caps the standby's pool (default 16).
	MaxOpenConns int
	Logger       *slog.Logger
}

// ReadReplicaStats is what the metrics show of the standby.
type ReadReplicaStats struct {
	// Configured is false when no standby was given (the rest is zero).
	Configured bool
	// Usable tells whether a stale-OK read would go to the standby now.
	Usable bool
	// Staleness is how far behind the primary the standby is known to be at
	// most (now - freshAsOf); meaningless when FreshAsOf is zero.
	Staleness time.Duration
	// Statements counts the statements the standby ran for requests
	// (probes excluded); the primary ran Queries() - Statements.
	Statements int64
}

type readReplica struct {
	db     *bun.DB
	clock  kernel.Clock
	log    *slog.Logger
	maxLag time.Duration
	every  time.Duration
	// freshAsOf is the instant (unix ns, this process's clock) up to which
	// the primary's commits are visible on the standby; 0: unusable.
	freshAsOf  atomic.Int64
	statements atomic.Int64
	// writes holds each credential's last commit instant (unix ns).
	writes  sync.Map // string -> int64
	nwrites atomic.Int64
	stop    context.CancelFunc
	done    chan struct{}
}

type lsnSample struct {
	at  int64 // unix ns
	lsn int64 // primary WAL insert position, in bytes
}

// maxSamples bounds the probe's memory when the standby falls far behind;
// dropping the oldest samples only makes freshAsOf more conservative.
const maxSamples = 4096

// OpenReadReplica connects the standby at opt.URL and starts probing it:
// from then on, reads marked with kernel.AllowStaleReads outside
// transactions go to it while it is within opt.MaxLag. PostgreSQL only.
// Close stops the probe and closes its pool.
func (d *DB) OpenReadReplica(ctx context.Context, opt ReadReplicaOptions) error {
	if d.Dialect() != Postgres {
		return fmt.Errorf("a read replica needs PostgreSQL as the primary database, not %s", d.Dialect())
	}
	if d.replica != nil {
		return errors.New("read replica already open")
	}
	if !strings.HasPrefix(opt.URL, "postgres://") && !strings.HasPrefix(opt.URL, "postgresql://") {
		return fmt.Errorf("read database URL %q: want a postgres:// or postgresql:// URL", redact(opt.URL))
	}
	if opt.MaxLag <= 0 {
		opt.MaxLag = 5 * time.Second
	}
	if opt.ProbeInterval <= 0 {
		opt.ProbeInterval = max(opt.MaxLag/5, 50*time.Millisecond)
	}
	if opt.MaxOpenConns <= 0 {
		opt.MaxOpenConns = 16
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	sqldb, err := openPostgresPool(opt.URL, opt.MaxOpenConns)
	if err != nil {
		return fmt.Errorf("open read database: %w", err)
	}
	r := &readReplica{clock: d.clock, log: opt.Logger, maxLag: opt.MaxLag, every: opt.ProbeInterval, done: make(chan struct{})}
	r.db = bun.NewDB(sqldb, pgdialect.New()).
		WithQueryHook(counterHook{&d.queries}).
		WithQueryHook(counterHook{&r.statements}).
		WithQueryHook(downHook{r})
	// A standby that is down at start is not an error: the primary answers
	// until the probe finds it.
	// Writes outside transactions (autocommit statements) count as the
	// caller's writes too; InTx notes the others at commit.
	d.withHook(writeHook{r})
	var samples []lsnSample
	samples = r.probe(ctx, d, samples)
	pctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	r.stop = stop
	d.replica = r
	go func() {
		defer close(r.done)
		t := time.NewTicker(r.every)
		defer t.Stop()
		for {
			select {
			case <-pctx.Done():
				return
			case <-t.C:
				samples = r.probe(pctx, d, samples)
			}
		}
	}()
	return nil
}

// close stops the probe and closes the standby's pool.
func (r *readReplica) close() error {
	r.stop()
	<-r.done
	return r.db.Close()
}

// probe takes one (t, P) sample of the primary, reads the standby's replay
// position and advances freshAsOf; it returns the samples still needed.
func (r *readReplica) probe(ctx context.Context, d *DB, samples []lsnSample) []lsnSample {
	pctx, cancel := context.WithTimeout(ctx, max(r.every, time.Second))
	defer cancel()
	// The instant is taken before the primary is asked: every commit
	// acknowledged before it has its record below the position read.
	at := r.clock.Now().UnixNano()
	var p int64
	if err := d.bun.DB.QueryRowContext(pctx, `SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint`).Scan(&p); err == nil {
		samples = append(samples, lsnSample{at: at, lsn: p})
		if len(samples) > maxSamples {
			samples = samples[len(samples)-maxSamples:]
		}
	}
	var recovering bool
	var replayed sql.NullInt64
	err := r.db.DB.QueryRowContext(pctx, `SELECT pg_is_in_recovery(), (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint`).Scan(&recovering, &replayed)
	switch {
	case err != nil:
		r.markDown("read replica unreachable; reads go to the primary", err)
		return samples
	case !recovering || !replayed.Valid:
		// A promoted or unrelated server has its own history: never read it.
		r.markDown("read database is not a standby in recovery; reads go to the primary", nil)
		return samples
	}
	i := len(samples) - 1
	for i >= 0 && samples[i].lsn > replayed.Int64 {
		i--
	}
	if i >= 0 {
		was := r.freshAsOf.Swap(max(samples[i].at, r.freshAsOf.Load()))
		if was == 0 {
			r.log.Info("read replica in use", "max_lag", r.maxLag.String())
		}
		samples = samples[i:] // older samples are replayed too
	}
	return samples
}

func (r *readReplica) markDown(msg string, err error) {
	if r.freshAsOf.Swap(0) != 0 {
		if err != nil {
			r.log.Warn(msg, "err", err)
		} else {
			r.log.Warn(msg)
		}
	}
}

// usable tells whether a stale-OK read of ctx's caller may go to the standby.
func (r *readReplica) usable(ctx context.Context) bool {
	f := r.freshAsOf.Load()
	if f == 0 || r.clock.Now().UnixNano()-f > int64(r.maxLag) {
		return false
	}
	if p, err := tenancy.PrincipalFrom(ctx); err == nil && p.TokenID != "" {
		if w, ok := r.writes.Load(p.TokenID); ok && w.(int64) > f {
			return false
		}
	}
	return true
}

// noteWrite remembers that ctx's caller committed now (see the top of the
// file). Entries older than MaxLag no longer decide anything (the standby is
// fresher than them or unused); every 256th write prunes them.
func (r *readReplica) noteWrite(ctx context.Context) {
	p, err := tenancy.PrincipalFrom(ctx)
	if err != nil || p.TokenID == "" {
		return
	}
	now := r.clock.Now().UnixNano()
	r.writes.Store(p.TokenID, now)
	if r.nwrites.Add(1)%256 == 0 {
		r.writes.Range(func(k, v any) bool {
			if now-v.(int64) > int64(r.maxLag) {
				r.writes.Delete(k)
			}
			return true
		})
	}
}

// pool returns the pool a statement outside a transaction runs on: the
// standby's when ctx allows stale reads and the standby is fresh enough for
// its caller, else the primary's.
func (d *DB) pool(ctx context.Context) *bun.DB {
	if r := d.replica; r != nil && kernel.StaleReadsAllowed(ctx) && r.usable(ctx) {
		return r.db
	}
	return d.bun
}

// conn is pool for idb: on the standby it is a readIDB, so a write that a
// marked path makes outside a transaction still reaches the primary.
func (d *DB) conn(ctx context.Context) bun.IDB {
	if p := d.pool(ctx); p != d.bun {
		return readIDB{DB: p, primary: d.bun}
	}
	return d.bun
}

// readIDB runs selects on the standby (the embedded DB) and everything
// else on the primary: a read-only standby would refuse a write with an
// error, and a path marked as stale-OK that writes (outside a transaction)
// must still work.
type readIDB struct {
	*bun.DB
	primary *bun.DB
}

func (c readIDB) NewInsert() *bun.InsertQuery { return c.primary.NewInsert() }
func (c readIDB) NewUpdate() *bun.UpdateQuery { return c.primary.NewUpdate() }
func (c readIDB) NewDelete() *bun.DeleteQuery { return c.primary.NewDelete() }
func (c readIDB) NewMerge() *bun.MergeQuery   { return c.primary.NewMerge() }

// NewRaw runs a statement that starts with SELECT on the standby, any other
// (INSERT ... RETURNING, WITH, DDL) on the primary.
func (c readIDB) NewRaw(query string, args ...any) *bun.RawQuery {
	if q := strings.TrimSpace(query); len(q) >= 6 && strings.EqualFold(q[:6], "SELECT") {
		return c.DB.NewRaw(query, args...)
	}
	return c.primary.NewRaw(query, args...)
}

func (c readIDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.primary.ExecContext(ctx, query, args...)
}

func (c readIDB) BeginTx(ctx context.Context, opts *sql.TxOptions) (bun.Tx, error) {
	return c.primary.BeginTx(ctx, opts)
}

func (c readIDB) RunInTx(ctx context.Context, opts *sql.TxOptions, f func(ctx context.Context, tx bun.Tx) error) error {
	return c.primary.RunInTx(ctx, opts, f)
}

// ReadReplicaStats reports the standby's state for metrics.
func (d *DB) ReadReplicaStats() ReadReplicaStats {
	r := d.replica
	if r == nil {
		return ReadReplicaStats{}
	}
	st := ReadReplicaStats{Configured: true, Statements: r.statements.Load()}
	if f := r.freshAsOf.Load(); f != 0 {
		st.Staleness = time.Duration(r.clock.Now().UnixNano() - f)
		st.Usable = st.Staleness <= r.maxLag
	}
	return st
}

// writeHook notes a caller's autocommit write on the primary.
type writeHook struct{ r *readReplica }

func (writeHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (h writeHook) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	if e.Err == nil && !inTx(ctx) && e.Operation() != "SELECT" {
		h.r.noteWrite(ctx)
	}
}

// downHook stops routing to the standby at the first statement that finds
// it unreachable, instead of waiting for the next probe; the probe brings it
// back once it answers again. The statement itself fails (503, retryable).
type downHook struct{ r *readReplica }

func (downHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (h downHook) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if e.Err != nil && connectionLost(e.Err) {
		h.r.markDown("read replica failed a statement; reads go to the primary", e.Err)
	}
}

// connectionLost tells errors of a lost or refused connection from
// statement errors (a cancelled request, a recovery conflict).
func connectionLost(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P")
	}
	var netErr *net.OpError
	msg := err.Error()
	return errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.Contains(msg, "failed to connect") || strings.Contains(msg, "conn closed") || strings.Contains(msg, "connection refused")
}
