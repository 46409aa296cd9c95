package app

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"samspill/models"
)

// A membership removed as entered by mistake takes nothing with it: a
// municipality whose enquiries, projects or users are in the region keeps its
// membership, and the admin is told to give it a left date instead.
func TestRemoveMemberInUse(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	hamar := demoRegion(t, ts)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	path := "/admin/regions/" + itoa(hamar.ID)
	admin.get(path)
	res, body := admin.post(path+"/members/3403/delete", nil)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("remove Hamar, with its enquiries and users, = %d; want %d", res.StatusCode, http.StatusUnprocessableEntity)
	}
	if !strings.Contains(body, "utmeldingsdato") {
		t.Errorf("the refusal does not say to give a left date:\n%s", errorSummary(body))
	}
	r, err := ts.store.Region(ctx, &models.Viewer{User: &models.User{Roles: []models.UserRole{{Role: models.RoleAdmin}}}}, hamar.ID)
	if err != nil {
		t.Fatal(err)
	}
	kept := false
	for _, m := range r.Members {
		kept = kept || m.Kommunenummer == "3403"
	}
	if !kept {
		t.Error("Hamar's membership was removed")
	}
	// A membership nothing refers to is removed, after a confirmation.
	if res, body := admin.post(path+"/members", url.Values{"kommunenummer": {"3405"}, "joined_on": {"2024-01-01"}, "votes": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add Lillehammer = %d\n%s", res.StatusCode, errorSummary(body))
	}
	_, page := admin.get(path)
	if !strings.Contains(page, "Vil du fjerne Lillehammer") {
		t.Errorf("removing a member asks for no confirmation")
	}
	if res, body := admin.post(path+"/members/3405/delete", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove Lillehammer = %d\n%s", res.StatusCode, errorSummary(body))
	}
}

// A user keeps at least one role: unticking every role of a user who has none
// elsewhere is refused beside the roles, pointing to deactivation, since the
// account would stay open with no role and vanish from the coordinator's list.
func TestLastRoleIsNotRemoved(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	hamar, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	in := models.DefaultRegionInput()
	in.Slug, in.Name = "annen", "Annen region"
	other, err := ts.store.CreateRegion(ctx, models.Actor{}, in)
	if err != nil {
		t.Fatal(err)
	}
	only, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "bare@example.org", Name: "Bare Hamar"}, "bare-hamar-passord-1",
		[]models.RoleGrant{{RegionID: hamar.ID, Role: models.RoleAdviser}})
	if err != nil {
		t.Fatal(err)
	}
	both, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "begge@example.org", Name: "Begge Regioner"}, "begge-regioner-passord-1",
		[]models.RoleGrant{{RegionID: hamar.ID, Role: models.RoleAdviser}, {RegionID: other.ID, Role: models.RoleAdviser}})
	if err != nil {
		t.Fatal(err)
	}
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	tests := []struct {
		name string
		user *models.User
		want int
	}{
		{"only role", only, http.StatusUnprocessableEntity},
		{"a role in another region too", both, http.StatusSeeOther},
	}
	for _, tt := range tests {
		path := "/admin/users/" + itoa(tt.user.ID)
		coord.get(path)
		res, body := coord.post(path+"/roles", url.Values{"region_id": {itoa(hamar.ID)}})
		if res.StatusCode != tt.want {
			t.Errorf("%s: untick every role = %d; want %d", tt.name, res.StatusCode, tt.want)
			continue
		}
		after, err := ts.store.UserByID(ctx, tt.user.ID)
		if err != nil {
			t.Fatal(err)
		}
		if kept := after.HasRole(hamar.ID, models.RoleAdviser); kept != (tt.want != http.StatusSeeOther) {
			t.Errorf("%s: the adviser role kept: %v", tt.name, kept)
		}
		if tt.want != http.StatusSeeOther && !strings.Contains(body, "deaktiver") {
			t.Errorf("%s: the refusal does not point to deactivation:\n%s", tt.name, errorSummary(body))
		}
	}
}

