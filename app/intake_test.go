package app

import (
	"context"
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"samspill/models"
)

func intakeForm(lang string) url.Values {
	return url.Values{
		"form_language": {lang}, "municipality": {"3412"}, "enquirer_kind": {"prospective_entrepreneur"},
		"needs": {"financing", "network_competence"}, "description": {"Jeg vil starte et bakeri i Løten"},
		"name": {"Ola Nordmann"}, "email": {"ola@example.org"}, "language": {lang}, "consent_store": {"on"},
	}
}

var referencePattern = `id="reference">`

func referenceIn(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, referencePattern)
	if i < 0 {
		t.Fatalf("no reference on the receipt:\n%s", body)
	}
	rest := body[i+len(referencePattern):]
	return rest[:strings.Index(rest, "<")]
}

// TestIntakeEveryLanguage renders the one door in every language, submits it,
// and checks that the language is recorded on the enquiry.
func TestIntakeEveryLanguage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	for _, lang := range models.IntakeLanguages {
		t.Run(lang, func(t *testing.T) {
			c := ts.client(t)
			res, body := c.get("/enquiry?lang=" + lang)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET /enquiry?lang=%s = %d", lang, res.StatusCode)
			}
			form := body
			wantDir := "ltr"
			if lang == "ar" {
				wantDir = "rtl"
			}
			if !strings.Contains(body, `<html lang="`+lang+`" dir="`+wantDir+`"`) {
				t.Errorf("page lacks lang=%s dir=%s", lang, wantDir)
			}
			if strings.Contains(body, "intake.") || strings.Contains(body, "need.") {
				t.Errorf("page shows a raw message ID")
			}
			if sessionCookie(t, res) != nil {
				t.Error("the one door set a session cookie")
			}
			res, body = c.post("/enquiry?lang="+lang, intakeForm(lang))
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/enquiry/receipt?lang="+lang {
				t.Fatalf("POST = %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
			}
			res, body = c.get(res.Header.Get("Location"))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("receipt = %d", res.StatusCode)
			}
			if sessionCookie(t, res) != nil {
				t.Error("the receipt set a session cookie")
			}
			ref := referenceIn(t, body)
			list, _, err := ts.store.Enquiries(ctx, adminViewer(t, ts), models.EnquiryFilter{Q: ref})
			if err != nil || len(list) != 1 {
				t.Fatalf("enquiry %s not found: %v", ref, err)
			}
			if list[0].Language != lang || list[0].Channel != "web" || !strings.HasPrefix(ref, "HAM-") {
				t.Errorf("enquiry %s: language %s channel %s", ref, list[0].Language, list[0].Channel)
			}
			consents, err := ts.store.Consents(ctx, adminViewer(t, ts), list[0].ID)
			if err != nil || len(consents) != 2 || !consents[0].Granted || consents[0].Text == "" || consents[0].Language != lang || consents[0].Version != ConsentVersion {
				t.Errorf("consents = %+v (%v)", consents, err)
			}
			if consents[1].Granted {
				t.Error("sharing was recorded as consented although it was not ticked")
			}
			// GDPR art. 7(3): the person is told before consenting that
			// consent can be withdrawn, and the texts recorded say so.
			withdraw := ts.srv.views.PublicLocalizer(lang).T("intake.consent_withdraw")
			if withdraw == "intake.consent_withdraw" || !strings.Contains(form, html.EscapeString(withdraw)) {
				t.Errorf("the form does not say consent can be withdrawn (%q)", withdraw)
			}
			for _, ct := range consents {
				if !strings.HasSuffix(ct.Text, withdraw) {
					t.Errorf("the consent recorded %q does not hold what the form said of withdrawing", ct.Text)
				}
			}
		})
	}
}

