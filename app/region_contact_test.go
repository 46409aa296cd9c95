package app

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"

	"samspill/models"
)

// setRegionContact gives the demo region these public contact details.
func setRegionContact(t *testing.T, ts *testServer, email, phone string) *models.Region {
	t.Helper()
	ctx := context.Background()
	v := adminViewer(t, ts)
	r := demoRegion(t, ts)
	in := models.RegionInput{Slug: r.Slug, Name: r.Name, FirstResponseDays: r.FirstResponseDays, ReferralFollowUpDays: r.ReferralFollowUpDays,
		NoResponseDays: r.NoResponseDays, RetentionMonths: r.RetentionMonths, ContactEmail: email, ContactPhone: phone, Version: r.Version}
	if r.HostMunicipality != nil {
		in.HostMunicipality = *r.HostMunicipality
	}
	if err := ts.store.UpdateRegion(ctx, v, models.Actor{}, r.ID, in); err != nil {
		t.Fatal(err)
	}
	return demoRegion(t, ts)
}

// The region's settings form sets its public contact details, an admin's or
// the region's coordinator's; a save is audited once, a save that changes
// nothing keeps the version, and a bad address or number is refused beside
// its field with what was typed kept and nothing changed.
func TestRegionContactOnSettingsForm(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	region := demoRegion(t, ts)
	path := "/admin/regions/" + itoa(region.ID)
	for _, role := range []string{models.RoleAdmin, models.RoleCoordinator} {
		c := ts.client(t)
		c.login(demoEmail(role), models.DemoPassword)
		_, page := c.get(path)
		vals := formValues(t, page, path)
		email, phone := role+"@hamar.example", "+47 00 00 00 0"+fmt.Sprint(len(role)%10)
		vals.Set("contact_email", "  "+email+" ")
		vals.Set("contact_phone", phone)
		before, _ := ts.store.AuditFor(ctx, "region", itoa(region.ID))
		if res, body := c.post(path, vals); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: saving the contact details = %d; want 303\n%s", role, res.StatusCode, excerpt(body))
		}
		saved, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
		if saved.ContactEmail != email || saved.ContactPhone != phone {
			t.Errorf("%s: saved %q, %q; want %q, %q", role, saved.ContactEmail, saved.ContactPhone, email, phone)
		}
		after, _ := ts.store.AuditFor(ctx, "region", itoa(region.ID))
		if len(after) != len(before)+1 {
			t.Errorf("%s: the save left %d audit entries; want 1", role, len(after)-len(before))
		}
		// The same form again (as shown now) changes nothing.
		_, page = c.get(path)
		if !strings.Contains(page, `value="`+email+`"`) {
			t.Errorf("%s: the settings form does not show the saved e-mail", role)
		}
		if res, _ := c.post(path, formValues(t, page, path)); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: saving unchanged = %d", role, res.StatusCode)
		}
		again, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
		if again.Version != saved.Version {
			t.Errorf("%s: an unchanged save moved the version from %d to %d", role, saved.Version, again.Version)
		}
	}

	c := ts.client(t)
	c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	tests := []struct{ field, value, message string }{
		{"contact_email", "post@", "Skriv en gyldig e-postadresse"},
		{"contact_email", "Post <post@hamar.example>", "Skriv en gyldig e-postadresse"},
		{"contact_email", strings.Repeat("x", 250) + "@h.no", "Skriv en gyldig e-postadresse"},
		{"contact_phone", "ring sentralbordet", "Skriv et telefonnummer med siffer"},
		{"contact_phone", "123", "Skriv et telefonnummer med siffer"},
		{"contact_phone", strings.Repeat("1", 21), "Skriv et telefonnummer med siffer"},
	}
	for _, tt := range tests {
		before, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
		_, page := c.get(path)
		vals := formValues(t, page, path)
		vals.Set(tt.field, tt.value)
		res, body := c.post(path, vals)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s %q = %d; want 422", tt.field, tt.value, res.StatusCode)
			continue
		}
		i := strings.Index(body, `id="f-`+tt.field+`-error"`)
		if i < 0 || !strings.Contains(body[i:], tt.message) {
			t.Errorf("%s %q: no error %q beside the field\n%s", tt.field, tt.value, tt.message, excerpt(body))
		}
		if !strings.Contains(body, `value="`+strings.ReplaceAll(strings.ReplaceAll(tt.value, "<", "&lt;"), ">", "&gt;")+`"`) {
			t.Errorf("%s %q: the form lost what was typed", tt.field, tt.value)
		}
		after, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
		if after.Version != before.Version || after.ContactEmail != before.ContactEmail || after.ContactPhone != before.ContactPhone {
			t.Errorf("%s %q changed the region: %+v", tt.field, tt.value, after)
		}
	}
}

