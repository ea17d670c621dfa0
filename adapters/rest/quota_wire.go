package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/quota"
)

// The F5 wire types of the quota operations (API.md §3, §4). Answers carry
// zero values (API.md §1): scalars, lists and maps are always written, nil
// slices and maps as [] and {}. Only message-typed fields that are unset
// (timestamps, absent sub-objects) are left out, where proto3 JSON would
// write null and the schemas allow no null.

type objectMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	Description string            `json:"description"`
	Disable     bool              `json:"disable"`
}

// systemMeta is schemaSystemObjectGetMetaType. object_index is the proto's
// uint32 (a JSON number); billingd numbers no objects, so it is the default 0.
type systemMeta struct {
	UID                   string            `json:"uid"`
	CreationTimestamp     string            `json:"creation_timestamp,omitempty"`
	ModificationTimestamp string            `json:"modification_timestamp,omitempty"`
	CreatorClass          string            `json:"creator_class"`
	CreatorID             string            `json:"creator_id"`
	Tenant                string            `json:"tenant"`
	Finalizers            []string          `json:"finalizers"`
	Labels                map[string]string `json:"labels"`
	ObjectIndex           int64             `json:"object_index"`
}

type limitWire struct {
	Maximum pbInt32 `json:"maximum"`
	// problems are what is wrong with the values as sent; set on decoding.
	problems []fieldProblem
}

// fieldProblem is a bad value inside a map entry, named relative to the
// entry (the map key is only known to whoever walks the map).
type fieldProblem struct{ field, problem string }

// UnmarshalJSON reads the int32 maximum as proto3 JSON does (a number or a
// string holding one) and keeps a bad one as a problem, so the error can
// name the map key.
func (l *limitWire) UnmarshalJSON(b []byte) error {
	var raw struct {
		Maximum json.RawMessage `json:"maximum"`
	}
	if err := decodeEntry(b, &raw, "spec.object_limits", `{"maximum": 12}`); err != nil {
		return err
	}
	*l = limitWire{}
	l.problems = readInt32(raw.Maximum, "maximum", (*int32)(&l.Maximum), l.problems)
	return nil
}

// decodeEntry decodes one map value (an object) strictly; a value of the
// wrong JSON type is an error naming the map and the expected shape.
func decodeEntry(b []byte, dst any, field, example string) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return bodyError(field, "%s of a value: expected %s, got JSON %s", te.Field, te.Type, te.Value)
		}
		if te != nil {
			return bodyError(field, "each value must be an object like %s", example)
		}
		return err
	}
	return nil
}

// readInt32 reads a proto3 JSON int32 literal into dst (absent: 0) and
// appends what is wrong with it to problems.
func readInt32(raw json.RawMessage, field string, dst *int32, problems []fieldProblem) []fieldProblem {
	if len(raw) == 0 {
		return problems
	}
	v, err := protoInt(raw, 32)
	if err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return append(problems, fieldProblem{field, fmt.Sprintf("expected int32 (a number or a string holding one), got JSON %s", te.Value)})
		}
		return append(problems, fieldProblem{field, err.Error()})
	}
	*dst = int32(v)
	return problems
}

type floatLimitWire struct {
	Maximum float64 `json:"maximum"`
	// problem is what is wrong with the maximum as sent; set on decoding.
	problem string
}

// UnmarshalJSON reads the maximum from its literal, so a seventh decimal
// is refused instead of rounded away by the double (limits are kept in
// millionths), and an exponent bomb never reaches strconv. A JSON string
// holding the number is the same value (proto3 JSON accepts both for a
// double).
func (l *floatLimitWire) UnmarshalJSON(b []byte) error {
	var raw struct {
		Maximum json.RawMessage `json:"maximum"`
	}
	if err := decodeEntry(b, &raw, "spec.resource_limits", `{"maximum": 2.5}`); err != nil {
		return err
	}
	*l = floatLimitWire{}
	lit := string(bytes.TrimSpace(raw.Maximum))
	switch {
	case lit == "" || lit == "null":
		return nil
	case lit[0] == '"':
		var s string
		if err := json.Unmarshal(raw.Maximum, &s); err != nil || !numberText(s) {
			l.problem = fmt.Sprintf("%s is not a number (or a JSON string holding one)", truncate(lit, 40))
			return nil
		}
		lit = s
	}
	if _, err := quota.ReadAmount(lit); err != nil {
		l.problem = fmt.Sprintf("%s %s", truncate(lit, 40), err)
		return nil
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		l.problem = fmt.Sprintf("%s is not a number", truncate(lit, 40))
		return nil
	}
	l.Maximum = f
	return nil
}

