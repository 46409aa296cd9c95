package app

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"samspill/models"
)

// Demo projects the tests refer to.
const (
	demoHamarStange = "Næringspark Hamar–Stange"            // Hamar and Stange, participants only
	demoShared      = "Felles førstelinje for næringslivet" // all three, visible to all members
)

// demoProjectID finds a demo project by title.
func demoProjectID(t *testing.T, ts *testServer, title string) int64 {
	t.Helper()
	admin := regionAdmin(t, ts)
	ps, _, err := ts.store.Projects(context.Background(), admin, models.ProjectFilter{Q: title})
	if err != nil || len(ps) != 1 {
		t.Fatalf("demo project %q: %d found, %v", title, len(ps), err)
	}
	return ps[0].ID
}

// regionAdmin is the demo admin working in the demo region.
func regionAdmin(t *testing.T, ts *testServer) *models.Viewer {
	t.Helper()
	ctx := context.Background()
	u, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdmin))
	if err != nil {
		t.Fatal(err)
	}
	r := demoRegion(t, ts)
	return &models.Viewer{User: u, Region: r}
}

// projectProbeIDs gives the route access probe a project and an assessment
// that every reading role may see: the shared project, open to all members.
func projectProbeIDs(t *testing.T, ts *testServer, ids map[string]string) {
	t.Helper()
	id := demoProjectID(t, ts, demoShared)
	as, _, err := ts.store.Assessments(context.Background(), regionAdmin(t, ts), models.AssessmentFilter{RegionID: regionAdmin(t, ts).Region.ID, ProjectID: id})
	if err != nil || len(as) == 0 {
		t.Fatalf("assessments of the shared demo project: %d, %v", len(as), err)
	}
	ids["/projects/:id"] = itoa(id)
	ids["/api/v1/projects/:id"] = itoa(id)
	ids["/assessments/:id"] = itoa(as[0].ID)
	ids["/api/v1/assessments/:id"] = itoa(as[0].ID)
	ids["/api/v1/factors/:code"] = "/api/v1/factors/cohesion"
	p, err := ts.store.Project(context.Background(), regionAdmin(t, ts), id)
	if err != nil || len(p.Milestones) == 0 {
		t.Fatalf("milestones of the shared demo project: %v", err)
	}
	ids["/projects/:id/milestones/:mid"] = "/projects/" + itoa(id) + "/milestones/" + itoa(p.Milestones[0].ID)
	// Retiring comes before reinstating in the route table, so the probe leaves
	// the factor as it found it.
	for _, path := range []string{"/admin/factors/:code/retire", "/admin/factors/:code/reinstate", "/api/v1/factors/:code/retire", "/api/v1/factors/:code/reinstate"} {
		ids[path] = strings.Replace(path, ":code", "weak_cohesion", 1)
	}
}

// stangeEmail is the demo municipality user of Stange.
const stangeEmail = "stange@hamarregionen.example"

