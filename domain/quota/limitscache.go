package quota

import (
	"context"
	"sync"

	"github.com/billingd/billingd/domain/tenancy"
)

// limitsCache keeps the effective limits (Levels) of namespaces, each with
// the tenant's limits version it was computed from (see OneTripReserver),
// so a reservation does not read the plan and the quota objects again. An
// entry is never trusted by itself: the database compares its version under
// the limits lock and a stale one is dropped and read again.
type limitsCache struct {
	mu      sync.Mutex
	entries map[string]cachedLevels
}

type cachedLevels struct {
	version int64
	levels  Levels
}

// maxCachedLevels bounds the cache; past it the cache starts over (a miss
// costs three small reads).
const maxCachedLevels = 4096

func (c *limitsCache) get(tenantID, ns string) (cachedLevels, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[tenantID+"\x00"+ns]
	return e, ok
}

func (c *limitsCache) put(tenantID, ns string, e cachedLevels) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxCachedLevels {
		c.entries = map[string]cachedLevels{}
	}
	c.entries[tenantID+"\x00"+ns] = e
}

func (c *limitsCache) drop(tenantID, ns string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, tenantID+"\x00"+ns)
}

// cachedLevels returns the levels of ns and the version they belong to:
// the cached ones, or read now (version first, so limits read after a
// change are never filed under the version before it). ok is false when
// the repository has no one-trip reservation.
func (s *Service) cachedLevels(ctx context.Context, ot OneTripReserver, p tenancy.Principal, ns string) (cachedLevels, bool, error) {
	if e, ok := s.limits.get(p.TenantID, ns); ok {
		return e, true, nil
	}
	v, ok, err := ot.LimitsVersion(ctx, p.TenantID)
	if err != nil || !ok {
		return cachedLevels{}, ok, err
	}
	lv, err := s.levels(ctx, p, []string{ns})
	if err != nil {
		return cachedLevels{}, false, err
	}
	e := cachedLevels{version: v, levels: lv[ns]}
	s.limits.put(p.TenantID, ns, e)
	return e, true, nil
}
