package app

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"samspill/models"
)

// TestMunicipalityFormOneRound posts the municipality page's form with more
// than one field wrong: every error shows in the first answer, even when the
// business FTE does not parse, and nothing is saved.
func TestMunicipalityFormOneRound(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	const path = "/admin/municipalities/3403"
	state := func(t *testing.T) string {
		m, err := ts.store.Municipality(ctx, "3403")
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(m.Organisation, m.BusinessFTE, m.Version, m.UpdatedAt)
	}
	hamar, err := ts.store.Municipality(ctx, "3403")
	if err != nil {
		t.Fatal(err)
	}
	version := itoa(int64(hamar.Version))

	tests := []struct {
		name string
		fte  string
		want []string // the business FTE's error, in Norwegian
	}{
		{"FTE that does not parse", "mye", []string{"Skriv et tall."}},
		{"FTE out of range", "5000", []string{"Skriv antall årsverk mellom 0 og 1000."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ts.client(t)
			c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
			if res, _ := c.get(path); res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d", path, res.StatusCode)
			}
			before, audit := state(t), auditCount(t, ts)

			// "nonsense" is none of models.Organisations.
			res, body := c.post(path, url.Values{"organisation": {"nonsense"}, "business_fte": {tt.fte}, "version": {version}})
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("POST %s = %d; want 422\n%s", path, res.StatusCode, body)
			}
			for _, want := range append([]string{`id="f-organisation-error"`, `id="f-business_fte-error"`, "Velg et av alternativene."}, tt.want...) {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %q: both fields' errors must show in one round", want)
				}
			}
			var links []string
			for _, m := range summaryLink.FindAllStringSubmatch(errorSummary(body), -1) {
				links = append(links, m[1])
			}
			if got, want := strings.Join(links, " "), "#f-organisation #f-business_fte"; got != want {
				t.Errorf("the error summary links to %q; want %q", got, want)
			}
			if !strings.Contains(body, `value="`+tt.fte+`"`) {
				t.Errorf("the FTE field lost what was typed (%q)", tt.fte)
			}
			if after := state(t); after != before {
				t.Errorf("a refused form changed the municipality:\nbefore %s\nafter  %s", before, after)
			}
			if after := auditCount(t, ts); after != audit {
				t.Errorf("a refused form wrote %d audit entries", after-audit)
			}
		})
	}
}

// TestUserRolesFormKeepsInput posts roles that the model refuses: the page
// comes back with the error and the boxes as the admin ticked them, not as
// they are stored, and the stored roles stay as they were.
func TestUserRolesFormKeepsInput(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	region := regionAdmin(t, ts).Region.ID
	adviser, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	path := "/admin/users/" + itoa(adviser.ID)
	stored := func(t *testing.T) string {
		u, err := ts.store.UserByEmail(ctx, adviser.Email)
		if err != nil {
			t.Fatal(err)
		}
		var roles []string
		for _, r := range u.Roles {
			region := "all"
			if r.RegionID != nil {
				region = itoa(*r.RegionID)
			}
			roles = append(roles, r.Role+"@"+region)
		}
		return fmt.Sprint(roles, u.SessionEpoch, u.Version)
	}

	tests := []struct {
		name  string
		roles []string
		want  string // the error, in Norwegian
		field string // the details form's field to fix, which the roles form links to
	}{
		{"municipality role without a municipality", []string{models.RoleBoard, models.RoleMunicipality}, "Velg kommunen brukeren representerer (kreves for rollen Kommune).", "f-municipality"},
		{"partner role without a partner", []string{models.RolePartner}, "Velg partneren brukeren representerer (kreves for rollen Partner).", "f-partner_id"},
		{"a role that does not exist", []string{models.RoleBoard, "superuser"}, "Velg et av alternativene.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ts.client(t)
			c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
			if res, _ := c.get(path); res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d", path, res.StatusCode)
			}
			before, audit := stored(t), auditCount(t, ts)

			res, body := c.post(path+"/roles", url.Values{"region_id": {itoa(region)}, "roles": tt.roles})
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("POST %s/roles = %d; want 422\n%s", path, res.StatusCode, body)
			}
			if !strings.Contains(body, tt.want) {
				t.Errorf("the page lacks the error %q", tt.want)
			}
			// The refused form itself says why, and links to the field to fix.
			if tt.field != "" {
				form := body[strings.Index(body, fmt.Sprintf(`id="roles-%d-%s"`, region, models.RegionRoles[0])):]
				form = form[:strings.Index(form, "</form>")]
				beside := fmt.Sprintf(`id="roles-%d-error"><a class="ds-link" href="#%s">%s</a></p>`, region, tt.field, tt.want)
				if !strings.Contains(form, beside) {
					t.Errorf("the refused roles form lacks %q", beside)
				}
				if !strings.Contains(body, fmt.Sprintf(`<fieldset class="ds-fieldset" aria-describedby="roles-%d-error">`, region)) {
					t.Error("the refused roles form's boxes are not described by its error")
				}
			}
			for _, role := range models.RegionRoles {
				ticked := false
				for _, r := range tt.roles {
					ticked = ticked || r == role
				}
				checked, found := checkbox(body, fmt.Sprintf("roles-%d-%s", region, role))
				if !found {
					t.Fatalf("no checkbox for the role %s in region %d\n%s", role, region, body)
				}
				if checked != ticked {
					t.Errorf("the role %s is checked=%v; want %v, as submitted", role, checked, ticked)
				}
			}
			if after := stored(t); after != before {
				t.Errorf("a refused form changed the user's roles:\nbefore %s\nafter  %s", before, after)
			}
			if after := auditCount(t, ts); after != audit {
				t.Errorf("a refused form wrote %d audit entries", after-audit)
			}
		})
	}
}