// tokenFor makes an API token for a user by e-mail.
func (ts *testServer) tokenFor(t *testing.T, email string) string {
	t.Helper()
	u, err := ts.store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := ts.store.CreateToken(context.Background(), models.Actor{}, u.ID, "test", models.TokenDays, models.TokenWrite)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// latestAssessment is the newest assessment of a project, as the admin sees it.
func latestAssessment(t *testing.T, ts *testServer, projectID int64) *models.Assessment {
	t.Helper()
	v := regionAdmin(t, ts)
	as, _, err := ts.store.Assessments(context.Background(), v, models.AssessmentFilter{RegionID: v.Region.ID, ProjectID: projectID})
	if err != nil || len(as) == 0 {
		t.Fatalf("assessments of project %d: %d, %v", projectID, len(as), err)
	}
	return &as[0]
}

// A municipality user gets a participants-only project its municipality takes
// part in, and 404 for one it does not, by page and by API.
func TestMunicipalityProjectVisibility(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	hamarStange := demoProjectID(t, ts, demoHamarStange)
	loten := demoProjectID(t, ts, "Stedsutvikling Løten sentrum")
	shared := demoProjectID(t, ts, demoShared)
	hsAssessment := latestAssessment(t, ts, hamarStange).ID

	users := map[string]struct {
		page  *client
		token string
	}{}
	for name, email := range map[string]string{"Løten": demoEmail(models.RoleMunicipality), "Stange": stangeEmail} {
		c := ts.client(t)
		c.login(email, models.DemoPassword)
		users[name] = struct {
			page  *client
			token string
		}{c, ts.tokenFor(t, email)}
	}
	tests := []struct {
		user, page, api string
		want            int
	}{
		{"Stange", "/projects/" + itoa(hamarStange), "/api/v1/projects/" + itoa(hamarStange), http.StatusOK},
		{"Løten", "/projects/" + itoa(hamarStange), "/api/v1/projects/" + itoa(hamarStange), http.StatusNotFound},
		{"Løten", "/projects/" + itoa(loten), "/api/v1/projects/" + itoa(loten), http.StatusOK},
		{"Stange", "/projects/" + itoa(loten), "/api/v1/projects/" + itoa(loten), http.StatusNotFound},
		{"Løten", "/projects/" + itoa(shared), "/api/v1/projects/" + itoa(shared), http.StatusOK},
		{"Stange", "/assessments/" + itoa(hsAssessment), "/api/v1/assessments/" + itoa(hsAssessment), http.StatusOK},
		{"Løten", "/assessments/" + itoa(hsAssessment), "/api/v1/assessments/" + itoa(hsAssessment), http.StatusNotFound},
		{"Stange", "/assessments/trend?project=" + itoa(hamarStange), "/api/v1/projects/" + itoa(hamarStange) + "/assessments", http.StatusOK},
		{"Løten", "/assessments/trend?project=" + itoa(hamarStange), "/api/v1/projects/" + itoa(hamarStange) + "/assessments", http.StatusNotFound},
		{"Løten", "/assessments/compare?a=" + itoa(hsAssessment) + "&b=" + itoa(hsAssessment), "/api/v1/projects/" + itoa(hamarStange) + "/assessments", http.StatusNotFound},
	}
	for _, tt := range tests {
		u := users[tt.user]
		res, body := u.page.get(tt.page)
		if res.StatusCode != tt.want {
			t.Errorf("%s: GET %s = %d; want %d", tt.user, tt.page, res.StatusCode, tt.want)
		}
		if tt.want == http.StatusNotFound && strings.Contains(body, demoHamarStange) {
			t.Errorf("%s: the 404 page of %s names the project", tt.user, tt.page)
		}
		if status, _ := ts.api(t, u.token, http.MethodGet, tt.api, ""); status != tt.want {
			t.Errorf("%s: GET %s = %d; want %d", tt.user, tt.api, status, tt.want)
		}
	}
	// The lists agree: Løten's has no Hamar–Stange project, Stange's has it.
	for name, want := range map[string]bool{"Løten": false, "Stange": true} {
		u := users[name]
		_, page := u.page.get("/projects")
		_, list := ts.api(t, u.token, http.MethodGet, "/api/v1/projects", "")
		apiHas := false
		for _, it := range list["items"].([]any) {
			apiHas = apiHas || it.(map[string]any)["title"] == demoHamarStange
		}
		if strings.Contains(page, demoHamarStange) != want || apiHas != want {
			t.Errorf("%s: the project list shows the Hamar–Stange project: page %t, API %t; want %t", name, strings.Contains(page, demoHamarStange), apiHas, want)
		}
		_, heat := u.page.get("/assessments/heatmap")
		if strings.Contains(heat, demoHamarStange) != want {
			t.Errorf("%s: the heat map shows the Hamar–Stange project: %t; want %t", name, !want, want)
		}
	}
	// The region's own assessments are the staff's: a municipality user's
	// overview shows only project assessments it may see.
	_, overview := users["Løten"].page.get("/assessments")
	if strings.Contains(overview, "Oppsummering for regionen") || !strings.Contains(overview, "Her ser du vurderingene av prosjektene") ||
		strings.Contains(overview, demoHamarStange) || !strings.Contains(overview, demoShared) {
		t.Error("Løten's assessment overview shows the region's assessments or hides its own projects'")
	}
	// Municipality users read; they never write.
	if status, _ := ts.api(t, users["Stange"].token, http.MethodPatch, "/api/v1/projects/"+itoa(hamarStange), `{"title": "Kapret", "version": 1}`); status != http.StatusNotFound {
		t.Errorf("Stange PATCH = %d; want 404, as for every refused record", status)
	}
}

// Retiring a factor keeps old assessments readable and removes it from new
// ones, by page and API; a factor cannot be deleted.
func TestRetireFactorByPageAndAPI(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	region := regionAdmin(t, ts).Region
	regionAssessments, _, err := ts.store.Assessments(context.Background(), regionAdmin(t, ts), models.AssessmentFilter{RegionID: region.ID})
	if err != nil || len(regionAssessments) == 0 {
		t.Fatalf("demo region assessments: %v", err)
	}
	old := regionAssessments[0]
	if old.ScoreOf("overcommitment") == 0 {
		t.Fatal("the demo assessment does not score overcommitment")
	}

	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	admin.get("/admin/factors")
	if res, body := admin.post("/admin/factors/overcommitment/retire", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("retire: %d\n%s", res.StatusCode, body)
	}
	_, list := admin.get("/admin/factors")
	if !strings.Contains(list, "Tatt ut av bruk") || !strings.Contains(list, "/admin/factors/overcommitment/reinstate") {
		t.Error("the catalogue does not show the factor as retired")
	}

	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	_, page := coord.get("/assessments/" + itoa(old.ID))
	if !strings.Contains(page, "Flere samarbeid enn kapasiteten tillater") || !strings.Contains(page, "Tatt ut av bruk") {
		t.Error("the old assessment no longer shows the retired factor")
	}
	tok := ts.token(t, models.RoleCoordinator)
	_, got := ts.api(t, tok, http.MethodGet, "/api/v1/assessments/"+itoa(old.ID), "")
	found := false
	for _, s := range got["scores"].([]any) {
		found = found || s.(map[string]any)["factor"] == "overcommitment"
	}
	if !found {
		t.Error("the API's old assessment lost the retired factor")
	}
	_, form := coord.get("/assessments/new")
	if strings.Contains(form, `name="score_overcommitment"`) || !strings.Contains(form, `name="score_cohesion"`) {
		t.Error("the new-assessment form still offers the retired factor")
	}
	status, body := ts.api(t, tok, http.MethodPost, "/api/v1/regions/"+itoa(region.ID)+"/assessments",
		`{"assessed_at": "`+ts.store.Today().Format("2006-01-02")+`", "scores": [{"factor": "overcommitment", "score": 3}]}`)
	if status != http.StatusUnprocessableEntity || body["error"].(map[string]any)["fields"].(map[string]any)["scores[0].factor"] == nil {
		t.Errorf("assessing a retired factor = %d %v; want 422 on scores[0].factor", status, body)
	}

	// There is no way to delete a factor, and the catalogue keeps it.
	adminTok := ts.token(t, models.RoleAdmin)
	if status, _ := ts.api(t, adminTok, http.MethodDelete, "/api/v1/factors/overcommitment", ""); status != http.StatusMethodNotAllowed {
		t.Errorf("DELETE factor = %d; want 405", status)
	}
	status, f := ts.api(t, adminTok, http.MethodGet, "/api/v1/factors/overcommitment", "")
	if status != http.StatusOK || f["retired_at"] == nil {
		t.Errorf("GET retired factor = %d %v", status, f)
	}
	if status, f := ts.api(t, adminTok, http.MethodPost, "/api/v1/factors/overcommitment/reinstate", ""); status != http.StatusOK || f["retired_at"] != nil {
		t.Errorf("reinstate = %d %v", status, f)
	}
	if status, _ := ts.api(t, tok, http.MethodPost, "/api/v1/factors/cohesion/retire", ""); status != http.StatusNotFound {
		t.Errorf("a coordinator retiring a factor = %d; want 404, as for every refused record", status)
	}
	status, f = ts.api(t, adminTok, http.MethodPost, "/api/v1/factors", `{"code": "digital_infrastructure", "polarity": "enabling", "title_nb": "Digital infrastruktur", "title_en": "Digital infrastructure"}`)
	if status != http.StatusCreated || f["code"] != "digital_infrastructure" {
		t.Errorf("add factor = %d %v", status, f)
	}
}

// projectJSON reads a project through the API.
func (ts *testServer) projectJSON(t *testing.T, token string, id int64) map[string]any {
	t.Helper()
	status, p := ts.api(t, token, http.MethodGet, "/api/v1/projects/"+itoa(id), "")
	if status != http.StatusOK {
		t.Fatalf("GET project %d = %d", id, status)
	}
	delete(p, "milestones") // their overdue flags depend on the clock, not on the change
	return p
}

// A score outside 1–5, an unknown factor, an unknown municipality and a stale
// version are refused through the API and the pages, and nothing changes.
func TestRefusedChangesByAPIAndPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := demoProjectID(t, ts, demoHamarStange)
	path := "/api/v1/projects/" + itoa(id)
	tok := ts.token(t, models.RoleCoordinator)
	before := ts.projectJSON(t, tok, id)
	version := int(before["version"].(float64))
	_, list := ts.api(t, tok, http.MethodGet, path+"/assessments", "")
	assessments := list["total"]
	today := ts.store.Today().Format("2006-01-02")

	tests := []struct {
		name, method, path, body string
		want                     int
		field                    string
	}{
		{"score 6", http.MethodPost, path + "/assessments", `{"assessed_at": "` + today + `", "scores": [{"factor": "cohesion", "score": 6}]}`, http.StatusUnprocessableEntity, "scores[0].score"},
		{"score 0", http.MethodPost, path + "/assessments", `{"assessed_at": "` + today + `", "scores": [{"factor": "equality", "score": 2}, {"factor": "cohesion", "score": 0}]}`, http.StatusUnprocessableEntity, "scores[1].score"},
		{"score not a number", http.MethodPost, path + "/assessments", `{"assessed_at": "` + today + `", "scores": [{"factor": "cohesion", "score": "5"}]}`, http.StatusBadRequest, ""},
		{"unknown factor", http.MethodPost, path + "/assessments", `{"assessed_at": "` + today + `", "scores": [{"factor": "nonsense", "score": 3}]}`, http.StatusUnprocessableEntity, "scores[0].factor"},
		{"future date", http.MethodPost, path + "/assessments", `{"assessed_at": "2999-01-01", "scores": [{"factor": "cohesion", "score": 3}]}`, http.StatusUnprocessableEntity, "assessed_at"},
		{"unknown municipality", http.MethodPatch, path, `{"version": ` + itoa(int64(version)) + `, "municipalities": [{"kommunenummer": "3403", "role": "lead"}, {"kommunenummer": "9999", "role": "participant"}]}`, http.StatusUnprocessableEntity, "municipalities[1].kommunenummer"},
		{"unknown municipality on create", http.MethodPost, "/api/v1/projects", `{"title": "Nytt", "municipalities": [{"kommunenummer": "0000", "role": "lead"}]}`, http.StatusUnprocessableEntity, "municipalities[0].kommunenummer"},
		{"stale version", http.MethodPatch, path, `{"version": ` + itoa(int64(version-1)) + `, "title": "Skrevet over"}`, http.StatusConflict, ""},
		{"no version", http.MethodPatch, path, `{"title": "Skrevet over"}`, http.StatusUnprocessableEntity, "version"},
		{"unknown field", http.MethodPatch, path, `{"version": ` + itoa(int64(version)) + `, "titel": "Skrevet over"}`, http.StatusBadRequest, "titel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := ts.api(t, tok, tt.method, tt.path, tt.body)
			if status != tt.want {
				t.Fatalf("%s %s = %d; want %d: %v", tt.method, tt.path, status, tt.want, body)
			}
			if tt.field != "" {
				fields, _ := body["error"].(map[string]any)["fields"].(map[string]any)
				if fields[tt.field] == nil {
					t.Errorf("error fields %v; want %s", fields, tt.field)
				}
			}
			if after := ts.projectJSON(t, tok, id); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused change changed the project:\nbefore %v\nafter  %v", before, after)
			}
			if _, list := ts.api(t, tok, http.MethodGet, path+"/assessments", ""); list["total"] != assessments {
				t.Errorf("assessments %v; want %v", list["total"], assessments)
			}
		})
	}
	if _, body := ts.api(t, tok, http.MethodPatch, path, `{"version": `+itoa(int64(version-1))+`, "title": "x"}`); body["error"].(map[string]any)["code"] != "conflict" {
		t.Errorf("stale version error = %v; want code conflict", body)
	}

	// The page says so in Norwegian beside the fields and keeps what was typed.
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	coord.get("/projects/" + itoa(id) + "/edit")
	form := url.Values{"version": {itoa(int64(version - 1))}, "title": {"Skrevet over i nettleseren"}, "status": {"active"}, "visibility": {"participants"},
		"mun_kommunenummer": {"3403", "3413"}, "mun_role": {"lead", "participant"}, "mun_nok": {"", ""}, "mun_fte": {"", ""}}
	res, body := coord.post("/projects/"+itoa(id), form)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Noen andre har lagret endringer") || !strings.Contains(body, `value="Skrevet over i nettleseren"`) {
		t.Errorf("stale page edit = %d; want 409 with the conflict message and the typed title", res.StatusCode)
	}
	form.Set("version", itoa(int64(version)))
	form["mun_kommunenummer"] = []string{"3403", "9999"}
	form["mun_nok"] = []string{"abc", ""}
	res, body = coord.post("/projects/"+itoa(id), form)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid page edit = %d; want 422", res.StatusCode)
	}
	for _, want := range []string{`id="f-mun-0-nok-error">Skriv et beløp i hele kroner, for eksempel 150 000.`, `aria-invalid="true"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the invalid form lacks %q", want)
		}
	}
	form["mun_nok"] = []string{"", ""}
	_, body = coord.post("/projects/"+itoa(id), form)
	if !strings.Contains(body, `id="f-mun-1-kommunenummer-error">Finner ingen kommune med dette kommunenummeret.`) {
		t.Error("the unknown municipality's error is not beside its row")
	}
	coord.get("/projects/" + itoa(id) + "/assessments/new")
	res, body = coord.post("/projects/"+itoa(id)+"/assessments", url.Values{"assessed_at": {today}, "comment_cohesion": {"Uten score"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-score_cohesion-error"`) || !strings.Contains(body, "Uten score") {
		t.Errorf("a comment without a score = %d; want 422 with the error beside the factor and the comment kept", res.StatusCode)
	}
	if after := ts.projectJSON(t, tok, id); !reflect.DeepEqual(after, before) {
		t.Errorf("refused page edits changed the project:\nbefore %v\nafter  %v", before, after)
	}
}

