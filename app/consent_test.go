package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"samspill/models"
)

// withdrawForm is the case page's form that records a withdrawn consent to share.
func withdrawForm(id int64) string { return `action="/enquiries/` + itoa(id) + `/withdraw-consent"` }

// The consent line names its text's version, a day (ConsentVersion): as
// every date on the pages, dd.mm.yyyy, in Bokmål and English alike. It
// showed 2026-11-27.
func TestConsentVersionShownAsDate(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, _ := submitShared(t, ts, true)
	day, err := time.Parse("2006-01-02", ConsentVersion)
	if err != nil {
		t.Fatalf("ConsentVersion %q is no day: %v", ConsentVersion, err)
	}
	for _, lang := range []struct{ code, want string }{
		{"nb", "tekstversjon " + day.Format("02.01.2006")},
		{"en", "text version " + day.Format("02.01.2006")},
	} {
		adviser := ts.client(t)
		adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
		adviser.get("/dashboard")
		adviser.post("/language", url.Values{"lang": {lang.code}, "back": {"/"}})
		_, page := adviser.get("/enquiries/" + itoa(id))
		if !strings.Contains(page, lang.want) || strings.Contains(page, ConsentVersion) {
			t.Errorf("%s: the consents do not show %q (the version as a date), or show %s", lang.code, lang.want, ConsentVersion)
		}
	}
}

// An adviser records on the case page that the person withdrew consent to
// share: a confirmed form with CSRF and the version. Refused attempts change
// nothing; once recorded, the case says so, the consents show both giving and
// withdrawing, and no partner sees the person (page, API, one-time link made
// before), nor can a new referral share.
func TestWithdrawShareConsentPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	id, _ := submitShared(t, ts, true)
	path := "/enquiries/" + itoa(id)
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	_, page := adviser.get(path)
	if !strings.Contains(page, withdrawForm(id)) {
		t.Fatal("the case page offers no way to record a withdrawn consent to share")
	}
	form := url.Values{"partner_id": {partnerID(t, ts, "Innovasjon Norge")}, "reason": {"financing"}, "message": {"Oppsummering"}, "send": {"send"}, "share_personal_data": {"on"}}
	if res, body := adviser.post(path+"/referrals", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("refer = %d\n%s", res.StatusCode, excerpt(body))
	}
	_, page = adviser.get(path)
	rid := referralLink.FindStringSubmatch(page)[1]
	adviser.get("/referrals/" + rid)
	_, linkPage := adviser.post("/referrals/"+rid+"/link", nil)
	lm := oneTimeLink.FindStringSubmatch(linkPage)
	if lm == nil {
		t.Fatal("no one-time link shown")
	}
	partner := ts.client(t)
	partner.login(demoEmail(models.RolePartner), models.DemoPassword)
	if _, p := partner.get("/referrals/" + rid); !strings.Contains(p, "Testperson") {
		t.Fatal("before withdrawal the partner does not see the shared person")
	}

	e, _ := ts.store.Enquiry(ctx, adminViewer(t, ts), id)
	version := itoa(int64(e.Version))
	board := ts.client(t)
	board.login(demoEmail(models.RoleBoard), models.DemoPassword)
	board.get("/dashboard")
	adviser.get(path)
	refused := []struct {
		name string
		c    *client
		form url.Values
		want int
	}{
		{"forged CSRF", adviser, url.Values{"_csrf": {"forged"}, "confirm": {"on"}, "version": {version}}, http.StatusForbidden},
		{"not confirmed", adviser, url.Values{"version": {version}}, http.StatusUnprocessableEntity},
		{"stale version", adviser, url.Values{"confirm": {"on"}, "version": {"99"}}, http.StatusConflict},
		{"board", board, url.Values{"confirm": {"on"}, "version": {version}}, http.StatusNotFound}, // a record route: refused as out of scope
	}
	for _, r := range refused {
		res, body := r.c.post(path+"/withdraw-consent", r.form)
		if res.StatusCode != r.want {
			t.Errorf("%s: %d; want %d", r.name, res.StatusCode, r.want)
		}
		if r.name == "not confirmed" && !strings.Contains(body, "Kryss av for å bekrefte") {
			t.Errorf("not confirmed: the page does not say what is missing\n%s", excerpt(body))
		}
		if r.name == "stale version" && !strings.Contains(body, "Noen andre") && !strings.Contains(body, "endret") {
			t.Errorf("stale version: the page does not say the case changed")
		}
	}
	if got, _ := ts.store.Enquiry(ctx, adminViewer(t, ts), id); !got.ConsentShare || got.Version != e.Version {
		t.Fatalf("after refusals: consent %t, version %d; want unchanged", got.ConsentShare, got.Version)
	}

	adviser.get(path)
	res, _ := adviser.post(path+"/withdraw-consent", url.Values{"confirm": {"on"}, "version": {version}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path {
		t.Fatalf("withdraw = %d to %q; want 303 to the case", res.StatusCode, res.Header.Get("Location"))
	}
	_, page = adviser.get(path)
	for _, want := range []string{"Tilbaketrekkingen er registrert", "trakk tilbake samtykket til deling", "Trukket tilbake", "Kan ikke velges: personen har trukket tilbake samtykket"} {
		if !strings.Contains(page, want) {
			t.Errorf("the case page after withdrawal lacks %q", want)
		}
	}
	if strings.Contains(page, withdrawForm(id)) {
		t.Error("the case page still offers to withdraw a consent already withdrawn")
	}
	if !strings.Contains(page, `name="share_personal_data" value="on" disabled`) {
		t.Error("the refer form still lets the adviser share")
	}

	// No partner sees the person any more.
	_, p := partner.get("/referrals/" + rid)
	_, api := ts.api(t, ts.token(t, models.RolePartner), http.MethodGet, "/api/v1/referrals/"+rid, "")
	_, apiList := ts.api(t, ts.token(t, models.RolePartner), http.MethodGet, "/api/v1/referrals", "")
	_, viaLink := ts.client(t).get(lm[1])
	for name, body := range map[string]string{"page": p, "API": mustJSON(t, api), "API list": mustJSON(t, apiList), "link": viaLink} {
		for _, leak := range []string{"Testperson", "test@example.org", "Hemmelig"} {
			if strings.Contains(body, leak) {
				t.Errorf("partner %s shows %q after withdrawal", name, leak)
			}
		}
	}
	if api["share_personal_data"] != false {
		t.Errorf("API share_personal_data = %v; want false", api["share_personal_data"])
	}
	// A new referral cannot share.
	adviser.get(path)
	form = url.Values{"partner_id": {partnerID(t, ts, "Siva")}, "reason": {"financing"}, "send": {"send"}, "share_personal_data": {"on"}}
	if res, _ := adviser.post(path+"/referrals", form); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("sharing in a new referral after withdrawal = %d; want 422", res.StatusCode)
	}
}

