package app

import (
	"net/http"
	"strings"
	"testing"

	"samspill/models"
)

// A form on a referral's page sent from a page read before someone else
// changed the referral is refused (409) and changes nothing. What was typed
// stays in the form, now with the referral's version, beside the fields
// where it differs from the referral now (a draft's text, the follow-up
// date), or beside the referral's status now (the outcome, which an open
// referral has none of); a button with nothing typed says what the referral
// now is. None says to reload the page, and one more press saves.
func TestStaleReferralFormsKeepWhatWasTyped(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	today := ts.store.Now().In(models.Oslo)
	draft := func(t *testing.T) string { _, _, rid := draftReferral(t, ts, models.RoleAdviser); return rid }
	sent := func(t *testing.T) string { _, rid := sentReferral(t, ts, true); return rid }
	forms := []struct {
		name, role string
		referral   func(*testing.T) string
		action     string            // the form sent stale, under /referrals/ID
		typed      map[string]string // what it changes
		otherRole  string
		other      string            // the form someone else sent first, under /referrals/ID
		otherTyped map[string]string // what that changed
		says       string            // the message, after "Noen andre har"
		differ     []string          // the fields named as differing
		kept       map[string]string // what the refused form holds
		button     string            // the form's button, which the message says to press again
	}{
		{"draft text", models.RoleAdviser, draft, "/draft", map[string]string{"contact_name": "Kari Kontakt"},
			models.RoleAdviser, "/draft", map[string]string{"message": "Endret av en annen"},
			"lagret endringer mens du arbeidet", []string{"Kontaktperson hos partneren", "Melding til partneren"},
			map[string]string{"contact_name": "Kari Kontakt", "message": "Utkast"}, "Lagre utkastet"},
		{"follow-up date", models.RoleAdviser, sent, "/follow-up", map[string]string{"follow_up_due": today.AddDate(0, 0, 30).Format("2006-01-02")},
			models.RoleCoordinator, "/follow-up", map[string]string{"follow_up_due": today.AddDate(0, 0, 20).Format("2006-01-02")},
			"lagret endringer mens du arbeidet", []string{"Ny oppfølgingsdato"},
			map[string]string{"follow_up_due": today.AddDate(0, 0, 30).Format("2006-01-02")}, "Endre oppfølgingsdato"},
		{"partner's outcome", models.RolePartner, sent, "/close",
			map[string]string{"outcome": "supported", "outcome_reason": "granted", "instrument": "start_up_grant", "amount_nok": "150 000"},
			models.RolePartner, "/status", nil,
			"endret henvisningen mens du arbeidet (den har nå status «Bekreftet mottatt»), så utfallet ble ikke lagret", nil,
			map[string]string{"outcome": "supported", "outcome_reason": "granted", "instrument": "start_up_grant", "amount_nok": "150 000"}, ""},
		{"partner's acknowledgement", models.RolePartner, sent, "/status", nil,
			models.RoleAdviser, "/follow-up", map[string]string{"follow_up_due": today.AddDate(0, 0, 20).Format("2006-01-02")},
			"endret henvisningen mens du arbeidet, så endringen din ble ikke lagret. Her er henvisningen slik den er nå, med status «Sendt»", nil, nil, ""},
		{"draft sent", models.RoleAdviser, draft, "/status", nil,
			models.RoleAdviser, "/draft", map[string]string{"message": "Endret av en annen"},
			"endret henvisningen mens du arbeidet, så endringen din ble ikke lagret. Her er henvisningen slik den er nå, med status «Utkast»", nil, nil, ""},
		{"draft discarded", models.RoleAdviser, draft, "/discard", nil,
			models.RoleAdviser, "/draft", map[string]string{"message": "Endret av en annen"},
			"endret henvisningen mens du arbeidet, så endringen din ble ikke lagret. Her er henvisningen slik den er nå, med status «Utkast»", nil, nil, ""},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			path := "/referrals/" + f.referral(t)
			a, b := ts.client(t), ts.client(t)
			a.login(demoEmail(f.role), models.DemoPassword)
			b.login(demoEmail(f.otherRole), models.DemoPassword)
			_, pageA := a.get(path)
			formA := pageForm(t, pageA, path+f.action)
			_, pageB := b.get(path)
			formB := pageForm(t, pageB, path+f.other)
			for k, v := range f.otherTyped {
				formB.Set(k, v)
			}
			if res, body := b.post(path+f.other, formB); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("the other save = %d\n%s", res.StatusCode, body)
			}
			before := dbFingerprint(t, ts)
			for k, v := range f.typed {
				formA.Set(k, v)
			}
			res, body := a.post(path+f.action, formA)
			if res.StatusCode != http.StatusConflict {
				t.Fatalf("stale save = %d; want 409\n%s", res.StatusCode, body)
			}
			if dbFingerprint(t, ts) != before {
				t.Error("the stale save changed the database")
			}
			if !strings.Contains(body, "Noen andre har "+f.says) || strings.Contains(body, "Last siden") {
				t.Errorf("the page does not say %q (or says to reload):\n%s", f.says, body)
			}
			list := "<ul class=\"ds-list\"><li>" + strings.Join(f.differ, "</li><li>") + "</li></ul>"
			if f.differ != nil && !strings.Contains(body, list) {
				t.Errorf("the page does not name the fields that differ (%s)", list)
			}
			if press := "trykker du " + f.button + " på nytt"; f.button != "" && !strings.Contains(body, press) {
				t.Errorf("the message does not name the form's own button: want %q in\n%s", press, body)
			}
			kept := pageForm(t, body, path+f.action)
			for k, v := range f.kept {
				if kept.Get(k) != v {
					t.Errorf("the refused form holds %s=%q; want %q", k, kept.Get(k), v)
				}
			}
			_, now := b.get(path)
			if v := pageForm(t, now, path+f.other).Get("version"); kept.Get("version") != v || v == formA.Get("version") {
				t.Errorf("the refused form carries version %s; want the referral's now, %s", kept.Get("version"), v)
			}
			if res, body := a.post(path+f.action, kept); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("sending the kept form again = %d; want 303\n%s", res.StatusCode, body)
			}
		})
	}
}

