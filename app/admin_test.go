package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"samspill/models"
)

// TestAdminAddsRegionAndUser walks the "done when" of the foundation: an admin
// adds a region with member municipalities and a user with a role there, and
// that user logs in to a Norwegian page fitted to the role.
func TestAdminAddsRegionAndUser(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)

	admin.get("/admin/regions/new")
	res, body := admin.post("/admin/regions", url.Values{
		"slug": {"midt-telemark"}, "name": {"Midt-Telemark Næringsutvikling"}, "host_municipality": {"4020"},
		"first_response_days": {"3"}, "referral_follow_up_days": {"14"}, "no_response_days": {"30"}, "retention_months": {"36"},
	})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create region: %d\n%s", res.StatusCode, body)
	}
	region, err := ts.store.RegionBySlug(ctx, "midt-telemark")
	if err != nil {
		t.Fatal(err)
	}
	regionPath := "/admin/regions/" + itoa(region.ID)
	admin.get(regionPath)
	for _, k := range []string{"4020", "4012"} {
		res, body := admin.post(regionPath+"/members", url.Values{"kommunenummer": {k}, "joined_on": {"2024-01-01"}, "votes": {"1"}, "committed_fte": {"0,5"}, "takes_enquiries": {"on"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add member %s: %d\n%s", k, res.StatusCode, body)
		}
	}
	_, page := admin.get(regionPath)
	if !strings.Contains(page, "Midt-Telemark") || !strings.Contains(page, "Bamble") || !strings.Contains(page, "0,5") {
		t.Errorf("region page lacks its members:\n%s", page)
	}

	admin.get("/admin/users/new")
	res, body = admin.post("/admin/users", url.Values{
		"email": {"radgiver@midt-telemark.example"}, "name": {"Mari Midt"}, "region_id": {itoa(region.ID)}, "roles": {"adviser"},
	})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create user: %d\n%s", res.StatusCode, body)
	}
	m := regexpSecret.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the new password is not shown:\n%s", body)
	}
	user := ts.client(t)
	user.login("radgiver@midt-telemark.example", m[1])
	_, dash := user.get("/dashboard")
	for _, want := range []string{`lang="nb"`, "Velkommen, Mari Midt", "Midt-Telemark Næringsutvikling", "Førstelinjerådgiver"} {
		if !strings.Contains(dash, want) {
			t.Errorf("the new adviser's start page lacks %q", want)
		}
	}
	if strings.Contains(dash, `href="/admin/users"`) {
		t.Error("an adviser is offered user administration")
	}
}

func TestAdminFormErrorsKeepInput(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	admin.get("/admin/regions/new")
	res, body := admin.post("/admin/regions", url.Values{
		"slug": {"Ugyldig Slug"}, "name": {"Region med feil"}, "host_municipality": {"9999"},
		"first_response_days": {"to"}, "referral_follow_up_days": {"14"}, "no_response_days": {"30"}, "retention_months": {"36"},
	})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d; want 422", res.StatusCode)
	}
	for _, want := range []string{`value="Region med feil"`, `value="Ugyldig Slug"`, "Skriv et tall.", `aria-invalid="true"`} {
		if !strings.Contains(body, want) {
			t.Errorf("error page lacks %q", want)
		}
	}
	// An error summary at the top links each error to its field, as on the one door.
	for _, want := range []string{`class="ds-error-summary"`, `href="#f-slug"`, `href="#f-first_response_days"`} {
		if !strings.Contains(body, want) {
			t.Errorf("error summary lacks %q", want)
		}
	}
	// A number that did not parse does not hide the other fields' errors for a second round.
	if !strings.Contains(body, "Bruk bare små bokstaver a–z, tall og bindestrek.") {
		t.Error("the invalid slug is not reported beside the unparsed number")
	}
	regions, err := ts.store.RegionsVisibleTo(context.Background(), &models.Viewer{User: &models.User{Roles: []models.UserRole{{Role: models.RoleAdmin}}}})
	if err != nil || len(regions) != 1 {
		t.Errorf("a refused form created a region: %d regions (%v)", len(regions), err)
	}
}

