package usage

import (
	"context"
	"slices"
	"sync"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
)

// Group commit: the batches of one tenant that arrive while its earlier
// batches are being stored are stored together, in one transaction.
//
// Concurrent batches of a tenant mostly add to the same rollup rows (its
// objects, this hour). Stored one transaction each, every batch upserts all
// of those rows and commits; stored together, each row is upserted once
// with the batches' sum, and there is one commit. The events themselves
// cost the same. A batch that arrives when the tenant has fewer than
// groupsPerTenant transactions in flight is stored at once, alone: grouping
// only takes batches that would have waited for the database anyway.
//
// A group's outcome per event is the one it would have had alone: batches
// sharing an event ID are never grouped (each batch's own repeats are
// resolved before), so no event of a group can be a repeat of another's.
// When a group's transaction fails, each of its batches is stored again
// alone, with its own context, so one batch's failure is not another's.

// groupsPerTenant bounds the transactions of ingestion in flight per tenant
// (a group each). With 8 clients on the 2-core benchmark machine, one run
// each: 1 gave 93,336 events/s, 2 gave 85,715, 4 gave 119,084 and 109,049,
// 6 gave 112,336 (scripts/bench_ingest.sh; the parent commit 79,090 and
// 98,982). Two later pairs of 2 against 4 were within the machine's noise
// (ratios to COPY 0.51 / 0.50 against 0.46 / 0.42, events/s the other way
// round in one pair).
const groupsPerTenant = 4

// maxGroupEvents bounds a group's events, so a transaction stays within a
// few batches' memory and time.
const maxGroupEvents = 2 * MaxBatch

// pending is one Ingest call's valid events, waiting to be stored.
type pending struct {
	ctx    context.Context
	ns     string
	events []Event

	// Set by whoever stores it, before done is closed.
	outs  []Outcome
	err   error
	alone bool       // its group failed: store it again alone
	group []*pending // not stored yet: its own goroutine stores this group, itself first
	done  chan struct{}
}

// tenantGroups is one tenant's queue.
type tenantGroups struct {
	inFlight int        // transactions running
	waiting  []*pending // in arrival order
}

// grouper holds every tenant's queue.
type grouper struct {
	mu      sync.Mutex
	tenants map[string]*tenantGroups
}

// storeEvents stores a batch's valid events (each ID once) in namespace ns
// and answers their outcomes, in a group with the tenant's other waiting
// batches when there are any.
func (s *Service) storeEvents(ctx context.Context, tenantID, ns string, events []Event) ([]Outcome, error) {
	if s.c.Tx.InTransaction(ctx) {
		outs, err := s.storeGroup(ctx, tenantID, []*pending{{ctx: ctx, ns: ns, events: events}})
		return onlyBatch(outs), err
	}
	g := &s.groups
	b := &pending{ctx: ctx, ns: ns, events: events, done: make(chan struct{})}
	g.mu.Lock()
	q := g.tenants[tenantID]
	if q == nil {
		q = &tenantGroups{}
		g.tenants[tenantID] = q
	}
	first := q.inFlight < groupsPerTenant
	if first {
		q.inFlight++
		b.group = []*pending{b}
	} else {
		q.waiting = append(q.waiting, b)
	}
	g.mu.Unlock()
	if !first {
		// Not ctx.Done: the batch may be in a transaction already. After
		// done, b is answered or b.group is set.
		<-b.done
	}
	if b.group != nil {
		s.lead(ctx, tenantID, b.group)
	}
	if b.alone {
		outs, err := s.storeGroup(ctx, tenantID, []*pending{b})
		return onlyBatch(outs), err
	}
	return b.outs, b.err
}

