package rest

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/labels"
	"github.com/billingd/billingd/domain/quota"
	"github.com/gorilla/mux"
)

var responseFormats = newEnumTable("GET_RSP_FORMAT_DEFAULT", "GET_RSP_FORMAT_FOR_CREATE", "GET_RSP_FORMAT_FOR_REPLACE",
	"GET_RSP_FORMAT_STATUS", "GET_RSP_FORMAT_READ", "GET_RSP_FORMAT_REFERRING_OBJECTS", "GET_RSP_FORMAT_BROKEN_REFERENCES")

func tenantName(r *http.Request) string { return caller(r).TenantName }

// createQuota is op 11. The path namespace overwrites metadata.namespace.
func (a *api) createQuota(_ http.ResponseWriter, r *http.Request) (any, error) {
	var req quotaCreateRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	req.Metadata.Namespace = mux.Vars(r)["namespace"]
	var f errs.Fields
	spec := specFromWire(req.Spec, &f)
	if err := f.Err(); err != nil {
		return nil, err
	}
	q, err := a.Quotas.Create(r.Context(), caller(r), quota.CreateInput{
		Namespace: req.Metadata.Namespace, Name: req.Metadata.Name, Labels: req.Metadata.Labels, Annotations: req.Metadata.Annotations,
		Description: req.Metadata.Description, Disable: req.Metadata.Disable, Spec: spec,
	})
	if err != nil {
		return nil, err
	}
	return quotaObjectResponse{Metadata: metaToWire(q), SystemMetadata: sysMetaToWire(q, tenantName(r)), Spec: specToWire(q.Spec)}, nil
}

// replaceQuota is op 12. Both path variables overwrite metadata; a body that
// names another object is refused, since a replace cannot rename.
func (a *api) replaceQuota(_ http.ResponseWriter, r *http.Request) (any, error) {
	var req quotaReplaceRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	v := mux.Vars(r)
	if req.Metadata.Name != "" && req.Metadata.Name != v["name"] {
		return nil, bodyError("metadata.name", "%q differs from the name in the path %q; a replace cannot rename an object", req.Metadata.Name, v["name"])
	}
	req.Metadata.Namespace, req.Metadata.Name = v["namespace"], v["name"]
	rv := req.ResourceVersion
	if rv == "" {
		rv = ifMatchVersion(r.Header.Get("If-Match"))
	}
	var f errs.Fields
	spec := specFromWire(req.Spec, &f)
	if err := f.Err(); err != nil {
		return nil, err
	}
	err := a.Quotas.Replace(r.Context(), caller(r), quota.ReplaceInput{CreateInput: quota.CreateInput{
		Namespace: req.Metadata.Namespace, Name: req.Metadata.Name, Labels: req.Metadata.Labels, Annotations: req.Metadata.Annotations,
		Description: req.Metadata.Description, Disable: req.Metadata.Disable, Spec: spec,
	}, ResourceVersion: rv})
	if err != nil {
		return nil, err
	}
	return empty{}, nil
}

// ifMatchVersion is the resource version an If-Match header asks for: ""
// (any) for "*" (RFC 9110: any current representation; a missing object
// still fails, with 404 like any other tag), else the tag without quotes and
// weakness prefix.
func ifMatchVersion(h string) string {
	h = strings.TrimSpace(h)
	if h == "*" {
		return ""
	}
	return strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
}

// getQuota is op 16. The ETag and the body's resource_version carry the
// resource version for a later replace (If-Match or resource_version).
// response_format picks the form, as F5 answers it: FOR_CREATE only
// create_form (with a blank metadata.name, to be named anew), FOR_REPLACE
// only replace_form (with the resource version), STATUS only status,
// REFERRING_OBJECTS only referring_objects, BROKEN_REFERENCES only the
// deleted and disabled referred objects; DEFAULT and READ the object.
// Quotas carry no status objects and nothing refers to them or is referred
// by them, so those lists are always [].
func (a *api) getQuota(w http.ResponseWriter, r *http.Request) (any, error) {
	format := "GET_RSP_FORMAT_DEFAULT"
	raw, err := queryValue(r, "response_format")
	if err != nil {
		return nil, err
	}
	if raw != "" {
		if format, err = responseFormats.parse("response_format", raw); err != nil {
			return nil, err
		}
	}
	v := mux.Vars(r)
	q, err := a.Quotas.Get(r.Context(), caller(r), v["namespace"], v["name"])
	if err != nil {
		return nil, err
	}
	version := strconv.FormatInt(q.ResourceVersion, 10)
	w.Header().Set("ETag", `"`+version+`"`)
	none := func() *[]objectRefWire { return &[]objectRefWire{} }
	switch format {
	case "GET_RSP_FORMAT_FOR_CREATE":
		m := metaToWire(q)
		m.Name = ""
		return quotaGetResponse{CreateForm: &quotaCreateRequest{Metadata: *m, Spec: *specToWire(q.Spec)}}, nil
	case "GET_RSP_FORMAT_FOR_REPLACE":
		return quotaGetResponse{ReplaceForm: &quotaReplaceRequest{Metadata: *metaToWire(q), Spec: *specToWire(q.Spec), ResourceVersion: version}}, nil
	case "GET_RSP_FORMAT_STATUS":
		return quotaGetResponse{Status: &[]struct{}{}}, nil
	case "GET_RSP_FORMAT_REFERRING_OBJECTS":
		return quotaGetResponse{ReferringObjects: none()}, nil
	case "GET_RSP_FORMAT_BROKEN_REFERENCES":
		return quotaGetResponse{DeletedReferredObjects: none(), DisabledReferredObjects: none()}, nil
	}
	return quotaGetResponse{ResourceVersion: &version, Metadata: metaToWire(q), SystemMetadata: sysMetaToWire(q, tenantName(r)), Spec: specToWire(q.Spec),
		Status: &[]struct{}{}, ReferringObjects: none(), DeletedReferredObjects: none(), DisabledReferredObjects: none()}, nil
}

