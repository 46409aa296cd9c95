package app

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"samspill/models"
	"samspill/models/dbtest"
)

// adminEntries lists the regions of the audit entries of action on user id.
func adminEntries(t *testing.T, ts *testServer, action string, id int64) []int64 {
	t.Helper()
	db, err := ts.store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT COALESCE(region_id, 0) FROM audit_log WHERE action = '` + action + `' AND object = 'user' AND object_id = '` + itoa(id) + `' ORDER BY region_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var r int64
		if err := rows.Scan(&r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func userVersion(t *testing.T, ts *testServer, id int64) string {
	t.Helper()
	u, err := ts.store.UserByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(u.Version)
}

// An admin makes an existing user an admin, and takes the role away again,
// on the user's page: the role reaches Casbin on the user's next log-in,
// their old sessions end, and each change is audited in every region of the
// user's roles. Before, the admin role could be given only when a user was
// made.
func TestAdminRoleGrantedAndRevokedOnUsersPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	hamar, oslo := twoRegions(t, ts)
	adviser, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	// The adviser holds a role in Oslo too: both regions see the change.
	if err := ts.store.SetRegionRoles(ctx, &models.Viewer{User: mustUser(t, ts, models.RoleAdmin)}, models.Actor{}, adviser.ID, oslo.ID, []string{models.RoleAdviser}); err != nil {
		t.Fatal(err)
	}
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	path := "/admin/users/" + itoa(adviser.ID)
	if _, body := admin.get(path); !strings.Contains(body, `action="`+path+`/admin"`) {
		t.Fatalf("the user's page has no administrator form")
	}

	old := ts.client(t)
	old.login(adviser.Email, models.DemoPassword)
	if res, _ := old.get("/admin/regions/new"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("adviser GET /admin/regions/new = %d; want 403", res.StatusCode)
	}

	res, body := admin.post(path+"/admin", url.Values{"admin": {"true"}, "version": {userVersion(t, ts, adviser.ID)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("grant = %d; want 303\n%s", res.StatusCode, body)
	}
	if _, page := admin.get(path); !strings.Contains(page, "Brukeren er administrator.") {
		t.Error("the page does not say the user is an administrator now")
	}
	if u, _ := ts.store.UserByID(ctx, adviser.ID); !u.IsAdmin() {
		t.Fatal("the user is not an admin after the grant")
	}
	if got := adminEntries(t, ts, "grant_admin", adviser.ID); len(got) != 2 || got[0] != hamar.ID || got[1] != oslo.ID {
		t.Errorf("grant_admin entries in regions %v; want [%d %d]", got, hamar.ID, oslo.ID)
	}
	if res, _ := old.get("/dashboard"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the user's old session still works after the grant: %d", res.StatusCode)
	}
	fresh := ts.client(t)
	fresh.login(adviser.Email, models.DemoPassword)
	if res, _ := fresh.get("/admin/regions/new"); res.StatusCode != http.StatusOK {
		t.Errorf("new admin GET /admin/regions/new = %d; want 200", res.StatusCode)
	}
	if res, _ := fresh.get("/admin/regions"); res.StatusCode != http.StatusOK {
		t.Errorf("new admin GET /admin/regions = %d; want 200", res.StatusCode)
	}

	res, body = admin.post(path+"/admin", url.Values{"admin": {"false"}, "version": {userVersion(t, ts, adviser.ID)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke = %d; want 303\n%s", res.StatusCode, body)
	}
	if u, _ := ts.store.UserByID(ctx, adviser.ID); u.IsAdmin() || !u.HasRole(hamar.ID, models.RoleAdviser) {
		t.Fatalf("after the revoke: admin %v, roles %v; want the region roles only", u.IsAdmin(), u.Roles)
	}
	if got := adminEntries(t, ts, "revoke_admin", adviser.ID); len(got) != 2 {
		t.Errorf("revoke_admin entries in regions %v; want 2", got)
	}
	if res, _ := fresh.get("/dashboard"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the user's session still works after the revoke: %d", res.StatusCode)
	}
	again := ts.client(t)
	again.login(adviser.Email, models.DemoPassword)
	if res, _ := again.get("/admin/regions/new"); res.StatusCode != http.StatusForbidden {
		t.Errorf("former admin GET /admin/regions/new = %d; want 403", res.StatusCode)
	}
}

func mustUser(t *testing.T, ts *testServer, role string) *models.User {
	t.Helper()
	u, err := ts.store.UserByEmail(context.Background(), demoEmail(role))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Each refusal of the administrator form says why beside it, in Norwegian,
// and changes nothing; a no-op changes nothing and writes no audit entry; a
// coordinator may not use the form at all (the route guard answers 404 on a
// record route, as it does for every record the viewer may not reach).
func TestAdminRoleRefusals(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	adminUser := mustUser(t, ts, models.RoleAdmin)
	adviser := mustUser(t, ts, models.RoleAdviser)
	inactive, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "sluttet@example.org", Name: "Sluttet Rådgiver"},
		"sluttet-passord-123", []models.RoleGrant{{RegionID: *adviser.Roles[0].RegionID, Role: models.RoleAdviser}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.SetActive(ctx, &models.Viewer{User: adminUser}, models.Actor{}, inactive.ID, false, ""); err != nil {
		t.Fatal(err)
	}
	admin := ts.client(t)
	admin.login(adminUser.Email, models.DemoPassword)
	coordinator := ts.client(t)
	coordinator.login(demoEmail(models.RoleCoordinator), models.DemoPassword)

	if _, body := coordinator.get("/admin/users/" + itoa(adviser.ID)); strings.Contains(body, "/admin\"") {
		t.Error("a coordinator is offered the administrator form")
	}

	tests := []struct {
		name   string
		c      *client
		user   int64
		admin  string
		status int
		msg    string // shown beside the form
	}{
		{"self-demotion", admin, adminUser.ID, "false", http.StatusUnprocessableEntity, "Du kan ikke ta fra deg din egen administratorrolle"},
		{"deactivated user", admin, inactive.ID, "true", http.StatusUnprocessableEntity, "En deaktivert bruker kan ikke bli administrator"},
		{"no answer", admin, adviser.ID, "", http.StatusUnprocessableEntity, "Velg et av alternativene"},
		{"nonsense", admin, adviser.ID, "ja", http.StatusUnprocessableEntity, "Velg et av alternativene"},
		{"stale version", admin, adviser.ID, "true", http.StatusConflict, ""},
		{"version not a number", admin, adviser.ID, "true", http.StatusBadRequest, ""},
		{"already not admin", admin, adviser.ID, "false", http.StatusSeeOther, "Ingenting er endret"},
		{"already admin", admin, adminUser.ID, "true", http.StatusSeeOther, "Ingenting er endret"},
		{"coordinator grants", coordinator, adviser.ID, "true", http.StatusNotFound, ""},
		{"coordinator revokes", coordinator, adminUser.ID, "false", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.get("/dashboard")
			version := userVersion(t, ts, tt.user)
			if tt.name == "stale version" {
				version = "0"
				if version == userVersion(t, ts, tt.user) {
					version = "999"
				}
			}
			if tt.name == "version not a number" {
				version = "tre"
			}
			before := dbFingerprint(t, ts)
			res, body := tt.c.post("/admin/users/"+itoa(tt.user)+"/admin", url.Values{"admin": {tt.admin}, "version": {version}})
			if res.StatusCode != tt.status {
				t.Fatalf("status %d; want %d\n%s", res.StatusCode, tt.status, body)
			}
			if res.StatusCode == http.StatusSeeOther {
				_, body = tt.c.get(res.Header.Get("Location"))
			}
			if tt.msg != "" && !strings.Contains(html.UnescapeString(body), tt.msg) {
				t.Errorf("the page does not say %q", tt.msg)
			}
			if after := dbFingerprint(t, ts); after != before {
				t.Error("the database changed")
			}
		})
	}
}

// An admin made on one instance is an admin on another on the user's next
// request there: the grant bumps the role bindings' version, as every change
// of roles does, and the other instance's Casbin reloads them.
func TestAdminGrantReachesOtherInstance(t *testing.T) {
	t.Parallel()
	dsn := dbtest.DSN(t, "shared.db")
	a := newTestServerOn(t, dsn)
	b := newTestServerOn(t, dsn)
	adviser := mustUser(t, a, models.RoleAdviser)
	onB := b.client(t)
	onB.login(adviser.Email, models.DemoPassword)
	if res, _ := onB.get("/admin/regions/new"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("adviser on B: /admin/regions/new = %d; want 403", res.StatusCode)
	}
	admin := a.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	admin.get("/admin/users/" + itoa(adviser.ID))
	if res, body := admin.post("/admin/users/"+itoa(adviser.ID)+"/admin", url.Values{"admin": {"true"}, "version": {userVersion(t, a, adviser.ID)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("grant on A = %d\n%s", res.StatusCode, body)
	}
	onB = b.client(t)
	onB.login(adviser.Email, models.DemoPassword)
	if res, _ := onB.get("/admin/regions/new"); res.StatusCode != http.StatusOK {
		t.Errorf("new admin on B: /admin/regions/new = %d; want 200", res.StatusCode)
	}
}
