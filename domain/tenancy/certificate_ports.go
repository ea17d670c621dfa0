package tenancy

import (
	"context"
	"time"

	"github.com/billingd/billingd/domain/errs"
)

// CertificateRepository stores the installation CA and the API
// certificates. It is apart from Repository so that certificates are an
// option of the service (Config.Certificates), not a burden on every store.
type CertificateRepository interface {
	// EnsureCertificateAuthority stores pemText as the installation CA
	// unless one is stored already, and returns the stored one: replicas
	// creating it at once agree on a single CA.
	EnsureCertificateAuthority(ctx context.Context, pemText string) (string, error)
	// CreateCertificate stores an API certificate's credential (its
	// fingerprint, never its key).
	CreateCertificate(ctx context.Context, c Certificate) error
	// PrincipalByCertificateFingerprint finds the caller of an unrevoked
	// API certificate; anything else is NotFound.
	PrincipalByCertificateFingerprint(ctx context.Context, fingerprint string) (Principal, error)
	// ListCertificates lists a tenant's API certificates, oldest first.
	ListCertificates(ctx context.Context, tenantName string) ([]Certificate, error)
	// RevokeCertificate revokes one and returns it; an unknown or revoked
	// id is NotFound.
	RevokeCertificate(ctx context.Context, tenantName, id string) (Certificate, error)
}

// CreateCertificateInput asks for a new API certificate for a tenant
// (created when new).
type CreateCertificateInput struct {
	Tenant    string
	Role      Role
	Namespace string
	// ValidFor is how long the certificate is valid (0: a year).
	ValidFor time.Duration
}

// Validate reports every bad field at once.
func (in CreateCertificateInput) Validate() error {
	var f errsFields
	if err := (CreateTokenInput{Tenant: in.Tenant, Role: in.Role, Namespace: in.Namespace}).Validate(); err != nil {
		if e := errs.As(err); e != nil {
			f = append(f, e.Fields...)
		}
	}
	if in.ValidFor < time.Hour || in.ValidFor > maxCertValidity {
		f.Add("valid_for", "must be between 1h and 87600h (ten years)")
	}
	return f.Err()
}
