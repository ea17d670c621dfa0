package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
)

// openTwice opens two handles on one fresh database, as two billingd
// processes (a server and a CLI command, or two replicas) would.
func openTwice(t *testing.T, d store.Dialect) (*store.DB, *store.DB) {
	t.Helper()
	u := storetest.URL(t, d)
	var dbs [2]*store.DB
	for i := range dbs {
		db, err := store.Open(context.Background(), u, store.Options{MaxOpenConns: 16})
		if err != nil {
			t.Fatalf("open %s: %v", d, err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	if d == store.SQLite {
		if _, err := dbs[0].Migrate(context.Background()); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
	return dbs[0], dbs[1]
}

// TestDowngradeRacesReservations races a downgrade to free (5 load
// balancers) against 30 concurrent +1 reservations, each side on its own
// database handle. Whatever wins, the outcome must be one of the serial
// ones: a FINISHED downgrade leaves at most 5 load balancers, a FAILED one
// leaves the tenant on its plan, and every reservation either fits or is
// refused as over quota (never a database error).
func TestDowngradeRacesReservations(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			dbA, dbB := openTwice(t, d)
			fa, fb := newLifecycleFixture(t, dbA), newLifecycleFixture(t, dbB)
			const rounds, racers, freeLBs = 6, 30, 5
			finished := 0
			for round := range rounds {
				fa.clock.Advance(time.Hour)
				fb.clock.Advance(time.Hour)
				admin := fa.as(t, fmt.Sprintf("race%d", round), tenancy.RoleAdmin, "")
				up, err := fb.subs.Initiate(admin, tenancy.FromContext(admin), subscription.InitiateInput{NewPlan: "individual",
					Payload: subscription.Payload{PaymentProviderToken: "tok"}})
				if err != nil || fb.state(t, up.ID) != subscription.StateFinished {
					t.Fatalf("upgrade: %+v %v", up, err)
				}
				fa.clock.Advance(time.Hour)
				fb.clock.Advance(time.Hour)

				start := make(chan struct{})
				var wg sync.WaitGroup
				reserveErrs := make([]error, racers)
				for i := range racers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						_, reserveErrs[i] = fa.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "staging",
							Objects: map[string]quota.Amount{"http_loadbalancer": quota.Units(1)}})
					}()
				}
				var down subscription.InitiateResult
				var downErr error
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					down, downErr = fb.subs.Initiate(admin, tenancy.FromContext(admin), subscription.InitiateInput{NewPlan: "free"})
				}()
				close(start)
				wg.Wait()

				if downErr != nil {
					t.Fatalf("round %d: downgrade: %v", round, downErr)
				}
				reserved := 0
				for _, err := range reserveErrs {
					switch {
					case err == nil:
						reserved++
					case errs.KindOf(err) != errs.QuotaExceeded:
						t.Fatalf("round %d: a reservation failed with %v", round, err)
					}
				}
				counters, err := store.NewQuotaRepo(dbA).Counters(context.Background(), principal(t, admin).TenantID, []string{"staging"})
				if err != nil {
					t.Fatal(err)
				}
				var used quota.Amount
				for _, c := range counters {
					if c.Class == quota.Objects && c.Key == "http_loadbalancer" {
						used = c.Used
					}
				}
				if used != quota.Units(int64(reserved)) {
					t.Fatalf("round %d: %d reservations succeeded but the counter says %s", round, reserved, used)
				}
				tr, err := fa.subs.GetTransition(admin, tenancy.FromContext(admin), down.ID)
				if err != nil {
					t.Fatal(err)
				}
				plan := fa.plan(t, admin)
				t.Logf("round %d: %d reserved, downgrade %s", round, reserved, tr.State)
				switch tr.State {
				case subscription.StateFinished:
					finished++
					if plan != "free" || used > quota.Units(freeLBs) {
						t.Fatalf("round %d: downgrade FINISHED on plan %q with %s load balancers against free's %d", round, plan, used, freeLBs)
					}
				case subscription.StateFailed:
					if plan != "individual" {
						t.Fatalf("round %d: downgrade FAILED (%s) but the plan is %q", round, tr.FailureReason, plan)
					}
				default:
					t.Fatalf("round %d: downgrade ended %s", round, tr.State)
				}
			}
			t.Logf("%s: %d of %d downgrades finished, the others were refused for usage", d, finished, rounds)
		})
	}
}
