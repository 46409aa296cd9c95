package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"samspill/models"
)

// pageForm is what a browser would send from the page's form posted to
// action, as the page draws it: its fields' values, ticked boxes and chosen
// options, the CSRF token and version included.
func pageForm(t *testing.T, page, action string) url.Values {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	for _, form := range findAll(doc, "form") {
		if a, _ := attr(form, "action"); a != action {
			continue
		}
		out := url.Values{}
		for _, in := range findAll(form, "input") {
			name, _ := attr(in, "name")
			kind, _ := attr(in, "type")
			value, hasValue := attr(in, "value")
			_, checked := attr(in, "checked")
			switch {
			case name == "" || kind == "submit" || kind == "button":
			case kind == "checkbox" || kind == "radio":
				if checked {
					if !hasValue {
						value = "on"
					}
					out.Add(name, value)
				}
			default:
				out.Add(name, value)
			}
		}
		for _, sel := range findAll(form, "select") {
			name, _ := attr(sel, "name")
			_, multiple := attr(sel, "multiple")
			opts := findAll(sel, "option")
			chosen := false
			for _, o := range opts {
				if _, ok := attr(o, "selected"); ok {
					v, ok := attr(o, "value")
					if !ok {
						v = textOf(o)
					}
					out.Add(name, v)
					chosen = true
				}
			}
			if !chosen && !multiple && len(opts) > 0 {
				v, ok := attr(opts[0], "value")
				if !ok {
					v = textOf(opts[0])
				}
				out.Add(name, v)
			}
		}
		for _, ta := range findAll(form, "textarea") {
			name, _ := attr(ta, "name")
			out.Add(name, textOf(ta))
		}
		return out
	}
	t.Fatalf("no form posted to %s on the page", action)
	return nil
}