// A coordinator manages only the users of their own region.
func TestCoordinatorScope(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	a := models.Actor{}
	in := models.DefaultRegionInput()
	in.Slug, in.Name = "annen", "Annen region"
	other, err := ts.store.CreateRegion(ctx, a, in)
	if err != nil {
		t.Fatal(err)
	}
	canary, err := ts.store.CreateUser(ctx, a, models.UserInput{Email: "kanari@annen.example", Name: "Kanari Annen"}, "kanari-passord-123", []models.RoleGrant{{RegionID: other.ID, Role: models.RoleAdviser}})
	if err != nil {
		t.Fatal(err)
	}
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)

	_, list := coord.get("/admin/users")
	if strings.Contains(list, "Kanari") {
		t.Error("the user list shows a user of another region")
	}
	if !strings.Contains(list, "Rune Rådgiver") {
		t.Error("the user list lacks the region's own adviser")
	}
	_, list = coord.get("/admin/users?q=kanari")
	if strings.Contains(list, "Kanari") {
		t.Error("search finds a user of another region")
	}
	for _, p := range []string{"/admin/users/" + itoa(canary.ID), "/admin/regions/" + itoa(other.ID)} {
		if res, _ := coord.get(p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d; want 404", p, res.StatusCode)
		}
	}
	for _, p := range []string{"/active", "/password", "/sessions", "/roles", ""} {
		res, _ := coord.post("/admin/users/"+itoa(canary.ID)+p, url.Values{"active": {"false"}, "region_id": {itoa(other.ID)}, "roles": {"board"}, "email": {"x@y.no"}, "name": {"X"}, "version": {"1"}})
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("POST /admin/users/%d%s = %d; want 404", canary.ID, p, res.StatusCode)
		}
	}
	after, _ := ts.store.UserByID(ctx, canary.ID)
	if !after.Active || after.Name != "Kanari Annen" || len(after.Roles) != 1 || after.Roles[0].Role != models.RoleAdviser {
		t.Errorf("the coordinator changed a user of another region: %+v", after)
	}

	// Granting roles elsewhere, or admin, is refused.
	coord.get("/admin/users/new")
	res, _ := coord.post("/admin/users", url.Values{"email": {"ny@annen.example"}, "name": {"Ny"}, "region_id": {itoa(other.ID)}, "roles": {"adviser"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("coordinator creating a user in another region = %d; want 422", res.StatusCode)
	}
	hamar := demoRegion(t, ts)
	res, body := coord.post("/admin/users", url.Values{"email": {"ny2@hamar.example"}, "name": {"Ny"}, "admin": {"on"}, "region_id": {itoa(hamar.ID)}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Du kan bare gi roller i din egen region.") {
		t.Errorf("coordinator creating an admin = %d; want 422 saying why", res.StatusCode)
	}
	if _, err := ts.store.UserByEmail(ctx, "ny2@hamar.example"); err == nil {
		t.Error("a coordinator made an admin")
	}
	// A municipality user belongs to one of the region's members: the form
	// offers those only, and another (Oslo) is refused.
	_, form := coord.get("/admin/users/new")
	if !strings.Contains(form, `<option value="3412"`) || strings.Contains(form, `<option value="0301"`) {
		t.Error("the coordinator's user form does not offer just the region's municipalities")
	}
	res, body = coord.post("/admin/users", url.Values{"email": {"ola@oslo.example"}, "name": {"Ola Oslo"}, "region_id": {itoa(hamar.ID)},
		"roles": {"municipality"}, "municipality": {"0301"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Kommunen er ikke med i regionen.") {
		t.Errorf("a municipality user for Oslo in Hamarregionen = %d; want 422 saying Oslo is not a member", res.StatusCode)
	}
	if _, err := ts.store.UserByEmail(ctx, "ola@oslo.example"); err == nil {
		t.Error("a municipality user was made for a municipality outside the region")
	}
	// Region settings of another region cannot be changed through the API either.
	tok := ts.token(t, models.RoleCoordinator)
	if status, _ := ts.api(t, tok, http.MethodPatch, "/api/v1/regions/"+itoa(other.ID), `{"name": "Kapret", "version": 1}`); status != http.StatusNotFound {
		t.Errorf("coordinator PATCH of another region = %d; want 404", status)
	}
}

// A role change reaches Casbin on the user's next request, by session and by token.
func TestRoleChangeTakesEffect(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	board, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleBoard))
	region, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	tok := ts.token(t, models.RoleBoard)
	if status, _ := ts.api(t, tok, http.MethodGet, "/api/v1/factors", ""); status != http.StatusOK {
		t.Fatalf("board reads factors = %d", status)
	}
	session := ts.client(t)
	session.login(demoEmail(models.RoleBoard), models.DemoPassword)

	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	coord.get("/admin/users/" + itoa(board.ID))
	if res, body := coord.post("/admin/users/"+itoa(board.ID)+"/roles", url.Values{"region_id": {itoa(region.ID)}, "roles": {"coordinator"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("set roles: %d\n%s", res.StatusCode, body)
	}
	// The token's next request has the new role: coordinators may list users.
	if status, _ := ts.api(t, tok, http.MethodPatch, "/api/v1/regions/"+itoa(region.ID), `{"retention_months": 24, "version": 1}`); status != http.StatusOK {
		t.Errorf("after promotion, PATCH region by token = %d; want 200", status)
	}
	// The browser session ends, so nobody works on with roles they no longer have.
	if res, _ := session.get("/dashboard"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("session after a role change = %d; want 303 to log in", res.StatusCode)
	}
	// Removing a role takes effect too (the last one is kept: see
	// TestLastRoleIsNotRemoved).
	coord.get("/admin/users/" + itoa(board.ID))
	if res, body := coord.post("/admin/users/"+itoa(board.ID)+"/roles", url.Values{"region_id": {itoa(region.ID)}, "roles": {"board"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("set roles back to board: %d\n%s", res.StatusCode, body)
	}
	if status, out := ts.api(t, tok, http.MethodPatch, "/api/v1/regions/"+itoa(region.ID), `{"retention_months": 12, "version": 2}`); status != http.StatusNotFound {
		t.Errorf("after losing the coordinator role, PATCH region by token = %d; want 404 (refused, as a record) %v", status, out)
	}
}

// A user with roles in two regions switches region, and the choice is remembered.
func TestRegionSwitch(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	in := models.DefaultRegionInput()
	in.Slug, in.Name = "kongsvinger", "Kongsvingerregionen"
	second, err := ts.store.CreateRegion(ctx, models.Actor{}, in)
	if err != nil {
		t.Fatal(err)
	}
	adviser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	admin := &models.Viewer{User: &models.User{Roles: []models.UserRole{{Role: models.RoleAdmin}}}}
	if err := ts.store.SetRegionRoles(ctx, admin, models.Actor{}, adviser.ID, second.ID, []string{models.RoleBoard}); err != nil {
		t.Fatal(err)
	}
	list, _, err := ts.store.Enquiries(ctx, admin, models.EnquiryFilter{})
	if err != nil || len(list) == 0 {
		t.Fatalf("no demo enquiry: %v", err)
	}
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	// The switch is in the frame of every page, the case page too (its own
	// list of regions to route to once hid it there).
	for _, path := range []string{"/dashboard", "/enquiries", "/enquiries/" + itoa(list[0].ID), "/referrals", "/projects"} {
		_, body := c.get(path)
		if !strings.Contains(body, `id="region-switch"`) || !strings.Contains(body, "Kongsvingerregionen") {
			t.Fatalf("%s: no region switch for a user with two regions:\n%s", path, body)
		}
	}
	if res, _ := c.post("/region", url.Values{"region": {itoa(second.ID)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch region: %d", res.StatusCode)
	}
	_, body := c.get("/dashboard")
	if !strings.Contains(body, "Du arbeider i Kongsvingerregionen.") || !strings.Contains(body, "Styret") {
		t.Errorf("after switching, the start page is not for the board of the second region:\n%s", body)
	}
	// Remembered at the next log-in.
	again := ts.client(t)
	again.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	if _, body := again.get("/dashboard"); !strings.Contains(body, "Du arbeider i Kongsvingerregionen.") {
		t.Error("the chosen region is not remembered at the next log-in")
	}
	// A region without a role is out of reach.
	in.Slug, in.Name = "fremmed", "Fremmed region"
	foreign, _ := ts.store.CreateRegion(ctx, models.Actor{}, in)
	if res, _ := c.post("/region", url.Values{"region": {itoa(foreign.ID)}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("switching to a region without a role = %d; want 404", res.StatusCode)
	}
}

func TestLanguageSwitch(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	_, body := c.get("/login")
	if !strings.Contains(body, `lang="nb"`) || !strings.Contains(body, "Logg inn i Samspill") {
		t.Fatal("the log-in page is not in Bokmål by default")
	}
	c.post("/language", url.Values{"lang": {"en"}, "back": {"/login"}})
	if _, body := c.get("/login"); !strings.Contains(body, `lang="en"`) || !strings.Contains(body, "Log in to Samspill") {
		t.Error("the language switch did not take")
	}
	if res, _ := c.post("/language", url.Values{"lang": {"xx"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown language = %d; want 400", res.StatusCode)
	}
	// An open redirect is not possible through "back".
	if res, _ := c.post("/language", url.Values{"lang": {"nb"}, "back": {"//evil.example/"}}); res.Header.Get("Location") != "/" {
		t.Errorf("back=//evil.example redirected to %q", res.Header.Get("Location"))
	}
}

func TestMunicipalitySearchPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	tests := []struct{ query, want, notWant string }{
		{"?q=%C3%B8rsta", "Ørsta", "Løten"},
		{"?q=3412", "Løten", "Ørsta"},
		{"?county=56", "Kautokeino", "Løten"},
		{"?q=innlandet", "Løten", "Ørsta"},
	}
	for _, tt := range tests {
		_, body := c.get("/admin/municipalities" + tt.query)
		if !strings.Contains(body, tt.want) || strings.Contains(body, tt.notWant) {
			t.Errorf("municipalities%s: want %q and not %q", tt.query, tt.want, tt.notWant)
		}
	}
	_, body := c.get("/admin/municipalities?q=finnesikke")
	if !strings.Contains(body, `class="empty"`) {
		t.Error("no empty state for a search without hits")
	}
}

// An admin lists and revokes another user's API token from the user's page.
func TestAdminRevokesUsersToken(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	tok := ts.token(t, models.RolePartner)
	partner, _ := ts.store.UserByEmail(ctx, demoEmail(models.RolePartner))
	tokens, err := ts.store.Tokens(ctx, &models.Viewer{User: partner}, partner.ID)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens = %v, %v", tokens, err)
	}
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	userPath := "/admin/users/" + itoa(partner.ID)
	if _, body := admin.get(userPath); !strings.Contains(body, "/profile/tokens/"+itoa(tokens[0].ID)+"/revoke") {
		t.Fatal("the user page does not list the token for the admin")
	}
	res, _ := admin.post("/profile/tokens/"+itoa(tokens[0].ID)+"/revoke", url.Values{"back": {userPath}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != userPath {
		t.Fatalf("revoke: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if status, _ := ts.api(t, tok, http.MethodGet, "/api/v1/me", ""); status != http.StatusUnauthorized {
		t.Errorf("the revoked token still works: %d", status)
	}
	// A coordinator cannot revoke someone else's token.
	ts.token(t, models.RolePartner)
	tokens, _ = ts.store.Tokens(ctx, &models.Viewer{User: partner}, partner.ID)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	if res, _ := coord.post("/profile/tokens/"+itoa(tokens[0].ID)+"/revoke", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("coordinator revoking another's token = %d; want 404", res.StatusCode)
	}
}

// A new member's date of joining defaults to today in Norway, on the store's
// clock: half past midnight in Oslo is still the day before in UTC.
func TestRegionMemberJoinedDefaultsToNorwegianToday(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	at := time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC) // 00:30 on 2 March in Oslo
	ts.store.SetClock(func() time.Time { return at })
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	region := demoRegion(t, ts)
	_, page := admin.get("/admin/regions/" + itoa(region.ID))
	if !strings.Contains(page, `value="2026-03-02"`) {
		t.Errorf("the member form does not default its date to 2026-03-02")
	}
}

// A new partner is active or not as the admin chose: the form's "Aktiv" box,
// ticked to begin with, and the API's "active", true when left out.
func TestNewPartnerActiveAsChosen(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	if _, page := admin.get("/admin/partners/new"); !strings.Contains(page, `name="active" aria-describedby="f-active-hint" checked>`) {
		t.Error("the new partner form's Aktiv box is not ticked to begin with")
	}
	token := ts.token(t, models.RoleAdmin)
	tests := []struct {
		name   string
		create func(name string) // creates a partner called name
		want   bool
	}{
		{"form, ticked", func(name string) { postPartner(t, admin, name, "on") }, true},
		{"form, not ticked", func(name string) { postPartner(t, admin, name, "") }, false},
		{"API, true", func(name string) { apiPartner(t, ts, token, `{"name": "`+name+`", "kind": "local", "active": true}`) }, true},
		{"API, false", func(name string) { apiPartner(t, ts, token, `{"name": "`+name+`", "kind": "local", "active": false}`) }, false},
		{"API, left out", func(name string) { apiPartner(t, ts, token, `{"name": "`+name+`", "kind": "local"}`) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "Partner " + tt.name
			tt.create(name)
			p, err := ts.store.PartnerByName(context.Background(), name)
			if err != nil {
				t.Fatal(err)
			}
			if p.Active != tt.want {
				t.Errorf("active = %t; want %t", p.Active, tt.want)
			}
		})
	}
}

func postPartner(t *testing.T, c *client, name, active string) {
	t.Helper()
	c.get("/admin/partners/new")
	form := url.Values{"name": {name}, "kind": {"local"}}
	if active != "" {
		form.Set("active", active)
	}
	if res, body := c.post("/admin/partners", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create partner by form = %d\n%s", res.StatusCode, body)
	}
}

func apiPartner(t *testing.T, ts *testServer, token, body string) {
	t.Helper()
	if status, out := ts.api(t, token, http.MethodPost, "/api/v1/partners", body); status != http.StatusCreated {
		t.Fatalf("create partner by API = %d %v", status, out)
	}
}

// A coordinator resets passwords, changes e-mail, deactivates and logs out only
// users whose every role is in the coordinator's region. An admin who also has
// a role there, or a user who also has a role in another region, is out of
// scope (404): a new password for them would let the coordinator log in as an
// admin or as someone working in another region.
func TestCoordinatorAccountActionsStayInRegion(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	hamar := demoRegion(t, ts)
	in := models.DefaultRegionInput()
	in.Slug, in.Name = "annen", "Annen region"
	other, err := ts.store.CreateRegion(ctx, models.Actor{}, in)
	if err != nil {
		t.Fatal(err)
	}
	const password = "målbruker-passord-123"
	targets := []struct {
		kind   string
		grants []models.RoleGrant
		want   bool // whether the coordinator may act on the account
	}{
		{"adviser of the region", []models.RoleGrant{{RegionID: hamar.ID, Role: models.RoleAdviser}}, true},
		{"admin with a region role", []models.RoleGrant{{Role: models.RoleAdmin}, {RegionID: hamar.ID, Role: models.RoleAdviser}}, false},
		{"coordinator of another region too", []models.RoleGrant{{RegionID: hamar.ID, Role: models.RoleAdviser}, {RegionID: other.ID, Role: models.RoleCoordinator}}, false},
	}
	actions := []struct {
		name, path string
		form       func(u *models.User) url.Values
		okStatus   int
		changed    func(before, after *models.User) bool
	}{
		{"reset password", "/password", func(*models.User) url.Values { return nil }, http.StatusOK,
			func(before, after *models.User) bool { return after.PasswordHash != before.PasswordHash }},
		{"update e-mail", "", func(u *models.User) url.Values {
			return url.Values{"email": {"kapret-" + u.Email}, "name": {u.Name}, "version": {strconv.Itoa(u.Version)}}
		}, http.StatusSeeOther, func(before, after *models.User) bool { return after.Email != before.Email }},
		{"deactivate", "/active", func(*models.User) url.Values { return url.Values{"active": {"false"}} }, http.StatusSeeOther,
			func(before, after *models.User) bool { return !after.Active }},
		{"end sessions", "/sessions", func(*models.User) url.Values { return nil }, http.StatusSeeOther,
			func(before, after *models.User) bool { return after.SessionEpoch != before.SessionEpoch }},
	}
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	for i, target := range targets {
		for j, action := range actions {
			t.Run(target.kind+"/"+action.name, func(t *testing.T) {
				email := fmt.Sprintf("maal-%d-%d@example.org", i, j)
				u, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: email, Name: "Mål " + target.kind}, password, target.grants)
				if err != nil {
					t.Fatal(err)
				}
				path := "/admin/users/" + itoa(u.ID)
				_, page := coord.get(path)
				if offered := strings.Contains(page, `action="`+path+`/password"`); offered != target.want {
					t.Errorf("the user page offers account actions: %v; want %v", offered, target.want)
				}
				res, body := coord.post(path+action.path, action.form(u))
				want := http.StatusNotFound
				if target.want {
					want = action.okStatus
				}
				if res.StatusCode != want {
					t.Fatalf("POST %s%s = %d; want %d\n%s", path, action.path, res.StatusCode, want, body)
				}
				after, err := ts.store.UserByID(ctx, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got := action.changed(u, after); got != target.want {
					t.Errorf("account changed: %v; want %v", got, target.want)
				}
			})
		}
	}
}

// A membership is changed from its own row's "Endre", with the version read:
// a save from an outdated form is refused and changes nothing, and the blank
// form does not overwrite a membership that exists.
func TestRegionMemberEditIsVersioned(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	region := demoRegion(t, ts)
	path := "/admin/regions/" + itoa(region.ID)
	a, b := ts.client(t), ts.client(t)
	a.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	b.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	_, page := a.get(path)
	if !strings.Contains(page, `href="`+path+`?member=3412#member-form-heading"`) {
		t.Fatal("the member table has no link to change Løten's membership")
	}
	_, pageA := a.get(path + "?member=3412")
	_, pageB := b.get(path + "?member=3412")
	version := caseVersionField
	if version.FindStringSubmatch(pageA) == nil || !strings.Contains(pageA, `name="member" value="3412"`) || strings.Contains(pageA, `id="f-kommunenummer"`) {
		t.Fatal("the member form does not hold Løten's membership and its version, or offers another municipality")
	}
	form := func(page, votes string) url.Values {
		return url.Values{"kommunenummer": {"3412"}, "member": {"3412"}, "joined_on": {"2020-01-01"}, "votes": {votes}, "committed_fte": {"0,5"},
			"takes_enquiries": {"on"}, "version": {version.FindStringSubmatch(page)[1]}}
	}
	// Løten's version is no licence to change Hamar, whose version may be the same.
	other := form(pageA, "9")
	other.Set("kommunenummer", "3403")
	if res, body := a.post(path+"/members", other); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Endringen gjelder en annen kommune") {
		t.Errorf("Løten's form sent for Hamar = %d; want 422", res.StatusCode)
	}
	if res, body := a.post(path+"/members", form(pageA, "3")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save = %d\n%s", res.StatusCode, body)
	}
	res, body := b.post(path+"/members", form(pageB, "5"))
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Noen andre har lagret endringer") || !strings.Contains(body, `name="votes" value="5"`) {
		t.Errorf("stale save = %d; want 409 saying so, with what was typed", res.StatusCode)
	}
	blank := form(pageA, "7")
	blank.Del("version")
	if res, body := b.post(path+"/members", blank); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Kommunen er allerede med i regionen.") {
		t.Errorf("the blank form for a member = %d; want 422 saying it is a member already", res.StatusCode)
	}
	r, _ := ts.store.Region(ctx, adminViewer(t, ts), region.ID)
	for _, m := range r.Members {
		if m.Kommunenummer == "3412" && m.Votes != 3 || m.Kommunenummer == "3403" && m.Votes == 9 {
			t.Errorf("%s's votes = %d; want Løten's 3 from the first save, Hamar's untouched", m.Kommunenummer, m.Votes)
		}
	}
}

// An admin's page about another user names whose API keys it lists; the
// profile page speaks of the viewer's own.
func TestTokenTableNamesItsOwner(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	adviser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	_, page := admin.get("/admin/users/" + itoa(adviser.ID))
	if !strings.Contains(page, "Brukeren har ingen API-nøkler.") || strings.Contains(page, "Du har ingen API-nøkler.") {
		t.Error("the admin's page about the adviser speaks of the admin's own keys")
	}
	ts.token(t, models.RoleAdviser)
	_, page = admin.get("/admin/users/" + itoa(adviser.ID))
	if !strings.Contains(page, "<caption>API-nøklene til "+adviser.Name+"</caption>") {
		t.Error("the admin's page does not name whose keys it lists")
	}
	self := ts.client(t)
	self.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	if _, page = self.get("/profile"); !strings.Contains(page, "<caption>Dine API-nøkler</caption>") {
		t.Error("the profile page does not speak of the viewer's own keys")
	}
}

// The audit log shows its actions and objects in the reader's language, as
// the case history does with the same catalogue ("audit.view" = "Så på
// saken"), not as the codes "view", "create", "enquiry", "api_token".
func TestAuditLogInReadersLanguage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	c.get("/enquiries/1") // one view of a case in the log
	_, page := c.get("/admin/audit")
	for _, code := range []string{"view", "create", "enquiry", "referral", "api_token"} {
		if strings.Contains(page, "<td>"+code+"</td>") {
			t.Errorf("the Bokmål audit log shows the code %q", code)
		}
	}
	for _, want := range []string{"<td>Åpnet</td><td>Henvendelse</td>", `<option value="view">Åpnet</option>`, `<option value="" selected>Alle</option>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the audit log lacks %s", want)
		}
	}
}

func TestSetActiveRefusesUnknownValue(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	u, _ := ts.store.UserByEmail(context.Background(), demoEmail(models.RoleBoard))
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	c.get("/admin/users/" + itoa(u.ID))
	for _, v := range []string{"ja", "on", ""} {
		refused(t, ts, c, "/admin/users/"+itoa(u.ID)+"/active", url.Values{"active": {v}})
	}
}

func TestNewUserInUnknownRegion(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	c.get("/admin/users/new")
	res, body := c.post("/admin/users", url.Values{"name": {"Åse O'Brien-Ødegård"}, "email": {"ase@hamar.example"}, "region_id": {"99999"}, "roles": {"adviser"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "O&#39;Brien-Ødegård") {
		t.Errorf("new user in region 99999 = %d; want 422 with the form kept", res.StatusCode)
	}
}

// An admin works in one region (here the first, the demo region) and changes
// another region's settings and project. The entries belong in the audit log
// of the region changed, which its coordinator follows; they were filed under
// the admin's chosen region, where that region's coordinator read about
// another region's records and the changed region's coordinator saw nothing.
func TestAdminChangeIsAuditedInTheRegionChanged(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ids := canaryRegion(t, ts)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	admin.get("/admin/regions/" + ids["region"])
	res, body := admin.post("/admin/regions/"+ids["region"], url.Values{"slug": {"oslo-kanari"}, "name": {"Oslo " + canary},
		"first_response_days": {"3"}, "referral_follow_up_days": {"14"}, "no_response_days": {"30"}, "retention_months": {"36"}, "version": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("update the Oslo region = %d\n%s", res.StatusCode, errorSummary(body))
	}
	tok := ts.tokenFor(t, demoEmail(models.RoleAdmin))
	if st, out := ts.api(t, tok, http.MethodPatch, "/api/v1/projects/"+ids["project"], `{"summary": "Oppdatert", "version": 1}`); st != http.StatusOK {
		t.Fatalf("update the Oslo project = %d %v", st, out)
	}
	hamar := ts.client(t)
	hamar.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	oslo := ts.client(t)
	oslo.login("kanari@oslo.example", "kanari-passord-1")
	// The Oslo coordinator reads the Oslo log: the case made there is in it.
	if res, own := oslo.get("/admin/audit?object=enquiry&object_id=" + ids["enquiry"]); res.StatusCode != http.StatusOK || !strings.Contains(own, "<tbody><tr><td>") {
		t.Fatalf("the Oslo coordinator does not see their own region's audit log: %d", res.StatusCode)
	}
	for _, q := range []string{"object=region&object_id=" + ids["region"], "object=project&object_id=" + ids["project"] + "&action=update"} {
		_, own := oslo.get("/admin/audit?" + q)
		if !strings.Contains(own, "<tbody><tr><td>") {
			t.Errorf("the Oslo coordinator's audit log has no entry for the admin's change (%s)", q)
		}
		_, other := hamar.get("/admin/audit?" + q)
		if strings.Contains(other, "<tbody><tr><td>") {
			t.Errorf("the Hamar coordinator's audit log holds the admin's change of an Oslo record (%s)", q)
		}
	}
}

// A partner's website may be typed with a capitalised scheme ("Https://…"),
// as phone keyboards write it.
func TestPartnerWebsiteCapitalisedScheme(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tok := ts.token(t, models.RoleAdmin)
	status, out := ts.api(t, tok, http.MethodPost, "/api/v1/partners",
		`{"name": "Testbanken", "kind": "local", "services": ["financing"], "website": "Https://www.testbanken.no"}`)
	if status != http.StatusCreated {
		t.Errorf("a partner with website Https://www.testbanken.no = %d %v; want 201", status, out)
	}
}

// A user's page says how many open cases are assigned to them, linking to
// that list, so that whoever deactivates an adviser who leaves sees the
// cases to give to others: deactivated, they stayed assigned to nobody who
// works, out of everyone's "mine".
func TestUserPageCountsOpenCasesAssigned(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	id, _ := submit(t, ts, "3412", "Trenger hjelp med lokaler", "")
	adviser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	e, err := ts.store.Enquiry(ctx, adminViewer(t, ts), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.store.AssignEnquiry(ctx, adminViewer(t, ts), models.Actor{}, id, adviser.ID, e.Version); err != nil {
		t.Fatal(err)
	}
	var open int64
	list, total, err := ts.store.Enquiries(ctx, adminViewer(t, ts), models.EnquiryFilter{AssignedTo: adviser.ID, Tab: "open"})
	if err != nil || len(list) == 0 {
		t.Fatalf("the adviser holds no open case: %v", err)
	}
	open = total
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	_, page := coord.get("/admin/users/" + itoa(adviser.ID))
	want := fmt.Sprintf("%d åpne saker er tildelt", open)
	if open == 1 {
		want = "1 åpen sak er tildelt"
	}
	if !strings.Contains(page, want) || !strings.Contains(page, "/enquiries?assigned_to="+itoa(adviser.ID)+"&amp;tab=open") {
		t.Errorf("the adviser's page does not say %q with a link to the list", want)
	}
}

// A partner name that is another partner's but for case and spacing is
// refused beside the field, by form and API, on creating and renaming,
// naming the partner it is too like; a partner may still change the case of
// its own name.
func TestPartnerNameTooLikeAnother(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	token := ts.token(t, models.RoleAdmin)
	siva, err := ts.store.PartnerByName(ctx, "Siva")
	if err != nil {
		t.Fatal(err)
	}
	const want = "for likt partneren «Innovasjon Norge»"
	renameForm := func(name string) url.Values {
		p, err := ts.store.Partner(ctx, siva.ID)
		if err != nil {
			t.Fatal(err)
		}
		return url.Values{"name": {name}, "kind": {p.Kind}, "services": p.ServiceList(), "active": {"on"}, "version": {strconv.Itoa(p.Version)}}
	}
	admin.get("/admin/partners/new")
	if res, body := admin.post("/admin/partners", url.Values{"name": {" innovasjon  NORGE "}, "kind": {"national"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(fieldError(body), want) {
		t.Errorf("new partner by form %q = %d, %q; want 422 saying %q", " innovasjon  NORGE ", res.StatusCode, fieldError(body), want)
	}
	path := "/admin/partners/" + itoa(siva.ID)
	admin.get(path)
	if res, body := admin.post(path, renameForm("INNOVASJON NORGE")); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(fieldError(body), want) {
		t.Errorf("rename Siva by form to INNOVASJON NORGE = %d, %q; want 422 saying %q", res.StatusCode, fieldError(body), want)
	}
	for _, tt := range []struct{ method, path, body string }{
		{http.MethodPost, "/api/v1/partners", `{"name": "innovasjon norge", "kind": "national"}`},
		{http.MethodPost, "/api/v1/partners", `{"name": "innovasjon norge", "kind": "bogus"}`},
		{http.MethodPatch, "/api/v1/partners/" + itoa(siva.ID), `{"name": "Innovasjon  Norge", "version": ` + strconv.Itoa(siva.Version) + `}`},
	} {
		status, out := ts.api(t, token, tt.method, tt.path, tt.body)
		e, _ := out["error"].(map[string]any)
		fields, _ := e["fields"].(map[string]any)
		if msg, _ := fields["name"].(string); status != http.StatusUnprocessableEntity || !strings.Contains(msg, want) {
			t.Errorf("%s %s %s = %d %v; want 422 with name saying %q", tt.method, tt.path, tt.body, status, out, want)
		}
	}
	admin.get(path)
	if res, body := admin.post(path, renameForm("SIVA")); res.StatusCode != http.StatusSeeOther {
		t.Errorf("rename Siva to SIVA = %d; want 303\n%s", res.StatusCode, errorSummary(body))
	}
	if p, _ := ts.store.Partner(ctx, siva.ID); p.Name != "SIVA" {
		t.Errorf("name = %q; want SIVA", p.Name)
	}
}
