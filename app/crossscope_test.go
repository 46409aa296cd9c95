package app

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"samspill/models"
)

// canary is the word every record of the other region carries, so that a leak
// of any of them shows in any answer.
const canary = "Kanarifugl"

// leak is what a leaked record shows: the canary word followed by more text.
// The word alone may be echoed back in a search box.
const leak = canary + " "

// canaryRegion seeds a second region (Oslo) with an enquiry, a referral, a
// project, an assessment and a user, all marked with the canary word.
func canaryRegion(t *testing.T, ts *testServer) map[string]string {
	t.Helper()
	ctx := context.Background()
	a := models.Actor{}
	in := models.DefaultRegionInput()
	in.Slug, in.Name = "oslo-kanari", "Oslo "+canary
	region, err := ts.store.CreateRegion(ctx, a, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.SaveMember(ctx, a, region.ID, models.MemberInput{Kommunenummer: "0301", JoinedOn: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Votes: 1, TakesEnquiries: true}); err != nil {
		t.Fatal(err)
	}
	coord, err := ts.store.CreateUser(ctx, a, models.UserInput{Email: "kanari@oslo.example", Name: canary + " Koordinator"}, "kanari-passord-1", []models.RoleGrant{{RegionID: region.ID, Role: models.RoleCoordinator}})
	if err != nil {
		t.Fatal(err)
	}
	v := &models.Viewer{User: coord, Region: region}
	e, err := ts.store.CreateEnquiry(ctx, v, a, models.NewEnquiry{Channel: "phone", Consent: models.ConsentInput{Store: true, Share: true},
		Input: models.EnquiryInput{Kommunenummer: "0301", EnquirerKind: "other", Needs: []string{"financing"}, Description: canary + " beskrivelse",
			Name: canary + " Person", Email: "kanari@example.org", OrgNumber: "923609016"}})
	if err != nil {
		t.Fatal(err)
	}
	innovation, _ := ts.store.PartnerByName(ctx, "Innovasjon Norge")
	r, err := ts.store.CreateReferral(ctx, v, a, e.ID, models.ReferralInput{PartnerID: innovation.ID, Reason: "financing", Message: canary + " melding", SharePersonalData: true, Send: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ts.store.CreateProject(ctx, v, a, models.ProjectInput{Title: canary + " prosjekt", Status: "active", Visibility: "members",
		Municipalities: []models.ProjectMunicipalityInput{{Kommunenummer: "0301", Role: "lead"}}})
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	as, err := ts.store.CreateAssessment(ctx, v, a, region.ID, 0, models.AssessmentInput{AssessedOn: &today, Note: canary + " vurdering",
		Scores: []models.ScoreInput{{Factor: "cohesion", Score: 3, Comment: canary + " kommentar"}}})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"region": itoa(region.ID), "user": itoa(coord.ID), "enquiry": itoa(e.ID), "referral": itoa(r.ID),
		"project": itoa(p.ID), "assessment": itoa(as.ID), "reference": e.Reference}
}

// TestCrossScopeProbes has every role of the demo region ask for the other
// region's records by id, in lists, search, exports and report drill-downs, by
// page and by API. Records answer 404; lists show no canary.
func TestCrossScopeProbes(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ids := canaryRegion(t, ts)
	records := []string{
		"/enquiries/" + ids["enquiry"], "/api/v1/enquiries/" + ids["enquiry"], "/api/v1/enquiries/" + ids["enquiry"] + "/activities",
		"/referrals/" + ids["referral"], "/api/v1/referrals/" + ids["referral"],
		"/projects/" + ids["project"], "/api/v1/projects/" + ids["project"], "/api/v1/projects/" + ids["project"] + "/assessments",
		"/assessments/" + ids["assessment"], "/admin/users/" + ids["user"], "/admin/regions/" + ids["region"], "/api/v1/regions/" + ids["region"],
		"/api/v1/regions/" + ids["region"] + "/assessments",
	}
	lists := []string{
		"/enquiries", "/enquiries?q=" + canary, "/enquiries?q=" + ids["reference"], "/enquiries?q=923609016", "/api/v1/enquiries?q=" + canary,
		"/enquiries/export.csv", "/enquiries/export.csv?q=" + canary, "/referrals", "/api/v1/referrals", "/projects", "/api/v1/projects",
		"/assessments", "/assessments/trend", "/assessments/compare", "/assessments/heatmap", "/portfolio", "/admin/users?q=" + canary, "/admin/regions", "/api/v1/regions",
		"/reports/referrals", "/reports/referrals.csv", "/reports/referrals.csv?table=advisers", "/api/v1/reports/referrals",
		"/referrals?partner=1", "/statistics", "/api/v1/reports/municipality", "/cooperation", "/load", "/admin/audit",
	}
	for _, role := range []string{models.RoleCoordinator, models.RoleAdviser, models.RoleBoard, models.RoleMunicipality, models.RolePartner} {
		t.Run(role, func(t *testing.T) {
			c := ts.client(t)
			c.login(demoEmail(role), models.DemoPassword)
			tok := ts.token(t, role)
			for _, p := range records {
				var status int
				var body string
				if strings.HasPrefix(p, "/api/") {
					st, out := ts.api(t, tok, http.MethodGet, p, "")
					status, body = st, mustJSON(t, out)
				} else {
					res, b := c.get(p)
					status, body = res.StatusCode, b
				}
				if status != http.StatusNotFound {
					t.Errorf("GET %s = %d; want 404", p, status)
				}
				if strings.Contains(body, leak) {
					t.Errorf("GET %s shows the other region's canary", p)
				}
			}
			for _, p := range lists {
				var body string
				if strings.HasPrefix(p, "/api/") {
					_, out := ts.api(t, tok, http.MethodGet, p, "")
					body = mustJSON(t, out)
				} else {
					_, body = c.get(p)
				}
				if strings.Contains(body, leak) {
					t.Errorf("GET %s shows the other region's canary", p)
				}
			}
			res, xlsx := c.get("/enquiries/export.xlsx")
			if res.StatusCode == http.StatusOK {
				f, err := excelize.OpenReader(bytes.NewReader([]byte(xlsx)))
				if err != nil {
					t.Fatal(err)
				}
				rows, _ := f.GetRows(f.GetSheetName(0))
				for _, r := range rows {
					if strings.Contains(strings.Join(r, " "), leak) {
						t.Error("the XLSX export holds the other region's canary")
					}
				}
				f.Close()
			}
		})
	}
}
