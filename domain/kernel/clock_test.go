package kernel

import (
	"testing"
	"time"
)

func TestClockFromStart(t *testing.T) {
	t.Parallel()
	c, err := ClockFromStart("")
	if err != nil || IsSimulated(c) {
		t.Fatalf("empty start: %T %v, want the wall clock", c, err)
	}
	c, err = ClockFromStart("2027-01-01T01:05:00+01:00")
	if err != nil || !IsSimulated(c) {
		t.Fatalf("start: %T %v, want a simulated clock", c, err)
	}
	start := time.Date(2027, 1, 1, 0, 5, 0, 0, time.UTC)
	now := c.Now()
	if now.Location() != time.UTC || now.Before(start) || now.Sub(start) > time.Hour {
		t.Fatalf("simulated now %v, want UTC at or just after %v", now, start)
	}
	if later := c.Now(); later.Before(now) {
		t.Fatalf("the simulated clock went back: %v then %v", now, later)
	}
	if got := c.(*SimulatedClock).Start(); !got.Equal(start) {
		t.Fatalf("Start() = %v, want %v", got, start)
	}
	for _, bad := range []string{"2027-01-01", "tomorrow", "2027-13-01T00:00:00Z"} {
		if _, err := ClockFromStart(bad); err == nil {
			t.Errorf("ClockFromStart(%q) accepted", bad)
		}
	}
}
