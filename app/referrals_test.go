package app

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"samspill/models"
)

// referralIDs finds the referral ids linked from a page.
var referralLink = regexp.MustCompile(`href="/referrals/(\d+)"`)
var oneTimeLink = regexp.MustCompile(`class="secret">https?://[^/]+(/r/[^<]+)<`)

func partnerID(t *testing.T, ts *testServer, name string) string {
	t.Helper()
	p, err := ts.store.PartnerByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return itoa(p.ID)
}

// TestReferralLoop walks the closed loop: the adviser refers, the partner
// acknowledges and reports support by log-in, and the board sees it counted.
func TestReferralLoop(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, ref := submitShared(t, ts, true)
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	adviser.get("/enquiries/" + itoa(id))
	res, body := adviser.post("/enquiries/"+itoa(id)+"/referrals", url.Values{"partner_id": {partnerID(t, ts, "Innovasjon Norge")}, "reason": {"financing"},
		"message": {"Trenger etablerertilskudd"}, "share_personal_data": {"on"}, "send": {"send"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("refer = %d\n%s", res.StatusCode, body)
	}
	_, page := adviser.get("/enquiries/" + itoa(id))
	m := referralLink.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the case page does not list the referral")
	}
	rid := m[1]

	partner := ts.client(t)
	partner.login(demoEmail(models.RolePartner), models.DemoPassword)
	_, list := partner.get("/referrals")
	if !strings.Contains(list, ref) {
		t.Fatal("the partner does not see the referral in their list")
	}
	_, page = partner.get("/referrals/" + rid)
	if !strings.Contains(page, "Testperson Tester") {
		t.Error("shared person data is not shown to the partner")
	}
	version := caseVersionField.FindStringSubmatch(page)[1]
	if res, body := partner.post("/referrals/"+rid+"/status", url.Values{"status": {"acknowledged"}, "version": {version}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("acknowledge = %d\n%s", res.StatusCode, body)
	}
	_, page = partner.get("/referrals/" + rid)
	version = caseVersionField.FindStringSubmatch(page)[1]
	// Without a reason the outcome is refused.
	if res, _ := partner.post("/referrals/"+rid+"/close", url.Values{"outcome": {"supported"}, "instrument": {"start_up_grant"}, "amount_nok": {"150 000"}, "version": {version}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("outcome without a reason = %d; want 422", res.StatusCode)
	}
	res, body = partner.post("/referrals/"+rid+"/close", url.Values{"outcome": {"supported"}, "outcome_reason": {"granted"}, "instrument": {"start_up_grant"},
		"amount_nok": {"150 000"}, "version": {version}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("outcome = %d\n%s", res.StatusCode, body)
	}

	board := ts.client(t)
	board.login(demoEmail(models.RoleBoard), models.DemoPassword)
	_, report := board.get("/reports/referrals")
	if !strings.Contains(report, "150\u00a0000\u00a0kr") {
		t.Errorf("the board's follow-up does not show 150 000 kr:\n%s", report)
	}
	for _, leak := range []string{"Testperson", "test@example.org", "Trenger etablerertilskudd", "Hemmelig"} {
		if strings.Contains(report, leak) {
			t.Errorf("the board's report contains %q", leak)
		}
	}
	_, csvBody := board.get("/reports/referrals.csv?table=partners")
	if !strings.Contains(csvBody, "Innovasjon Norge") || !strings.Contains(csvBody, "150000") {
		t.Errorf("report CSV = %s", csvBody)
	}
	// The quarter the money was granted in, in Norwegian.
	now := ts.store.Now().In(models.Oslo)
	quarter := fmt.Sprintf("%d. kvartal %d", (int(now.Month())-1)/3+1, now.Year())
	_, quarters := board.get("/reports/referrals.csv?table=quarters")
	if !strings.Contains(report, ">"+quarter+"<") || !strings.Contains(quarters, `"`+quarter+`";"1";"150000"`) {
		t.Errorf("the report and its CSV do not name the quarter %q:\n%s", quarter, quarters)
	}
}

// sentReferral sends a referral to Innovasjon Norge of a new enquiry whose
// person consented to sharing, as the demo adviser, who is returned logged in.
func sentReferral(t *testing.T, ts *testServer, share bool) (*client, string) {
	t.Helper()
	id, _ := submitShared(t, ts, true)
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	adviser.get("/enquiries/" + itoa(id))
	form := url.Values{"partner_id": {partnerID(t, ts, "Innovasjon Norge")}, "reason": {"financing"}, "message": {"Trenger etablerertilskudd"}, "send": {"send"}}
	if share {
		form.Set("share_personal_data", "on")
	}
	if res, body := adviser.post("/enquiries/"+itoa(id)+"/referrals", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("refer = %d\n%s", res.StatusCode, body)
	}
	_, page := adviser.get("/enquiries/" + itoa(id))
	return adviser, referralLink.FindStringSubmatch(page)[1]
}

// submitShared submits an enquiry with or without consent to share.
func submitShared(t *testing.T, ts *testServer, share bool) (int64, string) {
	t.Helper()
	body := `{"municipality": "3412", "enquirer_kind": "prospective_entrepreneur", "needs": ["financing"], "description": "` + another("Hemmelig plan") + `",
		"name": "Testperson Tester", "email": "test@example.org", "consent_store": true, "consent_share": ` + map[bool]string{true: "true", false: "false"}[share] + `}`
	status, out := ts.api(t, "", http.MethodPost, "/api/v1/intake", body)
	if status != http.StatusCreated {
		t.Fatalf("intake = %d %v", status, out)
	}
	ref := out["reference"].(string)
	list, _, _ := ts.store.Enquiries(context.Background(), adminViewer(t, ts), models.EnquiryFilter{Q: ref})
	return list[0].ID, ref
}

func TestReferralConsentGatingHTTP(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, _ := submitShared(t, ts, false)
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	_, page := adviser.get("/enquiries/" + itoa(id))
	if !strings.Contains(page, `name="share_personal_data" value="on" disabled`) || !strings.Contains(page, "personen har ikke samtykket til deling") {
		t.Error("the share choice is not disabled and explained without consent")
	}
	res, _ := adviser.post("/enquiries/"+itoa(id)+"/referrals", url.Values{"partner_id": {partnerID(t, ts, "Innovasjon Norge")}, "reason": {"financing"}, "share_personal_data": {"on"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("sharing without consent by page = %d; want 422", res.StatusCode)
	}
	tok := ts.token(t, models.RoleAdviser)
	status, out := ts.api(t, tok, http.MethodPost, "/api/v1/enquiries/"+itoa(id)+"/referrals", `{"partner_id": `+partnerID(t, ts, "Innovasjon Norge")+`, "reason": "financing", "share_personal_data": true}`)
	if status != http.StatusUnprocessableEntity {
		t.Errorf("sharing without consent by API = %d %v; want 422", status, out)
	}
	// Referred without sharing: the partner, by page, API and link, sees no person data.
	status, out = ts.api(t, tok, http.MethodPost, "/api/v1/enquiries/"+itoa(id)+"/referrals", `{"partner_id": `+partnerID(t, ts, "Innovasjon Norge")+`, "reason": "financing", "message": "Oppsummering"}`)
	if status != http.StatusCreated {
		t.Fatalf("refer = %d %v", status, out)
	}
	rid := itoa(int64(out["id"].(float64)))
	partner := ts.client(t)
	partner.login(demoEmail(models.RolePartner), models.DemoPassword)
	_, page = partner.get("/referrals/" + rid)
	ptok := ts.token(t, models.RolePartner)
	_, api := ts.api(t, ptok, http.MethodGet, "/api/v1/referrals/"+rid, "")
	adviser.get("/referrals/" + rid)
	_, linkPage := adviser.post("/referrals/"+rid+"/link", nil)
	lm := oneTimeLink.FindStringSubmatch(linkPage)
	if lm == nil {
		t.Fatal("no one-time link shown")
	}
	anon := ts.client(t)
	_, viaLink := anon.get(lm[1])
	for name, body := range map[string]string{"page": page, "API": mustJSON(t, api), "link": viaLink} {
		for _, leak := range []string{"Testperson", "test@example.org", "Hemmelig"} {
			if strings.Contains(body, leak) {
				t.Errorf("partner %s shows %q without consent", name, leak)
			}
		}
		if !strings.Contains(body, "Oppsummering") {
			t.Errorf("partner %s lacks the summary", name)
		}
	}
}

func TestReferralScopesHTTP(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	// The demo's referral 1 goes to Innovasjon Norge; a Siva contact must not reach it.
	siva, _ := ts.store.PartnerByName(ctx, "Siva")
	region, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	if _, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "siri@siva.example", Name: "Siri Siva", PartnerID: siva.ID}, "siva-passord-123", []models.RoleGrant{{RegionID: region.ID, Role: models.RolePartner}}); err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	c.login("siri@siva.example", "siva-passord-123")
	if res, _ := c.get("/referrals/1"); res.StatusCode != http.StatusNotFound {
		t.Errorf("another partner's referral page = %d; want 404", res.StatusCode)
	}
	if _, list := c.get("/referrals"); strings.Contains(list, "/referrals/1\"") {
		t.Error("another partner lists the referral")
	}
	c.get("/referrals")
	if res, _ := c.post("/referrals/1/close", url.Values{"outcome": {"declined"}, "outcome_reason": {"other"}, "version": {"1"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("another partner closing = %d; want 404", res.StatusCode)
	}
	u, _ := ts.store.UserByEmail(ctx, "siri@siva.example")
	tok, _, _ := ts.store.CreateToken(ctx, models.Actor{}, u.ID, "t", models.TokenDays, models.TokenWrite)
	if status, _ := ts.api(t, tok, http.MethodGet, "/api/v1/referrals/1", ""); status != http.StatusNotFound {
		t.Errorf("another partner's referral by API = %d; want 404", status)
	}
	if status, _ := ts.api(t, tok, http.MethodPatch, "/api/v1/referrals/1", `{"status": "acknowledged", "version": 1}`); status != http.StatusNotFound {
		t.Errorf("another partner's PATCH = %d; want 404", status)
	}

	// The board sees lists and figures without person data or free text.
	board := ts.client(t)
	board.login(demoEmail(models.RoleBoard), models.DemoPassword)
	btok := ts.token(t, models.RoleBoard)
	_, page := board.get("/referrals/1")
	_, list := board.get("/referrals")
	_, apiList := ts.api(t, btok, http.MethodGet, "/api/v1/referrals", "")
	_, apiOne := ts.api(t, btok, http.MethodGet, "/api/v1/referrals/1", "")
	_, apiReport := ts.api(t, btok, http.MethodGet, "/api/v1/reports/referrals", "")
	for name, body := range map[string]string{"page": page, "list": list, "API list": mustJSON(t, apiList), "API record": mustJSON(t, apiOne), "API report": mustJSON(t, apiReport)} {
		for _, leak := range []string{"Ingrid Bakken", "ingrid.bakken", "gårdsutsalg", "Forretningsplanen er klar"} {
			if strings.Contains(body, leak) {
				t.Errorf("board %s shows %q", name, leak)
			}
		}
	}
	if !strings.Contains(list, "Innovasjon Norge") {
		t.Error("the board's list lacks the referral")
	}
	// The board may comment and mark for the next meeting, but not change the referral.
	if res, _ := board.post("/referrals/1/comments", url.Values{"comment": {"Tas opp i styret"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("board comment = %d", res.StatusCode)
	}
	board.get("/referrals/1")
	if res, _ := board.post("/referrals/1/board", url.Values{"for_board": {"true"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("board mark = %d", res.StatusCode)
	}
	if _, l := board.get("/referrals?tab=for_board"); !strings.Contains(l, "Innovasjon Norge") {
		t.Error("the referral is not on the board's list")
	}
	board.get("/referrals/1")
	if res, _ := board.post("/referrals/1/close", url.Values{"outcome": {"withdrawn"}, "outcome_reason": {"other"}, "version": {"1"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("board closing = %d; want 404", res.StatusCode)
	}
	// Stale API update answers 409.
	atok := ts.token(t, models.RoleAdviser)
	if status, _ := ts.api(t, atok, http.MethodPatch, "/api/v1/referrals/1", `{"status": "in_progress", "version": 99}`); status != http.StatusConflict {
		t.Errorf("stale PATCH = %d; want 409", status)
	}
	if status, _ := ts.api(t, atok, http.MethodPatch, "/api/v1/referrals/1", `{"outcome": "withdrawn", "version": 1}`); status != http.StatusUnprocessableEntity {
		t.Errorf("close without a reason by API = %d; want 422", status)
	}
}

func TestOneTimeLinkHTTP(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	adviser.get("/referrals/1")
	_, page := adviser.post("/referrals/1/link", nil)
	m := oneTimeLink.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no link")
	}
	link := m[1]
	anon := ts.client(t)
	res, body := anon.get(link)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Innovasjon Norge") || sessionCookie(t, res) != nil {
		t.Fatalf("link page = %d", res.StatusCode)
	}
	altered := link[:len(link)-2] + "zz"
	for _, bad := range []string{altered, "/r/rl_nonsense", link + "x"} {
		if res, _ := anon.get(bad); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d; want 404", bad, res.StatusCode)
		}
		if res, _ := anon.post(bad, url.Values{"action": {"acknowledge"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s = %d; want 404", bad, res.StatusCode)
		}
	}
	if res, _ := anon.post(link, url.Values{"action": {"acknowledge"}}); res.StatusCode != http.StatusOK {
		t.Fatalf("acknowledge by link = %d", res.StatusCode)
	}
	res, body = anon.post(link, url.Values{"action": {"outcome"}, "outcome": {"supported"}, "outcome_reason": {"granted"}, "instrument": {"start_up_grant"}, "amount_nok": {"150000"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Lenken kan ikke brukes igjen") {
		t.Fatalf("outcome by link = %d\n%s", res.StatusCode, body)
	}
	if res, _ := anon.get(link); res.StatusCode != http.StatusNotFound {
		t.Errorf("a used link = %d; want 404", res.StatusCode)
	}
	// The link gives no way into anything else.
	for _, p := range []string{"/referrals/1", "/enquiries/1", "/dashboard", "/api/v1/referrals/1"} {
		res, _ := anon.get(p)
		if res.StatusCode == http.StatusOK {
			t.Errorf("after the link, GET %s = 200", p)
		}
	}
	r, _ := ts.store.Referral(context.Background(), adminViewer(t, ts), 1)
	if r.Status != "completed" || r.AmountNOK != 150000 {
		t.Errorf("referral after the link = %s %d", r.Status, r.AmountNOK)
	}
	audit, _ := ts.store.AuditFor(context.Background(), "referral", "1")
	found := false
	for _, a := range audit {
		found = found || strings.Contains(a.Detail, "via=link")
	}
	if !found {
		t.Error("the link's use is not in the audit log")
	}
}

// A refused referral form keeps what was typed: an outcome reported on a
// referral changed since its page was opened (409, nothing saved), and a
// comment too long (422, nothing saved).
func TestReferralFormsKeepWhatWasTyped(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	_, rid := sentReferral(t, ts, true)
	version := caseVersionField

	// Two windows of the partner: one acknowledges, the other then reports.
	first, second := ts.client(t), ts.client(t)
	first.login(demoEmail(models.RolePartner), models.DemoPassword)
	second.login(demoEmail(models.RolePartner), models.DemoPassword)
	_, page := first.get("/referrals/" + rid)
	_, stale := second.get("/referrals/" + rid)
	if res, _ := first.post("/referrals/"+rid+"/status", url.Values{"status": {"acknowledged"}, "version": {version.FindStringSubmatch(page)[1]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("acknowledge = %d", res.StatusCode)
	}
	res, body := second.post("/referrals/"+rid+"/close", url.Values{"outcome": {"supported"}, "outcome_reason": {"granted"}, "instrument": {"start_up_grant"},
		"amount_nok": {"150 000"}, "version": {version.FindStringSubmatch(stale)[1]}})
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("stale outcome = %d; want 409", res.StatusCode)
	}
	for _, want := range []string{"Noen andre har endret henvisningen mens du arbeidet (den har nå status «Bekreftet mottatt»)", `value="supported" checked>`, `<option value="granted" selected>`,
		`<option value="start_up_grant" selected>`, `value="150 000"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the refused outcome's page lacks %q", want)
		}
	}
	// No outcome chosen: each choice is marked invalid and points to the message.
	_, page = second.get("/referrals/" + rid)
	res, body = second.post("/referrals/"+rid+"/close", url.Values{"outcome_reason": {"granted"}, "amount_nok": {"150 000"},
		"version": {version.FindStringSubmatch(page)[1]}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("outcome without a choice = %d; want 422", res.StatusCode)
	}
	radios := regexp.MustCompile(`<input class="ds-input" type="radio" id="f-outcome-\d+"[^>]*>`).FindAllString(body, -1)
	for _, r := range radios {
		if !strings.Contains(r, `aria-invalid="true" aria-describedby="f-outcome-error"`) {
			t.Errorf("a choice of the refused outcome is not marked invalid: %s", r)
		}
	}
	if len(radios) == 0 || !strings.Contains(body, `id="f-outcome-error"`) || !strings.Contains(body, `value="150 000"`) {
		t.Errorf("the refused outcome shows %d choices, its message: %v", len(radios), strings.Contains(body, `id="f-outcome-error"`))
	}

	rnum, _ := strconv.ParseInt(rid, 10, 64)
	admin := adminViewer(t, ts)
	if r, err := ts.store.Referral(ctx, admin, rnum); err != nil || r.Closed() || r.Status != "acknowledged" {
		t.Fatalf("after the refused outcome: %+v, %v; want it acknowledged and open", r, err)
	}

	board := ts.client(t)
	board.login(demoEmail(models.RoleBoard), models.DemoPassword)
	board.get("/referrals/" + rid)
	long := strings.Repeat("Styret ber om en status & plan. ", 70) // over 2 000 characters
	res, body = board.post("/referrals/"+rid+"/comments", url.Values{"comment": {long}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("long comment = %d; want 422", res.StatusCode)
	}
	if !strings.Contains(body, ">"+html.EscapeString(long)+"</textarea>") {
		t.Error("the refused comment is not in its field as typed")
	}
	if comments, err := ts.store.ReferralComments(ctx, admin, rnum); err != nil || len(comments) != 0 {
		t.Errorf("comments after the refused one: %d, %v; want none", len(comments), err)
	}
}

// The board's report states its period the Norwegian way, as every other date
// in the product; the date fields keep the form the browser needs.
func TestReferralReportPeriodDates(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	board := ts.client(t)
	board.login(demoEmail(models.RoleBoard), models.DemoPassword)
	_, page := board.get("/reports/referrals?from=2026-02-03&to=2026-10-31")
	for _, want := range []string{"fra 03.02.2026 til 31.10.2026", `value="2026-02-03"`, `value="2026-10-31"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the report does not contain %q", want)
		}
	}
	// An end alone: the period starts with its year (it was swapped with the
	// default start, this year's: from last year's end to this year's start).
	// A start alone runs to today.
	now := ts.store.Now().In(models.Oslo)
	year := now.Year()
	for query, want := range map[string]string{
		fmt.Sprintf("to=%d-06-30", year-1):   fmt.Sprintf("fra 01.01.%d til 30.06.%d", year-1, year-1),
		fmt.Sprintf("from=%d-03-01", year-1): fmt.Sprintf("fra 01.03.%d til %s", year-1, now.Format("02.01.2006")),
	} {
		if _, page := board.get("/reports/referrals?" + query); !strings.Contains(page, want) {
			t.Errorf("the report of %s does not say %q", query, want)
		}
	}
}

// A refused change made from a page that is out of date says why at the top
// of the page: the status buttons and the link have no field of their own to
// show a message by, and the outcome's fields are gone once it is closed.
func TestReferralRefusalsAreShown(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, rid := sentReferral(t, ts, false)
	version := caseVersionField

	partner := ts.client(t)
	partner.login(demoEmail(models.RolePartner), models.DemoPassword)
	_, stale := partner.get("/referrals/" + rid)
	_, page := adviser.get("/referrals/" + rid)
	if res, body := adviser.post("/referrals/"+rid+"/close", url.Values{"outcome": {"withdrawn"}, "outcome_reason": {"enquirer_withdrew"},
		"version": {version.FindStringSubmatch(page)[1]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw = %d\n%s", res.StatusCode, body)
	}
	old := version.FindStringSubmatch(stale)[1]
	cases := []struct {
		path string
		form url.Values
		want string
	}{
		{"/status", url.Values{"status": {"in_progress"}, "version": {old}}, "Denne statusendringen er ikke mulig nå."},
		{"/close", url.Values{"outcome": {"supported"}, "outcome_reason": {"granted"}, "instrument": {"start_up_grant"}, "version": {old}}, "Henvisningen er ikke åpen."},
	}
	for _, c := range cases {
		res, body := partner.post("/referrals/"+rid+c.path, c.form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("POST %s on a withdrawn referral = %d; want 422", c.path, res.StatusCode)
		}
		if !regexp.MustCompile(`role="alert"><p class="ds-paragraph">` + regexp.QuoteMeta(c.want)).MatchString(body) {
			t.Errorf("POST %s: the page does not say %q at its top", c.path, c.want)
		}
	}
}

// The referral list by API writes a view to the audit log whenever it shows
// person data, as the single referral and the enquiry list do: to an adviser,
// and to a partner for a referral shared with consent. The board, and a partner
// for whom nothing is shared, read no person data, and no view is logged.
func TestReferralListAPIAudited(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	siva, err := ts.store.PartnerByName(ctx, "Siva")
	if err != nil {
		t.Fatal(err)
	}
	region := demoRegion(t, ts)
	u, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "siri@siva.example", Name: "Siri Siva", PartnerID: siva.ID},
		"siva-passord-123", []models.RoleGrant{{RegionID: region.ID, Role: models.RolePartner}})
	if err != nil {
		t.Fatal(err)
	}
	sivaToken, _, err := ts.store.CreateToken(ctx, models.Actor{}, u.ID, "test", models.TokenDays, models.TokenWrite)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := submitShared(t, ts, false)
	if status, out := ts.api(t, ts.token(t, models.RoleAdviser), http.MethodPost, "/api/v1/enquiries/"+itoa(id)+"/referrals",
		`{"partner_id": `+itoa(siva.ID)+`, "reason": "financing"}`); status != http.StatusCreated {
		t.Fatalf("refer to Siva = %d %v", status, out)
	}

	tests := []struct {
		name, token string
		logged      bool
	}{
		{"adviser", ts.token(t, models.RoleAdviser), true},
		{"partner, shared with consent", ts.token(t, models.RolePartner), true}, // the demo's referral to Innovasjon Norge is shared
		{"partner, nothing shared", sivaToken, false},
		{"board", ts.token(t, models.RoleBoard), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := listViews(t, ts)
			status, out := ts.api(t, tt.token, http.MethodGet, "/api/v1/referrals", "")
			if status != http.StatusOK {
				t.Fatalf("GET /api/v1/referrals = %d %v", status, out)
			}
			if items, _ := out["items"].([]any); len(items) == 0 {
				t.Fatalf("the list is empty: %v", out)
			}
			added := listViews(t, ts)[len(before):]
			if !tt.logged {
				if len(added) != 0 {
					t.Errorf("a list without person data wrote %d view entries (%q); want none", len(added), added[0].Detail)
				}
				return
			}
			if len(added) != 1 {
				t.Fatalf("the list wrote %d view entries; want 1", len(added))
			}
			if d := added[0].Detail; !strings.HasPrefix(d, "api rows=") || d == "api rows=0" {
				t.Errorf("the view's detail = %q; want api rows=N with N > 0", d)
			}
		})
	}
}

// listViews are the audit log's views of the referral list, oldest first.
func listViews(t *testing.T, ts *testServer) []models.AuditEntry {
	t.Helper()
	entries, err := ts.store.AuditFor(context.Background(), "referral", "list")
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(entries)
	return entries
}

// The referral list and its API take q, the start of an enquiry's reference.
func TestReferralListSearch(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tok := ts.token(t, models.RoleAdviser)
	for _, c := range []struct {
		q    string
		want int // -1: some of the demo's referrals
	}{{"", -1}, {"ham-", -1}, {"HAM-2026-00001", 1}, {"XYZ-2026", 0}} {
		status, out := ts.api(t, tok, http.MethodGet, "/api/v1/referrals?q="+url.QueryEscape(c.q), "")
		items, _ := out["items"].([]any)
		if status != http.StatusOK || (c.want >= 0 && len(items) != c.want) || (c.want < 0 && len(items) == 0) {
			t.Errorf("GET /api/v1/referrals?q=%s = %d with %d items", c.q, status, len(items))
		}
	}
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	_, page := adviser.get("/referrals?q=XYZ-2026")
	if !strings.Contains(page, `name="q" value="XYZ-2026"`) || !strings.Contains(page, "Ingen henvisninger passer utvalget.") {
		t.Error("the referral list's search does not keep what was searched, or found referrals for XYZ-2026")
	}
}

// Every drill-down, download and print link of the board's report lists what
// its number counts: the report's period and region. (The period went into
// the links escaped as one value, so each listed referrals of all time, and an
// admin's listed every region's.)
func TestReferralReportLinksKeepPeriodAndRegion(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, role := range []string{models.RoleBoard, models.RoleAdmin} {
		c := ts.client(t)
		c.login(demoEmail(role), models.DemoPassword)
		_, page := c.get("/reports/referrals?from=2020-01-01&to=2020-01-31")
		links := regexp.MustCompile(`href="(/(?:referrals|reports/referrals(?:\.csv)?)\?[^"]*)"`).FindAllStringSubmatch(page, -1)
		if len(links) < 8 { // print, four cards, four downloads
			t.Fatalf("%s: %d links on the report", role, len(links))
		}
		for _, l := range links {
			u, err := url.Parse(html.UnescapeString(l[1]))
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if q.Get("tab") == "for_board" {
				continue // the board meeting's list, of any period
			}
			if q.Get("from") != "2020-01-01" || q.Get("to") != "2020-01-31" || q.Get("region") == "" {
				t.Errorf("%s: %s does not keep the period and region", role, l[1])
			}
		}
		// The period holds no referrals: each drill-down lists none.
		_, list := c.get(html.UnescapeString(links[1][1]))
		if !strings.Contains(list, "Antall treff: 0") {
			t.Errorf("%s: %s lists referrals outside the period", role, links[1][1])
		}
	}
}

// The referral form's hint names the region's own follow-up days.
func TestReferralFormNamesTheRegionsDays(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	r := demoRegion(t, ts)
	host := ""
	if r.HostMunicipality != nil {
		host = *r.HostMunicipality
	}
	in := models.RegionInput{Slug: r.Slug, Name: r.Name, HostMunicipality: host, FirstResponseDays: r.FirstResponseDays,
		ReferralFollowUpDays: 21, NoResponseDays: r.NoResponseDays, RetentionMonths: r.RetentionMonths, Version: r.Version}
	if err := ts.store.UpdateRegion(ctx, adminViewer(t, ts), models.Actor{}, r.ID, in); err != nil {
		t.Fatal(err)
	}
	id, _ := submitShared(t, ts, true)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	if _, page := c.get("/enquiries/" + itoa(id)); !strings.Contains(page, "Tom: 21 dager etter at den sendes, regionens innstilling.") {
		t.Error("the referral form's hint does not name the region's 21 days")
	}
}

// A refused outcome keeps its reason selected once, under its own outcome:
// "Annet" stands under both declined and withdrawn with the same value.
func TestRefusedOutcomeKeepsOneReason(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, rid := sentReferral(t, ts, false)
	_, page := adviser.get("/referrals/" + rid)
	version := caseVersionField.FindStringSubmatch(page)[1]
	// Withdrawn with a reason, and an instrument only a supported outcome takes: refused.
	res, body := adviser.post("/referrals/"+rid+"/close", url.Values{"outcome": {"withdrawn"}, "outcome_reason": {"other"}, "instrument": {"loan"}, "version": {version}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("refused outcome = %d; want 422", res.StatusCode)
	}
	if n := strings.Count(body, `<option value="other" selected>`); n != 1 {
		t.Errorf("the reason 'other' is selected %d times; want once, under withdrawn", n)
	}
}

// A period without referrals has empty lists in the report's JSON, not null: a
// client counting or looping over a list should not have to test for null.
func TestReferralReportEmptyListsAreArrays(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	token := ts.token(t, models.RoleBoard)
	code, rep := ts.api(t, token, http.MethodGet, "/api/v1/reports/referrals?from=2001-01-01&to=2001-03-31", "")
	if code != http.StatusOK {
		t.Fatalf("report = %d %v", code, rep)
	}
	for _, key := range []string{"partners", "advisers", "granted_by_municipality", "granted_by_quarter"} {
		if list, ok := rep[key].([]any); !ok || len(list) != 0 {
			t.Errorf("%s = %#v; want []", key, rep[key])
		}
	}
}

// A referral the adviser saved as a draft was never sent: the board follows
// up what was sent, and must neither list nor open the adviser's drafts.
func TestBoardDoesNotSeeDraftReferrals(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	_, ref, rid := draftReferral(t, ts, models.RoleAdviser)

	board := ts.client(t)
	board.login(demoEmail(models.RoleBoard), models.DemoPassword)
	for _, path := range []string{"/referrals", "/referrals?open=on"} {
		if _, list := board.get(path); strings.Contains(list, ref) {
			t.Errorf("the board's %s lists the adviser's draft %s", path, ref)
		}
	}
	if res, _ := board.get("/referrals/" + rid); res.StatusCode != http.StatusNotFound {
		t.Errorf("board GET /referrals/%s (a draft) = %d; want 404", rid, res.StatusCode)
	}
	status, out := ts.api(t, ts.token(t, models.RoleBoard), http.MethodGet, "/api/v1/referrals", "")
	if status != http.StatusOK {
		t.Fatalf("api referrals = %d", status)
	}
	for _, it := range out["items"].([]any) {
		if it.(map[string]any)["status"] == "draft" {
			t.Errorf("the board's API list holds a draft: %v", it)
		}
	}
}

func TestForBoardRefusesUnknownValue(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	_, rid := sentReferral(t, ts, false)
	board := ts.client(t)
	board.login(demoEmail(models.RoleBoard), models.DemoPassword)
	board.get("/referrals/" + rid)
	if res, _ := board.post("/referrals/"+rid+"/board", url.Values{"for_board": {"true"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("mark = %d", res.StatusCode)
	}
	board.get("/referrals/" + rid)
	refused(t, ts, board, "/referrals/"+rid+"/board", url.Values{"for_board": {"ja"}})
}

func TestLinkAnswerWithoutActionIsRefused(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, rid := sentReferral(t, ts, false)
	adviser.get("/referrals/" + rid)
	_, page := adviser.post("/referrals/"+rid+"/link", nil)
	link := oneTimeLink.FindStringSubmatch(page)[1]
	anon := ts.client(t)
	anon.get(link)
	for _, action := range []string{"", "bekreft"} {
		before := dbFingerprint(t, ts)
		res, body := anon.post(link, url.Values{"action": {action}})
		if res.StatusCode == http.StatusOK || strings.Contains(body, "bekreftet mottatt") {
			t.Errorf("action %q = %d, thanking for an acknowledgement never recorded", action, res.StatusCode)
		}
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Svaret ble ikke registrert") {
			t.Errorf("action %q = %d; want 422 with a message", action, res.StatusCode)
		}
		if dbFingerprint(t, ts) != before {
			t.Errorf("action %q changed the database", action)
		}
	}
}

// The outcome's amount may be written with the abbreviation "kr.", as
// Norwegians do.
func TestOutcomeAmountWithKr(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	_, rid := sentReferral(t, ts, true)
	partner := ts.client(t)
	partner.login(demoEmail(models.RolePartner), models.DemoPassword)
	_, page := partner.get("/referrals/" + rid)
	version := caseVersionField.FindStringSubmatch(page)[1]
	res, body := partner.post("/referrals/"+rid+"/close", url.Values{"outcome": {"supported"}, "outcome_reason": {"granted"}, "instrument": {"start_up_grant"},
		"amount_nok": {"kr. 150 000"}, "version": {version}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("outcome with the amount \"kr. 150 000\" = %d; want 303 as before\n%s", res.StatusCode, fieldError(body))
	}
}

func fieldError(body string) string {
	if m := regexp.MustCompile(`(?s)ds-validation-message[^>]*>([^<]*)<`).FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// A draft cannot be put on the board meeting: the board sees only sent
// referrals, so the mark was saved where nobody on the board could find it.
func TestDraftNotMarkedForBoard(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	coord, _, rid := draftReferral(t, ts, models.RoleCoordinator)
	// The page does not offer it, and a forged form is refused, saying why.
	if _, page := coord.get("/referrals/" + rid); strings.Contains(page, `action="/referrals/`+rid+`/board"`) || !strings.Contains(page, "når den er sendt") {
		t.Error("the draft's page offers to put it on the board meeting")
	}
	res, body := coord.post("/referrals/"+rid+"/board", url.Values{"for_board": {"true"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Send henvisningen først") {
		t.Errorf("marking a draft for the board = %d; want 422 saying the board sees only sent referrals", res.StatusCode)
	}
	r, err := ts.store.Referral(context.Background(), adminViewer(t, ts), int64(mustAtoi(t, rid)))
	if err != nil || r.ForBoard {
		t.Errorf("the draft is marked for the board (%v), a mark the board could never find", err)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A board member who is also a partner contact (of Siva) in the same region
// sees, as the board, the region's referrals to every partner; the person
// behind a referral to Innovation Norway must stay hidden from them: the
// board never sees person data, and a partner only its own organisation's.
func TestBoardAndPartnerSeesNoPersonDataOfOtherPartners(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	id, _ := submitShared(t, ts, true)
	rid := referWithShare(t, ts, id, "Innovasjon Norge")
	region, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	siva, _ := ts.store.PartnerByName(ctx, "Siva")
	if _, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "styre-siva@example.org", Name: "Siri Styre", PartnerID: siva.ID},
		"styre-siva-passord-1", []models.RoleGrant{{RegionID: region.ID, Role: models.RoleBoard}, {RegionID: region.ID, Role: models.RolePartner}}); err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	c.login("styre-siva@example.org", "styre-siva-passord-1")
	res, page := c.get("/referrals/" + itoa(rid))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the board member cannot open the region's referral: %d", res.StatusCode)
	}
	if strings.Contains(page, "Testperson Tester") || strings.Contains(page, "test@example.org") {
		t.Error("a board member who is also Siva's contact sees the person behind a referral to Innovation Norway")
	}
	tok := ts.tokenFor(t, "styre-siva@example.org")
	if _, out := ts.api(t, tok, http.MethodGet, "/api/v1/referrals/"+itoa(rid), ""); strings.Contains(mustJSON(t, out), "Testperson Tester") {
		t.Error("GET /api/v1/referrals/{id} gives the board-and-Siva user the person behind a referral to Innovation Norway")
	}
}

// referWithShare sends a referral of the enquiry id to the partner named,
// sharing the person's data, as the demo adviser.
func referWithShare(t *testing.T, ts *testServer, id int64, partner string) int64 {
	t.Helper()
	ctx := context.Background()
	adviser, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	region, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	p, _ := ts.store.PartnerByName(ctx, partner)
	v := &models.Viewer{User: adviser, Region: region}
	r, err := ts.store.CreateReferral(ctx, v, models.Actor{}, id, models.ReferralInput{PartnerID: p.ID, Reason: "financing", Message: "Trenger kapital", SharePersonalData: true, Send: true})
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// The referral report counts the region the admin works in, and its
// drill-downs carry that region (an admin's lists hold every region's); its
// link to the referrals marked for the board meeting does not, and lists
// another region's.
func TestReportBoardListKeepsTheRegion(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	ids := canaryRegion(t, ts)
	coord, _ := ts.store.UserByEmail(ctx, "kanari@oslo.example")
	oslo, _ := ts.store.RegionBySlug(ctx, "oslo-kanari")
	rid, _ := strconv.ParseInt(ids["referral"], 10, 64)
	if err := ts.store.MarkForBoard(ctx, &models.Viewer{User: coord, Region: oslo}, models.Actor{}, rid, true); err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	_, report := c.get("/reports/referrals")
	m := regexp.MustCompile(`href="(/referrals\?[^"]*tab=for_board[^"]*)"`).FindStringSubmatch(report)
	if m == nil {
		t.Fatal("no link to the board's list on the report")
	}
	_, list := c.get(html.UnescapeString(m[1]))
	if strings.Contains(list, ids["reference"]) {
		t.Errorf("%s, followed from the Hamar region's report, lists the Oslo referral %s", m[1], ids["reference"])
	}
}

// draftReferral saves a referral to Innovasjon Norge as a draft, by the demo
// user of role, of a new enquiry that may be shared; it returns that user's
// client, the enquiry's reference and the referral's id.
func draftReferral(t *testing.T, ts *testServer, role string) (*client, string, string) {
	t.Helper()
	id, ref := submitShared(t, ts, true)
	c := ts.client(t)
	c.login(demoEmail(role), models.DemoPassword)
	c.get("/enquiries/" + itoa(id))
	form := url.Values{"partner_id": {partnerID(t, ts, "Innovasjon Norge")}, "reason": {"financing"}, "message": {"Utkast"}, "send": {"draft"}}
	if res, body := c.post("/enquiries/"+itoa(id)+"/referrals", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save draft = %d\n%s", res.StatusCode, body)
	}
	_, page := c.get("/enquiries/" + itoa(id))
	return c, ref, referralLink.FindStringSubmatch(page)[1]
}

// The board's start page counts the region's open and overdue referrals, a
// partner's the referrals to their organisation waiting for its answer and
// the overdue among them; each count links to a list of as many. The start
// page had counts for advisers only. A board member who is also a partner's
// contact gets both, the partner's of their own organisation only.
func TestBoardAndPartnerDashboardCounts(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	sentReferral(t, ts, false) // one more open referral to Innovasjon Norge
	draftReferral(t, ts, models.RoleAdviser)
	hamar, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	in, _ := ts.store.PartnerByName(ctx, "Innovasjon Norge")
	if _, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "styre-in@example.org", Name: "Styre Partner", PartnerID: in.ID}, "styre-passord-123",
		[]models.RoleGrant{{RegionID: hamar.ID, Role: models.RoleBoard}, {RegionID: hamar.ID, Role: models.RolePartner}}); err != nil {
		t.Fatal(err)
	}
	card := regexp.MustCompile(`href="(/referrals\?[^"]*)"><span class="big-number">(\d+)</span>`)
	total := regexp.MustCompile(`Antall treff: (\d+)`)
	for _, who := range []struct {
		email, password string
		cards           int
		says            []string // what the start page's sections say, in Bokmål
	}{
		{demoEmail(models.RoleBoard), models.DemoPassword, 2, []string{"Henvisninger i regionen"}},
		{demoEmail(models.RolePartner), models.DemoPassword, 2, []string{"venter på svar fra dere"}},
		{"styre-in@example.org", "styre-passord-123", 4, []string{"Henvisninger i regionen", "venter på svar fra dere"}},
	} {
		c := ts.client(t)
		c.login(who.email, who.password)
		_, page := c.get("/dashboard")
		for _, text := range who.says {
			if !strings.Contains(page, text) {
				t.Errorf("%s: the start page does not say %q", who.email, text)
			}
		}
		cards := card.FindAllStringSubmatch(page, -1)
		if len(cards) != who.cards {
			t.Errorf("%s: %d referral counts on the start page; want %d", who.email, len(cards), who.cards)
		}
		open := false
		for _, m := range cards {
			link := html.UnescapeString(m[1])
			_, list := c.get(link)
			if got := total.FindStringSubmatch(list); got == nil || got[1] != m[2] {
				t.Errorf("%s: the start page says %s, and %s lists %v", who.email, m[2], link, got)
			}
			open = open || m[2] != "0"
		}
		if len(cards) > 0 && !open {
			t.Errorf("%s: every count is 0, with an open referral to Innovasjon Norge", who.email)
		}
	}
}

// A draft saved without a follow-up date gets its date when it is sent (the
// region's days from then): the date stored meanwhile is no date anyone
// follows up on. The referral's page, the case's list of referrals and the
// list of referrals say it is set when sent; they showed the stored date. A
// draft given a date shows that date, which sending keeps.
func TestDraftShowsNoFollowUpDateUntilSent(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, ref, rid := draftReferral(t, ts, models.RoleAdviser)
	r, err := ts.store.Referral(context.Background(), adminViewer(t, ts), int64(mustAtoi(t, rid)))
	if err != nil {
		t.Fatal(err)
	}
	stored := r.FollowUpDue.In(models.Oslo).Format("02.01.2006")
	const whenSent = "Settes når henvisningen sendes"
	_, show := adviser.get("/referrals/" + rid)
	_, enquiry := adviser.get("/enquiries/" + itoa(r.EnquiryID))
	_, list := adviser.get("/referrals?q=" + url.QueryEscape(ref))
	for name, page := range map[string]string{"referral page": show, "case page": enquiry, "referral list": list} {
		if strings.Contains(page, stored) || !strings.Contains(page, whenSent) {
			t.Errorf("the %s shows the draft's follow-up date %s; want %q", name, stored, whenSent)
		}
	}
	due := ts.store.Today().AddDate(0, 0, 30)
	if res, body := adviser.post("/referrals/"+rid+"/follow-up", url.Values{"follow_up_due": {due.Format("2006-01-02")}, "version": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("give the draft a follow-up date = %d\n%s", res.StatusCode, fieldError(body))
	}
	if _, show := adviser.get("/referrals/" + rid); !strings.Contains(show, due.Format("02.01.2006")) || strings.Contains(show, whenSent) {
		t.Errorf("the draft given the follow-up date %s does not show it", due.Format("02.01.2006"))
	}
}

// A board member who is also a partner's contact in the region (a partner's
// representative on the board) answers the referrals to their own
// organisation as any contact does: acknowledges and reports the outcome.
// The answer is offered on those only, not on other partners' referrals.
func TestBoardMemberAnswersOwnPartnersReferrals(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	own := referWithShare(t, ts, mustSubmit(t, ts), "Innovasjon Norge")
	other := referWithShare(t, ts, mustSubmit(t, ts), "Siva")
	region, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	in, _ := ts.store.PartnerByName(ctx, "Innovasjon Norge")
	if _, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "styre-in@example.org", Name: "Ina Styre", PartnerID: in.ID},
		"styre-in-passord-12", []models.RoleGrant{{RegionID: region.ID, Role: models.RoleBoard}, {RegionID: region.ID, Role: models.RolePartner}}); err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	c.login("styre-in@example.org", "styre-in-passord-12")
	if _, page := c.get("/referrals/" + itoa(other)); strings.Contains(page, `action="/referrals/`+itoa(other)+`/status"`) || strings.Contains(page, `action="/referrals/`+itoa(other)+`/close"`) {
		t.Error("the board member is offered to answer a referral to another partner")
	}
	_, page := c.get("/referrals/" + itoa(own))
	if !strings.Contains(page, `action="/referrals/`+itoa(own)+`/close"`) {
		t.Error("the board member is not offered to answer a referral to their own organisation")
	}
	version := caseVersionField
	if res, body := c.post("/referrals/"+itoa(own)+"/status", url.Values{"status": {"acknowledged"}, "version": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("acknowledging their own organisation's referral = %d; want 303\n%s", res.StatusCode, fieldError(body))
	}
	_, page = c.get("/referrals/" + itoa(own))
	if res, body := c.post("/referrals/"+itoa(own)+"/close", url.Values{"outcome": {"declined"}, "outcome_reason": {"not_ready"},
		"version": {version.FindStringSubmatch(page)[1]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reporting their own organisation's outcome = %d; want 303\n%s", res.StatusCode, fieldError(body))
	}
	c.get("/referrals/" + itoa(other))
	if res, _ := c.post("/referrals/"+itoa(other)+"/status", url.Values{"status": {"acknowledged"}, "version": {"1"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("acknowledging another partner's referral = %d; want 404", res.StatusCode)
	}
	if r, _ := ts.store.Referral(ctx, adminViewer(t, ts), other); r.Status != "sent" {
		t.Errorf("another partner's referral is %s; want sent", r.Status)
	}
}

// mustSubmit submits an enquiry that may be shared and returns its id.
func mustSubmit(t *testing.T, ts *testServer) int64 {
	t.Helper()
	id, _ := submitShared(t, ts, true)
	return id
}

// A one-time link that has done its work (the referral withdrawn by the
// adviser, its outcome reported, its time run out) says so, and that an
// answer sent through it was not recorded, instead of a bare "not found"
// that left a partner thinking their answer was saved. It still shows
// nothing of the referral, and a link that never was is a plain 404.
func TestEndedLinkSaysSo(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, rid := sentReferral(t, ts, true)
	adviser.get("/referrals/" + rid)
	_, page := adviser.post("/referrals/"+rid+"/link", nil)
	link := oneTimeLink.FindStringSubmatch(page)[1]
	anon := ts.client(t)
	anon.get(link)
	_, page = adviser.get("/referrals/" + rid)
	version := caseVersionField.FindStringSubmatch(page)[1]
	if res, _ := adviser.post("/referrals/"+rid+"/close", url.Values{"outcome": {"withdrawn"}, "outcome_reason": {"enquirer_withdrew"}, "version": {version}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw = %d", res.StatusCode)
	}
	const ended = "Lenken kan ikke brukes lenger"
	res, body := anon.post(link, url.Values{"action": {"outcome"}, "outcome": {"declined"}, "outcome_reason": {"not_ready"}})
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, ended) || !strings.Contains(body, "Svaret ble ikke registrert") {
		t.Errorf("an answer through the link of a withdrawn referral = %d; want 404 saying the link has ended and nothing was recorded", res.StatusCode)
	}
	res, body = anon.get(link)
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, ended) {
		t.Errorf("the link of a withdrawn referral = %d; want 404 saying the link has ended", res.StatusCode)
	}
	for _, leak := range []string{"Testperson", "test@example.org", "Trenger etablerertilskudd", "Innovasjon Norge"} {
		if strings.Contains(body, leak) {
			t.Errorf("the ended link shows %q", leak)
		}
	}
	if res, body := anon.get("/r/rl_" + strings.Repeat("A", 43)); res.StatusCode != http.StatusNotFound || strings.Contains(body, ended) {
		t.Errorf("a link that never was = %d, saying it ended: %v", res.StatusCode, strings.Contains(body, ended))
	}
}

// A referral is closed by reporting its outcome: a PATCH setting a closing
// status (one of the contract's statuses) says so, rather than that the value
// is no choice at all.
func TestAPIClosingStatusNamesTheOutcome(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tok := ts.token(t, models.RoleAdviser)
	for _, status := range []string{"completed", "declined", "withdrawn", "no_response"} {
		code, out := ts.api(t, tok, http.MethodPatch, "/api/v1/referrals/1", `{"status": "`+status+`", "version": 1}`)
		fields, _ := out["error"].(map[string]any)["fields"].(map[string]any)
		if msg, _ := fields["status"].(string); code != http.StatusUnprocessableEntity || !strings.Contains(msg, "outcome") {
			t.Errorf("PATCH status %s = %d %v; want 422 pointing to outcome", status, code, out)
		}
	}
	if code, out := ts.api(t, tok, http.MethodPatch, "/api/v1/referrals/1", `{"status": "lukket", "version": 1}`); code != http.StatusUnprocessableEntity {
		t.Errorf("PATCH status lukket = %d %v; want 422", code, out)
	}
}

// A board member who is also the partner's contact reads the adviser's
// message on a referral to their own organisation that shares no person
// data: it is the summary written for the partner, and what they answer on.
// On other partners' referrals it stays hidden from them, as from the board.
func TestBoardMemberReadsOwnPartnersMessage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	region, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	adviser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	v := &models.Viewer{User: adviser, Region: region}
	refer := func(partner, message string) int64 {
		p, _ := ts.store.PartnerByName(ctx, partner)
		r, err := ts.store.CreateReferral(ctx, v, models.Actor{}, mustSubmit(t, ts), models.ReferralInput{PartnerID: p.ID, Reason: "financing", Message: message, Send: true})
		if err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	own, other := refer("Innovasjon Norge", "Oppsummering til IN"), refer("Siva", "Oppsummering til Siva")
	in, _ := ts.store.PartnerByName(ctx, "Innovasjon Norge")
	if _, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "styre-in@example.org", Name: "Ina Styre", PartnerID: in.ID},
		"styre-in-passord-12", []models.RoleGrant{{RegionID: region.ID, Role: models.RoleBoard}, {RegionID: region.ID, Role: models.RolePartner}}); err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	c.login("styre-in@example.org", "styre-in-passord-12")
	if _, page := c.get("/referrals/" + itoa(own)); !strings.Contains(page, "Oppsummering til IN") {
		t.Error("the board member does not see the message of a referral to their own organisation")
	}
	if _, page := c.get("/referrals/" + itoa(other)); strings.Contains(page, "Oppsummering til Siva") {
		t.Error("the board member sees the message of a referral to another partner")
	}
}

// The board's report says per partner what came of the referrals: declined
// and unanswered as well as supported, each linking to its list, as the CSV
// and the API do (the page left them out).
func TestReferralReportShowsEveryOutcomePerPartner(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, rid := sentReferral(t, ts, false)
	_, page := adviser.get("/referrals/" + rid)
	version := caseVersionField.FindStringSubmatch(page)[1]
	partner := ts.client(t)
	partner.login(demoEmail(models.RolePartner), models.DemoPassword)
	partner.get("/referrals/" + rid)
	if res, body := partner.post("/referrals/"+rid+"/close", url.Values{"outcome": {"declined"}, "outcome_reason": {"not_eligible"}, "version": {version}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("decline = %d\n%s", res.StatusCode, body)
	}
	board := ts.client(t)
	board.login(demoEmail(models.RoleBoard), models.DemoPassword)
	_, report := board.get("/reports/referrals")
	table := regexp.MustCompile(`(?s)<caption>[^<]*</caption>.*?</table>`).FindString(report)
	for _, want := range []string{">Avslått</th>", ">Ikke besvart</th>", "outcome=declined", "outcome=no_response"} {
		if !strings.Contains(table, want) {
			t.Errorf("the report's table per partner lacks %q", want)
		}
	}
	row := regexp.MustCompile(`(?s)<tr>\s*<th scope="row"><a class="ds-link" href="/referrals\?partner=\d+[^"]*">Innovasjon Norge</a></th>.*?</tr>`).FindString(table)
	if !regexp.MustCompile(`outcome=declined[^"]*">1</a>`).MatchString(row) {
		t.Errorf("Innovasjon Norge's row does not count the declined referral: %s", row)
	}
}

// A PATCH sending both a status and an outcome is refused, naming both
// fields: the outcome sets the status itself, and the status sent with it was
// silently dropped. Nothing changes.
func TestAPIStatusWithOutcomeRefused(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	_, rid := sentReferral(t, ts, false)
	tok := ts.token(t, models.RoleAdviser)
	code, out := ts.api(t, tok, http.MethodPatch, "/api/v1/referrals/"+rid, `{"status": "acknowledged", "outcome": "declined", "outcome_reason": "not_ready", "version": 1}`)
	errObj, _ := out["error"].(map[string]any)
	fields, _ := errObj["fields"].(map[string]any)
	if code != http.StatusUnprocessableEntity || fields["status"] == nil || fields["outcome"] == nil {
		t.Errorf("PATCH status and outcome = %d %v; want 422 naming status and outcome", code, out)
	}
	if msg, _ := fields["status"].(string); !strings.Contains(msg, "outcome") {
		t.Errorf("the refusal %q does not say to send the outcome alone", msg)
	}
	if r, _ := ts.store.Referral(context.Background(), adminViewer(t, ts), int64(mustAtoi(t, rid))); r.Status != "sent" || r.Version != 1 {
		t.Errorf("after the refused PATCH: %s version %d; want sent, version 1", r.Status, r.Version)
	}
}

// The one-time link shows the partner contact without an account the same
// person fields as the partner's own page, when the person consented and the
// adviser shared: the description, business name and organisation number
// too, not only name, e-mail and phone. Without sharing, none of them.
func TestLinkShowsWhatThePartnerPageShows(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ids := []int64{}
	for range 2 { // two enquiries, each its own
		body := `{"municipality": "3412", "enquirer_kind": "established_business", "needs": ["financing"], "description": "` + another("Hemmelig plan") + `",
			"name": "Testperson Tester", "email": "test@example.org", "phone": "91234567", "business_name": "Testbedrift AS", "org_number": "923609016",
			"consent_store": true, "consent_share": true}`
		status, out := ts.api(t, "", http.MethodPost, "/api/v1/intake", body)
		if status != http.StatusCreated {
			t.Fatalf("intake = %d %v", status, out)
		}
		list, _, _ := ts.store.Enquiries(context.Background(), adminViewer(t, ts), models.EnquiryFilter{Q: out["reference"].(string)})
		ids = append(ids, list[0].ID)
	}
	shared := referWithShare(t, ts, ids[0], "Innovasjon Norge")
	region, _ := ts.store.RegionBySlug(context.Background(), models.DemoRegionSlug)
	adviserUser, _ := ts.store.UserByEmail(context.Background(), demoEmail(models.RoleAdviser))
	in, _ := ts.store.PartnerByName(context.Background(), "Innovasjon Norge")
	notShared, err := ts.store.CreateReferral(context.Background(), &models.Viewer{User: adviserUser, Region: region}, models.Actor{}, ids[1],
		models.ReferralInput{PartnerID: in.ID, Reason: "financing", Send: true})
	if err != nil {
		t.Fatal(err)
	}
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	linkPage := func(rid int64) string {
		adviser.get("/referrals/" + itoa(rid))
		_, page := adviser.post("/referrals/"+itoa(rid)+"/link", nil)
		m := oneTimeLink.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no link")
		}
		res, body := ts.client(t).get(m[1])
		if res.StatusCode != http.StatusOK {
			t.Fatalf("link page = %d", res.StatusCode)
		}
		return body
	}
	partner := ts.client(t)
	partner.login(demoEmail(models.RolePartner), models.DemoPassword)
	_, partnerPage := partner.get("/referrals/" + itoa(shared))
	person := []string{"Testperson Tester", "test@example.org", "91234567", "Testbedrift AS", "923609016", "Hemmelig plan"}
	byLink := linkPage(shared)
	for _, want := range person {
		if !strings.Contains(partnerPage, want) {
			t.Fatalf("the partner's page lacks %q: the test's premise fails", want)
		}
		if !strings.Contains(byLink, want) {
			t.Errorf("the link page of a shared referral lacks %q, which the partner's page shows", want)
		}
	}
	byLink = linkPage(notShared.ID)
	for _, leak := range person {
		if strings.Contains(byLink, leak) {
			t.Errorf("the link page of an unshared referral shows %q", leak)
		}
	}
}

// The adviser moves a referral's follow-up date on its page and by PATCH:
// a refused date is named beside the field, in Norwegian, keeping what was
// typed, and changes nothing; the partner may not move it.
func TestReferralFollowUpChangeHTTP(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, rid := sentReferral(t, ts, false)
	_, page := adviser.get("/referrals/" + rid)
	if !strings.Contains(page, `action="/referrals/`+rid+`/follow-up"`) {
		t.Fatal("the referral's page offers no way to change the follow-up date")
	}
	today := ts.store.Now().In(models.Oslo)
	far := today.AddDate(2, 0, 0).Format("2006-01-02")
	res, body := adviser.post("/referrals/"+rid+"/follow-up", url.Values{"follow_up_due": {far}, "version": {"1"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "høyst ett år fram") || !strings.Contains(body, `value="`+far+`"`) {
		t.Errorf("a date two years ahead = %d; want 422 saying at most a year, keeping %s\n%s", res.StatusCode, far, fieldError(body))
	}
	next := today.AddDate(0, 1, 0).Format("2006-01-02")
	if res, body := adviser.post("/referrals/"+rid+"/follow-up", url.Values{"follow_up_due": {next}, "version": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a date a month ahead = %d; want 303\n%s", res.StatusCode, fieldError(body))
	}
	tok := ts.token(t, models.RoleAdviser)
	later := today.AddDate(0, 2, 0).Format("2006-01-02")
	if code, out := ts.api(t, tok, http.MethodPatch, "/api/v1/referrals/"+rid, `{"follow_up_due": "`+later+`", "version": 1}`); code != http.StatusConflict {
		t.Errorf("PATCH follow_up_due with a stale version = %d %v; want 409", code, out)
	}
	if code, out := ts.api(t, tok, http.MethodPatch, "/api/v1/referrals/"+rid, `{"follow_up_due": "`+later+`", "status": "acknowledged", "version": 2}`); code != http.StatusUnprocessableEntity {
		t.Errorf("PATCH follow_up_due with a status = %d %v; want 422", code, out)
	}
	code, out := ts.api(t, tok, http.MethodPatch, "/api/v1/referrals/"+rid, `{"follow_up_due": "`+later+`", "version": 2}`)
	if code != http.StatusOK || out["follow_up_due"] != later || out["version"] != float64(3) {
		t.Errorf("PATCH follow_up_due = %d %v; want 200, due %s, version 3", code, out, later)
	}
	partnerTok := ts.token(t, models.RolePartner)
	if code, out := ts.api(t, partnerTok, http.MethodPatch, "/api/v1/referrals/"+rid, `{"follow_up_due": "`+next+`", "version": 3}`); code != http.StatusUnprocessableEntity {
		t.Errorf("PATCH follow_up_due by the partner = %d %v; want 422", code, out)
	}
	partner := ts.client(t)
	partner.login(demoEmail(models.RolePartner), models.DemoPassword)
	partner.get("/referrals/" + rid)
	if res, _ := partner.post("/referrals/"+rid+"/follow-up", url.Values{"follow_up_due": {next}, "version": {"3"}}); res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusForbidden {
		t.Errorf("the partner's form = %d; want it refused", res.StatusCode)
	}
	if r, _ := ts.store.Referral(context.Background(), adminViewer(t, ts), int64(mustAtoi(t, rid))); r.Version != 3 || r.FollowUpDue.In(models.Oslo).Format("2006-01-02") != later {
		t.Errorf("after the partner's tries: version %d, due %s; want 3, %s", r.Version, r.FollowUpDue.In(models.Oslo), later)
	}
}

// The partner's late answer to a referral closed as unanswered is taken on
// its page: the form is offered (without "no response" for the adviser), and
// the referral becomes what came of it. A referral closed otherwise offers no
// outcome form.
func TestLateAnswerHTTP(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, rid := sentReferral(t, ts, false)
	version := caseVersionField
	_, page := adviser.get("/referrals/" + rid)
	if res, body := adviser.post("/referrals/"+rid+"/close", url.Values{"outcome": {"no_response"}, "outcome_reason": {"partner_silent"},
		"version": {version.FindStringSubmatch(page)[1]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("closing as unanswered = %d\n%s", res.StatusCode, fieldError(body))
	}
	close := `action="/referrals/` + rid + `/close"`
	if _, page := adviser.get("/referrals/" + rid); !strings.Contains(page, close) || strings.Contains(page, `value="no_response"`) {
		t.Errorf("the adviser's page of an unanswered referral: outcome form %t, offering no response again %t; want the form, without it",
			strings.Contains(page, close), strings.Contains(page, `value="no_response"`))
	}
	partner := ts.client(t)
	partner.login(demoEmail(models.RolePartner), models.DemoPassword)
	_, page = partner.get("/referrals/" + rid)
	if !strings.Contains(page, close) {
		t.Fatal("the partner is not offered to report the outcome of an unanswered referral")
	}
	if res, body := partner.post("/referrals/"+rid+"/close", url.Values{"outcome": {"declined"}, "outcome_reason": {"not_ready"},
		"version": {version.FindStringSubmatch(page)[1]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the partner's late answer = %d; want 303\n%s", res.StatusCode, fieldError(body))
	}
	r, _ := ts.store.Referral(context.Background(), adminViewer(t, ts), int64(mustAtoi(t, rid)))
	if r.Status != "declined" || r.Outcome != "declined" {
		t.Errorf("after the late answer: %s %s; want declined", r.Status, r.Outcome)
	}
	if _, page := partner.get("/referrals/" + rid); strings.Contains(page, close) {
		t.Error("a declined referral still offers the outcome form")
	}
}

// The adviser discards a draft that was never sent, on its page (a button
// behind a confirmation) and by DELETE with the version it read; the case can
// then be referred to the partner again. A sent referral offers no discard
// and refuses one; the partner cannot discard.
func TestDiscardDraftHTTP(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, _, rid := draftReferral(t, ts, models.RoleAdviser)
	_, page := adviser.get("/referrals/" + rid)
	if !strings.Contains(page, `action="/referrals/`+rid+`/discard"`) || !strings.Contains(page, "Ja, forkast utkastet") {
		t.Fatal("the draft's page offers no way to discard it")
	}
	r, _ := ts.store.Referral(context.Background(), adminViewer(t, ts), int64(mustAtoi(t, rid)))
	res, body := adviser.post("/referrals/"+rid+"/discard", url.Values{"version": {"1"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/enquiries/"+itoa(r.EnquiryID) {
		t.Fatalf("discard = %d to %q; want 303 to the case\n%s", res.StatusCode, res.Header.Get("Location"), fieldError(body))
	}
	if _, page := adviser.get("/enquiries/" + itoa(r.EnquiryID)); !strings.Contains(page, "Utkastet til henvisning er forkastet") || strings.Contains(page, `href="/referrals/`+rid+`"`) {
		t.Error("the case does not say the draft was discarded, or still lists it")
	}
	if res, _ := adviser.get("/referrals/" + rid); res.StatusCode != http.StatusNotFound {
		t.Errorf("the discarded draft = %d; want 404", res.StatusCode)
	}
	if res, body := adviser.post("/enquiries/"+itoa(r.EnquiryID)+"/referrals", url.Values{"partner_id": {partnerID(t, ts, "Innovasjon Norge")}, "reason": {"financing"}, "send": {"send"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("referring to the partner again after the discard = %d\n%s", res.StatusCode, fieldError(body))
	}

	tok := ts.token(t, models.RoleAdviser)
	code, out := ts.api(t, tok, http.MethodPost, "/api/v1/enquiries/"+itoa(mustSubmit(t, ts))+"/referrals", `{"partner_id": `+partnerID(t, ts, "Siva")+`, "reason": "financing", "status": "draft"}`)
	if code != http.StatusCreated {
		t.Fatalf("API draft = %d %v", code, out)
	}
	draft := itoa(int64(out["id"].(float64)))
	if code, out := ts.api(t, tok, http.MethodDelete, "/api/v1/referrals/"+draft, ""); code != http.StatusUnprocessableEntity {
		t.Errorf("DELETE without a version = %d %v; want 422", code, out)
	}
	if code, out := ts.api(t, tok, http.MethodDelete, "/api/v1/referrals/"+draft+"?version=2", ""); code != http.StatusConflict {
		t.Errorf("DELETE with a stale version = %d %v; want 409", code, out)
	}
	if code, out := ts.api(t, ts.token(t, models.RolePartner), http.MethodDelete, "/api/v1/referrals/"+draft+"?version=1", ""); code != http.StatusNotFound && code != http.StatusForbidden {
		t.Errorf("DELETE by the partner = %d %v; want it refused", code, out)
	}
	if code, out := ts.api(t, tok, http.MethodDelete, "/api/v1/referrals/"+draft+"?version=1", ""); code != http.StatusNoContent {
		t.Errorf("DELETE a draft = %d %v; want 204", code, out)
	}
	if code, _ := ts.api(t, tok, http.MethodGet, "/api/v1/referrals/"+draft, ""); code != http.StatusNotFound {
		t.Errorf("the discarded draft = %d; want 404", code)
	}

	_, sent := sentReferral(t, ts, false)
	if _, page := adviser.get("/referrals/" + sent); strings.Contains(page, "/discard") {
		t.Error("a sent referral offers to be discarded")
	}
	code, out = ts.api(t, tok, http.MethodDelete, "/api/v1/referrals/"+sent+"?version=1", "")
	errObj, _ := out["error"].(map[string]any)
	fields, _ := errObj["fields"].(map[string]any)
	if code != http.StatusUnprocessableEntity || fields["status"] == nil {
		t.Errorf("DELETE a sent referral = %d %v; want 422 on status", code, out)
	}
	if res, _ := adviser.post("/referrals/"+sent+"/discard", url.Values{"version": {"1"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("discarding a sent referral on its page = %d; want 422", res.StatusCode)
	}
}

// The adviser changes a draft's text on its page before sending it: a refusal
// is shown beside the field, keeping what was typed, and changes nothing.
func TestEditDraftHTTP(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, _, rid := draftReferral(t, ts, models.RoleAdviser)
	_, page := adviser.get("/referrals/" + rid)
	if !strings.Contains(page, `action="/referrals/`+rid+`/draft"`) || !strings.Contains(page, ">Utkast</textarea>") {
		t.Fatal("the draft's page offers no way to change its text")
	}
	res, body := adviser.post("/referrals/"+rid+"/draft", url.Values{"reason": {""}, "message": {"Ny tekst"}, "version": {"1"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-reason-error"`) || !strings.Contains(body, ">Ny tekst</textarea>") {
		t.Errorf("a draft without a reason = %d; want 422 beside the reason, keeping the message\n%s", res.StatusCode, fieldError(body))
	}
	if res, body := adviser.post("/referrals/"+rid+"/draft", url.Values{"reason": {"market_export"}, "message": {"Ny tekst"}, "share_personal_data": {"on"},
		"version": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("changing the draft = %d\n%s", res.StatusCode, fieldError(body))
	}
	r, _ := ts.store.Referral(context.Background(), adminViewer(t, ts), int64(mustAtoi(t, rid)))
	if r.Reason != "market_export" || r.Message != "Ny tekst" || !r.SharePersonalData || r.Version != 2 || r.Status != "draft" {
		t.Errorf("the changed draft: %s %q share %t version %d %s", r.Reason, r.Message, r.SharePersonalData, r.Version, r.Status)
	}
	_, sent := sentReferral(t, ts, false)
	if _, page := adviser.get("/referrals/" + sent); strings.Contains(page, "/draft\"") {
		t.Error("a sent referral offers its text to be changed")
	}
}

// A draft's text is changed by PATCH too, naming only what changes; a sent
// referral's text is what the partner got. A refusal changes nothing.
func TestEditDraftAPI(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	_, _, rid := draftReferral(t, ts, models.RoleAdviser)
	tok := ts.token(t, models.RoleAdviser)
	path := "/api/v1/referrals/" + rid
	refused := []struct {
		name, body string
		code       int
		field      string
	}{
		{"reason emptied", `{"reason": "", "version": 1}`, http.StatusUnprocessableEntity, "reason"},
		{"reason not a need", `{"reason": "money", "version": 1}`, http.StatusUnprocessableEntity, "reason"},
		{"text with sending", `{"message": "Ny", "status": "sent", "version": 1}`, http.StatusUnprocessableEntity, "status"},
		{"text with a date", `{"message": "Ny", "follow_up_due": "2027-01-10", "version": 1}`, http.StatusUnprocessableEntity, "status"},
		{"message of the wrong type", `{"message": 5, "version": 1}`, http.StatusBadRequest, "message"},
		{"message null", `{"message": null, "version": 1}`, http.StatusUnprocessableEntity, "message"},
		{"without a version", `{"message": "Ny"}`, http.StatusUnprocessableEntity, "version"},
		{"stale version", `{"message": "Ny", "version": 7}`, http.StatusConflict, ""},
	}
	for _, c := range refused {
		code, out := ts.api(t, tok, http.MethodPatch, path, c.body)
		errObj, _ := out["error"].(map[string]any)
		fields, _ := errObj["fields"].(map[string]any)
		if code != c.code || (c.field != "" && fields[c.field] == nil) {
			t.Errorf("%s: %d %v; want %d on %q", c.name, code, out, c.code, c.field)
		}
	}
	if code, out := ts.api(t, ts.token(t, models.RolePartner), http.MethodPatch, path, `{"message": "Partneren", "version": 1}`); code != http.StatusNotFound && code != http.StatusForbidden {
		t.Errorf("the partner's PATCH of a draft = %d %v; want it refused", code, out)
	}
	r, _ := ts.store.Referral(context.Background(), adminViewer(t, ts), int64(mustAtoi(t, rid)))
	if r.Message != "Utkast" || r.Reason != "financing" || r.Version != 1 {
		t.Fatalf("after the refusals the draft is %q %s version %d; want it unchanged", r.Message, r.Reason, r.Version)
	}

	code, out := ts.api(t, tok, http.MethodPatch, path, `{"message": "Ny tekst", "version": 1}`)
	if code != http.StatusOK || out["message"] != "Ny tekst" || out["reason"] != "financing" || out["status"] != "draft" || out["version"] != float64(2) {
		t.Fatalf("PATCH a draft's message = %d %v; want 200, the reason kept, version 2", code, out)
	}
	if code, out := ts.api(t, tok, http.MethodPatch, path, `{"status": "sent", "version": 2}`); code != http.StatusOK || out["status"] != "sent" {
		t.Fatalf("sending the draft = %d %v", code, out)
	}
	code, out = ts.api(t, tok, http.MethodPatch, path, `{"message": "Etterpå", "version": 3}`)
	errObj, _ := out["error"].(map[string]any)
	fields, _ := errObj["fields"].(map[string]any)
	if code != http.StatusUnprocessableEntity || fields["status"] == nil {
		t.Errorf("PATCH a sent referral's message = %d %v; want 422 on status", code, out)
	}
}

// The newer fields of the API refuse bad input and change nothing: a
// follow-up date of the wrong type or form, consent to store taken back by
// PATCH or consent of the wrong type, a discard's version that is no number.
func TestNewAPIFieldsRefuseBadInput(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	_, rid := sentReferral(t, ts, false)
	r, err := ts.store.Referral(ctx, adminViewer(t, ts), int64(mustAtoi(t, rid)))
	if err != nil {
		t.Fatal(err)
	}
	tok := ts.token(t, models.RoleAdviser)
	versions := func() (int, int) {
		t.Helper()
		ref, err := ts.store.Referral(ctx, adminViewer(t, ts), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		e, err := ts.store.Enquiry(ctx, adminViewer(t, ts), r.EnquiryID)
		if err != nil {
			t.Fatal(err)
		}
		return ref.Version, e.Version
	}
	refV, enqV := versions()
	ref, enq := "/api/v1/referrals/"+rid, "/api/v1/enquiries/"+itoa(r.EnquiryID)
	for _, c := range []struct {
		method, path, body string
		want               []int
	}{
		{http.MethodPatch, ref, fmt.Sprintf(`{"follow_up_due": 20261231, "version": %d}`, refV), []int{400}},
		{http.MethodPatch, ref, fmt.Sprintf(`{"follow_up_due": "31.12.2026", "version": %d}`, refV), []int{400, 422}},
		{http.MethodPatch, ref, fmt.Sprintf(`{"follow_up_due": "2026-02-30", "version": %d}`, refV), []int{400, 422}},
		{http.MethodPatch, ref, fmt.Sprintf(`{"follow_up_due": "2099-01-01", "version": %d}`, refV), []int{422}},
		{http.MethodPatch, enq, fmt.Sprintf(`{"consent_share": "nei", "version": %d}`, enqV), []int{400}},
		{http.MethodPatch, enq, fmt.Sprintf(`{"consent_store": false, "version": %d}`, enqV), []int{422}},
		{http.MethodDelete, ref + "?version=en", "", []int{400, 422}},
	} {
		code, out := ts.api(t, tok, c.method, c.path, c.body)
		if !slices.Contains(c.want, code) {
			t.Errorf("%s %s %s = %d %v; want %v", c.method, c.path, c.body, code, out, c.want)
		}
		if r2, e2 := versions(); r2 != refV || e2 != enqV {
			t.Errorf("%s %s %s changed the versions to %d, %d", c.method, c.path, c.body, r2, e2)
		}
	}
}

// A partner who answers late, after the referral was closed as unanswered,
// may do so through the one-time link, so the board learns what came of it:
// through a link made before (still live) after the adviser marked it
// unanswered, and through a new link the adviser makes once the nightly round
// has marked it (the first link ran out by then: 30 days against the
// follow-up date plus the region's days without answer). The late answer is
// recorded as on the partner's page (status, outcome, history via the link,
// audited), and moves the referral between the follow-up lists. Only an
// outcome is taken: an acknowledgement of a closed referral is refused, and
// the link is used up by the outcome as always.
func TestLateAnswerThroughLink(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	clock := time.Now().UTC()
	ts.store.SetClock(func() time.Time { return clock })
	version := caseVersionField
	status := func(rid string) *models.Referral {
		t.Helper()
		r, err := ts.store.Referral(ctx, adminViewer(t, ts), int64(mustAtoi(t, rid)))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	listed := func(rid string, f models.ReferralFilter) bool {
		t.Helper()
		list, _, err := ts.store.Referrals(ctx, adminViewer(t, ts), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list {
			if itoa(r.ID) == rid {
				return true
			}
		}
		return false
	}

	// The adviser marks it unanswered; the link made before still works.
	adviser, rid := sentReferral(t, ts, true)
	adviser.get("/referrals/" + rid)
	_, page := adviser.post("/referrals/"+rid+"/link", nil)
	link := oneTimeLink.FindStringSubmatch(page)[1]
	_, page = adviser.get("/referrals/" + rid)
	if res, body := adviser.post("/referrals/"+rid+"/close", url.Values{"outcome": {"no_response"}, "outcome_reason": {"partner_silent"},
		"version": {version.FindStringSubmatch(page)[1]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("closing as unanswered = %d\n%s", res.StatusCode, fieldError(body))
	}
	anon := ts.client(t)
	res, body := anon.get(link)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Meld utfallet likevel") || strings.Contains(body, `value="acknowledge"`) {
		t.Fatalf("the link of an unanswered referral = %d, late form %t, acknowledge offered %t; want 200 with the late outcome form alone",
			res.StatusCode, strings.Contains(body, "Meld utfallet likevel"), strings.Contains(body, `value="acknowledge"`))
	}
	before := dbFingerprint(t, ts)
	if res, body := anon.post(link, url.Values{"action": {"acknowledge"}}); res.StatusCode != http.StatusUnprocessableEntity || strings.Contains(body, "bekreftet mottatt") {
		t.Errorf("acknowledging an unanswered referral by link = %d; want 422, not thanked", res.StatusCode)
	}
	if dbFingerprint(t, ts) != before {
		t.Error("acknowledging an unanswered referral by link changed the database")
	}
	if !listed(rid, models.ReferralFilter{Status: "no_response"}) {
		t.Fatal("the unanswered referral is not among the unanswered")
	}
	res, body = anon.post(link, url.Values{"action": {"outcome"}, "outcome": {"supported"}, "outcome_reason": {"granted"}, "instrument": {"start_up_grant"}, "amount_nok": {"150 000"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Takk, utfallet er registrert") {
		t.Fatalf("the late answer by link = %d; want 200 thanking\n%s", res.StatusCode, fieldError(body))
	}
	if r := status(rid); r.Status != "completed" || r.Outcome != "supported" || r.AmountNOK != 150000 || r.Instrument != "start_up_grant" {
		t.Errorf("after the late answer by link: %s %s %s %d; want completed, supported, start_up_grant, 150000", r.Status, r.Outcome, r.Instrument, r.AmountNOK)
	}
	if listed(rid, models.ReferralFilter{Status: "no_response"}) || !listed(rid, models.ReferralFilter{Outcome: "supported"}) {
		t.Error("the follow-up lists still count the late-answered referral as unanswered")
	}
	audit, _ := ts.store.AuditFor(ctx, "referral", rid)
	found := false
	for _, a := range audit {
		found = found || (a.Action == "close" && strings.Contains(a.Detail, "via=link") && strings.Contains(a.Detail, "after=no_response"))
	}
	if !found {
		t.Error("the late answer by link is not in the audit log as one")
	}
	history, _ := ts.store.ReferralHistory(ctx, adminViewer(t, ts), int64(mustAtoi(t, rid)))
	if last := history[len(history)-1]; last.FromStatus != "no_response" || last.ToStatus != "completed" || last.Via != "link" {
		t.Errorf("the history's last step = %s→%s via %s; want no_response→completed via link", last.FromStatus, last.ToStatus, last.Via)
	}
	if res, _ := anon.post(link, url.Values{"action": {"outcome"}, "outcome": {"declined"}, "outcome_reason": {"not_ready"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("a second answer through the used link = %d; want 404", res.StatusCode)
	}
	if r := status(rid); r.Outcome != "supported" {
		t.Errorf("the used link changed the outcome to %s", r.Outcome)
	}

	// The nightly round marks it unanswered after the first link ran out;
	// the adviser makes a new one, and the partner answers through it.
	adviser, rid = sentReferral(t, ts, false)
	adviser.get("/referrals/" + rid)
	_, page = adviser.post("/referrals/"+rid+"/link", nil)
	old := oneTimeLink.FindStringSubmatch(page)[1]
	clock = clock.AddDate(0, 0, 60)
	if n, err := ts.store.MarkNoResponse(ctx); err != nil || n == 0 {
		t.Fatalf("the round marked %d, %v", n, err)
	}
	if r := status(rid); r.Status != "no_response" {
		t.Fatalf("after the round: %s; want no_response", r.Status)
	}
	if res, _ := anon.get(old); res.StatusCode != http.StatusNotFound {
		t.Errorf("the expired link = %d; want 404", res.StatusCode)
	}
	adviser = ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	if _, page := adviser.get("/referrals/" + rid); !strings.Contains(page, `action="/referrals/`+rid+`/link"`) {
		t.Error("the page of an unanswered referral offers the adviser no new link")
	}
	res, page = adviser.post("/referrals/"+rid+"/link", nil)
	m := oneTimeLink.FindStringSubmatch(page)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("a new link for an unanswered referral = %d, link shown %t", res.StatusCode, m != nil)
	}
	anon.get(m[1])
	if res, body := anon.post(m[1], url.Values{"action": {"outcome"}, "outcome": {"declined"}, "outcome_reason": {"not_ready"}}); res.StatusCode != http.StatusOK {
		t.Fatalf("the late answer through the new link = %d\n%s", res.StatusCode, fieldError(body))
	}
	if r := status(rid); r.Status != "declined" || r.Outcome != "declined" || r.OutcomeReason != "not_ready" {
		t.Errorf("after the late answer through the new link: %s %s %s; want declined, declined, not_ready", r.Status, r.Outcome, r.OutcomeReason)
	}
	// Closed otherwise, it takes no new link.
	_, page = adviser.get("/referrals/" + rid)
	if strings.Contains(page, `action="/referrals/`+rid+`/link"`) {
		t.Error("a declined referral's page offers a new link")
	}
	if res, _ := adviser.post("/referrals/"+rid+"/link", nil); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a link for a declined referral = %d; want 422", res.StatusCode)
	}
}

// The refer form's contact is the partner's: "Kontaktperson" alone could be
// read as the enquirer's, whose name would then be kept when their data is
// erased, as the partner's contact is.
func TestReferFormContactIsThePartners(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := mustSubmit(t, ts)
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	_, page := adviser.get("/enquiries/" + itoa(id))
	for _, want := range []string{`for="f-contact_name">Kontaktperson hos partneren<`, `for="f-contact_email">Kontaktpersonens e-post<`} {
		if !strings.Contains(page, want) {
			t.Errorf("the refer form lacks %s", want)
		}
	}
}

// A partner who presses "Lagre utfall" twice (a double click, a slow
// connection, the browser's "send again") had their outcome recorded by the
// first and was told by the second, the page they are left with, that their
// answer was not recorded. The same answer again within minutes of the first
// is thanked for as recorded, and records nothing more; another answer, or the
// same one long after, is told the link has ended, as before (a link holder
// may not learn the outcome by guessing at it).
func TestLinkOutcomeSentTwice(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	clock := time.Now().UTC()
	ts.store.SetClock(func() time.Time { return clock })
	adviser, rid := sentReferral(t, ts, false)
	adviser.get("/referrals/" + rid)
	_, page := adviser.post("/referrals/"+rid+"/link", nil)
	link := oneTimeLink.FindStringSubmatch(page)[1]
	anon := ts.client(t)
	anon.get(link)
	answer := url.Values{"action": {"outcome"}, "outcome": {"supported"}, "outcome_reason": {"granted"}, "instrument": {"loan"}, "amount_nok": {"200 000"}}
	if res, body := anon.post(link, answer); res.StatusCode != http.StatusOK || !strings.Contains(body, "Takk, utfallet er registrert") {
		t.Fatalf("the answer = %d\n%s", res.StatusCode, fieldError(body))
	}
	const recorded, ended = "Takk, utfallet er registrert", "Svaret ble ikke registrert"
	clock = clock.Add(5 * time.Second)
	before := dbFingerprint(t, ts)
	res, body := anon.post(link, answer)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, recorded) || strings.Contains(body, ended) {
		t.Errorf("the same answer again at once = %d, thanked %t, told not recorded %t; want 200 thanking", res.StatusCode, strings.Contains(body, recorded), strings.Contains(body, ended))
	}
	if dbFingerprint(t, ts) != before {
		t.Error("the same answer again changed the database")
	}
	other := url.Values{"action": {"outcome"}, "outcome": {"declined"}, "outcome_reason": {"not_ready"}}
	for name, tc := range map[string]struct {
		form  url.Values
		after time.Duration
	}{
		"another answer at once":      {other, 0},
		"another amount at once":      {url.Values{"action": {"outcome"}, "outcome": {"supported"}, "outcome_reason": {"granted"}, "instrument": {"loan"}, "amount_nok": {"300 000"}}, 0},
		"the same answer a day after": {answer, 24 * time.Hour},
	} {
		clock = clock.Add(tc.after)
		res, body := anon.post(link, tc.form)
		if res.StatusCode != http.StatusNotFound || !strings.Contains(body, ended) || strings.Contains(body, recorded) {
			t.Errorf("%s = %d, told not recorded %t; want 404 saying the answer was not recorded", name, res.StatusCode, strings.Contains(body, ended))
		}
		clock = clock.Add(-tc.after)
	}
	if r, _ := ts.store.Referral(context.Background(), adminViewer(t, ts), int64(mustAtoi(t, rid))); r.Outcome != "supported" || r.AmountNOK != 200000 {
		t.Errorf("after the answers: %s %d; want the first, supported 200000", r.Outcome, r.AmountNOK)
	}
}

// The one-time link's page, as a partner without an account reads it: it
// names the adviser who sent the referral (the page tells them to contact the
// adviser, and did not say who), when it was sent, and until when the link
// works and that it may be used again until the outcome is reported. A form
// sent with errors opens with a summary of them (the fields are far down the
// page, and the page seemed unchanged). A link cut short (e-mail programs
// break long links) is told so, in words for the partner rather than the
// log-in invitation of the general "not found" page.
func TestLinkPageForThePartner(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, rid := sentReferral(t, ts, false)
	adviser.get("/referrals/" + rid)
	_, page := adviser.post("/referrals/"+rid+"/link", nil)
	link := oneTimeLink.FindStringSubmatch(page)[1]
	anon := ts.client(t)
	_, body := anon.get(link)
	today := ts.store.Now().In(models.Oslo)
	until := ts.store.Now().Add(LinkValidity).In(models.Oslo).Format("02.01.2006")
	for _, want := range []string{"Rune Rådgiver", `href="mailto:radgiver@hamarregionen.example"`, today.Format("02.01.2006"),
		"Lenken virker til " + until, "til utfallet er meldt"} {
		if !strings.Contains(body, want) {
			t.Errorf("the link's page lacks %q", want)
		}
	}
	for name, form := range map[string]url.Values{
		"nothing chosen":   {"action": {"outcome"}},
		"amount not a sum": {"action": {"outcome"}, "outcome": {"supported"}, "outcome_reason": {"granted"}, "instrument": {"loan"}, "amount_nok": {"mange"}},
	} {
		res, body := anon.post(link, form)
		summary := strings.Index(body, `id="error-summary"`)
		if res.StatusCode != http.StatusUnprocessableEntity || summary < 0 || summary > strings.Index(body, `<form`) {
			t.Errorf("%s = %d, summary at %d before the first form at %d; want 422 opening with a summary", name, res.StatusCode, summary, strings.Index(body, `<form`))
		}
	}
	_, body = anon.post(link, url.Values{"action": {"outcome"}})
	if !strings.Contains(body, `href="#f-outcome-0"`) {
		t.Error("the summary does not lead to the outcome's first choice")
	}
	for _, bad := range []string{link[:len(link)-10], "/r/rl_" + strings.Repeat("A", 43)} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			var res *http.Response
			var body string
			if method == http.MethodGet {
				res, body = anon.get(bad)
			} else {
				res, body = anon.post(bad, url.Values{"action": {"acknowledge"}})
			}
			if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "hele lenken") || strings.Contains(body, "Logg inn") || strings.Contains(body, "Lenken kan ikke brukes lenger") {
				t.Errorf("%s of a link cut short = %d, says to check the whole link %t; want 404 saying so, without the log-in", method, res.StatusCode, strings.Contains(body, "hele lenken"))
			}
		}
	}
}

// The reasons of both outcomes are in one list, grouped by outcome: a reason
// of the other outcome is refused saying so, where it said "Velg et av
// alternativene." to a partner who had chosen one. Nothing is recorded.
func TestLinkReasonOfTheOtherOutcome(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, rid := sentReferral(t, ts, false)
	adviser.get("/referrals/" + rid)
	_, page := adviser.post("/referrals/"+rid+"/link", nil)
	link := oneTimeLink.FindStringSubmatch(page)[1]
	anon := ts.client(t)
	anon.get(link)
	before := dbFingerprint(t, ts)
	res, body := anon.post(link, url.Values{"action": {"outcome"}, "outcome": {"supported"}, "outcome_reason": {"not_ready"}, "instrument": {"loan"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Begrunnelsen passer ikke til utfallet") {
		t.Errorf("a reason of the other outcome = %d: %s; want 422 saying it does not go with the outcome", res.StatusCode, fieldError(body))
	}
	if dbFingerprint(t, ts) != before {
		t.Error("the refused answer changed the database")
	}
}

// Once the referral is acknowledged, the link's page no longer asks the
// partner to acknowledge it (right below the thanks for doing so): it asks
// for the outcome alone.
func TestLinkPageAfterAcknowledging(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, rid := sentReferral(t, ts, false)
	adviser.get("/referrals/" + rid)
	_, page := adviser.post("/referrals/"+rid+"/link", nil)
	link := oneTimeLink.FindStringSubmatch(page)[1]
	anon := ts.client(t)
	if _, body := anon.get(link); !strings.Contains(body, "Bekreft at dere har mottatt henvisningen") {
		t.Error("the link's page of a sent referral does not ask to acknowledge it")
	}
	res, body := anon.post(link, url.Values{"action": {"acknowledge"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Takk, henvisningen er bekreftet mottatt") {
		t.Fatalf("acknowledge = %d", res.StatusCode)
	}
	for name, body := range map[string]string{"after acknowledging": body, "opened again": func() string { _, b := anon.get(link); return b }()} {
		if strings.Contains(body, "Bekreft at dere har mottatt") || !strings.Contains(body, "Meld utfallet når det er klart") {
			t.Errorf("%s, the page asks to acknowledge %t, for the outcome %t; want the outcome alone", name,
				strings.Contains(body, "Bekreft at dere har mottatt"), strings.Contains(body, "Meld utfallet når det er klart"))
		}
	}
}

// An outcome reported without its reason, or supported without the
// instrument, names what to choose from the list, where it said "Fyll ut
// feltet." (fill in the field) beside a drop-down.
func TestOutcomeSaysWhatToChoose(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, rid := sentReferral(t, ts, false)
	adviser.get("/referrals/" + rid)
	_, page := adviser.post("/referrals/"+rid+"/link", nil)
	link := oneTimeLink.FindStringSubmatch(page)[1]
	anon := ts.client(t)
	anon.get(link)
	res, body := anon.post(link, url.Values{"action": {"outcome"}, "outcome": {"supported"}})
	for _, want := range []string{"Velg en begrunnelse for utfallet.", "Velg hvilket virkemiddel som ble innvilget."} {
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
			t.Errorf("supported without reason and instrument = %d, lacking %q", res.StatusCode, want)
		}
	}
	if strings.Contains(body, "Fyll ut feltet.") {
		t.Error("a drop-down is told to be filled in")
	}
}

// A form of the logged-in referral page sent with errors opens the page with
// an error summary, as the one-time link's page and every other form do: its
// links lead to the fields, in their order, and nothing is saved. Before, the
// outcome's errors stood beside its fields far down the page, which seemed
// unchanged; the follow-up date's and a comment's likewise.
func TestReferralPageErrorSummary(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	adviser, rid := sentReferral(t, ts, false)
	partner := ts.client(t)
	partner.login(demoEmail(models.RolePartner), models.DemoPassword)
	board := ts.client(t)
	board.login(demoEmail(models.RoleBoard), models.DemoPassword)
	id, err := strconv.ParseInt(rid, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	state := func() string {
		r, err := ts.store.Referral(ctx, adminViewer(t, ts), id)
		if err != nil {
			t.Fatal(err)
		}
		comments, err := ts.store.ReferralComments(ctx, adminViewer(t, ts), id)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(r.Version, r.Status, r.Outcome, r.FollowUpDue, len(comments))
	}
	version := func(c *client) string {
		_, page := c.get("/referrals/" + rid)
		return caseVersionField.FindStringSubmatch(page)[1]
	}
	tests := []struct {
		name  string
		as    *client
		path  string
		form  url.Values
		links []string
		shows []string
	}{
		{"adviser's outcome, nothing chosen", adviser, "/close", url.Values{}, []string{"#f-outcome-0"}, []string{"Utfall: "}},
		{"adviser's outcome, an amount that is no sum", adviser, "/close",
			url.Values{"outcome": {"supported"}, "outcome_reason": {"granted"}, "instrument": {"loan"}, "amount_nok": {"mange"}}, []string{"#f-amount_nok"}, nil},
		{"partner's outcome, a reason of the other outcome", partner, "/close",
			url.Values{"outcome": {"supported"}, "outcome_reason": {"not_eligible"}, "instrument": {"loan"}}, []string{"#f-outcome_reason"}, nil},
		{"follow-up date that is no date", adviser, "/follow-up", url.Values{"follow_up_due": {"i morgen"}}, []string{"#f-follow_up_due"}, nil},
		{"board's comment too long", board, "/comments", url.Values{"comment": {strings.Repeat("Status? ", 300)}}, []string{"#f-comment"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.path != "/comments" {
				tt.form.Set("version", version(tt.as))
			}
			before := state()
			res, body := tt.as.post("/referrals/"+rid+tt.path, tt.form)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("POST %s = %d; want 422\n%s", tt.path, res.StatusCode, body)
			}
			summary := errorSummary(body)
			// The summary opens the page: under its heading, before the referral's facts and forms.
			if at := strings.Index(body, `id="error-summary"`); at < strings.Index(body, "<h1") || at > strings.Index(body, `<dl class="facts">`) {
				t.Fatalf("the page does not open with an error summary under its heading (at %d)\n%s", at, body)
			}
			var got []string
			for _, m := range summaryLink.FindAllStringSubmatch(summary, -1) {
				got = append(got, m[1])
				if !strings.Contains(body, `id="`+strings.TrimPrefix(m[1], "#")+`"`) {
					t.Errorf("the summary's link %s leads to no element of the page", m[1])
				}
			}
			if !slices.Equal(got, tt.links) {
				t.Errorf("the error summary links to %q; want %q\n%s", got, tt.links, summary)
			}
			for _, want := range tt.shows {
				if !strings.Contains(summary, want) {
					t.Errorf("the summary lacks %q", want)
				}
			}
			if n := strings.Count(body, "Noen felt må rettes."); n != 1 {
				t.Errorf("the page says %d times that some fields must be corrected; want once, as the summary's title", n)
			}
			if after := state(); after != before {
				t.Errorf("a refused form changed the referral: %s; want %s", after, before)
			}
		})
	}
}

// An outcome form left open while the referral was closed (withdrawn by the
// adviser, say) is refused saying the referral is no longer open, also when
// the form has a typing error or lacks a reason: the page of a closed
// referral draws no outcome form, so the outcome's field errors were shown
// nowhere, and the page said only "Noen felt må rettes." Nothing changes.
func TestStaleOutcomeFormOnClosedReferral(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, rid := sentReferral(t, ts, false)
	partner := ts.client(t)
	partner.login(demoEmail(models.RolePartner), models.DemoPassword)
	versionOf := func(c *client) string {
		_, page := c.get("/referrals/" + rid)
		return caseVersionField.FindStringSubmatch(page)[1]
	}
	stale := versionOf(partner) // the partner's page, read before the referral closed
	if res, body := adviser.post("/referrals/"+rid+"/close", url.Values{"outcome": {"withdrawn"}, "outcome_reason": {"enquirer_withdrew"}, "version": {versionOf(adviser)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdrawing = %d\n%s", res.StatusCode, errorSummary(body))
	}
	const want = `role="alert"><p class="ds-paragraph">Henvisningen er ikke åpen.`
	for _, tt := range []struct {
		name string
		form url.Values
	}{
		{"whole", url.Values{"outcome": {"supported"}, "outcome_reason": {"granted"}, "instrument": {"loan"}, "amount_nok": {"5000"}}},
		{"no reason nor instrument", url.Values{"outcome": {"supported"}}},
		{"an amount that is no sum", url.Values{"outcome": {"supported"}, "outcome_reason": {"granted"}, "instrument": {"loan"}, "amount_nok": {"mange"}}},
		{"an amount that is no sum, no reason", url.Values{"outcome": {"supported"}, "amount_nok": {"mange"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := dbFingerprint(t, ts)
			tt.form.Set("version", stale)
			res, body := partner.post("/referrals/"+rid+"/close", tt.form)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) || strings.Contains(body, "Noen felt må rettes.") {
				t.Errorf("POST close = %d; want 422 saying the referral is not open, and no field errors it cannot show\n%s", res.StatusCode,
					regexp.MustCompile(`role="alert"[^>]*>.{0,200}`).FindString(body))
			}
			if dbFingerprint(t, ts) != before {
				t.Error("the refused outcome changed something")
			}
		})
	}
}

// The API's outcome for a referral closed already is refused saying it is no
// longer open, first and alone, also when the body lacks its version or its
// outcome is incomplete: the one-round check of an outcome (2dfbbe0) had
// answered the version and the outcome's fields, and the closed referral only
// once they were mended.
func TestAPIOutcomeOnClosedReferral(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, rid := sentReferral(t, ts, false)
	_, page := adviser.get("/referrals/" + rid)
	v := caseVersionField.FindStringSubmatch(page)[1]
	if res, body := adviser.post("/referrals/"+rid+"/close", url.Values{"outcome": {"withdrawn"}, "outcome_reason": {"enquirer_withdrew"}, "version": {v}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdrawing = %d\n%s", res.StatusCode, errorSummary(body))
	}
	tok := ts.token(t, models.RoleAdviser)
	const want = "Henvisningen er ikke åpen."
	for _, body := range []string{
		`{"outcome": "supported", "outcome_reason": "granted", "instrument": "loan", "version": ` + v + `}`,
		`{"outcome": "supported", "version": ` + v + `}`,
		`{"outcome": "supported"}`,
		`{"outcome": "supported", "outcome_reason": "granted", "instrument": "loan"}`,
	} {
		before := dbFingerprint(t, ts)
		code, out := ts.api(t, tok, http.MethodPatch, "/api/v1/referrals/"+rid, body)
		e, _ := out["error"].(map[string]any)
		fields, _ := e["fields"].(map[string]any)
		if code != http.StatusUnprocessableEntity || fmtAny(fields["outcome"]) != want || len(fields) != 1 {
			t.Errorf("PATCH %s = %d %v; want 422 with outcome %q alone", body, code, out, want)
		}
		if dbFingerprint(t, ts) != before {
			t.Errorf("PATCH %s changed something", body)
		}
	}
}

// The referral page says why the person behind it is not shown, truly for the
// viewer: to the partner's contact, that the adviser did not share the person;
// to the board, which never sees person data, not that the person was not
// shared (here the partner does see them).
func TestReferralPageSaysWhyThePersonIsHidden(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	shared := referWithShare(t, ts, mustFirst(submitShared(t, ts, true)), "Innovasjon Norge")
	unshared, err := ts.store.CreateReferral(context.Background(), adviserViewer(t, ts), models.Actor{}, mustFirst(submitShared(t, ts, false)),
		models.ReferralInput{PartnerID: mustPartnerID(t, ts, "Innovasjon Norge"), Reason: "financing", Message: "Trenger kapital", Send: true})
	if err != nil {
		t.Fatal(err)
	}
	const notShared, notForRole = "Personopplysninger er ikke delt.", "Personopplysninger vises bare for rådgiverne"
	tests := []struct {
		name, role string
		id         int64
		want, not  string
	}{
		{"board, shared with the partner", models.RoleBoard, shared, notForRole, notShared},
		{"board, not shared", models.RoleBoard, unshared.ID, notForRole, notShared},
		{"partner, not shared", models.RolePartner, unshared.ID, notShared, notForRole},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ts.client(t)
			c.login(demoEmail(tt.role), models.DemoPassword)
			res, page := c.get("/referrals/" + itoa(tt.id))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET /referrals/%d as %s = %d", tt.id, tt.role, res.StatusCode)
			}
			if !strings.Contains(page, tt.want) || strings.Contains(page, tt.not) {
				t.Errorf("the %s is told %q about the person; want %q", tt.role, personSection(page), tt.want)
			}
		})
	}
}

func mustFirst(id int64, _ string) int64 { return id }

func mustPartnerID(t *testing.T, ts *testServer, name string) int64 {
	t.Helper()
	p, err := ts.store.PartnerByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// adviserViewer is the demo adviser working in the demo region.
func adviserViewer(t *testing.T, ts *testServer) *models.Viewer {
	t.Helper()
	ctx := context.Background()
	adviser, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	region, err := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	if err != nil {
		t.Fatal(err)
	}
	return &models.Viewer{User: adviser, Region: region}
}

// personSection is the text of the page's section on the person, for a message.
func personSection(page string) string {
	i := strings.Index(page, `id="s-person"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(page[i:], "</section>")
	if j < 0 {
		return page[i:]
	}
	return page[i : i+j]
}

// An empty list of referrals says why: none sent yet (to a partner's contact:
// none to their organisation yet), none on the tab chosen, or, with a filter
// set, none that match.
func TestReferralListEmptyStates(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	emptyRegion(t, ts, regionUser{Email: "partner@ny.example", Role: models.RolePartner, Partner: mustPartnerID(t, ts, "Siva")},
		regionUser{Email: "radgiver@ny.example", Role: models.RoleAdviser})
	const filtered = "Ingen henvisninger passer utvalget. Prøv å fjerne noen filtre."
	tests := []struct{ email, path, want string }{
		{"partner@ny.example", "/referrals", "Ingen henvisninger er sendt til organisasjonen din ennå."},
		{"partner@ny.example", "/referrals?status=sent", filtered},
		{"radgiver@ny.example", "/referrals", "Ingen henvisninger ennå."},
		{"radgiver@ny.example", "/referrals?open=on", "Ingen åpne henvisninger."},
		{"radgiver@ny.example", "/referrals?tab=due", "Ingen av henvisningene dine skal følges opp denne uka"},
		{"radgiver@ny.example", "/referrals?tab=due&status=sent", filtered},
	}
	for _, tt := range tests {
		c := ts.client(t)
		c.login(tt.email, emptyRegionPassword)
		res, page := c.get(tt.path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s as %s = %d", tt.path, tt.email, res.StatusCode)
		}
		if !strings.Contains(page, tt.want) {
			t.Errorf("GET %s as %s: the empty list does not say %q", tt.path, tt.email, tt.want)
		}
	}
}

// A partner's double click on a one-time link's button sends the same answer
// twice at once. Each request is answered as the partner expects, with the
// same confirmation (the acknowledgement thanked for, the outcome recorded),
// and the referral takes the answer once: one step in its history, one audit
// entry. On PostgreSQL, where two transactions run side by side, the second
// read the link and the referral before the first committed and was answered
// with a conflict, the page of a stale form, which a partner without an
// account can make nothing of.
func TestLinkAnswerSentTwiceAtOnce(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	adviser, rid := sentReferral(t, ts, false)
	adviser.get("/referrals/" + rid)
	_, page := adviser.post("/referrals/"+rid+"/link", nil)
	link := oneTimeLink.FindStringSubmatch(page)[1]
	anon := ts.client(t)
	anon.get(link)
	const at = 8
	sendAtOnce := func(form url.Values) (codes []int, bodies []string) {
		t.Helper()
		form.Set("_csrf", anon.csrf)
		codes, bodies = make([]int, at), make([]string, at)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range at {
			wg.Go(func() {
				<-start
				res, err := anon.http.PostForm(ts.URL+link, form)
				if err != nil {
					t.Error(err)
					return
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				codes[i], bodies[i] = res.StatusCode, string(b)
			})
		}
		close(start)
		wg.Wait()
		return codes, bodies
	}
	steps := func() map[string]int {
		t.Helper()
		history, err := ts.store.ReferralHistory(ctx, adminViewer(t, ts), int64(mustAtoi(t, rid)))
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, ev := range history {
			n[ev.ToStatus]++
		}
		return n
	}
	audited := func(action string) int {
		t.Helper()
		entries, err := ts.store.AuditFor(ctx, "referral", rid)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Action == action {
				n++
			}
		}
		return n
	}

	codes, bodies := sendAtOnce(url.Values{"action": {"acknowledge"}})
	for i := range at {
		if codes[i] != http.StatusOK || !strings.Contains(bodies[i], "Takk, henvisningen er bekreftet mottatt") {
			t.Errorf("acknowledgement %d of %d sent at once = %d, thanked %t; want 200 thanking", i+1, at, codes[i], strings.Contains(bodies[i], "bekreftet mottatt"))
		}
	}
	if n := steps()["acknowledged"]; n != 1 || audited("acknowledge_by_link") != 1 {
		t.Errorf("%d acknowledgements sent at once: %d steps to acknowledged, %d audited; want 1 and 1", at, n, audited("acknowledge_by_link"))
	}

	answer := url.Values{"action": {"outcome"}, "outcome": {"supported"}, "outcome_reason": {"granted"}, "instrument": {"loan"}, "amount_nok": {"200 000"}}
	codes, bodies = sendAtOnce(answer)
	for i := range at {
		if codes[i] != http.StatusOK || !strings.Contains(bodies[i], "Takk, utfallet er registrert") {
			t.Errorf("outcome %d of %d sent at once = %d, thanked %t; want 200 thanking", i+1, at, codes[i], strings.Contains(bodies[i], "utfallet er registrert"))
		}
	}
	if n := steps()["completed"]; n != 1 || audited("close") != 1 {
		t.Errorf("%d outcomes sent at once: %d steps to completed, %d audited; want 1 and 1", at, n, audited("close"))
	}
}
