//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package store

import "context"

// writeTurn is the in-process half of the Unix writeTurn (no flock here):
// across processes the busy timeout alone orders writers.
type writeTurn struct{ slot chan struct{} }

func newWriteTurn(string) (*writeTurn, error) { return &writeTurn{slot: make(chan struct{}, 1)}, nil }

func (w *writeTurn) acquire(ctx context.Context) (func(), error) {
	select {
	case w.slot <- struct{}{}:
		return func() { <-w.slot }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (w *writeTurn) close() error { return nil }
