package tenancy

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/google/uuid"
)

type errsFields = errs.Fields

// Config wires a Service. Every dependency is required; AuthCacheTTL is
// an option.
type Config struct {
	Repo  Repository
	Tx    kernel.TxRunner
	Clock kernel.Clock
	// Audit records token and certificate creation and revocation.
	Audit kernel.Auditor
	// Certificates stores API certificates (mutual TLS) and the
	// installation CA that signs them (created on first use).
	Certificates CertificateRepository
	// Revocations tells the other processes serving the same database
	// about a revocation made here.
	Revocations RevocationAnnouncer
	// AuthCacheTTL keeps successful token lookups that long (0: no cache).
	// Revocations made in this process take effect at once, and in the
	// others at once too when they are announced.
	AuthCacheTTL time.Duration
}

// Service issues tokens and API certificates and authenticates callers.
type Service struct {
	repo  Repository
	tx    kernel.TxRunner
	clock kernel.Clock
	// announcer tells the other processes about revocations.
	announcer RevocationAnnouncer

	// cacheTTL > 0 keeps successful token lookups that long, saving one
	// database round trip per request. A token revoked by another process
	// keeps working until its entry expires, so the TTL stays short.
	cacheTTL time.Duration
	mu       sync.Mutex
	cache    map[string]cachedPrincipal

	audit kernel.Auditor

	certs *certificates
}

type cachedPrincipal struct {
	p       Principal
	expires time.Time
}

// maxCachedTokens bounds the cache; past it the cache starts over.
const maxCachedTokens = 10_000

// NewService checks the wiring and returns the service; the error names
// every missing dependency.
func NewService(c Config) (*Service, error) {
	var d kernel.Deps
	d.Need("Repo", c.Repo != nil)
	d.Need("Tx", c.Tx != nil)
	d.Need("Clock", c.Clock != nil)
	d.Need("Audit", c.Audit != nil)
	d.Need("Certificates", c.Certificates != nil)
	d.Need("Revocations", c.Revocations != nil)
	if err := d.Err("tenancy.NewService"); err != nil {
		return nil, err
	}
	if c.AuthCacheTTL < 0 {
		return nil, fmt.Errorf("tenancy.NewService: AuthCacheTTL must not be negative")
	}
	return &Service{repo: c.Repo, tx: c.Tx, clock: c.Clock, audit: c.Audit, announcer: c.Revocations,
		certs: &certificates{repo: c.Certificates}, cacheTTL: c.AuthCacheTTL, cache: map[string]cachedPrincipal{}}, nil
}

// CreateToken creates the tenant when new and returns the secret of a new
// token. The secret is shown once; only its hash is stored. Credentials are
// given by operators (the command line), not by a tenant's own tokens.
func (s *Service) CreateToken(ctx context.Context, p Principal, in CreateTokenInput) (secret string, tok Token, err error) {
	if err := p.RequireOperator("creating an API token"); err != nil {
		return "", Token{}, err
	}
	if in.Role == "" {
		in.Role = RoleAdmin
	}
	if err := in.Validate(); err != nil {
		return "", Token{}, err
	}
	secret, err = newSecret(tenantSecretPrefix)
	if err != nil {
		return "", Token{}, err
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		now := s.clock.Now()
		t, err := s.repo.EnsureTenant(ctx, Tenant{ID: uuid.NewString(), Name: in.Tenant, CreatedAt: now})
		if err != nil {
			return err
		}
		tok = Token{ID: uuid.NewString(), TenantID: t.ID, Hash: HashToken(secret), Role: in.Role, Namespace: in.Namespace, CreatedAt: now}
		if err := s.repo.CreateToken(ctx, tok); err != nil {
			return err
		}
		if err := kernel.Audit(ctx, s.audit, kernel.AuditRecord{TenantID: t.ID, Actor: p.Actor(), Action: "token.create",
			Namespace: SystemNamespace, Object: tok.ID, After: map[string]string{"role": string(tok.Role), "namespace": tok.Namespace}}); err != nil {
			return err
		}
		if in.Namespace != "" {
			return s.repo.EnsureNamespace(ctx, t.ID, in.Namespace)
		}
		return s.repo.EnsureNamespace(ctx, t.ID, SystemNamespace)
	})
	return secret, tok, err
}

