package app

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"samspill/models"
)

// formValues reads the named fields of the form posting to action, as a
// browser would send them unchanged: inputs (checkboxes when checked),
// textareas and selects' selected options.
func formValues(t *testing.T, page, action string) url.Values {
	t.Helper()
	start := strings.Index(page, `action="`+action+`"`)
	if start < 0 {
		t.Fatalf("no form posting to %s", action)
	}
	end := strings.Index(page[start:], "</form>")
	form := page[start : start+end]
	vals := url.Values{}
	attr := func(tag, name string) (string, bool) {
		m := regexp.MustCompile(`\s` + name + `="([^"]*)"`).FindStringSubmatch(tag)
		if m == nil {
			return "", false
		}
		return html.UnescapeString(m[1]), true
	}
	for _, tag := range regexp.MustCompile(`<input[^>]*>`).FindAllString(form, -1) {
		name, ok := attr(tag, "name")
		if !ok {
			continue
		}
		typ, _ := attr(tag, "type")
		if (typ == "checkbox" || typ == "radio") && !strings.Contains(tag, " checked") {
			continue
		}
		value, _ := attr(tag, "value")
		vals.Add(name, value)
	}
	for _, m := range regexp.MustCompile(`(?s)<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>`).FindAllStringSubmatch(form, -1) {
		if o := regexp.MustCompile(`<option value="([^"]*)" selected`).FindStringSubmatch(m[2]); o != nil {
			vals.Add(m[1], html.UnescapeString(o[1]))
		}
	}
	for _, m := range regexp.MustCompile(`(?s)<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>`).FindAllStringSubmatch(form, -1) {
		vals.Add(m[1], html.UnescapeString(m[2]))
	}
	return vals
}

// twoRegionCoordinator gives the demo coordinator a coordinator role in the
// canary region too, logs them in (working in Hamarregionen) and returns the
// client with both regions.
func twoRegionCoordinator(t *testing.T, ts *testServer) (*client, *models.Region, *models.Region) {
	t.Helper()
	ctx := context.Background()
	hamar, oslo := twoRegions(t, ts)
	coord, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleCoordinator))
	if err := ts.store.SetRegionRoles(ctx, adminViewer(t, ts), models.Actor{}, coord.ID, oslo.ID, []string{models.RoleCoordinator}); err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	c.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	return c, hamar, oslo
}

// The coordinator's forms bound to the region they work in (a new user's
// roles, a user's roles in the region, the region's settings) answer a region
// switch in another tab as the other region-bound forms do: 409 saying the
// region changed, not 422 "only in your own region" (with a new-user form that
// could never be sent) or 404.
func TestCoordinatorRegionFormsAfterSwitch(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	c, hamar, oslo := twoRegionCoordinator(t, ts)
	adviser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))

	cases := []struct {
		name, page, action string
		edit               func(url.Values)
	}{
		{"new user", "/admin/users/new", "/admin/users", func(v url.Values) {
			v.Set("email", "ny.radgiver@example.no")
			v.Set("name", "Ny Rådgiver")
			v.Set("roles", models.RoleAdviser)
		}},
		{"user's roles", "/admin/users/" + itoa(adviser.ID), "/admin/users/" + itoa(adviser.ID) + "/roles", func(v url.Values) {}},
		{"region settings", "/admin/regions/" + itoa(hamar.ID), "/admin/regions/" + itoa(hamar.ID), func(v url.Values) {}},
	}
	for _, tc := range cases {
		if res, _ := c.post("/region", url.Values{"region": {itoa(hamar.ID)}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("switch region = %d", res.StatusCode)
		}
		res, page := c.get(tc.page)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: GET %s = %d", tc.name, tc.page, res.StatusCode)
		}
		vals := formValues(t, page, tc.action)
		tc.edit(vals)
		// In another tab the coordinator goes to work in Oslo.
		if res, _ := c.post("/region", url.Values{"region": {itoa(oslo.ID)}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("switch region = %d", res.StatusCode)
		}
		res, body := c.post(tc.action, vals)
		if res.StatusCode != http.StatusConflict || !strings.Contains(body, "du byttet region etter at det ble åpnet") {
			msg := regexp.MustCompile(`(?s)<(?:p|div)[^>]*(?:validation-message|role="alert")[^>]*>(.*?)</`).FindStringSubmatch(body)
			t.Errorf("%s: the Hamarregionen form sent after switching to Oslo in another tab = %d %q; want 409 saying the region changed", tc.name, res.StatusCode, msg)
		}
	}
}
