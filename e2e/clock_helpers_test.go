package e2e

import (
	"encoding/json"
	"os"
	"sync"
	"testing"
	"time"
)

// The e2e suite runs at any hour: tests take every business instant from
// the server's clock (s.now), place usage with usageHours so that it never
// straddles a month, and the report, invoice and authorization scenarios
// also run at the fixed instants of boundaryInstants.

// boundaryInstants are the instants the calendar-sensitive scenarios also
// run at: 5 minutes into the month after the wall clock's, the year end from
// both sides, the last minute of a short February and a leap day.
func boundaryInstants() []time.Time {
	now := time.Now().UTC()
	nextMonth := time.Date(now.Year(), now.Month()+1, 1, 0, 5, 0, 0, time.UTC)
	fixed := []time.Time{
		time.Date(2026, 12, 31, 23, 55, 0, 0, time.UTC),
		time.Date(2027, 1, 1, 0, 5, 0, 0, time.UTC),
		time.Date(2027, 2, 28, 23, 59, 0, 0, time.UTC),
		time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC),
	}
	for _, f := range fixed {
		if f.Equal(nextMonth) {
			return fixed
		}
	}
	return append([]time.Time{nextMonth}, fixed...)
}

// simClock is a simulated clock a test started a server on: start at the
// wall-clock instant origin, running at real speed like the server's.
type simClock struct{ start, origin time.Time }

var simClocks sync.Map // database URL → simClock

func setSimClock(dbURL string, at time.Time) {
	simClocks.Store(dbURL, simClock{start: at.UTC(), origin: time.Now()})
}

// clockEnv is the environment of a CLI command against dbURL: when a test
// started that database's server on a simulated clock, the command's clock
// starts where the server's is now.
func clockEnv(dbURL string) []string {
	env := os.Environ()
	if v, ok := simClocks.Load(dbURL); ok {
		c := v.(simClock)
		env = append(env, "BILLINGD_CLOCK_START="+c.start.Add(time.Since(c.origin)).Format(time.RFC3339Nano))
	}
	return env
}

// syncSimClock makes the CLI commands' clock (clockEnv) the running
// server's, read from /readyz once it is up. Registered before the server
// started, the estimate ran ahead by the server's start-up time, so a
// tenant a CLI command created could look younger than the server's next
// write (a zero-length free-plan period in TestGoldenBillingRoutes, about
// 1 run in 16). Read now, it lags by at most one request's transit.
func (s *server) syncSimClock() {
	s.t.Helper()
	if _, ok := simClocks.Load(s.dbURL); !ok {
		return
	}
	simClocks.Store(s.dbURL, simClock{start: s.now(), origin: time.Now()})
}

// now is the server's current instant, as its /readyz reports it.
func (s *server) now() time.Time {
	s.t.Helper()
	r := s.do("GET", "/readyz", "", nil)
	expect(s.t, r, 200)
	var body struct {
		Clock struct {
			Now string `json:"now"`
		} `json:"clock"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		s.t.Fatalf("/readyz: %v: %s", err, r.Body)
	}
	t, err := time.Parse(time.RFC3339Nano, body.Clock.Now)
	if err != nil {
		s.t.Fatalf("/readyz clock.now %q: %v", body.Clock.Now, err)
	}
	return t
}

// usageHours returns n whole hours [base, end) for test usage seen from
// now: the n hours up to and including now's hour when they lie in now's
// month, else the last n hours of the previous month. So the usage is
// never in the future, never split between two months, and when the month
// has just begun it lies in the month before.
func usageHours(now time.Time, n int) (base, end time.Time) {
	end = now.UTC().Truncate(time.Hour).Add(time.Hour)
	base = end.Add(-time.Duration(n) * time.Hour)
	if monthStart := startOfMonth(now); base.Before(monthStart) {
		end = monthStart
		base = end.Add(-time.Duration(n) * time.Hour)
	}
	return base, end
}

func startOfMonth(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func TestUsageHours(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ now, base, end string }{
		{"2026-11-15T10:20:00Z", "2026-11-15T08:00:00Z", "2026-11-15T11:00:00Z"},
		{"2026-12-01T02:00:00Z", "2026-12-01T00:00:00Z", "2026-12-01T03:00:00Z"},
		{"2026-12-01T01:59:59Z", "2026-11-30T21:00:00Z", "2026-12-01T00:00:00Z"},
		{"2026-12-01T03:00:00Z", "2026-12-01T01:00:00Z", "2026-12-01T04:00:00Z"},
		{"2027-01-01T00:05:00Z", "2026-12-31T21:00:00Z", "2027-01-01T00:00:00Z"},
		{"2028-02-29T12:00:00Z", "2028-02-29T10:00:00Z", "2028-02-29T13:00:00Z"},
	} {
		now, _ := time.Parse(time.RFC3339, c.now)
		base, end := usageHours(now, 3)
		if base.Format(time.RFC3339) != c.base || end.Format(time.RFC3339) != c.end {
			t.Errorf("usageHours(%s, 3) = [%s, %s), want [%s, %s)", c.now, base.Format(time.RFC3339), end.Format(time.RFC3339), c.base, c.end)
		}
	}
}