// TestDoneWhen walks the "done when": a coordinator sets up a project
// between Hamar and Stange with Innovasjon Norge taking part, with milestones and
// an assessment; the Løten user cannot see it while the Stange user can; a
// second assessment a quarter later shows the trend; the portfolio answers
// whether plans are followed up.
func TestDoneWhen(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	innovation, err := ts.store.PartnerByName(ctx, "Innovasjon Norge")
	if err != nil {
		t.Fatal(err)
	}
	today := ts.store.Today()
	day := func(months int) string { return today.AddDate(0, months, 0).Format("2006-01-02") }

	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	if res, body := coord.get("/projects/new"); res.StatusCode != http.StatusOK || !strings.Contains(body, "Nytt prosjekt") {
		t.Fatalf("new project form = %d", res.StatusCode)
	}
	form := url.Values{
		"title": {"Felles reiselivssatsing Hamar–Stange"}, "summary": {"Hamar og Stange markedsfører Mjøsa sammen."},
		"status": {"active"}, "starts_on": {day(-6)}, "ends_on": {day(18)}, "budget_nok": {"1 200 000"},
		"municipal_role": {"developer"}, "focus": {"place_development"}, "approach": {"mobilising"}, "visibility": {"participants"},
		"mun_kommunenummer": {"3403", "3413", ""}, "mun_role": {"lead", "participant", "participant"},
		"mun_nok": {"500 000", "300000", ""}, "mun_fte": {"0,5", "0,3", ""},
		"partners":         {itoa(innovation.ID)},
		"participant_kind": {"business", "other"}, "participant_name": {"Visit Innlandet", ""},
		"funding_source": {"Innovasjon Norge", ""}, "funding_nok": {"400 000", ""}, "funding_confirmed": {"yes", "no"},
		"indicator_target_jobs": {"15"}, "indicator_actual_jobs": {""},
		"link_title": {"Søknad", ""}, "link_url": {"https://samspill.example/soknad.pdf", ""},
	}
	res, body := coord.post("/projects", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create project = %d\n%s", res.StatusCode, body)
	}
	path := res.Header.Get("Location")
	id, err := strconv.ParseInt(strings.TrimPrefix(path, "/projects/"), 10, 64)
	if err != nil {
		t.Fatalf("redirected to %q", path)
	}
	if entries, _ := ts.store.AuditFor(ctx, "project", itoa(id)); len(entries) != 1 || entries[0].Action != "create" {
		t.Errorf("audit of the new project = %+v", entries)
	}

	// Milestones: one done on time, one overdue, one ahead.
	coord.get(path)
	for _, m := range []url.Values{
		{"milestone_title": {"Avtale med Innovasjon Norge"}, "responsible": {"Kari"}, "due_on": {day(-3)}, "milestone_status": {"done"}, "done_on": {day(-4)}},
		{"milestone_title": {"Felles nettside"}, "responsible": {"Rune"}, "due_on": {day(-1)}, "milestone_status": {"in_progress"}},
		{"milestone_title": {"Sesongåpning"}, "due_on": {day(4)}, "milestone_status": {"planned"}},
	} {
		if res, body := coord.post(path+"/milestones", m); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add milestone %s = %d\n%s", m.Get("milestone_title"), res.StatusCode, body)
		}
	}
	_, page := coord.get(path)
	for _, want := range []string{"Felles reiselivssatsing Hamar–Stange", "Innovasjon Norge", "Visit Innlandet", "1\u00a0200\u00a0000\u00a0kr",
		"Stedsutvikling", "Forsinket", "i tide", "Søknad", "Arbeidsplasser"} {
		if !strings.Contains(page, want) {
			t.Errorf("the project page lacks %q", want)
		}
	}

	// The adviser assesses the factors, dated a quarter ago.
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	adviser.get(path + "/assessments/new")
	res, body = adviser.post(path+"/assessments", url.Values{"assessed_at": {day(-3)}, "score_cohesion": {"3"}, "comment_cohesion": {"Ulike ønsker for merkevaren."},
		"score_non_municipal_actors": {"4"}, "evidence_non_municipal_actors": {"Innovasjon Norge og Visit Innlandet i styringsgruppa."}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first assessment = %d\n%s", res.StatusCode, body)
	}

	// Løten cannot see it; Stange can.
	loten := ts.client(t)
	loten.login(demoEmail(models.RoleMunicipality), models.DemoPassword)
	if res, _ := loten.get(path); res.StatusCode != http.StatusNotFound {
		t.Errorf("Løten sees the project: %d", res.StatusCode)
	}
	stange := ts.client(t)
	stange.login(stangeEmail, models.DemoPassword)
	if res, _ := stange.get(path); res.StatusCode != http.StatusOK {
		t.Errorf("Stange cannot see the project: %d", res.StatusCode)
	}
	_, coop := stange.get("/cooperation")
	if !strings.Contains(coop, "Felles reiselivssatsing Hamar–Stange") || !strings.Contains(coop, "300\u00a0000\u00a0kr") || !strings.Contains(coop, "Felles nettside") {
		t.Error("Stange's Våre samarbeid lacks the project, its own contribution or the next milestone")
	}
	_, coop = loten.get("/cooperation")
	if strings.Contains(coop, "Felles reiselivssatsing") {
		t.Error("Løten's Våre samarbeid shows a project Løten is not in")
	}

	// A quarter later, a second assessment shows the trend.
	res, body = adviser.post(path+"/assessments", url.Values{"assessed_at": {day(0)}, "score_cohesion": {"4"}, "score_non_municipal_actors": {"4"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("second assessment = %d\n%s", res.StatusCode, body)
	}
	board := ts.client(t)
	board.login(demoEmail(models.RoleBoard), models.DemoPassword)
	_, trend := board.get("/assessments/trend?project=" + itoa(id))
	dmy := func(months int) string { return today.AddDate(0, months, 0).Format("02.01.2006") }
	for _, want := range []string{dmy(-3), dmy(0), "Regional samhørighet og integrasjon", "+1", "bedre"} {
		if !strings.Contains(trend, want) {
			t.Errorf("the trend lacks %q", want)
		}
	}
	_, page = stange.get(path)
	if !strings.Contains(page, "Regional samhørighet og integrasjon: 3 → 4") {
		t.Error("the project page does not say what changed since the previous assessment")
	}

	// The portfolio answers whether plans are followed up.
	_, portfolio := board.get("/portfolio")
	if !strings.Contains(portfolio, "Følges planene opp?") || !strings.Contains(portfolio, "av milepælene ble gjennomført i tide") {
		t.Error("the portfolio does not answer whether plans are followed up")
	}
	pf, err := ts.store.Portfolio(ctx, regionAdmin(t, ts), regionAdmin(t, ts).Region.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%d %% av milepælene ble gjennomført i tide (%d av %d)", pf.Milestones.Percent(), pf.Milestones.OnTime, pf.Milestones.Decided); !strings.Contains(portfolio, want) {
		t.Errorf("the portfolio lacks %q", want)
	}

	// The API tells the same.
	tok := ts.tokenFor(t, stangeEmail)
	_, p := ts.api(t, tok, http.MethodGet, "/api/v1/projects/"+itoa(id), "")
	ms := p["milestones"].([]any)
	if p["visibility"] != "participants" || len(p["partners"].([]any)) != 1 || len(ms) != 3 || ms[1].(map[string]any)["overdue"] != true {
		t.Errorf("API project = %v", p)
	}
	_, list := ts.api(t, tok, http.MethodGet, "/api/v1/projects/"+itoa(id)+"/assessments", "")
	if list["total"] != float64(2) {
		t.Errorf("API assessments = %v; want 2", list["total"])
	}
}

// The cooperation load is offered as evidence when the factor "more
// cooperations than capacity" is assessed, and the threshold is configurable.
func TestLoadOfferedAsEvidence(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	// The demo: Løten has committed 0.5 FTE to the region and 0.2 to an active
	// project, against 0.6 FTE for business development: 117 %.
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	_, load := coord.get("/load")
	if !strings.Contains(load, "117 %") || strings.Count(load, "Over terskelen") != 1 {
		t.Errorf("the load page does not flag Løten alone at 117 %%")
	}
	_, form := coord.get("/assessments/new")
	offered := "Løten 117 %"
	if !strings.Contains(form, "Løten: 117 %") || !strings.Contains(form, "Samarbeidsbelastning over terskelen på 100 %: Løten 117 % (0,7 av 0,6 årsverk).") {
		t.Errorf("the assessment form does not offer Løten's load as evidence (%s)", offered)
	}
	res, body := coord.post("/assessments", url.Values{"assessed_at": {ts.store.Today().Format("2006-01-02")}, "score_overcommitment": {"4"},
		"evidence_overcommitment": {"Løten har sagt ja til tre nye samarbeid."}, "use_load_evidence": {"on"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("assessment = %d\n%s", res.StatusCode, body)
	}
	_, page := coord.get(res.Header.Get("Location"))
	if !strings.Contains(page, "Løten har sagt ja til tre nye samarbeid.\nSamarbeidsbelastning over terskelen på 100 %: Løten 117 %") {
		t.Error("the saved evidence lacks the typed text followed by the load")
	}

	// At 150 %, nobody is flagged and nothing is offered.
	coord.get("/load")
	settings, err := ts.store.LoadSettings(context.Background(), regionAdmin(t, ts), regionAdmin(t, ts).Region.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res, body := coord.post("/load/threshold", url.Values{"threshold": {"150"}, "version": {itoa(int64(settings.Version))}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("set threshold = %d\n%s", res.StatusCode, body)
	}
	if res, body := coord.post("/load/threshold", url.Values{"threshold": {"120"}, "version": {itoa(int64(settings.Version))}}); res.StatusCode != http.StatusConflict || !strings.Contains(body, `value="120"`) {
		t.Errorf("stale threshold = %d; want 409 keeping the typed value", res.StatusCode)
	}
	if res, body := coord.post("/load/threshold", url.Values{"threshold": {"5"}, "version": {itoa(int64(settings.Version + 1))}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "mellom 10 og 500 prosent") {
		t.Errorf("threshold 5 = %d; want 422 with the reason", res.StatusCode)
	}
	_, load = coord.get("/load")
	if strings.Contains(load, "Over terskelen") || !strings.Contains(load, "150 % av kapasiteten") {
		t.Error("after raising the threshold, the load page still flags someone")
	}
	_, form = coord.get("/assessments/new")
	if strings.Contains(form, "use_load_evidence") || !strings.Contains(form, "Ingen av kommunene er over terskelen") {
		t.Error("the form still offers load evidence under the raised threshold")
	}
	loten := ts.client(t)
	loten.login(demoEmail(models.RoleMunicipality), models.DemoPassword)
	_, coop := loten.get("/cooperation")
	if !strings.Contains(coop, "0,7 av 0,6 årsverk") || strings.Contains(coop, "Over terskelen") {
		t.Error("Løten's own page does not show its load under the region's threshold")
	}
}

// Pages speak English when asked, and codes shown through computed message IDs
// are translated.
func TestProjectPagesInEnglish(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleBoard), models.DemoPassword)
	c.post("/language", url.Values{"lang": {"en"}, "back": {"/projects"}})
	id := demoProjectID(t, ts, demoHamarStange)
	for path, wants := range map[string][]string{
		"/projects":             {"Projects", "Active", "Planning"},
		"/projects/" + itoa(id): {"Participating municipalities", "Developer (initiates development projects)", "Overdue", "Job development"},
		"/portfolio":            {"Are plans followed up?", "Place development"},
		"/assessments":          {"Strongest enabling factors", "Regional cohesion and integration"},
		"/assessments/heatmap":  {"Heat map of the projects", "Enabling", "Hindering"},
		"/load":                 {"Cooperation load", "Above the threshold"},
	} {
		_, body := c.get(path)
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s in English lacks %q", path, want)
			}
		}
		if strings.Count(body, "<h1") != 1 {
			t.Errorf("GET %s has %d h1 elements; want 1", path, strings.Count(body, "<h1"))
		}
	}
}

// TestHeatMapCells: every project row has one cell per factor, a scored cell
// shows its score coloured by its level, and an unscored one says so to
// screen readers.
func TestHeatMapCells(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	res, page := c.get("/assessments/heatmap")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("heat map = %d", res.StatusCode)
	}
	rows := strings.Count(page, `<th scope="row">`)
	factors := strings.Count(page, `<span class="factor-head">`)
	scored := len(regexp.MustCompile(`<td class="heat heat-[1-5]">[1-5]</td>`).FindAllString(page, -1))
	unscored := strings.Count(page, `<td class="heat heat-0"><span aria-hidden="true">–</span><span class="ds-sr-only">Ikke vurdert</span></td>`)
	if rows == 0 || factors == 0 || scored == 0 || unscored == 0 || scored+unscored != rows*factors {
		t.Errorf("heat map: %d rows × %d factors, %d cells scored and %d not", rows, factors, scored, unscored)
	}
}

// TestPartnerChoices: forms offer every partner, however many there are, and
// a project's partner deactivated since stays ticked on the project's form,
// so that saving the form unchanged does not drop it.
func TestPartnerChoices(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	// More partners than a page holds; "Øvre Partner" sorts last.
	var last *models.Partner
	for i := 0; i <= models.MaxPageSize; i++ {
		name := fmt.Sprintf("Partner %03d", i)
		if i == models.MaxPageSize {
			name = "Øvre Partner"
		}
		p, err := ts.store.CreatePartner(ctx, models.Actor{}, models.PartnerInput{Name: name, Kind: models.PartnerKinds[0], Active: true})
		if err != nil {
			t.Fatal(err)
		}
		last = p
	}
	admin := regionAdmin(t, ts)
	project, err := ts.store.CreateProject(ctx, admin, models.Actor{}, models.ProjectInput{Title: "Med partner", Status: "active", Visibility: "participants",
		Municipalities: []models.ProjectMunicipalityInput{{Kommunenummer: "3403", Role: "lead"}}, Partners: []int64{last.ID}})
	if err != nil {
		t.Fatal(err)
	}
	in := models.PartnerInput{Name: last.Name, Kind: last.Kind, Active: false, Version: last.Version}
	if err := ts.store.UpdatePartner(ctx, models.Actor{}, last.ID, in); err != nil {
		t.Fatal(err)
	}
	list, _, err := ts.store.Enquiries(ctx, admin, models.EnquiryFilter{})
	if err != nil || len(list) == 0 {
		t.Fatalf("no demo enquiry: %v", err)
	}
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	option := `<option value="` + itoa(last.ID) + `">Øvre Partner</option>`
	tests := []struct {
		name, path, want string
		offered          bool
	}{
		{"referral list filter, every partner", "/referrals", option, true},
		{"new user form, every partner", "/admin/users/new", option, true},
		{"referral form, only active partners", "/enquiries/" + itoa(list[0].ID), option, false},
		{"project form keeps its own, ticked", "/projects/" + itoa(project.ID) + "/edit",
			`id="f-partners-` + itoa(last.ID) + `" name="partners" value="` + itoa(last.ID) + `" checked>`, true},
		{"new project form, only active partners", "/projects/new", `id="f-partners-` + itoa(last.ID) + `"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := coord.get(tt.path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d", tt.path, res.StatusCode)
			}
			if got := strings.Contains(body, tt.want); got != tt.offered {
				t.Errorf("GET %s: offers %q: %v; want %v", tt.path, tt.want, got, tt.offered)
			}
		})
	}
}

// The trend page offers every project of the region to follow, however many
// (it offered the 200 changed last).
func TestTrendOffersEveryProject(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	admin := regionAdmin(t, ts)
	var ids []int64
	for i := 0; i <= models.MaxPageSize; i++ {
		p, err := ts.store.CreateProject(ctx, admin, models.Actor{}, models.ProjectInput{Title: fmt.Sprintf("Trendprosjekt %03d", i), Status: "active",
			Visibility: "participants", Municipalities: []models.ProjectMunicipalityInput{{Kommunenummer: "3403", Role: "lead"}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	res, body := coord.get("/assessments/trend")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("trend = %d", res.StatusCode)
	}
	for i, id := range ids {
		if want := fmt.Sprintf(`<option value="%d">Trendprosjekt %03d</option>`, id, i); !strings.Contains(body, want) {
			t.Errorf("the trend page does not offer %q", want)
		}
	}
}

// The comparison offers every assessment of the region, the oldest too (it
// offered the newest 200 of the region's own and of its projects').
func TestCompareOffersEveryAssessment(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	admin := regionAdmin(t, ts)
	id := demoProjectID(t, ts, demoHamarStange)
	var oldest *models.Assessment
	for i := 0; i <= models.MaxPageSize; i++ {
		on := ts.store.Today().AddDate(0, 0, -30-i)
		a, err := ts.store.CreateAssessment(ctx, admin, models.Actor{}, admin.Region.ID, id,
			models.AssessmentInput{AssessedOn: &on, Scores: []models.ScoreInput{{Factor: "cohesion", Score: 3}}})
		if err != nil {
			t.Fatal(err)
		}
		oldest = a
	}
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	res, body := coord.get("/assessments/compare")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("compare = %d", res.StatusCode)
	}
	want := `<option value="` + itoa(oldest.ID) + `">` + oldest.AssessedOn.Format("02.01.2006") + ` – `
	if n := strings.Count(body, want); n != 2 {
		t.Errorf("the comparison offers the oldest assessment (%s) in %d of its two lists", want, n)
	}
}

// An assessment's page links to its comparison with the previous assessment
// of the same subject, and the comparison's lists group the assessments by
// subject: the cooperation's own, then each project's.
func TestCompareWithPrevious(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	admin := regionAdmin(t, ts)
	id := demoProjectID(t, ts, demoHamarStange)
	assess := func(projectID int64, daysAgo int) *models.Assessment {
		on := ts.store.Today().AddDate(0, 0, -daysAgo)
		a, err := ts.store.CreateAssessment(ctx, admin, models.Actor{}, admin.Region.ID, projectID,
			models.AssessmentInput{AssessedOn: &on, Scores: []models.ScoreInput{{Factor: "cohesion", Score: 3}}})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	// Older than the demo's assessments, so that these are the project's first two.
	first, second := assess(id, 4000), assess(id, 3990)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)

	_, page := coord.get("/assessments/" + itoa(second.ID))
	link := `<a class="ds-link" href="/assessments/compare?a=` + itoa(first.ID) + `&amp;b=` + itoa(second.ID) + `">Sammenlign med forrige vurdering (` +
		first.AssessedOn.Format("02.01.2006") + `)</a>`
	if !strings.Contains(page, link) {
		t.Errorf("the second assessment's page lacks %s", link)
	}
	if _, page := coord.get("/assessments/" + itoa(first.ID)); strings.Contains(page, "Sammenlign med forrige") {
		t.Error("the project's first assessment offers a comparison with one before it")
	}

	res, body := coord.get("/assessments/compare?a=" + itoa(first.ID) + "&b=" + itoa(second.ID))
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `<table class="ds-table compare"`) {
		t.Fatalf("compare = %d, without the comparison's table", res.StatusCode)
	}
	groups := regexp.MustCompile(`<optgroup label="([^"]*)">`).FindAllStringSubmatch(body, -1)
	if len(groups) < 4 || len(groups)%2 != 0 || groups[0][1] != "Samarbeidet i regionen" {
		t.Fatalf("groups = %v; want the cooperation's own first, the same groups in both lists", groups)
	}
	seen := map[string]bool{}
	for _, g := range groups[:len(groups)/2] {
		if seen[g[1]] {
			t.Errorf("the group %q comes twice in one list", g[1])
		}
		seen[g[1]] = true
	}
	for _, want := range []string{`<option value="` + itoa(first.ID) + `" selected>`, `<option value="` + itoa(second.ID) + `" selected>`} {
		if strings.Count(body, want) != 1 {
			t.Errorf("%s is chosen %d times; want once", want, strings.Count(body, want))
		}
	}
}

// A region without projects is told so, without "Alle de 0 prosjektene".
func TestEmptyPortfolio(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	in := models.DefaultRegionInput()
	in.Slug, in.Name = "tom", "Tom region"
	region, err := ts.store.CreateRegion(ctx, models.Actor{}, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "k@tom.example", Name: "Kari Tom"}, "passord-passord-1",
		[]models.RoleGrant{{RegionID: region.ID, Role: models.RoleCoordinator}}); err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	c.login("k@tom.example", "passord-passord-1")
	_, page := c.get("/portfolio")
	if strings.Contains(page, "Alle de 0") || !strings.Contains(page, "Regionen har ingen prosjekter ennå.") {
		t.Error("the empty portfolio does not simply say the region has no projects")
	}
}

// The project list by API gives each project as the project itself does: a
// list item must not say a project has no funding, partners, participants,
// indicators or links when it has them.
func TestProjectListAPIAgreesWithProject(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tok := ts.token(t, models.RoleBoard)
	status, list := ts.api(t, tok, http.MethodGet, "/api/v1/projects", "")
	if status != http.StatusOK {
		t.Fatalf("list = %d", status)
	}
	for _, it := range list["items"].([]any) {
		item := it.(map[string]any)
		id := int64(item["id"].(float64))
		_, one := ts.api(t, tok, http.MethodGet, "/api/v1/projects/"+itoa(id), "")
		for _, key := range []string{"funding", "partners", "participants", "indicators", "links", "municipalities", "milestones"} {
			if got, want := len(item[key].([]any)), len(one[key].([]any)); got != want {
				t.Errorf("project %d (%v) %s: %d in the list, %d in the project", id, item["title"], key, got, want)
			}
		}
	}
}

// A link stored as the project form once took it (a path with a space, as
// copied from a file share; a phone keyboard's "Https://") does not stop the
// project's other edits: renaming it by PATCH, which sends no links, was
// refused for links[0].url.
func TestStoredLinkDoesNotBlockUnrelatedEdit(t *testing.T) {
	t.Parallel()
	for _, link := range []string{"https://www.example.no/dokumenter/sluttrapport 2025.pdf", "Https://www.hamar.kommune.no"} {
		ts := newTestServer(t)
		tok := ts.token(t, models.RoleCoordinator)
		id := demoProjectID(t, ts, demoShared) // an open project: a closed one takes no edit
		status, item := ts.api(t, tok, http.MethodGet, "/api/v1/projects/"+itoa(id), "")
		if status != http.StatusOK {
			t.Fatalf("read project = %d", status)
		}
		sqlDB, err := ts.store.SQLDB()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sqlDB.Exec(`INSERT INTO project_links (project_id, title, url) VALUES (` + itoa(id) + `, 'Lenke', '` + link + `')`); err != nil {
			t.Fatal(err)
		}
		status, out := ts.api(t, tok, http.MethodPatch, "/api/v1/projects/"+itoa(id), fmt.Sprintf(`{"title": "Nytt navn", "version": %v}`, item["version"]))
		if status != http.StatusOK {
			t.Errorf("renaming a project with the link %q stored = %d %v; want 200 (the client sent no link)", link, status, out)
		}
	}
}

// A project's form offers the region's member municipalities, not all 357, and
// one outside the region is refused beside its row, by page and API.
func TestProjectMunicipalitiesOfTheRegion(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	_, body := coord.get("/projects/new")
	if !strings.Contains(body, `value="3412"`) || strings.Contains(body, `value="0301"`) {
		t.Error("the new project form does not offer just the region's members (Løten yes, Oslo no)")
	}
	form := url.Values{"title": {"Mjøsbyen"}, "status": {"idea"}, "visibility": {"participants"},
		"mun_kommunenummer": {"3403", "0301", ""}, "mun_role": {"lead", "participant", "participant"}, "mun_nok": {"", "", ""}, "mun_fte": {"", "", ""}}
	res, body := coord.post("/projects", form)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-mun-1-kommunenummer-error">Kommunen er ikke medlem av regionen nå.`) {
		t.Errorf("creating a project with Oslo = %d; want 422 with the error beside row 2", res.StatusCode)
	}
	tok := ts.token(t, models.RoleCoordinator)
	status, out := ts.api(t, tok, http.MethodPost, "/api/v1/projects", `{"title": "Mjøsbyen", "municipalities": [{"kommunenummer": "3403", "role": "lead"}, {"kommunenummer": "0301", "role": "participant"}]}`)
	e, _ := out["error"].(map[string]any)
	if fields, _ := e["fields"].(map[string]any); status != http.StatusUnprocessableEntity || fields["municipalities[1].kommunenummer"] == nil {
		t.Errorf("POST with Oslo = %d %v; want 422 on municipalities[1].kommunenummer", status, out)
	}
}

