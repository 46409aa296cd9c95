package app

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"samspill/models"
)

// A new project starts as an idea whichever way it is made: the form
// preselected "planning" while the API, given no status, made an "idea", so
// the same project got two statuses by the way it was typed in.
func TestNewProjectStatusAgrees(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	_, page := coord.get("/projects/new")
	m := regexp.MustCompile(`(?s)<select[^>]*name="status".*?<option value="([a-z_]+)" selected>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the new project form preselects no status")
	}
	tok := ts.token(t, models.RoleCoordinator)
	code, out := ts.api(t, tok, http.MethodPost, "/api/v1/projects", `{"title": "Uten status", "municipalities": [{"kommunenummer": "3403", "role": "lead"}]}`)
	if code != http.StatusCreated {
		t.Fatalf("POST without a status = %d %v; want 201", code, out)
	}
	for _, tt := range []struct{ path, got string }{{"the form", m[1]}, {"the API", fmtAny(out["status"])}} {
		if tt.got != "idea" {
			t.Errorf("a new project by %s starts as %q; want %q", tt.path, tt.got, "idea")
		}
	}
}

// projectVersion is the project's version as the API reads it.
func projectVersion(t *testing.T, ts *testServer, tok string, id int64) string {
	t.Helper()
	return itoa(int64(ts.projectJSON(t, tok, id)["version"].(float64)))
}

// A completed or stopped project is closed for editing: its fields,
// participants and milestones are not changed, by the API (422 naming the
// status) nor by a page form left open while it was closed (422 saying so at
// the top), and nothing changes. Its page shows it read-only with one way to
// reopen it, a status change audited as one. Factor assessments stay open: an
// evaluation after the end is normal. Closed projects could be edited as any.
func TestClosedProjectIsReopenedFirst(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	id := demoProjectID(t, ts, demoHamarStange)
	path, api := "/projects/"+itoa(id), "/api/v1/projects/"+itoa(id)
	tok := ts.token(t, models.RoleCoordinator)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	p, err := ts.store.Project(ctx, regionAdmin(t, ts), id)
	if err != nil || len(p.Milestones) == 0 {
		t.Fatalf("demo project: %v", err)
	}
	ms := p.Milestones[0]
	_, page := coord.get(path)
	for _, want := range []string{`href="` + path + `/edit"`, `action="` + path + `/milestones"`, `action="` + path + `/milestones/` + itoa(ms.ID) + `"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("the open project's page lacks %s", want)
		}
	}
	coord.get(path + "/edit") // the form as it was before the project closed
	stale := projectVersion(t, ts, tok, id)
	if code, out := ts.api(t, tok, http.MethodPatch, api, `{"status": "completed", "cancel_open_milestones": true, "version": `+stale+`}`); code != http.StatusOK {
		t.Fatalf("completing = %d %v", code, out)
	}
	v := projectVersion(t, ts, tok, id)

	_, page = coord.get(path)
	for _, gone := range []string{`href="` + path + `/edit"`, `action="` + path + `/milestones"`, `action="` + path + `/milestones/`} {
		if strings.Contains(page, gone) {
			t.Errorf("the completed project's page offers %s", gone)
		}
	}
	for _, want := range []string{"Prosjektet er fullført og stengt for endringer.", `action="` + path + `/status"`, `name="version" value="` + v + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the completed project's page lacks %q", want)
		}
	}
	if res, _ := coord.get(path + "/edit"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path {
		t.Errorf("GET the completed project's edit form = %d to %q; want 303 to its page", res.StatusCode, res.Header.Get("Location"))
	}

	const said = "Prosjektet er avsluttet"
	editForm := func(version, status, title string) url.Values {
		return url.Values{"version": {version}, "title": {title}, "status": {status}, "visibility": {"participants"},
			"mun_kommunenummer": {"3403", "3413"}, "mun_role": {"lead", "participant"}, "mun_nok": {"400000", "250000"}, "mun_fte": {"0,5", "0,4"}}
	}
	for _, tt := range []struct {
		name, path string
		form       url.Values // a page form, or else
		api        string     // the JSON body of a PATCH to path
	}{
		{"API title", api, nil, `{"title": "Nytt navn", "version": ` + v + `}`},
		{"API budget out of range", api, nil, `{"budget_nok": -5, "version": ` + v + `}`},
		{"API period", api, nil, `{"ends_on": "2099-12-31", "version": ` + v + `}`},
		{"API municipalities", api, nil, `{"municipalities": [{"kommunenummer": "3403", "role": "lead"}], "version": ` + v + `}`},
		{"API partners", api, nil, `{"partners": [], "version": ` + v + `}`},
		{"API participants", api, nil, `{"participants": [{"kind": "business", "name": "Ny bedrift"}], "version": ` + v + `}`},
		{"API funding", api, nil, `{"funding": [], "version": ` + v + `}`},
		{"API stopped with a new title", api, nil, `{"status": "stopped", "title": "Nytt navn", "version": ` + v + `}`},
		{"API stale version", api, nil, `{"title": "Nytt navn", "version": ` + stale + `}`},
		// Refused for more, the closing is said alone all the same, as the
		// save says it, not beside the rest.
		{"API title without version", api, nil, `{"title": "Nytt navn"}`},
		{"API budget out of range without version", api, nil, `{"budget_nok": -5}`},
		{"page edit with a typing error", path, withBudget(editForm(v, "active", "Nytt navn i nettleseren"), "mange"), ""},
		{"page edit left open", path, editForm(stale, "active", "Nytt navn i nettleseren"), ""},
		{"page edit as completed", path, editForm(v, "completed", "Nytt navn i nettleseren"), ""},
		{"page new milestone", path + "/milestones", url.Values{"milestone_title": {"Ny milepæl"}, "due_on": {ts.store.Today().Format("2006-01-02")}, "milestone_status": {"planned"}}, ""},
		{"page milestone cancelled", path + "/milestones/" + itoa(ms.ID), url.Values{"milestone_title": {ms.Title}, "due_on": {ms.DueOn.Format("2006-01-02")},
			"milestone_status": {"cancelled"}, "version": {itoa(int64(ms.Version))}}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := dbFingerprint(t, ts)
			if tt.form == nil {
				code, out := ts.api(t, tok, http.MethodPatch, tt.path, tt.api)
				e, _ := out["error"].(map[string]any)
				fields, _ := e["fields"].(map[string]any)
				if code != http.StatusUnprocessableEntity || e["code"] != "invalid" || !strings.Contains(fmtAny(fields["status"]), said) || len(fields) != 1 {
					t.Errorf("PATCH %s = %d %v; want 422 with status %q alone", tt.api, code, out, said)
				}
			} else {
				res, body := coord.post(tt.path, tt.form)
				if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, said) || strings.Count(errorSummary(body), "<li") > 1 {
					t.Errorf("POST %s = %d; want 422 saying %q alone\n%s", tt.path, res.StatusCode, said, errorSummary(body))
				}
				if tt.form.Get("title") != "" && !strings.Contains(body, `value="`+tt.form.Get("title")+`"`) {
					t.Errorf("POST %s lost the typed title", tt.path)
				}
			}
			if dbFingerprint(t, ts) != before {
				t.Errorf("%s changed the completed project", tt.name)
			}
		})
	}

	// Assessing a finished project is an evaluation, and stays open.
	today := ts.store.Today().Format("2006-01-02")
	if code, out := ts.api(t, tok, http.MethodPost, api+"/assessments", `{"assessed_at": "`+today+`", "scores": [{"factor": "cohesion", "score": 4}]}`); code != http.StatusCreated {
		t.Errorf("assessing the completed project = %d %v; want 201", code, out)
	}
	// The status alone may change: completed is corrected to stopped.
	if code, out := ts.api(t, tok, http.MethodPatch, api, `{"status": "stopped", "version": `+v+`}`); code != http.StatusOK {
		t.Fatalf("stopping the completed project = %d %v; want 200", code, out)
	}
	// Reopened on its page, as a status change, it is editable again.
	v = projectVersion(t, ts, tok, id)
	coord.get(path)
	if res, body := coord.post(path+"/status", url.Values{"status": {"active"}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reopening = %d\n%s", res.StatusCode, errorSummary(body))
	}
	entries, err := ts.store.AuditFor(ctx, "project", itoa(id))
	if err != nil {
		t.Fatal(err)
	}
	var moves []string
	for _, e := range entries {
		if e.Action == "status" {
			moves = append([]string{e.Detail}, moves...)
		}
	}
	if want := []string{"active->completed", "completed->stopped", "stopped->active"}; !reflect.DeepEqual(moves, want) {
		t.Errorf("status changes audited %q; want %q", moves, want)
	}
	if _, page := coord.get(path); !strings.Contains(page, `href="`+path+`/edit"`) || strings.Contains(page, `action="`+path+`/status"`) {
		t.Error("the reopened project's page does not offer its edit form again, or still offers reopening")
	}
	if code, out := ts.api(t, tok, http.MethodPatch, api, `{"title": "Nytt navn", "version": `+projectVersion(t, ts, tok, id)+`}`); code != http.StatusOK {
		t.Errorf("renaming the reopened project = %d %v; want 200", code, out)
	}
}