// An edit form sent from a page read before someone else saved is refused
// (409) and changes nothing, but what was typed is not lost: it stays in the
// form, now with the record's version, and the page names the fields where
// it differs from the record as it is now. Sending the form as returned
// saves it, overwriting the other save in those fields.
func TestStaleEditFormsKeepWhatWasTyped(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	pid := demoProjectID(t, ts, demoHamarStange)
	p, err := ts.store.Project(ctx, regionAdmin(t, ts), pid)
	if err != nil || len(p.Milestones) == 0 {
		t.Fatalf("demo project: %v", err)
	}
	siva, err := ts.store.PartnerByName(ctx, "Siva")
	if err != nil {
		t.Fatal(err)
	}
	adviser, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	project, milestone := "/projects/"+itoa(pid), "/projects/"+itoa(pid)+"/milestones/"+itoa(p.Milestones[0].ID)
	partner, user := "/admin/partners/"+itoa(siva.ID), "/admin/users/"+itoa(adviser.ID)
	region := "/admin/regions/" + itoa(demoRegion(t, ts).ID)
	forms := []struct {
		name, role, page, action string
		field, typed             string // what the refused form changed
		other, otherValue        string // what the save before it changed
		differ                   []string
		button                   string // the form's button, which the message says to press again
	}{
		{"project", models.RoleCoordinator, project + "/edit", project, "title", "Næringspark Hamar–Stange II",
			"summary", "Endret av en annen", []string{"Tittel", "Beskrivelse"}, "Lagre"},
		{"milestone", models.RoleCoordinator, project, milestone, "milestone_title", "Skrevet i vindu A",
			"responsible", "Noen andre", []string{"Tiltak eller milepæl", "Ansvarlig"}, "Lagre"},
		{"partner", models.RoleAdmin, partner, partner, "name", "Siva SF",
			"website", "https://siva.example.no", []string{"Navn", "Nettside"}, "Lagre"},
		{"user", models.RoleAdmin, user, user, "name", "Skrevet i vindu A",
			"email", "ny.adresse@example.no", []string{"E-postadresse", "Navn"}, "Lagre"},
		{"region", models.RoleAdmin, region, region, "name", "Skrevet i vindu A",
			"contact_phone", "62 00 00 00", []string{"Navn", "Telefon for henvendelser"}, "Lagre"},
		{"region membership", models.RoleAdmin, region + "?member=3412", region + "/members", "votes", "5",
			"committed_fte", "0,7", []string{"Stemmer", "Årsverk"}, "Lagre medlemskapet"},
		{"municipality", models.RoleAdmin, "/admin/municipalities/3403", "/admin/municipalities/3403", "business_fte", "2,5",
			"organisation", "regional_company", []string{"Organisering av næringsarbeidet", "Årsverk til næringsutvikling"}, "Lagre"},
		// The same field changed in both: named once.
		{"load threshold", models.RoleCoordinator, "/load", "/load/threshold", "threshold", "70",
			"threshold", "60", []string{"Terskel (prosent av kapasiteten)"}, "Lagre"},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			a, b := ts.client(t), ts.client(t)
			a.login(demoEmail(f.role), models.DemoPassword)
			b.login(demoEmail(f.role), models.DemoPassword)
			_, pageA := a.get(f.page)
			formA := pageForm(t, pageA, f.action)
			_, pageB := b.get(f.page)
			formB := pageForm(t, pageB, f.action)
			if formA.Get("version") == "" {
				t.Fatal("the form carries no version")
			}
			formB.Set(f.other, f.otherValue)
			if res, body := b.post(f.action, formB); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("the other save = %d\n%s", res.StatusCode, body)
			}
			before := dbFingerprint(t, ts)
			original := formA.Get(f.other)
			formA.Set(f.field, f.typed)
			res, body := a.post(f.action, formA)
			if res.StatusCode != http.StatusConflict {
				t.Fatalf("stale save = %d; want 409\n%s", res.StatusCode, body)
			}
			if dbFingerprint(t, ts) != before {
				t.Error("the stale save changed the database")
			}
			kept := pageForm(t, body, f.action)
			if kept.Get(f.field) != f.typed || f.other != f.field && kept.Get(f.other) != original {
				t.Errorf("the refused form holds %s=%q, %s=%q; want what was typed, %q and %q",
					f.field, kept.Get(f.field), f.other, kept.Get(f.other), f.typed, original)
			}
			_, now := b.get(f.page)
			if v := pageForm(t, now, f.action).Get("version"); kept.Get("version") != v || v == formA.Get("version") {
				t.Errorf("the refused form carries version %s; want the record's now, %s", kept.Get("version"), v)
			}
			list := "<ul class=\"ds-list\"><li>" + strings.Join(f.differ, "</li><li>") + "</li></ul>"
			if !strings.Contains(body, "Noen andre har lagret endringer mens du arbeidet") || !strings.Contains(body, list) {
				t.Errorf("the page does not say someone else saved first and which fields differ (%s):\n%s", list, body)
			}
			if press := "trykker du " + f.button + " på nytt"; !strings.Contains(body, press) {
				t.Errorf("the message does not name the form's own button: want %q", press)
			}
			if res, body := a.post(f.action, kept); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("sending the kept form again = %d; want 303\n%s", res.StatusCode, body)
			}
			_, saved := a.get(f.page)
			got := pageForm(t, saved, f.action)
			if got.Get(f.field) != f.typed || f.other != f.field && got.Get(f.other) != original {
				t.Errorf("after sending it again %s=%q, %s=%q; want %q and %q", f.field, got.Get(f.field), f.other, got.Get(f.other), f.typed, original)
			}
		})
	}
}

