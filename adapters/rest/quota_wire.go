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

// The F5 wire types of the quota operations (API.md §3, §4). Every field is
// omitempty: proto3 JSON leaves zero values out.

type objectMeta struct {
	Name        string            `json:"name,omitempty"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Description string            `json:"description,omitempty"`
	Disable     bool              `json:"disable,omitempty"`
}

type systemMeta struct {
	UID                   string `json:"uid,omitempty"`
	CreationTimestamp     string `json:"creation_timestamp,omitempty"`
	ModificationTimestamp string `json:"modification_timestamp,omitempty"`
	CreatorClass          string `json:"creator_class,omitempty"`
	CreatorID             string `json:"creator_id,omitempty"`
	Tenant                string `json:"tenant,omitempty"`
}

type limitWire struct {
	Maximum int32 `json:"maximum,omitempty"`
}

type floatLimitWire struct {
	Maximum float64 `json:"maximum,omitempty"`
	// problem is what is wrong with the maximum as sent; set on decoding.
	problem string
}

// UnmarshalJSON reads the maximum from its literal, so a seventh decimal
// is refused instead of rounded away by the double (limits are kept in
// millionths), and an exponent bomb never reaches strconv.
func (l *floatLimitWire) UnmarshalJSON(b []byte) error {
	var raw struct {
		Maximum json.RawMessage `json:"maximum"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return bodyError("spec.resource_limits", `each limit must be an object like {"maximum": 2.5}`)
		}
		return err
	}
	*l = floatLimitWire{}
	lit := string(bytes.TrimSpace(raw.Maximum))
	switch {
	case lit == "" || lit == "null":
		return nil
	case lit[0] == '"':
		l.problem = "must be a JSON number"
		return nil
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
	Rate  int32  `json:"rate,omitempty"`
	Burst int32  `json:"burst,omitempty"`
	Unit  string `json:"unit,omitempty"`
}

type quotaSpecWire struct {
	ObjectLimits   map[string]limitWire      `json:"object_limits,omitempty"`
	ResourceLimits map[string]floatLimitWire `json:"resource_limits,omitempty"`
	APILimits      map[string]rateLimitWire  `json:"api_limits,omitempty"`
}

type quotaCreateRequest struct {
	Metadata objectMeta    `json:"metadata"`
	Spec     quotaSpecWire `json:"spec"`
}

type quotaReplaceRequest struct {
	Metadata objectMeta    `json:"metadata"`
	Spec     quotaSpecWire `json:"spec"`
	// ResourceVersion is the proto's hidden field; the ETag of a GET.
	ResourceVersion string `json:"resource_version,omitempty"`
}

type quotaDeleteRequest struct {
	Namespace      string `json:"namespace,omitempty"`
	Name           string `json:"name,omitempty"`
	FailIfReferred bool   `json:"fail_if_referred,omitempty"`
}

type quotaObjectResponse struct {
	Metadata       *objectMeta          `json:"metadata,omitempty"`
	SystemMetadata *systemMeta          `json:"system_metadata,omitempty"`
	Spec           *quotaSpecWire       `json:"spec,omitempty"`
	CreateForm     *quotaCreateRequest  `json:"create_form,omitempty"`
	ReplaceForm    *quotaReplaceRequest `json:"replace_form,omitempty"`
}

type quotaListItem struct {
	Tenant         string            `json:"tenant,omitempty"`
	Namespace      string            `json:"namespace,omitempty"`
	Name           string            `json:"name,omitempty"`
	UID            string            `json:"uid,omitempty"`
	Description    string            `json:"description,omitempty"`
	Disabled       bool              `json:"disabled,omitempty"`
	Labels         map[string]string `json:"labels,omitempty"`
	Annotations    map[string]string `json:"annotations,omitempty"`
	Metadata       *objectMeta       `json:"metadata,omitempty"`
	SystemMetadata *systemMeta       `json:"system_metadata,omitempty"`
	GetSpec        *quotaSpecWire    `json:"get_spec,omitempty"`
}

type quotaListResponse struct {
	Items  []quotaListItem `json:"items"`
	Errors []struct{}      `json:"errors,omitempty"`
}

// Report item types (raw quota file: quotaQuotaUsageItemType and friends).
type usageWire struct {
	Current float64 `json:"current,omitempty"`
}

type intUsageWire struct {
	Current int32 `json:"current,omitempty"`
}

type reportItem struct {
	Limit       *floatLimitWire `json:"limit,omitempty"`
	Usage       *usageWire      `json:"usage,omitempty"`
	APILimit    *rateLimitWire  `json:"api_limit,omitempty"`
	DisplayName string          `json:"display_name,omitempty"`
	Description string          `json:"description,omitempty"`
}

type legacyQuotaItem struct {
	Limit       *limitWire    `json:"limit,omitempty"`
	Usage       *intUsageWire `json:"usage,omitempty"`
	DisplayName string        `json:"display_name,omitempty"`
	Description string        `json:"description,omitempty"`
}

type quotaReport struct {
	Objects         map[string]reportItem      `json:"objects,omitempty"`
	Resources       map[string]reportItem      `json:"resources,omitempty"`
	APIs            map[string]reportItem      `json:"apis,omitempty"`
	QuotaUsage      map[string]legacyQuotaItem `json:"quota_usage,omitempty"`
	FloatQuotaUsage map[string]reportItem      `json:"float_quota_usage,omitempty"`
	APILimits       map[string]rateLimitWire   `json:"api_limits,omitempty"`
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
		for k, v := range w.ObjectLimits {
			s.ObjectLimits[k] = quota.ObjectLimit{Maximum: v.Maximum}
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
		for k, v := range w.APILimits {
			s.APILimits[k] = quota.RateLimit{Rate: v.Rate, Burst: v.Burst, Unit: v.Unit}
		}
	}
	return s
}

func specToWire(s quota.Spec) *quotaSpecWire {
	w := &quotaSpecWire{}
	if len(s.ObjectLimits) > 0 {
		w.ObjectLimits = map[string]limitWire{}
		for k, v := range s.ObjectLimits {
			w.ObjectLimits[k] = limitWire{Maximum: v.Maximum}
		}
	}
	if len(s.ResourceLimits) > 0 {
		w.ResourceLimits = map[string]floatLimitWire{}
		for k, v := range s.ResourceLimits {
			w.ResourceLimits[k] = floatLimitWire{Maximum: v.Maximum}
		}
	}
	if len(s.APILimits) > 0 {
		w.APILimits = map[string]rateLimitWire{}
		for k, v := range s.APILimits {
			w.APILimits[k] = rateLimitWire{Rate: v.Rate, Burst: v.Burst, Unit: v.Unit}
		}
	}
	return w
}

func metaToWire(q quota.Quota) *objectMeta {
	return &objectMeta{Name: q.Name, Namespace: q.Namespace, Labels: q.Labels, Annotations: q.Annotations, Description: q.Description, Disable: q.Disable}
}

func sysMetaToWire(q quota.Quota, tenant string) *systemMeta {
	return &systemMeta{UID: q.UID, CreationTimestamp: ts(q.CreatedAt), ModificationTimestamp: ts(q.ModifiedAt),
		CreatorClass: q.CreatorClass, CreatorID: q.CreatorID, Tenant: tenant}
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
				ri.APILimit = &rateLimitWire{Rate: it.Rate.Rate, Burst: it.Rate.Burst, Unit: it.Rate.Unit}
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
					li.Limit.Maximum = int32(min(it.Max.Float64(), math.MaxInt32))
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
