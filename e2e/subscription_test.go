package e2e

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/internal/spectest"
)

const (
	initiateTmpl    = "/api/web/namespaces/{namespace}/billing/plan_transition"
	getTransition   = "/no_auth/namespaces/system/billing/plan_transition"
	subscriptsTmpl  = "/api/web/namespaces/{namespace}/subscriptions/custom_list"
	subscribePath   = "/api/web/namespaces/system/addon/subscribe"
	unsubscribePath = "/api/web/namespaces/system/addon/unsubscribe"
)

// initiate sends op 10, validating the request and, on 200, the answer.
func initiate(t *testing.T, s *server, spec *spectest.Specs, tok, body string, status int, headers ...string) map[string]any {
	t.Helper()
	spec.ValidateRequest(t, "POST", initiateTmpl, []byte(body))
	r := s.do("POST", nsPath(initiateTmpl, "system"), tok, body, headers...)
	expect(t, r, status)
	if status != 200 {
		return r.JSON(t)
	}
	spec.ValidateResponse(t, "POST", initiateTmpl, r.Body)
	return r.JSON(t)
}

// transitionState reads op 9 with no token.
func transitionState(t *testing.T, s *server, spec *spectest.Specs, id string) string {
	t.Helper()
	r := s.do("GET", getTransition+"?id="+url.QueryEscape(id), "", nil)
	expect(t, r, 200)
	spec.ValidateResponse(t, "GET", getTransition, r.Body)
	st, _ := r.JSON(t)["state"].(string)
	return st
}

func lbLimit(t *testing.T, s *server, tok string) float64 {
	t.Helper()
	r := s.do("GET", "/api/web/namespaces/staging/quota/limits", tok, nil)
	expect(t, r, 200)
	return r.JSON(t)["objects"].(map[string]any)["http_loadbalancer"].(map[string]any)["limit"].(map[string]any)["maximum"].(float64)
}

type subscriptionsResp struct {
	Subscriptions []struct {
		Name                       string `json:"name"`
		PlanName                   string `json:"plan_name"`
		PlanObjectName             string `json:"plan_object_name"`
		StartDate                  string `json:"start_date"`
		CancellationDate           string `json:"cancellation_date"`
		LastBillingPeriodStartDate string `json:"last_billing_period_start_date"`
		Current                    bool   `json:"current"`
		Cancelled                  bool   `json:"cancelled"`
	} `json:"subscriptions"`
}