// CreateOperatorToken returns the secret of a new operator token, for
// support staff: it acts on every tenant (naming one per request) and alone
// may approve or reject plan transitions and change invoice statuses. The
// secret is shown once; only its hash is stored. Operator tokens belong to
// no tenant, so their creation is in no tenant's audit log; what they do
// to a tenant is, as "operator:<id>".
func (s *Service) CreateOperatorToken(ctx context.Context, p Principal) (secret string, tok Token, err error) {
	if err := p.RequireOperator("creating an operator token"); err != nil {
		return "", Token{}, err
	}
	if secret, err = newSecret(operatorSecretPrefix); err != nil {
		return "", Token{}, err
	}
	tok = Token{ID: uuid.NewString(), Operator: true, Hash: HashToken(secret), CreatedAt: s.clock.Now()}
	if err := s.repo.CreateOperatorToken(ctx, tok); err != nil {
		return "", Token{}, err
	}
	return secret, tok, nil
}

// ListOperatorTokens lists the operator tokens (never their secrets).
func (s *Service) ListOperatorTokens(ctx context.Context, p Principal) ([]Token, error) {
	if err := p.RequireOperator("listing operator tokens"); err != nil {
		return nil, err
	}
	return s.repo.ListOperatorTokens(ctx)
}

// RevokeOperatorToken revokes an operator token; in this process it stops
// working at once, elsewhere when the revocation is announced or its cached
// authentication expires, whichever comes first.
func (s *Service) RevokeOperatorToken(ctx context.Context, p Principal, id string) error {
	if err := p.RequireOperator("revoking an operator token"); err != nil {
		return err
	}
	if err := s.repo.RevokeOperatorToken(ctx, id); err != nil {
		return err
	}
	s.forget(id)
	return nil
}

// ActOnTenant applies the tenant a request names (header: the TenantHeader
// value, a tenant name, "" when absent) to its authenticated caller p: the
// last step of authentication, authorizing that name for p. An operator
// becomes an admin of that tenant, which must exist (an operator does not create
// tenants by naming them); with none named it stays tenant-less. A
// tenant's token may only name its own tenant: anything else would look
// as if it could reach another one.
func (s *Service) ActOnTenant(ctx context.Context, p Principal, header string) (Principal, error) {
	if header == "" {
		return p, nil
	}
	if !p.Operator {
		if header == p.TenantName {
			return p, nil
		}
		return Principal{}, errs.New(errs.Forbidden, "the %s header names another tenant than this token's; only operator tokens choose the tenant they act on", TenantHeader)
	}
	if !ValidName(header) {
		return Principal{}, &errs.Error{Kind: errs.Invalid, Message: "invalid request",
			Fields: []errs.FieldError{{Field: TenantHeader, Problem: "must be a tenant name (a DNS-1035 label)"}}}
	}
	t, err := s.repo.TenantByName(ctx, header)
	if err != nil {
		return Principal{}, err
	}
	p.TenantID, p.TenantName, p.Role, p.Namespace = t.ID, t.Name, RoleAdmin, ""
	return p, nil
}

// Authenticate turns an Authorization header value ("APIToken <secret>") into
// the caller. Every failure is the same Unauthenticated error, so a caller
// cannot tell a revoked token from a made-up one.
func (s *Service) Authenticate(ctx context.Context, header string) (Principal, error) {
	unauth := errs.New(errs.Unauthenticated, "missing or invalid API token; send 'Authorization: APIToken <token>'")
	scheme, secret, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "APIToken") {
		return Principal{}, unauth
	}
	secret = strings.TrimSpace(secret)
	if secret == "" || len(secret) > 256 {
		return Principal{}, unauth
	}
	hash := HashToken(secret)
	now := s.clock.Now()
	s.mu.Lock()
	c, ok := s.cache[hash]
	s.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.p, nil
	}
	p, err := s.repo.PrincipalByTokenHash(ctx, hash)
	if errs.Is(err, errs.NotFound) {
		return Principal{}, unauth
	}
	if err == nil {
		s.remember(hash, p, now)
	}
	return p, err
}

