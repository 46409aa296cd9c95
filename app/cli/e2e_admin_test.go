package cli

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"

	"samspill/models"
)

// TestAdminSetsUpRegionAndUser: the admin logs in with the keyboard alone,
// creates a region with two member municipalities and a user with a role there;
// that user logs in and gets a Norwegian start page for the role.
func TestAdminSetsUpRegionAndUser(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	admin := e.visitor(t, "admin")

	admin.open("/login")
	admin.tabTo("E-postadresse", 10)
	admin.keys(demoEmail(models.RoleAdmin))
	admin.keys(kb.Tab)
	if got := admin.focused(); got != "Passord" {
		admin.fatalf("Tab from the e-mail field went to %q, not to the password", got)
	}
	admin.keys(models.DemoPassword)
	if status := admin.enter(); status != http.StatusOK || admin.path() != "/dashboard" {
		admin.fatalf("Enter in the log-in form led to %s (%d), not the start page", admin.path(), status)
	}
	admin.sees("Velkommen, Ada Admin")
	admin.checkPage("nb")

	admin.follow("Regioner")
	admin.follow("Ny region")
	admin.fill("Navn", "Midt-Telemark Næringsutvikling")
	admin.fill("Kortnavn", "midt-telemark")
	admin.choose("Vertskommune", "Midt-Telemark")
	if status := admin.press("Opprett regionen"); status != http.StatusOK {
		admin.fatalf("creating the region answered %d", status)
	}
	admin.sees("Opprettet.", "Regionen har ingen medlemskommuner ennå.")
	for _, m := range []struct{ name, fte string }{{"Midt-Telemark", "0,5"}, {"Bamble", "0,2"}} {
		admin.choose("Kommune", m.name)
		admin.fill("Årsverk", m.fte)
		admin.tick("Regionen tar imot henvendelser fra denne kommunen")
		if status := admin.press("Lagre medlemskapet"); status != http.StatusOK {
			admin.fatalf("adding %s answered %d", m.name, status)
		}
	}
	members := admin.text(`table`)
	for _, want := range []string{"Midt-Telemark (4020)", "Bamble (4012)", "0,5", "0,2"} {
		if !strings.Contains(members, want) {
			admin.fatalf("the member table lacks %q:\n%s", want, members)
		}
	}
	admin.checkPage("nb")

	admin.follow("Brukere")
	admin.follow("Ny bruker")
	admin.fill("E-postadresse", "mari@midt-telemark.example")
	admin.fill("Navn", "Mari Midt")
	admin.choose("Region", "Midt-Telemark")
	admin.tick("Førstelinjerådgiver")
	if status := admin.press("Opprett brukeren"); status != http.StatusCreated {
		admin.fatalf("creating the user answered %d", status)
	}
	password := strings.TrimSpace(admin.text(".secret"))
	admin.checkPage("nb")

	mari := e.visitor(t, "mari")
	mari.login("mari@midt-telemark.example", password)
	mari.sees("Velkommen, Mari Midt", "Du arbeider i Midt-Telemark Næringsutvikling.", "Førstelinjerådgiver",
		"Du tar imot og følger opp henvendelser fra gründere og bedrifter")
	mari.checkPage("nb")
	if nav := mari.text("nav"); strings.Contains(nav, "Brukere") || strings.Contains(nav, "Regioner") {
		mari.fatalf("an adviser is offered administration: %q", nav)
	}
}

// TestFormErrorsKeepWhatWasTyped: a form with errors comes back with each
// error next to its field, tied to it for screen readers, and with what was
// typed still there.
func TestFormErrorsKeepWhatWasTyped(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	v := e.visitor(t, "admin")

	v.open("/login")
	v.fill("E-postadresse", demoEmail(models.RoleAdmin))
	v.fill("Passord", "feil passord")
	if status := v.press("Logg inn"); status != http.StatusUnauthorized {
		v.fatalf("a wrong password answered %d; want 401", status)
	}
	v.sees("Feil e-postadresse eller passord.")
	if got := v.value("E-postadresse"); got != demoEmail(models.RoleAdmin) {
		v.fatalf("after a failed log-in the e-mail field holds %q", got)
	}
	if got := v.value("Passord"); got != "" {
		v.fatalf("a failed log-in sends the password back: %q", got)
	}
	v.checkPage("nb")

	v.loginDemo(models.RoleAdmin)
	v.open("/admin/regions/new")
	v.fill("Navn", "Region med feil")
	v.fill("Kortnavn", "Ugyldig Slug")
	v.fill("Første svar innen (arbeidsdager)", "to")
	// Every error shows at once, in a summary at the top and beside its field; the
	// visitor mends them one at a time, and what was typed stays each time.
	for _, round := range []struct{ label, error, fix string }{
		{"Første svar innen (arbeidsdager)", "Skriv et tall.", "2"},
		{"Kortnavn", "Bruk bare små bokstaver a–z, tall og bindestrek.", "region-uten-feil"},
	} {
		typed := map[string]string{}
		for _, label := range []string{"Navn", "Kortnavn", "Første svar innen (arbeidsdager)"} {
			typed[label] = v.value(label)
		}
		if status := v.press("Opprett regionen"); status != http.StatusUnprocessableEntity {
			v.fatalf("an invalid region answered %d; want 422", status)
		}
		v.sees("Noen felt må rettes.")
		if got := v.fieldError(round.label); got != round.error {
			v.errorf("the error at %q is %q; want %q", round.label, got, round.error)
		}
		for label, want := range typed {
			if got := v.value(label); got != want {
				v.errorf("after the error %q holds %q; want what was typed, %q", label, got, want)
			}
		}
		v.checkPage("nb")
		v.fill(round.label, round.fix)
	}
	if status := v.press("Opprett regionen"); status != http.StatusOK {
		v.fatalf("the corrected region answered %d", status)
	}
	v.sees("Opprettet.", "Region med feil")
}