// A referral form refused for what was typed (422) keeps the version it was
// read at, as the other edit forms do: mended and sent again, a form read
// before someone else's change is still refused as stale (409, with what
// that change made named), not saved over it unseen.
func TestRefusedReferralFormKeepsTheVersionRead(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	today := ts.store.Now().In(models.Oslo)
	forms := []struct {
		name, role string
		sent       bool   // a sent referral, else a draft
		action     string // under /referrals/ID
		bad, good  map[string]string
		other      string // the form someone else sent first, under /referrals/ID
		otherTyped map[string]string
	}{
		{"draft text", models.RoleAdviser, false, "/draft", map[string]string{"contact_email": "ikke en adresse"}, map[string]string{"contact_email": "kari@example.no"},
			"/draft", map[string]string{"message": "Endret av en annen"}},
		{"follow-up date", models.RoleAdviser, true, "/follow-up", map[string]string{"follow_up_due": "2020-01-01"},
			map[string]string{"follow_up_due": today.AddDate(0, 0, 30).Format("2006-01-02")},
			"/follow-up", map[string]string{"follow_up_due": today.AddDate(0, 0, 20).Format("2006-01-02")}},
		{"partner's outcome", models.RolePartner, true, "/close", map[string]string{"outcome": "supported", "outcome_reason": "granted", "amount_nok": "mye"},
			map[string]string{"amount_nok": "150 000", "instrument": "start_up_grant"}, "/status", nil},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			var rid string
			if f.sent {
				_, rid = sentReferral(t, ts, true)
			} else {
				_, _, rid = draftReferral(t, ts, models.RoleAdviser)
			}
			path := "/referrals/" + rid
			a, b := ts.client(t), ts.client(t)
			a.login(demoEmail(f.role), models.DemoPassword)
			b.login(demoEmail(f.role), models.DemoPassword)
			_, pageA := a.get(path)
			formA := pageForm(t, pageA, path+f.action)
			_, pageB := b.get(path)
			formB := pageForm(t, pageB, path+f.other)
			for k, v := range f.otherTyped {
				formB.Set(k, v)
			}
			if res, body := b.post(path+f.other, formB); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("the other save = %d\n%s", res.StatusCode, body)
			}
			for k, v := range f.bad {
				formA.Set(k, v)
			}
			res, body := a.post(path+f.action, formA)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("the stale form with a typing error = %d; want 422\n%s", res.StatusCode, body)
			}
			refused := pageForm(t, body, path+f.action)
			if refused.Get("version") != formA.Get("version") {
				t.Errorf("the refused form carries version %s; want the one read, %s", refused.Get("version"), formA.Get("version"))
			}
			before := dbFingerprint(t, ts)
			for k, v := range f.good {
				refused.Set(k, v)
			}
			if res, body := a.post(path+f.action, refused); res.StatusCode != http.StatusConflict || !strings.Contains(body, "Noen andre har ") {
				t.Errorf("the stale form, mended = %d; want 409 saying someone else changed the referral\n%s", res.StatusCode, body)
			}
			if dbFingerprint(t, ts) != before {
				t.Error("the stale form, mended, changed the database")
			}
		})
	}
}
