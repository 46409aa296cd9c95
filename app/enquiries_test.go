package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"samspill/models"
	"samspill/views"
)

const xss = `<script>alert("x")</script><img src=x onerror=alert(1)>=HYPERLINK("http://evil.example")`

// submit sends an enquiry through the JSON one door and returns its id and reference.
func submit(t *testing.T, ts *testServer, municipality, description, orgNumber string) (int64, string) {
	t.Helper()
	body := `{"municipality": "` + municipality + `", "enquirer_kind": "prospective_entrepreneur", "needs": ["financing"],
		"description": ` + quote(description) + `, "name": "Testperson Tester", "email": "test@example.org", "phone": "99887766",
		"org_number": "` + orgNumber + `", "consent_store": true}`
	status, out := ts.api(t, "", http.MethodPost, "/api/v1/intake", body)
	if status != http.StatusCreated {
		t.Fatalf("intake = %d %v", status, out)
	}
	ref := out["reference"].(string)
	list, _, err := ts.store.Enquiries(context.Background(), adminViewer(t, ts), models.EnquiryFilter{Q: ref})
	if err != nil || len(list) != 1 {
		t.Fatalf("enquiry %s: %v", ref, err)
	}
	return list[0].ID, ref
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

func TestEnquiryPayloadEscapedEverywhere(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, ref := submit(t, ts, "3412", xss, "")
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)

	for _, path := range []string{"/enquiries/" + itoa(id), "/enquiries?q=" + url.QueryEscape(ref)} {
		_, body := c.get(path)
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s shows the payload unescaped", path)
		}
	}
	_, page := c.get("/enquiries/" + itoa(id))
	if !strings.Contains(page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Errorf("the case page does not show the payload as text")
	}

	res, csvBody := c.get("/enquiries/export.csv?q=" + url.QueryEscape(ref))
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("csv: %d %v", res.StatusCode, res.Header)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvBody, "\ufeff")))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv rows = %d (%v)", len(rows), err)
	}
	desc := rows[1][len(rows[1])-1]
	if desc != xss {
		t.Errorf("csv description = %q; want the text as it was written", desc)
	}

	// A cell that starts like a formula is neutralised.
	id2, ref2 := submit(t, ts, "3412", `=cmd|' /C calc'!A0`, "")
	_ = id2
	_, csvBody = c.get("/enquiries/export.csv?q=" + url.QueryEscape(ref2))
	if !strings.Contains(csvBody, `'=cmd|`) {
		t.Errorf("csv does not neutralise a formula:\n%s", csvBody)
	}

	res, xlsx := c.get("/enquiries/export.xlsx?q=" + url.QueryEscape(ref))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("xlsx: %d", res.StatusCode)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(xlsx)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	xrows, err := f.GetRows(f.GetSheetName(0))
	if err != nil || len(xrows) != 2 {
		t.Fatalf("xlsx rows = %d (%v)", len(xrows), err)
	}
	if got := xrows[1][len(xrows[1])-1]; got != xss {
		t.Errorf("xlsx description = %q", got)
	}
	last, _ := excelize.CoordinatesToCellName(len(xrows[1]), 2)
	if formula, _ := f.GetCellFormula(f.GetSheetName(0), last); formula != "" {
		t.Errorf("xlsx cell became a formula: %q", formula)
	}
}

var versionField = regexp.MustCompile(`action="/enquiries/(\d+)" class="stack" novalidate>\s*<input type="hidden" name="_csrf" value="([^"]+)">(?:<input type="hidden" name="form_region" value="\d+">)?<input type="hidden" name="version" value="(\d+)">`)

func enquiryEditForm(description string) url.Values {
	return url.Values{"municipality": {"3412"}, "enquirer_kind": {"prospective_entrepreneur"}, "needs": {"financing"},
		"description": {description}, "name": {"Testperson Tester"}, "email": {"test@example.org"}, "language": {"nb"}}
}

// staleWindow opens a new case in two windows, the adviser's and the
// coordinator's, and saves the adviser's as "Lagret i vindu A": it returns the
// case, the coordinator's window and the version it read, now stale.
func staleWindow(t *testing.T, ts *testServer) (int64, *client, string) {
	t.Helper()
	id, _ := submit(t, ts, "3412", "Opprinnelig tekst", "")
	a := ts.client(t)
	a.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	b := ts.client(t)
	b.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	_, pageA := a.get("/enquiries/" + itoa(id))
	_, pageB := b.get("/enquiries/" + itoa(id))
	ma, mb := versionField.FindStringSubmatch(pageA), versionField.FindStringSubmatch(pageB)
	if ma == nil || mb == nil {
		t.Fatal("no edit form with a version on the case page")
	}
	formA := enquiryEditForm("Lagret i vindu A")
	formA.Set("version", ma[3])
	if res, body := a.post("/enquiries/"+itoa(id), formA); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save = %d\n%s", res.StatusCode, body)
	}
	return id, b, mb[3]
}

// A stale edit of the case's details is refused, and what was typed is not
// lost: it stays in the form with the version now read, the page names the
// fields where it differs from the case as it is now, and sending the form
// again saves it.
func TestEnquiryStaleEditKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, b, versionB := staleWindow(t, ts)
	formB := enquiryEditForm("Lagret i vindu B")
	formB.Set("version", versionB)
	res, body := b.post("/enquiries/"+itoa(id), formB)
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("stale save = %d; want 409", res.StatusCode)
	}
	if !strings.Contains(body, ">Lagret i vindu B</textarea>") {
		t.Error("the refused edit's description is not in the form any more")
	}
	if !strings.Contains(body, "Det du skrev, står fortsatt i skjemaet") || !strings.Contains(body, `<ul class="ds-list"><li>Beskriv kort hva personen trenger</li></ul>`) {
		t.Errorf("the page does not say the edit is kept and which fields differ:\n%s", body)
	}
	m := versionField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no edit form with a version on the refused page")
	}
	e, _ := ts.store.Enquiry(context.Background(), adminViewer(t, ts), id)
	if m[3] != itoa(int64(e.Version)) {
		t.Fatalf("the kept form carries version %s; want the case's now, %d", m[3], e.Version)
	}
	formB.Set("version", m[3])
	if res, _ := b.post("/enquiries/"+itoa(id), formB); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sending the kept edit again = %d; want 303", res.StatusCode)
	}
	if e, _ := ts.store.Enquiry(context.Background(), adminViewer(t, ts), id); e.Description != "Lagret i vindu B" {
		t.Errorf("description = %q after sending the kept edit again", e.Description)
	}
}

