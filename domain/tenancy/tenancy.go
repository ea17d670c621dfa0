// Package tenancy is the bounded context of tenants, API tokens, roles and the
// authenticated principal that every other service checks permissions against.
package tenancy

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/errs"
)

// SystemNamespace is the tenant-wide namespace.
const SystemNamespace = "system"

// Role is what a token may do.
type Role string

// The roles, weakest first.
const (
	RoleViewer Role = "viewer"
	RoleEditor Role = "editor"
	RoleAdmin  Role = "admin"
)

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RoleViewer, RoleEditor, RoleAdmin:
		return r, nil
	}
	return "", errs.New(errs.Invalid, "role %q is not one of admin, editor, viewer", s)
}

// Tenant owns every other object; its ID is part of every primary key.
type Tenant struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// Token is a stored API token. Only the SHA-256 of the secret is kept.
type Token struct {
	ID string
	// Operator marks an operator token: no tenant, no role, no namespace.
	Operator  bool
	TenantID  string
	Hash      string
	Role      Role
	Namespace string // empty: every namespace of the tenant
	CreatedAt time.Time
	RevokedAt *time.Time
}

// Principal is who is calling: the tenant and what the token allows.
type Principal struct {
	TenantID   string
	TenantName string
	TokenID    string
	Role       Role
	Namespace  string // empty: not restricted to one namespace
	// Operator is support staff (an operator token, or the command line on
	// the server's machine), not the tenant: it alone decides plan
	// approvals and invoice statuses. It is an admin of the tenant it
	// names (TenantID); with none named it can only make the decisions
	// that find their object by a global id (plan transitions).
	Operator bool
	// Certificate marks a caller authenticated by an API certificate
	// (mutual TLS); TokenID is then the certificate's credential id.
	Certificate bool
	// Name is the actor of trusted work that holds no token (Operator and
	// System build it): "operator" for the command line, the job's name
	// for the server's scheduled work.
	Name string
}

// Every exported method of a domain service takes the caller's Principal as
// its second parameter, right after ctx (internal/archtest checks it): the
// adapter that authenticated the caller (REST, GraphQL, the command line,
// the scheduler) passes it explicitly, and the service authorizes from it.
// The principal type lives here, in tenancy, because tenancy imports no
// other domain service, so every service can import it without a cycle.

// Operator is the principal of an operator working on the server's own
// machine (the command line, with database access and so no token), acting
// on no tenant until ActingOn names one. actor is what the audit log
// records; "" is OperatorActor. This and System are the only places trusted
// principals are made: adapters get every other one from Authenticate.
func Operator(actor string) Principal {
	if actor == "" {
		actor = OperatorActor
	}
	return Principal{Role: RoleAdmin, Operator: true, Name: actor}
}

// System is the principal of the server's own scheduled work (closing
// months, marking invoices overdue): an operator whose audit actor is job.
func System(job string) Principal { return Operator(job) }

// OnTenant checks that p is a caller acting on a tenant: Unauthenticated
// when p is nobody (the zero Principal), Invalid for an operator that named
// no tenant.
func (p Principal) OnTenant() error {
	if err := p.Caller(); err != nil {
		return err
	}
	if p.TenantID == "" {
		return errs.New(errs.Invalid, "an operator token acts on one tenant at a time: name it with the %s header", TenantHeader)
	}
	return nil
}

// Caller checks that p is somebody: a tenant's credential, or an operator
// with or without a tenant named. The zero Principal is Unauthenticated.
func (p Principal) Caller() error {
	if p.TenantID == "" && !p.Operator {
		return errs.New(errs.Unauthenticated, "missing or invalid API token")
	}
	return nil
}

// ActingOn returns p acting on the tenant tenantID, for work a service does
// on behalf of p in another tenant-scoped service (closing a month for every
// tenant, checking a plan transition's tenant's quotas). An operator
// becomes an admin of that tenant; anyone else may only act on its own.
func (p Principal) ActingOn(tenantID string) (Principal, error) {
	if err := p.Caller(); err != nil {
		return Principal{}, err
	}
	if !p.Operator {
		if p.TenantID != tenantID {
			return Principal{}, errs.New(errs.Forbidden, "a tenant's credential acts on its own tenant only")
		}
		return p, nil
	}
	if p.TenantID != tenantID {
		p.TenantName = ""
	}
	p.TenantID, p.Role, p.Namespace = tenantID, RoleAdmin, ""
	return p, nil
}