func listSubs(t *testing.T, s *server, spec *spectest.Specs, tok, current string) subscriptionsResp {
	t.Helper()
	r := s.do("GET", nsPath(subscriptsTmpl, "system")+"?current="+current, tok, nil)
	expect(t, r, 200)
	spec.ValidateResponse(t, "GET", subscriptsTmpl, r.Body)
	var out subscriptionsResp
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func failureReason(t *testing.T, dbURL, id string) string {
	t.Helper()
	var reason string
	withStore(t, dbURL, func(ctx context.Context, db *store.DB) {
		tr, err := store.NewSubscriptionRepo(db).TransitionByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		reason = tr.FailureReason
	})
	return reason
}

const teamBody = `{"new_plan":"team","payload":{"payment_provider_token":"tok_visa","domain":"globex.example",
	"billing_address":{"address1":"1 Main St","city":"Springfield","country":"US","contact_type":"BILLING"}}}`

// TestPlanTransitionsAndAddons walks ops 9, 10 and 18-20 on both databases:
// an upgrade that changes the quota limits, a downgrade refused for quota,
// a manual approval through the CLI, add-ons, and the subscription list.
func TestPlanTransitionsAndAddons(t *testing.T) {
	t.Parallel()
	spec := spectest.Load(t)
	forEachDialect(t, func(t *testing.T, s *server) {
		admin := token(t, s.dbURL, "acme", "admin", "")
		viewer := token(t, s.dbURL, "acme", "viewer", "")

		// A tenant that never transitioned has one current plan subscription.
		subs := listSubs(t, s, spec, viewer, "false")
		if len(subs.Subscriptions) != 1 || subs.Subscriptions[0].PlanObjectName != "free" || !subs.Subscriptions[0].Current ||
			!strings.HasPrefix(subs.Subscriptions[0].Name, "sub-") || subs.Subscriptions[0].StartDate == "" {
			t.Fatalf("initial subscriptions: %+v", subs)
		}
		expect(t, s.do("GET", nsPath(subscriptsTmpl, "system")+"?current=maybe", viewer, nil), 400)

		// Op 10 refusals.
		expect(t, s.do("POST", nsPath(initiateTmpl, "system"), "", `{"new_plan":"individual"}`), 401)
		initiate(t, s, spec, viewer, `{"new_plan":"individual","payload":{"payment_provider_token":"tok"}}`, 403)
		if e := initiate(t, s, spec, admin, `{"new_plan":"individual"}`, 400); !strings.Contains(e["message"].(string), "payment_provider_token") {
			t.Fatalf("missing token: %v", e)
		}
		if e := initiate(t, s, spec, admin, `{"new_plan":"gold"}`, 400); !strings.Contains(e["message"].(string), "new_plan") {
			t.Fatalf("unknown plan: %v", e)
		}
		if e := initiate(t, s, spec, admin, `{"new_plan":"organization"}`, 400); !strings.Contains(e["message"].(string), "new_plan") {
			t.Fatalf("transition not allowed: %v", e)
		}

		// Upgrade free -> individual, with a retry under the same key.
		before := lbLimit(t, s, viewer)
		up := `{"new_plan":"individual","payload":{"payment_provider_token":"tok_visa","subscribe_addon_services":["f5xc_waap_standard"]}}`
		res := initiate(t, s, spec, admin, up, 200, "Idempotency-Key", "upgrade-1")
		id, _ := res["id"].(string)
		if id == "" || res["requires_manual_approval"] != false {
			t.Fatalf("initiate answer: %v", res)
		}
		if again := initiate(t, s, spec, admin, up, 200, "Idempotency-Key", "upgrade-1"); again["id"] != id {
			t.Fatalf("retry answered %v, want id %s", again, id)
		}
		if st := transitionState(t, s, spec, id); st != "STATE_FINISHED" {
			t.Fatalf("state %q", st)
		}
		if after := lbLimit(t, s, viewer); after != 25 || after == before {
			t.Fatalf("http_loadbalancer limit %v -> %v, want the individual plan's 25", before, after)
		}
		for _, bad := range []string{"not-a-uuid", "6f1c1b4e-5d43-4a57-9d3e-3f1f7a0e9b11", ""} {
			expect(t, s.do("GET", getTransition+"?id="+bad, "", nil), 404)
		}
		subs = listSubs(t, s, spec, viewer, "false")
		var got []string
		for _, x := range subs.Subscriptions {
			got = append(got, x.PlanObjectName+map[bool]string{true: "+", false: "-"}[x.Current])
		}
		if strings.Join(got, ",") != "free-,individual+,f5xc_waap_standard+" {
			t.Fatalf("subscriptions after upgrade: %v", got)
		}
		if c := subs.Subscriptions[0]; !c.Cancelled || c.CancellationDate == "" {
			t.Fatalf("closed free subscription: %+v", c)
		}
		if cur := listSubs(t, s, spec, viewer, "true"); len(cur.Subscriptions) != 2 {
			t.Fatalf("current subscriptions: %+v", cur)
		}

		// Add-ons (ops 19, 20).
		addon := func(path, tok, body string, status int) map[string]any {
			t.Helper()
			tmpl := path
			if status != 400 {
				spec.ValidateRequest(t, "POST", tmpl, []byte(body))
			}
			r := s.do("POST", path, tok, body)
			expect(t, r, status)
			if status == 200 {
				spec.ValidateResponse(t, "POST", tmpl, r.Body)
				if string(r.Body) != "{}\n" && string(r.Body) != "{}" {
					t.Fatalf("answer %q, want {}", r.Body)
				}
			}
			return r.JSON(t)
		}
		addon(subscribePath, admin, `{"f5xc_waap_standard":{}}`, 200) // already subscribed: no-op
		addon(subscribePath, admin, `{"f5xc_content_delivery_network_standard":{}}`, 200)
		addon(subscribePath, viewer, `{"f5xc_web_app_scanning_standard":{}}`, 403)
		if e := addon(subscribePath, admin, `{"f5xc_waap_advanced":{}}`, 403); !strings.Contains(e["message"].(string), "does not allow") {
			t.Fatalf("403 reason: %v", e)
		}
		addon(subscribePath, admin, `{}`, 400)
		addon(subscribePath, admin, ``, 400)
		addon(subscribePath, admin, `{"f5xc_waap_standard":{},"f5xc_web_app_scanning_standard":{}}`, 400)
		addon(subscribePath, admin, `{"f5xc_waap_standard":{"x":1}}`, 400)
		addon(subscribePath, admin, `{"f5xc_nothing":{}}`, 400)
		addon(unsubscribePath, admin, `{"f5xc_waap_standard":{}}`, 200)
		addon(unsubscribePath, admin, `{"f5xc_waap_standard":{}}`, 200) // not subscribed: no-op
		addon(unsubscribePath, admin, `{"f5xc_waap_advanced":{}}`, 403)
		got = nil
		for _, x := range listSubs(t, s, spec, viewer, "true").Subscriptions {
			got = append(got, x.PlanObjectName)
		}
		if strings.Join(got, ",") != "individual,f5xc_content_delivery_network_standard" {
			t.Fatalf("current subscriptions after add-on changes: %v", got)
		}

		// Downgrade refused: 6 load balancers do not fit free's 5.
		expect(t, s.do("POST", "/api/web/namespaces/staging/quota/reserve", admin, `{"objects":{"http_loadbalancer":6}}`), 200)
		down := initiate(t, s, spec, admin, `{"new_plan":"free"}`, 200)
		downID := down["id"].(string)
		if st := transitionState(t, s, spec, downID); st != "STATE_FAILED" {
			t.Fatalf("downgrade state %q", st)
		}
		if reason := failureReason(t, s.dbURL, downID); !strings.Contains(reason, "objects/http_loadbalancer tenant-wide (used 6, limit 5)") {
			t.Fatalf("failure reason %q", reason)
		}
		if lim := lbLimit(t, s, viewer); lim != 25 {
			t.Fatalf("a refused downgrade changed the limits: %v", lim)
		}

		// team -> organization needs a human: approved with the CLI.
		gadmin := token(t, s.dbURL, "globex", "admin", "")
		if e := initiate(t, s, spec, gadmin, `{"new_plan":"team","payload":{"payment_provider_token":"tok"}}`, 400); !strings.Contains(e["message"].(string), "payload.domain") {
			t.Fatalf("team without domain: %v", e)
		}
		teamID := initiate(t, s, spec, gadmin, teamBody, 200)["id"].(string)
		if st := transitionState(t, s, spec, teamID); st != "STATE_FINISHED" {
			t.Fatalf("team state %q", st)
		}
		res = initiate(t, s, spec, gadmin, `{"new_plan":"organization"}`, 200)
		orgID := res["id"].(string)
		if res["requires_manual_approval"] != true {
			t.Fatalf("organization answer: %v", res)
		}
		if st := transitionState(t, s, spec, orgID); st != "STATE_WAITING_FOR_APPROVAL" {
			t.Fatalf("organization state %q", st)
		}
		initiate(t, s, spec, gadmin, `{"new_plan":"organization"}`, 409)
		// While it waits, ops 25/26 and GraphQL show the current plan and the
		// target TRANSITION_PENDING (upstream planPlanState), the rest
		// STATE_UNSPECIFIED (written by name, like every zero value).
		wantStates := func(states map[string]string) {
			t.Helper()
			for name, want := range map[string]string{"team": "STATE_TRANSITION_PENDING", "organization": "STATE_TRANSITION_PENDING", "free": "STATE_UNSPECIFIED", "individual": "STATE_UNSPECIFIED"} {
				if states[name] != want {
					t.Fatalf("plan %s state %q, want %q (all: %v)", name, states[name], want, states)
				}
			}
		}
		r := s.do("GET", "/api/web/namespaces/system/usage_plans/current", gadmin, nil)
		expect(t, r, 200)
		spec.ValidateResponse(t, "GET", "/api/web/namespaces/system/usage_plans/current", r.Body)
		var waiting localized
		if err := json.Unmarshal(r.Body, &waiting); err != nil {
			t.Fatal(err)
		}
		states := map[string]string{}
		for _, p := range waiting.Plans {
			states[p.Name] = p.State
			if p.Current != (p.Name == "team") {
				t.Fatalf("plan %s current=%v while waiting", p.Name, p.Current)
			}
		}
		wantStates(states)
		r = s.do("GET", "/api/web/namespaces/system/usage_plans/custom_list", gadmin, nil)
		expect(t, r, 200)
		spec.ValidateResponse(t, "GET", "/api/web/namespaces/system/usage_plans/custom_list", r.Body)
		var lists struct {
			UsagePlans []localized `json:"usage_plans"`
		}
		if err := json.Unmarshal(r.Body, &lists); err != nil || len(lists.UsagePlans) != 1 {
			t.Fatalf("custom_list: %s %v", r.Body, err)
		}
		states = map[string]string{}
		for _, p := range lists.UsagePlans[0].Plans {
			states[p.Name] = p.State
		}
		wantStates(states)
		r = s.do("POST", "/graphql", gadmin, `{"query":"{ plans { name state } }"}`, "Content-Type", "application/json")
		expect(t, r, 200)
		var gq struct {
			Data struct {
				Plans []struct{ Name, State string }
			}
		}
		if err := json.Unmarshal(r.Body, &gq); err != nil || len(gq.Data.Plans) == 0 {
			t.Fatalf("graphql plans: %s %v", r.Body, err)
		}
		states = map[string]string{}
		for _, p := range gq.Data.Plans {
			states[p.Name] = "STATE_" + p.State // GraphQL's enum drops REST's prefix
		}
		wantStates(states)
		out := billingd(t, s.dbURL, "transition", "approve", orgID)
		if !strings.Contains(out, "STATE_FINISHED") {
			t.Fatalf("approve printed %q", out)
		}
		if st := transitionState(t, s, spec, orgID); st != "STATE_FINISHED" {
			t.Fatalf("approved state %q", st)
		}
		r = s.do("GET", "/api/web/namespaces/system/usage_plans/current", gadmin, nil)
		expect(t, r, 200)
		var lp localized
		if err := json.Unmarshal(r.Body, &lp); err != nil {
			t.Fatal(err)
		}
		for _, p := range lp.Plans {
			if p.Current != (p.Name == "organization") {
				t.Fatalf("plan %s current=%v after approval", p.Name, p.Current)
			}
			// Decided: only the current plan has a state again.
			if want := map[bool]string{true: "STATE_READY", false: "STATE_UNSPECIFIED"}[p.Current]; p.State != want {
				t.Fatalf("plan %s state %q after approval", p.Name, p.State)
			}
		}
		// A rejected one ends FAILED; deciding twice is refused.
		backID := initiate(t, s, spec, gadmin, teamBody, 200)["id"].(string)
		if st := transitionState(t, s, spec, backID); st != "STATE_FINISHED" {
			t.Fatalf("back to team: %q", st)
		}
		orgID = initiate(t, s, spec, gadmin, `{"new_plan":"organization"}`, 200)["id"].(string)
		billingd(t, s.dbURL, "transition", "reject", orgID, "--reason", "no contract")
		if st := transitionState(t, s, spec, orgID); st != "STATE_FAILED" {
			t.Fatalf("rejected state %q", st)
		}
		if reason := failureReason(t, s.dbURL, orgID); !strings.Contains(reason, "no contract") {
			t.Fatalf("reject reason %q", reason)
		}
	})
}
