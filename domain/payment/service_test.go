package payment

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
)

func methods(roles ...Role) []PaymentMethod {
	ms := make([]PaymentMethod, len(roles))
	for i, r := range roles {
		ms[i] = PaymentMethod{Name: NameFor(int64(i + 1)), Seq: int64(i + 1), Role: r}
	}
	return ms
}

const (
	P = RolePrimary
	S = RoleSecondary
	N = RoleNormal
)

func TestNextRoles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		have   []Role
		target int // 1-based
		change Change
		want   []Role
	}{
		{"primary no-op", []Role{P, S}, 1, MakePrimary, []Role{P, S}},
		{"secondary becomes primary, no secondary left", []Role{P, S}, 2, MakePrimary, []Role{N, P}},
		{"normal becomes primary, old primary normal", []Role{P, S, N}, 3, MakePrimary, []Role{N, S, P}},
		{"first primary", []Role{N, N}, 2, MakePrimary, []Role{N, P}},
		{"secondary no-op", []Role{P, S}, 2, MakeSecondary, []Role{P, S}},
		{"primary becomes secondary, no primary left", []Role{P, S}, 1, MakeSecondary, []Role{S, N}},
		{"normal becomes secondary", []Role{P, S, N}, 3, MakeSecondary, []Role{P, N, S}},
		{"swap two", []Role{P, S}, 2, SwapPrimary, []Role{S, P}},
		{"swap two already primary", []Role{P, N}, 1, SwapPrimary, []Role{P, S}},
		{"swap one", []Role{N}, 1, SwapPrimary, []Role{P}},
		{"swap three: old primary becomes secondary", []Role{P, S, N}, 3, SwapPrimary, []Role{S, N, P}},
		{"swap three: no primary, old secondary stays", []Role{N, S, N}, 3, SwapPrimary, []Role{N, S, P}},
		{"swap three: nothing, oldest other", []Role{N, N, N}, 2, SwapPrimary, []Role{S, P, N}},
		{"swap named primary keeps secondary", []Role{P, N, S}, 1, SwapPrimary, []Role{P, N, S}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := NextRoles(methods(tt.have...), NameFor(int64(tt.target)), tt.change)
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range tt.want {
				if g := got[NameFor(int64(i+1))]; g != w {
					t.Errorf("method %d: %s, want %s", i+1, g, w)
				}
			}
			if err := CheckRoles(got); err != nil {
				t.Error(err)
			}
		})
	}
	if _, err := NextRoles(methods(P), "payment-method-9", MakePrimary); !errs.Is(err, errs.NotFound) {
		t.Fatalf("unknown name: %v", err)
	}
}