// Amounts and dates of a project are refused beside the field when no project
// has them: a negative amount, one above a billion kroner, a date outside
// 1970–2100 (a year typed "0202"), a period that ends before it starts; by the
// API (422 naming the field) and the form (the message beside the field, what
// was typed kept), and nothing is made. A negative budget was refused saying
// to write whole kroner, and a budget of 99 billion or a start in year 202
// were taken.
func TestProjectAmountsAndDates(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tok := ts.token(t, models.RoleCoordinator)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	const (
		amount = "Skriv et beløp fra 0 til 1 000 000 000 kroner."
		period = "Sluttdatoen kan ikke være før startdatoen."
		year   = "Skriv en dato mellom 1970 og 2100."
	)
	for _, tt := range []struct {
		name, json string     // what the API is sent besides title and municipalities
		form       url.Values // the same typed in the form
		field, id  string     // the field the API names, and the form's field id
		want       string     // the message
	}{
		{"negative budget", `"budget_nok": -5`, url.Values{"budget_nok": {"-5"}}, "budget_nok", "f-budget_nok", amount},
		{"budget of 99 billion", `"budget_nok": 99000000000`, url.Values{"budget_nok": {"99 000 000 000"}}, "budget_nok", "f-budget_nok", amount},
		{"negative funding", `"funding": [{"source": "Kommunene", "amount_nok": -100}]`,
			url.Values{"funding_source": {"Kommunene"}, "funding_nok": {"-100"}, "funding_confirmed": {"no"}}, "funding[0].amount_nok", "f-funding-0-nok", amount},
		{"funding of two billion", `"funding": [{"source": "Kommunene", "amount_nok": 2000000000}]`,
			url.Values{"funding_source": {"Kommunene"}, "funding_nok": {"2 000 000 000"}, "funding_confirmed": {"no"}}, "funding[0].amount_nok", "f-funding-0-nok", amount},
		{"negative contribution", `"municipalities": [{"kommunenummer": "3403", "role": "lead", "contribution_nok": -1}]`,
			url.Values{"mun_nok": {"-1"}}, "municipalities[0].contribution_nok", "f-mun-0-nok", amount},
		{"ends before it starts", `"starts_on": "2027-06-01", "ends_on": "2027-05-31"`, url.Values{"starts_on": {"2027-06-01"}, "ends_on": {"2027-05-31"}}, "ends_on", "f-ends_on", period},
		{"starts in year 202", `"starts_on": "0202-05-01"`, url.Values{"starts_on": {"0202-05-01"}}, "starts_on", "f-starts_on", year},
		{"ends in year 2999", `"ends_on": "2999-05-01"`, url.Values{"ends_on": {"2999-05-01"}}, "ends_on", "f-ends_on", year},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := dbFingerprint(t, ts)
			body := `{"title": "Beløp og datoer", "municipalities": [{"kommunenummer": "3403", "role": "lead"}], ` + tt.json + `}`
			if strings.Contains(tt.json, `"municipalities"`) {
				body = `{"title": "Beløp og datoer", ` + tt.json + `}`
			}
			code, out := ts.api(t, tok, http.MethodPost, "/api/v1/projects", body)
			e, _ := out["error"].(map[string]any)
			fields, _ := e["fields"].(map[string]any)
			if code != http.StatusUnprocessableEntity || fmtAny(fields[tt.field]) != tt.want {
				t.Errorf("POST %s = %d %v; want 422 with %s %q", tt.json, code, out, tt.field, tt.want)
			}
			form := url.Values{"title": {"Beløp og datoer"}, "status": {"idea"}, "visibility": {"participants"},
				"mun_kommunenummer": {"3403"}, "mun_role": {"lead"}, "mun_nok": {""}, "mun_fte": {""}}
			for k, v := range tt.form {
				form[k] = v
			}
			coord.get("/projects/new")
			res, page := coord.post("/projects", form)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="`+tt.id+`-error">`+tt.want) {
				t.Errorf("the form with %v = %d; want 422 with %q beside %s\n%s", tt.form, res.StatusCode, tt.want, tt.id, errorSummary(page))
			}
			for _, v := range tt.form {
				if !strings.Contains(page, `value="`+v[0]+`"`) {
					t.Errorf("the form lost the typed %q", v[0])
				}
			}
			if dbFingerprint(t, ts) != before {
				t.Errorf("%s made a project", tt.name)
			}
		})
	}
	// A budget of a billion, and a period in this century, are taken.
	code, out := ts.api(t, tok, http.MethodPost, "/api/v1/projects", `{"title": "Stort", "budget_nok": 1000000000, "starts_on": "1970-01-01", "ends_on": "2100-12-31", "municipalities": [{"kommunenummer": "3403", "role": "lead"}]}`)
	if code != http.StatusCreated {
		t.Errorf("a budget of a billion from 1970 to 2100 = %d %v; want 201", code, out)
	}
}

// A milestone is due within its project's period, if the project has one, and
// within 1970–2100: one due before the project starts or after it ends is
// refused beside its date, with what was typed kept, and nothing changes. A
// milestone that is already outside (the period was moved since) keeps its
// date through other changes. Milestones could be due anywhere.
func TestMilestoneWithinProjectPeriod(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	id := demoProjectID(t, ts, demoHamarStange)
	path := "/projects/" + itoa(id)
	p, err := ts.store.Project(ctx, regionAdmin(t, ts), id)
	if err != nil || p.StartsOn == nil || p.EndsOn == nil || len(p.Milestones) == 0 {
		t.Fatalf("the demo project has no period or milestones: %v", err)
	}
	day := func(t0 time.Time, days int) string { return t0.AddDate(0, 0, days).Format("2006-01-02") }
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	const (
		early = "Fristen er før prosjektet starter. Velg en dato i prosjektperioden, eller endre perioden først."
		late  = "Fristen er etter at prosjektet slutter. Velg en dato i prosjektperioden, eller endre perioden først."
		year  = "Skriv en dato mellom 1970 og 2100."
	)
	ms := p.Milestones[len(p.Milestones)-1]
	for _, tt := range []struct {
		name, path, due, doneOn, want string
		key                           string // the form's key in its element ids
	}{
		{"new, a day before the start", path + "/milestones", day(*p.StartsOn, -1), "", early, "new"},
		{"new, a day after the end", path + "/milestones", day(*p.EndsOn, 1), "", late, "new"},
		{"new, in year 202", path + "/milestones", "0202-05-01", "", year, "new"},
		{"new, after the end, with a typing error", path + "/milestones", day(*p.EndsOn, 1), "i går", late, "new"},
		{"moved after the end", path + "/milestones/" + itoa(ms.ID), day(*p.EndsOn, 30), "", late, itoa(ms.ID)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := dbFingerprint(t, ts)
			coord.get(path)
			form := url.Values{"milestone_title": {"Sluttrapport"}, "due_on": {tt.due}, "milestone_status": {"planned"}, "done_on": {tt.doneOn}}
			if !strings.HasSuffix(tt.path, "/milestones") {
				form.Set("version", itoa(int64(ms.Version)))
			}
			res, page := coord.post(tt.path, form)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="f-ms-`+tt.key+`-due-error">`+tt.want) || !strings.Contains(page, `value="`+tt.due+`"`) {
				t.Errorf("POST %s due %s = %d; want 422 with %q beside the date, the date kept\n%s", tt.path, tt.due, res.StatusCode, tt.want, fieldError(page))
			}
			if dbFingerprint(t, ts) != before {
				t.Errorf("%s changed the project", tt.name)
			}
		})
	}
	for _, due := range []string{day(*p.StartsOn, 0), day(*p.EndsOn, 0)} {
		coord.get(path)
		if res, page := coord.post(path+"/milestones", url.Values{"milestone_title": {"Innenfor " + due}, "due_on": {due}, "milestone_status": {"planned"}}); res.StatusCode != http.StatusSeeOther {
			t.Errorf("a milestone due %s, on the period's edge = %d; want 303\n%s", due, res.StatusCode, fieldError(page))
		}
	}
	// The project ends earlier now; its last milestone, due after, is still
	// marked done without moving it.
	tok := ts.token(t, models.RoleCoordinator)
	if p, err = ts.store.Project(ctx, regionAdmin(t, ts), id); err != nil {
		t.Fatal(err)
	}
	ms = p.Milestones[len(p.Milestones)-1]
	end := day(ms.DueOn, -30)
	if code, out := ts.api(t, tok, http.MethodPatch, "/api/v1/projects/"+itoa(id), `{"ends_on": "`+end+`", "version": `+projectVersion(t, ts, tok, id)+`}`); code != http.StatusOK {
		t.Fatalf("moving the end = %d %v", code, out)
	}
	coord.get(path)
	form := url.Values{"milestone_title": {ms.Title}, "responsible": {ms.Responsible}, "due_on": {ms.DueOn.Format("2006-01-02")}, "milestone_status": {"cancelled"}, "version": {itoa(int64(ms.Version))}}
	if res, page := coord.post(path+"/milestones/"+itoa(ms.ID), form); res.StatusCode != http.StatusSeeOther {
		t.Errorf("cancelling a milestone due after the moved end = %d; want 303\n%s", res.StatusCode, fieldError(page))
	}
}

