package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/domain/payment"
	"github.com/billingd/billingd/internal/spectest"
)

const (
	pmCreateTmpl = "/api/web/namespaces/{namespace}/billing/payment_methods"
	pmDeleteTmpl = "/api/web/namespaces/{namespace}/billing/payment_methods/{name}"
	pmRoleTmpl   = "/api/web/namespaces/{namespace}/billing/payment_method/{name}/"
)

// TestPaymentMethods walks ops 4-8 over HTTP, validating every answer
// against the upstream schemas.
func TestPaymentMethods(t *testing.T) {
	t.Parallel()
	spec := spectest.Load(t)
	forEachDialect(t, func(t *testing.T, s *server) {
		admin := token(t, s.dbURL, "acme", "admin", "")
		viewer := token(t, s.dbURL, "acme", "viewer", "")
		other := token(t, s.dbURL, "globex", "admin", "")
		const base = "/api/web/namespaces/system/billing"

		create := func(tok, body string, status int) string {
			t.Helper()
			r := s.do("POST", "/api/web/namespaces/default/billing/payment_methods", tok, body, "Content-Type", "application/json")
			expect(t, r, status)
			if status != 200 {
				return ""
			}
			spec.ValidateResponse(t, "POST", pmCreateTmpl, r.Body)
			return r.JSON(t)["name"].(string)
		}
		role := func(tok, name, op string, status int) {
			t.Helper()
			body := fmt.Sprintf(`{"namespace": "system", "name": %q}`, "ignored")
			spec.ValidateRequest(t, "POST", pmRoleTmpl+op, []byte(body))
			r := s.do("POST", base+"/payment_method/"+name+"/"+op, tok, body)
			expect(t, r, status)
			if status == 200 {
				spec.ValidateResponse(t, "POST", pmRoleTmpl+op, r.Body)
				if strings.TrimSpace(string(r.Body)) != "{}" {
					t.Fatalf("%s answers %s, want {}", op, r.Body)
				}
			}
		}
		del := func(tok, name string, status int) response {
			t.Helper()
			r := s.do("DELETE", base+"/payment_methods/"+name, tok, nil)
			expect(t, r, status)
			if status == 200 {
				spec.ValidateResponse(t, "DELETE", pmDeleteTmpl, r.Body)
			}
			return r
		}

		full := `{"namespace": "x", "token": "tok-123456", "role": "PAYMENT_METHOD_ROLE_PRIMARY",
		  "contact": {"address1": "1 Main St", "city": "Seattle", "state": "Washington", "state_code": "WA",
		              "country": "US", "zip_code": "98101", "phone_number": "+1 206 555 0100", "contact_type": "BILLING"}}`
		spec.ValidateRequest(t, "POST", pmCreateTmpl, []byte(full))
		if n := create(admin, full, 200); n != "payment-method-1" {
			t.Fatalf("first name: %s", n)
		}
		// Numbers for enums, and an empty contact.
		if n := create(admin, `{"token": "tok-2", "role": 2, "contact": {"contact_type": 2}}`, 200); n != "payment-method-2" {
			t.Fatalf("second name: %s", n)
		}
		if n := create(admin, `{"token": "tok-3"}`, 200); n != "payment-method-3" {
			t.Fatalf("third name: %s", n)
		}

		// Refusals: a raw card number (never stored), bad enums, no token, viewer.
		r := s.do("POST", base+"/payment_methods", admin, `{"token": "4111 1111 1111 1111", "role": "PAYMENT_METHOD_ROLE_BOSS", "contact": {"contact_type": 7}}`)
		expect(t, r, 400)
		for _, f := range []string{`"token"`, `"role"`, `"contact.contact_type"`, "card number"} {
			if !strings.Contains(string(r.Body), f) {
				t.Errorf("400 should name %s: %s", f, r.Body)
			}
		}
		if strings.Contains(string(r.Body), "4111") {
			t.Errorf("the answer echoes the card number: %s", r.Body)
		}
		create(admin, `{"token": "4111-1111-1111-1111"}`, 400)
		create(admin, `{"token": "4242.4242.4242.4242"}`, 400)
		create(admin, `{"token": "4242\t4242\t4242\t4242"}`, 400)
		create(admin, `{}`, 400)
		create(viewer, `{"token": "tok-v"}`, 403)
		create(admin, `{"token": "tok", "surprise": 1}`, 400)
		expect(t, s.do("POST", base+"/payment_methods", "", `{"token": "tok"}`), 401)

		// Role changes (1 primary, 2 secondary, 3 normal).
		role(admin, "payment-method-1", "primary", 200) // no-op
		role(admin, "payment-method-2", "primary", 200) // 2 primary, no secondary, 1 normal
		role(admin, "payment-method-3", "secondary", 200)
		role(admin, "payment-method-1", "swap-primary", 200) // 1 primary, 2 secondary, 3 normal
		role(admin, "payment-method-1", "secondary", 200)    // 1 secondary, no primary, 2 normal
		role(admin, "payment-method-2", "swap-primary", 200) // 2 primary, 1 secondary
		role(admin, "payment-method-9", "primary", 404)
		role(admin, "payment-method-9", "swap-primary", 404)
		role(viewer, "payment-method-1", "primary", 403)
		role(other, "payment-method-1", "secondary", 404)
		expect(t, s.do("POST", base+"/payment_method/payment-method-2/primary", admin, ""), 200) // empty body, no-op

		// Delete: the primary of a paid plan is kept with a reason.
		putOnPlan(t, s, admin, "team")
		r = del(admin, "payment-method-2", 409)
		if !strings.Contains(string(r.Body), "paid") || !strings.Contains(string(r.Body), "primary") {
			t.Fatalf("409 must say why: %s", r.Body)
		}
		// The side door: demoting the primary first is refused the same way.
		r = s.do("POST", base+"/payment_method/payment-method-2/secondary", admin, "")
		expect(t, r, 409)
		if !strings.Contains(string(r.Body), "paid") || !strings.Contains(string(r.Body), "primary") {
			t.Fatalf("409 must say why: %s", r.Body)
		}
		del(admin, "payment-method-2", 409)
		del(viewer, "payment-method-3", 403)
		del(other, "payment-method-3", 404)
		del(admin, "payment-method-3", 200)
		del(admin, "payment-method-3", 404)
		role(admin, "payment-method-1", "primary", 200)
		del(admin, "payment-method-2", 200) // no longer primary
		putOnPlan(t, s, admin, "free")
		del(admin, "payment-method-1", 200) // the primary, on the free plan
		if n := create(admin, `{"token": "tok-4", "role": "PAYMENT_METHOD_ROLE_UNKNOWN"}`, 200); n != "payment-method-4" {
			t.Fatalf("names are never reused: %s", n)
		}
		if n := create(other, `{"token": "tok-g"}`, 200); n != "payment-method-1" {
			t.Fatalf("names are per tenant: %s", n)
		}

		// Concurrent role changes over HTTP keep at most one primary and one
		// secondary: the database refuses anything else, so every request
		// must succeed.
		for i := range 3 {
			create(admin, fmt.Sprintf(`{"token": "tok-c%d"}`, i), 200)
		}
		names := []string{"payment-method-4", "payment-method-5", "payment-method-6", "payment-method-7"}
		ops := []string{"primary", "secondary", "swap-primary"}
		var wg sync.WaitGroup
		for i := range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := s.do("POST", base+"/payment_method/"+names[i%4]+"/"+ops[(i/4)%3], admin, "")
				if r.Status != 200 {
					t.Errorf("concurrent %s %s: %d %s", ops[(i/4)%3], names[i%4], r.Status, r.Body)
				}
			}()
		}
		wg.Wait()
		checkPaymentRoles(t, s.dbURL, admin)
	})
}

// checkPaymentRoles reads the stored roles of tok's tenant and fails on more
// than one primary or secondary.
func checkPaymentRoles(t *testing.T, dbURL, tok string) {
	t.Helper()
	var ms []payment.PaymentMethod
	withTenant(t, dbURL, tok, func(ctx context.Context, db *store.DB, tenantID string) {
		var err error
		ms, err = store.NewPaymentRepo(db).List(ctx, tenantID)
		if err != nil || len(ms) != 4 {
			t.Fatalf("stored methods: %+v %v", ms, err)
		}
	})
	roles := map[string]payment.Role{}
	for _, m := range ms {
		roles[m.Name] = m.Role
	}
	if err := payment.CheckRoles(roles); err != nil {
		t.Fatal(err)
	}
}
