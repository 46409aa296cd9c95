package app

import (
	"context"
	"net/http"
	"net/url"
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
	hamar, err := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	if err != nil {
		t.Fatal(err)
	}
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
