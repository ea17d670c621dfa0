package kernel

import (
	"context"
	"sync"
)

// Memo remembers, for one request, the answers of tenant-level reads that
// several services repeat (the tenant's plan, subscriptions, transitions,
// invoices...). GraphQL gives each query operation its own (WithMemo), so a
// page that asks several services about the same tenant reads each row set
// once. Keys always carry the tenant: two tenants never share an entry.
//
// Concurrent callers of one key share one read: the first runs it, the
// others wait for its answer. A failed read is not remembered. Clear drops
// every entry; the store calls it on every write made with the memo's
// context, so a read after a write is fresh. Mutations, transactions and
// everything outside GraphQL queries run without a memo.
//
// What a Memo holds is shared by every caller of the key: the store keeps
// its own rows there and hands out copies built from them.
type Memo struct {
	mu      sync.Mutex
	entries map[MemoKey]*memoEntry
}

// MemoKey names one memoised read: the tenant, the kind of read (which
// repository method) and its other arguments, encoded by the reader.
type MemoKey struct {
	Tenant string
	Kind   string
	Args   string
}

type memoEntry struct {
	done chan struct{}
	val  any
	err  error
}

type memoKey struct{}

// WithMemo returns ctx carrying a new, empty Memo.
func WithMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &Memo{entries: map[MemoKey]*memoEntry{}})
}

// MemoFrom returns the Memo of ctx, or nil when it has none.
func MemoFrom(ctx context.Context) *Memo {
	m, _ := ctx.Value(memoKey{}).(*Memo)
	return m
}

// Do returns the remembered answer of k, or runs read once to get it while
// concurrent callers of k wait. An error is handed to the callers waiting
// for that read and then forgotten, so the next call reads again. A caller
// whose ctx ends while waiting gets ctx's error.
func (m *Memo) Do(ctx context.Context, k MemoKey, read func() (any, error)) (any, error) {
	m.mu.Lock()
	if e, ok := m.entries[k]; ok {
		m.mu.Unlock()
		select {
		case <-e.done:
			return e.val, e.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	e := &memoEntry{done: make(chan struct{})}
	m.entries[k] = e
	m.mu.Unlock()

	// done is closed, and a failure forgotten, even when read panics, so
	// waiters never hang.
	defer func() {
		if e.err != nil {
			m.mu.Lock()
			if m.entries[k] == e {
				delete(m.entries, k)
			}
			m.mu.Unlock()
		}
		close(e.done)
	}()
	e.err = errPanicked
	e.val, e.err = read()
	return e.val, e.err
}

// Clear forgets every answer. Reads still running finish for their own
// callers but are not remembered.
func (m *Memo) Clear() {
	m.mu.Lock()
	clear(m.entries)
	m.mu.Unlock()
}

// Len tells how many answers are remembered or being read (for tests).
func (m *Memo) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

type memoPanic struct{}

func (memoPanic) Error() string { return "memoised read panicked" }

var errPanicked error = memoPanic{}
