package store

import (
	"context"
	"sync"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/uptrace/bun"
)

type tenantRow struct {
	bun.BaseModel `bun:"table:tenants"`
	ID            string    `bun:"id,pk"`
	Name          string    `bun:"name"`
	CreatedAt     time.Time `bun:"created_at"`
}

type tokenRow struct {
	bun.BaseModel `bun:"table:api_tokens"`
	ID            string     `bun:"id,pk"`
	TenantID      string     `bun:"tenant_id"`
	Hash          string     `bun:"hash"`
	Role          string     `bun:"role"`
	Namespace     string     `bun:"namespace"`
	CreatedAt     time.Time  `bun:"created_at"`
	RevokedAt     *time.Time `bun:"revoked_at"`
}

type operatorTokenRow struct {
	bun.BaseModel `bun:"table:operator_tokens"`
	ID            string     `bun:"id,pk"`
	Hash          string     `bun:"hash"`
	CreatedAt     time.Time  `bun:"created_at"`
	RevokedAt     *time.Time `bun:"revoked_at"`
}

// TenancyRepo implements tenancy.Repository.
type TenancyRepo struct {
	db    *DB
	clock kernel.Clock
	// known holds namespaces seen already committed, so the hot reserve path
	// skips the insert. Only rows that existed before are cached: a row this
	// transaction inserted could still be rolled back.
	known sync.Map
}

// NewTenancyRepo returns the tenancy repository.
func NewTenancyRepo(db *DB, clock kernel.Clock) *TenancyRepo {
	return &TenancyRepo{db: db, clock: clock}
}

var _ tenancy.Repository = (*TenancyRepo)(nil)

// EnsureTenant inserts the tenant unless one with that name exists, then
// returns the stored one. ON CONFLICT keeps two concurrent creators safe.
func (r *TenancyRepo) EnsureTenant(ctx context.Context, t tenancy.Tenant) (tenancy.Tenant, error) {
	db := r.db.idb(ctx)
	row := tenantRow{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt.UTC()}
	if _, err := db.NewInsert().Model(&row).On("CONFLICT (name) DO NOTHING").Exec(ctx); err != nil {
		return tenancy.Tenant{}, translate(err)
	}
	var got tenantRow
	if err := db.NewSelect().Model(&got).Where("name = ?", t.Name).Scan(ctx); err != nil {
		return tenancy.Tenant{}, translate(err)
	}
	return tenancy.Tenant{ID: got.ID, Name: got.Name, CreatedAt: got.CreatedAt.UTC()}, nil
}

// CreateToken stores a token (its hash only).
func (r *TenancyRepo) CreateToken(ctx context.Context, t tenancy.Token) error {
	row := tokenRow{ID: t.ID, TenantID: t.TenantID, Hash: t.Hash, Role: string(t.Role), Namespace: t.Namespace, CreatedAt: t.CreatedAt.UTC()}
	_, err := r.db.idb(ctx).NewInsert().Model(&row).Exec(ctx)
	return translate(err)
}

// PrincipalByTokenHash finds the caller of an unrevoked tenant or operator
// token in one query.
func (r *TenancyRepo) PrincipalByTokenHash(ctx context.Context, hash string) (tenancy.Principal, error) {
	var p struct {
		TenantID   string `bun:"tenant_id"`
		TenantName string `bun:"tenant_name"`
		TokenID    string `bun:"token_id"`
		Role       string `bun:"role"`
		Namespace  string `bun:"namespace"`
		Operator   bool   `bun:"operator"`
	}
	err := r.db.idb(ctx).NewRaw(`SELECT t.tenant_id, n.name AS tenant_name, t.id AS token_id, t.role, t.namespace, FALSE AS operator
		FROM api_tokens t JOIN tenants n ON n.id = t.tenant_id
		WHERE t.hash = ? AND t.revoked_at IS NULL
		UNION ALL
		SELECT '', '', o.id, ?, '', TRUE FROM operator_tokens o WHERE o.hash = ? AND o.revoked_at IS NULL`,
		hash, string(tenancy.RoleAdmin), hash).Scan(ctx, &p)
	if err != nil {
		return tenancy.Principal{}, translate(err)
	}
	return tenancy.Principal{TenantID: p.TenantID, TenantName: p.TenantName, TokenID: p.TokenID, Role: tenancy.Role(p.Role),
		Namespace: p.Namespace, Operator: p.Operator}, nil
}

