package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/rest"
	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
)

// The callers of the authorization matrix. Every one but admin, editor and
// operator is refused or sees only its own tenant. "operator" is an
// operator token naming acme-corp (X-Billingd-Tenant); "operator-no-tenant"
// is one naming no tenant.
var matrixCallers = []string{"none", "malformed", "revoked", "foreign", "viewer", "editor-other-ns", "editor", "admin", "operator", "operator-no-tenant"}

// access is what an operation needs, which fixes the expected answer of
// every caller.
type access int

const (
	public         access = iota // no token needed
	nsRead                       // read in namespace prod; another tenant reads its own (empty) prod
	nsReadObj                    // read a seeded object of prod; another tenant gets 404
	nsWrite                      // write in prod; another tenant writes its own prod
	nsWriteObj                   // change a seeded object of prod; another tenant gets 404
	tenantRead                   // tenant-wide read
	tenantList                   // filtered to what the token may see: every token gets 200
	tenantAdmin                  // tenant-wide admin write
	tenantAdminObj               // admin write to a seeded tenant-wide object; another tenant gets 404
	operatorByID                 // an operator decision on an object found by a global id (no tenant needed)
	operatorTenant               // an operator decision on an object of the tenant the operator names
	anyCaller                    // any authenticated caller, operators naming no tenant too (who the caller is)
)

// want is the expected status of caller for an operation needing a.
func (a access) want(caller string) int {
	if a == public {
		return 200
	}
	switch caller {
	case "none", "malformed", "revoked":
		return 401
	}
	if a == anyCaller {
		return 200
	}
	switch caller {
	case "operator":
		return 200 // an admin of acme-corp, and the only one who decides
	case "operator-no-tenant":
		if a == operatorByID {
			return 200
		}
		return 400 // it must name the tenant it acts on
	}
	if a == operatorByID || a == operatorTenant {
		return 403 // no tenant token decides, not even its admin's
	}
	switch caller {
	case "foreign": // an admin of another tenant
		if a == nsReadObj || a == nsWriteObj || a == tenantAdminObj {
			return 404
		}
		return 200
	case "viewer":
		if a == nsRead || a == nsReadObj || a == tenantRead || a == tenantList {
			return 200
		}
		return 403
	case "editor-other-ns": // an editor bound to namespace other-ns
		if a == tenantList {
			return 200
		}
		return 403
	case "editor": // an editor bound to prod
		switch a {
		case nsRead, nsReadObj, nsWrite, nsWriteObj, tenantList:
			return 200
		}
		return 403
	}
	return 200 // admin
}

// outsider callers must never see the seeded objects of acme-corp's prod.
func outsider(caller string) bool {
	return caller != "viewer" && caller != "editor" && caller != "admin" && caller != "operator"
}

// matrix holds the tokens and seeded objects of one server.
type matrix struct {
	t          *testing.T
	s          *server
	tok        map[string]string
	secrets    []string
	transition string // a finished plan transition of acme-corp
	// hourlyQuery is the hourly breakdown token of acme-corp's usage in prod.
	hourlyQuery string
	seq         int
}

func (m *matrix) admin() string { return m.tok["admin"] }

// headers are the extra request headers of caller: the operator names
// acme-corp.
func (m *matrix) headers(caller string) []string {
	if caller == "operator" {
		return []string{"X-Billingd-Tenant", "acme-corp"}
	}
	return nil
}

func (m *matrix) seedQuota(prefix string) string {
	m.t.Helper()
	m.seq++
	name := fmt.Sprintf("%s-%d", prefix, m.seq)
	expect(m.t, m.s.do("POST", "/api/web/namespaces/prod/quotas", m.admin(), fmt.Sprintf(`{"metadata":{"name":%q}}`, name)), 200)
	return name
}

// seedPaymentMethod stores a NORMAL payment method in acme-corp.
func (m *matrix) seedPaymentMethod() string {
	m.t.Helper()
	m.seq++
	r := m.s.do("POST", "/api/web/namespaces/system/billing/payment_methods", m.admin(), fmt.Sprintf(`{"token":"acme-secret-card-%d"}`, m.seq))
	expect(m.t, r, 200)
	return r.JSON(m.t)["name"].(string)
}