var inputTag = regexp.MustCompile(`<input [^>]*>`)

// checkbox reports whether the page has an input with the id, and whether it
// is checked.
func checkbox(body, id string) (checked, found bool) {
	for _, tag := range inputTag.FindAllString(body, -1) {
		if strings.Contains(tag, `id="`+id+`"`) {
			return strings.Contains(tag, " checked"), true
		}
	}
	return false, false
}

// TestDecimalFieldsRefuseNonFinite types what strconv.ParseFloat takes for
// infinity or not-a-number into each decimal field: the form comes back with
// 422 and the field's usual number error, keeps what was typed, and stores
// nothing.
func TestDecimalFieldsRefuseNonFinite(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	admin := regionAdmin(t, ts)
	regionPath := "/admin/regions/" + itoa(admin.Region.ID)
	hamar, err := ts.store.Municipality(ctx, "3403")
	if err != nil {
		t.Fatal(err)
	}
	load, err := ts.store.LoadSettings(ctx, admin, admin.Region.ID)
	if err != nil {
		t.Fatal(err)
	}
	project := func(extra url.Values) url.Values {
		f := url.Values{"title": {"Nytt samarbeid"}, "status": {"active"}, "visibility": {"participants"},
			"mun_kommunenummer": {"3403"}, "mun_role": {"lead"}, "mun_nok": {""}, "mun_fte": {""}}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}

	forms := []struct {
		name, role, page, path string
		form                   func(v string) url.Values
		field                  string // the summary's link to the field
	}{
		{"project contribution FTE", models.RoleCoordinator, "/projects/new", "/projects",
			func(v string) url.Values { return project(url.Values{"mun_fte": {v}}) }, "#f-mun-0-fte"},
		{"indicator target", models.RoleCoordinator, "/projects/new", "/projects",
			func(v string) url.Values { return project(url.Values{"indicator_target_jobs": {v}}) }, "#f-indicator-jobs-target"},
		{"indicator actual", models.RoleCoordinator, "/projects/new", "/projects",
			func(v string) url.Values {
				return project(url.Values{"indicator_target_jobs": {"10"}, "indicator_actual_jobs": {v}})
			}, "#f-indicator-jobs-actual"},
		{"municipality business FTE", models.RoleAdmin, "/admin/municipalities/3403", "/admin/municipalities/3403",
			func(v string) url.Values {
				return url.Values{"organisation": {""}, "business_fte": {v}, "version": {itoa(int64(hamar.Version))}}
			}, "#f-business_fte"},
		{"member committed FTE", models.RoleAdmin, regionPath, regionPath + "/members",
			func(v string) url.Values {
				return url.Values{"kommunenummer": {"3411"}, "joined_on": {"2024-01-01"}, "votes": {"1"}, "committed_fte": {v}}
			}, "#f-committed_fte"},
		{"load threshold", models.RoleCoordinator, "/load", "/load/threshold",
			func(v string) url.Values { return url.Values{"threshold": {v}, "version": {itoa(int64(load.Version))}} }, "#f-threshold"},
	}
	for _, form := range forms {
		for _, typed := range []string{"NaN", "nan", "Inf", "+Inf", "-Inf", "infinity", "-Infinity"} {
			t.Run(form.name+" "+typed, func(t *testing.T) {
				c := ts.client(t)
				c.login(demoEmail(form.role), models.DemoPassword)
				if res, _ := c.get(form.page); res.StatusCode != http.StatusOK {
					t.Fatalf("GET %s = %d", form.page, res.StatusCode)
				}
				audit := auditCount(t, ts)
				res, body := c.post(form.path, form.form(typed))
				if res.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("POST %s with %q = %d; want 422", form.path, typed, res.StatusCode)
				}
				if !strings.Contains(errorSummary(body), `href="`+form.field+`">`) || !strings.Contains(body, "Skriv et tall.") {
					t.Errorf("the page does not say at %s that a number is wanted", form.field)
				}
				if !strings.Contains(html.UnescapeString(body), `value="`+typed+`"`) {
					t.Errorf("the field lost what was typed (%q)", typed)
				}
				if after := auditCount(t, ts); after != audit {
					t.Errorf("a refused form wrote %d audit entries", after-audit)
				}
			})
		}
	}
	// Nothing refused was stored.
	if m, err := ts.store.Municipality(ctx, "3403"); err != nil || m.Version != hamar.Version {
		t.Errorf("the municipality changed: %+v %v", m, err)
	}
	if after, err := ts.store.LoadSettings(ctx, admin, admin.Region.ID); err != nil || after.Version != load.Version {
		t.Errorf("the load settings changed: %+v %v", after, err)
	}
	if ps, _, err := ts.store.Projects(ctx, admin, models.ProjectFilter{Q: "Nytt samarbeid"}); err != nil || len(ps) != 0 {
		t.Errorf("%d projects stored (%v); want none", len(ps), err)
	}
}