// In the API, PATCH with consent_share false (and the version) withdraws the
// consent to share; true is refused once withdrawn (consent is given when the
// enquiry is registered; true sent back while it holds is no change), as is
// consent_store false (withdrawn by erasure), each naming the field, and a
// stale version is a conflict.
func TestWithdrawShareConsentAPI(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	id, _ := submitShared(t, ts, true)
	path := "/api/v1/enquiries/" + itoa(id)
	tok := ts.token(t, models.RoleAdviser)
	refused := []struct {
		token, body string
		want        int
		field, says string
	}{
		{tok, `{"consent_store": false, "version": 1}`, http.StatusUnprocessableEntity, "consent_store", "slett"},
		{tok, `{"consent_share": false, "version": 9}`, http.StatusConflict, "", ""},
		{tok, `{"consent_share": false}`, http.StatusUnprocessableEntity, "version", ""},
		{ts.token(t, models.RoleBoard), `{"consent_share": false, "version": 1}`, http.StatusNotFound, "", ""},
	}
	for _, r := range refused {
		status, out := ts.api(t, r.token, http.MethodPatch, path, r.body)
		if status != r.want {
			t.Errorf("PATCH %s = %d %v; want %d", r.body, status, out, r.want)
			continue
		}
		if r.field != "" {
			e, _ := out["error"].(map[string]any)
			fields, _ := e["fields"].(map[string]any)
			msg, _ := fields[r.field].(string)
			if msg == "" || !strings.Contains(strings.ToLower(msg), r.says) {
				t.Errorf("PATCH %s: %s = %q; want it to say %q", r.body, r.field, msg, r.says)
			}
		}
	}
	if e, _ := ts.store.Enquiry(ctx, adminViewer(t, ts), id); !e.ConsentShare || e.Version != 1 {
		t.Fatalf("after refusals: consent %t, version %d; want true, 1", e.ConsentShare, e.Version)
	}
	status, out := ts.api(t, tok, http.MethodPatch, path, `{"consent_share": false, "version": 1}`)
	if status != http.StatusOK || out["consent_share"] != false || out["version"] != float64(2) {
		t.Fatalf("withdraw by PATCH = %d %v; want 200, consent_share false, version 2", status, out)
	}
	consents, err := ts.store.Consents(ctx, adminViewer(t, ts), id)
	if err != nil || len(consents) != 3 || !consents[2].Withdrawal() || consents[2].Recorder == nil || consents[2].Recorder.Name == "" {
		t.Errorf("consents after PATCH = %+v (%v); want the withdrawal, by the adviser", consents, err)
	}
	// Sent back as read: no change, no error.
	if status, out := ts.api(t, tok, http.MethodPatch, path, `{"consent_share": false, "version": 2}`); status != http.StatusOK || out["version"] != float64(2) {
		t.Errorf("PATCH consent_share false again = %d %v; want 200, version 2", status, out)
	}
	// Given again here it is refused: consent is given at registration.
	status, out = ts.api(t, tok, http.MethodPatch, path, `{"consent_share": true, "version": 2}`)
	e, _ := out["error"].(map[string]any)
	fields, _ := e["fields"].(map[string]any)
	if msg, _ := fields["consent_share"].(string); status != http.StatusUnprocessableEntity || !strings.Contains(strings.ToLower(msg), "registrer") {
		t.Errorf("PATCH consent_share true after the withdrawal = %d %v; want 422 saying it is given at registration", status, out)
	}
}

