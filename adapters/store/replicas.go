package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"hash/fnv"
	"log/slog"
	"time"
)

// This file is what several billingd processes on one PostgreSQL database
// coordinate through: an advisory lock (one scheduler pass at a time) and
// LISTEN/NOTIFY (revoked credentials leave every process's cache at once).
// The PostgreSQL implementations are in replicas_postgres.go. On SQLite both
// are no-ops (dialect_sqlite.go): SQLite is one host, its writers take turns
// (BEGIN IMMEDIATE, see sqlite.go), and what must hold across processes
// sharing a file holds through constraints (an invoice is unique per
// tenant and period) and the authentication cache's short TTL.

// reserveConn adds one connection to the PostgreSQL pool for a caller that
// holds one for long (the listener, the lock while a pass runs): otherwise
// a small --db-max-conns could leave requests (or the pass itself) waiting
// for a connection forever.
func (d *DB) reserveConn() { d.dialect.reserveConn(d) }

// badConn makes database/sql discard a connection instead of pooling it: a
// connection left LISTENing, or holding an advisory lock nobody will
// release, must never serve another request. err is kept for the caller.
func badConn(err error) error { return errors.Join(driver.ErrBadConn, err) }

// AdvisoryLock is a PostgreSQL session-level advisory lock named by a
// string, held on a connection of its own while taken. Advisory locks are
// per database, so installations on other databases of one server do not
// share it.
type AdvisoryLock struct {
	d    *DB
	name string
	key  int64
}

// AdvisoryLock returns the lock called name (its key is name's FNV-1a hash).
// On PostgreSQL the pool grows by one connection, the one TryLock holds.
func (d *DB) AdvisoryLock(name string) *AdvisoryLock {
	d.reserveConn()
	h := fnv.New64a()
	_, _ = h.Write([]byte("billingd:" + name))
	return &AdvisoryLock{d: d, name: name, key: int64(h.Sum64())}
}

// unlockTimeout bounds giving the lock back; past it the connection is
// dropped, which ends the session and so releases the lock anyway.
const unlockTimeout = 5 * time.Second

// TryLock takes the lock when no other session holds it, without waiting:
// ok is false when another process (or another connection of this one)
// has it. release gives it back; it must be called once ok is true. On
// SQLite it always succeeds (see the top of this file). If the connection
// dies while held, PostgreSQL releases the lock with the session, so a
// crashed holder never blocks the others.
func (l *AdvisoryLock) TryLock(ctx context.Context) (release func(), ok bool, err error) {
	return l.d.dialect.tryLock(ctx, l)
}

// revocationChannel is the NOTIFY channel of revoked credential ids.
const revocationChannel = "billingd_revocations"

// Revocations carries revoked credential ids between the processes sharing
// a PostgreSQL database: AnnounceRevocation sends one (NOTIFY), Listen
// receives them (LISTEN on a connection of its own).
type Revocations struct {
	d   *DB
	log *slog.Logger
}

// NewRevocations returns the revocation channel of d.
func NewRevocations(d *DB, log *slog.Logger) *Revocations {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Revocations{d: d, log: log}
}

// AnnounceRevocation tells every listening process that credential id was
// revoked. It runs after the revocation committed; if it fails, the other
// processes drop the credential when their cached entry expires
// (--auth-cache-ttl), which is logged.
func (r *Revocations) AnnounceRevocation(id string) { r.d.dialect.announceRevocation(r, id) }

// listenWait is how long Listen waits for its first LISTEN before
// returning anyway (it keeps trying in the background).
const listenWait = 5 * time.Second

// Listen calls forget with each revoked id announced from now on, until ctx
// ends; wait returns once it has stopped (call it before closing the
// database). It returns once the first LISTEN is in place, so a revocation
// made after Listen returned reaches this process. Whenever it
// (re)connects it calls forgetAll first: what was announced while it was
// not listening is lost, so every cached entry may be stale. On SQLite it
// does nothing.
func (r *Revocations) Listen(ctx context.Context, forget func(id string), forgetAll func()) (wait func()) {
	return r.d.dialect.listenRevocations(ctx, r, forget, forgetAll)
}