// A project has a municipality that leads it (two may share the lead): a
// project of participants only is refused beside the municipalities, by the
// form and the API, and nothing is made.
func TestProjectNeedsALead(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	coord.get("/projects/new")
	form := url.Values{"title": {"Uten leder"}, "status": {"idea"}, "visibility": {"participants"},
		"mun_kommunenummer": {"3403", "3412"}, "mun_role": {"participant", "participant"}, "mun_nok": {"", ""}, "mun_fte": {"", ""}}
	res, body := coord.post("/projects", form)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-municipalities-error">Velg hvilken kommune som leder prosjektet`) {
		t.Errorf("a project without a lead = %d; want 422 beside the municipalities", res.StatusCode)
	}
	tok := ts.token(t, models.RoleCoordinator)
	status, out := ts.api(t, tok, http.MethodPost, "/api/v1/projects", `{"title": "Uten leder", "municipalities": [{"kommunenummer": "3403", "role": "participant"}]}`)
	e, _ := out["error"].(map[string]any)
	if fields, _ := e["fields"].(map[string]any); status != http.StatusUnprocessableEntity || fields["municipalities"] == nil {
		t.Errorf("POST without a lead = %d %v; want 422 on municipalities", status, out)
	}
	if _, list := coord.get("/projects?q=" + url.QueryEscape("Uten leder")); strings.Contains(list, "Uten leder</a>") || !strings.Contains(list, `name="q"`) {
		t.Error("a refused project was made, or the list did not search")
	}
	form["mun_role"] = []string{"lead", "lead"}
	if res, body := coord.post("/projects", form); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a project led by two = %d; want 303\n%s", res.StatusCode, fieldError(body))
	}
}

