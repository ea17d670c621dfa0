package kernel

import "time"

// Earlier returns the earlier of two instants (a when they are equal).
// Period maths in invoice, usage and subscription clamp spans with it.
func Earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// Later returns the later of two instants (a when they are equal).
func Later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
