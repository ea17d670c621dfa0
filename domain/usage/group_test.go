package usage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

// groupRepo stores events by ID (with their content hash, for duplicates)
// and records the IDs of every InsertEvents call. The first hold calls wait
// until release is closed, keeping the tenant's transactions in flight.
type groupRepo struct {
	batchRepo
	mu      sync.Mutex
	stored  map[string]string
	calls   [][]string
	hold    int
	release chan struct{}
}

func (r *groupRepo) InsertEvents(ctx context.Context, _ string, events []usage.Event) ([]usage.Outcome, error) {
	r.mu.Lock()
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	r.calls = append(r.calls, ids)
	wait := len(r.calls) <= r.hold
	r.mu.Unlock()
	if wait {
		<-r.release
	}
	if slices.Contains(ids, "poison") {
		return nil, errors.New("the database refused the batch")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]usage.Outcome, len(events))
	for i, e := range events {
		switch h, ok := r.stored[e.ID]; {
		case !ok:
			r.stored[e.ID] = e.ContentHash()
		case h == e.ContentHash():
			out[i] = usage.Duplicate
		default:
			out[i] = usage.Conflict
		}
	}
	return out, nil
}

// groupNamespaces records EnsureNamespace's calls per transaction (the
// context each transaction's calls share).
type groupNamespaces struct {
	mu    sync.Mutex
	calls map[context.Context][]string
}

func (n *groupNamespaces) EnsureNamespace(ctx context.Context, _, ns string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls[ctx] = append(n.calls[ctx], ns)
	return nil
}

// with answers the namespaces of the transaction that recorded ns.
func (n *groupNamespaces) with(ns string) []string {
	for _, c := range n.calls {
		if slices.Contains(c, ns) {
			return c
		}
	}
	return nil
}

type inTxKey struct{}

// groupTx runs fn inline; a context marked with inTxKey is in a transaction.
type groupTx struct{}

func (groupTx) InTx(ctx context.Context, fn func(context.Context) error) error {
	return fn(context.WithValue(ctx, inTxKey{}, true))
}
func (groupTx) InTransaction(ctx context.Context) bool { return ctx.Value(inTxKey{}) != nil }

var groupNow = time.Date(2026, 3, 15, 10, 20, 0, 0, time.UTC)

func newGroupService(t *testing.T, hold int) (*usage.Service, *groupRepo, *groupNamespaces) {
	t.Helper()
	repo := &groupRepo{stored: map[string]string{}, hold: hold, release: make(chan struct{})}
	nss := &groupNamespaces{calls: map[context.Context][]string{}}
	plans := &batchPlans{}
	svc, err := usage.NewService(usage.Config{Repo: repo, Tx: groupTx{}, Clock: kernel.NewFixedClock(groupNow), Plans: plans,
		TokenKey: []byte(strings.Repeat("g", 32)), Namespaces: nss, Audit: nopAuditor{},
		Statements: statementsOf(t, &repo.batchRepo, plans, groupNow, batchPlan)})
	if err != nil {
		t.Fatal(err)
	}
	return svc, repo, nss
}

// events builds one event per ID; quantity q tells contents apart.
func groupEvents(q int64, ids ...string) []usage.Event {
	out := make([]usage.Event, len(ids))
	for i, id := range ids {
		out[i] = usage.Event{ID: id, UsageType: "http_requests", ObjectName: "lb", Quantity: decimal.NewFromInt(q), UnitName: "request", Timestamp: groupNow}
	}
	return out
}

type ingested struct {
	res usage.IngestResult
	err error
}

// ingestAsync starts Ingest of events in namespace ns as tenant acme's editor.
func ingestAsync(ctx context.Context, svc *usage.Service, ns string, events []usage.Event) chan ingested {
	c := make(chan ingested, 1)
	p := tenancy.Principal{TenantID: "acme", TenantName: "acme", TokenID: "tok", Role: tenancy.RoleEditor}
	go func() {
		res, err := svc.Ingest(ctx, p, ns, events)
		c <- ingested{res, err}
	}()
	return c
}

// holdTransactions starts batches that take all of the tenant's
// transactions and wait in InsertEvents until the repository's release.
func holdTransactions(svc *usage.Service, n int) []chan ingested {
	var held []chan ingested
	for i := range n {
		held = append(held, ingestAsync(context.Background(), svc, "ns", groupEvents(1, fmt.Sprintf("held-%d", i))))
	}
	synctest.Wait()
	return held
}

