package store

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/uptrace/bun"
)

type quotaRow struct {
	bun.BaseModel   `bun:"table:quotas"`
	TenantID        string    `bun:"tenant_id,pk"`
	Namespace       string    `bun:"namespace,pk"`
	Name            string    `bun:"name,pk"`
	UID             string    `bun:"uid"`
	Labels          string    `bun:"labels"`
	Annotations     string    `bun:"annotations"`
	Description     string    `bun:"description"`
	Disable         bool      `bun:"disable"`
	Spec            string    `bun:"spec"`
	ResourceVersion int64     `bun:"resource_version"`
	CreatedAt       time.Time `bun:"created_at"`
	ModifiedAt      time.Time `bun:"modified_at"`
	CreatorClass    string    `bun:"creator_class"`
	CreatorID       string    `bun:"creator_id"`
}

// specJSON is the stored form of quota.Spec; its field names are the wire
// names so a human reading the table sees what the API shows.
type specJSON struct {
	ObjectLimits   map[string]objectLimitJSON   `json:"object_limits,omitempty"`
	ResourceLimits map[string]resourceLimitJSON `json:"resource_limits,omitempty"`
	APILimits      map[string]rateLimitJSON     `json:"api_limits,omitempty"`
}

type objectLimitJSON struct {
	Maximum int32 `json:"maximum"`
}

type resourceLimitJSON struct {
	Maximum float64 `json:"maximum"`
}

type rateLimitJSON struct {
	Rate  int32  `json:"rate"`
	Burst int32  `json:"burst"`
	Unit  string `json:"unit"`
}

func toRow(q quota.Quota) (quotaRow, error) {
	s := specJSON{
		ObjectLimits:   convertMap(q.Spec.ObjectLimits, func(v quota.ObjectLimit) objectLimitJSON { return objectLimitJSON{v.Maximum} }),
		ResourceLimits: convertMap(q.Spec.ResourceLimits, func(v quota.ResourceLimit) resourceLimitJSON { return resourceLimitJSON{v.Maximum} }),
		APILimits:      convertMap(q.Spec.APILimits, func(v quota.RateLimit) rateLimitJSON { return rateLimitJSON{v.Rate, v.Burst, v.Unit} }),
	}
	spec, err := json.Marshal(s)
	if err != nil {
		return quotaRow{}, err
	}
	lab, _ := json.Marshal(nonNil(q.Labels))
	ann, _ := json.Marshal(nonNil(q.Annotations))
	return quotaRow{TenantID: q.TenantID, Namespace: q.Namespace, Name: q.Name, UID: q.UID, Labels: string(lab), Annotations: string(ann),
		Description: q.Description, Disable: q.Disable, Spec: string(spec), ResourceVersion: q.ResourceVersion,
		CreatedAt: q.CreatedAt.UTC(), ModifiedAt: q.ModifiedAt.UTC(), CreatorClass: q.CreatorClass, CreatorID: q.CreatorID}, nil
}

// convertMap maps the values of m with f; an empty map stays nil, so an
// empty limit family is omitted on both sides.
func convertMap[A, B any](m map[string]A, f func(A) B) map[string]B {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]B, len(m))
	for k, v := range m {
		out[k] = f(v)
	}
	return out
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// fromRow is the one place a stored quota becomes a domain value again.
func fromRow(r quotaRow) (quota.Quota, error) {
	spec, err := decodedSpecs.decode(r.Spec)
	if err != nil {
		return quota.Quota{}, errs.Wrap(errs.Internal, err, "decode stored quota spec")
	}
	q := quota.Quota{TenantID: r.TenantID, Namespace: r.Namespace, Name: r.Name, UID: r.UID, Description: r.Description,
		Disable: r.Disable, ResourceVersion: r.ResourceVersion, CreatedAt: r.CreatedAt.UTC(), ModifiedAt: r.ModifiedAt.UTC(),
		CreatorClass: r.CreatorClass, CreatorID: r.CreatorID, Spec: spec}
	if q.Labels, err = decodeStrings(r.Labels); err != nil {
		return quota.Quota{}, errs.Wrap(errs.Internal, err, "decode stored labels")
	}
	if q.Annotations, err = decodeStrings(r.Annotations); err != nil {
		return quota.Quota{}, errs.Wrap(errs.Internal, err, "decode stored annotations")
	}
	return q, nil
}

// decodeStrings decodes stored labels or annotations; most are "{}".
func decodeStrings(text string) (map[string]string, error) {
	if text == "{}" {
		return map[string]string{}, nil
	}
	var m map[string]string
	err := json.Unmarshal([]byte(text), &m)
	return m, err
}

// decodedSpecs remembers stored specs decoded, by their JSON text. A page
// of quotas decodes the same specs on every request (and the same spec is
// often stored in many namespaces): decoding them (store.fromRow) was 5 %
// of the server's CPU on the console's dashboard. The key is the content,
// so an entry is never stale; each caller gets its own copy of the maps.
var decodedSpecs = specCache{specs: map[string]quota.Spec{}}

// maxCachedSpecs bounds the cache (a spec's text is a few kilobytes at
// most); when full it starts again empty.
const maxCachedSpecs = 4096