// TestStaleEditInTwoWindows: two windows open the same record and both save.
// The second is told clearly that someone else changed it, and the first
// change is not overwritten. Today the record is a region's settings; the
// enquiry (scenario 6 of the issue) works the same way with its version.
func TestStaleEditInTwoWindows(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	first := e.visitor(t, "coordinator")
	first.loginDemo(models.RoleCoordinator)
	second := first.window("second")

	region := demoPath(t, e, "/admin/regions/:id")
	first.open(region)
	second.open(region)

	first.fill("Lagringstid (måneder)", "24")
	if status := first.press("Lagre"); status != http.StatusOK {
		first.fatalf("the first save answered %d", status)
	}
	first.sees("Endringene er lagret.")

	second.fill("Navn", "Hamarregionen Næringsutvikling")
	if status := second.press("Lagre"); status != http.StatusConflict {
		second.fatalf("the stale save answered %d; want 409", status)
	}
	// What was typed is kept, with the version read now, and the fields
	// where it differs from the region as saved meanwhile are named.
	second.sees("Noen andre har lagret endringer mens du arbeidet, så endringen din ble ikke lagret.")
	second.sees("det som står i skjemaet: Navn Lagringstid (måneder)")
	if got := second.value("Navn"); got != "Hamarregionen Næringsutvikling" {
		second.errorf("after the conflict the name field holds %q, not what was typed", got)
	}
	second.checkPage("nb")

	second.open(region)
	if got := second.value("Lagringstid (måneder)"); got != "24" {
		second.errorf("the first window's change was lost: retention is %q", got)
	}
	if got := second.value("Navn"); got != "Hamarregionen Utvikling" {
		second.errorf("the stale save changed the name to %q", got)
	}
}

// TestFormsSentEmpty sends the forms of the application empty, as each role
// that has them, and checks the pages that come back: the errors must pass
// every check a page must (each field marked invalid tied to its message, the
// error summary where there is one), in the language of the form.
func TestFormsSentEmpty(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	forms := []struct {
		role, lang, path, button string
	}{
		{"", "nb", "/enquiry?lang=nb", "Send henvendelsen"},
		{"", "ar", "/enquiry?lang=ar", msg("ar", "intake.submit")},
		{"", "nb", demoPath(t, e, "/r/:token"), "Lagre utfall"},
		{models.RoleAdviser, "nb", "/enquiries/new", "Registrer"},
		{models.RoleAdviser, "nb", demoPath(t, e, "/enquiries/:id"), "Send henvisning"},
		{models.RoleAdviser, "nb", demoPath(t, e, "/enquiries/:id"), "Avslutt"},
		{models.RoleAdviser, "nb", demoPath(t, e, "/enquiries/:id"), "Legg til aktivitet"},
		{models.RolePartner, "nb", demoPath(t, e, "/referrals/:id"), "Lagre utfall"},
		{models.RoleCoordinator, "nb", "/projects/new", "Opprett prosjekt"},
		{models.RoleCoordinator, "nb", demoPath(t, e, "/projects/:id/assessments/new"), "Lagre vurderingen"},
		{models.RoleCoordinator, "nb", demoPath(t, e, "/projects/:id"), "Legg til milepæl"},
		{models.RoleAdmin, "nb", "/admin/partners/new", "Opprett partneren"},
		{models.RoleAdmin, "nb", "/admin/users/new", "Opprett brukeren"},
		{models.RoleAdmin, "nb", "/admin/privacy", "Last ned som dokument"},
		{models.RoleAdmin, "nb", "/admin/privacy", "Slett personopplysningene"},
		{models.RoleAdmin, "nb", "/profile", "Bytt passord"},
	}
	visitors := map[string]*visitor{}
	for _, f := range forms {
		v := visitors[f.role]
		if v == nil {
			name := f.role
			if name == "" {
				name = "anonymous"
			}
			v = e.visitor(t, name)
			if f.role != "" {
				v.loginDemo(f.role)
			}
			visitors[f.role] = v
		}
		v.open(f.path)
		// The activity form comes filled in, and the browser checks its date; give it minutes it cannot take.
		if f.button == "Legg til aktivitet" {
			v.fill("Minutter", "-5")
		}
		if status := v.press(f.button); status != http.StatusUnprocessableEntity {
			v.errorf("%s sent empty to %s answered %d; want 422", f.button, f.path, status)
			continue
		}
		if n := eval[int](v, `document.querySelectorAll('[aria-invalid="true"], .ds-validation-message, [role=alert]').length`); n == 0 {
			v.errorf("%s sent empty to %s shows no error", f.button, f.path)
		}
		v.checkPage(f.lang)
	}
}
