package app

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"samspill/models"
)

// A coordinator of two regions opens the new-project form while working in
// one, switches to the other in a second tab, and sends the first tab's form:
// it is refused, saying why, and shows what was typed, to copy. It was filed
// under Oslo, where Oslo's board, advisers and member municipalities read a
// Hamar project.
func TestFormKeepsTheRegionItWasOpenedIn(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c, hamar, oslo := twoRegionCoordinator(t, ts)
	_, form := c.get("/projects/new")
	if !strings.Contains(form, `<option value="`+itoa(hamar.ID)+`" selected>Hamarregionen Utvikling</option>`) {
		t.Fatal("the form is not opened in the demo region")
	}
	csrf := c.csrf
	// Another tab of the same browser.
	switchRegion(t, c, oslo)
	opened := regexp.MustCompile(`name="form_region" value="(\d+)"`).FindStringSubmatch(form)
	if opened == nil || opened[1] != itoa(hamar.ID) {
		t.Fatalf("the form does not carry the region it was opened in: %v", opened)
	}
	summary := "Et lengre sammendrag: felles næringsareal ved Hamar stasjon, skrevet i en time."
	res, body := c.post("/projects", url.Values{"_csrf": {csrf}, "form_region": {opened[1]}, "title": {"Næringsareal Hamar sentrum"}, "status": {"idea"},
		"summary": {summary}, "visibility": {"members"}, "mun_kommunenummer": {"3403"}, "mun_role": {"lead"}, "mun_nok": {""}, "mun_fte": {""}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "du byttet region etter at det ble åpnet") {
		t.Errorf("the Hamarregionen form sent after switching to Oslo = %d; want 409 saying the region changed", res.StatusCode)
	}
	for _, typed := range []string{"Næringsareal Hamar sentrum", summary} {
		if !strings.Contains(html.UnescapeString(body), ">"+typed+"</textarea>") {
			t.Errorf("the refused form's page does not give back %q to copy", typed)
		}
	}
	db, err := ts.store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM projects WHERE title = 'Næringsareal Hamar sentrum'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the project was saved in some region (%d, %v)", n, err)
	}
}

// An admin who also holds a role in a region, logging in for the first time
// (no region remembered), works in that region, as a user without the admin
// role does: the admin sees every region, and landed in the first by name
// (Agder, before Hamarregionen), where they have no part.
func TestAdminStartsInTheirOwnRolesRegion(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	in := models.DefaultRegionInput()
	in.Slug, in.Name = "agder-vekst", "Agder Vekst" // first by name
	if _, err := ts.store.CreateRegion(ctx, models.Actor{}, in); err != nil {
		t.Fatal(err)
	}
	hamar, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	if _, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "drift@example.org", Name: "Drift Koordinator"}, "drift-passord-123",
		[]models.RoleGrant{{Role: models.RoleAdmin}, {RegionID: hamar.ID, Role: models.RoleCoordinator}}); err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	c.login("drift@example.org", "drift-passord-123")
	if _, page := c.get("/dashboard"); !strings.Contains(page, "Du arbeider i Hamarregionen Utvikling.") {
		t.Errorf("the admin and Hamar coordinator does not start in Hamarregionen Utvikling:\n%s", excerpt(page))
	}
	// An admin with no region role starts in the first region by name, as before.
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	if _, page := admin.get("/dashboard"); !strings.Contains(page, "Du arbeider i Agder Vekst.") {
		t.Errorf("the demo admin (no region role) does not start in Agder Vekst, the first by name:\n%s", excerpt(page))
	}
}

// A form that does not concern the region the user works in (their own
// profile) is not refused after the user switched region in a second tab.
func TestRegionSwitchDoesNotRefuseProfileForm(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c, _, oslo := twoRegionCoordinator(t, ts)
	_, form := c.get("/profile")
	csrf := c.csrf
	opened := regexp.MustCompile(`name="form_region" value="(\d+)"`).FindStringSubmatch(form)
	switchRegion(t, c, oslo)
	vals := url.Values{"_csrf": {csrf}, "language": {"en"}}
	if opened != nil {
		vals.Set("form_region", opened[1])
	}
	res, body := c.post("/profile", vals)
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("saving one's own profile after switching region in another tab = %d; want 303 (the profile is no region's)\n%.300s", res.StatusCode, body)
	}
}

// The same for an admin's page about a named region: /admin/regions/:id says
// which region it edits in its URL, whatever region the admin works in.
func TestRegionSwitchDoesNotRefuseAdminRegionSettings(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	hamar, oslo := twoRegions(t, ts)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	switchRegion(t, c, hamar)
	_, form := c.get("/admin/regions/" + itoa(oslo.ID))
	csrf := c.csrf
	opened := regexp.MustCompile(`name="form_region" value="(\d+)"`).FindStringSubmatch(form)
	// In another tab the admin goes to work in Oslo.
	switchRegion(t, c, oslo)
	vals := url.Values{"_csrf": {csrf}, "name": {oslo.Name}, "slug": {oslo.Slug}, "first_response_days": {"3"}, "referral_follow_up_days": {"14"},
		"no_response_days": {"30"}, "retention_months": {"36"}, "version": {fmt.Sprint(oslo.Version)}}
	if opened != nil {
		vals.Set("form_region", opened[1])
	}
	res, body := c.post("/admin/regions/"+itoa(oslo.ID), vals)
	if res.StatusCode == http.StatusConflict {
		t.Errorf("saving Oslo's settings from /admin/regions/%d after switching to Oslo in another tab = 409; the page names its region\n%.300s", oslo.ID, body)
	}
}

