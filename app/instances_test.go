package app

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"samspill/models"
	"samspill/models/dbtest"
)

// TestTwoInstances runs two servers over one database, as several instances
// behind a load balancer on PostgreSQL: a session made on one is good on the
// other, a role change made on one is seen by the other on its next request,
// and the retention and no_response jobs run on one instance at a time.
func TestTwoInstances(t *testing.T) {
	t.Parallel()
	dsn := dbtest.DSN(t, "shared.db")
	a := newTestServerOn(t, dsn)
	b := newTestServerOn(t, dsn)
	ctx := context.Background()

	// Sessions live in the database: log in on A, carry on on B, log out on B.
	// (A cookie jar does not tell ports apart, so one jar serves both.)
	user := a.client(t)
	user.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	onB := &client{t: t, ts: b, http: user.http}
	if res, _ := onB.get("/dashboard"); res.StatusCode != http.StatusOK {
		t.Fatalf("B with A's session: /dashboard = %d; want 200", res.StatusCode)
	}
	if res, _ := onB.post("/logout", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout on B = %d", res.StatusCode)
	}
	if res, _ := user.get("/dashboard"); res.StatusCode == http.StatusOK {
		t.Error("A still takes the session B logged out")
	}

	// A role change on A is seen by B on its next request: B's Casbin bindings
	// follow the roles_version counter in the database.
	adviser, err := a.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	token := b.token(t, models.RoleAdviser)
	if code, _ := b.api(t, token, http.MethodGet, "/api/v1/enquiries", ""); code != http.StatusOK {
		t.Fatalf("adviser on B before the change: %d; want 200", code)
	}
	region := *adviser.Roles[0].RegionID
	admin := a.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	admin.get("/admin/users/" + itoa(adviser.ID))
	if res, _ := admin.post("/admin/users/"+itoa(adviser.ID)+"/roles", url.Values{"region_id": {itoa(region)}, "roles": {models.RoleBoard}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("role change on A = %d", res.StatusCode)
	}
	if code, _ := b.api(t, token, http.MethodGet, "/api/v1/enquiries", ""); code != http.StatusForbidden {
		t.Errorf("the former adviser, now board, on B: /api/v1/enquiries = %d; want 403", code)
	}
	if code, _ := b.api(t, token, http.MethodGet, "/api/v1/reports/referrals", ""); code != http.StatusOK {
		t.Errorf("the new board member on B: /api/v1/reports/referrals = %d; want 200", code)
	}

	// Make work for both jobs: a closed enquiry past retention, a sent referral
	// unanswered long past its follow-up date. Both servers' clocks move on.
	coordinator, err := a.store.UserByEmail(ctx, demoEmail(models.RoleCoordinator))
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.store.RegionBySlug(ctx, models.DemoRegionSlug)
	if err != nil {
		t.Fatal(err)
	}
	v := &models.Viewer{User: coordinator, Region: r}
	list, _, err := a.store.Enquiries(ctx, v, models.EnquiryFilter{Tab: "open"})
	if err != nil || len(list) == 0 {
		t.Fatalf("open enquiries: %d (%v)", len(list), err)
	}
	if _, err := a.store.CloseEnquiry(ctx, v, models.Actor{}, list[0].ID, models.CloseInput{Outcome: "guided", Version: list[0].Version}); err != nil {
		t.Fatal(err)
	}
	later := func() time.Time { return time.Now().UTC().AddDate(4, 0, 0) }
	a.store.SetClock(later)
	b.store.SetClock(later)

	if dbtest.Postgres() {
		// While another instance holds the jobs' locks, neither server runs them.
		hold, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer hold.Close()
		conn, err := hold.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, job := range []string{models.JobRetention, models.JobNoResponse} {
			if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", models.JobLockKey(job)); err != nil {
				t.Fatal(err)
			}
		}
		for name, ts := range map[string]*testServer{"A": a, "B": b} {
			if n, err := ts.store.ApplyRetention(ctx); !errors.Is(err, models.ErrJobRunning) || n != 0 {
				t.Errorf("retention on %s while another instance holds it = %d, %v; want ErrJobRunning", name, n, err)
			}
			if n, err := ts.store.MarkNoResponse(ctx); !errors.Is(err, models.ErrJobRunning) || n != 0 {
				t.Errorf("no_response on %s while another instance holds it = %d, %v; want ErrJobRunning", name, n, err)
			}
			if !ts.srv.janitorOnce(ctx, true) {
				t.Errorf("the janitor on %s does not count retention held elsewhere as done", name)
			}
		}
		if n := countAudit(t, a, "anonymise") + countAudit(t, a, "no_response"); n != 0 {
			t.Fatalf("%d job entries while the locks were held elsewhere", n)
		}
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock_all()"); err != nil {
			t.Fatal(err)
		}
		conn.Close()
	}

	// Both janitors at once, many times: each job's work is done once, by one.
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		for _, ts := range []*testServer{a, b} {
			wg.Add(1)
			go func(ts *testServer) {
				defer wg.Done()
				ts.srv.janitorOnce(ctx, true)
			}(ts)
		}
	}
	wg.Wait()
	// The enquiry closed above and the demo's closed case are past retention.
	if n := countAudit(t, a, "anonymise"); n != 2 {
		t.Errorf("retention anonymised %d times; want twice, once for each closed case", n)
	}
	if n := countAudit(t, a, "no_response"); n != 1 {
		t.Errorf("no_response marked %d times; want once", n)
	}
	if _, err := b.store.VerifyAudit(ctx); err != nil {
		t.Errorf("the audit chain after two instances wrote to it: %v", err)
	}
}

// countAudit counts the audit entries with action.
func countAudit(t *testing.T, ts *testServer, action string) int64 {
	t.Helper()
	admin := &models.Viewer{User: &models.User{Roles: []models.UserRole{{Role: models.RoleAdmin}}}}
	_, n, err := ts.store.AuditEntries(context.Background(), admin, models.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
