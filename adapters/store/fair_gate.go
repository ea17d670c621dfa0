package store

import "context"

// fairGate lets callers take the pool's connections in the order they came.
//
// database/sql hands a freed connection to a random waiter
// (connRequestSet.TakeRandom). With more concurrent reservations than
// connections, an unlucky one lost the draw many times in a row, and the
// slowest ones waited many times the median. The gate admits as many callers
// as the pool has connections, so those admitted rarely wait inside
// database/sql. A buffered channel queues its blocked senders first come,
// first served, so the rest are admitted in arrival order.
//
// Statements outside the gate still share the pool: a gated caller can then
// wait in database/sql's draw, but behind fewer callers.
type fairGate chan struct{}

// enter waits for a turn, or for ctx to end. A nil gate admits at once.
func (g fairGate) enter(ctx context.Context) error {
	if g == nil {
		return nil
	}
	select {
	case g <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// leave ends a turn that enter began.
func (g fairGate) leave() {
	if g != nil {
		<-g
	}
}