type restRow struct {
	access access
	// lax rows only check that an allowed caller passes authorization (not
	// 401, 403 or 500; 404, 400 and 409 are fine): the object's state makes
	// a 200 impractical to set up. Refused callers are checked exactly.
	lax  bool
	last bool // changes tenant-wide state: run after the others
	// foreign overrides the status of another tenant's admin.
	foreign int
	req     func(m *matrix, caller string) (path string, body any)
}

// restMatrix has one row per REST route Name; a route without one fails
// TestAuthorizationMatrix.
var restMatrix = map[string]restRow{
	"ves.io.schema.quota.API.Create": {access: nsWrite, req: func(m *matrix, c string) (string, any) {
		return "/api/web/namespaces/prod/quotas", fmt.Sprintf(`{"metadata":{"name":"mx-new-%s"}}`, c)
	}},
	"ves.io.schema.quota.API.Replace": {access: nsWriteObj, req: func(m *matrix, c string) (string, any) {
		n := m.seedQuota("acme-secret-rep")
		return "/api/web/namespaces/prod/quotas/" + n, fmt.Sprintf(`{"metadata":{"name":%q},"spec":{}}`, n)
	}},
	"ves.io.schema.quota.CustomAPI.CustomGetQuotaLimits": {access: nsRead, req: get("/api/web/namespaces/prod/quota/limits")},
	"ves.io.schema.quota.CustomAPI.GetQuotaUsage":        {access: nsRead, req: get("/api/web/namespaces/prod/quota/usage")},
	"ves.io.schema.quota.API.List":                       {access: nsRead, req: get("/api/web/namespaces/prod/quotas")},
	"ves.io.schema.quota.API.Get":                        {access: nsReadObj, req: get("/api/web/namespaces/prod/quotas/acme-secret-quota")},
	"ves.io.schema.quota.API.Delete": {access: nsWriteObj, req: func(m *matrix, c string) (string, any) {
		return "/api/web/namespaces/prod/quotas/" + m.seedQuota("acme-secret-del"), nil
	}},
	"ves.io.schema.billing.CustomPublicAPI.BillingUsageSummary":     {access: tenantRead, req: post("/api/data/namespaces/system/billing/usage_summary", nil)},
	"ves.io.schema.usage.CustomCalculatedUsageAPI.ListCurrentUsage": {access: nsRead, req: post("/api/web/namespaces/prod/current_usage", nil)},
	// The breakdown token is bound to acme-corp: to another tenant it is
	// exactly like a made-up token, INVALID_ARGUMENT (400), and says nothing.
	"ves.io.schema.usage.CustomAggregatedUsageAPI.ListHourlyUsageDetails": {access: nsReadObj, foreign: 400, req: func(m *matrix, c string) (string, any) {
		return "/api/web/namespaces/prod/hourly_usage_details", map[string]string{"namespace": "prod", "query": m.hourlyQuery}
	}},
	"ves.io.schema.usage.CustomCalculatedUsageAPI.ListMonthlyUsage":             {access: nsRead, req: post("/api/web/namespaces/prod/monthly_usage", nil)},
	"ves.io.schema.usage.CustomAggregatedUsageAPI.ListUsageDetails":             {access: nsRead, req: post("/api/web/namespaces/prod/usage_details", nil)},
	"ves.io.schema.usage.plan.CustomAPI.GetCurrentPlan":                         {access: tenantRead, req: get("/api/web/namespaces/system/usage_plans/current")},
	"ves.io.schema.usage.plan.CustomAPI.ListUsagePlans":                         {access: tenantRead, req: get("/api/web/namespaces/system/usage_plans/custom_list")},
	"ves.io.schema.billing.payment_method.CustomAPI.MakePaymentMethodPrimary":   {access: tenantAdminObj, req: pmRole("primary")},
	"ves.io.schema.billing.payment_method.CustomAPI.MakePaymentMethodSecondary": {access: tenantAdminObj, req: pmRole("secondary")},
	"ves.io.schema.billing.payment_method.CustomAPI.SwapPaymentMethodRole":      {access: tenantAdminObj, req: pmRole("swap-primary")},
	"ves.io.schema.billing.payment_method.CustomAPI.Create": {access: tenantAdmin, req: func(m *matrix, c string) (string, any) {
		return "/api/web/namespaces/system/billing/payment_methods", fmt.Sprintf(`{"token":"mx-tok-%s"}`, c)
	}},
	"ves.io.schema.billing.payment_method.CustomAPI.Delete": {access: tenantAdminObj, req: func(m *matrix, c string) (string, any) {
		return "/api/web/namespaces/system/billing/payment_methods/" + m.seedPaymentMethod(), nil
	}},
	"ves.io.schema.billing.plan_transition.CustomAPI.GetPlanTransition": {access: public, req: func(m *matrix, c string) (string, any) {
		return "/no_auth/namespaces/system/billing/plan_transition?id=" + url.QueryEscape(m.transition), nil
	}},
	// Moving to the free plan needs no payload; it runs last because the
	// free plan forbids add-ons.
	"ves.io.schema.billing.plan_transition.CustomAPI.InitiatePlanTransition": {access: tenantAdmin, last: true, lax: true, req: post("/api/web/namespaces/system/billing/plan_transition", `{"new_plan":"free"}`)},
	"ves.io.schema.usage.subscription.CustomAPI.ListSubscriptions":           {access: tenantRead, req: get("/api/web/namespaces/system/subscriptions/custom_list")},
	"ves.io.schema.subscription.CustomAPI.Subscribe":                         {access: tenantAdmin, req: post("/api/web/namespaces/system/addon/subscribe", `{"f5xc_content_delivery_network_standard":{}}`)},
	"ves.io.schema.subscription.CustomAPI.Unsubscribe":                       {access: tenantAdmin, req: post("/api/web/namespaces/system/addon/unsubscribe", `{"f5xc_content_delivery_network_standard":{}}`)},
	"ves.io.schema.usage.invoice.CustomAPI.ListInvoices":                     {access: tenantRead, req: get("/api/web/namespaces/system/usage/invoices/custom_list")},
	// No invoice is issued yet: allowed callers get past authorization to
	// NOT_FOUND, which lax rows accept.
	"ves.io.schema.usage.invoice.CustomAPI.DownloadInvoicePdf": {access: tenantRead, lax: true, req: get("/api/web/namespaces/system/usage/invoice_pdf?name=inv-000001")},
	"billingd.quota.Reserve":                                   {access: nsWrite, req: post("/api/web/namespaces/prod/quota/reserve", `{"objects":{"http_loadbalancer":1}}`)},
	// Every token lists what it may see: a namespace-bound one only its namespace.
	"ves.io.schema.namespace.API.List": {access: tenantList, req: get("/api/web/namespaces")},
	// The namespace rows come after the quota rows, where another tenant's
	// admin already wrote in its own prod: it reads that, not acme's (a
	// namespace a tenant never used is 404, TestNamespaces).
	"ves.io.schema.namespace.API.Get": {access: nsRead, req: get("/api/web/namespaces/prod")},
	"billingd.usage.Ingest": {access: nsWrite, req: func(m *matrix, c string) (string, any) {
		return "/api/web/namespaces/prod/usage/events", []any{event("mx-ev-"+c, "http_requests", "request", "1", m.s.now().Add(-time.Minute))}
	}},
}