// remember caches a successful authentication under key (a token hash, or
// a certificate fingerprint) when the cache is on.
func (s *Service) remember(key string, p Principal, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cacheTTL <= 0 {
		return
	}
	if len(s.cache) >= maxCachedTokens {
		s.cache = map[string]cachedPrincipal{}
	}
	s.cache[key] = cachedPrincipal{p: p, expires: now.Add(s.cacheTTL)}
}

// ListTokens lists the tokens (never their secrets) of the tenant called
// tenantName, for an operator: credentials are managed by billingd's
// operators, who name the tenant they manage.
func (s *Service) ListTokens(ctx context.Context, p Principal, tenantName string) ([]Token, error) {
	if err := p.RequireOperator("listing a tenant's API tokens"); err != nil {
		return nil, err
	}
	return s.repo.ListTokens(ctx, tenantName)
}

// RevokeToken revokes one token of the tenant called tenantName, for an
// operator (as ListTokens).
func (s *Service) RevokeToken(ctx context.Context, p Principal, tenantName, id string) error {
	if err := p.RequireOperator("revoking an API token"); err != nil {
		return err
	}
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.RevokeToken(ctx, tenantName, id); err != nil {
			return err
		}
		toks, err := s.repo.ListTokens(ctx, tenantName)
		if err != nil {
			return err
		}
		for _, t := range toks {
			if t.ID == id {
				return s.audit.Record(ctx, kernel.AuditRecord{TenantID: t.TenantID, Actor: p.Actor(), Action: "token.revoke",
					Namespace: SystemNamespace, Object: id, Before: map[string]string{"role": string(t.Role), "namespace": t.Namespace}})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.forget(id)
	return nil
}

// forget drops the cached authentications of credential id (a token or
// a certificate, just revoked here) and tells the other processes to.
func (s *Service) forget(id string) {
	s.ForgetRevoked(id)
	s.announcer.AnnounceRevocation(id)
}

// HasTokens tells whether any token exists, so serve can explain how to get
// one; it is the server's own question (System), no tenant's.
func (s *Service) HasTokens(ctx context.Context, p Principal) (bool, error) {
	if err := p.RequireOperator("counting the API tokens of every tenant"); err != nil {
		return false, err
	}
	n, err := s.repo.CountTokens(ctx)
	return n > 0, err
}

// ListNamespaces pages the caller's namespaces. A namespace-bound token sees
// only its own namespace.
func (s *Service) ListNamespaces(ctx context.Context, p Principal, after string, limit int) ([]string, error) {
	if err := p.OnTenant(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		return nil, errs.New(errs.Invalid, "first must be between 1 and 500")
	}
	if p.Namespace != "" {
		if after != "" && after >= p.Namespace {
			return nil, nil
		}
		return []string{p.Namespace}, nil
	}
	return s.repo.ListNamespaces(ctx, p.TenantID, after, limit)
}

// CountNamespaces counts the namespaces ListNamespaces pages through: 1
// for a namespace-bound token (it sees its own), else the tenant's.
func (s *Service) CountNamespaces(ctx context.Context, p Principal) (int, error) {
	if err := p.OnTenant(); err != nil {
		return 0, err
	}
	if p.Namespace != "" {
		return 1, nil
	}
	return s.repo.CountNamespaces(ctx, p.TenantID)
}

// OperatorPrincipal returns the operator acting on the tenant called name
// (created when new, as token create does), for operator commands that run
// on the server's own machine with database access and so need no token.
// p must be an operator (Operator, for the command line); the result keeps
// its actor in audit records ("operator").
func (s *Service) OperatorPrincipal(ctx context.Context, p Principal, name string) (Principal, error) {
	if err := p.RequireOperator("acting on a tenant without its token"); err != nil {
		return Principal{}, err
	}
	if !ValidName(name) {
		return Principal{}, &errs.Error{Kind: errs.Invalid, Message: "invalid request", Fields: []errs.FieldError{{Field: "tenant", Problem: "must be a DNS-1035 label"}}}
	}
	t, err := s.repo.EnsureTenant(ctx, Tenant{ID: uuid.NewString(), Name: name, CreatedAt: s.clock.Now()})
	if err != nil {
		return Principal{}, err
	}
	p.TenantID, p.TenantName, p.Role, p.Namespace = t.ID, t.Name, RoleAdmin, ""
	return p, nil
}
