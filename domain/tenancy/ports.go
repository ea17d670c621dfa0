package tenancy

import "context"

// Repository stores tenants and tokens.
type Repository interface {
	// EnsureTenant returns the tenant named name, creating it when new.
	EnsureTenant(ctx context.Context, t Tenant) (Tenant, error)
	CreateToken(ctx context.Context, t Token) error
	// PrincipalByTokenHash finds the principal of an unrevoked token; for
	// an operator token it is Operator, RoleAdmin and has no tenant.
	PrincipalByTokenHash(ctx context.Context, hash string) (Principal, error)
	ListTokens(ctx context.Context, tenantName string) ([]Token, error)
	RevokeToken(ctx context.Context, tenantName, tokenID string) error
	// CountTokens counts active tokens, operator tokens included.
	CountTokens(ctx context.Context) (int, error)
	// TenantByName finds a tenant; an unknown name is NotFound.
	TenantByName(ctx context.Context, name string) (Tenant, error)
	// CreateOperatorToken stores an operator token (its hash only).
	CreateOperatorToken(ctx context.Context, t Token) error
	// ListOperatorTokens lists every operator token, oldest first.
	ListOperatorTokens(ctx context.Context) ([]Token, error)
	// RevokeOperatorToken revokes an operator token; an unknown or revoked
	// id is NotFound.
	RevokeOperatorToken(ctx context.Context, tokenID string) error
	// EnsureNamespace records that a namespace exists (namespaces come into
	// being when first used).
	EnsureNamespace(ctx context.Context, tenantID, name string) error
	// ListNamespaces pages through a tenant's namespaces by name, after the
	// given name, at most limit of them.
	ListNamespaces(ctx context.Context, tenantID, after string, limit int) ([]string, error)
	// CountNamespaces counts a tenant's namespaces.
	CountNamespaces(ctx context.Context, tenantID string) (int, error)
	// NamespacePage is ListNamespaces with each namespace's record.
	NamespacePage(ctx context.Context, tenantID, after string, limit int) ([]Namespace, error)
	// GetNamespace finds one namespace of a tenant; one never used is NotFound.
	GetNamespace(ctx context.Context, tenantID, name string) (Namespace, error)
}

// CreateTokenInput asks for a new token for a tenant (created when new).
type CreateTokenInput struct {
	Tenant    string
	Role      Role
	Namespace string
}

// Validate reports every bad field at once.
func (in CreateTokenInput) Validate() error {
	var f errsFields
	if !ValidName(in.Tenant) {
		f.Add("tenant", "must be a DNS-1035 label (lower case letters, digits and '-', starting with a letter, at most 63 characters)")
	}
	if _, err := ParseRole(string(in.Role)); err != nil {
		f.Add("role", "must be one of admin, editor, viewer")
	}
	if in.Namespace != "" && !ValidName(in.Namespace) {
		f.Add("namespace", "must be a DNS-1035 label")
	}
	return f.Err()
}
