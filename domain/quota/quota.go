// Package quota is the bounded context of namespace quotas: quota objects
// (limits), the effective limits of a namespace, usage counters and the
// all-or-nothing reservation that enforces them.
package quota

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/text"
)

// Class is one of the three families of quota keys.
type Class string

// The classes, named after the keys of the quota report maps.
const (
	Objects   Class = "objects"
	Resources Class = "resources"
	APIs      Class = "apis"
)

// ObjectLimit caps how many objects of a kind may exist.
type ObjectLimit struct{ Maximum int32 }

// ResourceLimit caps an amount of a resource, in the resource's unit.
type ResourceLimit struct{ Maximum float64 }

// RateLimit is a token bucket: Rate tokens per Unit, up to Burst at once.
type RateLimit struct {
	Rate  int32
	Burst int32
	Unit  string
}

// Spec is the three limit maps of a quota object (and of a plan's default quota).
type Spec struct {
	ObjectLimits   map[string]ObjectLimit
	ResourceLimits map[string]ResourceLimit
	APILimits      map[string]RateLimit
}

// Quota is a stored quota object.
type Quota struct {
	TenantID        string
	Namespace       string
	Name            string
	UID             string
	Labels          map[string]string
	Annotations     map[string]string
	Description     string
	Disable         bool
	Spec            Spec
	ResourceVersion int64
	CreatedAt       time.Time
	ModifiedAt      time.Time
	CreatorClass    string
	CreatorID       string
}

var keyPattern = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9-._]*[a-zA-Z0-9])?$`)

// unitPeriods are the accepted rate-limit units. F5 documents "per-second";
// the others follow the same pattern, and the rate_limiter enum names are
// accepted too so plan catalogs can reuse them.
var unitPeriods = map[string]time.Duration{
	"per-second": time.Second, "second": time.Second, "SECOND": time.Second,
	"per-minute": time.Minute, "minute": time.Minute, "MINUTE": time.Minute,
	"per-hour": time.Hour, "hour": time.Hour, "HOUR": time.Hour,
	"per-day": 24 * time.Hour, "day": 24 * time.Hour, "DAY": 24 * time.Hour,
}

// Period returns the length of one rate-limit unit.
func (r RateLimit) Period() time.Duration {
	if d, ok := unitPeriods[r.Unit]; ok {
		return d
	}
	return time.Second
}

// validKey reports whether a map key follows the upstream key rule.
func validKey(k string) bool { return len(k) <= 512 && keyPattern.MatchString(k) }

// The caps on the maps of a quota object. Each key is a row of every
// effective-limit computation and of every report, so an object with
// thousands of them would slow every reservation of its namespace.
const (
	// MaxLimitKeys caps each of object_limits, resource_limits and
	// api_limits of one spec.
	MaxLimitKeys = 256
	// MaxLabels caps metadata.labels.
	MaxLabels = 64
	// MaxAnnotations caps metadata.annotations.
	MaxAnnotations = 64
)

// Validate reports every bad limit; prefix is the JSON path of the spec.
func (s Spec) Validate(prefix string, f *errs.Fields) {
	tooMany := false
	for _, m := range []struct {
		field string
		n     int
	}{{"object_limits", len(s.ObjectLimits)}, {"resource_limits", len(s.ResourceLimits)}, {"api_limits", len(s.APILimits)}} {
		if m.n > MaxLimitKeys {
			f.Add(prefix+"."+m.field, "has %d keys; at most %d are allowed", m.n, MaxLimitKeys)
			tooMany = true
		}
	}
	if tooMany {
		// One line per map, not one per key of a map that is refused anyway.
		return
	}
	for _, k := range sortedKeys(s.ObjectLimits) {
		p := fmt.Sprintf("%s.object_limits[%q]", prefix, k)
		if !validKey(k) {
			f.Add(p, "key must be 1-512 characters matching ^[a-zA-Z][a-zA-Z0-9-._]*[a-zA-Z0-9]$")
		}
		if s.ObjectLimits[k].Maximum < 0 {
			f.Add(p+".maximum", "must not be negative")
		}
	}
	for _, k := range sortedKeys(s.ResourceLimits) {
		p := fmt.Sprintf("%s.resource_limits[%q]", prefix, k)
		if !validKey(k) {
			f.Add(p, "key must be 1-512 characters matching ^[a-zA-Z][a-zA-Z0-9-._]*[a-zA-Z0-9]$")
		}
		m := s.ResourceLimits[k].Maximum
		switch {
		case math.IsNaN(m) || math.IsInf(m, 0):
			f.Add(p+".maximum", "must be a finite number")
		case m < 0:
			f.Add(p+".maximum", "must not be negative")
		case m > MaxAmount:
			f.Add(p+".maximum", "must be at most %g", float64(MaxAmount))
		case subMillionth(m):
			f.Add(p+".maximum", "has more than 6 decimals; limits are kept in millionths")
		}
	}
	for _, k := range sortedKeys(s.APILimits) {
		p := fmt.Sprintf("%s.api_limits[%q]", prefix, k)
		if !validKey(k) {
			f.Add(p, "key must be 1-512 characters matching ^[a-zA-Z][a-zA-Z0-9-._]*[a-zA-Z0-9]$")
		}
		l := s.APILimits[k]
		if l.Rate < 0 {
			f.Add(p+".rate", "must not be negative")
		}
		if l.Burst < 0 {
			f.Add(p+".burst", "must not be negative")
		}
		if l.Unit != "" {
			if _, ok := unitPeriods[l.Unit]; !ok {
				f.Add(p+".unit", "must be one of per-second, per-minute, per-hour, per-day")
			}
		}
	}
}

// ValidateMeta checks the metadata rules shared by create and replace.
func ValidateMeta(name, ns, description string, labels, annotations map[string]string, f *errs.Fields) {
	if name == "" {
		f.Add("metadata.name", "is required")
	} else if !tenancy.ValidName(name) {
		f.Add("metadata.name", "must be a DNS-1035 label (lower case letters, digits and '-', starting with a letter, at most 63 characters)")
	}
	if !tenancy.ValidName(ns) {
		f.Add("metadata.namespace", "must be a DNS-1035 label")
	}
	if len(description) > 1200 {
		f.Add("metadata.description", "must be at most 1200 bytes")
	}
	text.Check(f, "metadata.description", description)
	if len(labels) > MaxLabels {
		f.Add("metadata.labels", "has %d labels; at most %d are allowed", len(labels), MaxLabels)
		labels = nil
	}
	if len(annotations) > MaxAnnotations {
		f.Add("metadata.annotations", "has %d annotations; at most %d are allowed", len(annotations), MaxAnnotations)
		annotations = nil
	}
	text.CheckMap(f, "metadata.labels", labels)
	text.CheckMap(f, "metadata.annotations", annotations)
	for _, k := range sortedKeys(labels) {
		if !validLabelKey(k) {
			f.Add(fmt.Sprintf("metadata.labels[%q]", k), "key must be 1-63 characters of letters, digits, '-', '_', '.' or '/', starting and ending with a letter or digit")
		}
		if len(labels[k]) > 63 {
			f.Add(fmt.Sprintf("metadata.labels[%q]", k), "value must be at most 63 characters")
		}
	}
	for _, k := range sortedKeys(annotations) {
		if len(k) < 1 || len(k) > 64 {
			f.Add(fmt.Sprintf("metadata.annotations[%q]", k), "key must be 1-64 characters")
		}
		if len(annotations[k]) < 1 || len(annotations[k]) > 1024 {
			f.Add(fmt.Sprintf("metadata.annotations[%q]", k), "value must be 1-1024 characters")
		}
	}
}

var labelKeyPattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._/-]{0,251}[A-Za-z0-9])?$`)