// enquiryCount is how many enquiries the installation holds.
func enquiryCount(t *testing.T, ts *testServer) int64 {
	t.Helper()
	_, total, err := ts.store.Enquiries(context.Background(), adminViewer(t, ts), models.EnquiryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return total
}

func adminViewer(t *testing.T, ts *testServer) *models.Viewer {
	t.Helper()
	u, err := ts.store.UserByEmail(context.Background(), demoEmail(models.RoleAdmin))
	if err != nil {
		t.Fatal(err)
	}
	return &models.Viewer{User: u}
}

func TestIntakeErrorsKeepInput(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	before := enquiryCount(t, ts)
	c := ts.client(t)
	form := intakeForm("nb")
	form.Set("org_number", "923609017")
	form.Del("email")
	form.Set("description", "Beskrivelse som skal bli stående")
	res, body := c.post("/enquiry?lang=nb", form)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d; want 422", res.StatusCode)
	}
	for _, want := range []string{"Dette organisasjonsnummeret finnes ikke", "Oppgi e-post eller telefon", "Beskrivelse som skal bli stående",
		`value="923609017"`, `id="error-summary"`, `href="#f-org_number"`, `aria-describedby="f-org_number-hint f-org_number-error"`} {
		if !strings.Contains(body, want) {
			t.Errorf("error page lacks %q", want)
		}
	}
	if n := enquiryCount(t, ts); n != before {
		t.Errorf("a refused intake stored %d enquiries", n-before)
	}
}