// Actor names the caller in audit records: the token id and its role, never
// the secret; "cert:<id> (<role>)" for an API certificate, "operator:<id>"
// for an operator token and "operator" for the command line.
func (p Principal) Actor() string {
	switch {
	case p.Operator && p.TokenID == "" && p.Name != "":
		return p.Name
	case p.Operator && p.TokenID == "":
		return OperatorActor
	case p.Operator:
		return OperatorActor + ":" + p.TokenID
	case p.Certificate:
		return "cert:" + p.TokenID + " (" + string(p.Role) + ")"
	}
	return "token:" + p.TokenID + " (" + string(p.Role) + ")"
}

// OperatorActor names changes made from the command line.
const OperatorActor = "operator"

// TenantHeader is the HTTP header with which an operator token names the
// tenant it acts on (REST and GraphQL). A tenant's own token may send it
// only with its own tenant's name.
const TenantHeader = "X-Billingd-Tenant"

// RequireOperator refuses every caller but an operator: decision says what
// is being decided ("approving a plan transition"), for the message.
func (p Principal) RequireOperator(decision string) error {
	if p.Operator {
		return nil
	}
	return errs.New(errs.Forbidden, "%s is an operator decision: no token of the tenant may do it, not even an admin's; billingd support decides with an operator token or the billingd command line", decision)
}

// Action is what a caller wants to do to a namespace.
type Action int

// Actions checked by Authorize.
const (
	Read Action = iota
	Write
	Admin
)

// Authorize says whether p may do a in namespace ns. Viewers read, editors
// write inside their namespace (or all when unrestricted), admins do anything
// in their tenant. A namespace-bound token cannot even read other namespaces:
// it was given for one namespace only.
func (p Principal) Authorize(a Action, ns string) error {
	if p.Namespace != "" && ns != p.Namespace {
		return errs.New(errs.Forbidden, "token is restricted to namespace %q", p.Namespace)
	}
	switch a {
	case Read:
		return nil
	case Write:
		if p.Role == RoleEditor || p.Role == RoleAdmin {
			return nil
		}
		return errs.New(errs.Forbidden, "role %s cannot change objects", p.Role)
	default:
		if p.Role == RoleAdmin {
			return nil
		}
		return errs.New(errs.Forbidden, "role %s cannot do this; it needs admin", p.Role)
	}
}

type principalKey struct{}

// WithPrincipal stores p in ctx. Only the HTTP adapters use the context to
// carry the principal from their authentication middleware to their
// handlers and resolvers; services never read it from there, they take it
// as a parameter.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal the HTTP authentication stored in ctx,
// or the zero Principal (nobody: services answer Unauthenticated) when
// there is none.
func FromContext(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

// PrincipalFrom returns the caller acting on a tenant: Unauthenticated when
// there is none, Invalid for an operator that named no tenant.
func PrincipalFrom(ctx context.Context) (Principal, error) {
	p := FromContext(ctx)
	if err := p.OnTenant(); err != nil {
		return Principal{}, err
	}
	return p, nil
}

// CallerFrom returns the caller, including an operator that named no
// tenant (its TenantID is empty), or Unauthenticated when there is none.
func CallerFrom(ctx context.Context) (Principal, error) {
	p := FromContext(ctx)
	if err := p.Caller(); err != nil {
		return Principal{}, err
	}
	return p, nil
}

var dnsLabel = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)

// ValidName reports whether s is a DNS-1035 label, the rule for tenant,
// namespace and object names.
func ValidName(s string) bool { return dnsLabel.MatchString(s) }

// HashToken returns the stored form of a token secret.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Secret prefixes: recognisable, so a leaked token is easy to spot and its
// kind plain to whoever finds it.
const (
	tenantSecretPrefix   = "bd_"
	operatorSecretPrefix = "bdo_"
)

// newSecret returns a random token secret after prefix.
func newSecret(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", errs.Wrap(errs.Internal, err, "generate token")
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}
