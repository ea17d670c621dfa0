package tenancy

import (
	"context"
	"crypto/x509"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
)

var certNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func newCA(t *testing.T, now time.Time) *CertificateAuthority {
	t.Helper()
	ca, err := NewCertificateAuthority(now)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func TestCertificateAuthorityRoundTrip(t *testing.T) {
	t.Parallel()
	ca := newCA(t, certNow)
	if !ca.Cert.IsCA || ca.Cert.NotAfter.Before(certNow.Add(19*365*24*time.Hour)) {
		t.Fatalf("CA: IsCA %v, NotAfter %s", ca.Cert.IsCA, ca.Cert.NotAfter)
	}
	text, err := ca.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseCertificateAuthority(text)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Cert.Equal(ca.Cert) {
		t.Fatal("parsed CA certificate differs")
	}
	// The parsed CA signs certificates the original verifies: the key came back too.
	issued, err := back.Issue("id-1", "acme", certNow, certNow.Add(time.Hour*24))
	if err != nil {
		t.Fatal(err)
	}
	if err := ca.Verify(issued.Cert, certNow); err != nil {
		t.Fatalf("verify with original CA: %v", err)
	}

	// A stored CA whose key belongs to another certificate, or that lacks
	// a part, is refused.
	other := newCA(t, certNow)
	otherText, _ := other.MarshalPEM()
	certPart := text[:strings.Index(text, "-----BEGIN PRIVATE KEY")]
	keyPart := otherText[strings.Index(otherText, "-----BEGIN PRIVATE KEY"):]
	for name, bad := range map[string]string{"mismatched key": certPart + keyPart, "no key": certPart, "empty": "", "garbage": "not pem"} {
		if _, err := ParseCertificateAuthority(bad); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func TestIssueAndVerify(t *testing.T) {
	t.Parallel()
	ca := newCA(t, certNow)
	issued, err := ca.Issue("cred-1", "acme", certNow, certNow.Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	c := issued.Cert
	if c.Subject.CommonName != "cred-1" || len(c.Subject.Organization) != 1 || c.Subject.Organization[0] != "acme" {
		t.Fatalf("subject %v", c.Subject)
	}
	if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth || c.IsCA {
		t.Fatalf("usage %v, IsCA %v", c.ExtKeyUsage, c.IsCA)
	}
	if !issued.CA.Equal(ca.Cert) || issued.Key == nil {
		t.Fatal("issued certificate lacks its CA or key")
	}
	if !c.NotBefore.Before(certNow) || !c.NotAfter.Equal(certNow.Add(30*24*time.Hour)) {
		t.Fatalf("validity %s..%s", c.NotBefore, c.NotAfter)
	}
	if err := ca.Verify(c, certNow); err != nil {
		t.Fatalf("verify: %v", err)
	}
	// Outside its validity, and signed by another CA: refused.
	for name, at := range map[string]time.Time{"expired": certNow.Add(31 * 24 * time.Hour), "not yet valid": certNow.Add(-time.Hour)} {
		if err := ca.Verify(c, at); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("%s: %v", name, err)
		}
	}
	foreign, err := newCA(t, certNow).Issue("cred-1", "acme", certNow, certNow.Add(time.Hour*2))
	if err != nil {
		t.Fatal(err)
	}
	if err := ca.Verify(foreign.Cert, certNow); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("foreign certificate: %v", err)
	}
	// The CA itself is no client certificate.
	if err := ca.Verify(ca.Cert, certNow); err == nil {
		t.Fatal("the CA certificate verified as a client certificate")
	}
	// A certificate never outlives its CA; one that would end before it
	// starts is refused.
	long, err := ca.Issue("cred-2", "acme", certNow, certNow.Add(50*365*24*time.Hour))
	if err != nil || !long.Cert.NotAfter.Equal(ca.Cert.NotAfter) {
		t.Fatalf("long certificate: %v %v", long.Cert, err)
	}
	if _, err := ca.Issue("cred-3", "acme", certNow, certNow); !errs.Is(err, errs.Invalid) {
		t.Fatalf("empty validity: %v", err)
	}
}

// memTenants is the part of Repository certificates use.
type memTenants struct {
	Repository
	mu      sync.Mutex
	tenants map[string]Tenant
	ns      map[string]bool
}

func (m *memTenants) EnsureTenant(_ context.Context, t Tenant) (Tenant, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if got, ok := m.tenants[t.Name]; ok {
		return got, nil
	}
	m.tenants[t.Name] = t
	return t, nil
}

func (m *memTenants) EnsureNamespace(_ context.Context, tenantID, name string) error {
	m.mu.Lock()
	m.ns[tenantID+"/"+name] = true
	m.mu.Unlock()
	return nil
}

// memCerts is an in-memory CertificateRepository that counts lookups.
type memCerts struct {
	tenants *memTenants
	mu      sync.Mutex
	ca      string
	caCalls int
	certs   map[string]Certificate // by id
	lookups int
}

func (m *memCerts) EnsureCertificateAuthority(_ context.Context, pemText string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.caCalls++
	if m.ca == "" {
		m.ca = pemText
	}
	return m.ca, nil
}

func (m *memCerts) CreateCertificate(_ context.Context, c Certificate) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.certs[c.ID] = c
	return nil
}

func (m *memCerts) tenantName(id string) string {
	for name, t := range m.tenants.tenants {
		if t.ID == id {
			return name
		}
	}
	return ""
}

func (m *memCerts) PrincipalByCertificateFingerprint(_ context.Context, fp string) (Principal, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups++
	for _, c := range m.certs {
		if c.Fingerprint == fp && c.RevokedAt == nil {
			return Principal{TenantID: c.TenantID, TenantName: m.tenantName(c.TenantID), TokenID: c.ID, Role: c.Role, Namespace: c.Namespace, Certificate: true}, nil
		}
	}
	return Principal{}, errs.New(errs.NotFound, "no certificate")
}

func (m *memCerts) ListCertificates(_ context.Context, tenant string) ([]Certificate, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Certificate
	for _, c := range m.certs {
		if m.tenantName(c.TenantID) == tenant {
			out = append(out, c)
		}
	}
	return out, nil
}

func (m *memCerts) RevokeCertificate(_ context.Context, tenant, id string) (Certificate, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.certs[id]
	if !ok || c.RevokedAt != nil || m.tenantName(c.TenantID) != tenant {
		return Certificate{}, errs.New(errs.NotFound, "no certificate %q", id)
	}
	at := certNow
	c.RevokedAt = &at
	m.certs[id] = c
	return c, nil
}

func newCertService(t *testing.T) (*Service, *memCerts, *kernel.FixedClock) {
	t.Helper()
	return newCachingCertService(t, 0)
}

func newCachingCertService(t *testing.T, ttl time.Duration) (*Service, *memCerts, *kernel.FixedClock) {
	t.Helper()
	clk := kernel.NewFixedClock(certNow)
	ten := &memTenants{tenants: map[string]Tenant{}, ns: map[string]bool{}}
	certs := &memCerts{tenants: ten, certs: map[string]Certificate{}}
	s := newService(t, Config{Repo: ten, Clock: clk, Certificates: certs, AuthCacheTTL: ttl})
	return s, certs, clk
}

func TestAuthenticateCertificate(t *testing.T) {
	t.Parallel()
	s, repo, clk := newCachingCertService(t, time.Second)
	ctx := context.Background()
	issued, cred, err := s.CreateCertificate(ctx, Operator(""), CreateCertificateInput{Tenant: "acme", Role: RoleEditor, Namespace: "ns1", ValidFor: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if cred.Fingerprint != CertificateFingerprint(issued.Cert.Raw) || cred.Role != RoleEditor || cred.Namespace != "ns1" ||
		!cred.NotAfter.Equal(certNow.Add(48*time.Hour)) || cred.Serial != issued.Cert.SerialNumber.Text(16) {
		t.Fatalf("credential %+v", cred)
	}
	if !repo.tenants.ns[cred.TenantID+"/ns1"] {
		t.Fatal("the certificate's namespace was not recorded")
	}
	p, err := s.AuthenticateCertificate(ctx, issued.Cert)
	if err != nil {
		t.Fatal(err)
	}
	if p.TenantName != "acme" || p.Role != RoleEditor || p.Namespace != "ns1" || p.TokenID != cred.ID || !p.Certificate || p.Operator {
		t.Fatalf("principal %+v", p)
	}
	if got, want := p.Actor(), "cert:"+cred.ID+" (editor)"; got != want {
		t.Fatalf("actor %q, want %q", got, want)
	}
	// Same roles and namespace binding as a token of that role.
	if p.Authorize(Write, "ns1") != nil || !errs.Is(p.Authorize(Read, "ns2"), errs.Forbidden) || !errs.Is(p.Authorize(Admin, "ns1"), errs.Forbidden) {
		t.Fatal("authorization differs from a namespace-bound editor token")
	}
	// Cached within the TTL, like tokens.
	if _, err := s.AuthenticateCertificate(ctx, issued.Cert); err != nil || repo.lookups != 1 {
		t.Fatalf("second authentication: lookups %d, %v", repo.lookups, err)
	}

	// Unknown to the store although signed by the CA (a row lost), from
	// another CA, or nil: all Unauthenticated.
	ca, err := s.CertificateAuthority(ctx, Operator(""))
	if err != nil {
		t.Fatal(err)
	}
	unregistered, err := ca.Issue("ghost", "acme", certNow, certNow.Add(time.Hour*2))
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := newCA(t, certNow).Issue(cred.ID, "acme", certNow, certNow.Add(time.Hour*2))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*x509.Certificate{"unregistered": unregistered.Cert, "foreign": foreign.Cert, "nil": nil, "the CA": ca.Cert} {
		if _, err := s.AuthenticateCertificate(ctx, c); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("%s: %v", name, err)
		}
	}

	// Revoked: refused at once in this process, cache or not.
	if err := s.RevokeCertificate(ctx, Operator(""), "acme", cred.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateCertificate(ctx, issued.Cert); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("revoked: %v", err)
	}
	if err := s.RevokeCertificate(ctx, Operator(""), "acme", cred.ID); !errs.Is(err, errs.NotFound) {
		t.Fatalf("second revoke: %v", err)
	}

	// Expired by the service's clock (not the wall clock).
	issued2, _, err := s.CreateCertificate(ctx, Operator(""), CreateCertificateInput{Tenant: "acme", Role: RoleViewer, ValidFor: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateCertificate(ctx, issued2.Cert); err != nil {
		t.Fatal(err)
	}
	clk.Advance(3 * time.Hour)
	if _, err := s.AuthenticateCertificate(ctx, issued2.Cert); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("expired: %v", err)
	}
}

func TestCertificateAuthorityIsSharedAndStable(t *testing.T) {
	t.Parallel()
	s1, repo, clk := newCertService(t)
	// A second process on the same store must find the first one's CA.
	s2 := newService(t, Config{Repo: repo.tenants, Clock: clk, Certificates: repo})
	ctx := context.Background()
	ca1, err := s1.CertificateAuthority(ctx, Operator(""))
	if err != nil {
		t.Fatal(err)
	}
	ca2, err := s2.CertificateAuthority(ctx, Operator(""))
	if err != nil {
		t.Fatal(err)
	}
	if !ca1.Cert.Equal(ca2.Cert) {
		t.Fatal("two processes on one store have different CAs")
	}
	again, _ := s1.CertificateAuthority(ctx, Operator(""))
	if again != ca1 || repo.caCalls != 2 {
		t.Fatalf("CA not kept after first use: store calls %d", repo.caCalls)
	}
	// s2 authenticates a certificate s1 issued.
	issued, _, err := s1.CreateCertificate(ctx, Operator(""), CreateCertificateInput{Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s2.AuthenticateCertificate(ctx, issued.Cert)
	if err != nil || p.Role != RoleAdmin || p.Namespace != "" {
		t.Fatalf("defaults: %+v %v", p, err)
	}
	if !issued.Cert.NotAfter.Equal(certNow.Add(DefaultCertificateValidity)) {
		t.Fatalf("default validity ends %s", issued.Cert.NotAfter)
	}
}

func TestCreateCertificateInputValidate(t *testing.T) {
	t.Parallel()
	err := CreateCertificateInput{Tenant: "Bad Name", Role: "owner", Namespace: "x_y", ValidFor: time.Minute}.Validate()
	e := errs.As(err)
	if e == nil || e.Kind != errs.Invalid {
		t.Fatalf("%v", err)
	}
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	if strings.Join(fields, ",") != "tenant,role,namespace,valid_for" {
		t.Fatalf("fields %v", fields)
	}
	if err := (CreateCertificateInput{Tenant: "acme", Role: RoleViewer, ValidFor: time.Hour}).Validate(); err != nil {
		t.Fatal(err)
	}
}
