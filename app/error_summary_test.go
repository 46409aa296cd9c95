package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"samspill/models"
)

// TestErrorSummary sends each hand-drawn form invalid input and checks that the
// page opens with an error summary whose links lead, in the order of the
// fields, to elements of the same page, and that nothing was saved.
func TestErrorSummary(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	admin := regionAdmin(t, ts)
	region := itoa(admin.Region.ID)
	adviser, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	projectID := demoProjectID(t, ts, demoHamarStange)
	project, err := ts.store.Project(ctx, admin, projectID)
	if err != nil {
		t.Fatal(err)
	}
	hamar, err := ts.store.Municipality(ctx, "3403")
	if err != nil {
		t.Fatal(err)
	}
	load, err := ts.store.LoadSettings(ctx, admin, admin.Region.ID)
	if err != nil {
		t.Fatal(err)
	}
	today := ts.store.Today()
	day := func(days int) string { return today.AddDate(0, 0, days).Format("2006-01-02") }
	long := strings.Repeat("x", 2001)
	userPath, projectPath := "/admin/users/"+itoa(adviser.ID), "/projects/"+itoa(projectID)

	// state reads what a refused form must leave as it was, beside the audit log.
	adviserState := func(t *testing.T) any {
		u, err := ts.store.UserByEmail(ctx, adviser.Email)
		if err != nil {
			t.Fatal(err)
		}
		roles := []string{}
		for _, r := range u.Roles {
			roles = append(roles, r.Role)
		}
		return fmt.Sprint(u.Email, u.Name, u.Version, u.PasswordHash, u.SessionEpoch, roles)
	}
	factorCount := func(t *testing.T) any {
		fs, err := ts.store.Factors(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(fs)
	}
	projectState := func(t *testing.T) any {
		p, err := ts.store.Project(ctx, admin, projectID)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(p.Version, p.Title, len(p.Municipalities))
	}

	caseID, _ := submitShared(t, ts, true)
	casePath := "/enquiries/" + itoa(caseID)
	caseState := func(t *testing.T) any {
		e, err := ts.store.Enquiry(ctx, admin, caseID)
		if err != nil {
			t.Fatal(err)
		}
		as, err := ts.store.Activities(ctx, admin, caseID)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := ts.store.EnquiryReferrals(ctx, admin, caseID)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(e.Version, e.Status, len(as), len(rs))
	}

	tests := []struct {
		name   string
		role   string
		page   string // the form's page, read first as a browser would
		path   string
		form   url.Values
		status int
		links  []string // the summary's links in order; none: no summary, the general alert
		shows  []string // text the page must show as well
		alone  bool     // no field: the message at the top says what to do, without "some fields must be corrected" beside it
		state  func(*testing.T) any
	}{{
		name: "user details", role: models.RoleAdmin, page: userPath, path: userPath,
		form:   url.Values{"email": {"ikke en adresse"}, "name": {""}, "municipality": {"9999"}, "partner_id": {"999999"}, "version": {itoa(int64(adviser.Version))}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-email", "#f-name", "#f-municipality", "#f-partner_id"}, state: adviserState,
	}, {
		name: "user roles that need a municipality and a partner", role: models.RoleAdmin, page: userPath, path: userPath + "/roles",
		form:   url.Values{"region_id": {region}, "roles": {models.RoleMunicipality, models.RolePartner}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-municipality", "#f-partner_id"}, state: adviserState,
	}, {
		name: "own password, as typed", role: models.RoleAdviser, page: "/profile", path: "/profile/password",
		form:   url.Values{"current_password": {""}, "new_password": {"kort"}, "repeat_password": {"annet"}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-current_password", "#f-new_password", "#f-repeat_password"}, state: adviserState,
	}, {
		name: "own password, wrong current one", role: models.RoleAdviser, page: "/profile", path: "/profile/password",
		form:   url.Values{"current_password": {"feil-passord"}, "new_password": {"et-langt-nytt-passord"}, "repeat_password": {"et-langt-nytt-passord"}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-current_password"}, state: adviserState,
	}, {
		name: "API token name", role: models.RoleAdviser, page: "/profile", path: "/profile/tokens",
		form:   url.Values{"name": {strings.Repeat("n", 101)}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-name"},
	}, {
		name: "municipality organisation", role: models.RoleAdmin, page: "/admin/municipalities/3403", path: "/admin/municipalities/3403",
		form:   url.Values{"organisation": {"nonsense"}, "business_fte": {"0,5"}, "version": {itoa(int64(hamar.Version))}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-organisation"},
	}, {
		name: "municipality business FTE", role: models.RoleAdmin, page: "/admin/municipalities/3403", path: "/admin/municipalities/3403",
		form:   url.Values{"organisation": {""}, "business_fte": {"mye"}, "version": {itoa(int64(hamar.Version))}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-business_fte"},
	}, {
		name: "load threshold", role: models.RoleCoordinator, page: "/load", path: "/load/threshold",
		form:   url.Values{"threshold": {"5"}, "version": {itoa(int64(load.Version))}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-threshold"},
	}, {
		name: "new factor", role: models.RoleAdmin, page: "/admin/factors", path: "/admin/factors",
		form:   url.Values{"code": {"Ugyldig Kode"}, "polarity": {""}, "title_nb": {""}, "title_en": {""}, "description_nb": {long}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-code", "#f-polarity-error", "#f-title_nb", "#f-title_en", "#f-description_nb"}, state: factorCount,
	}, {
		// The case page is long: a form far down it, sent with errors, opens
		// the page with a summary leading to them, not "some fields" alone.
		name: "case activity", role: models.RoleAdviser, page: casePath, path: casePath + "/activities",
		form:   url.Values{"kind": {"call"}, "occurred_on": {"2000-01-01"}, "minutes": {"en halvtime"}, "text": {"Ringte"}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-occurred_on", "#f-minutes"}, state: caseState,
		shows: []string{"Velg den dagen eller en senere dato."},
	}, {
		name: "case closing", role: models.RoleAdviser, page: casePath, path: casePath + "/close",
		form:   url.Values{"outcome": {""}, "jobs_expected": {"mange"}, "version": {"1"}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-outcome-0", "#f-jobs_expected"}, state: caseState,
	}, {
		name: "case referral", role: models.RoleAdviser, page: casePath, path: casePath + "/referrals",
		form:   url.Values{"partner_id": {""}, "reason": {""}, "message": {"Hei"}, "send": {"send"}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-partner_id", "#f-reason"}, state: caseState,
	}, {
		name: "case consent withdrawal unconfirmed", role: models.RoleAdviser, page: casePath, path: casePath + "/withdraw-consent",
		form:   url.Values{"version": {"1"}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-confirm"}, state: caseState,
	}, {
		name: "case status the case cannot take, said at the top without a field", role: models.RoleAdviser, page: casePath, path: casePath + "/status",
		form:   url.Values{"status": {"assigned"}, "version": {"1"}},
		status: http.StatusUnprocessableEntity, state: caseState, alone: true,
		shows: []string{"Saken har ingen saksbehandler."},
	}, {
		name: "new project, numbers that do not parse", role: models.RoleCoordinator, page: "/projects/new", path: "/projects",
		form: url.Values{"title": {"Nytt samarbeid"}, "status": {"active"}, "visibility": {"participants"}, "budget_nok": {"mye"},
			"mun_kommunenummer": {"3403"}, "mun_role": {"lead"}, "mun_nok": {"abc"}, "mun_fte": {""}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-budget_nok", "#f-mun-0-nok"},
	}, {
		name: "new project, the model's checks", role: models.RoleCoordinator, page: "/projects/new", path: "/projects",
		form: url.Values{"title": {""}, "status": {"active"}, "visibility": {""}, "starts_on": {day(0)}, "ends_on": {day(-1)},
			"mun_kommunenummer": {"9999"}, "mun_role": {"lead"}, "mun_nok": {""}, "mun_fte": {""},
			"participant_kind": {"nonsense"}, "participant_name": {"Visit Innlandet"},
			"funding_source": {""}, "funding_nok": {"100 000"}, "funding_confirmed": {"no"},
			"indicator_target_jobs": {"-1"}, "link_title": {"Søknad"}, "link_url": {"ftp://samspill.example/soknad.pdf"}},
		status: http.StatusUnprocessableEntity,
		links: []string{"#f-title", "#f-ends_on", "#f-visibility-error", "#f-mun-0-kommunenummer", "#f-participant-0-kind",
			"#f-funding-0-source", "#f-indicator-jobs-target", "#f-link-0-url"},
		shows: []string{"Kommune (Kommune 1): Finner ingen kommune", "Nettadresse (Dokument 1): "},
	}, {
		name: "project edit without municipalities", role: models.RoleCoordinator, page: projectPath + "/edit", path: projectPath,
		form: url.Values{"version": {itoa(int64(project.Version))}, "title": {"Uten kommuner"}, "status": {"active"}, "visibility": {"participants"},
			"municipal_role": {"nonsense"}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-municipal_role-error", "#f-municipalities-error"}, state: projectState,
	}, {
		name: "new milestone", role: models.RoleCoordinator, page: projectPath, path: projectPath + "/milestones",
		form:   url.Values{"milestone_title": {""}, "due_on": {"2026-02-31"}, "milestone_status": {"planned"}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-ms-new-title", "#f-ms-new-due"}, state: projectState,
	}, {
		name: "milestone edit", role: models.RoleCoordinator, page: projectPath, path: projectPath + "/milestones/" + itoa(project.Milestones[0].ID),
		form: url.Values{"milestone_title": {"Forprosjekt"}, "due_on": {day(0)}, "milestone_status": {"done"}, "done_on": {"31.02.2026"},
			"version": {itoa(int64(project.Milestones[0].Version))}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-ms-" + itoa(project.Milestones[0].ID) + "-done"}, state: projectState,
	}, {
		name: "project assessment, as typed", role: models.RoleCoordinator, page: projectPath + "/assessments/new", path: projectPath + "/assessments",
		form:   url.Values{"assessed_at": {""}, "comment_equality": {"Uten score"}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-assessed_at", "#f-score_equality-error"},
	}, {
		name: "region assessment, the model's checks", role: models.RoleCoordinator, page: "/assessments/new", path: "/assessments",
		form:   url.Values{"assessed_at": {"2999-01-01"}, "score_cohesion": {"3"}, "comment_cohesion": {long}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-assessed_at", "#f-comment_cohesion"},
	}, {
		name: "region assessment without scores", role: models.RoleCoordinator, page: "/assessments/new", path: "/assessments",
		form:   url.Values{"assessed_at": {day(0)}},
		status: http.StatusUnprocessableEntity, links: []string{"#f-score_cohesion-1"}, shows: []string{"Faktorer vurdert: Vurder minst én faktor."},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ts.client(t)
			c.login(demoEmail(tt.role), models.DemoPassword)
			if res, _ := c.get(tt.page); res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d", tt.page, res.StatusCode)
			}
			audit := changeCount(t, ts)
			var before any
			if tt.state != nil {
				before = tt.state(t)
			}

			res, body := c.post(tt.path, tt.form)
			if res.StatusCode != tt.status {
				t.Fatalf("POST %s = %d; want %d\n%s", tt.path, res.StatusCode, tt.status, body)
			}
			summary := errorSummary(body)
			if len(tt.links) == 0 {
				if summary != "" {
					t.Errorf("an error with no field drew an error summary:\n%s", summary)
				}
				if general := strings.Contains(body, "Noen felt må rettes."); !general && !tt.alone {
					t.Error("an error with no field drew no general alert")
				} else if general && tt.alone {
					t.Error("the page says some fields must be corrected beside a message that names none")
				}
			} else {
				if summary == "" {
					t.Fatalf("no error summary (id=\"error-summary\")\n%s", body)
				}
				var got []string
				for _, m := range summaryLink.FindAllStringSubmatch(summary, -1) {
					got = append(got, m[1])
				}
				if !slices.Equal(got, tt.links) {
					t.Errorf("the error summary links to %q; want %q", got, tt.links)
				}
				for _, href := range got {
					if !strings.Contains(body, `id="`+strings.TrimPrefix(href, "#")+`"`) {
						t.Errorf("the summary's link %s leads to no element of the page", href)
					}
					// A group's message: each of its choices is marked invalid and described by it.
					if group, ok := strings.CutSuffix(strings.TrimPrefix(href, "#f-"), "-error"); ok {
						for _, input := range choiceInput.FindAllStringSubmatch(body, -1) {
							if input[1] == group && !strings.Contains(input[0], `aria-invalid="true" aria-describedby="`+strings.TrimPrefix(href, "#")+`"`) {
								t.Errorf("a choice of the group %s is not marked invalid: %s", group, input[0])
							}
						}
					}
				}
				if n := strings.Count(body, "Noen felt må rettes."); n != 1 {
					t.Errorf("the page says %d times that some fields must be corrected; want once, as the summary's title", n)
				}
			}
			for _, want := range tt.shows {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %q", want)
				}
			}

			if after := changeCount(t, ts); after != audit {
				t.Errorf("a refused form wrote %d audit entries", after-audit)
			}
			if tt.state != nil {
				if after := tt.state(t); after != before {
					t.Errorf("a refused form changed the data:\nbefore %v\nafter  %v", before, after)
				}
			}
		})
	}
}

var summaryLink = regexp.MustCompile(`<a class="ds-link" href="(#[^"]+)">`)

// choiceInput is a radio button or checkbox, with its name.
var choiceInput = regexp.MustCompile(`<input class="ds-input" type="(?:radio|checkbox)"[^>]* name="([^"]+)"[^>]*>`)

// errorSummary is the error summary's markup in a page, or "".
func errorSummary(body string) string {
	start := strings.Index(body, `id="error-summary"`)
	if start < 0 {
		return ""
	}
	end := strings.Index(body[start:], "</ul>")
	if end < 0 {
		return body[start:]
	}
	return body[start : start+end]
}

// auditCount is the number of entries in the audit log: every change writes one
// in the same transaction, so a refused form leaves it as it was.
func auditCount(t *testing.T, ts *testServer) int64 {
	t.Helper()
	_, n, err := ts.store.AuditEntries(context.Background(), regionAdmin(t, ts), models.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// changeCount is how many audit entries record something other than a read
// of personal data: a case page shown again with a refused form's errors
// records a read, as any showing of it does, and nothing else.
func changeCount(t *testing.T, ts *testServer) int64 {
	t.Helper()
	_, views, err := ts.store.AuditEntries(context.Background(), regionAdmin(t, ts), models.AuditFilter{Action: "view"})
	if err != nil {
		t.Fatal(err)
	}
	return auditCount(t, ts) - views
}