// TestConcurrentBatchesShareATransaction: the batches that wait while the
// tenant's transactions are in flight are stored together, each with the
// outcomes it would have had alone; a batch sharing an ID with one of them
// waits for the next group.
func TestConcurrentBatchesShareATransaction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		svc, repo, nss := newGroupService(t, usage.GroupsPerTenant)
		held := holdTransactions(svc, usage.GroupsPerTenant)
		a := ingestAsync(context.Background(), svc, "ns-z", groupEvents(1, "a1", "a2"))
		synctest.Wait() // in arrival order
		b := ingestAsync(context.Background(), svc, "ns-b", groupEvents(1, "b1"))
		synctest.Wait()
		c := ingestAsync(context.Background(), svc, "ns-z", append(groupEvents(1, "a2"), groupEvents(2, "c1")...))
		synctest.Wait()
		if len(repo.calls) != usage.GroupsPerTenant {
			t.Fatalf("%d InsertEvents calls before the release, want %d (the later batches wait)", len(repo.calls), usage.GroupsPerTenant)
		}
		close(repo.release)
		for _, h := range held {
			if r := <-h; r.err != nil || r.res.Accepted != 1 {
				t.Fatalf("held batch: %+v", r)
			}
		}
		ra, rb, rc := <-a, <-b, <-c
		// a and c both hold a2 with the same content, in two transactions
		// that run at once: whichever stores it first accepts it, and the
		// other finds a duplicate.
		if ra.err != nil || rb.err != nil || rc.err != nil || rb.res.Accepted != 1 ||
			ra.res.Accepted+rc.res.Accepted != 3 || ra.res.Duplicates+rc.res.Duplicates != 1 || len(ra.res.Rejected)+len(rc.res.Rejected) != 0 {
			t.Fatalf("a %+v, b %+v, c %+v: want a1, b1, c1 and one a2 accepted, the other a2 a duplicate", ra, rb, rc)
		}
		got := repo.calls[usage.GroupsPerTenant:]
		slices.SortFunc(got, slices.Compare)
		if want := [][]string{{"a1", "a2", "b1"}, {"a2", "c1"}}; !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("InsertEvents calls after the held ones: %v, want %v (a and b in one transaction, c in another)", got, want)
		}
		// The group of a (ns-z) and b (ns-b) records its namespaces in name
		// order, as every group does, so two groups cannot deadlock on them.
		if got := nss.with("ns-b"); !slices.Equal(got, []string{"ns-b", "ns-z"}) {
			t.Fatalf("the group of a and b recorded namespaces %v, want [ns-b ns-z]", got)
		}
	})
}

// TestFailedGroupStoresEachBatchAlone: when a group's transaction fails,
// each batch is stored again on its own, so only the failing one fails.
func TestFailedGroupStoresEachBatchAlone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		svc, repo, _ := newGroupService(t, usage.GroupsPerTenant)
		held := holdTransactions(svc, usage.GroupsPerTenant)
		good := ingestAsync(context.Background(), svc, "ns", groupEvents(1, "good"))
		synctest.Wait()
		bad := ingestAsync(context.Background(), svc, "ns", groupEvents(1, "poison"))
		synctest.Wait()
		close(repo.release)
		for _, h := range held {
			<-h
		}
		if r := <-good; r.err != nil || r.res.Accepted != 1 {
			t.Fatalf("the good batch: %+v", r)
		}
		if r := <-bad; r.err == nil {
			t.Fatalf("the failing batch succeeded: %+v", r)
		}
		want := [][]string{{"good", "poison"}, {"good"}, {"poison"}}
		got := repo.calls[usage.GroupsPerTenant:]
		slices.SortFunc(got[1:], slices.Compare) // the retries run concurrently
		slices.SortFunc(want[1:], slices.Compare)
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("InsertEvents calls after the held ones: %v, want %v", got, want)
		}
	})
}

// TestBatchInCallersTransactionIsNotGrouped: a caller already in a
// transaction stores its batch in it at once, even while the tenant's
// transactions are all in flight.
func TestBatchInCallersTransactionIsNotGrouped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		svc, repo, _ := newGroupService(t, usage.GroupsPerTenant)
		held := holdTransactions(svc, usage.GroupsPerTenant)
		inTx := context.WithValue(context.Background(), inTxKey{}, true)
		r := <-ingestAsync(inTx, svc, "ns", groupEvents(1, "mine"))
		if r.err != nil || r.res.Accepted != 1 {
			t.Fatalf("batch in the caller's transaction: %+v", r)
		}
		close(repo.release)
		for _, h := range held {
			<-h
		}
	})
}
