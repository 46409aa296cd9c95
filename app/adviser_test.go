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

// caseVersionField finds the version a page's (first) form carries.
var caseVersionField = regexp.MustCompile(`name="version" value="(\d+)"`)

// caseVersion opens the case page and returns the version its forms carry, and the page.
func caseVersion(t *testing.T, c *client, id int64) (string, string) {
	t.Helper()
	_, page := c.get("/enquiries/" + itoa(id))
	m := caseVersionField.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no version on the case page")
	}
	return m[1], page
}

// A status or an adviser sent as the case already has it changes nothing: no
// history line "In progress → In progress", and no new version that makes a
// colleague's open window stale. Sent from a stale window, it is a conflict.
func TestUnchangedStatusOrAdviserWritesNothing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c, id, path := adviserCase(t, ts)
	adviser, err := ts.store.UserByEmail(context.Background(), demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := caseVersion(t, c, id)
	if res, _ := c.post(path+"/assign", url.Values{"assigned_to": {itoa(adviser.ID)}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("assign = %d", res.StatusCode)
	}
	v, _ = caseVersion(t, c, id)
	if res, _ := c.post(path+"/status", url.Values{"status": {"in_progress"}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status = %d", res.StatusCode)
	}
	v, _ = caseVersion(t, c, id)
	for _, tt := range []struct {
		name, action string
		form         url.Values
	}{
		{"same status", "/status", url.Values{"status": {"in_progress"}}},
		{"same adviser", "/assign", url.Values{"assigned_to": {itoa(adviser.ID)}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := dbFingerprint(t, ts)
			tt.form.Set("version", v)
			if res, _ := c.post(path+tt.action, tt.form); res.StatusCode != http.StatusSeeOther {
				t.Errorf("POST %s = %d; want 303", tt.action, res.StatusCode)
			}
			if dbFingerprint(t, ts) != before {
				t.Errorf("POST %s %v changed the case", tt.action, tt.form)
			}
			tt.form.Set("version", "1")
			if res, _ := c.post(path+tt.action, tt.form); res.StatusCode != http.StatusConflict {
				t.Errorf("POST %s from a stale window = %d; want 409", tt.action, res.StatusCode)
			}
		})
	}
}

// A case reopened after closing as "established" no longer carries the
// company's org number (the access export showed it beside no outcome), and
// its closing form offers the jobs it was closed with: closing it again left
// the fields empty, and the page's "3 expected jobs" were cleared unsaid.
func TestReopenedCaseClosesAgainWithItsJobs(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c, id, path := adviserCase(t, ts)
	v, _ := caseVersion(t, c, id)
	res, body := c.post(path+"/close", url.Values{"outcome": {"established"}, "outcome_org_number": {"923609016"}, "jobs_expected": {"3"}, "jobs_created": {"1"}, "version": {v}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("close = %d\n%s", res.StatusCode, body)
	}
	v, _ = caseVersion(t, c, id)
	if res, _ := c.post(path+"/status", url.Values{"status": {"in_progress"}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reopen = %d", res.StatusCode)
	}
	e, err := ts.store.Enquiry(context.Background(), adminViewer(t, ts), id)
	if err != nil {
		t.Fatal(err)
	}
	if e.Outcome != "" || e.OutcomeOrgNumber != "" {
		t.Errorf("reopened case has outcome %q, org number %q; want none", e.Outcome, e.OutcomeOrgNumber)
	}
	v, page := caseVersion(t, c, id)
	for _, want := range []string{`id="f-jobs_expected" name="jobs_expected" value="3"`, `id="f-jobs_created" name="jobs_created" value="1"`} {
		if !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(page) {
			t.Errorf("the reopened case's closing form lacks %s", want)
		}
	}
	// Closed again as the form comes, the jobs stay.
	if res, _ := c.post(path+"/close", url.Values{"outcome": {"guided"}, "jobs_expected": {"3"}, "jobs_created": {"1"}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("close again = %d", res.StatusCode)
	}
}

// "New" and "assigned" say whether an adviser holds the case: the status form
// and PATCH status refuse "assigned" with nobody and "new" with an adviser,
// saying what to do instead, and change nothing. A closed case's form offers
// to reopen it as in progress (the browser chose "new", refused if held).
func TestStatusAgreesWithTheAdviser(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c, id, path := adviserCase(t, ts)
	adviser, err := ts.store.UserByEmail(context.Background(), demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	tok := ts.token(t, models.RoleAdviser)
	try := func(status, want string) {
		t.Helper()
		v, _ := caseVersion(t, c, id)
		before := dbFingerprint(t, ts)
		res, body := c.post(path+"/status", url.Values{"status": {status}, "version": {v}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
			t.Errorf("status %s = %d; want 422 saying %q", status, res.StatusCode, want)
		}
		code, out := ts.api(t, tok, http.MethodPatch, "/api/v1/enquiries/"+itoa(id), `{"status": "`+status+`", "version": `+v+`}`)
		if code != http.StatusUnprocessableEntity || !strings.Contains(mustJSON(t, out), "saksbehandler") {
			t.Errorf("PATCH status %s = %d %v; want 422 on status", status, code, out)
		}
		if dbFingerprint(t, ts) != before {
			t.Errorf("status %s changed the case", status)
		}
	}
	try("assigned", "Saken har ingen saksbehandler")
	v, _ := caseVersion(t, c, id)
	if res, _ := c.post(path+"/assign", url.Values{"assigned_to": {itoa(adviser.ID)}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("assign = %d", res.StatusCode)
	}
	try("new", "Saken har en saksbehandler")
	v, _ = caseVersion(t, c, id)
	if res, _ := c.post(path+"/close", url.Values{"outcome": {"guided"}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("close = %d", res.StatusCode)
	}
	if _, page := caseVersion(t, c, id); !strings.Contains(page, `<option value="in_progress" selected>`) {
		t.Error("the closed case's status form does not offer to reopen it in progress")
	}
}

// The API shows the org number of the company a case was closed as
// established with, as the case page does: it showed only "established".
func TestAPIShowsTheEstablishedCompany(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, _ := submit(t, ts, "3412", another("Trenger hjelp"), "")
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	v, _ := caseVersion(t, c, id)
	if res, _ := c.post("/enquiries/"+itoa(id)+"/close", url.Values{"outcome": {"established"}, "outcome_org_number": {"923 609 016"}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("close = %d", res.StatusCode)
	}
	code, out := ts.api(t, ts.token(t, models.RoleAdviser), http.MethodGet, "/api/v1/enquiries/"+itoa(id), "")
	if code != http.StatusOK || out["outcome"] != "established" || out["outcome_org_number"] != "923609016" {
		t.Errorf("GET = %d outcome %v, outcome_org_number %v; want established, 923609016", code, out["outcome"], out["outcome_org_number"])
	}
}

// The route form offers the case's own region first: routing a case to the
// region it is in moves nothing, as a status or an adviser sent as the case
// has it. It took the case from its adviser and made it new again, with a new
// version and two audit entries.
func TestRouteToOwnRegionKeepsTheCase(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	id, _ := submit(t, ts, "3412", another("Trenger hjelp"), "")
	hamar := demoRegion(t, ts)
	adviser, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	path := "/enquiries/" + itoa(id)
	v, _ := caseVersion(t, c, id)
	if res, _ := c.post(path+"/assign", url.Values{"assigned_to": {itoa(adviser.ID)}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("assign = %d", res.StatusCode)
	}
	v, page := caseVersion(t, c, id)
	if !strings.Contains(page, `<option value="`+itoa(hamar.ID)+`" selected>`) {
		t.Fatal("the route form does not offer the case's own region")
	}
	before := dbFingerprint(t, ts)
	if res, body := c.post(path+"/region", url.Values{"region_id": {itoa(hamar.ID)}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("route to its own region = %d\n%s", res.StatusCode, errorSummary(body))
	}
	if dbFingerprint(t, ts) != before {
		e, _ := ts.store.Enquiry(ctx, adminViewer(t, ts), id)
		t.Errorf("routing the case to the region it is in changed it: status %s, adviser %v", e.Status, e.AssignedTo)
	}
	if res, _ := c.post(path+"/region", url.Values{"region_id": {itoa(hamar.ID)}, "version": {"1"}}); res.StatusCode != http.StatusConflict {
		t.Errorf("routing from a stale page = %d; want %d", res.StatusCode, http.StatusConflict)
	}
}

// adviserCase sends an enquiry through the one door to Løten and logs the
// demo adviser in: the adviser's client, the case and its page's path.
func adviserCase(t *testing.T, ts *testServer) (*client, int64, string) {
	t.Helper()
	id, _ := submit(t, ts, "3412", another("Trenger hjelp"), "")
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	return c, id, "/enquiries/" + itoa(id)
}

// Reopening a closed case says so: the flash said "Status er endret", as for
// any move between working statuses, which still says that.
func TestReopenSaysTheCaseWasReopened(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c, id, path := adviserCase(t, ts)
	v, _ := caseVersion(t, c, id)
	if res, _ := c.post(path+"/close", url.Values{"outcome": {"guided"}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("close = %d", res.StatusCode)
	}
	v, _ = caseVersion(t, c, id)
	if res, _ := c.post(path+"/status", url.Values{"status": {"in_progress"}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reopen = %d", res.StatusCode)
	}
	v, page := caseVersion(t, c, id)
	if !strings.Contains(page, "Saken er gjenåpnet.") || strings.Contains(page, "Status er endret.") {
		t.Errorf("the reopened case's flash does not say it was reopened: %q", flashOf(page))
	}
	if res, _ := c.post(path+"/status", url.Values{"status": {"waiting"}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status = %d", res.StatusCode)
	}
	if _, page := caseVersion(t, c, id); !strings.Contains(page, "Status er endret.") {
		t.Errorf("a status change's flash = %q; want Status er endret.", flashOf(page))
	}
}

var flashText = regexp.MustCompile(`data-color="success" role="status"><p class="ds-paragraph">([^<]*)<`)

// flashOf is the page's flash message, or "".
func flashOf(page string) string {
	if m := flashText.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}

// A stale assign or status form (a colleague changed the case since the page
// was read) is refused, and the page comes back with what the adviser chose
// still chosen: it came back with the case's current adviser and status, and
// the choice was lost unsaid.
func TestStaleAssignOrStatusKeepsTheChoice(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c, id, path := adviserCase(t, ts)
	ctx := context.Background()
	adviser, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	coordinator, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleCoordinator))
	if err != nil {
		t.Fatal(err)
	}
	stale, _ := caseVersion(t, c, id)
	other := ts.client(t)
	other.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	if res, _ := other.post(path+"/assign", url.Values{"assigned_to": {itoa(coordinator.ID)}, "version": {stale}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the colleague's assign = %d", res.StatusCode)
	}
	for _, tt := range []struct {
		name, action string
		form         url.Values
		want         string
	}{
		{"assign", "/assign", url.Values{"assigned_to": {itoa(adviser.ID)}}, `<option value="` + itoa(adviser.ID) + `" selected>`},
		{"status", "/status", url.Values{"status": {"waiting"}}, `<option value="waiting" selected>`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := dbFingerprint(t, ts)
			tt.form.Set("version", stale)
			res, page := c.post(path+tt.action, tt.form)
			if res.StatusCode != http.StatusConflict {
				t.Fatalf("stale POST %s = %d; want 409", tt.action, res.StatusCode)
			}
			if dbFingerprint(t, ts) != before {
				t.Errorf("stale POST %s changed the case", tt.action)
			}
			if !strings.Contains(page, tt.want) {
				t.Errorf("after the conflict the form lost the choice: no %s", tt.want)
			}
			if !strings.Contains(page, "Valget ditt står fortsatt i skjemaet") {
				t.Error("the conflict does not say the choice was kept")
			}
		})
	}
}