// Two windows open the same case and both save: the second is refused with a
// clear message, and the first save stands.
func TestEnquiryStaleEditPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, b, versionB := staleWindow(t, ts)
	formB := enquiryEditForm("Lagret i vindu B")
	formB.Set("version", versionB)
	res, body := b.post("/enquiries/"+itoa(id), formB)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Endringen ble ikke lagret") {
		t.Fatalf("second save = %d; want 409 with a clear message", res.StatusCode)
	}
	e, _ := ts.store.Enquiry(context.Background(), adminViewer(t, ts), id)
	if e.Description != "Lagret i vindu A" {
		t.Errorf("description = %q; the first save was overwritten", e.Description)
	}

	// The API answers 409 and changes nothing.
	tok := ts.token(t, models.RoleAdviser)
	status, _ := ts.api(t, tok, http.MethodPatch, "/api/v1/enquiries/"+itoa(id), `{"description": "Fra API", "version": 1}`)
	if status != http.StatusConflict {
		t.Errorf("stale PATCH = %d; want 409", status)
	}
	status, out := ts.api(t, tok, http.MethodPatch, "/api/v1/enquiries/"+itoa(id), `{"description": "Fra API", "version": `+itoa(int64(e.Version))+`}`)
	if status != http.StatusOK || out["description"] != "Fra API" {
		t.Errorf("current PATCH = %d %v", status, out)
	}
	for _, body := range []string{`{"channel": "phone", "version": 3}`, `{"assigned_to": 1, "version": 3}`, `{"region_id": 2, "version": 3}`, `{"status": "closed", "version": 3}`} {
		if status, _ := ts.api(t, tok, http.MethodPatch, "/api/v1/enquiries/"+itoa(id), body); status != http.StatusBadRequest && status != http.StatusUnprocessableEntity {
			t.Errorf("PATCH %s = %d; want it refused", body, status)
		}
	}
}

// Nobody but the region's advisers, coordinators and admins reaches an enquiry.
func TestEnquiryHiddenFromOthers(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, _ := submit(t, ts, "3412", "Hemmelig", "")
	path := "/enquiries/" + itoa(id)
	anon := ts.client(t)
	if res, body := anon.get(path); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") || strings.Contains(body, "Testperson") {
		t.Errorf("anonymous page = %d; want to be sent to log in", res.StatusCode)
	}
	if status, _ := ts.api(t, "", http.MethodGet, "/api/v1"+path, ""); status != http.StatusUnauthorized {
		t.Errorf("anonymous API = %d; want 401", status)
	}
	for _, role := range []string{models.RoleMunicipality, models.RoleBoard, models.RolePartner} {
		c := ts.client(t)
		c.login(demoEmail(role), models.DemoPassword)
		if res, body := c.get(path); res.StatusCode != http.StatusNotFound || strings.Contains(body, "Testperson") {
			t.Errorf("%s page = %d; want 404", role, res.StatusCode)
		}
		tok := ts.token(t, role)
		if status, _ := ts.api(t, tok, http.MethodGet, "/api/v1"+path, ""); status != http.StatusNotFound {
			t.Errorf("%s API = %d; want 404", role, status)
		}
		if status, _ := ts.api(t, tok, http.MethodGet, "/api/v1"+path+"/activities", ""); status != http.StatusNotFound {
			t.Errorf("%s activities API = %d; want 404", role, status)
		}
	}
	// Another region's adviser gets 404 too, and finds nothing in lists.
	ctx := context.Background()
	in := models.DefaultRegionInput()
	in.Slug, in.Name = "annen", "Annen region"
	other, _ := ts.store.CreateRegion(ctx, models.Actor{}, in)
	if _, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "a@annen.example", Name: "Annen"}, "annen-passord-1", []models.RoleGrant{{RegionID: other.ID, Role: models.RoleAdviser}}); err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	c.login("a@annen.example", "annen-passord-1")
	if res, _ := c.get(path); res.StatusCode != http.StatusNotFound {
		t.Errorf("other region's adviser = %d; want 404", res.StatusCode)
	}
	if _, body := c.get("/enquiries?q=Hemmelig"); strings.Contains(body, "Testperson") {
		t.Error("other region's adviser finds the enquiry by search")
	}
	if _, body := c.get("/enquiries/export.csv"); strings.Contains(body, "Testperson") {
		t.Error("other region's adviser exports the enquiry")
	}
}

func TestEnquirySearchPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	_, ref := submit(t, ts, "3403", "Vil lage sykkelverksted i Hamar", "974760673")
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	for _, q := range []string{"974760673", ref, "sykkelverksted"} {
		if _, body := c.get("/enquiries?q=" + url.QueryEscape(q)); !strings.Contains(body, ref) {
			t.Errorf("search %q does not find %s", q, ref)
		}
	}
	if _, body := c.get("/enquiries?q=finnesikke"); !strings.Contains(body, `class="empty"`) {
		t.Error("no empty state for a search without hits")
	}
	// Unknown sort and filter values are refused, never passed to SQL; any search text is searched for.
	for _, q := range []url.Values{{"sort": {"id;DROP TABLE enquiries"}}, {"sort": {"received_at)--"}}, {"status": {"'1'='1"}},
		{"assigned_to": {"abc"}}, {"from": {"nonsense"}}, {"need": {"%"}}} {
		if res, _ := c.get("/enquiries?" + q.Encode()); res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("/enquiries?%s = %d; want 400 or 422", q.Encode(), res.StatusCode)
		}
	}
	if res, _ := c.get("/enquiries?" + url.Values{"q": {`"*) OR (`}}.Encode()); res.StatusCode != http.StatusOK {
		t.Errorf("a search with the search engines' syntax = %d; want 200", res.StatusCode)
	}
}