// Roles set in a region are in that region's audit log, whichever region the
// admin who set them was working in: its coordinator follows who was given
// access there, and another region's coordinator does not see it.
func TestRoleChangeIsAuditedInItsRegion(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	hamar, oslo := twoRegions(t, ts)
	u, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "ny-i-oslo@example.org", Name: "Ny i Oslo"}, "ny-i-oslo-passord-1",
		[]models.RoleGrant{{RegionID: oslo.ID, Role: models.RoleBoard}})
	if err != nil {
		t.Fatal(err)
	}
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	switchRegion(t, admin, hamar)
	admin.get("/admin/users/" + itoa(u.ID))
	if res, body := admin.post("/admin/users/"+itoa(u.ID)+"/roles", url.Values{"region_id": {itoa(oslo.ID)}, "roles": {"adviser"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("set roles in Oslo = %d\n%s", res.StatusCode, errorSummary(body))
	}
	auditedInOsloOnly(t, ts, "set_roles", u.ID)
}

// A partner deactivated while referrals to it are open: the admin is told how
// many before saving, the sent ones and the drafts, each by what deactivating
// does to them (the count of open referrals left the drafts out, unsaid),
// and the adviser following one up is told the partner no longer takes
// referrals.
func TestDeactivatedPartnerWithOpenReferrals(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	r, p := demoOpenReferral(t, ts, 0)
	draftReferral(t, ts, models.RoleAdviser) // to Innovasjon Norge
	if p.Name != "Innovasjon Norge" {
		t.Fatalf("the demo's open referral is to %s; want Innovasjon Norge, which the draft goes to", p.Name)
	}
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	path := "/admin/partners/" + itoa(p.ID)
	_, page := admin.get(path)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`\d+ sendte? henvisninge?r? til partneren er åp(en|ne) nå`),
		regexp.MustCompile(`1 henvisning til partneren er et utkast som ikke er sendt. Deaktiverer du partneren, kan det ikke sendes`),
	} {
		if !want.MatchString(page) {
			t.Errorf("the partner's page does not say %s", want)
		}
	}
	form := url.Values{"name": {p.Name}, "kind": {p.Kind}, "services": p.ServiceList(), "description": {p.Description}, "website": {p.Website}, "version": {strconv.Itoa(p.Version)}}
	if res, body := admin.post(path, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivate %s = %d\n%s", p.Name, res.StatusCode, errorSummary(body))
	}
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	if _, page := adviser.get("/referrals/" + itoa(r.ID)); !strings.Contains(page, "tar ikke lenger imot henvisninger") {
		t.Errorf("the open referral's page does not say its partner is deactivated")
	}
}

// A coordinator cannot take away their own coordinator role, as they cannot
// deactivate themselves: the next request would lock them out of the region's
// administration, with nobody there left to give it back.
func TestCoordinatorKeepsOwnCoordinatorRole(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	hamar, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	me, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleCoordinator))
	coord := ts.client(t)
	coord.login(me.Email, models.DemoPassword)
	path := "/admin/users/" + itoa(me.ID)
	coord.get(path)
	res, body := coord.post(path+"/roles", url.Values{"region_id": {itoa(hamar.ID)}, "roles": {"adviser"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("drop own coordinator role = %d; want %d", res.StatusCode, http.StatusUnprocessableEntity)
	}
	if !strings.Contains(body, "din egen koordinatorrolle") {
		t.Errorf("the refusal does not say why:\n%s", errorSummary(body))
	}
	after, _ := ts.store.UserByID(ctx, me.ID)
	if !after.HasRole(hamar.ID, models.RoleCoordinator) {
		t.Error("the coordinator role was removed")
	}
}

// A user made with roles in a region is in that region's audit log, as roles
// set later are: an admin working in Hamar who made an Oslo adviser left the
// entry in Hamar's log, shown to Hamar's coordinator and missing from Oslo's.
func TestUserCreatedIsAuditedInItsRegion(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	hamar, oslo := twoRegions(t, ts)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	switchRegion(t, admin, hamar)
	admin.get("/admin/users/new")
	if res, body := admin.post("/admin/users", url.Values{"email": {"laget-i-oslo@example.org"}, "name": {"Laget i Oslo"},
		"region_id": {itoa(oslo.ID)}, "roles": {"adviser"}}); res.StatusCode != http.StatusCreated {
		t.Fatalf("create an Oslo adviser = %d\n%s", res.StatusCode, errorSummary(body))
	}
	u, err := ts.store.UserByEmail(ctx, "laget-i-oslo@example.org")
	if err != nil {
		t.Fatal(err)
	}
	auditedInOsloOnly(t, ts, "create", u.ID)
}

// auditedInOsloOnly checks that the audit entry of action on user id is in
// the log of the canary region's coordinator (Oslo), not Hamar's.
func auditedInOsloOnly(t *testing.T, ts *testServer, action string, id int64) {
	t.Helper()
	q := "/admin/audit?object=user&action=" + action + "&object_id=" + itoa(id)
	osloCoord := ts.client(t)
	osloCoord.login("kanari@oslo.example", "kanari-passord-1")
	if _, page := osloCoord.get(q); !strings.Contains(page, "<tbody><tr><td>") {
		t.Errorf("the Oslo coordinator's audit log lacks the %s of user %d in Oslo", action, id)
	}
	hamarCoord := ts.client(t)
	hamarCoord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	if _, page := hamarCoord.get(q); strings.Contains(page, "<tbody><tr><td>") {
		t.Errorf("the Hamar coordinator's audit log holds the %s of user %d in Oslo", action, id)
	}
}

// The warning that a partner no longer takes referrals is the adviser's: the
// partner's own contact, who still answers the referrals open with it, and
// the board, who cannot close one, were told to follow it up with the partner
// or refer to another.
func TestDeactivatedPartnerWarningIsTheAdvisers(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	partnerUser, err := ts.store.UserByEmail(ctx, demoEmail(models.RolePartner))
	if err != nil || partnerUser.PartnerID == nil {
		t.Fatalf("the demo partner user: %v", err)
	}
	r, p := demoOpenReferral(t, ts, *partnerUser.PartnerID)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	path := "/admin/partners/" + itoa(p.ID)
	admin.get(path)
	form := url.Values{"name": {p.Name}, "kind": {p.Kind}, "services": p.ServiceList(), "description": {p.Description}, "website": {p.Website}, "version": {strconv.Itoa(p.Version)}}
	if res, body := admin.post(path, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivate %s = %d\n%s", p.Name, res.StatusCode, errorSummary(body))
	}
	for _, role := range []string{models.RolePartner, models.RoleBoard} {
		c := ts.client(t)
		c.login(demoEmail(role), models.DemoPassword)
		res, page := c.get("/referrals/" + itoa(r.ID))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s opens the referral = %d", role, res.StatusCode)
		}
		if strings.Contains(page, "tar ikke lenger imot henvisninger") {
			t.Errorf("the %s is told to follow the referral up with the partner or refer elsewhere", role)
		}
	}
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	if _, page := adviser.get("/referrals/" + itoa(r.ID)); !strings.Contains(page, "tar ikke lenger imot henvisninger") {
		t.Errorf("the adviser is not told the partner is deactivated")
	}
}