func TestLooksLikeCardNumber(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"4111111111111111", true},
		{"4111 1111 1111 1111", true},
		{"4111-1111-1111-1111", true},
		{"378282246310005", true},   // Amex, 15 digits
		{"4222222222222", true},     // 13 digits
		{"4111111111111112", false}, // Luhn fails
		{"411111111111", false},     // 12 digits
		{"tok-123456", false},
		{"tok_4111111111111111", false},
		// Any separator between digit groups is still a card number.
		{"4242.4242.4242.4242", true},
		{"4242\t4242\t4242\t4242", true},
		{"4242_4242_4242_4242", true},
		{"4242/4242/4242/4242", true},
		{"4242\n4242\r\n4242 4242", true},
		{"(4242) 4242-4242.4242", true},
		{"4242\u00a04242\u00a04242\u00a04242", true}, // no-break spaces
		{"4242\u200b4242\u200b4242\u200b4242", true}, // zero-width spaces
		{"4242\u30004242\u30004242\u30004242", true}, // ideographic spaces
		{" 4242 4242 4242 4242 ", true},
		{"4.2.4.2.4.2.4.2.4.2.4.2.4.2.4.2", true},
		{"4242.4242.4242.4241", false},      // Luhn fails
		{"4242.4242.4242.4242.4242", false}, // 20 digits
		{"4242.4242.4242", false},           // 12 digits
		{"card 4242.4242.4242.4242", false}, // a letter: not a bare card number
		{"4242.4242.4242.4242\xff", false},  // not UTF-8 (refused by Validate anyway)
		{"...---...", false},
		{"pm_1NXWPnLkdIwHu7ix", false},
		{"", false},
	} {
		if got := LooksLikeCardNumber(tt.in); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCreateInputValidate(t *testing.T) {
	t.Parallel()
	err := CreateInput{Token: "4111 1111 1111 1111", Role: "BOSS", Contact: Contact{ContactType: "FAX", City: strings.Repeat("x", 300)}}.Validate()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid {
		t.Fatalf("want Invalid, got %v", err)
	}
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	if got := strings.Join(fields, ","); got != "token,role,contact.contact_type,contact.city" {
		t.Fatalf("every bad field at once: %s", got)
	}
	if err := (CreateInput{}).Validate(); !errs.Is(err, errs.Invalid) {
		t.Fatalf("empty token: %v", err)
	}
	if err := (CreateInput{Token: "tok-123456", Role: RolePrimary}).Validate(); err != nil {
		t.Fatal(err)
	}
	// NUL and invalid UTF-8 would reach SQL (PostgreSQL refuses NUL: a 500)
	// from GraphQL, which has no REST edge check in front of it.
	err = CreateInput{Token: "tok\x00-1", Contact: Contact{City: "Par\xffis"}}.Validate()
	if !errors.As(err, &e) || len(e.Fields) != 2 || e.Fields[0].Field != "token" || e.Fields[1].Field != "contact.city" {
		t.Fatalf("NUL token and invalid UTF-8 city: %v", err)
	}
}

// memRepo is an in-memory Repository; a mutex stands in for the row locks.
type memRepo struct {
	mu  sync.Mutex
	seq map[string]int64
	ms  map[string][]PaymentMethod
}

func (r *memRepo) LockTenant(_ context.Context, tid string) ([]PaymentMethod, error) {
	return r.List(context.Background(), tid)
}
func (r *memRepo) NextSeq(_ context.Context, tid string) (int64, error) {
	r.seq[tid]++
	return r.seq[tid], nil
}
func (r *memRepo) Insert(_ context.Context, m PaymentMethod) error {
	r.ms[m.TenantID] = append(r.ms[m.TenantID], m)
	return nil
}
func (r *memRepo) SetRoles(_ context.Context, tid string, roles map[string]Role) error {
	for i, m := range r.ms[tid] {
		if x, ok := roles[m.Name]; ok {
			r.ms[tid][i].Role = x
		}
	}
	return nil
}
func (r *memRepo) Delete(_ context.Context, tid, name string) error {
	for i, m := range r.ms[tid] {
		if m.Name == name {
			r.ms[tid] = append(r.ms[tid][:i], r.ms[tid][i+1:]...)
			return nil
		}
	}
	return NotFound(name)
}
func (r *memRepo) List(_ context.Context, tid string) ([]PaymentMethod, error) {
	out := append([]PaymentMethod(nil), r.ms[tid]...)
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, nil
}
func (r *memRepo) InTx(ctx context.Context, fn func(context.Context) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return fn(ctx)
}

type fixedPlan struct{ p plan.Plan }

func (f *fixedPlan) PlanOf(context.Context, tenancy.Principal) (plan.Plan, error) { return f.p, nil }

// nopAuditor drops audit records.
type nopAuditor struct{}

func (nopAuditor) Record(context.Context, kernel.AuditRecord) error { return nil }

func newTestService(t *testing.T, pl plan.Plan) *Service {
	t.Helper()
	repo := &memRepo{seq: map[string]int64{}, ms: map[string][]PaymentMethod{}}
	s, err := NewService(Config{Repo: repo, Tx: repo, Clock: kernel.NewFixedClock(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)), Plans: &fixedPlan{pl}, Audit: nopAuditor{}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func as(tenant string, role tenancy.Role) context.Context {
	return tenancy.WithPrincipal(context.Background(), tenancy.Principal{TenantID: tenant, TenantName: tenant, TokenID: "k", Role: role})
}

func TestServiceRules(t *testing.T) {
	t.Parallel()
	paid := plan.Plan{Name: "team", FlatPriceCents: 9900}
	for _, tt := range []struct {
		name      string
		plan      plan.Plan
		deleteErr errs.Kind // deleting the primary
	}{
		{"paid plan", paid, errs.Conflict},
		{"free plan", plan.Plan{Name: "free"}, -1},
		{"billing disabled", plan.Plan{Name: "x", FlatPriceCents: 100, BillingDisabled: true}, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestService(t, tt.plan)
			admin, viewer, other := as("t1", tenancy.RoleAdmin), as("t1", tenancy.RoleViewer), as("t2", tenancy.RoleAdmin)
			m1, err := s.Create(admin, tenancy.FromContext(admin), CreateInput{Token: "tok-1", Role: RolePrimary})
			if err != nil || m1.Name != "payment-method-1" || m1.Role != RolePrimary || m1.Contact.ContactType != ContactMailing {
				t.Fatalf("create: %+v %v", m1, err)
			}
			m2, err := s.Create(admin, tenancy.FromContext(admin), CreateInput{Token: "tok-2", Role: RolePrimary})
			if err != nil || m2.Name != "payment-method-2" {
				t.Fatalf("create 2: %+v %v", m2, err)
			}
			ms, _ := s.List(admin, tenancy.FromContext(admin))
			if ms[0].Role != RoleNormal || ms[1].Role != RolePrimary || ms[0].Token != "tok-1" {
				t.Fatalf("a new primary demotes the old one to NORMAL: %+v", ms)
			}
			if _, err := s.Create(viewer, tenancy.FromContext(viewer), CreateInput{Token: "tok-3"}); !errs.Is(err, errs.Forbidden) {
				t.Fatalf("viewer create: %v", err)
			}
			if err := s.ChangeRole(viewer, tenancy.FromContext(viewer), m1.Name, MakePrimary); !errs.Is(err, errs.Forbidden) {
				t.Fatalf("viewer change: %v", err)
			}
			if ms, err := s.List(viewer, tenancy.FromContext(viewer)); err != nil || len(ms) != 2 || ms[0].Token != "" {
				t.Fatalf("viewer list hides tokens: %+v %v", ms, err)
			}
			if err := s.ChangeRole(other, tenancy.FromContext(other), m1.Name, MakePrimary); !errs.Is(err, errs.NotFound) {
				t.Fatalf("other tenant: %v", err)
			}
			if err := s.Delete(other, tenancy.FromContext(other), m1.Name); !errs.Is(err, errs.NotFound) {
				t.Fatalf("other tenant delete: %v", err)
			}
			if err := s.ChangeRole(admin, tenancy.FromContext(admin), m1.Name, SwapPrimary); err != nil {
				t.Fatal(err)
			}
			ms, _ = s.List(admin, tenancy.FromContext(admin))
			if ms[0].Role != RolePrimary || ms[1].Role != RoleSecondary {
				t.Fatalf("swap: %+v", ms)
			}
			err = s.Delete(admin, tenancy.FromContext(admin), m1.Name)
			if tt.deleteErr == errs.Conflict {
				if !errs.Is(err, errs.Conflict) || !strings.Contains(err.Error(), "paid") {
					t.Fatalf("delete primary on paid plan: %v", err)
				}
				if err := s.Delete(admin, tenancy.FromContext(admin), m2.Name); err != nil {
					t.Fatalf("the secondary can go: %v", err)
				}
			} else if err != nil {
				t.Fatalf("delete primary on %s: %v", tt.plan.Name, err)
			}
			if err := s.Delete(admin, tenancy.FromContext(admin), "payment-method-77"); !errs.Is(err, errs.NotFound) {
				t.Fatalf("unknown: %v", err)
			}
			m3, err := s.Create(admin, tenancy.FromContext(admin), CreateInput{Token: "tok-3"})
			if err != nil || m3.Name != "payment-method-3" || m3.Role != RoleNormal {
				t.Fatalf("numbers are never reused and no role means NORMAL: %+v %v", m3, err)
			}
		})
	}
}

// TestDemotingThePrimary closes the side door around the delete rule: on a
// paid plan the primary may not become secondary (then be deleted) unless
// another method becomes primary.
func TestDemotingThePrimary(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		plan plan.Plan
		paid bool
	}{
		{"paid plan", plan.Plan{Name: "team", FlatPriceCents: 9900}, true},
		{"free plan", plan.Plan{Name: "free"}, false},
		{"billing disabled", plan.Plan{Name: "x", FlatPriceCents: 100, BillingDisabled: true}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestService(t, tt.plan)
			admin := as("t1", tenancy.RoleAdmin)
			m1, err := s.Create(admin, tenancy.FromContext(admin), CreateInput{Token: "tok-1", Role: RolePrimary})
			if err != nil {
				t.Fatal(err)
			}
			m2, err := s.Create(admin, tenancy.FromContext(admin), CreateInput{Token: "tok-2"})
			if err != nil {
				t.Fatal(err)
			}
			roles := func() []Role {
				ms, _ := s.List(admin, tenancy.FromContext(admin))
				var out []Role
				for _, m := range ms {
					out = append(out, m.Role)
				}
				return out
			}
			err = s.ChangeRole(admin, tenancy.FromContext(admin), m1.Name, MakeSecondary)
			if !tt.paid {
				if err != nil {
					t.Fatalf("demote on %s: %v", tt.plan.Name, err)
				}
				if err := s.Delete(admin, tenancy.FromContext(admin), m1.Name); err != nil {
					t.Fatalf("delete after demotion on %s: %v", tt.plan.Name, err)
				}
				return
			}
			if !errs.Is(err, errs.Conflict) || !strings.Contains(err.Error(), "paid") || !strings.Contains(err.Error(), m1.Name) {
				t.Fatalf("demoting the only primary on a paid plan: %v", err)
			}
			if got := roles(); got[0] != RolePrimary || got[1] != RoleNormal {
				t.Fatalf("a refused demotion changed roles: %v", got)
			}
			if err := s.Delete(admin, tenancy.FromContext(admin), m1.Name); !errs.Is(err, errs.Conflict) {
				t.Fatalf("delete after a refused demotion: %v", err)
			}
			// A new secondary does not touch the primary.
			if _, err := s.Create(admin, tenancy.FromContext(admin), CreateInput{Token: "tok-3", Role: RoleSecondary}); err != nil {
				t.Fatal(err)
			}
			// Naming another primary first is the way out.
			if err := s.ChangeRole(admin, tenancy.FromContext(admin), m2.Name, MakePrimary); err != nil {
				t.Fatal(err)
			}
			if got := roles(); got[0] != RoleNormal || got[1] != RolePrimary || got[2] != RoleSecondary {
				t.Fatalf("after make-primary: %v", got)
			}
			if err := s.ChangeRole(admin, tenancy.FromContext(admin), m1.Name, MakeSecondary); err != nil {
				t.Fatalf("demoting a non-primary: %v", err)
			}
			if err := s.Delete(admin, tenancy.FromContext(admin), m1.Name); err != nil {
				t.Fatalf("delete the old primary: %v", err)
			}
			// The new primary is held the same way.
			if err := s.ChangeRole(admin, tenancy.FromContext(admin), m2.Name, MakeSecondary); !errs.Is(err, errs.Conflict) {
				t.Fatalf("demoting the new primary: %v", err)
			}
		})
	}
}
