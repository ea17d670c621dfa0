package scheduler

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/tenancy"
)

// fakeInvoices records what the scheduler asked.
type fakeInvoices struct {
	mu               sync.Mutex
	closes, overdues int
	delay            time.Duration
	closeErr         error
	issued           int
}

func (f *fakeInvoices) CloseDue(_ context.Context, _ tenancy.Principal, delay time.Duration) (invoice.Period, invoice.CloseResult, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closes++
	f.delay = delay
	p := invoice.PeriodOf(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	return p, invoice.CloseResult{Period: p, Issued: make([]invoice.Invoice, f.issued)}, true, f.closeErr
}

func (f *fakeInvoices) MarkOverdue(context.Context, tenancy.Principal) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.overdues++
	return 0, nil
}

func TestPassClosesThenMarksOverdue(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	f := &fakeInvoices{issued: 2}
	Pass(context.Background(), Config{Invoices: f, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if f.closes != 1 || f.overdues != 1 || f.delay != invoice.CloseDelay {
		t.Fatalf("closes %d, overdues %d, delay %v; want 1, 1, %v", f.closes, f.overdues, f.delay, invoice.CloseDelay)
	}
	if !strings.Contains(logs.String(), "invoices issued") || !strings.Contains(logs.String(), "period=2026-11") {
		t.Fatalf("log: %s", logs.String())
	}
	// A failed close is logged and does not stop the overdue marking.
	logs.Reset()
	f.closeErr = errors.New("database gone")
	Pass(context.Background(), Config{Invoices: f, Delay: time.Minute, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if f.overdues != 2 || f.delay != time.Minute || !strings.Contains(logs.String(), "invoice close failed") {
		t.Fatalf("after a failed close: overdues %d, delay %v, log %s", f.overdues, f.delay, logs.String())
	}
}

func TestRunPassesUntilCancelled(t *testing.T) {
	t.Parallel()
	f := &fakeInvoices{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { Run(ctx, Config{Invoices: f, Interval: time.Millisecond}); close(done) }()
	for {
		f.mu.Lock()
		n := f.closes
		f.mu.Unlock()
		if n >= 3 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
}

// memLock is a Lock shared by the "replicas" of a test.
type memLock struct {
	mu       sync.Mutex
	held     bool
	err      error
	releases int
}

func (l *memLock) TryLock(context.Context) (func(), bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return nil, false, l.err
	}
	if l.held {
		return nil, false, nil
	}
	l.held = true
	return func() {
		l.mu.Lock()
		l.held = false
		l.releases++
		l.mu.Unlock()
	}, true, nil
}

// blockingInvoices holds CloseDue until release is closed, so that the
// passes of other replicas run while one is closing.
type blockingInvoices struct {
	fakeInvoices
	entered chan struct{}
	release chan struct{}
}

func (b *blockingInvoices) CloseDue(ctx context.Context, p tenancy.Principal, d time.Duration) (invoice.Period, invoice.CloseResult, bool, error) {
	b.entered <- struct{}{}
	<-b.release
	return b.fakeInvoices.CloseDue(ctx, p, d)
}

// TestPassOneReplicaAtATime: while one replica's pass holds the lock, the
// passes of two others do nothing; once it is released the next pass runs.
func TestPassOneReplicaAtATime(t *testing.T) {
	t.Parallel()
	lock := &memLock{}
	inv := &blockingInvoices{entered: make(chan struct{}, 3), release: make(chan struct{})}
	done := make(chan struct{})
	go func() { Pass(context.Background(), Config{Invoices: inv, Lock: lock}); close(done) }()
	<-inv.entered // the first replica is closing, lock held
	var logs bytes.Buffer
	debug := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for range 2 {
		Pass(context.Background(), Config{Invoices: inv, Lock: lock, Logger: debug})
	}
	close(inv.release)
	<-done
	if inv.closes != 1 || inv.overdues != 1 || lock.releases != 1 {
		t.Fatalf("closes %d, overdues %d, releases %d; want 1, 1, 1 (two passes skipped)", inv.closes, inv.overdues, lock.releases)
	}
	if strings.Count(logs.String(), "another process holds the scheduler lock") != 2 {
		t.Fatalf("skips not logged: %s", logs.String())
	}
	// Free again: the next pass runs.
	Pass(context.Background(), Config{Invoices: &inv.fakeInvoices, Lock: lock})
	if inv.closes != 2 || lock.releases != 2 {
		t.Fatalf("after release: closes %d, releases %d", inv.closes, lock.releases)
	}
}

// TestPassSkippedWhenLockFails: a lock that cannot be read (database
// down) skips the pass and says so.
func TestPassSkippedWhenLockFails(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	f := &fakeInvoices{}
	Pass(context.Background(), Config{Invoices: f, Lock: &memLock{err: errors.New("connection refused")}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if f.closes != 0 || f.overdues != 0 || !strings.Contains(logs.String(), "scheduler lock unavailable") {
		t.Fatalf("closes %d, overdues %d, log %s", f.closes, f.overdues, logs.String())
	}
}
