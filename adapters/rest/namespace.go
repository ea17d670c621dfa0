package rest

import (
	"context"
	"net/http"

	"github.com/billingd/billingd/domain/tenancy"
	"github.com/gorilla/mux"
)

// NamespaceReader lists and finds the caller's namespaces (tenancy.Service).
type NamespaceReader interface {
	NamespacePage(ctx context.Context, p tenancy.Principal, after string, limit int) ([]tenancy.Namespace, error)
	Namespace(ctx context.Context, p tenancy.Principal, name string) (tenancy.Namespace, error)
}

// The wire types of XC's namespace object (ves.io.schema.namespace), which
// F5's clients call to list a tenant's namespaces (an exporter's readiness
// check among them). Only what billingd knows is filled: a namespace has a
// name, a uid and the time of its first use; no labels, annotations,
// description or spec, so those are the zero values.

// namespaceListItem is namespace ListResponseItem.
type namespaceListItem struct {
	listItemHead
	// OwnerView is null: no view owns a namespace (XC writes null too).
	OwnerView      *struct{}   `json:"owner_view"`
	Metadata       *objectMeta `json:"metadata"`
	SystemMetadata *systemMeta `json:"system_metadata"`
	GetSpec        struct{}    `json:"get_spec"`
}

type namespaceListResponse struct {
	Items  []namespaceListItem `json:"items"`
	Errors []struct{}          `json:"errors"`
}

// namespaceGetResponse is namespace GetResponse in its default form.
type namespaceGetResponse struct {
	Metadata                *objectMeta     `json:"metadata"`
	SystemMetadata          *systemMeta     `json:"system_metadata"`
	Spec                    struct{}        `json:"spec"`
	Status                  []struct{}      `json:"status"`
	ReferringObjects        []objectRefWire `json:"referring_objects"`
	DeletedReferredObjects  []objectRefWire `json:"deleted_referred_objects"`
	DisabledReferredObjects []objectRefWire `json:"disabled_referred_objects"`
}

// namespaceMeta is a namespace's metadata: namespace objects live in no
// namespace, so metadata.namespace is "" (API.md §3.1).
func namespaceMeta(n tenancy.Namespace) *objectMeta {
	return &objectMeta{Name: n.Name, Labels: map[string]string{}, Annotations: map[string]string{}}
}

// namespaceSysMeta: a namespace is never modified after its first use.
func namespaceSysMeta(n tenancy.Namespace, tenant string) *systemMeta {
	return &systemMeta{UID: n.UID(), CreationTimestamp: ts(n.CreatedAt), ModificationTimestamp: ts(n.CreatedAt), Tenant: tenant,
		Finalizers: []string{}, Labels: map[string]string{}}
}

// namespacePageSize is how many namespaces listNamespaces reads at a time.
const namespacePageSize = 500

// listNamespaces is GET /api/web/namespaces: every namespace of the caller's
// tenant (a namespace-bound token sees only its own), in name order.
// label_filter is honoured: namespaces have no labels, so only a selector
// without requirements that need one matches.
func (a *api) listNamespaces(_ http.ResponseWriter, r *http.Request) (any, error) {
	sel, err := labelFilter(r)
	if err != nil {
		return nil, err
	}
	tenant := tenantName(r)
	resp := namespaceListResponse{Items: []namespaceListItem{}, Errors: []struct{}{}}
	if !sel.Matches(map[string]string{}) {
		return resp, nil
	}
	for after := ""; ; {
		page, err := a.Namespaces.NamespacePage(r.Context(), caller(r), after, namespacePageSize)
		if err != nil {
			return nil, err
		}
		for _, n := range page {
			resp.Items = append(resp.Items, namespaceListItem{
				listItemHead: listItemHead{Tenant: tenant, Name: n.Name, UID: n.UID(), Labels: map[string]string{}, Annotations: map[string]string{}},
				Metadata:     namespaceMeta(n), SystemMetadata: namespaceSysMeta(n, tenant)})
		}
		if len(page) < namespacePageSize {
			return resp, nil
		}
		after = page[len(page)-1].Name
	}
}

// getNamespace is GET /api/web/namespaces/{name}: 404 for a namespace the
// tenant never used, 403 for a token bound to another namespace.
func (a *api) getNamespace(_ http.ResponseWriter, r *http.Request) (any, error) {
	n, err := a.Namespaces.Namespace(r.Context(), caller(r), mux.Vars(r)["name"])
	if err != nil {
		return nil, err
	}
	return namespaceGetResponse{Metadata: namespaceMeta(n), SystemMetadata: namespaceSysMeta(n, tenantName(r)),
		Status: []struct{}{}, ReferringObjects: []objectRefWire{}, DeletedReferredObjects: []objectRefWire{}, DisabledReferredObjects: []objectRefWire{}}, nil
}
