package graph

import (
	"encoding/base64"
	"strings"

	"github.com/billingd/billingd/domain/text"
)

// Global ids. Every Node's id is base64url("<Type>:<key>"): the type tells
// node(id:) which service to ask, the key is the object's own identity in
// its tenant. Keys are chosen so they never change: an invoice is keyed by
// its period (its name changes when it is issued), a quota by namespace and
// name (its uid would need a lookup by uid). Ids carry no tenant: node(id:)
// always looks in the caller's tenant, so another tenant's id finds nothing.

// The node types of global ids.
const (
	nodeNamespace    = "Namespace"
	nodeQuota        = "Quota"
	nodePlan         = "Plan"
	nodeAddon        = "Addon"
	nodeInvoice      = "Invoice"
	nodePayment      = "PaymentMethod"
	nodeTransition   = "PlanTransition"
	nodeSubscription = "TenantSubscription"
	nodeAudit        = "AuditRecord"
)

// globalID returns the id of the object of type typ with the given key
// parts (joined by "/", which no key part contains: names are DNS labels,
// periods YYYY-MM, ids UUIDs or numbers).
func globalID(typ string, key ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strings.Join(key, "/")))
}

// parseGlobalID splits an id into its type and key parts; ok is false for
// anything globalID did not make.
func parseGlobalID(id string) (typ string, key []string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || text.Problem(string(b)) != "" {
		return "", nil, false
	}
	typ, rest, found := strings.Cut(string(b), ":")
	if !found || typ == "" || rest == "" {
		return "", nil, false
	}
	return typ, strings.Split(rest, "/"), true
}

// transitionKey accepts a plan transition's global id or its own id (the
// REST id), so clients holding either can use it.
func transitionKey(id string) string {
	if typ, key, ok := parseGlobalID(id); ok && typ == nodeTransition && len(key) == 1 {
		return key[0]
	}
	return id
}