func get(path string) func(*matrix, string) (string, any) {
	return func(*matrix, string) (string, any) { return path, nil }
}

func post(path string, body any) func(*matrix, string) (string, any) {
	return func(*matrix, string) (string, any) { return path, body }
}

func pmRole(op string) func(*matrix, string) (string, any) {
	return func(m *matrix, c string) (string, any) {
		return "/api/web/namespaces/system/billing/payment_method/" + m.seedPaymentMethod() + "/" + op, ""
	}
}

type gqlRow struct {
	access access
	lax    bool
	last   bool
	query  func(m *matrix, caller string) string
}

func q(s string) func(*matrix, string) string { return func(*matrix, string) string { return s } }

// gqlMatrix has one row per Query and Mutation field ("Query.x",
// "Mutation.y"); a field without one fails TestAuthorizationMatrix.
var gqlMatrix = map[string]gqlRow{
	"Query.namespaces":     {access: tenantList, query: q(`{ namespaces(first: 100) { edges { node { name quotas { edges { node { name uid } } } } } } }`)},
	"Query.namespace":      {access: nsRead, query: q(`{ namespace(name: "prod") { name quota(name: "acme-secret-quota") { name uid } quotas { edges { node { name uid } } } quotaUsage { objects { key current } } } }`)},
	"Query.plans":          {access: tenantRead, query: q(`{ plans { name } }`)},
	"Query.currentPlan":    {access: tenantRead, query: q(`{ currentPlan { name } }`)},
	"Query.monthlyUsage":   {access: nsRead, query: q(`{ monthlyUsage(namespace: "prod") { __typename } }`)},
	"Query.usageSummary":   {access: tenantRead, query: q(`{ usageSummary { __typename } }`)},
	"Query.paymentMethods": {access: tenantRead, query: q(`{ paymentMethods { name token } }`)},
	"Query.planTransition": {access: tenantRead, query: func(m *matrix, _ string) string {
		return fmt.Sprintf(`{ planTransition(id: %q) { id state targetPlan } }`, m.transition)
	}},
	"Query.subscriptions": {access: tenantRead, query: q(`{ subscriptions { __typename } }`)},
	"Query.invoices":      {access: tenantRead, query: q(`{ invoices(first: 5) { __typename } }`)},
	"Query.auditLog":      {access: tenantAdmin, query: q(`{ auditLog(first: 5) { edges { node { action } } } }`)},
	"Query.viewer":        {access: anyCaller, query: q(`{ viewer { tenant role namespace capabilities } }`)},
	// The id of namespace prod: another tenant's own prod (never used) is null.
	"Query.node": {access: nsRead, query: q(`{ node(id: "` + base64.RawURLEncoding.EncodeToString([]byte("Namespace:prod")) +
		`") { id ... on Namespace { name quota(name: "acme-secret-quota") { name uid } } } }`)},
	"Query.addons":          {access: tenantRead, query: q(`{ addons { name subscribed } }`)},
	"Query.planTransitions": {access: tenantRead, query: q(`{ planTransitions { id transitionId state targetPlan } }`)},
	"Query.invoice":         {access: tenantRead, query: q(`{ invoice(name: "inv-000001") { name } }`)},
	"Query.usageSeries": {access: nsRead, query: func(m *matrix, _ string) string {
		return fmt.Sprintf(`{ usageSeries(from: %q, to: %q, granularity: DAY, groupBy: [OBJECT], filter: {namespaces: ["prod"]}) { buckets { points { objectName quantity } } } }`,
			m.s.now().AddDate(0, 0, -2).Format(time.RFC3339), m.s.now().Format(time.RFC3339))
	}},
	"Query.costSeries": {access: nsRead, query: func(m *matrix, _ string) string {
		return fmt.Sprintf(`{ costSeries(from: %q, to: %q, granularity: DAY, filter: {namespaces: ["prod"]}) { buckets { totalCents } } }`,
			m.s.now().AddDate(0, 0, -2).Format(time.RFC3339), m.s.now().Format(time.RFC3339))
	}},
	"Query.forecast": {access: nsRead, query: q(`{ forecast(namespace: "prod") { toDateCents projectedCents } }`)},
	"Mutation.createQuota": {access: nsWrite, query: func(m *matrix, c string) string {
		return fmt.Sprintf(`mutation { createQuota(input: {namespace: "prod", name: "gq-new-%s", spec: {}}) { quota { name } %s } }`, c, gqlUE)
	}},
	"Mutation.replaceQuota": {access: nsWriteObj, query: func(m *matrix, c string) string {
		return fmt.Sprintf(`mutation { replaceQuota(input: {namespace: "prod", name: %q, spec: {}}) { quota { name } %s } }`, m.seedQuota("acme-secret-gqrep"), gqlUE)
	}},
	"Mutation.deleteQuota": {access: nsWriteObj, query: func(m *matrix, c string) string {
		return fmt.Sprintf(`mutation { deleteQuota(namespace: "prod", name: %q) { deletedId %s } }`, m.seedQuota("acme-secret-gqdel"), gqlUE)
	}},
	"Mutation.reserveQuota": {access: nsWrite, query: q(`mutation { reserveQuota(input: {namespace: "prod", objects: [{key: "http_loadbalancer", amount: "1"}]}) { result { replayed } ` + gqlUE + ` } }`)},
	"Mutation.recordUsage": {access: nsWrite, query: func(m *matrix, c string) string {
		return fmt.Sprintf(`mutation { recordUsage(namespace: "prod", events: [{id: "gq-ev-%s", usageType: "http_requests", objectName: "lb", quantity: "1", unit: "request", timestamp: %q}]) { result { accepted } %s } }`,
			c, m.s.now().Add(-time.Minute).Format(time.RFC3339), gqlUE)
	}},
	"Mutation.createPaymentMethod": {access: tenantAdmin, query: func(m *matrix, c string) string {
		return fmt.Sprintf(`mutation { createPaymentMethod(input: {token: "gq-tok-%s"}) { paymentMethod { name } %s } }`, c, gqlUE)
	}},
	"Mutation.makePaymentMethodPrimary":   {access: tenantAdminObj, query: gqlPM("makePaymentMethodPrimary", "{ paymentMethod { name } "+gqlUE+" }")},
	"Mutation.makePaymentMethodSecondary": {access: tenantAdminObj, query: gqlPM("makePaymentMethodSecondary", "{ paymentMethod { name } "+gqlUE+" }")},
	"Mutation.swapPaymentMethodRole":      {access: tenantAdminObj, query: gqlPM("swapPaymentMethodRole", "{ paymentMethod { name } "+gqlUE+" }")},
	"Mutation.deletePaymentMethod":        {access: tenantAdminObj, query: gqlPM("deletePaymentMethod", "{ deletedId "+gqlUE+" }")},
	"Mutation.initiatePlanTransition":     {access: tenantAdmin, last: true, lax: true, query: q(`mutation { initiatePlanTransition(input: {newPlan: "free"}) { planTransition { state } ` + gqlUE + ` } }`)},
	// The seeded transition is finished: an allowed caller gets CONFLICT.
	"Mutation.approvePlanTransition": {access: operatorByID, lax: true, query: func(m *matrix, _ string) string {
		return fmt.Sprintf(`mutation { approvePlanTransition(id: %q) { planTransition { state } %s } }`, m.transition, gqlUE)
	}},
	"Mutation.rejectPlanTransition": {access: operatorByID, lax: true, query: func(m *matrix, _ string) string {
		return fmt.Sprintf(`mutation { rejectPlanTransition(id: %q) { planTransition { state } %s } }`, m.transition, gqlUE)
	}},
	"Mutation.subscribeAddon":   {access: tenantAdmin, query: q(`mutation { subscribeAddon(name: "f5xc_content_delivery_network_standard") { subscriptions { name } ` + gqlUE + ` } }`)},
	"Mutation.unsubscribeAddon": {access: tenantAdmin, query: q(`mutation { unsubscribeAddon(name: "f5xc_content_delivery_network_standard") { subscriptions { name } ` + gqlUE + ` } }`)},
	// No invoice is seeded: an allowed caller gets past authorization to NOT_FOUND
	// or CONFLICT, which lax rows accept for allowed callers only.
	"Mutation.setInvoiceStatus": {access: operatorTenant, lax: true, query: q(`mutation { setInvoiceStatus(name: "inv-000001", status: PAID) { invoice { name } ` + gqlUE + ` } }`)},
}

