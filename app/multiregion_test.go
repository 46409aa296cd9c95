package app

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"samspill/models"
)

// assigneeSelect is the case page's choice of adviser.

// A coordinator of two regions opens the new-project form while working in
// one ("Du arbeider i Hamarregionen Utvikling."), switches to the other in a
// second tab, and sends the first tab's form. The form names no region, so
// the Hamar project with Hamar as its lead municipality is filed under Oslo,
// where Oslo's board, advisers and member municipalities read it.
func TestFormKeepsTheRegionItWasOpenedIn(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	canaryRegion(t, ts)
	oslo, _ := ts.store.RegionBySlug(ctx, "oslo-kanari")
	hamar, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	coord, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleCoordinator))
	if err := ts.store.SetRegionRoles(ctx, adminViewer(t, ts), models.Actor{}, coord.ID, oslo.ID, []string{models.RoleCoordinator}); err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	c.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	_, form := c.get("/projects/new")
	if !strings.Contains(form, `<option value="`+itoa(hamar.ID)+`" selected>Hamarregionen Utvikling</option>`) {
		t.Fatal("the form is not opened in the demo region")
	}
	csrf := c.csrf
	// Another tab of the same browser.
	if res, _ := c.post("/region", url.Values{"region": {itoa(oslo.ID)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch region = %d", res.StatusCode)
	}
	opened := regexp.MustCompile(`name="form_region" value="(\d+)"`).FindStringSubmatch(form)
	if opened == nil || opened[1] != itoa(hamar.ID) {
		t.Fatalf("the form does not carry the region it was opened in: %v", opened)
	}
	res, body := c.post("/projects", url.Values{"_csrf": {csrf}, "form_region": {opened[1]}, "title": {"Næringsareal Hamar sentrum"}, "status": {"idea"},
		"visibility": {"members"}, "mun_kommunenummer": {"3403"}, "mun_role": {"lead"}, "mun_nok": {""}, "mun_fte": {""}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Du har byttet region etter at skjemaet ble åpnet") {
		t.Errorf("the Hamarregionen form sent after switching to Oslo = %d; want 409 saying the region changed", res.StatusCode)
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