func validLabelKey(k string) bool { return labelKeyPattern.MatchString(k) }

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// displayNames are the names the legacy reports show for well-known keys.
var displayNames = map[string]string{
	"http_loadbalancer":   "HTTP Load Balancer",
	"tcp_loadbalancer":    "TCP Load Balancer",
	"origin_pool":         "Origin Pool",
	"virtual_host":        "Virtual Host",
	"healthcheck":         "Health Check",
	"app_firewall":        "Application Firewall",
	"service_policy":      "Service Policy",
	"namespace":           "Namespace",
	"user":                "User",
	"api_credential":      "API Credential",
	"dns_zone":            "DNS Zone",
	"vcpu":                "vCPU",
	"memory":              "Memory",
	"storage":             "Storage",
	"advertise_policy":    "Advertise Policy",
	"virtual_network":     "Virtual Network",
	"network_policy":      "Network Policy",
	"cloud_credentials":   "Cloud Credentials",
	"aws_vpc_site":        "AWS VPC Site",
	"securemesh_site":     "Secure Mesh Site",
	"certificate":         "Certificate",
	"rate_limiter_policy": "Rate Limiter Policy",
}

// DisplayName is the human name of a quota key: a known name, or the key with
// underscores as spaces and each word capitalised. API keys (RPC names) are
// shown as they are.
func DisplayName(c Class, key string) string {
	if n, ok := displayNames[key]; ok {
		return n
	}
	if c == APIs {
		return key
	}
	words := strings.FieldsFunc(key, func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}