// gqlUE selects a mutation payload's user errors, which gqlStatus reads.
const gqlUE = `userErrors { field message code }`

func gqlPM(field, sel string) func(*matrix, string) string {
	return func(m *matrix, _ string) string {
		return fmt.Sprintf(`mutation { %s(name: %q) %s }`, field, m.seedPaymentMethod(), sel)
	}
}

// gqlStatus turns a GraphQL answer into the status REST would give.
func gqlStatus(t *testing.T, r response) int {
	t.Helper()
	if r.Status != 200 {
		return r.Status
	}
	var body struct {
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
		Data map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("GraphQL answer is not JSON: %v\n%s", err, r.Body)
	}
	code := ""
	if len(body.Errors) > 0 {
		code = body.Errors[0].Extensions.Code
	}
	// A mutation answers what the caller got wrong as its payload's user
	// errors, with the same codes.
	for _, raw := range body.Data {
		var p struct {
			UserErrors []struct{ Code string } `json:"userErrors"`
		}
		if code == "" && json.Unmarshal(raw, &p) == nil && len(p.UserErrors) > 0 {
			code = p.UserErrors[0].Code
		}
	}
	if code == "" {
		return 200
	}
	switch c := code; c {
	case "UNAUTHENTICATED":
		return 401
	case "FORBIDDEN":
		return 403
	case "NOT_FOUND":
		return 404
	case "CONFLICT":
		return 409
	case "INVALID_ARGUMENT", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED":
		return 400
	default:
		return 500
	}
}

