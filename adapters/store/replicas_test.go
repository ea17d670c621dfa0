package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
)

// twoProcesses opens one fresh PostgreSQL database twice, as two replicas
// would (separate pools, separate sessions).
func twoProcesses(t *testing.T) (*store.DB, *store.DB) {
	t.Helper()
	u := storetest.URL(t, store.Postgres)
	open := func() *store.DB {
		db, err := store.Open(context.Background(), u, store.Options{MaxOpenConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	return open(), open()
}

func TestAdvisoryLockOneHolder(t *testing.T) {
	t.Parallel()
	a, b := twoProcesses(t)
	ctx := context.Background()
	la, lb := a.AdvisoryLock("scheduler"), b.AdvisoryLock("scheduler")
	release, ok, err := la.TryLock(ctx)
	if err != nil || !ok {
		t.Fatalf("first TryLock: ok=%v err=%v", ok, err)
	}
	if _, ok, err := lb.TryLock(ctx); err != nil || ok {
		t.Fatalf("second process took a held lock: ok=%v err=%v", ok, err)
	}
	// Another connection of the same process is another session: refused.
	if _, ok, err := la.TryLock(ctx); err != nil || ok {
		t.Fatalf("the holder's pool took the lock again: ok=%v err=%v", ok, err)
	}
	// Another name is another lock.
	if rel, ok, err := b.AdvisoryLock("other").TryLock(ctx); err != nil || !ok {
		t.Fatalf("another lock name refused: ok=%v err=%v", ok, err)
	} else {
		rel()
	}
	release()
	relB, ok, err := lb.TryLock(ctx)
	if err != nil || !ok {
		t.Fatalf("lock not free after release: ok=%v err=%v", ok, err)
	}
	relB()
	// A cancelled attempt fails and leaves nothing held.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, ok, err := la.TryLock(cctx); err == nil || ok {
		t.Fatalf("TryLock on a cancelled context: ok=%v err=%v", ok, err)
	}
	if rel, ok, err := lb.TryLock(ctx); err != nil || !ok {
		t.Fatalf("lock held after a cancelled attempt: ok=%v err=%v", ok, err)
	} else {
		rel()
	}
}

// TestAdvisoryLockDiesWithItsHolder: closing the holder's database (a
// crashed replica) frees the lock for the others.
func TestAdvisoryLockDiesWithItsHolder(t *testing.T) {
	t.Parallel()
	a, b := twoProcesses(t)
	ctx := context.Background()
	if _, ok, err := a.AdvisoryLock("scheduler").TryLock(ctx); err != nil || !ok {
		t.Fatalf("TryLock: ok=%v err=%v", ok, err)
	}
	// The holder's session ends without unlocking.
	if _, err := b.SQL().ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`); err != nil {
		t.Fatal(err)
	}
	var ok bool
	for deadline := time.Now().Add(10 * time.Second); !ok && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var rel func()
		var err error
		if rel, ok, err = b.AdvisoryLock("scheduler").TryLock(ctx); err != nil {
			t.Fatal(err)
		} else if ok {
			rel()
		}
	}
	if !ok {
		t.Fatal("the lock outlived its holder's session")
	}
}

func TestAdvisoryLockSQLiteAlwaysTaken(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	l := db.AdvisoryLock("scheduler")
	for range 2 {
		rel, ok, err := l.TryLock(context.Background())
		if err != nil || !ok {
			t.Fatalf("SQLite TryLock: ok=%v err=%v", ok, err)
		}
		defer rel()
	}
}

// recorder collects what a revocation listener was told.
type recorder struct {
	mu     sync.Mutex
	ids    []string
	resets int
}

func (r *recorder) forget(id string) { r.mu.Lock(); r.ids = append(r.ids, id); r.mu.Unlock() }
func (r *recorder) forgetAll()       { r.mu.Lock(); r.resets++; r.mu.Unlock() }
func (r *recorder) state() ([]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ids...), r.resets
}

// waitFor polls cond (no timing is asserted beyond a generous deadline).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestRevocationsReachOtherProcesses(t *testing.T) {
	t.Parallel()
	a, b := twoProcesses(t)
	ctx, cancel := context.WithCancel(context.Background())
	rec := &recorder{}
	wait := store.NewRevocations(a, nil).Listen(ctx, rec.forget, rec.forgetAll)
	defer func() { cancel(); wait() }()
	if _, resets := rec.state(); resets != 1 {
		t.Fatalf("Listen returned before listening (resets %d)", resets)
	}
	store.NewRevocations(b, nil).AnnounceRevocation("tok-1")
	waitFor(t, "tok-1", func() bool { ids, _ := rec.state(); return len(ids) == 1 && ids[0] == "tok-1" })

	// The listener's connection dies: it reconnects, forgets everything
	// (announcements in the gap are lost), and hears the next one.
	if _, err := b.SQL().ExecContext(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN billingd_revocations'`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a reconnection", func() bool { _, resets := rec.state(); return resets == 2 })
	store.NewRevocations(b, nil).AnnounceRevocation("tok-2")
	waitFor(t, "tok-2", func() bool { ids, _ := rec.state(); return len(ids) == 2 && ids[1] == "tok-2" })

	// A stopped listener's connection is closed, not pooled: no session of
	// the database is left LISTENing, and the pool still serves queries.
	cancel()
	wait()
	var n int
	waitFor(t, "the listening session to end", func() bool {
		_ = b.SQL().QueryRowContext(context.Background(), `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN billingd_revocations'`).Scan(&n)
		return n == 0
	})
	if err := a.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestRevocationsSQLiteNoop(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	rec := &recorder{}
	wait := store.NewRevocations(db, nil).Listen(context.Background(), rec.forget, rec.forgetAll)
	wait() // returns at once: nothing runs
	store.NewRevocations(db, nil).AnnounceRevocation("tok-1")
	if ids, resets := rec.state(); len(ids) != 0 || resets != 0 {
		t.Fatalf("SQLite listener did something: %v %d", ids, resets)
	}
}

// TestLongHeldConnectionsAddToThePool: with a pool of one connection, the
// listener and a held lock still leave one for the work (a pass's own
// transactions, requests).
func TestLongHeldConnectionsAddToThePool(t *testing.T) {
	t.Parallel()
	u := storetest.URL(t, store.Postgres)
	db, err := store.Open(context.Background(), u, store.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	rec := &recorder{}
	wait := store.NewRevocations(db, nil).Listen(ctx, rec.forget, rec.forgetAll)
	defer func() { cancel(); wait() }()
	// Without the reserved connections these would wait forever: the
	// deadline turns that into a failure.
	qctx, qcancel := context.WithTimeout(ctx, 10*time.Second)
	defer qcancel()
	release, ok, err := db.AdvisoryLock("scheduler").TryLock(qctx)
	if err != nil || !ok {
		t.Fatalf("TryLock with the listener holding a connection: ok=%v err=%v", ok, err)
	}
	defer release()
	var one int
	if err := db.SQL().QueryRowContext(qctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("no connection left for work: %v", err)
	}
}
