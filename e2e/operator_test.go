package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
)

var operatorTokenID = regexp.MustCompile(`created operator token (\S+);`)

// TestOperatorDecisions checks that approving a plan transition and marking
// an invoice paid are operator decisions over GraphQL: the tenant's admin is
// refused, an operator token decides (naming the tenant with
// X-Billingd-Tenant when the object is the tenant's), and the operator token
// is listed, revoked and then refused like any token.
func TestOperatorDecisions(t *testing.T) {
	t.Parallel()
	s := startOn(t, storetest.URL(t, store.SQLite), "--no-invoice-scheduler", "--rate-limit", "0", "--auth-cache-ttl", "0")
	now := s.now()
	m0 := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	prev := m0.AddDate(0, -1, 0)

	admin := token(t, s.dbURL, "acme", "admin", "")
	globex := token(t, s.dbURL, "globex", "admin", "")
	out := billingd(t, s.dbURL, "token", "create", "--operator")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	op := lines[len(lines)-1]
	m := operatorTokenID.FindStringSubmatch(out)
	if m == nil || !strings.HasPrefix(op, "bdo_") {
		t.Fatalf("token create --operator printed %q", out)
	}
	opID := m[1]
	if out, err := billingdErr(s.dbURL, "token", "create", "--operator", "--tenant", "acme"); err == nil || !strings.Contains(out, "no tenant") {
		t.Fatalf("--operator with --tenant: %v %s", err, out)
	}

	gql := func(tok, query string, headers ...string) response {
		t.Helper()
		return s.do("POST", "/graphql", tok, gqlBody(query), append(headers, "Content-Type", "application/json")...)
	}
	wantGQL := func(r response, code, msgPart string) {
		t.Helper()
		c, msg := gqlError(t, r)
		if c != code || !strings.Contains(msg, msgPart) {
			t.Fatalf("want %s with %q, got %s %q", code, msgPart, c, msg)
		}
	}

	// A transition that needs manual approval: team -> organization.
	var r response
	putOnPlan(t, s, admin, "team")
	r = s.do("POST", "/api/web/namespaces/system/billing/plan_transition", admin, `{"new_plan":"organization"}`)
	expect(t, r, 200)
	id, _ := r.JSON(t)["id"].(string)
	approve := `mutation { approvePlanTransition(id: "` + id + `") { planTransition { state decidedBy } userErrors { field message code } } }`
	// The tenant's own admin cannot approve its own move, nor another
	// tenant's admin, nor a tenant token naming another tenant.
	wantGQL(gql(admin, approve), "FORBIDDEN", "operator decision")
	wantGQL(gql(globex, approve), "FORBIDDEN", "operator decision")
	// The header is checked with the token, before GraphQL: a tenant token
	// naming another tenant, an unknown tenant or the header twice are
	// HTTP errors like a bad token.
	r = gql(admin, approve, "X-Billingd-Tenant", "globex")
	if expect(t, r, 403); !strings.Contains(string(r.Body), "only operator tokens") {
		t.Fatalf("403 must say why: %s", r.Body)
	}
	if r = gql(op, approve, "X-Billingd-Tenant", "initech"); r.Status != 404 || !strings.Contains(string(r.Body), "initech") {
		t.Fatalf("unknown tenant: %d %s", r.Status, r.Body)
	}
	// An operator naming another tenant does not find the transition.
	wantGQL(gql(op, approve, "X-Billingd-Tenant", "globex"), "NOT_FOUND", id)
	req, _ := http.NewRequest("POST", s.base+"/graphql", bytes.NewReader(gqlBody(approve)))
	req.Header.Set("Authorization", "APIToken "+op)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Add("X-Billingd-Tenant", "acme")
	req.Header.Add("X-Billingd-Tenant", "globex")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("the header twice: %d", resp.StatusCode)
	}
	expect(t, gql(op, approve, "X-Billingd-Tenant", "acme, globex"), 400)
	r = s.do("GET", getTransition+"?id="+id, "", nil)
	if st, _ := r.JSON(t)["state"].(string); st != "STATE_WAITING_FOR_APPROVAL" {
		t.Fatalf("state %s after refused approvals", st)
	}
	// By id alone, without naming the tenant, the operator approves.
	r = gql(op, approve)
	expect(t, r, 200)
	var ans struct {
		Data struct {
			ApprovePlanTransition struct {
				PlanTransition struct{ State, DecidedBy string }
				UserErrors     []any
			}
		}
		Errors []any
	}
	if err := json.Unmarshal(r.Body, &ans); err != nil || len(ans.Errors) != 0 || len(ans.Data.ApprovePlanTransition.UserErrors) != 0 ||
		ans.Data.ApprovePlanTransition.PlanTransition.State != "FINISHED" || ans.Data.ApprovePlanTransition.PlanTransition.DecidedBy != "operator:"+opID {
		t.Fatalf("operator approve: %s", r.Body)
	}

	// An issued invoice: the previous month on the organization plan.
	backdate(t, s.dbURL, admin, prev.AddDate(0, -1, 0))
	if out := billingd(t, s.dbURL, "invoices", "close", "--period", prev.Format("2006-01")); !strings.Contains(out, "issued inv-000001 for tenant acme") {
		t.Fatalf("close: %s", out)
	}
	pay := `mutation { setInvoiceStatus(name: "inv-000001", status: PAID) { invoice { status } userErrors { field message code } } }`
	wantGQL(gql(admin, pay), "FORBIDDEN", "operator decision")
	wantGQL(gql(op, pay), "INVALID_ARGUMENT", "X-Billingd-Tenant")
	wantGQL(gql(op, pay, "X-Billingd-Tenant", "globex"), "NOT_FOUND", "inv-000001")
	r = gql(op, pay, "X-Billingd-Tenant", "acme")
	if !strings.Contains(string(r.Body), `"status":"PAID"`) {
		t.Fatalf("operator pays: %s", r.Body)
	}
	if out := billingd(t, s.dbURL, "invoices", "show", "inv-000001", "--tenant", "acme"); !strings.Contains(out, "by operator:"+opID) {
		t.Fatalf("the audit trail names the operator token: %s", out)
	}
	// REST: an operator naming the tenant reads like its admin; without a
	// tenant a tenant-scoped route is a 400 naming the header.
	expect(t, s.do("GET", "/api/web/namespaces/system/usage/invoices/custom_list", op, nil, "X-Billingd-Tenant", "acme"), 200)
	r = s.do("GET", "/api/web/namespaces/system/usage/invoices/custom_list", op, nil)
	expect(t, r, 400)
	if !strings.Contains(string(r.Body), "X-Billingd-Tenant") {
		t.Fatalf("400 must name the header: %s", r.Body)
	}

	// Listed (no secret), revoked, then refused.
	out = billingd(t, s.dbURL, "token", "list", "--operator")
	if !strings.Contains(out, opID) || strings.Contains(out, op) {
		t.Fatalf("token list --operator: %s", out)
	}
	billingd(t, s.dbURL, "token", "revoke", "--operator", "--id", opID)
	expect(t, gql(op, pay, "X-Billingd-Tenant", "acme"), 401)
	if out = billingd(t, s.dbURL, "token", "list", "--operator"); !regexp.MustCompile(opID + `\s+operator\s+\S+\s+\S+`).MatchString(out) {
		t.Fatalf("revoked token listed without its revocation time: %s", out)
	}
}