type specCache struct {
	mu    sync.Mutex
	specs map[string]quota.Spec
}

func (c *specCache) decode(text string) (quota.Spec, error) {
	c.mu.Lock()
	s, ok := c.specs[text]
	c.mu.Unlock()
	if !ok {
		var j specJSON
		if err := json.Unmarshal([]byte(text), &j); err != nil {
			return quota.Spec{}, err
		}
		s = quota.Spec{
			ObjectLimits:   convertMap(j.ObjectLimits, func(v objectLimitJSON) quota.ObjectLimit { return quota.ObjectLimit{Maximum: v.Maximum} }),
			ResourceLimits: convertMap(j.ResourceLimits, func(v resourceLimitJSON) quota.ResourceLimit { return quota.ResourceLimit{Maximum: v.Maximum} }),
			APILimits: convertMap(j.APILimits, func(v rateLimitJSON) quota.RateLimit {
				return quota.RateLimit{Rate: v.Rate, Burst: v.Burst, Unit: v.Unit}
			}),
		}
		c.mu.Lock()
		if len(c.specs) >= maxCachedSpecs {
			clear(c.specs)
		}
		c.specs[text] = s
		c.mu.Unlock()
	}
	return quota.Spec{ObjectLimits: maps.Clone(s.ObjectLimits), ResourceLimits: maps.Clone(s.ResourceLimits), APILimits: maps.Clone(s.APILimits)}, nil
}

// QuotaRepo implements quota.Repository.
type QuotaRepo struct{ db *DB }

// NewQuotaRepo returns the quota repository.
func NewQuotaRepo(db *DB) *QuotaRepo { return &QuotaRepo{db} }

var _ quota.Repository = (*QuotaRepo)(nil)

// Create inserts a quota; the primary key turns a duplicate name into Conflict.
func (r *QuotaRepo) Create(ctx context.Context, q quota.Quota) error {
	row, err := toRow(q)
	if err != nil {
		return errs.Wrap(errs.Internal, err, "encode quota")
	}
	_, err = r.db.idb(ctx).NewInsert().Model(&row).Exec(ctx)
	if errs.Is(translate(err), errs.Conflict) {
		return errs.New(errs.Conflict, "quota %q already exists in namespace %q", q.Name, q.Namespace)
	}
	return translate(err)
}

func (r *QuotaRepo) get(ctx context.Context, db bun.IDB, tenantID, ns, name string, lock bool) (quota.Quota, error) {
	var row quotaRow
	q := db.NewSelect().Model(&row).Where("tenant_id = ? AND namespace = ? AND name = ?", tenantID, ns, name)
	if lock {
		q = r.db.dialect.forUpdate(q)
	}
	if err := q.Scan(ctx); err != nil {
		if errs.Is(translate(err), errs.NotFound) {
			return quota.Quota{}, errs.New(errs.NotFound, "quota %q not found in namespace %q", name, ns)
		}
		return quota.Quota{}, translate(err)
	}
	return fromRow(row)
}

// Get returns one quota of a tenant.
func (r *QuotaRepo) Get(ctx context.Context, tenantID, ns, name string) (quota.Quota, error) {
	return r.get(ctx, r.db.idb(ctx), tenantID, ns, name, false)
}

// Update runs fn on the locked row and stores the result with the next
// resource version.
func (r *QuotaRepo) Update(ctx context.Context, tenantID, ns, name string, fn func(*quota.Quota) error) error {
	return r.db.InTx(ctx, func(ctx context.Context) error {
		db := r.db.idb(ctx)
		q, err := r.get(ctx, db, tenantID, ns, name, true)
		if err != nil {
			return err
		}
		if err := fn(&q); err != nil {
			return err
		}
		q.ResourceVersion++
		row, err := toRow(q)
		if err != nil {
			return errs.Wrap(errs.Internal, err, "encode quota")
		}
		_, err = db.NewUpdate().Model(&row).WherePK().Exec(ctx)
		return translate(err)
	})
}

// Delete removes a quota; an unknown one is NotFound.
func (r *QuotaRepo) Delete(ctx context.Context, tenantID, ns, name string) error {
	res, err := r.db.idb(ctx).NewDelete().Model((*quotaRow)(nil)).
		Where("tenant_id = ? AND namespace = ? AND name = ?", tenantID, ns, name).Exec(ctx)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.New(errs.NotFound, "quota %q not found in namespace %q", name, ns)
	}
	return nil
}