// The one door's receipt says whom to contact, in the page's language: the
// region's e-mail address and phone number; nothing when the region has none
// or the enquiry went to the admin queue.
func TestReceiptShowsRegionContact(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	send := func(lang, municipality string) string {
		t.Helper()
		c := ts.client(t)
		form := intakeForm(lang)
		form.Set("municipality", municipality)
		res, body := c.post("/enquiry?lang="+lang, form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: POST /enquiry = %d\n%s", lang, res.StatusCode, excerpt(body))
		}
		_, receipt := c.get(res.Header.Get("Location"))
		referenceIn(t, receipt)
		return html.UnescapeString(receipt) // html/template writes + as &#43;
	}
	// The demo region has an e-mail address of the reserved .example domain.
	if receipt := send("nb", "3412"); !strings.Contains(receipt, "post@hamarregionen.example") {
		t.Errorf("the demo region's receipt lacks its contact e-mail:\n%s", excerpt(receipt))
	}
	setRegionContact(t, ts, "post@hamar.example", "+47 00 00 00 00")
	for _, tt := range []struct{ lang, heading string }{{"nb", "Kontakt oss"}, {"uk", "Зв’яжіться з нами"}} {
		receipt := send(tt.lang, "3412")
		for _, want := range []string{tt.heading, `href="mailto:post@hamar.example"`, `href="tel:+4700000000"`, "+47 00 00 00 00"} {
			if !strings.Contains(receipt, want) {
				t.Errorf("%s: the receipt lacks %q\n%s", tt.lang, want, excerpt(receipt))
			}
		}
	}
	if receipt := send("nb", "0301"); strings.Contains(receipt, "Kontakt oss") || strings.Contains(receipt, "post@hamar.example") {
		t.Errorf("the admin queue's receipt names a region's contact:\n%s", excerpt(receipt))
	}
	setRegionContact(t, ts, "", "")
	if receipt := send("nb", "3412"); strings.Contains(receipt, "Kontakt oss") {
		t.Errorf("a region without contact details gets a contact heading on the receipt:\n%s", excerpt(receipt))
	}
}

// The access export names each region that holds the person's enquiries
// with its contact details, so that the person knows whom to contact.
func TestAccessExportShowsRegionContact(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ lang, heading string }{{"nb", "Slik kontakter du oss"}, {"en", "How to contact us"}} {
		t.Run(tt.lang, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			setRegionContact(t, ts, "post@hamar.example", "+47 00 00 00 00")
			setPersonLanguage(t, ts, "ingrid.bakken@example.org", tt.lang)
			_, body := exportAs(t, ts, tt.lang, "")
			body = html.UnescapeString(body)
			i := strings.Index(body, tt.heading)
			if i < 0 {
				t.Fatalf("the %s export has no %q\n%s", tt.lang, tt.heading, excerpt(body))
			}
			for _, want := range []string{"Hamarregionen Utvikling", "post@hamar.example", "+47 00 00 00 00"} {
				if !strings.Contains(body[i:], want) {
					t.Errorf("the %s export's contact section lacks %q", tt.lang, want)
				}
			}
		})
	}
}

// The API's PATCH of a region takes the contact details, checked as the form
// checks them, and shows them.
func TestAPIRegionContact(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.token(t, models.RoleAdmin)
	region := demoRegion(t, ts)
	path := "/api/v1/regions/" + itoa(region.ID)
	status, out := ts.api(t, admin, http.MethodPatch, path, `{"contact_email": "post", "contact_phone": "x", "version": `+itoa(int64(region.Version))+`}`)
	e, _ := out["error"].(map[string]any)
	fields, _ := e["fields"].(map[string]any)
	if status != http.StatusUnprocessableEntity || fields["contact_email"] == nil || fields["contact_phone"] == nil {
		t.Errorf("PATCH bad contact = %d %v; want 422 naming contact_email and contact_phone", status, out)
	}
	status, out = ts.api(t, admin, http.MethodPatch, path, `{"contact_email": "post@hamar.example", "contact_phone": "+47 00 00 00 00", "version": `+itoa(int64(region.Version))+`}`)
	if status != http.StatusOK || out["contact_email"] != "post@hamar.example" || out["contact_phone"] != "+47 00 00 00 00" {
		t.Errorf("PATCH contact = %d %v; want 200 with the contact details", status, out)
	}
	if out["first_response_days"] != float64(region.FirstResponseDays) || out["name"] != region.Name {
		t.Errorf("PATCH contact changed the other settings: %v", out)
	}
	// A PATCH without them keeps them.
	status, out = ts.api(t, admin, http.MethodPatch, path, `{"first_response_days": 3, "version": `+fmt.Sprint(out["version"])+`}`)
	if status != http.StatusOK || out["contact_email"] != "post@hamar.example" || out["contact_phone"] != "+47 00 00 00 00" {
		t.Errorf("PATCH without contact = %d %v; want the contact details kept", status, out)
	}
}
