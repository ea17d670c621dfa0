package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
)

// TestFairGateAdmitsInArrivalOrder: callers that find the gate full are
// admitted in the order they came, one per leave.
func TestFairGateAdmitsInArrivalOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		g := make(fairGate, 2)
		for range 2 {
			if err := g.enter(ctx); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		var admitted []int
		for i := range 6 {
			go func() {
				if err := g.enter(ctx); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				admitted = append(admitted, i)
				mu.Unlock()
			}()
			synctest.Wait() // i waits now, behind every caller before it
		}
		for want := range 6 {
			g.leave()
			synctest.Wait()
			mu.Lock()
			got := slices.Clone(admitted)
			mu.Unlock()
			if len(got) != want+1 || got[want] != want {
				t.Fatalf("after %d leaves admitted %v, want 0..%d in order", want+1, got, want)
			}
		}
	})
}

// TestFairGateGivesUpWithItsContext: a caller whose context ends while it
// waits is not admitted and takes no turn; a nil gate admits everyone.
func TestFairGateGivesUpWithItsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := make(fairGate, 1)
		if err := g.enter(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- g.enter(ctx) }()
		synctest.Wait()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("enter = %v, want context.Canceled", err)
		}
		g.leave()
		if len(g) != 0 {
			t.Fatalf("%d turns held after the only one left", len(g))
		}
		var none fairGate
		if err := none.enter(ctx); err != nil {
			t.Fatalf("nil gate: %v", err)
		}
		none.leave()
	})
}