type rateLimitWire struct {
	Rate  pbInt32 `json:"rate"`
	Burst pbInt32 `json:"burst"`
	Unit  string  `json:"unit"`
	// problems are what is wrong with the values as sent; set on decoding.
	problems []fieldProblem
}

// UnmarshalJSON reads rate and burst as proto3 JSON int32s, keeping bad
// ones as problems (see limitWire).
func (l *rateLimitWire) UnmarshalJSON(b []byte) error {
	var raw struct {
		Rate  json.RawMessage `json:"rate"`
		Burst json.RawMessage `json:"burst"`
		Unit  *string         `json:"unit"`
	}
	if err := decodeEntry(b, &raw, "spec.api_limits", `{"rate": 100, "burst": 100, "unit": "per-second"}`); err != nil {
		return err
	}
	*l = rateLimitWire{}
	l.problems = readInt32(raw.Rate, "rate", (*int32)(&l.Rate), l.problems)
	l.problems = readInt32(raw.Burst, "burst", (*int32)(&l.Burst), l.problems)
	if raw.Unit != nil {
		l.Unit = *raw.Unit
	}
	return nil
}

type quotaSpecWire struct {
	ObjectLimits   map[string]limitWire      `json:"object_limits"`
	ResourceLimits map[string]floatLimitWire `json:"resource_limits"`
	APILimits      map[string]rateLimitWire  `json:"api_limits"`
}

type quotaCreateRequest struct {
	Metadata objectMeta    `json:"metadata"`
	Spec     quotaSpecWire `json:"spec"`
}

type quotaReplaceRequest struct {
	Metadata objectMeta    `json:"metadata"`
	Spec     quotaSpecWire `json:"spec"`
	// ResourceVersion is the proto's hidden field; the ETag of a GET.
	ResourceVersion string `json:"resource_version"`
}

type quotaDeleteRequest struct {
	Namespace      string `json:"namespace"`
	Name           string `json:"name"`
	FailIfReferred bool   `json:"fail_if_referred"`
}

// quotaObjectResponse is quotaCreateResponse.
type quotaObjectResponse struct {
	Metadata       *objectMeta    `json:"metadata"`
	SystemMetadata *systemMeta    `json:"system_metadata"`
	Spec           *quotaSpecWire `json:"spec"`
}