// The inbox's region filter is an admin's: an adviser's inbox is their
// region's, and a start-page link naming the region they worked in before a
// switch shows the current region's list, not an empty one.
func TestRegionFilterIsAnAdminsOnly(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	hamar, oslo := twoRegions(t, ts)
	total := regexp.MustCompile(`Antall treff: ([\d\x{a0}]+)`)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	for _, list := range []string{"/enquiries", "/referrals"} { // the referrals: the report's drill-downs name the region
		_, all := c.get(list)
		_, other := c.get(list + "?region=" + itoa(oslo.ID))
		if total.FindStringSubmatch(all) == nil || fmt.Sprint(total.FindStringSubmatch(other)) != fmt.Sprint(total.FindStringSubmatch(all)) {
			t.Errorf("an adviser's %s with another region named lists %v; want their own region's %v", list, total.FindStringSubmatch(other), total.FindStringSubmatch(all))
		}
	}
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	_, page := admin.get("/enquiries?region=" + itoa(oslo.ID))
	sel := regexp.MustCompile(`(?s)<select class="ds-input" id="f-assigned_to".*?</select>`).FindString(page)
	if strings.Contains(sel, "Rune Rådgiver") || !strings.Contains(sel, canary+" Koordinator") {
		t.Errorf("the admin's inbox of Oslo offers the advisers of another region: %s", sel)
	}
	if _, page := admin.get("/enquiries?region=" + itoa(hamar.ID)); strings.Contains(page, leak) {
		t.Error("the admin's inbox of Hamarregionen lists the Oslo case")
	}
}

// twoRegions adds the canary region (Oslo) beside the demo's (Hamar).
func twoRegions(t *testing.T, ts *testServer) (hamar, oslo *models.Region) {
	t.Helper()
	canaryRegion(t, ts)
	ctx := context.Background()
	var err error
	if hamar, err = ts.store.RegionBySlug(ctx, models.DemoRegionSlug); err != nil {
		t.Fatal(err)
	}
	if oslo, err = ts.store.RegionBySlug(ctx, "oslo-kanari"); err != nil {
		t.Fatal(err)
	}
	return hamar, oslo
}

// switchRegion makes r the region c works in, as the header's choice does.
func switchRegion(t *testing.T, c *client, r *models.Region) {
	t.Helper()
	if res, _ := c.post("/region", url.Values{"region": {itoa(r.ID)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch to region %s = %d", r.Slug, res.StatusCode)
	}
}

// An admin's inbox narrowed to a region and to an adviser of another region
// (a link or filter kept from before) keeps the adviser chosen in its filter,
// as the municipality filter keeps its value: it was dropped unsaid.
func TestAdminInboxKeepsChosenAdviser(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	canaryRegion(t, ts)
	oslo, _ := ts.store.RegionBySlug(ctx, "oslo-kanari")
	adviser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	_, page := admin.get("/enquiries?region=" + itoa(oslo.ID) + "&assigned_to=" + itoa(adviser.ID))
	sel := regexp.MustCompile(`(?s)<select class="ds-input" id="f-assigned_to".*?</select>`).FindString(page)
	if !strings.Contains(sel, `value="`+itoa(adviser.ID)+`" selected`) {
		t.Errorf("the admin's inbox filtered by region Oslo and adviser %s does not show the adviser chosen: %s", adviser.Name, sel)
	}
}

// An API token of a user with roles in two regions works in the region each
// request names in its Samspill-Region header: without it, the token could
// reach only the region its owner last chose in a browser.
func TestTokenNamesItsRegion(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	ids := canaryRegion(t, ts)
	hamar, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	oslo, _ := ts.store.RegionBySlug(ctx, "oslo-kanari")
	adviser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	if err := ts.store.SetRegionRoles(ctx, adminViewer(t, ts), models.Actor{}, adviser.ID, oslo.ID, []string{models.RoleAdviser}); err != nil {
		t.Fatal(err)
	}
	token := ts.token(t, models.RoleAdviser)
	get := func(path, region string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if region != "" {
			req.Header.Set("Samspill-Region", region)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	cases := []struct {
		region   string
		status   int
		contains string
	}{
		{oslo.Slug, http.StatusOK, `"slug":"oslo-kanari"`},
		{hamar.Slug, http.StatusOK, `"slug":"hamarregionen"`},
		{"", http.StatusOK, `"current_region"`},
		{"finnes-ikke", http.StatusNotFound, `"code":"not_found"`},
	}
	for _, c := range cases {
		status, body := get("/api/v1/me", c.region)
		if status != c.status || !strings.Contains(body, c.contains) {
			t.Errorf("me with Samspill-Region %q = %d %s; want %d with %s", c.region, status, body, c.status, c.contains)
		}
	}
	if _, body := get("/api/v1/enquiries/"+ids["enquiry"], oslo.Slug); !strings.Contains(body, canary) {
		t.Errorf("the Oslo case asked for in Oslo: %s", body)
	}
	// A region the user holds no role in is refused, not silently replaced.
	other, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleBoard))
	tok, _, err := ts.store.CreateToken(ctx, models.Actor{}, other.ID, "t", models.TokenDays, models.TokenWrite)
	if err != nil {
		t.Fatal(err)
	}
	token = tok
	if status, body := get("/api/v1/me", oslo.Slug); status != http.StatusNotFound || strings.Contains(body, canary) {
		t.Errorf("a board member of Hamar naming Oslo = %d %s; want 404", status, body)
	}
}
