package kernel

import (
	"fmt"
	"sync"
	"time"
)

// This file is the only place outside tests and load generators that reads
// the wall clock (a test, TestNoWallClockOutsideKernel, keeps it so): every
// business instant (event windows, report ranges, periods, invoice dates,
// audit and token timestamps, rate buckets) comes from an injected Clock,
// so a whole process can run at a simulated time.

// Clock tells the time. Services never call time.Now directly, so tests can
// freeze time and still run in parallel.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, always in UTC.
type SystemClock struct{}

// Now returns the current UTC time.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// SimulatedClock starts at a chosen instant and then runs forward at real
// speed, like Stripe's test clocks or Kill Bill's test-mode clock. It is for
// tests and demos: a process on it bills as if it were that day.
type SimulatedClock struct {
	start  time.Time
	origin time.Time // the wall clock (with its monotonic reading) at start
}

// NewSimulatedClock returns a clock that reads start now and advances with
// the process's monotonic clock.
func NewSimulatedClock(start time.Time) *SimulatedClock {
	return &SimulatedClock{start: start.UTC(), origin: time.Now()}
}

// Now returns start plus the real time elapsed since the clock was made.
func (c *SimulatedClock) Now() time.Time { return c.start.Add(time.Since(c.origin)) }

// Start is the instant the clock was started at.
func (c *SimulatedClock) Start() time.Time { return c.start }

// ClockFromStart returns the wall clock for an empty start, else a
// SimulatedClock starting at start (RFC 3339, any offset; it runs in UTC).
func ClockFromStart(start string) (Clock, error) {
	if start == "" {
		return SystemClock{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, start)
	if err != nil {
		return nil, fmt.Errorf("clock start %q is not an RFC 3339 instant (e.g. 2026-12-31T23:55:00Z)", start)
	}
	return NewSimulatedClock(t), nil
}

// IsSimulated tells whether c is not the wall clock.
func IsSimulated(c Clock) bool {
	_, wall := c.(SystemClock)
	return !wall
}

// Stopwatch measures a real duration (request latency, work done), not a
// business instant, so it uses the monotonic clock whatever Clock is in
// force. Call the returned func to read the time elapsed.
func Stopwatch() func() time.Duration {
	start := time.Now()
	return func() time.Duration { return time.Since(start) }
}

// FixedClock is a settable clock for tests.
type FixedClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFixedClock returns a clock frozen at t.
func NewFixedClock(t time.Time) *FixedClock { return &FixedClock{t: t.UTC()} }

// Now returns the frozen time.
func (c *FixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *FixedClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
