package kernel

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMemoReadsOncePerKey(t *testing.T) {
	t.Parallel()
	if MemoFrom(context.Background()) != nil {
		t.Fatal("a plain context has a memo")
	}
	ctx := WithMemo(context.Background())
	m := MemoFrom(ctx)
	if m == nil || MemoFrom(WithMemo(ctx)) == m {
		t.Fatal("WithMemo must give a new memo")
	}
	var reads atomic.Int32
	release := make(chan struct{})
	read := func() (any, error) {
		reads.Add(1)
		<-release
		return "plan-a", nil
	}
	// Concurrent callers of one key share one read.
	var wg sync.WaitGroup
	got := make([]any, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = m.Do(ctx, MemoKey{Tenant: "t1", Kind: "plan"}, read)
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	for _, g := range got {
		if g != "plan-a" {
			t.Fatalf("answers = %v", got)
		}
	}
	if n := reads.Load(); n != 1 {
		t.Fatalf("%d reads for one key, want 1", n)
	}
	// Another tenant, kind or argument is another key.
	for _, k := range []MemoKey{{Tenant: "t2", Kind: "plan"}, {Tenant: "t1", Kind: "subs"}, {Tenant: "t1", Kind: "plan", Args: "x"}} {
		if _, err := m.Do(ctx, k, func() (any, error) { reads.Add(1); return k.Tenant, nil }); err != nil {
			t.Fatal(err)
		}
	}
	if n := reads.Load(); n != 4 || m.Len() != 4 {
		t.Fatalf("reads = %d, entries = %d, want 4 and 4", n, m.Len())
	}
	// Clear forgets everything: the next call reads again.
	m.Clear()
	v, _ := m.Do(ctx, MemoKey{Tenant: "t1", Kind: "plan"}, func() (any, error) { reads.Add(1); return "plan-b", nil })
	if v != "plan-b" || reads.Load() != 5 {
		t.Fatalf("after Clear: %v after %d reads", v, reads.Load())
	}
}

func TestMemoForgetsFailures(t *testing.T) {
	t.Parallel()
	ctx := WithMemo(context.Background())
	m := MemoFrom(ctx)
	k := MemoKey{Tenant: "t1", Kind: "plan"}
	boom := errors.New("boom")
	if _, err := m.Do(ctx, k, func() (any, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	// A panicking read is forgotten too, and its waiters are released.
	func() {
		defer func() { _ = recover() }()
		_, _ = m.Do(ctx, k, func() (any, error) { panic("read panicked") })
	}()
	if m.Len() != 0 {
		t.Fatalf("%d entries after failures", m.Len())
	}
	v, err := m.Do(ctx, k, func() (any, error) { return "ok", nil })
	if err != nil || v != "ok" {
		t.Fatalf("after failures: %v, %v", v, err)
	}
	// A waiter whose context ends stops waiting.
	k2 := MemoKey{Tenant: "t1", Kind: "slow"}
	started, release := make(chan struct{}), make(chan struct{})
	go func() {
		_, _ = m.Do(ctx, k2, func() (any, error) { close(started); <-release; return 1, nil })
	}()
	<-started
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := m.Do(short, k2, func() (any, error) { return 2, nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiter err = %v", err)
	}
	close(release)
}