// A bot that fills in the hidden field is answered as a person is, so that
// it cannot tell it was caught: its receipt cookie is made and signed alike,
// its receipt has a reference of the series and the region that would answer
// (it had none, and a cookie "-"), a form with errors comes back to it as to
// a person (it got a receipt whatever it sent), and nothing is stored.
func TestIntakeHoneypot(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	before := enquiryCount(t, ts)
	send := func(bot bool) (*http.Cookie, string) {
		t.Helper()
		c := ts.client(t)
		form := intakeForm("nb")
		if bot {
			form.Set("website", "http://spam.example")
		}
		res, _ := c.post("/enquiry", form)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/enquiry/receipt?lang=nb" {
			t.Fatalf("bot %t: %d to %q; want 303 to the receipt", bot, res.StatusCode, res.Header.Get("Location"))
		}
		var cookie *http.Cookie
		for _, ck := range res.Cookies() {
			if ck.Name == receiptCookie {
				cookie = ck
			}
		}
		if cookie == nil {
			t.Fatalf("bot %t: no receipt cookie", bot)
		}
		res, body := c.get("/enquiry/receipt?lang=nb")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("bot %t: receipt = %d", bot, res.StatusCode)
		}
		return cookie, body
	}
	personCookie, personPage := send(false)
	botCookie, botPage := send(true)
	shape := regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$`)
	if !shape.MatchString(botCookie.Value) || len(botCookie.Value) != len(personCookie.Value) ||
		botCookie.Path != personCookie.Path || botCookie.MaxAge != personCookie.MaxAge || botCookie.HttpOnly != personCookie.HttpOnly {
		t.Errorf("the bot's receipt cookie %+v differs from a person's %+v", botCookie, personCookie)
	}
	personRef, botRef := referenceIn(t, personPage), referenceIn(t, botPage)
	if !regexp.MustCompile(`^HAM-\d{4}-\d{5}$`).MatchString(botRef) || botRef == personRef {
		t.Errorf("the bot's reference %q; want another of the series, as the person's %q", botRef, personRef)
	}
	if strings.ReplaceAll(botPage, botRef, "REF") != strings.ReplaceAll(personPage, personRef, "REF") {
		t.Errorf("the bot's receipt differs from a person's but for the reference:\n%s\n----\n%s", botPage, personPage)
	}
	if n := enquiryCount(t, ts); n != before+1 {
		t.Errorf("%d enquiries stored; want the person's alone", n-before)
	}

	bad := intakeForm("nb")
	bad.Set("website", "http://spam.example")
	bad.Set("email", "not-an-address")
	if res, _ := ts.client(t).post("/enquiry", bad); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a bot's form with a bad e-mail = %d; want 422, as a person's", res.StatusCode)
	}
}

// The receipt shows only what the server signed: a cookie set by hand with a
// reference, real or not, or one changed or kept past its hour, leads to the
// form, so the receipt tells nobody whether a reference exists (a real one
// showed its receipt and its region, an unknown one the form).
func TestIntakeReceiptCookieUnforgeable(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	clk := &clock{now: time.Now().UTC()}
	ts.store.SetClock(clk.Now)
	c := ts.client(t)
	res, _ := c.post("/enquiry", intakeForm("nb"))
	var signed string
	for _, ck := range res.Cookies() {
		if ck.Name == receiptCookie {
			signed = ck.Value
		}
	}
	_, page := c.get("/enquiry/receipt?lang=nb")
	ref := referenceIn(t, page)
	payload, mac, _ := strings.Cut(signed, ".")
	other := strings.Replace(ref, "-0", "-9", 1)
	changed := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(mustDecode(t, payload), ref, other, 1))) + "." + mac
	receipt := func(value string) *http.Response {
		t.Helper()
		res, _ := ts.client(t).do(http.MethodGet, "/enquiry/receipt?lang=nb", nil, http.Header{"Cookie": {receiptCookie + "=" + value}})
		return res
	}
	if res := receipt(signed); res.StatusCode != http.StatusOK {
		t.Fatalf("the signed cookie's receipt = %d; want 200", res.StatusCode)
	}
	for name, value := range map[string]string{"a real reference": ref, "an unknown reference": other, "a changed cookie": changed} {
		if res := receipt(value); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/enquiry?lang=nb" {
			t.Errorf("a receipt cookie with %s = %d to %q; want 303 to the form", name, res.StatusCode, res.Header.Get("Location"))
		}
	}
	clk.Add(receiptValid + time.Second)
	if res := receipt(signed); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the signed cookie after %v = %d; want 303 to the form", receiptValid, res.StatusCode)
	}
}

func mustDecode(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestIntakeRateLimit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.IntakeBurst, c.IntakeEvery = 5, time.Minute })
	c := ts.client(t)
	// Submissions refused for typing errors cost nothing: mending a form
	// (or sharing an office's address) does not shut anyone out.
	mistyped := intakeForm("pl")
	mistyped.Set("email", "ikke-en-adresse")
	for i := 0; i < 10; i++ {
		if res, _ := c.post("/enquiry?lang=pl", mistyped); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("mistyped post %d = %d; want 422", i+1, res.StatusCode)
		}
	}
	var last *http.Response
	var body string
	for i := 0; i < 8; i++ {
		last, body = c.post("/enquiry?lang=pl", intakeForm("pl"))
	}
	if last.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, `href="/enquiry?lang=pl"`) {
		t.Errorf("eighth post in a row = %d; want 429 with a way back to the form in Polish", last.StatusCode)
	}
	status, out := ts.api(t, "", http.MethodPost, "/api/v1/intake", intakeJSONBody)
	if status != http.StatusTooManyRequests || out["error"].(map[string]any)["code"] != "rate_limited" {
		t.Errorf("API after the limit = %d %v", status, out)
	}
	if status, _ := ts.api(t, "", http.MethodPost, "/api/v1/intake", `{}`); status != http.StatusUnprocessableEntity {
		t.Errorf("an empty API submission after the limit = %d; want 422, as it costs nothing", status)
	}
}

const intakeJSONBody = `{"municipality": "3412", "enquirer_kind": "prospective_entrepreneur", "needs": ["financing"], "description": "Trenger hjelp",
	"name": "Testperson Tester", "email": "test@example.org", "consent_store": true}`

func TestIntakeBodyLimit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	form := intakeForm("nb")
	form.Set("description", strings.Repeat("x", 70000))
	if res, _ := c.post("/enquiry", form); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("huge post = %d; want 413", res.StatusCode)
	}
}

func TestIntakeAPI(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	before := enquiryCount(t, ts)
	good := `{"municipality": "3403", "enquirer_kind": "established_business", "needs": ["market_export"], "description": "Eksport av ost",
		"name": "Kari", "phone": "900 00 000", "language": "en", "org_number": "974760673", "consent_store": true, "consent_share": true}`
	status, out := ts.api(t, "", http.MethodPost, "/api/v1/intake", good)
	if status != http.StatusCreated || !strings.HasPrefix(out["reference"].(string), "HAM-") {
		t.Fatalf("intake = %d %v", status, out)
	}
	// Oslo is served by no region: the admin queue.
	oslo := strings.Replace(good, `"3403"`, `"0301"`, 1)
	status, out = ts.api(t, "", http.MethodPost, "/api/v1/intake", oslo)
	if status != http.StatusCreated || !strings.HasPrefix(out["reference"].(string), "SAM-") {
		t.Fatalf("intake for Oslo = %d %v", status, out)
	}
	queue, _, _ := ts.store.Enquiries(ctx, adminViewer(t, ts), models.EnquiryFilter{Queue: true})
	if len(queue) != 1 || queue[0].Kommunenummer != "0301" {
		t.Errorf("admin queue = %v", queue)
	}
	tests := []struct {
		name, body string
		want       int
		field      string
	}{
		{"unknown field", `{"municipality": "3403", "role": "admin"}`, http.StatusBadRequest, "role"},
		{"wrong type", `{"municipality": 3403}`, http.StatusBadRequest, "municipality"},
		{"needs not a list", `{"needs": "financing"}`, http.StatusBadRequest, "needs"},
		{"empty", `{}`, http.StatusUnprocessableEntity, "municipality"},
		{"no consent", strings.Replace(good, `"consent_store": true`, `"consent_store": false`, 1), http.StatusUnprocessableEntity, "consent_store"},
		{"bad org number", strings.Replace(good, "974760673", "974760674", 1), http.StatusUnprocessableEntity, "org_number"},
		{"unknown municipality", strings.Replace(good, `"3403"`, `"9999"`, 1), http.StatusUnprocessableEntity, "municipality"},
	}
	for _, tt := range tests {
		status, out := ts.api(t, "", http.MethodPost, "/api/v1/intake", tt.body)
		if status != tt.want {
			t.Errorf("%s: %d; want %d (%v)", tt.name, status, tt.want, out)
			continue
		}
		fields, _ := out["error"].(map[string]any)["fields"].(map[string]any)
		if _, ok := fields[tt.field]; !ok {
			t.Errorf("%s: answer does not name %s: %v", tt.name, tt.field, out)
		}
	}
	if n := enquiryCount(t, ts); n != before+2 {
		t.Errorf("%d enquiries stored; want the 2 good ones", n-before)
	}
	status, out = ts.api(t, "", http.MethodGet, "/api/v1/intake/consent?lang=en", "")
	if status != http.StatusOK || out["version"] != ConsentVersion || !strings.Contains(out["consent_store"].(string), "I agree") {
		t.Errorf("consent texts = %d %v", status, out)
	}
}

// The audit log keeps the address of staff, never an anonymous enquirer's:
// the log is kept for good, past retention and erasure.
func TestIntakeAuditKeepsNoAddress(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	id, _ := submit(t, ts, "3412", "Trenger hjelp med søknad", "")
	entries, err := ts.store.AuditFor(ctx, "enquiry", itoa(id))
	if err != nil || len(entries) != 1 || entries[0].Action != "create" {
		t.Fatalf("entries = %+v, %v", entries, err)
	}
	if entries[0].IP != "" {
		t.Errorf("the one door's entry keeps the address %q", entries[0].IP)
	}
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	c.get("/enquiries/" + itoa(id))
	if entries, _ = ts.store.AuditFor(ctx, "enquiry", itoa(id)); len(entries) != 2 || entries[0].IP == "" {
		t.Errorf("the adviser's view = %+v; want it with the address", entries)
	}
}

// On the right-to-left Arabic form, numbers and addresses are written left
// to right: the organisation number, e-mail and phone.
func TestIntakeNumbersLeftToRight(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	_, page := ts.client(t).get("/enquiry?lang=ar")
	if !strings.Contains(page, `dir="rtl"`) {
		t.Fatal("the Arabic form is not right to left")
	}
	for _, name := range []string{"org_number", "email", "phone"} {
		if !regexp.MustCompile(`<input [^>]*name="` + name + `"[^>]*dir="ltr"`).MatchString(page) {
			t.Errorf("the %s field is not written left to right", name)
		}
	}
}

// The error summary puts a sentence-long label (the consent) before its
// message without the sentence's full stop: "… help me: …", not "me.: …".
func TestErrorSummaryLabels(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	form := intakeForm("en")
	form.Del("consent_store")
	_, page := ts.client(t).post("/enquiry?lang=en", form)
	if strings.Contains(page, ".: ") || !strings.Contains(page, `href="#f-consent_store`) {
		t.Error("the error summary writes a label's full stop before its colon, or lacks the consent")
	}
}

