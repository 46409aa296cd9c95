package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"samspill/models"
)

// closedCase is adviserCase closed as guided: the adviser's client, the case
// and its page's path.
func closedCase(t *testing.T, ts *testServer) (*client, int64, string) {
	t.Helper()
	c, id, path := adviserCase(t, ts)
	v, _ := caseVersion(t, c, id)
	if res, body := c.post(path+"/close", url.Values{"outcome": {"guided"}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("close = %d\n%s", res.StatusCode, errorSummary(body))
	}
	return c, id, path
}

// A closed case is reopened before it is worked on again: assigning it,
// logging an activity on it or referring it is refused, by the page (a form
// left open while a colleague closed the case) and by the API, saying to
// reopen it, and nothing changes. The case page offers none of those forms on
// a closed case, only the reopening and a word on why.
func TestClosedCaseIsReopenedFirst(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	adviser, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	c, id, path := adviserCase(t, ts)
	stale, page := caseVersion(t, c, id) // the forms as they were before it closed
	for _, form := range []string{`action="` + path + `/assign"`, `action="` + path + `/activities"`, `action="` + path + `/referrals"`} {
		if !strings.Contains(page, form) {
			t.Fatalf("the open case's page lacks the form %s", form)
		}
	}
	v, _ := caseVersion(t, c, id)
	if res, _ := c.post(path+"/close", url.Values{"outcome": {"guided"}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("close = %d", res.StatusCode)
	}
	v, page = caseVersion(t, c, id)
	for _, form := range []string{`action="` + path + `/assign"`, `action="` + path + `/activities"`, `action="` + path + `/referrals"`} {
		if strings.Contains(page, form) {
			t.Errorf("the closed case's page offers the form %s", form)
		}
	}
	for _, note := range []string{"Gjenåpne saken før du tildeler den", "Gjenåpne saken før du fører en aktivitet", "Gjenåpne saken før du henviser den"} {
		if !strings.Contains(page, note) {
			t.Errorf("the closed case's page does not say %q", note)
		}
	}
	tok := ts.token(t, models.RoleAdviser)
	innovasjon := partnerID(t, ts, "Innovasjon Norge")
	for _, tt := range []struct {
		name, path string
		form       url.Values
		api        string // the JSON body of an API POST to path, if not a page form
		want       string
	}{
		{"assign", path + "/assign", url.Values{"assigned_to": {itoa(adviser.ID)}, "version": {v}}, "", "Gjenåpne saken før du tildeler den"},
		{"assign from the stale page", path + "/assign", url.Values{"assigned_to": {itoa(adviser.ID)}, "version": {stale}}, "", "Gjenåpne saken før du tildeler den"},
		{"activity", path + "/activities", url.Values{"kind": {"call"}, "occurred_on": {ts.store.Today().Format("2006-01-02")}, "minutes": {"10"}, "text": {"Ringte"}}, "", "Gjenåpne saken før du fører en aktivitet"},
		// A stale form with a typing error: the case's closing is said, not
		// the typing error of a form the closed case's page does not draw.
		{"activity with typing errors", path + "/activities", url.Values{"kind": {"call"}, "occurred_on": {"31.12.2026"}, "minutes": {"ti"}, "text": {"Ringte"}}, "", "Gjenåpne saken før du fører en aktivitet"},
		{"referral", path + "/referrals", url.Values{"partner_id": {innovasjon}, "reason": {"financing"}, "send": {"send"}}, "", "Gjenåpne saken før du henviser den"},
		{"referral with a typing error", path + "/referrals", url.Values{"partner_id": {innovasjon}, "reason": {"financing"}, "follow_up_due": {"i morgen"}, "send": {"send"}}, "", "Gjenåpne saken før du henviser den"},
		{"referral draft", path + "/referrals", url.Values{"partner_id": {innovasjon}, "reason": {"financing"}, "send": {"draft"}}, "", "Gjenåpne saken før du henviser den"},
		{"API activity", "/api/v1/enquiries/" + itoa(id) + "/activities", nil, `{"kind": "call", "minutes": 10, "text": "Ringte"}`, "Gjenåpne saken før du fører en aktivitet"},
		{"API referral", "/api/v1/enquiries/" + itoa(id) + "/referrals", nil, `{"partner_id": ` + innovasjon + `, "reason": "financing"}`, "Gjenåpne saken før du henviser den"},
		{"API activity with a typing error", "/api/v1/enquiries/" + itoa(id) + "/activities", nil, `{"kind": "call", "occurred_on": "31.12.2026", "text": "Ringte"}`, "Gjenåpne saken før du fører en aktivitet"},
		{"API referral with a typing error", "/api/v1/enquiries/" + itoa(id) + "/referrals", nil, `{"partner_id": ` + innovasjon + `, "reason": "financing", "follow_up_due": "i morgen"}`, "Gjenåpne saken før du henviser den"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkClosedRefusal(t, ts, c, tok, http.MethodPost, tt.path, tt.form, tt.api, tt.want)
		})
	}
}

// checkClosedRefusal sends work on a closed case, the form by c or the JSON
// api (by method, with tok), and checks that it is refused with 422 saying to
// reopen the case (want), alone at the top of the page or on the API's
// status, and that nothing changed.
func checkClosedRefusal(t *testing.T, ts *testServer, c *client, tok, method, path string, form url.Values, api, want string) {
	t.Helper()
	before := dbFingerprint(t, ts)
	if api != "" {
		code, out := ts.api(t, tok, method, path, api)
		errs, _ := out["error"].(map[string]any)
		fields, _ := errs["fields"].(map[string]any)
		if code != http.StatusUnprocessableEntity || errs["code"] != "invalid" || !strings.Contains(fmtAny(fields["status"]), want) {
			t.Errorf("%s %s %s = %d %v; want 422 with status %q", method, path, api, code, out, want)
		}
	} else {
		res, body := c.post(path, form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"><p class="ds-paragraph">Saken er avsluttet. `+want) {
			t.Errorf("POST %s = %d; want 422 saying %q at the top\n%s", path, res.StatusCode, want, errorSummary(body))
		}
	}
	if dbFingerprint(t, ts) != before {
		t.Errorf("%s %s changed the closed case", method, path)
	}
}

func fmtAny(v any) string {
	s, _ := v.(string)
	return s
}

// The closing form says how many of the case's referrals are still open with
// the partner (they stay open, and the partner may still answer), and that
// unsent drafts are sent or discarded first; closing with a draft is refused,
// saying so, and changes nothing. Once the draft is discarded the case closes.
func TestClosingFormTellsOfOpenReferralsAndDrafts(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c, id, path := adviserCase(t, ts)
	for _, form := range []url.Values{
		{"partner_id": {partnerID(t, ts, "Innovasjon Norge")}, "reason": {"financing"}, "send": {"send"}},
		{"partner_id": {partnerID(t, ts, "Siva")}, "reason": {"premises_land"}, "send": {"draft"}},
	} {
		if res, body := c.post(path+"/referrals", form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("refer = %d\n%s", res.StatusCode, errorSummary(body))
		}
	}
	v, page := caseVersion(t, c, id)
	for _, want := range []string{"1 henvisning er fortsatt åpen hos partneren", "Saken har 1 utkast til henvisning som ikke er sendt"} {
		if !strings.Contains(page, want) {
			t.Errorf("the closing form does not say %q", want)
		}
	}
	before := dbFingerprint(t, ts)
	res, body := c.post(path+"/close", url.Values{"outcome": {"referred"}, "version": {v}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"><p class="ds-paragraph">Saken har utkast til henvisninger som ikke er sendt`) {
		t.Errorf("closing with a draft = %d; want 422 saying so at the top\n%s", res.StatusCode, errorSummary(body))
	}
	if dbFingerprint(t, ts) != before {
		t.Error("the refused closing changed the case")
	}
	refs, err := ts.store.EnquiryReferrals(context.Background(), adminViewer(t, ts), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range refs {
		if r.Status == "draft" {
			if res, _ := c.post("/referrals/"+itoa(r.ID)+"/discard", url.Values{"version": {itoa(int64(r.Version))}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("discard = %d", res.StatusCode)
			}
		}
	}
	if res, body := c.post(path+"/close", url.Values{"outcome": {"referred"}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("closing with the draft discarded = %d\n%s", res.StatusCode, errorSummary(body))
	}
}

// The API closes a case as the page does: PATCH "status": "closed" with the
// closing form's outcome fields (outcome, outcome_org_number when
// established, jobs_expected, jobs_created), checked as the form is. A
// closing carries nothing else, and an outcome comes only with a closing.
// Refused, nothing changes. It answered 422 "close it on the case page".
func TestAPIClosesTheCase(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	_, id, _ := adviserCase(t, ts)
	tok := ts.token(t, models.RoleAdviser)
	path := "/api/v1/enquiries/" + itoa(id)
	_, out := ts.api(t, tok, http.MethodGet, path, "")
	v := int64(out["version"].(float64))
	ver := `"version": ` + itoa(v)
	for _, tt := range []struct {
		name, body string
		code       int
		field      string // the field the refusal names
	}{
		{"no outcome", `{"status": "closed", ` + ver + `}`, http.StatusUnprocessableEntity, "outcome"},
		{"unknown outcome", `{"status": "closed", "outcome": "solved", ` + ver + `}`, http.StatusUnprocessableEntity, "outcome"},
		{"established without its company", `{"status": "closed", "outcome": "established", ` + ver + `}`, http.StatusUnprocessableEntity, "outcome_org_number"},
		{"bad org number", `{"status": "closed", "outcome": "established", "outcome_org_number": "123456789", ` + ver + `}`, http.StatusUnprocessableEntity, "outcome_org_number"},
		{"jobs out of range", `{"status": "closed", "outcome": "guided", "jobs_expected": -1, ` + ver + `}`, http.StatusUnprocessableEntity, "jobs_expected"},
		{"jobs not a number", `{"status": "closed", "outcome": "guided", "jobs_created": "mange", ` + ver + `}`, http.StatusBadRequest, "jobs_created"},
		{"an edit with the closing", `{"status": "closed", "outcome": "guided", "description": "Ferdig", ` + ver + `}`, http.StatusUnprocessableEntity, "description"},
		{"an outcome without closing", `{"outcome": "guided", ` + ver + `}`, http.StatusUnprocessableEntity, "outcome"},
		{"jobs without closing", `{"jobs_created": 2, "status": "in_progress", ` + ver + `}`, http.StatusUnprocessableEntity, "jobs_created"},
		{"no version", `{"status": "closed", "outcome": "guided"}`, http.StatusUnprocessableEntity, "version"},
		{"stale version", `{"status": "closed", "outcome": "guided", "version": ` + itoa(v-1) + `}`, http.StatusConflict, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := dbFingerprint(t, ts)
			code, out := ts.api(t, tok, http.MethodPatch, path, tt.body)
			errs, _ := out["error"].(map[string]any)
			fields, _ := errs["fields"].(map[string]any)
			if code != tt.code || (tt.field != "" && fields[tt.field] == nil) {
				t.Errorf("PATCH %s = %d %v; want %d naming %q", tt.body, code, out, tt.code, tt.field)
			}
			if dbFingerprint(t, ts) != before {
				t.Errorf("PATCH %s changed the case", tt.body)
			}
		})
	}
	// A new case is not closed in the same request: the refusal says the
	// outcome comes at closing, not how to close (which a POST cannot).
	if code, out := ts.api(t, tok, http.MethodPost, "/api/v1/enquiries", `{"municipality": "3412", "enquirer_kind": "other", "needs": ["financing"], "description": "Ny", "name": "Ola", "email": "ola@example.org", "consent_store": true, "outcome": "guided"}`); code != http.StatusUnprocessableEntity ||
		!strings.Contains(mustJSON(t, out), "Utfallet registreres når saken avsluttes, ikke når den registreres") {
		t.Errorf("POST with an outcome = %d %v; want 422 saying the outcome comes at closing", code, out)
	}
	code, out := ts.api(t, tok, http.MethodPatch, path, `{"status": "closed", "outcome": "established", "outcome_org_number": "923 609 016", "jobs_expected": 3, `+ver+`}`)
	if code != http.StatusOK || out["status"] != "closed" || out["outcome"] != "established" || out["outcome_org_number"] != "923609016" ||
		out["jobs_expected"] != float64(3) || out["jobs_created"] != nil || out["closed_at"] == nil || out["version"] != float64(v+1) {
		t.Fatalf("closing PATCH = %d %v", code, out)
	}
	// Closing a closed case again would move its closing time, and with it
	// the retention clock: the outcome is changed by reopening first.
	before := dbFingerprint(t, ts)
	code, out = ts.api(t, tok, http.MethodPatch, path, `{"status": "closed", "outcome": "guided", "version": `+itoa(v+1)+`}`)
	errObj, _ := out["error"].(map[string]any)
	if fields, _ := errObj["fields"].(map[string]any); code != http.StatusUnprocessableEntity || fields["status"] == nil || dbFingerprint(t, ts) != before {
		t.Errorf("closing the closed case again = %d %v; want 422 on status, nothing changed", code, out)
	}
	// Closed as it is, a case is reopened with a working status.
	code, out = ts.api(t, tok, http.MethodPatch, path, `{"status": "in_progress", "version": `+itoa(v+1)+`}`)
	if code != http.StatusOK || out["status"] != "in_progress" || out["outcome"] != "" || out["jobs_expected"] != float64(3) {
		t.Errorf("reopening PATCH = %d %v", code, out)
	}
}

// A case with an unsent draft does not offer a closing that would be refused:
// the closing section says to send or discard the draft, with no outcome to
// choose and no "Avslutt" button; once the draft is gone the form is back.
// Before, the form was drawn under the warning and its button led to the
// refusal.
func TestClosingFormNotOfferedWithDrafts(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c, id, path := adviserCase(t, ts)
	closeForm := `action="` + path + `/close"`
	if _, page := c.get(path); !strings.Contains(page, closeForm) {
		t.Fatal("the open case without drafts offers no closing form")
	}
	if res, body := c.post(path+"/referrals", url.Values{"partner_id": {partnerID(t, ts, "Siva")}, "reason": {"premises_land"}, "send": {"draft"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("draft = %d\n%s", res.StatusCode, errorSummary(body))
	}
	_, page := c.get(path)
	if strings.Contains(page, closeForm) || !strings.Contains(page, "Saken har 1 utkast til henvisning som ikke er sendt") {
		t.Error("the case with a draft offers the closing form, or does not say why it cannot be closed")
	}
	if !strings.Contains(page, `<a class="ds-link" href="#s-referrals">Gå til henvisningene</a>`) {
		t.Error("the warning does not lead to the referrals, where the draft is sent or discarded")
	}
	refs, err := ts.store.EnquiryReferrals(context.Background(), adminViewer(t, ts), id)
	if err != nil || len(refs) != 1 {
		t.Fatalf("referrals: %d, %v", len(refs), err)
	}
	if res, _ := c.post("/referrals/"+itoa(refs[0].ID)+"/discard", url.Values{"version": {itoa(int64(refs[0].Version))}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("discard = %d", res.StatusCode)
	}
	if _, page := c.get(path); !strings.Contains(page, closeForm) {
		t.Error("the closing form is not back once the draft is discarded")
	}
}

// Referring from the case page says whether the referral went to the partner
// or was kept as a draft: both said "Henvisningen er lagret", and an adviser
// who pressed "Lagre som utkast" could not tell that nothing was sent, which
// later stops the closing.
func TestReferringSaysSentOrDraft(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, tt := range []struct{ send, want string }{
		{"send", "Henvisningen er sendt til partneren."},
		{"draft", "Utkastet er lagret. Det er ikke sendt til partneren ennå."},
	} {
		c, _, path := adviserCase(t, ts)
		res, body := c.post(path+"/referrals", url.Values{"partner_id": {partnerID(t, ts, "Siva")}, "reason": {"premises_land"}, "send": {tt.send}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s = %d\n%s", tt.send, res.StatusCode, errorSummary(body))
		}
		if _, page := c.get(res.Header.Get("Location")); !strings.Contains(page, tt.want) {
			t.Errorf("%s: the case page does not say %q", tt.send, tt.want)
		}
	}
}

// Sending a draft from its page says it went to the partner, as referring
// from the case page does; it said "Status er endret".
func TestSendingADraftSaysItWasSent(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c, id, path := adviserCase(t, ts)
	if res, body := c.post(path+"/referrals", url.Values{"partner_id": {partnerID(t, ts, "Siva")}, "reason": {"premises_land"}, "send": {"draft"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("draft = %d\n%s", res.StatusCode, errorSummary(body))
	}
	refs, err := ts.store.EnquiryReferrals(context.Background(), adminViewer(t, ts), id)
	if err != nil || len(refs) != 1 {
		t.Fatalf("referrals: %d, %v", len(refs), err)
	}
	res, body := c.post("/referrals/"+itoa(refs[0].ID)+"/status", url.Values{"status": {"sent"}, "version": {itoa(int64(refs[0].Version))}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("send the draft = %d\n%s", res.StatusCode, errorSummary(body))
	}
	if _, page := c.get(res.Header.Get("Location")); !strings.Contains(page, "Henvisningen er sendt til partneren.") {
		t.Error("the referral's page does not say the draft was sent")
	}
}

// closedSharedCase is a new case with consent to share, closed as guided by
// the adviser: the adviser's client and the case.
func closedSharedCase(t *testing.T, ts *testServer) (*client, int64) {
	t.Helper()
	id, _ := submitShared(t, ts, true)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	v, _ := caseVersion(t, c, id)
	if res, body := c.post("/enquiries/"+itoa(id)+"/close", url.Values{"outcome": {"guided"}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("close = %d\n%s", res.StatusCode, errorSummary(body))
	}
	return c, id
}

// A closed case is reopened before its fields are edited or it is routed to
// another region, as before it is assigned: by the page (a form left open
// while a colleague closed the case) and by the API, saying to reopen it, and
// nothing changes. The closed case's page offers neither form, only a word on
// why. Both were saved on the closed case. What the person asks for stays
// possible on a closed case (GDPR): withdrawing the consent to share, by the
// page or the API, and erasing their data.
func TestClosedCaseIsReopenedBeforeEditOrRouting(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	_, oslo := twoRegions(t, ts)
	c, id := closedSharedCase(t, ts)
	path := "/enquiries/" + itoa(id)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	v, page := caseVersion(t, admin, id)
	for _, form := range []string{`action="` + path + `" class="stack"`, `action="` + path + `/region"`} {
		if strings.Contains(page, form) {
			t.Errorf("the closed case's page offers the form %s", form)
		}
	}
	const toEdit, toRoute = "Gjenåpne saken før du endrer den", "Gjenåpne saken før du sender den til en annen region"
	for _, note := range []string{toEdit, toRoute} {
		if !strings.Contains(page, note) {
			t.Errorf("the closed case's page does not say %q", note)
		}
	}
	edit := func(description, municipality string, more ...string) url.Values {
		f := enquiryEditForm(description)
		f.Set("municipality", municipality)
		f.Set("version", v)
		for i := 0; i+1 < len(more); i += 2 {
			f.Set(more[i], more[i+1])
		}
		return f
	}
	tok := ts.token(t, models.RoleAdmin)
	ver := `"version": ` + v
	for _, tt := range []struct {
		name, path string
		form       url.Values
		api        string // the JSON body of an API PATCH to path, if not a page form
		want       string
	}{
		{"edit", path, edit("Endret etter avslutningen", "3412"), "", toEdit},
		{"another municipality", path, edit("Hemmelig plan", "3403"), "", toEdit},
		// A stale form with a typing error: the case's closing is said, not
		// the typing error of a form the closed case's page does not draw.
		{"edit with a typing error", path, edit("Endret etter avslutningen", "3412", "under_30", "kanskje"), "", toEdit},
		{"route", path + "/region", url.Values{"region_id": {itoa(oslo.ID)}, "version": {v}}, "", toRoute},
		{"API edit", "/api/v1/enquiries/" + itoa(id), nil, `{"description": "Endret etter avslutningen", ` + ver + `}`, toEdit},
		{"API another municipality", "/api/v1/enquiries/" + itoa(id), nil, `{"municipality": "3403", ` + ver + `}`, toEdit},
		{"API edit sending the closed status", "/api/v1/enquiries/" + itoa(id), nil, `{"status": "closed", "name": "Kari", ` + ver + `}`, toEdit},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkClosedRefusal(t, ts, admin, tok, http.MethodPatch, tt.path, tt.form, tt.api, tt.want)
		})
	}

	// The consent to share is withdrawn on a closed case, by the page's form
	// and by the API.
	if res, body := c.post(path+"/withdraw-consent", url.Values{"confirm": {"on"}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("withdrawing the consent on the closed case's page = %d\n%s", res.StatusCode, errorSummary(body))
	}
	_, other := closedSharedCase(t, ts)
	_, out := ts.api(t, tok, http.MethodGet, "/api/v1/enquiries/"+itoa(other), "")
	if code, out := ts.api(t, tok, http.MethodPatch, "/api/v1/enquiries/"+itoa(other), `{"consent_share": false, "version": `+fmtNum(out["version"])+`}`); code != http.StatusOK || out["consent_share"] != false || out["status"] != "closed" {
		t.Errorf("withdrawing the consent on the closed case by the API = %d %v", code, out)
	}
	for _, e := range []int64{id, other} {
		got, err := ts.store.Enquiry(context.Background(), adminViewer(t, ts), e)
		if err != nil || got.ConsentShare || got.Status != "closed" {
			t.Errorf("case %d after the withdrawal: consent to share %v, status %q (%v); want withdrawn and still closed", e, got.ConsentShare, got.Status, err)
		}
	}
	// The person's data is erased from both closed cases.
	if res, body := admin.post("/admin/privacy/erase", url.Values{"email": {"test@example.org"}, "reason": {"Krav per e-post"}}); res.StatusCode != http.StatusOK || !strings.Contains(body, "fjernet fra 2 henvendelser") {
		t.Errorf("erasing the person of the closed cases = %d\n%s", res.StatusCode, errorSummary(body))
	}
	if _, page := admin.get(path); strings.Contains(page, "Testperson Tester") || strings.Contains(page, "Hemmelig plan") {
		t.Error("the erased closed case still shows person data")
	}
}

func fmtNum(v any) string {
	f, _ := v.(float64)
	return itoa(int64(f))
}

// Closing a case that is closed already is refused saying to reopen it, alone,
// also when the closing has a typing error or lacks its version: the one-round
// check of a closing (its outcome and the case's drafts) is for an open case,
// and a closed case's refusal is said first, as for its other work.
func TestClosingAClosedCaseSaysReopenFirst(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c, id, path := closedCase(t, ts)
	v, _ := caseVersion(t, c, id)
	const want = "Saken er allerede avsluttet. Gjenåpne saken hvis utfallet skal endres."
	tok := ts.token(t, models.RoleAdviser)
	for _, tt := range []struct {
		name string
		form url.Values
		api  string
	}{
		{"form", url.Values{"outcome": {"referred"}, "version": {v}}, ""},
		{"form with a typing error", url.Values{"outcome": {"referred"}, "jobs_expected": {"ti"}, "version": {v}}, ""},
		{"form with a typing error and no outcome", url.Values{"jobs_expected": {"ti"}, "version": {v}}, ""},
		{"API", nil, `{"status": "closed", "outcome": "referred", "version": ` + v + `}`},
		{"API without version", nil, `{"status": "closed", "outcome": "referred"}`},
		{"API without version, a bad outcome", nil, `{"status": "closed", "outcome": "kanskje"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := dbFingerprint(t, ts)
			if tt.api != "" {
				code, out := ts.api(t, tok, http.MethodPatch, "/api/v1/enquiries/"+itoa(id), tt.api)
				errs, _ := out["error"].(map[string]any)
				fields, _ := errs["fields"].(map[string]any)
				if code != http.StatusUnprocessableEntity || fmtAny(fields["status"]) != want || len(fields) != 1 {
					t.Errorf("PATCH = %d %v; want 422 with status %q alone", code, out, want)
				}
			} else {
				res, body := c.post(path+"/close", tt.form)
				if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"><p class="ds-paragraph">`+want) ||
					strings.Contains(errorSummary(body), "Skriv et tall") {
					t.Errorf("POST close = %d; want 422 saying %q alone at the top\n%s", res.StatusCode, want, errorSummary(body))
				}
			}
			if dbFingerprint(t, ts) != before {
				t.Error("the refused closing changed the closed case")
			}
		})
	}
}

// The reopening form of a closed case offers only the statuses the case can
// take: "Ny" not while an adviser holds it, "Tildelt" not while none does.
// Chosen, they were refused telling the reader to assign or unassign the case
// first, which a closed case's page does not offer. An open case's status
// form offers all four: its assign form is beside it.
func TestReopenOffersOnlyStatusesTheCaseCanTake(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	adviser, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	statusForm := func(t *testing.T, c *client, path string) string {
		t.Helper()
		_, page := c.get(path)
		start := strings.Index(page, `action="`+path+`/status"`)
		if start < 0 {
			t.Fatalf("%s has no status form", path)
		}
		end := strings.Index(page[start:], "</form>")
		return page[start : start+end]
	}
	offers := func(form, status string) bool { return strings.Contains(form, `<option value="`+status+`"`) }

	// Closed while nobody held it.
	c, _, path := closedCase(t, ts)
	if form := statusForm(t, c, path); offers(form, "assigned") || !offers(form, "new") || !offers(form, "in_progress") {
		t.Errorf("an unassigned closed case's reopening offers:\n%s\nwant new, in progress and waiting, not assigned", form)
	}

	// Held by an adviser: open, then closed.
	c, id, path := adviserCase(t, ts)
	v, _ := caseVersion(t, c, id)
	if res, _ := c.post(path+"/assign", url.Values{"assigned_to": {itoa(adviser.ID)}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("assign = %d", res.StatusCode)
	}
	if form := statusForm(t, c, path); !offers(form, "new") || !offers(form, "assigned") {
		t.Errorf("an open case's status form offers:\n%s\nwant all four", form)
	}
	v, _ = caseVersion(t, c, id)
	if res, _ := c.post(path+"/close", url.Values{"outcome": {"guided"}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("close = %d", res.StatusCode)
	}
	form := statusForm(t, c, path)
	if offers(form, "new") || !offers(form, "assigned") || !offers(form, "waiting") {
		t.Errorf("an assigned closed case's reopening offers:\n%s\nwant assigned, in progress and waiting, not new", form)
	}
	if !strings.Contains(form, `<option value="in_progress" selected`) {
		t.Errorf("the reopening does not choose in progress:\n%s", form)
	}
}

// A sent referral's text is what the partner got: a PATCH of it (contact,
// reason, message, sharing) is refused saying only a draft's text changes,
// first and alone, not after a round about its version and text, as a closed
// case's refusal is; nothing changes. It answered the missing version and the
// text's errors first, and the draft-only refusal in a second round.
func TestAPISentReferralTextRefusedAlone(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := mustSubmit(t, ts)
	for _, role := range []string{models.RoleAdviser, models.RoleCoordinator} {
		tok := ts.token(t, role)
		status, out := ts.api(t, tok, http.MethodPost, "/api/v1/enquiries/"+itoa(id)+"/referrals",
			`{"partner_id": `+partnerID(t, ts, map[string]string{models.RoleAdviser: "Innovasjon Norge", models.RoleCoordinator: "Siva"}[role])+`, "reason": "financing", "message": "Trenger kapital"}`)
		if status != http.StatusCreated || out["status"] == "draft" {
			t.Fatalf("referral = %d %v", status, out)
		}
		path := "/api/v1/referrals/" + itoa(int64(out["id"].(float64)))
		v := itoa(int64(out["version"].(float64)))
		for _, tt := range []struct{ name, body string }{
			{"no version", `{"message": "Ny tekst"}`},
			{"no version, a bad reason", `{"reason": "bogus", "contact_email": "ikke en adresse"}`},
			{"a bad reason", `{"reason": "bogus", "version": ` + v + `}`},
			{"a good text", `{"message": "Ny tekst", "version": ` + v + `}`},
		} {
			t.Run(role+" "+tt.name, func(t *testing.T) {
				before := dbFingerprint(t, ts)
				code, out := ts.api(t, tok, http.MethodPatch, path, tt.body)
				errs, _ := out["error"].(map[string]any)
				fields, _ := errs["fields"].(map[string]any)
				if code != http.StatusUnprocessableEntity || len(fields) != 1 || !strings.HasPrefix(fmtAny(fields["status"]), "Bare et utkast kan endres.") {
					t.Errorf("PATCH %s %s = %d %v; want 422 saying only a draft's text changes, alone", path, tt.body, code, out)
				}
				if dbFingerprint(t, ts) != before {
					t.Errorf("PATCH %s %s changed something", path, tt.body)
				}
			})
		}
	}
}
