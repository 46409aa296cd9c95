package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"samspill/models"
)

// A date written as asked (åååå-mm-dd) that the calendar does not have, 31
// February or month 13, is told as such on every form, list filter and API
// field that takes a date: it was told "Skriv en dato (åååå-mm-dd)." as if it
// were written wrong. A date written wrong is still told so.
func TestDatesThatDoNotExist(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	const (
		notADay  = "Datoen finnes ikke i kalenderen"
		notADate = "Skriv en dato (åååå-mm-dd)."
	)
	pid := itoa(demoProjectID(t, ts, demoShared))
	region, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	partner := partnerID(t, ts, "Innovasjon Norge")
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	enquiry := itoa(mustSubmit(t, ts))
	adviser, referral := sentReferral(t, ts, false)

	forms := []struct {
		c              *client
		page, to, date string
		form           url.Values
		errorID        string
	}{
		{adviser, "/enquiries/" + enquiry, "/enquiries/" + enquiry + "/activities", "occurred_on",
			url.Values{"kind": {"call"}, "minutes": {"10"}}, "f-occurred_on-error"},
		{adviser, "/enquiries/" + enquiry, "/enquiries/" + enquiry + "/referrals", "follow_up_due",
			url.Values{"partner_id": {partner}, "reason": {"financing"}, "send": {"send"}}, "f-follow_up_due-error"},
		{adviser, "/referrals/" + referral, "/referrals/" + referral + "/follow-up", "follow_up_due",
			url.Values{"version": {"1"}}, "f-follow_up_due-error"},
		{coord, "/projects/new", "/projects", "starts_on", url.Values{"title": {"Datoprosjekt"}, "status": {"planning"}, "visibility": {"participants"},
			"mun_kommunenummer": {"3403"}, "mun_role": {"lead"}}, "f-starts_on-error"},
		{coord, "/projects/new", "/projects", "ends_on", url.Values{"title": {"Datoprosjekt"}, "status": {"planning"}, "visibility": {"participants"},
			"mun_kommunenummer": {"3403"}, "mun_role": {"lead"}}, "f-ends_on-error"},
		{coord, "/projects/" + pid, "/projects/" + pid + "/milestones", "due_on",
			url.Values{"milestone_title": {"Milepæl"}, "milestone_status": {"planned"}}, "f-ms-new-due-error"},
		{coord, "/assessments/new", "/assessments", "assessed_at", url.Values{"score_cohesion": {"3"}}, "f-assessed_at-error"},
		{coord, "/projects/" + pid + "/assessments/new", "/projects/" + pid + "/assessments", "assessed_at",
			url.Values{"score_cohesion": {"3"}}, "f-assessed_at-error"},
		{admin, "/admin/regions/" + itoa(region.ID), "/admin/regions/" + itoa(region.ID) + "/members", "joined_on",
			url.Values{"kommunenummer": {"3405"}, "votes": {"1"}}, "f-joined_on-error"},
		{admin, "/admin/regions/" + itoa(region.ID), "/admin/regions/" + itoa(region.ID) + "/members", "left_on",
			url.Values{"kommunenummer": {"3405"}, "votes": {"1"}, "joined_on": {"2024-01-01"}}, "f-left_on-error"},
	}
	lists := []struct {
		c    *client
		path string
	}{
		{adviser, "/enquiries?from="},
		{adviser, "/referrals?to="},
		{admin, "/admin/audit?from="},
		{coord, "/reports/referrals?from="},
	}
	apiCalls := []struct {
		role, method, path, field, body string // body has the date as %s
	}{
		{models.RoleAdviser, http.MethodPost, "/api/v1/enquiries/" + enquiry + "/activities", "occurred_on", `{"kind": "call", "occurred_on": "%s"}`},
		{models.RoleAdviser, http.MethodPost, "/api/v1/enquiries/" + enquiry + "/referrals", "follow_up_due",
			`{"partner_id": ` + partner + `, "reason": "financing", "follow_up_due": "%s"}`},
		{models.RoleAdviser, http.MethodPatch, "/api/v1/referrals/" + referral, "follow_up_due", `{"follow_up_due": "%s", "version": 1}`},
		{models.RoleCoordinator, http.MethodPost, "/api/v1/projects", "starts_on",
			`{"title": "Datoprosjekt", "starts_on": "%s", "municipalities": [{"kommunenummer": "3403", "role": "lead"}]}`},
		{models.RoleCoordinator, http.MethodPatch, "/api/v1/projects/" + pid, "ends_on", `{"ends_on": "%s", "version": 1}`},
		{models.RoleCoordinator, http.MethodPost, "/api/v1/projects/" + pid + "/assessments", "assessed_at",
			`{"assessed_at": "%s", "scores": [{"factor": "cohesion", "score": 3}]}`},
		{models.RoleCoordinator, http.MethodPost, "/api/v1/regions/" + itoa(region.ID) + "/assessments", "assessed_at",
			`{"assessed_at": "%s", "scores": [{"factor": "cohesion", "score": 3}]}`},
	}
	for _, typed := range []struct{ date, want string }{
		{"2026-02-31", notADay},
		{"2026-13-01", notADay},
		{"2026-00-10", notADay},
		{"31.02.2026", notADate},
	} {
		for _, tc := range forms {
			form := url.Values{tc.date: {typed.date}}
			for k, v := range tc.form {
				form[k] = v
			}
			tc.c.get(tc.page)
			res, body := tc.c.post(tc.to, form)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+tc.errorID+`"`) || !strings.Contains(body, typed.want) {
				t.Errorf("POST %s with %s=%s = %d; want 422 with %q beside the field\n%s", tc.to, tc.date, typed.date, res.StatusCode, typed.want, fieldError(body))
			}
		}
		for _, l := range lists {
			res, body := l.c.get(l.path + typed.date)
			if res.StatusCode < 400 || !strings.Contains(body, typed.want) {
				t.Errorf("GET %s%s = %d; want it refused with %q", l.path, typed.date, res.StatusCode, typed.want)
			}
		}
		for _, call := range apiCalls {
			code, out := ts.api(t, ts.token(t, call.role), call.method, call.path, strings.Replace(call.body, "%s", typed.date, 1))
			errObj, _ := out["error"].(map[string]any)
			fields, _ := errObj["fields"].(map[string]any)
			if got, _ := fields[call.field].(string); code != http.StatusUnprocessableEntity || !strings.Contains(got, typed.want) {
				t.Errorf("%s %s with %s %s = %d, %s: %q; want 422 with %q", call.method, call.path, call.field, typed.date, code, call.field, got, typed.want)
			}
		}
	}
}