// TenantByName finds a tenant by name; an unknown name is NotFound.
func (r *TenancyRepo) TenantByName(ctx context.Context, name string) (tenancy.Tenant, error) {
	var got tenantRow
	err := r.db.idb(ctx).NewSelect().Model(&got).Where("name = ?", name).Scan(ctx)
	if errs.Is(translate(err), errs.NotFound) {
		return tenancy.Tenant{}, errs.New(errs.NotFound, "tenant %q not found", name)
	}
	if err != nil {
		return tenancy.Tenant{}, translate(err)
	}
	return tenancy.Tenant{ID: got.ID, Name: got.Name, CreatedAt: got.CreatedAt.UTC()}, nil
}

// CreateOperatorToken stores an operator token (its hash only).
func (r *TenancyRepo) CreateOperatorToken(ctx context.Context, t tenancy.Token) error {
	row := operatorTokenRow{ID: t.ID, Hash: t.Hash, CreatedAt: t.CreatedAt.UTC()}
	_, err := r.db.idb(ctx).NewInsert().Model(&row).Exec(ctx)
	return translate(err)
}

// ListOperatorTokens lists every operator token, oldest first.
func (r *TenancyRepo) ListOperatorTokens(ctx context.Context) ([]tenancy.Token, error) {
	var rows []operatorTokenRow
	if err := r.db.idb(ctx).NewSelect().Model(&rows).Order("created_at", "id").Scan(ctx); err != nil {
		return nil, translate(err)
	}
	out := make([]tenancy.Token, len(rows))
	for i, t := range rows {
		out[i] = tenancy.Token{ID: t.ID, Operator: true, Role: tenancy.RoleAdmin, CreatedAt: t.CreatedAt.UTC(), RevokedAt: t.RevokedAt}
	}
	return out, nil
}

// RevokeOperatorToken marks an operator token revoked; an unknown or
// already revoked id is NotFound.
func (r *TenancyRepo) RevokeOperatorToken(ctx context.Context, tokenID string) error {
	res, err := r.db.idb(ctx).NewUpdate().Model((*operatorTokenRow)(nil)).
		Set("revoked_at = ?", r.clock.Now()).
		Where("id = ? AND revoked_at IS NULL", tokenID).
		Exec(ctx)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.New(errs.NotFound, "no active operator token %q", tokenID)
	}
	return nil
}

// ListTokens lists the tokens of a tenant, oldest first.
func (r *TenancyRepo) ListTokens(ctx context.Context, tenantName string) ([]tenancy.Token, error) {
	var rows []tokenRow
	err := r.db.idb(ctx).NewSelect().Model(&rows).
		Where("tenant_id = (SELECT id FROM tenants WHERE name = ?)", tenantName).
		Order("created_at", "id").Scan(ctx)
	if err != nil {
		return nil, translate(err)
	}
	out := make([]tenancy.Token, len(rows))
	for i, t := range rows {
		out[i] = tenancy.Token{ID: t.ID, TenantID: t.TenantID, Role: tenancy.Role(t.Role), Namespace: t.Namespace, CreatedAt: t.CreatedAt.UTC(), RevokedAt: t.RevokedAt}
	}
	return out, nil
}