// listQuotas is op 15: summaries by default; report_fields adds metadata,
// system_metadata and get_spec.
func (a *api) listQuotas(_ http.ResponseWriter, r *http.Request) (any, error) {
	qv := r.URL.Query()
	sel, err := labelFilter(r)
	if err != nil {
		return nil, err
	}
	ns := mux.Vars(r)["namespace"]
	qs, err := a.Quotas.List(r.Context(), caller(r), ns, sel)
	if err != nil {
		return nil, err
	}
	_, full := qv["report_fields"]
	tenant := tenantName(r)
	resp := quotaListResponse{Items: make([]quotaListItem, 0, len(qs)), Errors: []struct{}{}}
	for _, q := range qs {
		it := quotaListItem{listItemHead: listItemHead{Tenant: tenant, Namespace: q.Namespace, Name: q.Name, UID: q.UID, Description: q.Description,
			Disabled: q.Disable, Labels: orEmpty(q.Labels), Annotations: orEmpty(q.Annotations)}, StatusSet: []struct{}{}}
		if full {
			it.Metadata, it.SystemMetadata, it.GetSpec = metaToWire(q), sysMetaToWire(q, tenant), specToWire(q.Spec)
		}
		resp.Items = append(resp.Items, it)
	}
	return resp, nil
}

// deleteQuota is op 17; the optional body is quotaDeleteRequest.
func (a *api) deleteQuota(_ http.ResponseWriter, r *http.Request) (any, error) {
	var req quotaDeleteRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	v := mux.Vars(r)
	if err := a.Quotas.Delete(r.Context(), caller(r), quota.DeleteInput{Namespace: v["namespace"], Name: v["name"], FailIfReferred: req.FailIfReferred}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

// quotaLimits is op 13.
func (a *api) quotaLimits(_ http.ResponseWriter, r *http.Request) (any, error) {
	rep, err := a.Quotas.Usage(r.Context(), caller(r), mux.Vars(r)["namespace"])
	if err != nil {
		return nil, err
	}
	return reportToWire(rep, false), nil
}

// quotaUsage is op 14: limits plus the counters that reservations move.
func (a *api) quotaUsage(_ http.ResponseWriter, r *http.Request) (any, error) {
	rep, err := a.Quotas.Usage(r.Context(), caller(r), mux.Vars(r)["namespace"])
	if err != nil {
		return nil, err
	}
	return reportToWire(rep, true), nil
}

// reserveQuota is our extension: all-or-nothing usage deltas.
//
// The cheap checks come first: the caller's right to reserve (before the
// body is even read), the body's size and shape (decodeBody: bounded
// literals, at most maxJSONMembers per map), then the key count; only then
// is any amount converted.
func (a *api) reserveQuota(_ http.ResponseWriter, r *http.Request) (any, error) {
	ns := mux.Vars(r)["namespace"]
	if err := a.Quotas.AuthorizeReserve(r.Context(), caller(r), ns); err != nil {
		return nil, err
	}
	var req reserveRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	if n := len(req.Objects) + len(req.Resources) + len(req.APIs); n > quota.MaxReserveKeys {
		return nil, bodyError("body", "names %d keys; a reservation names at most %d", n, quota.MaxReserveKeys)
	}
	var f errs.Fields
	in := quota.ReserveInput{
		Namespace:      ns,
		Objects:        amountsFromWire("objects", req.Objects, &f),
		Resources:      amountsFromWire("resources", req.Resources, &f),
		APIs:           amountsFromWire("apis", req.APIs, &f),
		IdempotencyKey: r.Header.Get("Idempotency-Key"),
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	res, err := a.Quotas.Reserve(r.Context(), caller(r), in)
	if err != nil {
		return nil, err
	}
	return reserveResponse{Objects: amountsToWire(res.Objects), Resources: amountsToWire(res.Resources), APIs: amountsToWire(res.APIs)}, nil
}

// labelFilter is the list routes' label_filter query parameter, parsed (an
// empty selector matches everything).
func labelFilter(r *http.Request) (labels.Selector, error) {
	filter, err := queryValue(r, "label_filter")
	if err != nil {
		return labels.Selector{}, err
	}
	return labels.Parse(filter)
}
