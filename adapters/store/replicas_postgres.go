package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// The PostgreSQL side of replicas.go: what several billingd processes on
// one database coordinate through.

// reserveConn adds one connection to the pool (see DB.reserveConn).
func (postgresDialect) reserveConn(d *DB) {
	if n := d.bun.DB.Stats().MaxOpenConnections; n > 0 {
		d.bun.DB.SetMaxOpenConns(n + 1)
	}
}

// tryLock takes a session-level advisory lock on a connection of its own.
func (postgresDialect) tryLock(ctx context.Context, l *AdvisoryLock) (release func(), ok bool, err error) {
	conn, err := l.d.bun.DB.Conn(ctx)
	if err != nil {
		return nil, false, translate(err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", l.key).Scan(&ok); err != nil {
		// The lock may have been taken before the answer was lost: the
		// connection goes, and the lock with its session.
		_ = conn.Raw(func(any) error { return badConn(err) })
		_ = conn.Close()
		return nil, false, translate(err)
	}
	if !ok {
		_ = conn.Close()
		return nil, false, nil
	}
	return func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unlockTimeout)
		defer cancel()
		var released bool
		if err := conn.QueryRowContext(uctx, "SELECT pg_advisory_unlock($1)", l.key).Scan(&released); err != nil || !released {
			_ = conn.Raw(func(any) error { return badConn(err) })
		}
		_ = conn.Close()
	}, true, nil
}

// announceRevocation sends a NOTIFY.
func (postgresDialect) announceRevocation(r *Revocations, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), unlockTimeout)
	defer cancel()
	if _, err := r.d.bun.ExecContext(ctx, "SELECT pg_notify(?, ?)", revocationChannel, id); err != nil {
		r.log.Warn("could not announce a revocation to the other processes; they stop accepting the credential when their cached authentication expires (--auth-cache-ttl)",
			"credential", id, "err", err)
	}
}

// listenRevocations LISTENs on a connection of its own, reconnecting.
func (postgresDialect) listenRevocations(ctx context.Context, r *Revocations, forget func(id string), forgetAll func()) (wait func()) {
	r.d.reserveConn()
	listening := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		backoff := 100 * time.Millisecond
		for ctx.Err() == nil {
			on := func() {
				backoff = 100 * time.Millisecond
				select {
				case listening <- struct{}{}:
				default:
				}
			}
			err := r.listenOnce(ctx, forget, forgetAll, on)
			if ctx.Err() != nil {
				return
			}
			r.log.Warn("revocation listener lost its connection; reconnecting (meanwhile other processes' revocations reach this one within --auth-cache-ttl)", "err", err, "retry_in", backoff.String())
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			backoff = min(2*backoff, 5*time.Second)
		}
	}()
	t := time.NewTimer(listenWait)
	defer t.Stop()
	select {
	case <-listening:
	case <-done:
	case <-t.C:
		r.log.Warn("revocation listener not connected yet; revocations made elsewhere reach this process within --auth-cache-ttl until it is")
	}
	return func() { <-done }
}

func (r *Revocations) listenOnce(ctx context.Context, forget func(string), forgetAll func(), listening func()) error {
	conn, err := r.d.bun.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var cause error
	_ = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			cause = fmt.Errorf("revocation listener: driver connection is %T, not pgx", dc)
			return badConn(cause)
		}
		pc := sc.Conn()
		if _, cause = pc.Exec(ctx, "LISTEN "+revocationChannel); cause != nil {
			return badConn(cause)
		}
		forgetAll()
		listening()
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				// Never pooled again: it is still LISTENing.
				cause = err
				return badConn(err)
			}
			forget(n.Payload)
		}
	})
	return cause
}
