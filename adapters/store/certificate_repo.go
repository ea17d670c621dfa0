package store

import (
	"context"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/uptrace/bun"
)

// certificateCAName is the install_secrets row holding the installation CA
// (certificate and key, PEM).
const certificateCAName = "api-certificate-ca"

type certificateRow struct {
	bun.BaseModel `bun:"table:api_certificates"`
	ID            string     `bun:"id,pk"`
	TenantID      string     `bun:"tenant_id"`
	Fingerprint   string     `bun:"fingerprint"`
	Serial        string     `bun:"serial"`
	Role          string     `bun:"role"`
	Namespace     string     `bun:"namespace"`
	NotAfter      time.Time  `bun:"not_after"`
	CreatedAt     time.Time  `bun:"created_at"`
	RevokedAt     *time.Time `bun:"revoked_at"`
}

func (c certificateRow) domain() tenancy.Certificate {
	out := tenancy.Certificate{ID: c.ID, TenantID: c.TenantID, Fingerprint: c.Fingerprint, Serial: c.Serial, Role: tenancy.Role(c.Role),
		Namespace: c.Namespace, NotAfter: c.NotAfter.UTC(), CreatedAt: c.CreatedAt.UTC()}
	if c.RevokedAt != nil {
		r := c.RevokedAt.UTC()
		out.RevokedAt = &r
	}
	return out
}

// CertificateRepo implements tenancy.CertificateRepository.
type CertificateRepo struct {
	db    *DB
	clock kernel.Clock
}

// NewCertificateRepo returns the API-certificate repository.
func NewCertificateRepo(db *DB, clock kernel.Clock) *CertificateRepo {
	return &CertificateRepo{db: db, clock: clock}
}

var _ tenancy.CertificateRepository = (*CertificateRepo)(nil)

// EnsureCertificateAuthority inserts the CA unless one is stored and returns
// the stored one, like InstallSecret: concurrent first calls agree.
func (r *CertificateRepo) EnsureCertificateAuthority(ctx context.Context, pemText string) (string, error) {
	return r.db.ensureSecret(ctx, certificateCAName, pemText)
}

// CreateCertificate stores an API certificate's credential.
func (r *CertificateRepo) CreateCertificate(ctx context.Context, c tenancy.Certificate) error {
	row := certificateRow{ID: c.ID, TenantID: c.TenantID, Fingerprint: c.Fingerprint, Serial: c.Serial, Role: string(c.Role),
		Namespace: c.Namespace, NotAfter: c.NotAfter.UTC(), CreatedAt: c.CreatedAt.UTC()}
	_, err := r.db.idb(ctx).NewInsert().Model(&row).Exec(ctx)
	return translate(err)
}

// PrincipalByCertificateFingerprint finds the caller of an unrevoked API
// certificate in one query.
func (r *CertificateRepo) PrincipalByCertificateFingerprint(ctx context.Context, fingerprint string) (tenancy.Principal, error) {
	var p struct {
		TenantID   string `bun:"tenant_id"`
		TenantName string `bun:"tenant_name"`
		ID         string `bun:"id"`
		Role       string `bun:"role"`
		Namespace  string `bun:"namespace"`
	}
	err := r.db.idb(ctx).NewRaw(`SELECT c.tenant_id, n.name AS tenant_name, c.id, c.role, c.namespace
		FROM api_certificates c JOIN tenants n ON n.id = c.tenant_id
		WHERE c.fingerprint = ? AND c.revoked_at IS NULL`, fingerprint).Scan(ctx, &p)
	if err != nil {
		return tenancy.Principal{}, translate(err)
	}
	return tenancy.Principal{TenantID: p.TenantID, TenantName: p.TenantName, TokenID: p.ID, Role: tenancy.Role(p.Role),
		Namespace: p.Namespace, Certificate: true}, nil
}

// ListCertificates lists a tenant's API certificates, oldest first; an
// unknown tenant has none.
func (r *CertificateRepo) ListCertificates(ctx context.Context, tenantName string) ([]tenancy.Certificate, error) {
	var rows []certificateRow
	err := r.db.idb(ctx).NewSelect().Model(&rows).
		Where("tenant_id = (SELECT id FROM tenants WHERE name = ?)", tenantName).
		Order("created_at", "id").Scan(ctx)
	if err != nil {
		return nil, translate(err)
	}
	out := make([]tenancy.Certificate, len(rows))
	for i, c := range rows {
		out[i] = c.domain()
	}
	return out, nil
}

// RevokeCertificate marks an API certificate revoked and returns it; an
// unknown, foreign or already revoked id is NotFound.
func (r *CertificateRepo) RevokeCertificate(ctx context.Context, tenantName, id string) (tenancy.Certificate, error) {
	db := r.db.idb(ctx)
	res, err := db.NewUpdate().Model((*certificateRow)(nil)).
		Set("revoked_at = ?", r.clock.Now()).
		Where("id = ? AND revoked_at IS NULL AND tenant_id = (SELECT id FROM tenants WHERE name = ?)", id, tenantName).
		Exec(ctx)
	if err != nil {
		return tenancy.Certificate{}, translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return tenancy.Certificate{}, errs.New(errs.NotFound, "no active API certificate %q in tenant %q", id, tenantName)
	}
	var row certificateRow
	if err := db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return tenancy.Certificate{}, translate(err)
	}
	return row.domain(), nil
}