// objectRefWire is schemaObjectRefType.
type objectRefWire struct {
	Kind      string `json:"kind"`
	UID       string `json:"uid"`
	Tenant    string `json:"tenant"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// quotaGetResponse is quotaGetResponse. Which fields a GET fills depends on
// response_format (quotaGetFormat), so every field is optional here and the
// handler sets the ones of the asked form, lists as [] when empty.
type quotaGetResponse struct {
	CreateForm              *quotaCreateRequest  `json:"create_form,omitempty"`
	ReplaceForm             *quotaReplaceRequest `json:"replace_form,omitempty"`
	ResourceVersion         *string              `json:"resource_version,omitempty"`
	Metadata                *objectMeta          `json:"metadata,omitempty"`
	SystemMetadata          *systemMeta          `json:"system_metadata,omitempty"`
	Spec                    *quotaSpecWire       `json:"spec,omitempty"`
	Status                  *[]struct{}          `json:"status,omitempty"`
	ReferringObjects        *[]objectRefWire     `json:"referring_objects,omitempty"`
	DeletedReferredObjects  *[]objectRefWire     `json:"deleted_referred_objects,omitempty"`
	DisabledReferredObjects *[]objectRefWire     `json:"disabled_referred_objects,omitempty"`
}

// quotaListItem is quotaListResponseItem. metadata, system_metadata and
// get_spec are filled only when report_fields asks for them; quotas have no
// status objects, so status_set (like the GET's status) is always [].
type quotaListItem struct {
	listItemHead
	Metadata       *objectMeta    `json:"metadata,omitempty"`
	SystemMetadata *systemMeta    `json:"system_metadata,omitempty"`
	GetSpec        *quotaSpecWire `json:"get_spec,omitempty"`
	StatusSet      []struct{}     `json:"status_set"`
}

type quotaListResponse struct {
	Items  []quotaListItem `json:"items"`
	Errors []struct{}      `json:"errors"`
}

// Report item types (raw quota file: quotaQuotaUsageItemType and friends).
type usageWire struct {
	Current float64 `json:"current"`
}

type intUsageWire struct {
	Current int32 `json:"current"`
}

// reportItem is quotaQuotaUsageItemType (and, without usage,
// quotaQuotaLimitsItemType): limit is set for counted keys, api_limit for
// rate-limited ones.
type reportItem struct {
	Limit       *floatLimitWire `json:"limit,omitempty"`
	Usage       *usageWire      `json:"usage,omitempty"`
	APILimit    *rateLimitWire  `json:"api_limit,omitempty"`
	DisplayName string          `json:"display_name"`
	Description string          `json:"description"`
}

type legacyQuotaItem struct {
	Limit       *limitWire    `json:"limit,omitempty"`
	Usage       *intUsageWire `json:"usage,omitempty"`
	DisplayName string        `json:"display_name"`
	Description string        `json:"description"`
}

type quotaReport struct {
	Objects         map[string]reportItem      `json:"objects"`
	Resources       map[string]reportItem      `json:"resources"`
	APIs            map[string]reportItem      `json:"apis"`
	QuotaUsage      map[string]legacyQuotaItem `json:"quota_usage"`
	FloatQuotaUsage map[string]reportItem      `json:"float_quota_usage"`
	APILimits       map[string]rateLimitWire   `json:"api_limits"`
}

// reserveRequest is our extension's body; values are exact decimals.
type reserveRequest struct {
	Objects   map[string]json.Number `json:"objects,omitempty"`
	Resources map[string]json.Number `json:"resources,omitempty"`
	APIs      map[string]json.Number `json:"apis,omitempty"`
}

type reserveResponse struct {
	Objects   map[string]json.Number `json:"objects"`
	Resources map[string]json.Number `json:"resources"`
	APIs      map[string]json.Number `json:"apis"`
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// specFromWire maps the wire spec and records in f what the decoding found
// wrong with the literals.
func specFromWire(w quotaSpecWire, f *errs.Fields) quota.Spec {
	var s quota.Spec
	if len(w.ObjectLimits) > 0 {
		s.ObjectLimits = map[string]quota.ObjectLimit{}
		for _, k := range slices.Sorted(maps.Keys(w.ObjectLimits)) {
			v := w.ObjectLimits[k]
			for _, p := range v.problems {
				f.Add(fmt.Sprintf("spec.object_limits[%q].%s", k, p.field), "%s", p.problem)
			}
			s.ObjectLimits[k] = quota.ObjectLimit{Maximum: int32(v.Maximum)}
		}
	}
	if len(w.ResourceLimits) > 0 {
		s.ResourceLimits = map[string]quota.ResourceLimit{}
		for _, k := range slices.Sorted(maps.Keys(w.ResourceLimits)) {
			v := w.ResourceLimits[k]
			if v.problem != "" {
				f.Add(fmt.Sprintf("spec.resource_limits[%q].maximum", k), "%s", v.problem)
			}
			s.ResourceLimits[k] = quota.ResourceLimit{Maximum: v.Maximum}
		}
	}
	if len(w.APILimits) > 0 {
		s.APILimits = map[string]quota.RateLimit{}
		for _, k := range slices.Sorted(maps.Keys(w.APILimits)) {
			v := w.APILimits[k]
			for _, p := range v.problems {
				f.Add(fmt.Sprintf("spec.api_limits[%q].%s", k, p.field), "%s", p.problem)
			}
			s.APILimits[k] = quota.RateLimit{Rate: int32(v.Rate), Burst: int32(v.Burst), Unit: v.Unit}
		}
	}
	return s
}

func specToWire(s quota.Spec) *quotaSpecWire {
	w := &quotaSpecWire{ObjectLimits: map[string]limitWire{}, ResourceLimits: map[string]floatLimitWire{}, APILimits: map[string]rateLimitWire{}}
	for k, v := range s.ObjectLimits {
		w.ObjectLimits[k] = limitWire{Maximum: pbInt32(v.Maximum)}
	}
	for k, v := range s.ResourceLimits {
		w.ResourceLimits[k] = floatLimitWire{Maximum: v.Maximum}
	}
	for k, v := range s.APILimits {
		w.APILimits[k] = rateLimitToWire(v)
	}
	return w
}

func rateLimitToWire(v quota.RateLimit) rateLimitWire {
	return rateLimitWire{Rate: pbInt32(v.Rate), Burst: pbInt32(v.Burst), Unit: v.Unit}
}

func metaToWire(q quota.Quota) *objectMeta {
	return &objectMeta{Name: q.Name, Namespace: q.Namespace, Labels: orEmpty(q.Labels), Annotations: orEmpty(q.Annotations), Description: q.Description, Disable: q.Disable}
}

func sysMetaToWire(q quota.Quota, tenant string) *systemMeta {
	return &systemMeta{UID: q.UID, CreationTimestamp: ts(q.CreatedAt), ModificationTimestamp: ts(q.ModifiedAt),
		CreatorClass: q.CreatorClass, CreatorID: q.CreatorID, Tenant: tenant, Finalizers: []string{}, Labels: map[string]string{}}
}

// orEmpty is m, or an empty map for nil, so the wire shows {} and not null.
func orEmpty[V any](m map[string]V) map[string]V {
	if m == nil {
		return map[string]V{}
	}
	return m
}

// orNone is l, or an empty list for nil, so the wire shows [] and not null.
func orNone[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// reportToWire fills the current maps and the deprecated mirrors. A key
// without a limit shows maximum -1, which legacy clients read as unlimited.
func reportToWire(rep quota.Report, withUsage bool) quotaReport {
	out := quotaReport{Objects: map[string]reportItem{}, Resources: map[string]reportItem{}, APIs: map[string]reportItem{},
		QuotaUsage: map[string]legacyQuotaItem{}, FloatQuotaUsage: map[string]reportItem{}, APILimits: map[string]rateLimitWire{}}
	for _, c := range []quota.Class{quota.Objects, quota.Resources, quota.APIs} {
		for _, it := range rep.Items[c] {
			ri := reportItem{DisplayName: it.DisplayName}
			if it.Rate != nil {
				rl := rateLimitToWire(*it.Rate)
				ri.APILimit = &rl
				out.APILimits[it.Key] = *ri.APILimit
			} else if c != quota.APIs || it.Max != nil {
				ri.Limit = &floatLimitWire{Maximum: -1}
				if it.Max != nil {
					ri.Limit.Maximum = it.Max.Float64()
				}
			}
			if withUsage {
				ri.Usage = &usageWire{Current: it.Current.Float64()}
			}
			switch c {
			case quota.Objects:
				out.Objects[it.Key] = ri
				li := legacyQuotaItem{DisplayName: it.DisplayName, Limit: &limitWire{Maximum: -1}}
				if it.Max != nil {
					li.Limit.Maximum = pbInt32(min(it.Max.Float64(), math.MaxInt32))
				}
				if withUsage {
					li.Usage = &intUsageWire{Current: int32(min(it.Current.Float64(), math.MaxInt32))}
				}
				out.QuotaUsage[it.DisplayName] = li
			case quota.Resources:
				out.Resources[it.Key] = ri
				out.FloatQuotaUsage[it.Key] = ri
			case quota.APIs:
				out.APIs[it.Key] = ri
			}
		}
	}
	return out
}

func amountsFromWire(field string, in map[string]json.Number, f *errs.Fields) map[string]quota.Amount {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]quota.Amount, len(in))
	for _, k := range slices.Sorted(maps.Keys(in)) {
		a, err := quota.ReadAmount(in[k].String())
		if err != nil {
			f.Add(fmt.Sprintf("%s[%q]", field, k), "%s %s; amounts have at most 6 decimals and magnitude at most %d", truncate(in[k].String(), 40), err, int64(quota.MaxAmount))
			continue
		}
		out[k] = a
	}
	return out
}

func amountsToWire(in map[string]quota.Amount) map[string]json.Number {
	out := make(map[string]json.Number, len(in))
	for k, v := range in {
		out[k] = json.Number(v.String())
	}
	return out
}

// listItemHead is the summary every XC ListResponseItem starts with
// (quotas, namespaces); embedded, its fields stay at the item's top level.
type listItemHead struct {
	Tenant      string            `json:"tenant"`
	Namespace   string            `json:"namespace"`
	Name        string            `json:"name"`
	UID         string            `json:"uid"`
	Description string            `json:"description"`
	Disabled    bool              `json:"disabled"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}
