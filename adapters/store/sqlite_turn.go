//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/billingd/billingd/domain/errs"
)

// writeTurn hands out turns to write one SQLite file, among the goroutines
// of this process (a one-slot semaphore) and among processes (flock on a
// file beside the database). SQLite's own busy handler polls for the write
// lock, up to every 100 ms, so a waiter can lose every round to a process
// that commits and begins again within the same millisecond, as `billingd
// usage import` does batch after batch: a server request then starves past
// the busy timeout. A blocked flock is woken as soon as the holder lets go,
// so the writers take turns instead.
type writeTurn struct {
	slot chan struct{}
	file *os.File
	wait time.Duration
}

func newWriteTurn(dbPath string) (*writeTurn, error) {
	f, err := os.OpenFile(dbPath+"-writer.lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open sqlite writer lock: %w", err)
	}
	return &writeTurn{slot: make(chan struct{}, 1), file: f, wait: sqliteTurnTimeout}, nil
}

// acquire waits for the turn until ctx ends or sqliteTurnTimeout passes
// (then the error is Unavailable, as a locked database is) and returns the
// function that gives it back.
func (w *writeTurn) acquire(ctx context.Context) (release func(), err error) {
	ctx, cancel := context.WithTimeout(ctx, w.wait)
	defer cancel()
	select {
	case w.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, w.busy(ctx)
	}
	fd := int(w.file.Fd())
	got := make(chan error, 1)
	go func() { got <- flock(fd, syscall.LOCK_EX) }()
	select {
	case err := <-got:
		if err != nil {
			<-w.slot
			return nil, fmt.Errorf("sqlite writer lock: %w", err)
		}
		return func() {
			_ = flock(fd, syscall.LOCK_UN)
			<-w.slot
		}, nil
	case <-ctx.Done():
		// The blocked flock cannot be called off: whoever it is granted to
		// gives it back at once, and only then frees the slot, so this
		// process never has two flock calls waiting.
		go func() {
			if <-got == nil {
				_ = flock(fd, syscall.LOCK_UN)
			}
			<-w.slot
		}()
		return nil, w.busy(ctx)
	}
}

func (w *writeTurn) busy(ctx context.Context) error {
	return errs.Wrap(errs.Unavailable, context.Cause(ctx), "database is locked by another writer, retry later")
}

func (w *writeTurn) close() error { return w.file.Close() }

// flock is syscall.Flock, retried when a signal interrupts the wait.
func flock(fd, how int) error {
	for {
		err := syscall.Flock(fd, how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
