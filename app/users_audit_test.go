package app

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"samspill/models"
)

// A user-level action (access, password, sessions, tokens, profile, the
// account's creation) is in the audit log of every region where the user
// holds a role, whichever region the admin was working in: each region's
// coordinator follows who has access there. A user without region roles is
// audited in the admin's region. Before, every entry lay in the admin's
// current region only, and Oslo's coordinator never saw that their adviser,
// also a Hamar adviser, was deactivated from Hamar.
func TestUserActionIsAuditedInEveryRegionOfTheUser(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	hamar, oslo := twoRegions(t, ts)
	adminUser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdmin))
	both, err := ts.store.CreateUser(ctx, models.Actor{UserID: adminUser.ID, RegionID: hamar.ID},
		models.UserInput{Email: "to-regioner@example.org", Name: "To Regioner"}, "to-regioner-passord-1",
		[]models.RoleGrant{{RegionID: hamar.ID, Role: models.RoleAdviser}, {RegionID: oslo.ID, Role: models.RoleAdviser}})
	if err != nil {
		t.Fatal(err)
	}
	adminOnly, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "bare-admin@example.org", Name: "Bare Admin"},
		"bare-admin-passord-1", []models.RoleGrant{{Role: models.RoleAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := ts.store.CreateToken(ctx, models.Actor{}, both.ID, "integrasjon")
	if err != nil {
		t.Fatal(err)
	}
	token, err := ts.store.UserByToken(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := ts.store.Tokens(ctx, &models.Viewer{User: token}, both.ID)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens = %v, %v", tokens, err)
	}
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	switchRegion(t, admin, hamar)
	path := "/admin/users/" + itoa(both.ID)
	admin.get(path)
	steps := []struct {
		action, object, id string
		do                 func() *http.Response
		hamar, oslo        bool
	}{
		{"create", "user", itoa(both.ID), nil, true, true},
		{"update", "user", itoa(both.ID), func() *http.Response {
			res, _ := admin.post(path, url.Values{"email": {both.Email}, "name": {"To Regioner Omdøpt"}, "version": {strconv.Itoa(both.Version)}})
			return res
		}, true, true},
		{"reset_password", "user", itoa(both.ID), func() *http.Response {
			res, _ := admin.post(path+"/password", nil)
			return res
		}, true, true},
		{"end_sessions", "user", itoa(both.ID), func() *http.Response {
			res, _ := admin.post(path+"/sessions", nil)
			return res
		}, true, true},
		{"revoke", "api_token", itoa(tokens[0].ID), func() *http.Response {
			res, _ := admin.post("/profile/tokens/"+itoa(tokens[0].ID)+"/revoke", url.Values{"back": {path}})
			return res
		}, true, true},
		{"deactivate", "user", itoa(both.ID), func() *http.Response {
			res, _ := admin.post(path+"/active", url.Values{"active": {"false"}})
			return res
		}, true, true},
		{"activate", "user", itoa(both.ID), func() *http.Response {
			res, _ := admin.post(path+"/active", url.Values{"active": {"true"}})
			return res
		}, true, true},
		// No region role: the admin's region, Hamar, alone.
		{"deactivate", "user", itoa(adminOnly.ID), func() *http.Response {
			res, _ := admin.post("/admin/users/"+itoa(adminOnly.ID)+"/active", url.Values{"active": {"false"}})
			return res
		}, true, false},
	}
	hamarCoord := ts.client(t)
	hamarCoord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	osloCoord := ts.client(t)
	osloCoord.login("kanari@oslo.example", "kanari-passord-1")
	for _, st := range steps {
		if st.do != nil {
			if res := st.do(); res.StatusCode >= 400 {
				t.Fatalf("%s %s %s = %d", st.action, st.object, st.id, res.StatusCode)
			}
		}
		q := "/admin/audit?object=" + st.object + "&action=" + st.action + "&object_id=" + st.id
		for _, log := range []struct {
			name string
			c    *client
			want bool
		}{{"Hamar", hamarCoord, st.hamar}, {"Oslo", osloCoord, st.oslo}} {
			_, page := log.c.get(q)
			if got := strings.Count(page, "<tr><td>"); got != map[bool]int{true: 1, false: 0}[log.want] {
				t.Errorf("%s %s %s: entries in %s's audit log = %d; want %v", st.action, st.object, st.id, log.name, got, log.want)
			}
		}
	}
}
