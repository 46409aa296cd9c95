package app

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"samspill/models"
)

func TestPrivacyPages(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	admin.get("/admin/privacy")
	res, body := admin.post("/admin/privacy/export", url.Values{"email": {"ingrid.bakken@example.org"}})
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
	var exp models.PersonExport
	if err := json.Unmarshal([]byte(body), &exp); err != nil || len(exp.Enquiries) != 1 || exp.Enquiries[0].Name != "Ingrid Bakken" || len(exp.Referrals) != 1 {
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