// The access export shows the consent given and its withdrawal, with who
// recorded it, in the document and in the JSON.
func TestAccessExportShowsWithdrawal(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, _ := submitShared(t, ts, true)
	if status, out := ts.api(t, ts.token(t, models.RoleAdviser), http.MethodPatch, "/api/v1/enquiries/"+itoa(id), `{"consent_share": false, "version": 1}`); status != http.StatusOK {
		t.Fatalf("withdraw = %d %v", status, out)
	}
	adviser, err := ts.store.UserByEmail(context.Background(), demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	admin.get("/admin/privacy")
	res, doc := admin.post("/admin/privacy/export", url.Values{"email": {"test@example.org"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("export = %d", res.StatusCode)
	}
	for _, want := range []string{"Trukket tilbake", adviser.Name} {
		if !strings.Contains(doc, want) {
			t.Errorf("the access document lacks %q", want)
		}
	}
	admin.get("/admin/privacy")
	res, body := admin.post("/admin/privacy/export", url.Values{"email": {"test@example.org"}, "format": {"json"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("export as JSON = %d", res.StatusCode)
	}
	var got struct {
		Enquiries []struct {
			Consents []struct {
				Purpose    string `json:"purpose"`
				Granted    bool   `json:"granted"`
				Withdrawal bool   `json:"withdrawal"`
				RecordedBy string `json:"recorded_by"`
				Text       string `json:"text"`
			} `json:"consents"`
		} `json:"enquiries"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || len(got.Enquiries) != 1 {
		t.Fatalf("export JSON: %v, %d enquiries", err, len(got.Enquiries))
	}
	cs := got.Enquiries[0].Consents
	if len(cs) != 3 {
		t.Fatalf("export consents = %+v; want given, given and withdrawn", cs)
	}
	if w := cs[2]; w.Purpose != "share" || w.Granted || !w.Withdrawal || w.RecordedBy != adviser.Name || w.Text != cs[1].Text {
		t.Errorf("exported withdrawal = %+v; want share withdrawn by %s with the text given", w, adviser.Name)
	}
	if cs[1].Withdrawal || !cs[1].Granted || cs[1].RecordedBy != "" {
		t.Errorf("exported consent given = %+v; want given through the one door", cs[1])
	}
}