// sentName matches the seeded names a request may carry.
var sentName = regexp.MustCompile(`acme-secret-[a-z0-9-]+`)

var revokedID = regexp.MustCompile(`token (\S+) for tenant`)

// TestAuthorizationMatrix calls every REST route and every GraphQL query and
// mutation field with each caller and checks the status and that outsiders
// never see acme-corp's objects.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	// Fail fast when a route or field has no row.
	var missing []string
	for _, rt := range rest.Routes() {
		if _, ok := restMatrix[rt.Name]; !ok {
			missing = append(missing, "REST "+rt.Name+" ("+rt.Method+" "+rt.Path+")")
		}
	}
	if len(missing) > 0 {
		t.Fatalf("routes without an authorization matrix row in restMatrix: %v", missing)
	}
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			s := startOn(t, storetest.URL(t, d), "--auth-cache-ttl", "0", "--rate-limit", "0")
			runMatrix(t, s)
		})
	}
	// The calendar-sensitive rows (usage, reports, hourly tokens) at the
	// boundary instants too, on SQLite: the rules are the same on both
	// databases and the wall-clock runs above cover PostgreSQL.
	for _, at := range boundaryInstants() {
		t.Run("sqlite@"+at.Format("2006-01-02T15:04Z"), func(t *testing.T) {
			t.Parallel()
			s := startOnAt(t, storetest.URL(t, store.SQLite), at, "--auth-cache-ttl", "0", "--rate-limit", "0")
			runMatrix(t, s)
		})
	}
}