// TestTextareasCountLineBreaksOnce fills long texts to their maxlength in
// lines joined by CR LF, as browsers send them: the server counts a line
// break once, as maxlength does, and takes the text.
func TestTextareasCountLineBreaksOnce(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	today := ts.store.Today().Format("2006-01-02")
	for _, tc := range []struct {
		c        *client
		page, to string
		form     url.Values
	}{
		{coord, "/projects/new", "/projects", url.Values{"title": {"Lange linjer"}, "summary": {crlfText(4000)}, "status": {"planning"},
			"visibility": {"participants"}, "mun_kommunenummer": {"3403"}, "mun_role": {"lead"}}},
		{coord, "/assessments/new", "/assessments", url.Values{"assessed_at": {today}, "note": {crlfText(2000)}, "score_cohesion": {"3"}}},
		{admin, "/admin/partners/new", "/admin/partners", url.Values{"name": {"Lange linjer AS"}, "kind": {"local"}, "description": {crlfText(2000)}}},
		{admin, "/admin/factors", "/admin/factors", url.Values{"code": {"lange_linjer"}, "polarity": {"enabling"}, "title_nb": {"L"}, "title_en": {"L"},
			"description_nb": {crlfText(2000)}}},
	} {
		tc.c.get(tc.page)
		if res, body := tc.c.post(tc.to, tc.form); res.StatusCode != http.StatusSeeOther {
			t.Errorf("POST %s at its maxlength = %d\n%s", tc.to, res.StatusCode, errorSummary(body))
		}
	}
}