// RevokeToken marks a token revoked; an unknown id is NotFound.
func (r *TenancyRepo) RevokeToken(ctx context.Context, tenantName, tokenID string) error {
	res, err := r.db.idb(ctx).NewUpdate().Model((*tokenRow)(nil)).
		Set("revoked_at = ?", r.clock.Now()).
		Where("id = ? AND revoked_at IS NULL AND tenant_id = (SELECT id FROM tenants WHERE name = ?)", tokenID, tenantName).
		Exec(ctx)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.New(errs.NotFound, "no active token %q in tenant %q", tokenID, tenantName)
	}
	return nil
}

// CountTokens counts active tokens, operator tokens included.
func (r *TenancyRepo) CountTokens(ctx context.Context) (int, error) {
	var n int
	err := r.db.idb(ctx).NewRaw(`SELECT (SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL)
		+ (SELECT COUNT(*) FROM operator_tokens WHERE revoked_at IS NULL)`).Scan(ctx, &n)
	return n, translate(err)
}

// EnsureNamespace records a namespace; existing ones are left alone.
func (r *TenancyRepo) EnsureNamespace(ctx context.Context, tenantID, name string) error {
	key := tenantID + "\x00" + name
	if _, ok := r.known.Load(key); ok {
		return nil
	}
	res, err := r.db.idb(ctx).NewRaw(`INSERT INTO namespaces (tenant_id, name, created_at) VALUES (?, ?, ?)
		ON CONFLICT (tenant_id, name) DO NOTHING`, tenantID, name, r.clock.Now()).Exec(ctx)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		r.known.Store(key, struct{}{})
	}
	return nil
}

// ListNamespaces pages a tenant's namespaces by name (keyset pagination).
func (r *TenancyRepo) ListNamespaces(ctx context.Context, tenantID, after string, limit int) ([]string, error) {
	var names []string
	err := r.db.idb(ctx).NewRaw(`SELECT name FROM namespaces WHERE tenant_id = ? AND name > ? ORDER BY name LIMIT ?`,
		tenantID, after, limit).Scan(ctx, &names)
	return names, translate(err)
}

// CountNamespaces counts a tenant's namespaces.
func (r *TenancyRepo) CountNamespaces(ctx context.Context, tenantID string) (int, error) {
	var n int
	err := r.db.idb(ctx).NewRaw(`SELECT count(*) FROM namespaces WHERE tenant_id = ?`, tenantID).Scan(ctx, &n)
	return n, translate(err)
}

type namespaceRow struct {
	Name      string    `bun:"name"`
	CreatedAt time.Time `bun:"created_at"`
}

// NamespacePage is ListNamespaces with each namespace's record.
func (r *TenancyRepo) NamespacePage(ctx context.Context, tenantID, after string, limit int) ([]tenancy.Namespace, error) {
	var rows []namespaceRow
	err := r.db.idb(ctx).NewRaw(`SELECT name, created_at FROM namespaces WHERE tenant_id = ? AND name > ? ORDER BY name LIMIT ?`,
		tenantID, after, limit).Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err)
	}
	out := make([]tenancy.Namespace, 0, len(rows))
	for _, row := range rows {
		out = append(out, tenancy.Namespace{TenantID: tenantID, Name: row.Name, CreatedAt: row.CreatedAt.UTC()})
	}
	return out, nil
}

// GetNamespace finds one namespace of a tenant; one never used is NotFound.
func (r *TenancyRepo) GetNamespace(ctx context.Context, tenantID, name string) (tenancy.Namespace, error) {
	var rows []namespaceRow
	err := r.db.idb(ctx).NewRaw(`SELECT name, created_at FROM namespaces WHERE tenant_id = ? AND name = ?`, tenantID, name).Scan(ctx, &rows)
	if err != nil {
		return tenancy.Namespace{}, translate(err)
	}
	if len(rows) == 0 {
		return tenancy.Namespace{}, errs.New(errs.NotFound, "namespace %q not found", name)
	}
	return tenancy.Namespace{TenantID: tenantID, Name: rows[0].Name, CreatedAt: rows[0].CreatedAt.UTC()}, nil
}
