package tenancy

import (
	"context"
	"crypto/x509"
	"sync"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/google/uuid"
)

// certificates is the API-certificate part of the service.
type certificates struct {
	repo CertificateRepository
	mu   sync.Mutex
	ca   *CertificateAuthority // loaded on first use, then fixed
}

// CertificateAuthority returns the installation's CA, creating and storing
// it on first use. The server trusts client certificates it signed. Its
// private key signs credentials: only an operator (or the server setting
// up its TLS listener, as System) may hold it.
func (s *Service) CertificateAuthority(ctx context.Context, p Principal) (*CertificateAuthority, error) {
	if err := p.RequireOperator("reading the certificate authority"); err != nil {
		return nil, err
	}
	return s.certificateAuthority(ctx)
}

func (s *Service) certificateAuthority(ctx context.Context) (*CertificateAuthority, error) {
	c := s.certs
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ca != nil {
		return c.ca, nil
	}
	fresh, err := NewCertificateAuthority(s.clock.Now())
	if err != nil {
		return nil, err
	}
	text, err := fresh.MarshalPEM()
	if err != nil {
		return nil, err
	}
	// Another process may have stored its CA first: use the stored one.
	stored, err := c.repo.EnsureCertificateAuthority(ctx, text)
	if err != nil {
		return nil, err
	}
	ca, err := ParseCertificateAuthority(stored)
	if err != nil {
		return nil, err
	}
	c.ca = ca
	return ca, nil
}

// CreateCertificate creates the tenant when new and issues an API
// certificate for it: the certificate and its private key are returned
// once (the caller writes them into a PKCS#12 file); only the credential
// (fingerprint, role, namespace) is stored.
func (s *Service) CreateCertificate(ctx context.Context, p Principal, in CreateCertificateInput) (IssuedCertificate, Certificate, error) {
	if in.Role == "" {
		in.Role = RoleAdmin
	}
	if in.ValidFor == 0 {
		in.ValidFor = DefaultCertificateValidity
	}
	if err := p.RequireOperator("issuing an API certificate"); err != nil {
		return IssuedCertificate{}, Certificate{}, err
	}
	if err := in.Validate(); err != nil {
		return IssuedCertificate{}, Certificate{}, err
	}
	c := s.certs
	ca, err := s.certificateAuthority(ctx)
	if err != nil {
		return IssuedCertificate{}, Certificate{}, err
	}
	var issued IssuedCertificate
	var cred Certificate
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		now := s.clock.Now()
		t, err := s.repo.EnsureTenant(ctx, Tenant{ID: uuid.NewString(), Name: in.Tenant, CreatedAt: now})
		if err != nil {
			return err
		}
		id := uuid.NewString()
		if issued, err = ca.Issue(id, t.Name, now, now.Add(in.ValidFor)); err != nil {
			return err
		}
		cred = Certificate{ID: id, TenantID: t.ID, Fingerprint: CertificateFingerprint(issued.Cert.Raw), Serial: issued.Cert.SerialNumber.Text(16),
			Role: in.Role, Namespace: in.Namespace, NotAfter: issued.Cert.NotAfter.UTC(), CreatedAt: now}
		if err := c.repo.CreateCertificate(ctx, cred); err != nil {
			return err
		}
		if err := kernel.Audit(ctx, s.audit, kernel.AuditRecord{TenantID: t.ID, Actor: p.Actor(), Action: "certificate.create",
			Namespace: SystemNamespace, Object: id, After: map[string]string{"role": string(cred.Role), "namespace": cred.Namespace,
				"serial": cred.Serial, "fingerprint": cred.Fingerprint}}); err != nil {
			return err
		}
		ns := in.Namespace
		if ns == "" {
			ns = SystemNamespace
		}
		return s.repo.EnsureNamespace(ctx, t.ID, ns)
	})
	if err != nil {
		return IssuedCertificate{}, Certificate{}, err
	}
	return issued, cred, nil
}

// ListCertificates lists the API certificates (never their keys) of the
// tenant called tenantName, for an operator: credentials are managed by
// billingd's operators, who name the tenant they manage.
func (s *Service) ListCertificates(ctx context.Context, p Principal, tenantName string) ([]Certificate, error) {
	if err := p.RequireOperator("listing a tenant's API certificates"); err != nil {
		return nil, err
	}
	c := s.certs
	return c.repo.ListCertificates(ctx, tenantName)
}

// RevokeCertificate revokes one API certificate of a tenant: in this
// process it stops working at once, elsewhere when its cached
// authentication expires (as a token's). It is for operators, as
// ListCertificates.
func (s *Service) RevokeCertificate(ctx context.Context, p Principal, tenantName, id string) error {
	if err := p.RequireOperator("revoking an API certificate"); err != nil {
		return err
	}
	c := s.certs
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		cred, err := c.repo.RevokeCertificate(ctx, tenantName, id)
		if err != nil {
			return err
		}
		return kernel.Audit(ctx, s.audit, kernel.AuditRecord{TenantID: cred.TenantID, Actor: p.Actor(), Action: "certificate.revoke",
			Namespace: SystemNamespace, Object: id, Before: map[string]string{"role": string(cred.Role), "namespace": cred.Namespace,
				"serial": cred.Serial, "fingerprint": cred.Fingerprint}})
	})
	if err != nil {
		return err
	}
	s.forget(id)
	return nil
}

// AuthenticateCertificate turns the client certificate of a mutual-TLS
// connection into the caller of its credential: it must be signed by the
// installation CA, valid now (by the service's clock), and an unrevoked API
// certificate. Every failure is the same Unauthenticated error, as for
// tokens. The TLS handshake proved the client holds the certificate's key.
func (s *Service) AuthenticateCertificate(ctx context.Context, cert *x509.Certificate) (Principal, error) {
	unauth := errs.New(errs.Unauthenticated, "the client certificate is not a valid API certificate of this installation; use one from 'billingd cert create', or send 'Authorization: APIToken <token>'")
	c := s.certs
	if cert == nil {
		return Principal{}, unauth
	}
	now := s.clock.Now()
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return Principal{}, unauth
	}
	fp := CertificateFingerprint(cert.Raw)
	key := "x509:" + fp
	s.mu.Lock()
	hit, ok := s.cache[key]
	s.mu.Unlock()
	if ok && now.Before(hit.expires) {
		return hit.p, nil
	}
	ca, err := s.certificateAuthority(ctx)
	if err != nil {
		return Principal{}, err
	}
	if err := ca.Verify(cert, now); err != nil {
		return Principal{}, unauth
	}
	p, err := c.repo.PrincipalByCertificateFingerprint(ctx, fp)
	if errs.Is(err, errs.NotFound) {
		return Principal{}, unauth
	}
	if err != nil {
		return Principal{}, err
	}
	p.Certificate = true
	s.remember(key, p, now)
	return p, nil
}