// lead stores a group's batches in one transaction, answers each of them
// and hands the tenant's turn on. Should storing panic, every member is
// told to store itself alone, and the turn is handed on, so no batch waits
// forever.
func (s *Service) lead(ctx context.Context, tenantID string, members []*pending) {
	var outs [][]Outcome
	var err error = errs.New(errs.Internal, "storing a group of batches failed")
	defer func() {
		for i, m := range members {
			if err == nil {
				m.outs = outs[i]
			}
			m.err, m.alone = err, err != nil && len(members) > 1
		}
		for _, m := range members[1:] {
			close(m.done)
		}
		s.groups.handOff(tenantID)
	}()
	outs, err = s.storeGroup(ctx, tenantID, members)
}

// take removes the first waiting batch and those after it that fit in its
// group (no event ID in common, at most maxGroupEvents in all) from the
// queue, and answers them, the first first; the others keep their places.
// The caller holds g.mu.
func (q *tenantGroups) take() []*pending {
	lead := q.waiting[0]
	members := []*pending{lead}
	n := len(lead.events)
	var ids map[string]struct{}
	kept := q.waiting[:0]
	for _, b := range q.waiting[1:] {
		if n+len(b.events) > maxGroupEvents {
			kept = append(kept, b)
			continue
		}
		if ids == nil {
			ids = make(map[string]struct{}, n+len(b.events))
			for _, e := range lead.events {
				ids[e.ID] = struct{}{}
			}
		}
		if sharesID(ids, b.events) {
			kept = append(kept, b)
			continue
		}
		for _, e := range b.events {
			ids[e.ID] = struct{}{}
		}
		n += len(b.events)
		members = append(members, b)
	}
	clear(q.waiting[len(kept):])
	q.waiting = kept
	return members
}

func sharesID(ids map[string]struct{}, events []Event) bool {
	for _, e := range events {
		if _, ok := ids[e.ID]; ok {
			return true
		}
	}
	return false
}

// handOff ends a transaction of the tenant's: the first waiting batch's
// goroutine stores the next group, formed here at once from the batches
// waiting now, or the tenant has one transaction fewer.
func (g *grouper) handOff(tenantID string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	q := g.tenants[tenantID]
	if len(q.waiting) > 0 {
		members := q.take()
		members[0].group = members
		close(members[0].done)
		return
	}
	q.inFlight--
	if q.inFlight == 0 {
		delete(g.tenants, tenantID)
	}
}

// storeGroup stores the batches' events in one transaction, run with the
// first batch's context, and answers each batch's outcomes, in the
// batches' order.
func (s *Service) storeGroup(ctx context.Context, tenantID string, members []*pending) ([][]Outcome, error) {
	all := members[0].events
	if len(members) > 1 {
		n := 0
		for _, b := range members {
			n += len(b.events)
		}
		all = make([]Event, 0, n)
		for _, b := range members {
			all = append(all, b.events...)
		}
	}
	others := make([]context.Context, 0, len(members)-1)
	for _, b := range members[1:] {
		others = append(others, b.ctx)
	}
	var outs []Outcome
	err := s.c.Tx.InTx(kernel.WithGroupMembers(ctx, others), func(ctx context.Context) error {
		// In name order, as every group does: two groups recording the same
		// new namespaces take their locks in one order, so they cannot
		// deadlock.
		nss := make([]string, 0, len(members))
		for _, b := range members {
			nss = append(nss, b.ns)
		}
		slices.Sort(nss)
		for _, ns := range slices.Compact(nss) {
			if err := s.c.Namespaces.EnsureNamespace(ctx, tenantID, ns); err != nil {
				return err
			}
		}
		var err error
		outs, err = s.c.Repo.InsertEvents(ctx, tenantID, all)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(outs) != len(all) {
		return nil, errs.New(errs.Internal, "repository returned %d outcomes for %d events", len(outs), len(all))
	}
	res := make([][]Outcome, len(members))
	for i, b := range members {
		res[i], outs = outs[:len(b.events):len(b.events)], outs[len(b.events):]
	}
	return res, nil
}

// onlyBatch is the outcomes in storeGroup's answer for a group of one
// batch (nil after an error).
func onlyBatch(outs [][]Outcome) []Outcome {
	if len(outs) == 0 {
		return nil
	}
	return outs[0]
}
