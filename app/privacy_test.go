package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"samspill/models"
	"samspill/views"
)

func TestPrivacyPages(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	admin.get("/admin/privacy")
	res, body := admin.post("/admin/privacy/export", url.Values{"email": {"ingrid.bakken@example.org"}, "format": {"json"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export = %d", res.StatusCode)
	}
	// It is a form sent with the session's token, not a link: another site
	// cannot make an admin's browser export a person (and log an access
	// request in the audit log), and the address holds no person data.
	if res, _ := admin.get("/admin/privacy/export?email=ingrid.bakken@example.org"); res.StatusCode == http.StatusOK {
		t.Error("the export answers a GET")
	}
	noToken := strings.NewReader(url.Values{"email": {"ingrid.bakken@example.org"}}.Encode())
	if res, _ := admin.do(http.MethodPost, "/admin/privacy/export", noToken, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("the export without the CSRF token = %d; want 403", res.StatusCode)
	}
	var exp struct {
		Enquiries []struct {
			Name      string            `json:"name"`
			Referrals []json.RawMessage `json:"referrals"`
		} `json:"enquiries"`
	}
	if err := json.Unmarshal([]byte(body), &exp); err != nil || len(exp.Enquiries) != 1 || exp.Enquiries[0].Name != "Ingrid Bakken" || len(exp.Enquiries[0].Referrals) != 1 {
		t.Fatalf("export = %+v (%v)", exp, err)
	}
	// The page has two forms with the same fields: only the one sent is marked and keeps its values.
	res, body = admin.post("/admin/privacy/export", url.Values{})
	if res.StatusCode != http.StatusUnprocessableEntity || strings.Count(body, `aria-invalid="true"`) == 0 || strings.Contains(body, `aria-describedby="f-erase-`) {
		t.Errorf("export without e-mail or phone = %d; want 422 with only the export form marked", res.StatusCode)
	}
	admin.get("/admin/privacy")
	res, body = admin.post("/admin/privacy/erase", url.Values{"email": {"ingrid.bakken@example.org"}})
	if res.StatusCode != http.StatusUnprocessableEntity || strings.Count(body, `aria-invalid="true"`) != 1 || !strings.Contains(body, `f-reason-error"`) ||
		strings.Count(body, "ingrid.bakken@example.org") != 1 || !strings.Contains(body, `id="f-erase-email" name="email" value="ingrid.bakken@example.org"`) {
		t.Errorf("erase without a reason = %d; want 422 with only the reason marked and the e-mail kept in the erase form", res.StatusCode)
	}
	res, body = admin.post("/admin/privacy/erase", url.Values{"email": {"ingrid.bakken@example.org"}, "reason": {"Krav per e-post"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "fjernet fra 1 henvendelse.") {
		t.Fatalf("erase = %d", res.StatusCode)
	}
	_, page := admin.get("/enquiries/1")
	if strings.Contains(page, "Ingrid Bakken") || strings.Contains(page, "gårdsutsalg") {
		t.Error("the erased enquiry still shows person data")
	}
	// The audit viewer shows the erasure with its reason, and a coordinator sees only the region.
	if _, audit := admin.get("/admin/audit?action=erase"); !strings.Contains(audit, "Krav per e-post") {
		t.Error("the audit viewer lacks the erasure")
	}
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	if res, _ := coord.get("/admin/privacy"); res.StatusCode != http.StatusForbidden {
		t.Errorf("coordinator privacy page = %d; want 403", res.StatusCode)
	}
	if res, _ := coord.get("/admin/audit"); res.StatusCode != http.StatusOK {
		t.Errorf("coordinator audit viewer = %d", res.StatusCode)
	}
}

// A part of a phone number is refused with a message beside the field, in
// the export form and in the erasure form, before anything is read or erased.
func TestPrivacyRefusesPartOfAPhoneNumber(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	const msg = "Skriv hele telefonnummeret, minst 8 siffer."
	admin.get("/admin/privacy")
	res, body := admin.post("/admin/privacy/export", url.Values{"phone": {"456"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, msg) || !strings.Contains(body, `id="f-phone-error"`) {
		t.Errorf("export by phone 456 = %d; want 422 with %q beside the phone field", res.StatusCode, msg)
	}
	admin.get("/admin/privacy")
	res, body = admin.post("/admin/privacy/erase", url.Values{"phone": {"456"}, "reason": {"Krav per telefon"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, msg) || !strings.Contains(body, `id="f-erase-phone-error"`) {
		t.Errorf("erasure by phone 456 = %d; want 422 with %q beside the phone field", res.StatusCode, msg)
	}
}

// The erasure form asks not to name the person in the reason, which stays in
// the log; a reason that names them is refused beside it, nothing erased, and
// what was typed kept.
func TestErasureReasonNamingThePersonIsRefused(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	if _, body := admin.get("/admin/privacy"); !strings.Contains(body, "ikke skriv navn, kontaktopplysninger eller andre personopplysninger her") {
		t.Errorf("the erasure form does not ask to leave names out of the reason:\n%s", excerpt(body))
	}
	const reason = "Ingrid Bakken ringte og ba om sletting"
	res, body := admin.post("/admin/privacy/erase", url.Values{"email": {"ingrid.bakken@example.org"}, "reason": {reason}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Begrunnelsen nevner personen som slettes") ||
		!strings.Contains(body, `id="f-reason-error"`) || !strings.Contains(body, reason) {
		t.Errorf("erasure with a reason naming the person = %d; want 422 with the message beside the reason, and the reason kept\n%s", res.StatusCode, excerpt(body))
	}
	adm, _ := ts.store.UserByEmail(context.Background(), demoEmail(models.RoleAdmin))
	if e, err := ts.store.Enquiry(context.Background(), &models.Viewer{User: adm}, 1); err != nil || e.Name != "Ingrid Bakken" {
		t.Errorf("the refused erasure erased: %q (%v)", e.Name, err)
	}
}

// An e-mail that is not an address is refused beside the field, in the
// export form and in the erasure form: it found nobody, and the export sent an
// empty file and the erasure said "removed from 0 enquiries", as if the
// request had been carried out.
func TestPrivacyRefusesInvalidEmail(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	const msg = "Skriv en gyldig e-postadresse"
	for path, form := range map[string]url.Values{
		"/admin/privacy/export": {"email": {"ingrid.bakken(at)example.org"}},
		"/admin/privacy/erase":  {"email": {"ingrid.bakken"}, "reason": {"Krav per e-post"}},
	} {
		admin.get("/admin/privacy")
		res, body := admin.post(path, form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, msg) || !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("POST %s with e-mail %q = %d; want 422 with %q beside the field", path, form.Get("email"), res.StatusCode, msg)
		}
	}
}

// An erasure that finds no enquiry is refused beside the field, not reported
// as done: the page said "removed from 0 enquiries", and a mistyped address
// or number left the person's data in place unnoticed.
func TestErasureOfNobodyIsRefused(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	const msg = "Fant ingen henvendelser"
	for _, form := range []url.Values{
		{"email": {"ingen.her@example.org"}, "reason": {"Krav per e-post"}},
		{"phone": {"+47 400 00 001"}, "reason": {"Krav per telefon"}},
	} {
		admin.get("/admin/privacy")
		res, body := admin.post("/admin/privacy/erase", form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, msg) || !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("erasure of e-mail %q, phone %q = %d; want 422 with %q beside the field", form.Get("email"), form.Get("phone"), res.StatusCode, msg)
		}
	}
}

// An e-mail and a phone number given together must be one person's: some
// enquiry holds both. Ingrid's address with Per's number (a mistyped digit is
// enough) exported Per's case to Ingrid and erased it on her request.
func TestPrivacyRefusesEmailAndPhoneOfDifferentPeople(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	const msg = "E-postadressen og telefonnummeret finner ulike henvendelser"
	for path, form := range map[string]url.Values{
		"/admin/privacy/export": {"email": {"ingrid.bakken@example.org"}, "phone": {"+47 912 34 567"}},
		"/admin/privacy/erase":  {"email": {"ingrid.bakken@example.org"}, "phone": {"+47 912 34 567"}, "reason": {"Krav per e-post"}},
	} {
		admin.get("/admin/privacy")
		res, body := admin.post(path, form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, msg) {
			t.Errorf("POST %s with Ingrid's e-mail and Per's phone = %d; want 422 with %q", path, res.StatusCode, msg)
		}
	}
	if _, page := admin.get("/enquiries?q=Olsen"); !strings.Contains(page, "Per Olsen") {
		t.Error("Per Olsen's enquiry was erased on Ingrid's request")
	}
}

// exportAs logs in as the admin in lang, has the adviser open Ingrid Bakken's
// case first (a read with the adviser's IP address in the audit log), and
// downloads her access export in format.
func exportAs(t *testing.T, ts *testServer, lang, format string) (*http.Response, string) {
	t.Helper()
	return exportOf(t, ts, "ingrid.bakken@example.org", lang, format)
}

// exportOf is exportAs for the person with the e-mail address email.
func exportOf(t *testing.T, ts *testServer, email, lang, format string) (*http.Response, string) {
	t.Helper()
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	if res, _ := adviser.get("/enquiries/1"); res.StatusCode != http.StatusOK {
		t.Fatalf("adviser GET /enquiries/1 = %d", res.StatusCode)
	}
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	if res, _ := admin.post("/language", url.Values{"lang": {lang}, "back": {"/admin/privacy"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /language %s = %d", lang, res.StatusCode)
	}
	admin.get("/admin/privacy")
	form := url.Values{"email": {email}}
	if format != "" {
		form.Set("format", format)
	}
	res, body := admin.post("/admin/privacy/export", form)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("export as %s in %s = %d\n%s", format, lang, res.StatusCode, excerpt(body))
	}
	return res, body
}

// The access export is a document the admin can hand to the person: in the
// person's language (whatever the admin reads), with the person's data in words (needs by their labels,
// the partner by name, dates as dd.mm.yyyy), the status histories, the log
// by staff names without IP addresses, and built as an accessible page is. It
// was a JSON dump with Go's field names and codes.
func TestAccessExportIsReadable(t *testing.T) {
	t.Parallel()
	cat := loadCatalogues(t)
	tests := []struct {
		lang, file string
		want       []string
	}{
		{"nb", "innsyn-", []string{"Finansiering og tilskudd", "Informasjon om å starte og drive bedrift", "Innovasjon Norge", "Løten",
			"Hamarregionen Utvikling", "Statusendringer", "Sendt", "Møte", "Ingrid Bakken", "Jeg samtykker til at næringsrådgiverne lagrer",
			"Hvem er du?", "Jeg vil starte bedrift", "Åpnet", "Rune Rådgiver"}},
		{"en", "access-request-", []string{"Financing and grants", "Information about starting and running a business", "Innovasjon Norge", "Løten",
			"Hamarregionen Utvikling", "Status changes", "Sent", "Meeting", "Ingrid Bakken", "Who are you?", "I want to start a business", "Opened", "Rune Rådgiver"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			setPersonLanguage(t, ts, "ingrid.bakken@example.org", tt.lang)
			res, body := exportAs(t, ts, otherLanguage(tt.lang), "")
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q; want text/html", ct)
			}
			if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename=`+tt.file) || !strings.HasSuffix(cd, `.html`) {
				t.Errorf("Content-Disposition = %q; want an attachment named %s….html", cd, tt.file)
			}
			admin, _ := ts.store.UserByEmail(context.Background(), demoEmail(models.RoleAdmin))
			e, err := ts.store.Enquiry(context.Background(), &models.Viewer{User: admin}, 1)
			if err != nil {
				t.Fatal(err)
			}
			want := append(tt.want, views.FormatDate(e.ReceivedAt), e.Reference)
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("the %s export lacks %q", tt.lang, w)
				}
			}
			for _, bad := range []string{"127.0.0.1", "prospective_entrepreneur", "basic_information", "EnquirerKind", `<link`, `src=`, `href="/`} {
				if strings.Contains(body, bad) {
					t.Errorf("the %s export holds %q", tt.lang, bad)
				}
			}
			doc, err := html.Parse(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			cr := &crawler{t: t, ts: ts, cat: cat, lang: tt.lang, posts: postPatterns(ts)}
			cr.check("/admin/privacy/export", doc) // lang, title, one h1, no message IDs, no text of the other language
			checkDocumentStructure(t, doc)
		})
	}
}

// otherLanguage is the signed-in interface's language that lang is not.
func otherLanguage(lang string) string {
	if lang == "nb" {
		return "en"
	}
	return "nb"
}

// setPersonLanguage records lang as the language of the enquiries of the
// person with the e-mail address email, as an adviser's edit does.
func setPersonLanguage(t *testing.T, ts *testServer, email, lang string) {
	t.Helper()
	ctx := context.Background()
	admin, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdmin))
	if err != nil {
		t.Fatal(err)
	}
	v := &models.Viewer{User: admin}
	list, _, err := ts.store.Enquiries(ctx, v, models.EnquiryFilter{Q: email})
	if err != nil || len(list) == 0 {
		t.Fatalf("the enquiries of %s: %d (%v)", email, len(list), err)
	}
	for _, e := range list {
		in := models.InputOf(&e)
		in.Language = lang
		if _, err := ts.store.UpdateEnquiry(ctx, v, models.Actor{UserID: admin.ID}, e.ID, in, e.Version); err != nil {
			t.Fatal(err)
		}
	}
}

// The access document is written in the language the person's newest
// enquiry records, not in the admin's: a Norwegian person's in Bokmål when
// the admin reads English. Nynorsk is read in Bokmål and the one door's other
// languages in English, as the one door falls back for them. Before, it was
// in the admin's language whatever the person's.
func TestAccessExportInThePersonsLanguage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ person, admin, want, file, heading string }{
		{"nb", "en", "nb", "innsyn-", "Dette fortalte du oss"},
		{"nn", "en", "nb", "innsyn-", "Dette fortalte du oss"},
		{"en", "nb", "en", "access-request-", "What you told us"},
		{"pl", "nb", "en", "access-request-", "What you told us"},
		{"uk", "nb", "en", "access-request-", "What you told us"},
	} {
		t.Run(tt.person, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			setPersonLanguage(t, ts, "ingrid.bakken@example.org", tt.person)
			res, body := exportAs(t, ts, tt.admin, "")
			if !strings.Contains(body, `<html lang="`+tt.want+`"`) || !strings.Contains(html.UnescapeString(body), tt.heading) {
				t.Errorf("the export for a person who wrote in %s, by an admin reading %s, is not in %s:\n%s", tt.person, tt.admin, tt.want, excerpt(body))
			}
			if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, tt.file) {
				t.Errorf("Content-Disposition = %q; want %s…", cd, tt.file)
			}
		})
	}
}

// checkDocumentStructure checks what a screen reader needs of a document:
// headings in order, no level skipped, and each table with a caption and
// column headers.
func checkDocumentStructure(t *testing.T, doc *html.Node) {
	t.Helper()
	level := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && len(n.Data) == 2 && n.Data[0] == 'h' && n.Data[1] >= '1' && n.Data[1] <= '6' {
			l := int(n.Data[1] - '0')
			if l > level+1 {
				t.Errorf("<%s> %q follows an <h%d>: a heading level skipped", n.Data, textOf(n), level)
			}
			level = l
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	tables := findAll(doc, "table")
	if len(tables) == 0 {
		t.Error("the document has no tables")
	}
	for _, tb := range tables {
		ths := findAll(tb, "th")
		if len(findAll(tb, "caption")) != 1 || len(ths) == 0 {
			t.Errorf("a table without a caption or headers: %q", clip(textOf(tb)))
		}
		for _, th := range ths {
			if scope, _ := attr(th, "scope"); scope != "col" && scope != "row" {
				t.Errorf("<th> %q without a scope", textOf(th))
			}
		}
	}
}

// The machine-readable export (GDPR article 20) speaks the API's language:
// snake_case fields, codes as the contract names them, the municipality by
// number and name, and the status histories. It had Go's field names and an
// empty municipality.
func TestAccessExportAsJSON(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	res, body := exportAs(t, ts, "nb", "json")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q; want application/json", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename=innsyn-`) || !strings.HasSuffix(cd, `.json`) {
		t.Errorf("Content-Disposition = %q; want an attachment innsyn-….json", cd)
	}
	for _, bad := range []string{"127.0.0.1", `"EnquirerKind"`, `"Reference"`, `"ip"`, `"password`} {
		if strings.Contains(body, bad) {
			t.Errorf("the JSON export holds %s", bad)
		}
	}
	type history []struct {
		From string `json:"from_status"`
		To   string `json:"to_status"`
		At   string `json:"at"`
	}
	var got struct {
		ExportedAt string `json:"exported_at"`
		Enquiries  []struct {
			Reference    string   `json:"reference"`
			EnquirerKind string   `json:"enquirer_kind"`
			Needs        []string `json:"needs"`
			Municipality struct {
				Kommunenummer string `json:"kommunenummer"`
				Name          string `json:"name"`
			} `json:"municipality"`
			Status        string  `json:"status"`
			StatusHistory history `json:"status_history"`
			Consents      []struct {
				Purpose string `json:"purpose"`
				Text    string `json:"text"`
			} `json:"consents"`
			Referrals []struct {
				Partner struct {
					Name string `json:"name"`
				} `json:"partner"`
				Reason            string  `json:"reason"`
				Status            string  `json:"status"`
				SharePersonalData bool    `json:"share_personal_data"`
				StatusHistory     history `json:"status_history"`
			} `json:"referrals"`
			Log []struct {
				Action string `json:"action"`
				By     string `json:"by"`
			} `json:"log"`
		} `json:"enquiries"`
		Regions []struct {
			Name         string `json:"name"`
			ContactEmail string `json:"contact_email"`
			ContactPhone string `json:"contact_phone"`
		} `json:"regions"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Enquiries) != 1 {
		t.Fatalf("JSON export: %d enquiries; want Ingrid's one", len(got.Enquiries))
	}
	e := got.Enquiries[0]
	if e.EnquirerKind != "prospective_entrepreneur" || !slices.Contains(e.Needs, "financing") || e.Municipality.Kommunenummer != "3412" || e.Municipality.Name != "Løten" {
		t.Errorf("JSON enquiry: kind %q, needs %v, municipality %+v; want codes and Løten 3412", e.EnquirerKind, e.Needs, e.Municipality)
	}
	if len(e.StatusHistory) == 0 || e.StatusHistory[0].To == "" || len(e.Consents) == 0 {
		t.Errorf("JSON enquiry: status history %+v, consents %+v", e.StatusHistory, e.Consents)
	}
	if len(e.Referrals) != 1 || e.Referrals[0].Partner.Name != "Innovasjon Norge" || e.Referrals[0].Reason != "financing" ||
		!e.Referrals[0].SharePersonalData || len(e.Referrals[0].StatusHistory) == 0 || e.Referrals[0].StatusHistory[0].To != "sent" {
		t.Errorf("JSON referrals: %+v; want the one to Innovasjon Norge with its history", e.Referrals)
	}
	named := false
	for _, l := range e.Log {
		named = named || (l.Action == "view" && l.By != "")
	}
	if !named {
		t.Errorf("JSON log: %+v; want the adviser's view by name", e.Log)
	} // Whom to contact, as the document says: the region that holds the case.
	if len(got.Regions) != 1 || got.Regions[0].Name != "Hamarregionen Utvikling" || got.Regions[0].ContactEmail != "post@hamarregionen.example" {
		t.Errorf("JSON regions: %+v; want Hamarregionen Utvikling with its contact e-mail", got.Regions)
	}
}

// The format is one of the two offered; another is refused, not guessed.
func TestAccessExportRefusesUnknownFormat(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	admin.get("/admin/privacy")
	if res, _ := admin.post("/admin/privacy/export", url.Values{"email": {"ingrid.bakken@example.org"}, "format": {"xml"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("export as xml = %d; want 400", res.StatusCode)
	}
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	if res, _ := coord.post("/admin/privacy/export", url.Values{"email": {"ingrid.bakken@example.org"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("coordinator's export = %d; want 403", res.StatusCode)
	}
}
