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
	}{
		{"draft text", models.RoleAdviser, draft, "/draft", map[string]string{"contact_name": "Kari Kontakt"},
			models.RoleAdviser, "/draft", map[string]string{"message": "Endret av en annen"},
			"lagret endringer mens du arbeidet", []string{"Kontaktperson hos partneren", "Melding til partneren"},
			map[string]string{"contact_name": "Kari Kontakt", "message": "Utkast"}},
		{"follow-up date", models.RoleAdviser, sent, "/follow-up", map[string]string{"follow_up_due": today.AddDate(0, 0, 30).Format("2006-01-02")},
			models.RoleCoordinator, "/follow-up", map[string]string{"follow_up_due": today.AddDate(0, 0, 20).Format("2006-01-02")},
			"lagret endringer mens du arbeidet", []string{"Ny oppfølgingsdato"},
			map[string]string{"follow_up_due": today.AddDate(0, 0, 30).Format("2006-01-02")}},
		{"partner's outcome", models.RolePartner, sent, "/close",
			map[string]string{"outcome": "supported", "outcome_reason": "granted", "instrument": "start_up_grant", "amount_nok": "150 000"},
			models.RolePartner, "/status", nil,
			"endret henvisningen mens du arbeidet (den har nå status «Bekreftet mottatt»), så utfallet ble ikke lagret", nil,
			map[string]string{"outcome": "supported", "outcome_reason": "granted", "instrument": "start_up_grant", "amount_nok": "150 000"}},
		{"partner's acknowledgement", models.RolePartner, sent, "/status", nil,
			models.RoleAdviser, "/follow-up", map[string]string{"follow_up_due": today.AddDate(0, 0, 20).Format("2006-01-02")},
			"endret henvisningen mens du arbeidet, så endringen din ble ikke lagret. Her er henvisningen slik den er nå, med status «Sendt»", nil, nil},
		{"draft sent", models.RoleAdviser, draft, "/status", nil,
			models.RoleAdviser, "/draft", map[string]string{"message": "Endret av en annen"},
			"endret henvisningen mens du arbeidet, så endringen din ble ikke lagret. Her er henvisningen slik den er nå, med status «Utkast»", nil, nil},
		{"draft discarded", models.RoleAdviser, draft, "/discard", nil,
			models.RoleAdviser, "/draft", map[string]string{"message": "Endret av en annen"},
			"endret henvisningen mens du arbeidet, så endringen din ble ikke lagret. Her er henvisningen slik den er nå, med status «Utkast»", nil, nil},
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