// TestFormsShowEveryErrorInOneRound posts every kind of form with two or three
// independent mistakes (a field that does not parse, one the model refuses, a
// code or municipality that does not exist): each is refused with 422 and
// every error shows in the first answer.
func TestFormsShowEveryErrorInOneRound(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	pid := itoa(demoProjectID(t, ts, demoShared))
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	anon := ts.client(t)
	// An enquiry with an unknown municipality (tampered with: the form offers
	// a list) and a field wrong besides: the unknown municipality is said in
	// the first answer, not once the other field is mended.
	unknownPlace := url.Values{"municipality": {"9999"}, "enquirer_kind": {"prospective_entrepreneur"}, "needs": {"financing"},
		"description": {"Idé"}, "name": {""}, "email": {"ola@example.org"}, "consent_store": {"on"}, "channel": {"phone"}}
	answered := func(extra url.Values) url.Values {
		v := url.Values{}
		for k, vs := range unknownPlace {
			v[k] = vs
		}
		for k, vs := range extra {
			v[k] = vs
		}
		return v
	}
	enquiry := itoa(mustSubmit(t, ts))
	drafted := itoa(draftedEnquiry(t, ts, ts.token(t, models.RoleAdviser)))
	referrer, referral := sentReferral(t, ts, true)
	referrer.get("/referrals/" + referral)
	_, linkPage := referrer.post("/referrals/"+referral+"/link", nil)
	link := oneTimeLink.FindStringSubmatch(linkPage)[1]
	_, other := sentReferral(t, ts, true) // the link's referral is answered by the partner, the other by the adviser
	project, err := ts.store.Project(context.Background(), regionAdmin(t, ts), demoProjectID(t, ts, demoShared))
	if err != nil {
		t.Fatal(err)
	}
	milestone := "/projects/" + pid + "/milestones/" + itoa(project.Milestones[0].ID)
	ms := "f-ms-" + itoa(project.Milestones[0].ID) + "-"
	adviserUser, err := ts.store.UserByEmail(context.Background(), demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	adviserPage := "/admin/users/" + itoa(adviserUser.ID)
	for _, tc := range []struct {
		c        *client
		page, to string
		form     url.Values
		want     []string // the parse error's id, then the model's
	}{
		{adviser, "/enquiries/" + enquiry, "/enquiries/" + enquiry, answered(url.Values{"name": {"Ola"}, "under_30": {"kanskje"}, "email": {"x"}, "version": {"1"}}),
			[]string{"f-under_30-error", "f-municipality-error", "f-email-error"}},
		{adviser, "/enquiries/" + enquiry, "/enquiries/" + enquiry + "/activities", url.Values{"kind": {"bogus"}, "occurred_on": {"2026-02-30"}, "minutes": {"mye"}},
			[]string{"f-occurred_on-error", "f-minutes-error", "f-kind-error"}},
		{adviser, "/enquiries/" + enquiry, "/enquiries/" + enquiry + "/close", url.Values{"outcome": {"bogus"}, "jobs_created": {"mye"}, "version": {"1"}},
			[]string{"f-jobs_created-error", "f-outcome-error"}},
		{adviser, "/enquiries/" + drafted, "/enquiries/" + drafted + "/close", url.Values{"outcome": {"referred"}, "jobs_created": {"mye"}, "version": {"1"}},
			[]string{"Saken har utkast til henvisninger som ikke er sendt."}}, // the closing form is not drawn then: the drafts are said at the top
		{adviser, "/enquiries/" + enquiry, "/enquiries/" + enquiry + "/referrals", url.Values{"partner_id": {"abc"}, "reason": {"bogus"}, "follow_up_due": {"2026-02-30"}, "send": {"send"}},
			[]string{"f-follow_up_due-error", "f-partner_id-error", "f-reason-error"}},
		{anon, link, link, url.Values{"action": {"outcome"}, "outcome": {"supported"}, "amount_nok": {"mye"}}, []string{"f-amount_nok-error", "f-outcome_reason-error"}},
		{adviser, "/referrals/" + other, "/referrals/" + other + "/close", url.Values{"outcome": {"bogus"}, "amount_nok": {"mye"}, "version": {"1"}},
			[]string{"f-amount_nok-error", "f-outcome-error"}},
		{coord, "/projects/" + pid, milestone, url.Values{"milestone_title": {""}, "due_on": {"2026-02-30"}, "milestone_status": {"bogus"}, "version": {"1"}},
			[]string{ms + "due-error", ms + "title-error", ms + "status-error"}},
		{coord, "/projects/" + pid + "/edit", "/projects/" + pid, url.Values{"title": {""}, "starts_on": {"2026-02-30"}, "status": {"bogus"}, "visibility": {"participants"},
			"mun_kommunenummer": {"9999"}, "mun_role": {"lead"}, "version": {"1"}}, []string{"#f-starts_on", "#f-title", "#f-status", "#f-mun-0-kommunenummer"}},
		{admin, "/admin/partners/new", "/admin/partners", url.Values{"name": {""}, "kind": {"bogus"}, "website": {"x"}}, []string{"#f-name", "#f-kind-error", "#f-website"}},
		{admin, "/admin/partners/new", "/admin/partners", url.Values{"name": {"Siva"}, "kind": {"bogus"}}, []string{"#f-name", "#f-kind-error"}},
		{admin, "/admin/partners/1", "/admin/partners/1", url.Values{"name": {""}, "kind": {"bogus"}, "version": {"x"}}, []string{"#f-name", "#f-kind-error"}},
		{admin, "/admin/factors", "/admin/factors", url.Values{"code": {"cohesion"}, "polarity": {"bogus"}, "title_nb": {"T"}, "title_en": {"T"}},
			[]string{"#f-code", "#f-polarity-error"}},
		{admin, "/admin/factors", "/admin/factors", url.Values{"code": {""}, "polarity": {"bogus"}, "title_nb": {""}}, []string{"#f-code", "#f-polarity-error", "#f-title_nb"}},
		{admin, "/admin/users/new", "/admin/users", url.Values{"name": {""}, "email": {demoEmail(models.RoleBoard)}, "region_id": {"1"}, "roles": {"adviser"}},
			[]string{"#f-name", "#f-email"}},
		{admin, adviserPage, adviserPage, url.Values{"name": {""}, "email": {demoEmail(models.RoleBoard)}, "version": {"1"}}, []string{"#f-name", "#f-email"}},
		{admin, "/admin/users/2", "/admin/users/2", url.Values{"name": {""}, "email": {"x"}, "partner_id": {"abc"}, "version": {"1"}}, []string{"#f-partner_id", "#f-name", "#f-email"}},
		{coord, "/profile", "/profile/tokens", url.Values{"name": {strings.Repeat("x", 101)}, "days": {"mye"}}, []string{"#f-days", "#f-name"}},
		{coord, "/profile", "/profile/password", url.Values{"current_password": {"feil-passord"}, "new_password": {"kort"}, "repeat_password": {"annet"}},
			[]string{"#f-current_password", "#f-new_password", "#f-repeat_password"}},
		{coord, "/load", "/load/threshold", url.Values{"threshold": {"mye"}}, []string{"#f-threshold"}},
		{anon, "/enquiry", "/enquiry", unknownPlace, []string{"f-name-error", "f-municipality-error"}},
		{anon, "/enquiry", "/enquiry", answered(url.Values{"name": {"Ola"}, "under_30": {"kanskje"}}), []string{"f-under_30-error", "f-municipality-error"}},
		{adviser, "/enquiries/new", "/enquiries", answered(url.Values{"name": {"Ola"}, "raw_material": {"kanskje"}}),
			[]string{"f-raw_material-error", "f-municipality-error"}},
		{coord, "/assessments/new", "/assessments", url.Values{"assessed_at": {"2026-02-30"}, "score_cohesion": {"7"}},
			[]string{"f-assessed_at-error", "f-score_cohesion-error"}},
		{coord, "/projects/" + pid + "/assessments/new", "/projects/" + pid + "/assessments", url.Values{"assessed_at": {"30.02.2026"}, "score_cohesion": {"0"}},
			[]string{"f-assessed_at-error", "f-score_cohesion-error"}},
		{coord, "/projects/new", "/projects", url.Values{"title": {""}, "budget_nok": {"mye"}, "status": {"planning"}, "visibility": {"participants"},
			"mun_kommunenummer": {"3403"}, "mun_role": {"lead"}}, []string{"f-budget_nok-error", "f-title-error"}},
		{coord, "/projects/" + pid, "/projects/" + pid + "/milestones", url.Values{"milestone_title": {""}, "due_on": {"2026-02-30"},
			"milestone_status": {"planned"}}, []string{"f-ms-new-due-error", "f-ms-new-title-error"}},
		{admin, "/admin/users/new", "/admin/users", url.Values{"name": {""}, "email": {"x"}, "partner_id": {"abc"}, "region_id": {"1"},
			"roles": {"adviser"}}, []string{"f-partner_id-error", "f-name-error", "f-email-error"}},
		{admin, "/admin/users/new", "/admin/users", url.Values{"name": {"Ny"}, "email": {"ny@example.org"}, "partner_id": {"abc"}},
			[]string{"f-partner_id-error", "Roller: Velg minst én rolle."}},
		{admin, "/admin/regions/new", "/admin/regions", url.Values{"slug": {"ny-region"}, "name": {"Ny region"}, "host_municipality": {"9999"},
			"first_response_days": {"mye"}, "referral_follow_up_days": {"14"}, "no_response_days": {"30"}, "retention_months": {"36"}},
			[]string{"f-first_response_days-error", "f-host_municipality-error"}},
		{admin, "/admin/regions/new", "/admin/regions", url.Values{"slug": {"hamarregionen"}, "name": {""}, "first_response_days": {"2"},
			"referral_follow_up_days": {"14"}, "no_response_days": {"30"}, "retention_months": {"36"}}, []string{"#f-slug", "#f-name"}},
		{admin, "/admin/regions/1", "/admin/regions/1", url.Values{"slug": {"hamarregionen"}, "name": {"Hamarregionen"}, "host_municipality": {"9999"},
			"first_response_days": {"2"}, "referral_follow_up_days": {"to"}, "no_response_days": {"30"}, "retention_months": {"36"}, "version": {"1"}},
			[]string{"f-referral_follow_up_days-error", "f-host_municipality-error"}},
		{admin, "/admin/regions/1", "/admin/regions/1/members", url.Values{"kommunenummer": {"9999"}, "joined_on": {"2026-02-30"},
			"votes": {"1"}, "committed_fte": {"1"}}, []string{"f-joined_on-error", "f-kommunenummer-error"}},
		{coord, "/assessments/new", "/assessments", url.Values{"assessed_at": {"2026-02-30"}, "note": {strings.Repeat("ø", 2001)},
			"score_cohesion": {"3"}}, []string{"f-assessed_at-error", "f-note-error"}},
	} {
		tc.c.get(tc.page)
		res, body := tc.c.post(tc.to, tc.form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("POST %s = %d; want 422", tc.to, res.StatusCode)
		}
		for _, id := range tc.want {
			if !strings.Contains(body, id) {
				t.Errorf("POST %s: no %s in the first answer", tc.to, id)
			}
		}
	}
	// The current password, right, is not said wrong beside the new one's errors.
	coord.get("/profile")
	if _, body := coord.post("/profile/password", url.Values{"current_password": {models.DemoPassword}, "new_password": {"kort"}, "repeat_password": {"kort"}}); strings.Contains(errorSummary(body), "#f-current_password") || !strings.Contains(errorSummary(body), "#f-new_password") {
		t.Errorf("a right current password and a short new one: the summary is\n%s", errorSummary(body))
	}
	// A region that does not parse is one error on the roles, not two.
	admin.get("/admin/users/new")
	_, body := admin.post("/admin/users", url.Values{"name": {"Ny"}, "email": {"ny@example.org"}, "region_id": {"abc"}, "roles": {"adviser"}})
	if n := strings.Count(errorSummary(body), "#f-roles-error"); n != 1 {
		t.Errorf("a new user with region_id=abc: %d errors on the roles in the summary; want 1:\n%s", n, errorSummary(body))
	}
}
