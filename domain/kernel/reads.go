package kernel

import "context"

type staleReadsKey struct{}

// AllowStaleReads marks ctx as a read that may be answered from a database
// standby a few seconds behind the primary (reports, GraphQL queries). The
// store honours it only outside transactions and only while the standby is
// within its staleness bound and has replayed the caller's own last write;
// everything unmarked (writes, reservations, ingestion answers,
// transitions, authentication) reads the primary.
func AllowStaleReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, staleReadsKey{}, true)
}

// StaleReadsAllowed tells whether ctx was marked by AllowStaleReads.
func StaleReadsAllowed(ctx context.Context) bool {
	ok, _ := ctx.Value(staleReadsKey{}).(bool)
	return ok
}
