package kernel

import "context"

type membersKey struct{}

// WithGroupMembers returns ctx carrying the contexts of the other requests
// whose writes a transaction run with ctx makes on their behalf (a group
// commit: usage ingestion merges concurrent batches into one transaction).
// After the transaction the store treats each member as having written, as
// it does ctx: it forgets what the member's request memoised and notes the
// write for its read-your-writes.
func WithGroupMembers(ctx context.Context, members []context.Context) context.Context {
	if len(members) == 0 {
		return ctx
	}
	return context.WithValue(ctx, membersKey{}, members)
}

// GroupMembers returns the contexts WithGroupMembers put in ctx.
func GroupMembers(ctx context.Context) []context.Context {
	m, _ := ctx.Value(membersKey{}).([]context.Context)
	return m
}