// The reopen form of a closed project says a tampered version and a status
// it cannot take in one answer: the status was checked only once the version
// parsed, so the second error came a round later. Nothing changes.
func TestProjectReopenOneRound(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := demoProjectID(t, ts, demoHamarStange)
	path, api := "/projects/"+itoa(id), "/api/v1/projects/"+itoa(id)
	tok := ts.token(t, models.RoleCoordinator)
	if code, out := ts.api(t, tok, http.MethodPatch, api, `{"status": "completed", "cancel_open_milestones": true, "version": `+projectVersion(t, ts, tok, id)+`}`); code != http.StatusOK {
		t.Fatalf("completing = %d %v", code, out)
	}
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	coord.get(path)
	before := dbFingerprint(t, ts)
	res, body := coord.post(path+"/status", url.Values{"status": {"lukket"}, "version": {"x"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Skriv et tall.") || !strings.Contains(body, "Velg et av alternativene.") {
		t.Errorf("POST %s/status with a bad version and a bad status = %d; want 422 saying both\n%s", path, res.StatusCode, body)
	}
	if dbFingerprint(t, ts) != before {
		t.Error("the refused reopening changed the project")
	}
}

// withBudget is form with the budget typed as budget.
func withBudget(form url.Values, budget string) url.Values {
	form.Set("budget_nok", budget)
	return form
}

// Completing a project with open milestones asks what becomes of them: on the
// edit form, a choice listing them cancels them in the same step; without it,
// the completion is refused by the form (422 naming them, what was typed and
// chosen kept) and by the API (422 with fields.status), and nothing changes.
// Asked with cancel_open_milestones, the API cancels them too; each
// cancelling is audited as a milestone update. Reopened, the project keeps
// them cancelled, none overdue. The completion left them open, overdue for
// ever in every count, and a closed project's milestones cannot be changed.
func TestCompletingWithOpenMilestonesByPageAndAPI(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	id := demoProjectID(t, ts, demoHamarStange)
	path, api := "/projects/"+itoa(id), "/api/v1/projects/"+itoa(id)
	tok := ts.token(t, models.RoleCoordinator)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	p, err := ts.store.Project(ctx, regionAdmin(t, ts), id)
	if err != nil {
		t.Fatal(err)
	}
	open := p.OpenMilestones()
	if len(open) != 3 {
		t.Fatalf("the demo project has %d open milestones; want 3", len(open))
	}
	const named = "Prosjektet har 3 åpne milepæler: «Reguleringsplan for næringsarealet lagt ut på høring», «Første bedriftssamling på Åkershagan», «De første bedriftene etablert»."
	_, page := coord.get(path + "/edit")
	for _, want := range []string{`name="cancel_open_milestones"`, "Avlys de 3 åpne milepælene når prosjektet fullføres", open[0].Title, open[2].Title} {
		if !strings.Contains(page, want) {
			t.Errorf("the edit form lacks %q", want)
		}
	}
	v := projectVersion(t, ts, tok, id)
	editForm := func(status, title string, cancel bool) url.Values {
		f := url.Values{"version": {v}, "title": {title}, "status": {status}, "visibility": {"participants"},
			"mun_kommunenummer": {"3403", "3413"}, "mun_role": {"lead", "participant"}, "mun_nok": {"400000", "250000"}, "mun_fte": {"0,5", "0,4"}}
		if cancel {
			f.Set("cancel_open_milestones", "on")
			for _, m := range open { // the milestones the form listed
				f.Add("open_milestone", itoa(m.ID))
			}
		}
		return f
	}
	for _, m := range open {
		if !strings.Contains(page, `name="open_milestone" value="`+itoa(m.ID)+`"`) {
			t.Errorf("the edit form does not send that it listed milestone %d", m.ID)
		}
	}
	for _, tt := range []struct {
		name, path string
		form       url.Values // a page form, or else
		api        string     // the JSON body of a PATCH to path
		field, say string
	}{
		{"API completed", api, nil, `{"status": "completed", "version": ` + v + `}`, "status", named},
		{"API completed, the cancelling declined", api, nil, `{"status": "completed", "cancel_open_milestones": false, "version": ` + v + `}`, "status", named},
		{"API cancelling without completing", api, nil, `{"status": "paused", "cancel_open_milestones": true, "version": ` + v + `}`,
			"cancel_open_milestones", "Åpne milepæler kan bare avlyses sammen med at prosjektet fullføres"},
		{"page edit completed", path, editForm("completed", "Næringspark Hamar–Stange, ferdig", false), "", "status", named},
		{"page edit paused, cancelling", path, editForm("paused", "Næringspark Hamar–Stange, ferdig", true), "", "cancel_open_milestones",
			"Åpne milepæler kan bare avlyses sammen med at prosjektet fullføres"},
		{"page status completed", path + "/status", url.Values{"status": {"completed"}, "version": {v}}, "", "status", named},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := dbFingerprint(t, ts)
			if tt.form == nil {
				code, out := ts.api(t, tok, http.MethodPatch, tt.path, tt.api)
				e, _ := out["error"].(map[string]any)
				fields, _ := e["fields"].(map[string]any)
				if code != http.StatusUnprocessableEntity || !strings.Contains(fmtAny(fields[tt.field]), tt.say) || len(fields) != 1 {
					t.Errorf("PATCH %s = %d %v; want 422 with %s %q alone", tt.api, code, out, tt.field, tt.say)
				}
			} else {
				res, body := coord.post(tt.path, tt.form)
				if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tt.say) || strings.Count(errorSummary(body), "<li") > 1 {
					t.Errorf("POST %s = %d; want 422 saying %q\n%s", tt.path, res.StatusCode, tt.say, errorSummary(body))
				}
				if title := tt.form.Get("title"); title != "" {
					if !strings.Contains(body, `value="`+title+`"`) {
						t.Errorf("POST %s lost the typed title", tt.path)
					}
					if !regexp.MustCompile(`<option value="` + tt.form.Get("status") + `" selected>`).MatchString(body) {
						t.Errorf("POST %s lost the chosen status", tt.path)
					}
					checked := regexp.MustCompile(`name="cancel_open_milestones"[^>]* checked`).MatchString(body)
					if checked != (tt.form.Get("cancel_open_milestones") != "") {
						t.Errorf("POST %s: the choice to cancel is ticked %v; want as sent", tt.path, checked)
					}
				}
			}
			if dbFingerprint(t, ts) != before {
				t.Errorf("%s changed the project", tt.name)
			}
		})
	}

	// A milestone added after the form listed the open ones is not
	// cancelled unseen: the completion is refused, nothing changed, and the
	// form shows the list as it is now.
	late, err := ts.store.AddMilestone(ctx, regionAdmin(t, ts), models.Actor{}, id, models.MilestoneInput{Title: "Lagt til i mellomtiden", DueOn: &p.Milestones[len(p.Milestones)-1].DueOn, Status: "planned"})
	if err != nil {
		t.Fatal(err)
	}
	before := dbFingerprint(t, ts)
	res, body := coord.post(path, editForm("completed", "Næringspark Hamar–Stange", true))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "De åpne milepælene er endret mens du arbeidet") ||
		!strings.Contains(body, `name="open_milestone" value="`+itoa(late.ID)+`"`) || !strings.Contains(body, "Avlys de 4 åpne milepælene") {
		t.Errorf("completing with a milestone added unseen = %d; want 422 listing it\n%s", res.StatusCode, errorSummary(body))
	}
	if dbFingerprint(t, ts) != before {
		t.Error("completing with a milestone added unseen changed something")
	}
	open = append(open, *late) // as the form now lists them

	// Completed on its form with the choice: the open milestones are
	// cancelled, each audited, the done ones kept.
	if res, body := coord.post(path, editForm("completed", "Næringspark Hamar–Stange", true)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("completing with the choice = %d\n%s", res.StatusCode, errorSummary(body))
	}
	p, err = ts.store.Project(ctx, regionAdmin(t, ts), id)
	if err != nil {
		t.Fatal(err)
	}
	statuses := func(p *models.Project) []string {
		var out []string
		for _, m := range p.Milestones {
			out = append(out, m.Status)
		}
		return out
	}
	if want := []string{"done", "done", "cancelled", "cancelled", "cancelled", "cancelled"}; p.Status != "completed" || !reflect.DeepEqual(statuses(p), want) {
		t.Errorf("completed: %s with milestones %q; want completed, %q", p.Status, statuses(p), want)
	}
	for _, m := range open {
		entries, err := ts.store.AuditFor(ctx, "milestone", itoa(m.ID))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) == 0 || entries[0].Action != "update" || entries[0].Detail != "project="+itoa(id)+" status=cancelled" || entries[0].UserID == nil {
			t.Errorf("the cancelling of %q is not audited as the coordinator's update: %+v", m.Title, entries)
		}
	}

	// Reopened, they stay cancelled and none is overdue.
	coord.get(path)
	if res, body := coord.post(path+"/status", url.Values{"status": {"active"}, "version": {projectVersion(t, ts, tok, id)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reopening = %d\n%s", res.StatusCode, errorSummary(body))
	}
	code, out := ts.api(t, tok, http.MethodGet, api, "")
	if code != http.StatusOK || out["status"] != "active" {
		t.Fatalf("the reopened project = %d %v", code, out["status"])
	}
	for _, m := range out["milestones"].([]any) {
		m := m.(map[string]any)
		if m["overdue"] == true || (m["status"] != "done" && m["status"] != "cancelled") {
			t.Errorf("reopened, milestone %v is %v, overdue %v; want done or cancelled, not overdue", m["title"], m["status"], m["overdue"])
		}
	}

	// The API completes with the choice as well.
	shared := demoProjectID(t, ts, demoShared)
	body = `{"status": "completed", "cancel_open_milestones": true, "version": ` + projectVersion(t, ts, tok, shared) + `}`
	if code, out := ts.api(t, tok, http.MethodPatch, "/api/v1/projects/"+itoa(shared), body); code != http.StatusOK || out["status"] != "completed" {
		t.Fatalf("completing by the API with the choice = %d %v", code, out)
	} else if ms := out["milestones"].([]any); ms[len(ms)-1].(map[string]any)["status"] != "cancelled" {
		t.Errorf("completed by the API, its open milestone is %v; want cancelled", ms[len(ms)-1])
	}
}
