package kernel

import "context"

type staleReadsKey struct{}

// AllowStaleReads marks ctx as a read that may be answered from a database
// standby a few seconds behind the primary (reports, GraphQL queries). The
// store honours it only outside transactions and only while the standby is
// within its staleness bound and has replayed the caller's own last write;
// everything unmarked (writes, reservations, ingestion answers,
// transitions, authentication) reads the primary.
func AllowStaleReads(ctx context.Context) context.Context { return Mark[staleReadsKey](ctx) }

// StaleReadsAllowed tells whether ctx was marked by AllowStaleReads.
func StaleReadsAllowed(ctx context.Context) bool { return Marked[staleReadsKey](ctx) }

// Mark marks ctx with the key type K: a yes/no hint that travels with a
// call through the layers (K is a package's own unexported type, so no
// other package can set or read it).
func Mark[K comparable](ctx context.Context) context.Context {
	var k K
	return context.WithValue(ctx, k, true)
}

// Marked tells whether ctx was marked by Mark[K].
func Marked[K comparable](ctx context.Context) bool {
	var k K
	ok, _ := ctx.Value(k).(bool)
	return ok
}
