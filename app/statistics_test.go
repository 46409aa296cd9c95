package app

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"samspill/models"
)

// The municipality's "answered within target" measures response honestly: an
// enquiry nobody has answered weeks after its deadline was not answered within
// target, and must count against the share, not vanish from it.
func TestMunicipalityShareWithinTargetCountsUnansweredOverdue(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	adviser := demoAdviser(t, ts)
	answer := func(id int64) {
		t.Helper()
		if _, err := ts.store.AddActivity(ctx, adviser, models.Actor{}, id, models.ActivityInput{Kind: "call", OccurredOn: ts.store.Today(), Minutes: 10}); err != nil {
			t.Fatal(err)
		}
	}
	clock := ts.store.Now()
	ts.store.SetClock(func() time.Time { return clock })
	var late []int64
	for i := 0; i < 3; i++ { // answered, but weeks late
		id, _ := submitShared(t, ts, false) // Løten (3412)
		late = append(late, id)
	}
	clock = clock.Add(30 * 24 * time.Hour)
	for _, id := range late {
		answer(id)
	}
	for i := 0; i < 20; i++ { // answered the same day
		id, _ := submitShared(t, ts, false)
		answer(id)
	}
	for i := 0; i < 20; i++ { // never answered
		submitShared(t, ts, false)
	}
	clock = clock.Add(30 * 24 * time.Hour) // the last twenty are now weeks past their deadline
	status, st := ts.api(t, ts.tokenFor(t, demoEmail(models.RoleMunicipality)), http.MethodGet, "/api/v1/reports/municipality", "")
	if status != http.StatusOK {
		t.Fatalf("statistics = %d %v", status, st)
	}
	// About 20 of 43 enquiries past their deadline were answered within it.
	if pc, ok := st["share_within_target_percent"].(float64); !ok || pc > 60 {
		t.Errorf("share within target = %v %%, with %v answered in time, %v answered in all, of %v enquiries (twenty of them unanswered 30 days past their deadline)",
			st["share_within_target_percent"], st["answered_within_target"], st["answered"], st["total"])
	}
}

// The municipality's statistics name each month in words, as the board
// report names its quarters ("1. kvartal 2026"), not by its key "2026-11".
func TestStatisticsMonthsInWords(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, lang := range []string{"nb", "en"} {
		c := ts.client(t)
		c.login(demoEmail(models.RoleMunicipality), models.DemoPassword)
		c.post("/language", url.Values{"lang": {lang}, "back": {"/statistics"}})
		res, page := c.get("/statistics")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("statistics = %d", res.StatusCode)
		}
		if m := regexp.MustCompile(`<td>(\d{4}-\d{2})</td>`).FindStringSubmatch(page); m != nil {
			t.Errorf("%s: the statistics per month label a month %q; want it in words, as \"november 2026\"", lang, m[1])
		}
	}
}

func demoAdviser(t *testing.T, ts *testServer) *models.Viewer {
	t.Helper()
	v := regionAdmin(t, ts)
	u, err := ts.store.UserByEmail(context.Background(), demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	return &models.Viewer{User: u, Region: v.Region}
}
