package subscription_test

import (
	"testing"
	"time"

	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/subscription"
)

func TestBillingPeriods(t *testing.T) {
	t.Parallel()
	d := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	const id = "6f1c1b4e-5d43-4a57-9d3e-3f1f7a0e9b11"
	type span struct{ start, end, istart, iend string }
	tests := []struct {
		name  string
		sub   subscription.Subscription
		unit  plan.PeriodUnit
		trial time.Time
		now   time.Time
		want  []span
		nTrl  int
	}{
		{"open, one month", subscription.Subscription{ID: id, Start: d("2026-11-10T08:00:00Z")}, plan.PeriodMonth, time.Time{}, d("2026-11-20T00:00:00Z"),
			[]span{{"2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", "2026-11-10T08:00:00Z", "2026-12-01T00:00:00Z"}}, 0},
		{"open, three months", subscription.Subscription{ID: id, Start: d("2026-09-15T00:00:00Z")}, plan.PeriodMonth, time.Time{}, d("2026-11-20T00:00:00Z"),
			[]span{{"2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z", "2026-09-15T00:00:00Z", "2026-10-01T00:00:00Z"},
				{"2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"},
				{"2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"}}, 0},
		{"closed mid-month", subscription.Subscription{ID: id, Start: d("2026-10-20T00:00:00Z"), End: d("2026-11-05T12:00:00Z")}, plan.PeriodMonth, time.Time{}, d("2027-01-01T00:00:00Z"),
			[]span{{"2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "2026-10-20T00:00:00Z", "2026-11-01T00:00:00Z"},
				{"2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", "2026-11-01T00:00:00Z", "2026-11-05T12:00:00Z"}}, 0},
		{"closed on a boundary", subscription.Subscription{ID: id, Start: d("2026-10-20T00:00:00Z"), End: d("2026-11-01T00:00:00Z")}, plan.PeriodMonth, time.Time{}, d("2027-01-01T00:00:00Z"),
			[]span{{"2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "2026-10-20T00:00:00Z", "2026-11-01T00:00:00Z"}}, 0},
		{"closed at its start", subscription.Subscription{ID: id, Start: d("2026-10-20T00:00:00Z"), End: d("2026-10-20T00:00:00Z")}, plan.PeriodMonth, time.Time{}, d("2027-01-01T00:00:00Z"), nil, 0},
		{"yearly", subscription.Subscription{ID: id, Start: d("2026-03-01T00:00:00Z")}, plan.PeriodYear, time.Time{}, d("2027-02-01T00:00:00Z"),
			[]span{{"2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z"},
				{"2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"}}, 0},
		{"weekly starts Monday", subscription.Subscription{ID: id, Start: d("2026-11-26T10:00:00Z")}, plan.PeriodWeek, time.Time{}, d("2026-11-26T11:00:00Z"),
			[]span{{"2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z", "2026-11-26T10:00:00Z", "2026-11-30T00:00:00Z"}}, 0},
		{"trial covers the first period", subscription.Subscription{ID: id, Start: d("2026-10-20T00:00:00Z")}, plan.PeriodMonth, d("2026-11-03T00:00:00Z"), d("2026-12-02T00:00:00Z"),
			[]span{{"2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "2026-10-20T00:00:00Z", "2026-11-01T00:00:00Z"},
				{"2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"},
				{"2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"}}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := subscription.BillingPeriods(tc.sub, tc.unit, tc.trial, tc.now)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d periods, want %d: %+v", len(got), len(tc.want), got)
			}
			trials := 0
			uids := map[string]bool{}
			for i, w := range tc.want {
				g := got[i]
				if !g.Start.Equal(d(w.start)) || !g.End.Equal(d(w.end)) || !g.InternalStart.Equal(d(w.istart)) || !g.InternalEnd.Equal(d(w.iend)) {
					t.Errorf("period %d = %+v, want %+v", i, g, w)
				}
				if g.Trial {
					trials++
				}
				uids[g.UID] = true
			}
			if trials != tc.nTrl {
				t.Errorf("%d trial periods, want %d", trials, tc.nTrl)
			}
			if len(uids) != len(got) {
				t.Errorf("period uids are not unique: %v", uids)
			}
			again := subscription.BillingPeriods(tc.sub, tc.unit, tc.trial, tc.now)
			for i := range again {
				if again[i].UID != got[i].UID {
					t.Fatal("period uids are not stable")
				}
			}
		})
	}
}

func TestBillingPeriodsCapped(t *testing.T) {
	t.Parallel()
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	got := subscription.BillingPeriods(subscription.Subscription{ID: "x", Start: start}, plan.PeriodDay, start, start.AddDate(3, 0, 0))
	if len(got) != subscription.MaxListedPeriods {
		t.Fatalf("%d periods, want the cap %d", len(got), subscription.MaxListedPeriods)
	}
	if !got[len(got)-1].Start.Equal(start.AddDate(3, 0, 0)) {
		t.Fatalf("the most recent periods must be kept, last starts %v", got[len(got)-1].Start)
	}
}
