package cli

import (
	"net/http"
	"testing"

	"samspill/models"
)

// TestScenarioFormSentAfterLogout: an adviser writes an activity note on a case
// while the session ends in another window, and sends it. Nothing is saved,
// and nothing typed is lost: the page says they were logged out, gives the
// note back to copy, and its log-in link returns to the case. Then the same
// with the session renewed in the other window (a log-in there), which the
// CSRF check refuses: the note is given back, with a link to open the case
// again. Both pages pass every check a page must.
func TestScenarioFormSentAfterLogout(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	first := e.visitor(t, "adviser")
	first.loginDemo(models.RoleAdviser)
	second := first.window("second")
	enquiry := demoPath(t, e, "/enquiries/:id")
	note := "Ringte gründeren om finansiering <b>før</b> fristen & avtalte et møte neste uke."

	first.open(enquiry)
	first.within("Aktiviteter", func() { first.fill("Tekst", note) })
	second.open("/dashboard")
	second.press("Logg ut")
	if status := first.press("Legg til aktivitet"); status != http.StatusUnauthorized {
		first.fatalf("the note sent after logging out in another window answered %d; want 401", status)
	}
	first.sees("Du ble logget ut før skjemaet ble lagret")
	if got := first.value("Tekst 1"); got != note {
		first.errorf("the page gives back %q; want the note, %q", got, note)
	}
	first.checkPage("nb")
	first.follow("Logg inn og gå tilbake til siden skjemaet var på")
	first.fill("E-postadresse", demoEmail(models.RoleAdviser))
	first.fill("Passord", models.DemoPassword)
	first.press("Logg inn")
	if got := first.path(); got != enquiry {
		first.fatalf("after logging in from the link the adviser is on %s; want the case, %s", got, enquiry)
	}

	first.within("Aktiviteter", func() { first.fill("Tekst", note) })
	second.open("/dashboard")
	second.press("Logg ut")
	second.loginDemo(models.RoleAdviser)
	if status := first.press("Legg til aktivitet"); status != http.StatusForbidden {
		first.fatalf("the note sent after a new log-in in another window answered %d; want 403", status)
	}
	first.sees("Åpne siden på nytt og lim inn teksten")
	if got := first.value("Tekst 1"); got != note {
		first.errorf("the page gives back %q; want the note, %q", got, note)
	}
	first.checkPage("nb")
	first.follow("Åpne siden skjemaet var på")
	if got := first.path(); got != enquiry {
		first.errorf("the link to open the page again leads to %s; want the case, %s", got, enquiry)
	}
}
