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
)

// fakeInvoices records what the scheduler asked.
type fakeInvoices struct {
	mu               sync.Mutex
	closes, overdues int
	delay            time.Duration
	closeErr         error
	issued           int
}

func (f *fakeInvoices) CloseDue(_ context.Context, delay time.Duration) (invoice.Period, invoice.CloseResult, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closes++
	f.delay = delay
	p := invoice.PeriodOf(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	return p, invoice.CloseResult{Period: p, Issued: make([]invoice.Invoice, f.issued)}, true, f.closeErr
}

func (f *fakeInvoices) MarkOverdue(context.Context) (int, error) {
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