// The receipt is a page of its own: reloading it shows the same reference and
// sends nothing again, so no second case is made; without a submission
// behind it, it leads to the form.
func TestIntakeReceiptReloads(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	before := enquiryCount(t, ts)
	c := ts.client(t)
	res, _ := c.post("/enquiry?lang=nn", intakeForm("nn"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST = %d; want 303 to the receipt", res.StatusCode)
	}
	_, first := c.get(res.Header.Get("Location"))
	_, again := c.get(res.Header.Get("Location"))
	if referenceIn(t, first) != referenceIn(t, again) || enquiryCount(t, ts) != before+1 {
		t.Errorf("reloading the receipt: %s then %s, %d enquiries made; want the same and one", referenceIn(t, first), referenceIn(t, again), enquiryCount(t, ts)-before)
	}
	if res, _ := ts.client(t).get("/enquiry/receipt?lang=nn"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/enquiry?lang=nn" {
		t.Errorf("a receipt with nothing sent = %d to %q; want the form", res.StatusCode, res.Header.Get("Location"))
	}
}

// The JSON one door answers in the language the enquiry is written in, as it
// stores that language's consent texts: an English or Polish intake widget
// must not show its user Bokmål field errors.
func TestAPIIntakeErrorsInItsLanguage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	cases := []struct{ lang, message, email string }{
		{"en", "Some fields need correcting.", "Enter a valid e-mail address"},
		{"pl", "Niektóre pola trzeba poprawić.", "Wpisz prawidłowy adres e-mail"},
		{"nb", "Noen felt må rettes.", "Skriv en gyldig e-postadresse"},
	}
	for _, tc := range cases {
		status, out := ts.api(t, "", http.MethodPost, "/api/v1/intake", `{"language":"`+tc.lang+`","municipality":"3412","enquirer_kind":"other","needs":["other"],"description":"Help","email":"not-an-address","consent_store":true}`)
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: intake with a bad e-mail = %d; want 422", tc.lang, status)
		}
		e, _ := out["error"].(map[string]any)
		fields, _ := e["fields"].(map[string]any)
		if msg, _ := e["message"].(string); msg != tc.message {
			t.Errorf("%s: the error message is %q; want %q", tc.lang, msg, tc.message)
		}
		if msg, _ := fields["email"].(string); !strings.HasPrefix(msg, tc.email) {
			t.Errorf("%s: the e-mail error is %q; want it to start %q", tc.lang, msg, tc.email)
		}
	}
}