func runMatrix(t *testing.T, s *server) {
	m := &matrix{t: t, s: s, tok: map[string]string{}}
	m.tok["admin"] = token(t, s.dbURL, "acme-corp", "admin", "")
	m.tok["viewer"] = token(t, s.dbURL, "acme-corp", "viewer", "")
	m.tok["editor"] = token(t, s.dbURL, "acme-corp", "editor", "prod")
	m.tok["editor-other-ns"] = token(t, s.dbURL, "acme-corp", "editor", "other-ns")
	m.tok["foreign"] = token(t, s.dbURL, "globex", "admin", "")
	m.tok["malformed"] = "not-a-token"
	out := billingd(t, s.dbURL, "token", "create", "--operator")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	m.tok["operator"] = lines[len(lines)-1]
	m.tok["operator-no-tenant"] = m.tok["operator"]
	out = billingd(t, s.dbURL, "token", "create", "--tenant", "acme-corp", "--role", "admin")
	lines = strings.Split(strings.TrimSpace(out), "\n")
	m.tok["revoked"] = lines[len(lines)-1]
	id := revokedID.FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("no token id in %q", out)
	}
	billingd(t, s.dbURL, "token", "revoke", "--tenant", "acme-corp", "--id", id[1])

	// Seed acme-corp: a quota and usage in prod, payment methods, and a
	// finished transition to the individual plan (which allows add-ons).
	r := s.do("POST", "/api/web/namespaces/prod/quotas", m.admin(), `{"metadata":{"name":"acme-secret-quota","labels":{"owner":"acme-secret-team"}},"spec":{"object_limits":{"http_loadbalancer":{"maximum":50}}}}`)
	expect(t, r, 200)
	m.secrets = []string{"acme-secret", "acme-corp"}
	if u := regexp.MustCompile(`"uid":"([^"]+)"`).FindStringSubmatch(string(r.Body)); u != nil {
		m.secrets = append(m.secrets, u[1])
	}
	expect(t, s.do("POST", "/api/web/namespaces/prod/usage/events", m.admin(),
		// A minute ago: in the running month, which usage_details covers by
		// default, even 5 minutes after a month starts.
		[]any{event("acme-secret-ev", "http_requests", "request", "7", s.now().Add(-time.Minute))}), 200)
	for range 5 {
		m.seedPaymentMethod()
	}
	r = s.do("POST", "/api/web/namespaces/prod/usage_details", m.admin(), nil)
	expect(t, r, 200)
	var details struct {
		Items []struct {
			Query string `json:"hourly_breakdown_query"`
		} `json:"usage_items"`
	}
	if err := json.Unmarshal(r.Body, &details); err != nil || len(details.Items) == 0 || details.Items[0].Query == "" {
		t.Fatalf("no hourly breakdown token in usage_details (%v): %s", err, r.Body)
	}
	m.hourlyQuery = details.Items[0].Query
	r = s.do("POST", "/api/web/namespaces/system/billing/plan_transition", m.admin(), `{"new_plan":"individual","payload":{"payment_provider_token":"acme-secret-pp"}}`)
	expect(t, r, 200)
	m.transition, _ = r.JSON(t)["id"].(string)
	if m.transition == "" {
		t.Fatalf("no transition id: %s", r.Body)
	}
	putOnPlan(t, s, m.tok["foreign"], "individual")

	// GraphQL fields, from the served schema.
	r = s.do("POST", "/graphql", m.admin(), `{"query":"{ __schema { queryType { fields { name } } mutationType { fields { name } } } }"}`, "Content-Type", "application/json")
	expect(t, r, 200)
	var schema struct {
		Data struct {
			Schema struct {
				QueryType    struct{ Fields []struct{ Name string } }
				MutationType struct{ Fields []struct{ Name string } }
			} `json:"__schema"`
		}
	}
	if err := json.Unmarshal(r.Body, &schema); err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, f := range schema.Data.Schema.QueryType.Fields {
		fields = append(fields, "Query."+f.Name)
	}
	for _, f := range schema.Data.Schema.MutationType.Fields {
		fields = append(fields, "Mutation."+f.Name)
	}
	for _, f := range fields {
		if _, ok := gqlMatrix[f]; !ok {
			missing := f
			t.Errorf("GraphQL field %s has no authorization matrix row in gqlMatrix", missing)
		}
	}

	type op struct {
		name string
		// run returns the answer and what was sent (path, body or query).
		run     func(caller string) (status int, body []byte, sent string)
		acc     access
		lax     bool
		last    bool
		foreign int
	}
	var ops []op
	routes := rest.Routes()
	sort.SliceStable(routes, func(i, j int) bool { return !restMatrix[routes[i].Name].last && restMatrix[routes[j].Name].last })
	for _, rt := range routes {
		row := restMatrix[rt.Name]
		ops = append(ops, op{name: "REST " + rt.Name, acc: row.access, lax: row.lax, last: row.last, foreign: row.foreign, run: func(c string) (int, []byte, string) {
			path, body := row.req(m, c)
			resp := s.do(rt.Method, path, m.tok[c], body, m.headers(c)...)
			return resp.Status, resp.Body, fmt.Sprint(path, body)
		}})
	}
	for _, f := range fields {
		row, ok := gqlMatrix[f]
		if !ok {
			continue
		}
		ops = append(ops, op{name: "GraphQL " + f, acc: row.access, lax: row.lax, last: row.last, run: func(c string) (int, []byte, string) {
			query := row.query(m, c)
			b, _ := json.Marshal(map[string]string{"query": query})
			resp := s.do("POST", "/graphql", m.tok[c], b, append(m.headers(c), "Content-Type", "application/json")...)
			return gqlStatus(t, resp), resp.Body, query
		}})
	}
	// Operations that change tenant-wide state (the plan) go last.
	sort.SliceStable(ops, func(i, j int) bool { return !ops[i].last && ops[j].last })

	cells := 0
	for _, o := range ops {
		for _, c := range matrixCallers {
			cells++
			want := o.acc.want(c)
			if c == "foreign" && o.foreign != 0 {
				want = o.foreign
			}
			got, body, sent := o.run(c)
			ok := got == want
			if o.lax && want == 200 {
				ok = !slices.Contains([]int{401, 403, 500}, got)
			}
			if !ok {
				t.Errorf("%s as %s: status %d, want %d: %s", o.name, c, got, want, trim(body))
			}
			if outsider(c) {
				// An error may name what the caller asked for; that is
				// not a leak, so those names are taken out first.
				seen := string(body)
				for _, n := range sentName.FindAllString(sent, -1) {
					seen = strings.ReplaceAll(seen, n, "")
				}
				for _, sec := range m.secrets {
					// editor-other-ns is acme-corp's own token: its
					// tenant's name (the namespace list's "tenant") is no
					// secret to it; prod's objects are.
					if c == "editor-other-ns" && sec == "acme-corp" {
						continue
					}
					if strings.Contains(seen, sec) {
						t.Errorf("%s as %s leaks %q: %s", o.name, c, sec, trim(body))
					}
				}
			}
		}
	}
	t.Logf("authorization matrix: %d operations × %d callers = %d cells", len(ops), len(matrixCallers), cells)
}

func trim(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}