// An indicator's target is written as Norwegians write numbers, "5 000 000",
// and shown so on the project's page; the edit form gives it back in a form
// that saves unchanged. "5 000 000" was refused as no number, and the page
// showed 5000000.
func TestIndicatorTargetWithThousands(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	coord.get("/projects/new")
	form := url.Values{"title": {"Verdiskaping i Mjøsregionen"}, "status": {"active"}, "visibility": {"participants"},
		"mun_kommunenummer": {"3403"}, "mun_role": {"lead"}, "mun_nok": {""}, "mun_fte": {""},
		"indicator_target_value_creation": {"5 000 000"}, "indicator_actual_value_creation": {"1\u00a0250\u00a0000,5"}}
	res, body := coord.post("/projects", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("creating a project with the target 5 000 000 = %d; want 303\n%s", res.StatusCode, regexp.MustCompile(`id="f-[^"]+-error">[^<]*`).FindAllString(body, -1))
	}
	path := res.Header.Get("Location")
	_, body = coord.get(path)
	for _, want := range []string{">5\u00a0000\u00a0000</td>", ">1\u00a0250\u00a0000,5</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("the project page lacks %q", want)
		}
	}
	_, body = coord.get(path + "/edit")
	m := regexp.MustCompile(`name="indicator_target_value_creation"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="indicator_target_value_creation"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the edit form has no target for value creation")
	}
	form.Set("indicator_target_value_creation", m[1]+m[2])
	form.Set("version", "1")
	if res, _ := coord.post(path, form); res.StatusCode != http.StatusSeeOther {
		t.Errorf("saving the edit form's target %q = %d; want 303", m[1]+m[2], res.StatusCode)
	}
}

// The project form says before it is sent that one of the municipalities
// leads the project: its hint spoke of roles only, and a project with every
// municipality left as participant (the form's default) was refused after.
func TestProjectFormSaysALeadIsNeeded(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	for _, tt := range []struct{ lang, want string }{
		{"nb", "Minst én av dem må ha rollen «Leder»."},
		{"en", "At least one of them must have the role “Lead”."},
	} {
		coord.post("/language", url.Values{"lang": {tt.lang}, "back": {"/projects/new"}})
		if _, page := coord.get("/projects/new"); !strings.Contains(html.UnescapeString(page), tt.want) {
			t.Errorf("%s: the new project form does not say %q", tt.lang, tt.want)
		}
	}
}

// A coordinator of a region with no member municipalities yet is told, on the
// new project form, why no municipality can be chosen and who adds them; the
// form demands a lead municipality that its choice could not offer.
func TestNewProjectFormInARegionWithoutMembers(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	emptyRegion(t, ts, regionUser{Email: "koordinator@ny.example", Role: models.RoleCoordinator})
	c := ts.client(t)
	c.login("koordinator@ny.example", emptyRegionPassword)
	for lang, want := range map[string]string{
		"nb": "Regionen har ingen medlemskommuner ennå",
		"en": "The region has no member municipalities yet",
	} {
		c.post("/language", url.Values{"lang": {lang}, "back": {"/projects/new"}})
		res, page := c.get("/projects/new")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /projects/new = %d", res.StatusCode)
		}
		if !strings.Contains(page, want) {
			t.Errorf("%s: the new project form in a region without members does not say so (%q)", lang, want)
		}
	}
	// In the demo region, with members, nothing of the kind is said.
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	if _, page := coord.get("/projects/new"); strings.Contains(page, "Regionen har ingen medlemskommuner ennå") {
		t.Error("the demo region's new project form says it has no member municipalities")
	}
}