// ListByNamespaces loads the quotas of several namespaces in one statement.
func (r *QuotaRepo) ListByNamespaces(ctx context.Context, tenantID string, nss []string) ([]quota.Quota, error) {
	if len(nss) == 0 {
		return nil, nil
	}
	rows, err := r.rowsOf(ctx, tenantID, nss)
	if err != nil {
		return nil, err
	}
	out := make([]quota.Quota, 0, len(rows))
	for _, row := range rows {
		q, err := fromRow(row)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}

// rowsOf reads the quota rows of nss, ordered by namespace then name.
//
// With a request's memo (a GraphQL query) it reads them together with the
// system namespace's, once per set: a page's quotas field asks for its
// namespaces, and its quotaUsage for the same ones and system (the
// tenant-wide level), so the two get their rows from one statement. The
// set is the key, so a request never reads more than the namespaces it
// names (and system), however many the tenant has.
func (r *QuotaRepo) rowsOf(ctx context.Context, tenantID string, nss []string) ([]quotaRow, error) {
	if !r.db.memoOn(ctx) {
		return r.selectRows(ctx, tenantID, nss)
	}
	set := append([]string{tenancy.SystemNamespace}, nss...)
	slices.Sort(set)
	set = slices.Compact(set)
	all, err := memoised(ctx, tenantID, memoQuotasKind, strings.Join(set, "\n"), func() ([]quotaRow, error) {
		return r.selectRows(ctx, tenantID, set)
	})
	if err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(nss))
	for _, ns := range nss {
		want[ns] = true
	}
	rows := make([]quotaRow, 0, len(all))
	for _, row := range all {
		if want[row.Namespace] {
			rows = append(rows, row)
		}
	}
	return rows, nil
}

func (r *QuotaRepo) selectRows(ctx context.Context, tenantID string, nss []string) ([]quotaRow, error) {
	var rows []quotaRow
	err := r.db.idb(ctx).NewSelect().Model(&rows).
		Where("tenant_id = ? AND namespace IN (?)", tenantID, bun.List(nss)).
		Order("namespace", "name").Scan(ctx)
	return rows, translate(err)
}

// Counters loads the usage counters of several namespaces in one statement.
func (r *QuotaRepo) Counters(ctx context.Context, tenantID string, nss []string) ([]quota.Counter, error) {
	if len(nss) == 0 {
		return nil, nil
	}
	var rows []struct {
		Namespace string `bun:"namespace"`
		Class     string `bun:"class"`
		Key       string `bun:"key"`
		Used      int64  `bun:"used"`
	}
	err := r.db.idb(ctx).NewRaw(`SELECT namespace, class, key, used FROM quota_counters
		WHERE tenant_id = ? AND namespace IN (?) ORDER BY namespace, class, key`, tenantID, bun.List(nss)).Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err)
	}
	out := make([]quota.Counter, len(rows))
	for i, c := range rows {
		out[i] = quota.Counter{Namespace: c.Namespace, Class: quota.Class(c.Class), Key: c.Key, Used: quota.Amount(c.Used)}
	}
	return out, nil
}

// TenantTotals loads the tenant-wide counters in one statement.
func (r *QuotaRepo) TenantTotals(ctx context.Context, tenantID string) ([]quota.Counter, error) {
	var rows []struct {
		Class string `bun:"class"`
		Key   string `bun:"key"`
		Used  int64  `bun:"used"`
	}
	// PostgreSQL keeps a key's tenant-wide usage in a row per namespace and
	// a pool row (migration 21): the usage is their sum. SQLite has one row
	// per key.
	err := r.db.idb(ctx).NewRaw(`SELECT class, key, SUM(used) AS used FROM quota_tenant_counters
		WHERE tenant_id = ? GROUP BY class, key ORDER BY class, key`, tenantID).Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err)
	}
	out := make([]quota.Counter, len(rows))
	for i, c := range rows {
		out[i] = quota.Counter{Namespace: quota.TenantWide, Class: quota.Class(c.Class), Key: c.Key, Used: quota.Amount(c.Used)}
	}
	return out, nil
}

// Apply moves, for each delta, the namespace's counter (quota_counters) and
// the tenant-wide one (quota_tenant_counters) in the caller's transaction
// (see quota.Repository.Apply). How is the dialect's: one statement on
// PostgreSQL (quota_postgres.go), a conditional upsert per counter on SQLite
// (quota_sqlite.go).
func (r *QuotaRepo) Apply(ctx context.Context, tenantID, ns string, deltas []quota.Delta) ([]quota.Counter, []quota.Rejection, error) {
	return r.db.dialect.applyDeltas(ctx, r, r.db.idb(ctx), tenantID, ns, deltas)
}

// LockLimits holds the tenant's limits lock until the transaction in ctx
// ends: shared for reservations, exclusive for a change of the plan layer
// (see quota.Repository.LockLimits). The dialect says how.
func (r *QuotaRepo) LockLimits(ctx context.Context, tenantID string, exclusive bool) error {
	tx, ok := ctx.Value(txKey{}).(bun.Tx)
	if !ok {
		return errs.New(errs.Internal, "quota limits lock taken outside a transaction")
	}
	return r.db.dialect.lockLimits(ctx, tx, tenantID, exclusive)
}

// LimitsVersion implements quota.OneTripReserver.
func (r *QuotaRepo) LimitsVersion(ctx context.Context, tenantID string) (int64, bool, error) {
	return r.db.dialect.limitsVersion(ctx, r.db, tenantID)
}

// ReserveOnce implements quota.OneTripReserver.
func (r *QuotaRepo) ReserveOnce(ctx context.Context, tenantID, ns string, ot quota.OneTrip) (quota.OneTripResult, error) {
	return r.db.dialect.reserveOnce(ctx, r.db, tenantID, ns, ot)
}