// The per-address limits count an IPv6 /64 as one address: whoever has one
// (any home line) may send from any of its addresses, and stepped around the
// one door's rate and the log-in throttle by taking a new one each time.
func TestLimitsCountIPv6NetworkAsOneAddress(t *testing.T) {
	t.Parallel()
	loopback, _ := ParseCIDRs("127.0.0.1")
	ts := newTestServer(t, func(c *Config) { c.TrustedProxies, c.IntakeBurst, c.IntakeEvery = loopback, 3, time.Minute })
	c := ts.client(t)
	var last *http.Response
	for i := range 5 {
		last, _ = c.postFrom("2001:db8:1:2::"+strconv.Itoa(i+1), "/enquiry", intakeForm("nb"))
	}
	if last.StatusCode != http.StatusTooManyRequests {
		t.Errorf("fifth one-door post from one /64 = %d; want 429", last.StatusCode)
	}
	if res, _ := c.postFrom("2001:db8:1:3::1", "/enquiry", intakeForm("nb")); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a post from another /64 = %d; want 303", res.StatusCode)
	}

	guesser := ts.client(t)
	guesser.get("/login")
	for i := range models.LoginMaxAddressFailures {
		guesser.postFrom("2001:db8:5:6::"+strconv.Itoa(i+1), "/login", url.Values{"email": {"gjett" + strconv.Itoa(i) + "@example.org"}, "password": {"hva som helst"}})
	}
	if res, _ := guesser.postFrom("2001:db8:5:6::99", "/login", url.Values{"email": {"gjett@example.org"}, "password": {"hva som helst"}}); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a log-in from the same /64 after %d failures = %d; want 429", models.LoginMaxAddressFailures, res.StatusCode)
	}
}