// A milestone deleted by someone else while its edit form was open: saving
// the form changes nothing and says the milestone was deleted meanwhile, not
// that someone saved first (a press again would not save) or that the page
// is not found; what was typed stays, in the form for a new milestone, for
// one press to add it again if it is still needed.
func TestMilestoneDeletedWhileEditing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	pid := demoProjectID(t, ts, demoHamarStange)
	p, err := ts.store.Project(context.Background(), regionAdmin(t, ts), pid)
	if err != nil || len(p.Milestones) == 0 {
		t.Fatalf("demo project: %v", err)
	}
	project, mid := "/projects/"+itoa(pid), itoa(p.Milestones[0].ID)
	milestone := project + "/milestones/" + mid
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	_, page := coord.get(project)
	form := pageForm(t, page, milestone)
	form.Set("milestone_title", "Skrevet før slettingen")
	sqlDB, err := ts.store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqlDB.Exec(`DELETE FROM milestones WHERE id = ` + mid); err != nil {
		t.Fatal(err)
	}
	before := dbFingerprint(t, ts)
	res, body := coord.post(milestone, form)
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("saving the deleted milestone = %d; want 409\n%s", res.StatusCode, body)
	}
	if dbFingerprint(t, ts) != before {
		t.Error("saving the deleted milestone changed the database")
	}
	if !strings.Contains(body, "Milepælen du endret, er slettet mens du arbeidet") || strings.Contains(body, "Noen andre har lagret") || strings.Contains(body, "Last siden") {
		t.Errorf("the page does not say the milestone was deleted meanwhile:\n%s", body)
	}
	kept := pageForm(t, body, project+"/milestones")
	if kept.Get("milestone_title") != "Skrevet før slettingen" || kept.Get("version") != "" {
		t.Errorf("the new milestone's form holds title %q, version %q; want what was typed, no version", kept.Get("milestone_title"), kept.Get("version"))
	}
	if res, body := coord.post(project+"/milestones", kept); res.StatusCode != http.StatusSeeOther {
		t.Errorf("adding what was typed = %d; want 303\n%s", res.StatusCode, body)
	}
}

// A choice with nothing typed, sent from a page read before someone else
// changed the record (the closed project's status form, a user's admin
// role), is refused (409) and changes nothing; the message says someone else
// changed it meanwhile and what it now is, not to reload the page, and the
// page, read now, takes one more press.
func TestStaleChoicesSayWhatIsNow(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	closed := "/projects/" + itoa(demoProjectID(t, ts, "Kompetanseløft for reiselivet rundt Mjøsa"))
	adviser, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	user := "/admin/users/" + itoa(adviser.ID)
	forms := []struct {
		name, role, page, action string
		typed                    map[string]string // the choice sent stale
		other                    string            // the form someone else sent first
		otherTyped               map[string]string
		says                     string
	}{
		{"project status", models.RoleCoordinator, closed, closed + "/status", map[string]string{"status": "active"},
			closed + "/status", map[string]string{"status": "stopped"},
			"Noen andre har endret prosjektet mens du arbeidet, så statusen ble ikke endret. Her er prosjektet slik det er nå, med status «Stanset»."},
		{"admin role", models.RoleAdmin, user, user + "/admin", map[string]string{"admin": "true"},
			user, map[string]string{"name": "Endret av en annen"},
			"Noen andre har endret brukeren mens du arbeidet, så administratorrollen ble ikke endret. Brukeren er nå ikke administrator."},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			a, b := ts.client(t), ts.client(t)
			a.login(demoEmail(f.role), models.DemoPassword)
			b.login(demoEmail(f.role), models.DemoPassword)
			_, pageA := a.get(f.page)
			formA := pageForm(t, pageA, f.action)
			_, pageB := b.get(f.page)
			formB := pageForm(t, pageB, f.other)
			for k, v := range f.otherTyped {
				formB.Set(k, v)
			}
			if res, body := b.post(f.other, formB); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("the other save = %d\n%s", res.StatusCode, body)
			}
			before := dbFingerprint(t, ts)
			for k, v := range f.typed {
				formA.Set(k, v)
			}
			res, body := a.post(f.action, formA)
			if res.StatusCode != http.StatusConflict {
				t.Fatalf("stale save = %d; want 409\n%s", res.StatusCode, body)
			}
			if dbFingerprint(t, ts) != before {
				t.Error("the stale save changed the database")
			}
			if !strings.Contains(body, f.says) || strings.Contains(body, "Last siden") {
				t.Errorf("the page does not say %q (or says to reload):\n%s", f.says, body)
			}
			again := pageForm(t, body, f.action)
			for k, v := range f.typed {
				again.Set(k, v)
			}
			if res, body := a.post(f.action, again); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("choosing again on the page = %d; want 303\n%s", res.StatusCode, body)
			}
		})
	}
}