// demoOpenReferral is a sent, still open referral of the demo region (to
// partner partnerID, or any with 0) and its partner.
func demoOpenReferral(t *testing.T, ts *testServer, partnerID int64) (*models.Referral, *models.Partner) {
	t.Helper()
	ctx := context.Background()
	hamar, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	coordUser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleCoordinator))
	open, _, err := ts.store.Referrals(ctx, &models.Viewer{User: coordUser, Region: hamar}, models.ReferralFilter{Open: true, Page: models.Page{Number: 1}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range open {
		if open[i].Status != "draft" && (partnerID == 0 || open[i].PartnerID == partnerID) {
			p, err := ts.store.Partner(ctx, open[i].PartnerID)
			if err != nil {
				t.Fatal(err)
			}
			return &open[i], p
		}
	}
	t.Fatalf("the demo has no open referral (partner %d)", partnerID)
	return nil, nil
}

// Removing a membership that is not there is a not found, as for other
// unknown records, even when the municipality's enquiries are in the region
// (routed there by the admin from their queue): it was refused as "in use",
// telling the admin to give a left date to a membership that does not exist.
// A member whose enquiries are in the region is still refused as in use.
func TestRemoveMemberNotAMember(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	hamar := demoRegion(t, ts)
	// An enquiry from Lillehammer, no member, moved into the region.
	status, out := ts.api(t, "", http.MethodPost, "/api/v1/intake", `{"municipality": "3405", "enquirer_kind": "prospective_entrepreneur",
		"needs": ["financing"], "description": "Fra Lillehammer", "name": "Lise Lillehammer", "email": "lise@example.org", "consent_store": true}`)
	if status != http.StatusCreated {
		t.Fatalf("intake = %d %v", status, out)
	}
	list, _, err := ts.store.Enquiries(ctx, adminViewer(t, ts), models.EnquiryFilter{Q: "Lise Lillehammer"})
	if err != nil || len(list) != 1 {
		t.Fatalf("the enquiry from Lillehammer: %d (%v)", len(list), err)
	}
	if err := ts.store.MoveToRegion(ctx, adminViewer(t, ts), models.Actor{}, list[0].ID, hamar.ID, list[0].Version); err != nil {
		t.Fatal(err)
	}
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	path := "/admin/regions/" + itoa(hamar.ID)
	admin.get(path)
	for _, tc := range []struct {
		kommunenummer, what string
		want                int
	}{
		{"3405", "Lillehammer, no member, with an enquiry in the region", http.StatusNotFound},
		{"3401", "Kongsvinger, no member, nothing in the region", http.StatusNotFound},
		{"3403", "Hamar, a member with enquiries", http.StatusUnprocessableEntity},
	} {
		before := dbFingerprint(t, ts)
		res, body := admin.post(path+"/members/"+tc.kommunenummer+"/delete", nil)
		if res.StatusCode != tc.want {
			t.Errorf("remove %s = %d; want %d\n%s", tc.what, res.StatusCode, tc.want, errorSummary(body))
		}
		if tc.want == http.StatusUnprocessableEntity && !strings.Contains(body, "utmeldingsdato") {
			t.Errorf("remove %s: the refusal does not say to give a left date", tc.what)
		}
		if dbFingerprint(t, ts) != before {
			t.Errorf("remove %s changed the database", tc.what)
		}
	}
}