// An adviser registers a phone enquiry, logs a call (the first response), and closes it.
func TestEnquiryWorkflowPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	c.get("/enquiries/new")
	form := enquiryEditForm("Ringte om lokaler til bakeri")
	form.Set("channel", "phone")
	form.Set("consent_store", "on")
	res, body := c.post("/enquiries", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("register = %d\n%s", res.StatusCode, body)
	}
	path := res.Header.Get("Location")
	_, page := c.get(path)
	if !strings.Contains(page, "Telefon") || !strings.Contains(page, "Ringte om lokaler") {
		t.Fatal("the case page does not show the new enquiry")
	}
	if res, body := c.post(path+"/activities", url.Values{"kind": {"call"}, "occurred_on": {ts.store.Now().Format("2006-01-02")}, "minutes": {"15"}, "text": {"Avtalte møte"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("activity = %d\n%s", res.StatusCode, body)
	}
	_, page = c.get(path)
	if !strings.Contains(page, "Under arbeid") || !strings.Contains(page, "15 minutter") || !strings.Contains(page, "(samme arbeidsdag)") {
		t.Error("after the call the case is not in progress with 15 minutes and a response in 0 working days")
	}
	// Bad activity input is refused with messages and changes nothing.
	res, body = c.post(path+"/activities", url.Values{"kind": {"telepathy"}, "occurred_on": {"i går"}, "minutes": {"-5"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Skriv en dato") || !strings.Contains(body, "Velg et av alternativene.") {
		t.Errorf("bad activity = %d; want 422 naming the date and the kind at once", res.StatusCode)
	}
	m := versionField.FindStringSubmatch(page)
	res, body = c.post(path+"/close", url.Values{"outcome": {""}, "jobs_expected": {"mange"}, "version": {m[3]}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Skriv et tall.") || !strings.Contains(body, `id="f-outcome-error"`) {
		t.Errorf("bad close = %d; want 422 naming the jobs and the outcome at once", res.StatusCode)
	}
	res, body = c.post(path+"/close", url.Values{"outcome": {"established"}, "outcome_org_number": {"923 609 016"}, "jobs_expected": {"3"}, "version": {m[3]}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("close = %d\n%s", res.StatusCode, body)
	}
	if _, page := c.get(path); !regexp.MustCompile(`<dt>Forventede arbeidsplasser</dt><dd>3</dd>`).MatchString(page) {
		t.Error("the closed case does not show the jobs expected")
	}
	_, page = c.get(path)
	if !strings.Contains(page, "Bedrift etablert") || !strings.Contains(page, "923609016") {
		t.Error("the closed case does not show its outcome")
	}
	// The dashboard counts the adviser's time.
	_, dash := c.get("/dashboard")
	if !strings.Contains(dash, "minutter registrert denne måneden") {
		t.Error("the adviser's start page lacks the time used this month")
	}
}

func TestMunicipalityStatisticsPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for i := 0; i < 4; i++ {
		submit(t, ts, "3412", "Hemmelig beskrivelse nummer "+itoa(int64(i)), "")
	}
	c := ts.client(t)
	c.login(demoEmail(models.RoleMunicipality), models.DemoPassword)
	res, body := c.get("/statistics")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Henvendelser fra Løten") {
		t.Fatalf("statistics = %d", res.StatusCode)
	}
	for _, leak := range []string{"Testperson", "test@example.org", "99887766", "Hemmelig", "Ingrid Bakken", "gårdsutsalg", "ingrid.bakken"} {
		if strings.Contains(body, leak) {
			t.Errorf("statistics page contains %q", leak)
		}
	}
	if !strings.Contains(body, "under 3") {
		t.Error("small counts are not hidden")
	}
	tok := ts.token(t, models.RoleMunicipality)
	status, out := ts.api(t, tok, http.MethodGet, "/api/v1/reports/municipality", "")
	if status != http.StatusOK {
		t.Fatalf("statistics API = %d", status)
	}
	raw := strings.ToLower(mustJSON(t, out))
	for _, leak := range []string{"testperson", "test@example.org", "99887766", "hemmelig", "ingrid"} {
		if strings.Contains(raw, leak) {
			t.Errorf("statistics API contains %q", leak)
		}
	}
	if !strings.Contains(raw, `"under_3"`) {
		t.Errorf("statistics API shows small counts: %s", raw)
	}
}

// TestEnquiryHistoryInWords: the case's history names people and puts each
// change in words (channel, status, activity, the adviser assigned), never user
// ids or the audit log's codes.
func TestEnquiryHistoryInWords(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, _ := submit(t, ts, "3412", "Vil starte gårdsbutikk", "")
	adviser, err := ts.store.UserByEmail(context.Background(), demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	c.login(adviser.Email, models.DemoPassword)
	path := "/enquiries/" + itoa(id)
	_, page := c.get(path)
	m := versionField.FindStringSubmatch(page)
	if res, body := c.post(path+"/assign", url.Values{"assigned_to": {itoa(adviser.ID)}, "version": {m[3]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("assign = %d\n%s", res.StatusCode, body)
	}
	if res, body := c.post(path+"/activities", url.Values{"kind": {"call"}, "occurred_on": {ts.store.Now().Format("2006-01-02")}, "minutes": {"10"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("activity = %d\n%s", res.StatusCode, body)
	}
	_, page = c.get(path)
	if want := `<option value="` + itoa(adviser.ID) + `" selected>`; !strings.Contains(page, want) {
		t.Errorf("the assignee select does not show the adviser chosen (%s)", want)
	}
	history := page[strings.Index(page, `id="s-history"`):]
	for _, want := range []string{
		"<td>Skjema på nettsiden</td><td>Opprettet: Nettskjema</td>",
		"<td>" + adviser.Name + "</td><td>Tildelte saken: " + adviser.Name + "</td>",
		"<td>" + adviser.Name + "</td><td>La til aktivitet: Telefon</td>",
	} {
		if !strings.Contains(history, want) {
			t.Errorf("history lacks %q", want)
		}
	}
	// Views are not changes: they are in the audit log, which an adviser does not read.
	if strings.Contains(history, "Så på saken") || strings.Contains(history, "revisjonsloggen") {
		t.Error("the adviser's case history lists views or links to the audit log")
	}
	// A withdrawn consent says what it did to the referrals, worded as the
	// audit log words it, without the log's label that the line already says.
	shared, _ := submitShared(t, ts, true)
	sharedPath := "/enquiries/" + itoa(shared)
	_, page = c.get(sharedPath)
	if res, body := c.post(sharedPath+"/withdraw-consent", url.Values{"confirm": {"on"}, "version": {versionField.FindStringSubmatch(page)[3]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw consent = %d\n%s", res.StatusCode, body)
	}
	_, page = c.get(sharedPath)
	if want := "<td>Registrerte at personen trakk tilbake samtykket til deling: ingen åpen henvisning delte personopplysninger</td>"; !strings.Contains(page[strings.Index(page, `id="s-history"`):], want) {
		t.Errorf("history lacks %q", want)
	}
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	if _, page := coord.get(path); !strings.Contains(page, `href="/admin/audit?object=enquiry&amp;object_id=`+itoa(id)+`"`) {
		t.Error("the coordinator's case page does not link to the views in the audit log")
	}
	for _, code := range []string{"#" + itoa(adviser.ID), "kind=", "channel=", "assigned_to=", "->"} {
		if strings.Contains(history, code) {
			t.Errorf("history shows the code %q", code)
		}
	}
}

// TestCaseMunicipalityChoices: a case's municipality is chosen among its
// region's members (and its own), not among every municipality the
// installation serves.
func TestCaseMunicipalityChoices(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	canaryRegion(t, ts) // serves Oslo
	id, _ := submit(t, ts, "3412", "Vil starte sykkelverksted", "")
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	_, page := c.get("/enquiries/" + itoa(id))
	for number, want := range map[string]bool{"3403": true, "3412": true, "3413": true, "0301": false} {
		if got := strings.Contains(page, `<option value="`+number+`"`); got != want {
			t.Errorf("option %s on the case page: %t; want %t", number, got, want)
		}
	}
	// The inbox's municipality filter offers the same, and keeps a chosen one that is not a member.
	_, inbox := c.get("/enquiries?municipality=0301")
	for number, want := range map[string]bool{"3403": true, "3412": true, "3413": true, "0301": true, "3401": false} {
		if got := strings.Contains(inbox, `<option value="`+number+`"`); got != want {
			t.Errorf("option %s in the inbox filter: %t; want %t", number, got, want)
		}
	}
	region := demoRegion(t, ts)
	ms, err := ts.store.RegionMunicipalities(context.Background(), region.ID, "0301")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.Name)
	}
	if strings.Join(names, ",") != "Hamar,Løten,Oslo,Stange" {
		t.Errorf("choices with the case's own municipality outside the region = %v", names)
	}
}

// A case's municipality field offers the case's own municipality, also when
// no region serves it (the admin queue): else the admin who opens a queued
// case could not save it without choosing another municipality.
func TestCaseOffersItsOwnMunicipality(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tests := []struct {
		name, municipality, role string
	}{
		{"queued, not served by any region", "0301", models.RoleAdmin},
		{"in a region", "3412", models.RoleAdviser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, _ := submit(t, ts, tt.municipality, "Trenger hjelp", "")
			c := ts.client(t)
			c.login(demoEmail(tt.role), models.DemoPassword)
			res, page := c.get("/enquiries/" + itoa(id))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET case = %d", res.StatusCode)
			}
			if !strings.Contains(page, `<option value="`+tt.municipality+`" selected>`) {
				t.Errorf("the municipality field does not offer and select %s", tt.municipality)
			}
		})
	}
}

// The inbox writes each row's labels and dates in Go: the reader must see the
// same words the template used to choose.
func TestInboxRows(t *testing.T) {
	t.Parallel()
	set, err := views.New()
	if err != nil {
		t.Fatal(err)
	}
	p := page{loc: set.Localizer("nb")}
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	due, past := now.Add(48*time.Hour), now.Add(-48*time.Hour)
	answered := now.Add(-24 * time.Hour)
	adviser := &models.User{Name: "Rita Rådgiver"}
	cases := []struct {
		name string
		e    models.Enquiry
		want inboxRow
	}{
		{"new, unassigned, not yet due", models.Enquiry{Status: "new", Needs: "financing,premises_land", FirstResponseDue: due},
			inboxRow{Status: "Ny", StatusColor: "info", Needs: "Finansiering og tilskudd, Lokaler og tomt", Response: "Frist 12.03.2026"}},
		{"in progress and late", models.Enquiry{Status: "in_progress", Assignee: adviser, FirstResponseDue: past},
			inboxRow{Status: "Under arbeid", StatusColor: "accent", Assignee: "Rita Rådgiver", Response: "Frist 08.03.2026", Overdue: true}},
		{"answered after its due date", models.Enquiry{Status: "waiting", Assignee: adviser, FirstResponseDue: past, FirstResponseAt: &answered},
			inboxRow{Status: "Venter", StatusColor: "accent", Assignee: "Rita Rådgiver", Response: "09.03.2026"}},
		{"closed without a response", models.Enquiry{Status: "closed", FirstResponseDue: past},
			inboxRow{Status: "Avsluttet", StatusColor: "neutral", Response: "–"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.e.ID, tc.e.Reference, tc.e.Name, tc.e.ReceivedAt = 7, "FL-2026-00007", "Kari", now
			tc.e.Municipality = models.Municipality{Name: "Verdal"}
			want := tc.want
			want.ID, want.Reference, want.Name, want.Municipality, want.Received = 7, "FL-2026-00007", "Kari", "Verdal", "10.03.2026"
			if got := inboxRows(p, []models.Enquiry{tc.e}, now); len(got) != 1 || got[0] != want {
				t.Errorf("row = %+v\nwant  %+v", got, want)
			}
		})
	}
}

// The inbox's table shows an unassigned, late enquiry as such.
func TestInboxShowsLateUnassigned(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	_, ref := submit(t, ts, "3412", "Trenger hjelp med søknad", "")
	later := ts.store.Now().AddDate(0, 1, 0)
	ts.store.SetClock(func() time.Time { return later }) // before logging in: sessions follow the clock
	c := ts.client(t)
	c.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	_, body := c.get("/enquiries?q=" + url.QueryEscape(ref))
	row := regexp.MustCompile(`(?s)<tr>\s*<td><a class="ds-link" href="/enquiries/\d+">` + ref + `</a></td>.*?</tr>`).FindString(body)
	for _, want := range []string{"Testperson Tester", "Finansiering og tilskudd", `data-color="info">Ny</span>`,
		`<span class="muted">Ikke tildelt</span>`, "Frist ", `data-color="danger">Forsinket</span>`} {
		if !strings.Contains(row, want) {
			t.Errorf("the row of %s lacks %q:\n%s", ref, want, row)
		}
	}
}

// A status the page does not offer (a forged or outdated form) is refused with
// a message at the top of the case page, where it is seen.
func TestEnquiryStatusRefusalIsShown(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, _ := submit(t, ts, "3412", "Trenger hjelp med søknad", "")
	c := ts.client(t)
	c.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	_, page := c.get("/enquiries/" + itoa(id))
	version := caseVersionField.FindStringSubmatch(page)[1]
	res, body := c.post("/enquiries/"+itoa(id)+"/status", url.Values{"status": {"archived"}, "version": {version}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("unknown status = %d; want 422", res.StatusCode)
	}
	if !strings.Contains(body, `role="alert"><p class="ds-paragraph">Velg et av alternativene.`) {
		t.Error("the refused status change says nothing at the top of the page")
	}
}

// A stale edit refused for a typing error keeps the version its window read:
// once the error is mended, the save is refused as stale, and the other
// window's save stands (before, the form came back with the newest version,
// and the mended save overwrote the other one without a word).
func TestEnquiryStaleEditAfterTypingError(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, b, versionB := staleWindow(t, ts)
	formB := enquiryEditForm("Lagret i vindu B")
	formB.Set("version", versionB)
	formB.Set("email", "ikke-en-adresse")
	res, body := b.post("/enquiries/"+itoa(id), formB)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("stale save with a typing error = %d; want 422", res.StatusCode)
	}
	formB.Set("version", versionField.FindStringSubmatch(body)[3])
	formB.Set("email", "test@example.org")
	if res, _ := b.post("/enquiries/"+itoa(id), formB); res.StatusCode != http.StatusConflict {
		t.Errorf("the mended stale save = %d; want 409", res.StatusCode)
	}
	if e, _ := ts.store.Enquiry(context.Background(), adminViewer(t, ts), id); e.Description != "Lagret i vindu A" {
		t.Errorf("description = %q; the first save was overwritten", e.Description)
	}
}

// An adviser who registers an enquiry from a municipality another region
// serves (a walk-in from the neighbouring region) is told where it went and
// taken to the inbox, not to a case page they may not open.
func TestEnquiryRegisteredForAnotherRegion(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	in := models.DefaultRegionInput()
	in.Slug, in.Name = "oslo", "Oslo Næringsutvikling"
	oslo, err := ts.store.CreateRegion(ctx, models.Actor{}, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.SaveMember(ctx, models.Actor{}, oslo.ID, models.MemberInput{Kommunenummer: "0301", JoinedOn: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		Votes: 1, TakesEnquiries: true}); err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	cases := []struct {
		municipality, to, says string
	}{
		{"3412", "/enquiries/", "Henvendelsen er registrert."},
		{"0301", "/enquiries", "er registrert og sendt til Oslo Næringsutvikling"},
	}
	for _, k := range cases {
		c.get("/enquiries/new")
		form := enquiryEditForm("Kom innom om lokaler")
		form.Set("municipality", k.municipality)
		form.Set("channel", "walk_in")
		form.Set("consent_store", "on")
		res, body := c.post("/enquiries", form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: register = %d\n%s", k.municipality, res.StatusCode, body)
		}
		to := res.Header.Get("Location")
		if !strings.HasPrefix(to, k.to) || (k.to == "/enquiries" && to != k.to) {
			t.Errorf("%s: sent to %s; want %s…", k.municipality, to, k.to)
			continue
		}
		res, page := c.get(to)
		if res.StatusCode != http.StatusOK || !strings.Contains(page, k.says) {
			t.Errorf("%s: %s = %d; want 200 saying %q", k.municipality, to, res.StatusCode, k.says)
		}
	}
}

// Each read of a case's personal data through the API is audited: the case
// and its activities, whose notes are about the person.
func TestEnquiryAPIReadsAreAudited(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	id, _ := submit(t, ts, "3412", "Trenger hjelp med søknad", "")
	tok := ts.token(t, models.RoleAdviser)
	for _, path := range []string{"/api/v1/enquiries/" + itoa(id), "/api/v1/enquiries/" + itoa(id) + "/activities"} {
		before, err := ts.store.AuditFor(ctx, "enquiry", itoa(id))
		if err != nil {
			t.Fatal(err)
		}
		if status, _ := ts.api(t, tok, http.MethodGet, path, ""); status != http.StatusOK {
			t.Fatalf("GET %s = %d", path, status)
		}
		after, _ := ts.store.AuditFor(ctx, "enquiry", itoa(id))
		if len(after) != len(before)+1 || after[0].Action != "view" {
			t.Errorf("GET %s: %d audit entries before, %d after; want one view more", path, len(before), len(after))
		}
	}
}

// A PATCH that sends what cannot be changed is refused naming each such field
// it sent, beside any other fault, and changes nothing.
func TestEnquiryPatchNamesReadOnlyFields(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, _ := submit(t, ts, "3412", "Trenger hjelp med søknad", "")
	tok := ts.token(t, models.RoleAdviser)
	cases := []struct {
		body string
		want []string
	}{
		{`{"consent_share": true, "version": 1}`, []string{"consent_share"}},
		{`{"consent_store": false, "channel": "phone", "version": 1}`, []string{"consent_store", "channel"}},
		{`{"channel": "phone"}`, []string{"channel", "version"}},
	}
	for _, c := range cases {
		status, out := ts.api(t, tok, http.MethodPatch, "/api/v1/enquiries/"+itoa(id), c.body)
		e, _ := out["error"].(map[string]any)
		fields, _ := e["fields"].(map[string]any)
		if status != http.StatusUnprocessableEntity || len(fields) != len(c.want) {
			t.Errorf("PATCH %s = %d, fields %v; want 422 naming %v", c.body, status, fields, c.want)
			continue
		}
		for _, name := range c.want {
			if fields[name] == nil {
				t.Errorf("PATCH %s: fields %v; want %s named", c.body, fields, name)
			}
		}
	}
	if e, _ := ts.store.Enquiry(context.Background(), adminViewer(t, ts), id); e.Version != 1 {
		t.Errorf("version after the refused PATCHes = %d; want 1", e.Version)
	}
}

// The statistics page states its period as dd.mm.yyyy, in Norway's calendar;
// the API keeps its dates as YYYY-MM-DD.
func TestMunicipalityStatisticsPeriodDates(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.store.SetClock(func() time.Time { return time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC) }) // 00:30 on 27 November in Oslo
	c := ts.client(t)
	c.login(demoEmail(models.RoleMunicipality), models.DemoPassword)
	if _, page := c.get("/statistics"); !strings.Contains(page, "fra 01.12.2025 til 27.11.2026") {
		t.Error("the statistics page does not state its period as fra 01.12.2025 til 27.11.2026")
	}
	status, out := ts.api(t, ts.token(t, models.RoleMunicipality), http.MethodGet, "/api/v1/reports/municipality", "")
	if status != http.StatusOK {
		t.Fatalf("statistics API = %d", status)
	}
	if out["from"] != "2025-12-01" || out["to"] != "2026-11-27" {
		t.Errorf("statistics API period = %v to %v; want 2025-12-01 to 2026-11-27", out["from"], out["to"])
	}
}

// An optional answer given (under 30, immigrant background) can be taken
// back: by null through the API, and by "Ikke oppgitt" on the case page.
func TestEnquiryTraitsCanBeCleared(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	id, _ := submit(t, ts, "3412", "Trenger hjelp med søknad", "")
	tok := ts.token(t, models.RoleAdviser)
	if status, out := ts.api(t, tok, http.MethodPatch, "/api/v1/enquiries/"+itoa(id), `{"under_30": true, "immigrant_background": false, "version": 1}`); status != http.StatusOK {
		t.Fatalf("PATCH answers = %d %v", status, out)
	}
	if status, out := ts.api(t, tok, http.MethodPatch, "/api/v1/enquiries/"+itoa(id), `{"under_30": null, "version": 2}`); status != http.StatusOK {
		t.Fatalf("PATCH null = %d %v", status, out)
	}
	e, _ := ts.store.Enquiry(ctx, adminViewer(t, ts), id)
	if e.Under30 != nil || e.ImmigrantBackground == nil || *e.ImmigrantBackground {
		t.Errorf("after null: under 30 %v, immigrant background %v; want nil and false", e.Under30, e.ImmigrantBackground)
	}
	if status, _ := ts.api(t, tok, http.MethodPatch, "/api/v1/enquiries/"+itoa(id), `{"under_30": "ja", "version": 3}`); status != http.StatusBadRequest {
		t.Errorf("PATCH a string for a yes or no = %d; want 400", status)
	}

	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	_, page := c.get("/enquiries/" + itoa(id))
	if !regexp.MustCompile(`name="immigrant_background" value=""[^>]*>\s*<label[^>]*>Ikke oppgitt`).MatchString(page) {
		t.Fatal("the case page offers no way to take the answer back")
	}
	form := enquiryEditForm("Trenger hjelp med søknad")
	form.Set("version", versionField.FindStringSubmatch(page)[3])
	form.Set("immigrant_background", "")
	if res, body := c.post("/enquiries/"+itoa(id), form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save = %d\n%s", res.StatusCode, body)
	}
	if e, _ := ts.store.Enquiry(ctx, adminViewer(t, ts), id); e.ImmigrantBackground != nil {
		t.Errorf("after saving not stated: immigrant background %v; want nil", *e.ImmigrantBackground)
	}
}

// An export holds at most the store's limit of enquiries, and the inbox says
// so when its selection is larger: before, the rest were left out unsaid.
func TestExportLimitIsSaid(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	_, page := c.get("/enquiries")
	if strings.Contains(page, "Nedlastingen tar med de første") {
		t.Error("the inbox warns of the limit below it")
	}
	ts.store.SetExportLimit(2)
	_, page = c.get("/enquiries")
	if !strings.Contains(page, "Nedlastingen tar med de første 2 henvendelsene.") {
		t.Error("the inbox does not say that the download holds only the first 2")
	}
	_, body := c.get("/enquiries/export.csv")
	if rows := strings.Count(strings.TrimSpace(body), "\n"); rows != 2 {
		t.Errorf("the export holds %d rows; want 2", rows)
	}
}

// Each count on the start page leads to a list of as many.
func TestDashboardCountsAgreeWithTheirLists(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	// The admin queue: one open, one closed.
	for i, desc := range []string{"Åpen i køen", "Lukket i køen"} {
		id, _ := submit(t, ts, "0301", desc, "")
		if i == 1 {
			e, _ := ts.store.Enquiry(ctx, adminViewer(t, ts), id)
			if _, err := ts.store.CloseEnquiry(ctx, adminViewer(t, ts), models.Actor{}, id, models.CloseInput{Outcome: "no_further_action", Version: e.Version}); err != nil {
				t.Fatal(err)
			}
		}
	}
	card := regexp.MustCompile(`href="(/enquiries\?[^"]*)"><span class="big-number">(\d+)</span>`)
	queue := regexp.MustCompile(`(\d+) henvendelser? venter i administratorkøen[^<]*<a class="ds-link" href="([^"]+)"`)
	total := regexp.MustCompile(`Antall treff: (\d+)`)
	for _, role := range []string{models.RoleAdviser, models.RoleAdmin} {
		c := ts.client(t)
		c.login(demoEmail(role), models.DemoPassword)
		_, page := c.get("/dashboard")
		var links [][2]string
		for _, m := range card.FindAllStringSubmatch(page, -1) {
			links = append(links, [2]string{html.UnescapeString(m[1]), m[2]})
		}
		if m := queue.FindStringSubmatch(page); m != nil {
			links = append(links, [2]string{html.UnescapeString(m[2]), m[1]})
		}
		if len(links) == 0 {
			t.Errorf("%s: no counts on the start page", role)
		}
		for _, l := range links {
			_, list := c.get(l[0])
			if m := total.FindStringSubmatch(list); m == nil || m[1] != l[1] {
				t.Errorf("%s: the start page says %s, and %s lists %v", role, l[1], l[0], m)
			}
		}
	}
}

// The inbox's download links hold the selection on the page: following them
// exports as many enquiries as the inbox counts. (The filters went into the
// links escaped as one unknown parameter, and the downloads held every
// enquiry: more person data than the user chose.)
func TestExportLinksKeepTheFilters(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	_, page := c.get("/enquiries?municipality=3412&sort=reference&page=1")
	total := regexp.MustCompile(`Antall treff: (\d+)`).FindStringSubmatch(page)
	link := regexp.MustCompile(`href="(/enquiries/export\.csv\?[^"]*)"`).FindStringSubmatch(page)
	if total == nil || link == nil {
		t.Fatal("no total or export link on the inbox")
	}
	_, body := c.get(html.UnescapeString(link[1]))
	if rows := strings.Count(strings.TrimSpace(body), "\n"); strconv.Itoa(rows) != total[1] {
		t.Errorf("%s exports %d rows; the inbox counts %s", link[1], rows, total[1])
	}
}

func TestAssignRefusesWhatIsNoAdviser(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, _ := submit(t, ts, "3412", "Trenger hjelp", "")
	adviser, _ := ts.store.UserByEmail(context.Background(), demoEmail(models.RoleAdviser))
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	c.get("/enquiries/" + itoa(id))
	if res, _ := c.post("/enquiries/"+itoa(id)+"/assign", url.Values{"assigned_to": {itoa(adviser.ID)}, "version": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("assign = %d", res.StatusCode)
	}
	c.get("/enquiries/" + itoa(id))
	refused(t, ts, c, "/enquiries/"+itoa(id)+"/assign", url.Values{"assigned_to": {"abc"}, "version": {"2"}})
	refused(t, ts, c, "/enquiries/"+itoa(id)+"/assign", url.Values{"version": {"2"}})
}

func TestYesNoRefusesUnknownValue(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, _ := submit(t, ts, "3412", "Trenger hjelp", "")
	a := ts.client(t)
	a.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	a.get("/enquiries/" + itoa(id))
	form := enquiryEditForm("Trenger hjelp")
	form.Set("version", "1")
	form.Set("under_30", "yes")
	if res, _ := a.post("/enquiries/"+itoa(id), form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save = %d", res.StatusCode)
	}
	a.get("/enquiries/" + itoa(id))
	form.Set("version", "2")
	form.Set("under_30", "ja")
	refused(t, ts, a, "/enquiries/"+itoa(id), form)
	// The one door, too, and the field says what is wrong.
	anon := ts.client(t)
	anon.get("/enquiry?lang=nb")
	intake := intakeForm("nb")
	intake.Set("under_30", "ja")
	refused(t, ts, anon, "/enquiry?lang=nb", intake)
	if _, body := anon.post("/enquiry?lang=nb", intake); !strings.Contains(body, "f-under_30-error") {
		t.Errorf("the one door names no error at under_30:\n%s", errorSummary(body))
	}
}

var assigneeSelect = regexp.MustCompile(`(?s)<select class="ds-input" id="f-assigned_to".*?</select>`)

// An admin opens a case of another region than the one they have chosen (an
// admin sees every region's cases). Its adviser is chosen among the case's
// region's advisers and coordinators, the only ones AssignEnquiry accepts;
// the page offered those of the admin's chosen region instead.
func TestAdminAssignsAmongTheCasesRegion(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ids := canaryRegion(t, ts) // Oslo, with its coordinator "Kanarifugl Koordinator"
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	_, dash := c.get("/dashboard")
	if !strings.Contains(dash, "Du arbeider i Hamarregionen Utvikling.") {
		t.Fatalf("the admin does not work in the demo region:\n%s", dash)
	}
	res, page := c.get("/enquiries/" + ids["enquiry"])
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the admin cannot open the Oslo case: %d", res.StatusCode)
	}
	sel := assigneeSelect.FindString(page)
	if sel == "" {
		t.Fatal("no choice of adviser on the case page")
	}
	if strings.Contains(sel, "Rune Rådgiver") {
		t.Error("the Oslo case offers the Hamar region's adviser, whom AssignEnquiry refuses")
	}
	if !strings.Contains(sel, canary+" Koordinator") {
		t.Error("the Oslo case does not offer its own region's coordinator")
	}
	// What the page offers is refused.
	ctx := context.Background()
	own, _ := ts.store.UserByEmail(ctx, "kanari@oslo.example")
	version := caseVersionField.FindStringSubmatch(page)[1]
	if res, _ := c.post("/enquiries/"+ids["enquiry"]+"/assign", url.Values{"assigned_to": {itoa(own.ID)}, "version": {version}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("assigning the adviser the page offers = %d; want 303", res.StatusCode)
	}
}

// An admin who is also the coordinator of a region has the adviser's counts
// on the start page, counted in the region they work in; each count links to
// the inbox, which for an admin lists every region's cases. With a second
// region's case received this week the card and its list disagree.
func TestAdminCoordinatorDashboardCountsAgreeWithTheirLists(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	canaryRegion(t, ts) // an Oslo case received now
	hamar, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	if _, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "drift@example.org", Name: "Drift Koordinator"}, "drift-passord-123",
		[]models.RoleGrant{{Role: models.RoleAdmin}, {RegionID: hamar.ID, Role: models.RoleCoordinator}}); err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	c.login("drift@example.org", "drift-passord-123")
	_, page := c.get("/dashboard")
	if !strings.Contains(page, "Du arbeider i Hamarregionen Utvikling.") {
		t.Fatalf("not working in the demo region:\n%s", page)
	}
	card := regexp.MustCompile(`href="(/enquiries\?[^"]*)"><span class="big-number">(\d+)</span>`)
	total := regexp.MustCompile(`Antall treff: (\d+)`)
	cards := card.FindAllStringSubmatch(page, -1)
	if len(cards) == 0 {
		t.Fatal("no counts on the start page")
	}
	for _, m := range cards {
		link := html.UnescapeString(m[1])
		_, list := c.get(link)
		if got := total.FindStringSubmatch(list); got == nil || got[1] != m[2] {
			t.Errorf("the start page says %s, and %s lists %v", m[2], link, got)
		}
		if strings.Contains(list, leak) {
			t.Errorf("%s, a count of Hamarregionen, lists the Oslo case", link)
		}
	}
}

// An admin who lets a region take on a municipality's enquiries is told how
// many open enquiries waiting in the admin queue went to the region with it,
// and the region's advisers find them in their inbox.
func TestMembershipTakesTheQueue(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	web := ts.client(t)
	form := intakeForm("nb")
	form.Set("municipality", "3420") // Elverum: no region serves it
	for i := 0; i < 2; i++ {
		web.get("/enquiry")
		form.Set("description", another("Jeg vil starte et bakeri i Elverum")) // two enquiries, not one sent twice
		if res, body := web.post("/enquiry", form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("an Elverum enquiry = %d\n%s", res.StatusCode, body)
		}
	}
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	region, _ := ts.store.RegionBySlug(context.Background(), models.DemoRegionSlug)
	page := "/admin/regions/" + itoa(region.ID)
	admin.get(page)
	res, body := admin.post(page+"/members", url.Values{"kommunenummer": {"3420"}, "joined_on": {ts.store.Today().Format("2006-01-02")}, "votes": {"1"},
		"committed_fte": {"0,2"}, "takes_enquiries": {"on"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("adding Elverum = %d\n%s", res.StatusCode, fieldError(body))
	}
	if _, body := admin.get(res.Header.Get("Location")); !strings.Contains(body, "2 åpne henvendelser fra kommunen som ventet i administratorkøen, er flyttet til regionen.") {
		t.Error("the admin is not told that the queue's two Elverum enquiries moved")
	}
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	if _, body := adviser.get("/enquiries?municipality=3420"); len(regexp.MustCompile(`href="/enquiries/[0-9]+"`).FindAllString(body, -1)) != 2 {
		t.Error("the region's adviser does not find the two Elverum enquiries")
	}
}

// An activity dated before the case came in is refused, by the page and by
// the API, with a message naming the day the case came in, and nothing
// changes: it counted as the case's answer at its receipt.
func TestActivityBeforeReceiptRefused(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c, id, path := adviserCase(t, ts)
	e, err := ts.store.Enquiry(context.Background(), adminViewer(t, ts), id)
	if err != nil {
		t.Fatal(err)
	}
	want := "Datoen er før saken kom inn " + e.ReceivedAt.In(models.Oslo).Format("02.01.2006")
	before := ts.store.Today().AddDate(0, 0, -1).Format("2006-01-02")
	tok := ts.token(t, models.RoleAdviser)
	for _, api := range []bool{false, true} {
		fp := dbFingerprint(t, ts)
		if api {
			code, out := ts.api(t, tok, http.MethodPost, "/api/v1/enquiries/"+itoa(id)+"/activities", `{"kind": "call", "occurred_on": "`+before+`", "minutes": 10, "text": "Ringte"}`)
			errs, _ := out["error"].(map[string]any)
			fields, _ := errs["fields"].(map[string]any)
			if code != http.StatusUnprocessableEntity || !strings.Contains(fmtAny(fields["occurred_on"]), want) {
				t.Errorf("API activity on %s = %d %v; want 422 with occurred_on %q", before, code, out, want)
			}
		} else {
			res, body := c.post(path+"/activities", url.Values{"kind": {"call"}, "occurred_on": {before}, "minutes": {"10"}, "text": {"Ringte"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-occurred_on-error">`+want) {
				t.Errorf("activity on %s = %d; want 422 saying %q beside the date\n%s", before, res.StatusCode, want, errorSummary(body))
			}
		}
		if dbFingerprint(t, ts) != fp {
			t.Errorf("the refused activity (API %v) changed the case", api)
		}
	}
}

// TestEnquiryHistoryDetails: the case's history words each kind of entry the
// models write about an enquiry as the audit log does (auditDetails), without
// the label its action already says, so that a new action is worded once for
// both; a detail it cannot word shows nothing rather than codes. Before, the
// history had words of its own and showed nothing for a withdrawn consent or
// an anonymisation, and "not assigned" for an adviser whose account is gone.
func TestEnquiryHistoryDetails(t *testing.T) {
	t.Parallel()
	set, err := views.New()
	if err != nil {
		t.Fatal(err)
	}
	p := page{loc: set.Localizer("nb")}
	names := &models.AuditNames{Users: map[int64]string{12: "Rune Rådgiver"}, Regions: map[int64]string{2: "Osloregionen"}}
	tests := []struct{ action, detail, want string }{
		{"create", "channel=walk_in", "Opprettet: Oppmøte"},
		{"update", "fields=needs,org_number", "Endret opplysninger: behov, organisasjonsnummer"},
		{"status", "closed->in_progress", "Endret status: Avsluttet → Under arbeid"},
		{"assign", "assigned_to=12", "Tildelte saken: Rune Rådgiver"},
		{"assign", "assigned_to=0", "Tildelte saken: Ikke tildelt"},
		{"assign", "assigned_to=13", "Tildelte saken: bruker nr. 13"}, // an account gone since
		{"activity", "kind=meeting", "La til aktivitet: Møte"},
		{"close", "outcome=guided", "Avsluttet saken: Veiledet"},
		{"route", "region=2", "Sendte saken til region: Osloregionen"},
		{"withdraw_consent", "purpose=share referrals=0", "Registrerte at personen trakk tilbake samtykket til deling: ingen åpen henvisning delte personopplysninger"},
		{"withdraw_consent", "purpose=share referrals=2", "Registrerte at personen trakk tilbake samtykket til deling: 2 åpne henvisninger sluttet å dele personopplysninger"},
		{"anonymise", "retention period ended", "Anonymiserte: Oppbevaringstiden var ute"},
		{"erase", "reason: Krav fra Kari Nordmann per e-post", "Slettet personopplysninger"}, // the reason is the audit log's
		{"anonymise", "reapplied after restore: entry=58 retention period ended", "Anonymiserte: Gjort på nytt etter gjenoppretting fra sikkerhetskopi (oppføring 58 i databasen som ble erstattet): Oppbevaringstiden var ute"},
		{"erase", "reapplied after restore: entry=57 reason: Krav fra Kari Nordmann", "Slettet personopplysninger"},
		{"close", "outcome=bogus", "Avsluttet saken"}, // not worded: no codes
		{"update", "something else", "Endret opplysninger"},
	}
	covered := map[string]bool{"view": true} // views are not in the history
	for _, tt := range tests {
		covered[tt.action] = true
		lines := historyLines(p, []models.HistoryEntry{{AuditEntry: models.AuditEntry{Action: tt.action, Object: "enquiry", Detail: tt.detail}, UserName: "Kari", Names: names}})
		got := lines[0].What
		if lines[0].Details != "" {
			got += ": " + lines[0].Details
		}
		if got != tt.want {
			t.Errorf("%s %q in the history = %q; want %q", tt.action, tt.detail, got, tt.want)
		}
	}
	for _, kind := range auditKindsWritten(t) {
		if action, ok := strings.CutSuffix(kind, " enquiry"); ok && !covered[action] {
			t.Errorf("the models write %q, which has no case here: give its action words (audit.%s) and add one", kind, action)
		}
	}
}
